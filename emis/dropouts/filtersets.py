import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.filtersets import ScopedFilterSet
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School, SchoolYear

from .categories import Category
from .models import DropoutCase, DropoutReason, MonthlyReport
from .workflows import DROPOUT_RETURN, MONTHLY_REPORT

STATE_CHOICES = [(state.code, state.label) for state in DROPOUT_RETURN.states]
LEDGER_CHOICES = (("suspected", _("疑似辍学学生台账")), ("dropouts", _("辍学学生台账")))


class DropoutCaseFilterSet(ScopedFilterSet):
    """One FilterSet for the case list, the two case ledgers and their exports."""

    search_fields = ("name",)
    school_year = django_filters.ModelChoiceFilter(queryset=SchoolYear.objects.all(), label=_("学年"))
    township = django_filters.ModelChoiceFilter(
        method="filter_township", queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )
    school = django_filters.ModelChoiceFilter(field_name="case__school", queryset=School.objects.all(), label=_("学校"))
    state = django_filters.ChoiceFilter(field_name="case__state", choices=STATE_CHOICES, label=_("状态"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("比对类别"))
    dropout_reason = django_filters.ChoiceFilter(choices=DropoutReason.choices, label=_("辍学原因"))
    ledger = django_filters.ChoiceFilter(method="filter_ledger", choices=LEDGER_CHOICES, label=_("台账"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))

    class Meta:
        model = DropoutCase
        fields = ("q", "school_year", "township", "school", "state", "category", "dropout_reason", "ledger", "overdue")

    def filter_township(self, queryset, name, value):
        return queryset.filter(case__township_code=value.code) if value else queryset

    def filter_ledger(self, queryset, name, value):
        if value == "suspected":
            return queryset.filter(confirmed_at__isnull=True)
        if value == "dropouts":
            return queryset.filter(confirmed_at__isnull=False)
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(case__urgency="overdue", case__closed_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class MonthlyReportFilterSet(ScopedFilterSet):
    search_fields = ("school__name",)
    search_hint = _("学校名称")
    township = django_filters.ModelChoiceFilter(
        field_name="school__township", queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP), label=_("乡镇")
    )
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    month = django_filters.DateFilter(label=_("月份"))
    state = django_filters.ChoiceFilter(
        field_name="case__state", choices=[(s.code, s.label) for s in MONTHLY_REPORT.states], label=_("状态")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))

    class Meta:
        model = MonthlyReport
        fields = ("q", "township", "school", "month", "state", "overdue")

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(case__urgency="overdue", case__closed_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
