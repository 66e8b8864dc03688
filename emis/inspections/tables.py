import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import Campaign, Finding, Inspection, Target, Template
from .targets import kind_label
from .workflows import INSPECTION


class TemplateTable(BaseTable):
    name = tables.Column(linkify=True)
    target_kind = tables.Column(verbose_name=_("检查对象"))

    class Meta(BaseTable.Meta):
        model = Template
        fields = ("name", "purpose", "target_kind", "updated_at")

    def render_target_kind(self, value):
        return kind_label(value)


class CampaignTable(BaseTable):
    name = tables.Column(linkify=True)
    template = tables.Column(accessor="version__template__name", verbose_name=_("检查表"))

    class Meta(BaseTable.Meta):
        model = Campaign
        fields = ("name", "kind", "template", "starts_on", "ends_on")


def _state(value):
    return INSPECTION.state_label(value) if value else _("未检查")


class TargetTable(BaseTable):
    name = tables.Column(linkify=True)
    campaign = tables.Column(accessor="campaign__name", verbose_name=_("检查活动"))
    ends_on = tables.Column(accessor="campaign__ends_on", verbose_name=_("截止日期"))
    state = tables.Column(accessor="inspection__case__state", verbose_name=_("状态"), default=_("未检查"))
    result = tables.Column(accessor="inspection__result", verbose_name=_("结论"), default="—")

    class Meta(BaseTable.Meta):
        model = Target
        fields = ("name", "campaign", "ends_on", "state", "result")

    def render_state(self, value):
        return _state(value)

    def render_result(self, record):
        inspection = getattr(record, "inspection", None)
        return inspection.get_result_display() if inspection and inspection.result else "—"


class InspectionTable(BaseTable):
    target = tables.Column(
        accessor="target__name", verbose_name=_("检查对象"), linkify=lambda record: record.get_absolute_url()
    )
    campaign = tables.Column(accessor="target__campaign__name", verbose_name=_("检查活动"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))

    class Meta(BaseTable.Meta):
        model = Inspection
        fields = ("target", "campaign", "inspected_on", "state", "score", "result")

    def render_state(self, value):
        return _state(value)


class FindingTable(BaseTable):
    text = tables.Column(linkify=True)
    target = tables.Column(accessor="inspection__target__name", verbose_name=_("检查对象"))
    campaign = tables.Column(accessor="inspection__target__campaign__name", verbose_name=_("检查活动"))
    state = tables.Column(empty_values=(), verbose_name=_("整改状态"), orderable=False)
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("整改期限"))

    class Meta(BaseTable.Meta):
        model = Finding
        fields = ("text", "target", "campaign", "severity", "state", "due_on")

    def render_state(self, record):
        return _("整改中") if record.is_open else _("已整改")
