import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from .models import DailyStandard, MonthlyReport, Participation, Scheme, SchoolDays
from .workflows import MONTHLY_REPORT

STATE_CHOICES = [(state.code, state.label) for state in MONTHLY_REPORT.states]


def _township():
    return django_filters.ModelChoiceFilter(
        field_name="school__township", queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )


class ParticipationFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "note")
    scheme = django_filters.ChoiceFilter(choices=Scheme.choices, label=_("试点类型"))
    township = _township()
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    on = django_filters.DateFilter(method="filter_on", label=_("某日在实施"))

    class Meta:
        model = Participation
        fields = ("q", "scheme", "township", "school", "on")

    def filter_on(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(start_date__lte=value).filter(Q(end_date__isnull=True) | Q(end_date__gte=value))


class DailyStandardFilterSet(ScopedFilterSet):
    search_fields = ("basis",)

    class Meta:
        model = DailyStandard
        fields = ("q",)


class SchoolDaysFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code", "note")
    month = django_filters.DateFilter(label=_("月份"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    county_default = django_filters.BooleanFilter(field_name="school", lookup_expr="isnull", label=_("全县默认"))

    class Meta:
        model = SchoolDays
        fields = ("q", "month", "school", "county_default")


class MonthlyReportFilterSet(ScopedFilterSet):
    search_fields = ("school__name", "school__code")
    month = django_filters.DateFilter(label=_("月份"))
    state = django_filters.ChoiceFilter(field_name="case__state", choices=STATE_CHOICES, label=_("状态"))
    township = _township()
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    differs = django_filters.BooleanFilter(method="filter_differs", label=_("上报与应报不一致"))

    class Meta:
        model = MonthlyReport
        fields = ("q", "month", "state", "township", "school", "overdue", "differs")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(case__urgency="overdue", case__closed_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_differs(self, queryset, name, value):
        if value is None:
            return queryset
        from django.db.models import F

        differs = Q(beneficiaries__isnull=False) & (
            ~Q(beneficiaries=F("expected_beneficiaries"))
            | ~Q(days=F("expected_days"))
            | ~Q(amount=F("expected_amount"))
        )
        return queryset.filter(differs) if value else queryset.exclude(differs)
