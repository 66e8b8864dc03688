import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import Complaint, FeePlan, Institution, JointCheck, Teacher
from .selectors import ANNUAL_RESULTS
from .workflows import COMPLAINT, RECTIFICATION


class InstitutionTable(BaseTable):
    name = tables.Column(linkify=True)
    township = tables.Column(accessor="township__name", verbose_name=_("乡镇"))
    annual_result = tables.Column(verbose_name=_("最近年检结论"), default="—")

    class Meta(BaseTable.Meta):
        model = Institution
        fields = (
            "name",
            "township",
            "kind",
            "subjects",
            "legal_form",
            "licence_number",
            "status",
            "list_mark",
            "annual_result",
        )

    def render_annual_result(self, value):
        return dict(ANNUAL_RESULTS).get(value, "—")


class TeacherTable(BaseTable):
    name = tables.Column(linkify=True)
    institution = tables.Column(accessor="institution__name", verbose_name=_("机构"))

    class Meta(BaseTable.Meta):
        model = Teacher
        fields = ("name", "institution", "subject", "certificate", "other_qualification", "hired_on")


class FeePlanTable(BaseTable):
    course = tables.Column(linkify=True)
    institution = tables.Column(accessor="institution__name", verbose_name=_("机构"))

    class Meta(BaseTable.Meta):
        model = FeePlan
        fields = ("course", "institution", "price_per_hour", "prepaid_hours", "prepaid_months", "effective_from")


class ComplaintTable(BaseTable):
    received_on = tables.Column(linkify=True)
    institution = tables.Column(accessor="institution__name", verbose_name=_("机构"))
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    due_on = tables.Column(accessor="case__due_on", verbose_name=_("办理期限"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = Complaint
        fields = ("received_on", "institution", "channel", "complainant", "state", "due_on", "urgency")

    def render_state(self, record):
        return COMPLAINT.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"


class JointCheckTable(BaseTable):
    checked_on = tables.Column(linkify=True)
    township = tables.Column(accessor="township__name", verbose_name=_("乡镇"))
    partners = tables.Column(verbose_name=_("联合部门"), orderable=False)

    class Meta(BaseTable.Meta):
        model = JointCheck
        fields = ("checked_on", "township", "partners", "campaign", "findings")

    def render_partners(self, record):
        return record.partner_labels()


class RectificationCaseTable(BaseTable):
    """An institution's rectification cases (work engine cases) on its page."""

    title = tables.Column(verbose_name=_("事项"), linkify=lambda record: record.get_absolute_url())
    state = tables.Column(verbose_name=_("状态"))
    due_on = tables.Column(verbose_name=_("期限"))
    closed_at = tables.DateTimeColumn(verbose_name=_("办结时间"), format="Y-m-d")

    def render_state(self, record):
        return RECTIFICATION.state_label(record.state)

    class Meta(BaseTable.Meta):
        fields = ("title", "state", "due_on", "closed_at")
