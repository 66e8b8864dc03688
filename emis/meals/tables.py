import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import DailyStandard, MonthlyReport, Participation, SchoolDays
from .workflows import MONTHLY_REPORT


class ParticipationTable(BaseTable):
    school = tables.Column(linkify=True, verbose_name=_("学校"))
    township = tables.Column(accessor="school__township__name", verbose_name=_("乡镇"))

    class Meta(BaseTable.Meta):
        model = Participation
        fields = ("school", "township", "scheme", "start_date", "end_date", "note")


class DailyStandardTable(BaseTable):
    effective_from = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = DailyStandard
        fields = ("effective_from", "amount", "basis")


class SchoolDaysTable(BaseTable):
    month = tables.DateColumn(format="Y-m", linkify=True)
    school = tables.Column(default=_("全县默认"))

    class Meta(BaseTable.Meta):
        model = SchoolDays
        fields = ("month", "school", "days", "note")


class MonthlyReportTable(BaseTable):
    month = tables.DateColumn(format="Y-m", linkify=True, verbose_name=_("月份"))
    school = tables.Column(verbose_name=_("学校"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("报送期限"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = MonthlyReport
        fields = (
            "month",
            "school",
            "state",
            "expected_beneficiaries",
            "beneficiaries",
            "expected_days",
            "days",
            "expected_amount",
            "amount",
            "due_on",
            "urgency",
        )

    def render_state(self, record):
        return MONTHLY_REPORT.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"
