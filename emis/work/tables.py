"""The case tables: the case list, a workflow's page and the 待办 inbox (labels from the declarations)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from . import declaration
from .calendar import package_years
from .models import CalendarDay, CalendarYear, Case, Urgency

URGENCY_BADGES = {
    Urgency.NORMAL: "",
    Urgency.DUE_SOON: "bg-yellow text-yellow-fg",
    Urgency.OVERDUE: "bg-red text-red-fg",
}


def workflow_label(code: str):
    try:
        return declaration.get(code).label
    except LookupError:
        return code


def state_label(workflow: str, state: str):
    try:
        return declaration.get(workflow).state_label(state)
    except LookupError:
        return state


def place_label(case: Case, township_names: dict) -> str:
    """The school, or the township or county division the case is filed under."""
    if case.school_id is not None:
        return case.school.name
    return township_names.get(case.division_code, case.division_code)


class CaseTable(BaseTable):
    title = tables.Column(linkify=lambda record: reverse("work:case_detail", args=[record.pk]))
    workflow = tables.Column(verbose_name=_("流程"))
    state = tables.Column(verbose_name=_("状态"))
    school = tables.Column(verbose_name=_("学校/单位"), order_by=("school__name", "division_code"), empty_values=())
    township = tables.Column(verbose_name=_("乡镇"), accessor="township_code", orderable=True)
    due_on = tables.Column(verbose_name=_("期限"))
    urgency = tables.Column(verbose_name=_("时限状态"))
    updated_at = tables.DateTimeColumn(verbose_name=_("最近办理"), format="Y-m-d H:i")

    class Meta(BaseTable.Meta):
        model = Case
        fields = ("title", "workflow", "state", "school", "township", "due_on", "urgency", "updated_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names = None

    def division_names(self) -> dict:
        """Township and county names by code: one query for the whole table, whatever the number of rows."""
        if self._names is None:
            from emis.orgs.models import Division

            self._names = dict(Division.objects.filter(level__in=("county", "township")).values_list("code", "name"))
        return self._names

    def render_workflow(self, value):
        return workflow_label(value)

    def render_state(self, value, record):
        return state_label(record.workflow, value)

    def render_school(self, record):
        return place_label(record, self.division_names())

    def render_township(self, value):
        return self.division_names().get(value, value) if value and len(value) > 6 else "—"

    def render_urgency(self, value, record):
        if record.closed_at is not None:
            return _("已办结")
        label = Urgency(value).label if value in Urgency.values else value
        badge = URGENCY_BADGES.get(value, "")
        return format_html('<span class="badge {}">{}</span>', badge, label) if badge else label


class CalendarDayTable(BaseTable):
    date = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("日期"))

    class Meta(BaseTable.Meta):
        model = CalendarDay
        fields = ("date", "kind", "name")
        empty_text = format_lazy(
            _(
                "尚无调整。系统按国家法定节假日和调休安排自动计算工作日（已知至 {year} 年）；"
                "国务院办公厅公布下一年度放假"
                "安排后，由系统管理员在此逐日录入节假日和调休上班日，并在“已录入年度”中登记该年。"
            ),
            year=package_years()[-1],
        )


class CalendarYearTable(BaseTable):
    year = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("年份"))

    class Meta(BaseTable.Meta):
        model = CalendarYear
        fields = ("year", "source")
        empty_text = format_lazy(
            _("尚未录入任何年度：已知年份（至 {year} 年）的工作日按国家安排自动计算。"), year=package_years()[-1]
        )
