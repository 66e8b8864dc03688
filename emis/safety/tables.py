import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from emis.core.tables import BaseTable, IdNumberColumn

from .models import Appraisal, Building, Bus, Driver, ExpiryAlert, Guard, SafetyFact
from .workflows import SAFETY_EXPIRY


class SafetyFactTable(BaseTable):
    school = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("学校"))
    township = tables.Column(accessor="school__township__name", verbose_name=_("乡镇"))

    class Meta(BaseTable.Meta):
        model = SafetyFact
        fields = ("school", "township", "kind", "effective_on", "in_place", "linked_to_police", "channels", "evidence")


class GuardTable(BaseTable):
    name = tables.Column(linkify=True)
    school = tables.Column(verbose_name=_("学校"))

    class Meta(BaseTable.Meta):
        model = Guard
        fields = ("name", "school", "full_time", "licence_no", "funding", "employer", "started_on", "ended_on")


class BuildingTable(BaseTable):
    name = tables.Column(linkify=True)
    school = tables.Column(verbose_name=_("学校"))

    class Meta(BaseTable.Meta):
        model = Building
        fields = ("name", "school", "area", "year_built", "structure", "floors", "use", "fate", "fate_on")


class AppraisalTable(BaseTable):
    building = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("校舍"))

    class Meta(BaseTable.Meta):
        model = Appraisal
        fields = ("building", "grade", "appraised_on", "body", "report_no", "affected_part")


class BusTable(BaseTable):
    plate = tables.Column(linkify=True)
    school = tables.Column(verbose_name=_("责任学校"))

    class Meta(BaseTable.Meta):
        model = Bus
        fields = (
            "plate",
            "school",
            "seats",
            "national_standard",
            "status",
            "insurance_expires",
            "inspection_due",
            "gps",
            "filed_on",
        )


class DriverTable(BaseTable):
    name = tables.Column(linkify=True)
    school = tables.Column(verbose_name=_("学校"))
    id_number = IdNumberColumn(verbose_name=_("身份证号"))
    bus = tables.Column(verbose_name=_("驾驶校车"))

    class Meta(BaseTable.Meta):
        model = Driver
        fields = ("name", "school", "id_number", "bus", "licence_class", "licence_expires", "birth_date", "active")


class ExpiryAlertTable(BaseTable):
    kind = tables.Column(linkify=lambda record: record.get_absolute_url(), verbose_name=_("提醒事项"))
    school = tables.Column(verbose_name=_("学校"))
    thing = tables.Column(accessor="pk", verbose_name=_("校车/驾驶人"), orderable=False)
    state = tables.Column(accessor="case__state", verbose_name=_("状态"))
    urgency = tables.Column(accessor="case__urgency", verbose_name=_("时限状态"))

    class Meta(BaseTable.Meta):
        model = ExpiryAlert
        fields = ("kind", "school", "thing", "expires_on", "opened_on", "state", "urgency")

    def render_thing(self, record):
        return record.bus or record.driver or "—"

    def render_state(self, record):
        return SAFETY_EXPIRY.state_label(record.case.state)

    def render_urgency(self, record):
        return record.case.get_urgency_display() if record.case.closed_at is None else "—"
