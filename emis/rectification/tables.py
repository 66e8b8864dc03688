import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import Notice
from .workflows import RECTIFICATION


class NoticeTable(BaseTable):
    document_number = tables.Column(linkify=True, empty_values=(), verbose_name=_("文号"))
    school = tables.Column(verbose_name=_("整改单位"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("整改期限"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = Notice
        fields = ("document_number", "school", "title", "severity", "state", "due_on", "urgency", "responsible")

    def render_document_number(self, record):
        return record.document_number or _("（草稿）")

    def render_state(self, record):
        return RECTIFICATION.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"
