import django_filters
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES, SENIOR_SCHOOL_CATEGORIES
from emis.orgs.models import School, SchoolYear

from .choices import AppealStatus, Outcome, Phase, QuotaRule, RoundStatus
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool
from .selectors import visible_results_q


class AdmissionRoundFilterSet(ScopedFilterSet):
    search_fields = ("name", "note")
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("招生学年"))
    status = django_filters.ChoiceFilter(choices=RoundStatus.choices, label=_("状态"))
    quota_rule = django_filters.ChoiceFilter(choices=QuotaRule.choices, label=_("指标分配办法"))

    class Meta:
        model = AdmissionRound
        fields = ("q", "school_year", "status", "quota_rule")


class RoundSchoolFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code")
    round = django_filters.ModelChoiceFilter(queryset=AdmissionRound.objects.all(), label=_("录取批次"))
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(category__in=SENIOR_SCHOOL_CATEGORIES), label=_("高中学校")
    )
    is_quality = django_filters.BooleanFilter(label=_("优质高中"))

    class Meta:
        model = RoundSchool
        fields = ("q", "round", "school", "is_quality")


class QuotaAllocationFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "junior_school__name", "junior_school__code")
    round = django_filters.ModelChoiceFilter(queryset=AdmissionRound.objects.all(), label=_("录取批次"))
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(category__in=SENIOR_SCHOOL_CATEGORIES), label=_("高中学校")
    )
    junior_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(category__in=JUNIOR_SCHOOL_CATEGORIES), label=_("初中学校")
    )

    class Meta:
        model = QuotaAllocation
        fields = ("q", "round", "school", "junior_school")


class ApplicantFilterSet(ScopedFilterSet):
    """Filters by result only match rounds whose results the user may see (published, or the county level)."""

    search_fields = ("exam_no", "name")
    initials_field = "name_initials"
    round = django_filters.ModelChoiceFilter(queryset=AdmissionRound.objects.all(), label=_("录取批次"))
    # Schools do not see the county's rounds (nor offer them as choices): they filter by school year instead.
    school_year = django_filters.ModelChoiceFilter(
        queryset=SchoolYear.objects.all(), field_name="round__school_year", label=_("招生学年")
    )
    junior_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(category__in=JUNIOR_SCHOOL_CATEGORIES), label=_("毕业初中")
    )
    eligible = django_filters.BooleanFilter(label=_("具备指标生资格"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, method="filter_outcome", label=_("录取结果"))
    result_school = django_filters.ModelChoiceFilter(
        queryset=School.objects.filter(category__in=SENIOR_SCHOOL_CATEGORIES),
        method="filter_result_school",
        label=_("录取学校"),
    )

    class Meta:
        model = Applicant
        fields = ("q", "round", "school_year", "junior_school", "eligible", "outcome", "result_school")

    def _results(self, queryset):
        user = getattr(self.request, "user", None)
        return queryset.filter(visible_results_q(user)) if user is not None else queryset.none()

    def filter_outcome(self, queryset, name, value):
        if not value:
            return queryset
        phase = {Outcome.QUOTA: Phase.QUOTA, Outcome.OPEN: Phase.OPEN, Outcome.NONE: ""}[value]
        return self._results(queryset).filter(result_phase=phase)

    def filter_result_school(self, queryset, name, value):
        if not value:
            return queryset
        return self._results(queryset).filter(result_school=value)


class AppealFilterSet(ScopedFilterSet):
    search_fields = ("applicant__exam_no", "applicant__name", "reason")
    round = django_filters.ModelChoiceFilter(
        queryset=AdmissionRound.objects.all(), field_name="applicant__round", label=_("录取批次")
    )
    status = django_filters.ChoiceFilter(field_name="case__state", choices=AppealStatus.choices, label=_("处理状态"))

    class Meta:
        model = Appeal
        fields = ("q", "round", "status")
