import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable

from .models import Assignment, Inspector, LeaderPost, Visit, VisitFinding, VisitPlan


class InspectorTable(BaseTable):
    name = tables.Column(linkify=True)
    schools = tables.Column(verbose_name=_("责任区学校数"), accessor="school_count", orderable=False, default=0)

    class Meta(BaseTable.Meta):
        model = Inspector
        fields = ("name", "kind", "unit", "phone", "certificate_no", "schools", "start_date", "end_date")


class AssignmentTable(BaseTable):
    school = tables.Column(verbose_name=_("学校"), linkify=lambda record: record.get_absolute_url())
    township = tables.Column(accessor="school__township__name", verbose_name=_("乡镇"))
    inspector = tables.Column(verbose_name=_("督学"), accessor="inspector__name")

    class Meta(BaseTable.Meta):
        model = Assignment
        fields = ("school", "township", "inspector", "start_date", "end_date")


class VisitPlanTable(BaseTable):
    month = tables.DateColumn(format="Y-m", linkify=True, verbose_name=_("月份"))
    school = tables.Column(verbose_name=_("学校"))
    township = tables.Column(accessor="school__township__name", verbose_name=_("乡镇"))
    inspector = tables.Column(accessor="inspector__name", verbose_name=_("责任督学"), default="—")
    visits = tables.Column(accessor="visit_count", verbose_name=_("当月督导次数"), orderable=False)

    class Meta(BaseTable.Meta):
        model = VisitPlan
        fields = ("month", "school", "township", "inspector", "visits", "note")


class VisitTable(BaseTable):
    visited_on = tables.Column(linkify=True)
    school = tables.Column(verbose_name=_("学校"))
    inspector = tables.Column(accessor="inspector__name", verbose_name=_("督学"))
    matters = tables.Column(accessor="matter_labels", verbose_name=_("督导事项"), orderable=False)
    notice = tables.Column(verbose_name=_("整改通知书"), default="—", orderable=False)

    class Meta(BaseTable.Meta):
        model = Visit
        fields = ("visited_on", "school", "inspector", "kind", "matters", "notice")


class VisitFindingTable(BaseTable):
    class Meta(BaseTable.Meta):
        model = VisitFinding
        fields = ("severity", "text", "requirement", "must_change")


class LeaderPostTable(BaseTable):
    township = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("乡镇"))
    leader = tables.Column(verbose_name=_("局领导"))

    class Meta(BaseTable.Meta):
        model = LeaderPost
        fields = ("township", "leader", "start_date", "end_date")
