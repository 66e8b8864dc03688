import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet, yes_no
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division

from . import selectors
from .models import Channel, Complaint, FeePlan, Institution, JointCheck, Kind, LegalForm, ListMark, Status, Teacher
from .workflows import COMPLAINT

COMPLAINT_STATES = [(state.code, state.label) for state in COMPLAINT.states]


def _township(field_name: str):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )


class InstitutionFilterSet(ScopedFilterSet):
    search_fields = ("name", "credit_code", "licence_number", "address", "subjects", "principal")
    township = _township("township")
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("培训类别"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("办学状态"))
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices, label=_("法人类型"))
    list_mark = django_filters.ChoiceFilter(choices=ListMark.choices[1:], label=_("黑白名单"))
    converted = django_filters.BooleanFilter(method="filter_converted", label=_("已营转非"))
    contract = django_filters.BooleanFilter(field_name="standard_contract", label=_("使用示范合同文本"))
    annual_result = django_filters.ChoiceFilter(
        choices=selectors.ANNUAL_RESULTS, method="filter_annual_result", label=_("最近年检结论")
    )

    class Meta:
        model = Institution
        fields = (
            "q",
            "township",
            "kind",
            "status",
            "legal_form",
            "list_mark",
            "converted",
            "contract",
            "annual_result",
        )

    def filter_annual_result(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.annotate(_annual=selectors.latest_annual_result()).filter(_annual=value)

    def filter_converted(self, queryset, name, value):
        return yes_no(queryset, Q(converted_on__isnull=False), value)


class TeacherFilterSet(ScopedFilterSet):
    search_fields = ("name", "subject", "certificate", "institution__name")
    township = _township("institution__township")
    kind = django_filters.ChoiceFilter(field_name="institution__kind", choices=Kind.choices, label=_("培训类别"))
    certified = django_filters.BooleanFilter(method="filter_certified", label=_("有教师资格证"))

    class Meta:
        model = Teacher
        fields = ("q", "township", "kind", "certified")

    def filter_certified(self, queryset, name, value):
        return yes_no(queryset, ~Q(certificate=""), value)


class FeePlanFilterSet(ScopedFilterSet):
    search_fields = ("course", "institution__name")
    township = _township("institution__township")
    kind = django_filters.ChoiceFilter(field_name="institution__kind", choices=Kind.choices, label=_("培训类别"))

    class Meta:
        model = FeePlan
        fields = ("q", "township", "kind")


class ComplaintFilterSet(ScopedFilterSet):
    search_fields = ("institution__name", "complainant", "content", "result")
    township = _township("institution__township")
    state = django_filters.ChoiceFilter(field_name="case__state", choices=COMPLAINT_STATES, label=_("状态"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("来源渠道"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    received_after = django_filters.DateFilter(field_name="received_on", lookup_expr="gte", label=_("受理日期起"))
    received_before = django_filters.DateFilter(field_name="received_on", lookup_expr="lte", label=_("受理日期止"))

    class Meta:
        model = Complaint
        fields = ("q", "township", "state", "channel", "overdue", "received_after", "received_before")

    def filter_overdue(self, queryset, name, value):
        return yes_no(queryset, Q(case__urgency="overdue", case__closed_at__isnull=True), value)


class JointCheckFilterSet(ScopedFilterSet):
    search_fields = ("findings", "measures", "campaign")
    township = _township("township")
    checked_after = django_filters.DateFilter(field_name="checked_on", lookup_expr="gte", label=_("检查日期起"))
    checked_before = django_filters.DateFilter(field_name="checked_on", lookup_expr="lte", label=_("检查日期止"))

    class Meta:
        model = JointCheck
        fields = ("q", "township", "checked_after", "checked_before")
