"""The one FilterSet of cases: the case list, a workflow's page, the 待办 inbox, the exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ChoiceField as FilterChoiceField
from drf_spectacular.utils import extend_schema_field

from emis.core.filtersets import ScopedFilterSet, yes_no
from emis.orgs.choices import DivisionLevel
from emis.orgs.models import Division, School

from . import declaration
from .models import CalendarDay, CalendarYear, Case, Urgency


class DeclaredChoiceField(FilterChoiceField):
    """A select of declared codes that accepts any code: one no longer (or not yet) declared matches no case rather
    than being an error (the choices depend on which workflows this deployment declares). Its first choice is
    "全部" (django-filter's empty choice), as on every other list: a plain ChoiceField showed the first workflow
    as if the 待办 list were filtered by it."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and len(value) <= 64


@extend_schema_field({"type": "string", "maxLength": 64})
class DeclaredChoiceFilter(django_filters.ChoiceFilter):
    field_class = DeclaredChoiceField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
class TownshipFilter(django_filters.ModelChoiceFilter):
    """A township by its id; its cases are those filed under its code."""


def workflow_choices() -> list[tuple[str, str]]:
    return [(w.code, w.label) for w in declaration.all_workflows()]


def state_choices() -> list[tuple[str, str]]:
    """Every declared state code once (workflows may share codes such as draft), labelled by the first workflow
    that declares it; narrowed to one workflow's states when the form is for one workflow."""
    seen: dict[str, str] = {}
    for workflow in declaration.all_workflows():
        for state in workflow.states:
            seen.setdefault(state.code, state.label)
    return list(seen.items())


class CaseFilterSet(ScopedFilterSet):
    search_fields = ("title",)
    workflow = DeclaredChoiceFilter(choices=workflow_choices, label=_("流程"))
    state = DeclaredChoiceFilter(choices=state_choices, label=_("状态"))
    # Picked by typing (emis.core.pickers, through ScopedFilterSet): the filter renders only the chosen school.
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("学校"))
    township = TownshipFilter(
        queryset=Division.objects.filter(level=DivisionLevel.TOWNSHIP),
        method="filter_township",
        label=_("乡镇"),
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("时限状态"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull", label=_("未办结"))

    class Meta:
        model = Case
        fields = ("q", "workflow", "state", "school", "township", "urgency", "overdue", "open")

    def __init__(self, *args, workflow: declaration.Workflow | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if workflow is not None:
            # A workflow's own page: its states only, and no workflow to choose.
            self.filters.pop("workflow")
            self.filters["state"].extra["choices"] = [(s.code, s.label) for s in workflow.states]

    def filter_township(self, queryset, name, value):
        return queryset.filter(township_code=value.code) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return yes_no(queryset, Q(urgency=Urgency.OVERDUE), value)


class CalendarDayFilterSet(ScopedFilterSet):
    search_fields = ("name",)
    year = django_filters.NumberFilter(field_name="date__year", label=_("年份"))

    class Meta:
        model = CalendarDay
        fields = ("q", "year", "kind")


class CalendarYearFilterSet(ScopedFilterSet):
    search_fields = ("year", "source")

    class Meta:
        model = CalendarYear
        fields = ("q",)
