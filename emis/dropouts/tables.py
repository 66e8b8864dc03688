import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import DropoutCase, MonthlyReport
from .workflows import DROPOUT_RETURN, MONTHLY_REPORT


class DropoutCaseTable(BaseTable):
    name = tables.Column(linkify=True, verbose_name=_("姓名"))
    township = tables.Column(accessor="hukou_township__name", verbose_name=_("户籍乡镇"))
    village = tables.Column(accessor="hukou_village__name", verbose_name=_("户籍村/社区"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("期限"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = DropoutCase
        fields = ("name", "gender", "birth_date", "township", "village", "school", "category", "state", "due_on")

    def render_state(self, record):
        return DROPOUT_RETURN.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"


class MonthlyReportTable(BaseTable):
    school = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("学校"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("报送期限"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = MonthlyReport
        fields = ("school", "month", "state", "suspected", "dropouts", "returned", "note", "due_on", "urgency")

    def render_month(self, value):
        return f"{value.year}年{value.month}月"

    def render_state(self, record):
        return MONTHLY_REPORT.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"
