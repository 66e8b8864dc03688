"""The 校园安全 app's contributions: its menu group (安全工作看板, 4个100%, 安全设施记录, 保安员, 校舍, 校舍鉴定, 校车,
校车驾驶人, 到期提醒, 校舍与校车统计), its domain (schools and townships keep their own registers; the county's
section with the domain keeps all), the rights of the expiry alert's workflow, and its demo data."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, Panel, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .tables import BuildingTable, BusTable, SafetyFactTable
from .workflows import SAFETY_EXPIRY

RIGHTS = workflow_rights(SAFETY_EXPIRY)


def school_facts(school, user):
    """The school's safety facts, newest first (its 4个100% history), in the user's scope."""
    from .models import SafetyFact

    return SafetyFact.objects.for_user(user).filter(school=school).select_related("school", "school__township")


def school_buildings(school, user):
    from .models import Building

    return Building.objects.for_user(user).filter(school=school).select_related("school")


def school_buses(school, user):
    from .models import Bus

    return Bus.objects.for_user(user).filter(school=school).select_related("school")


for _role in (Role.SCHOOL, Role.TOWNSHIP):
    RIGHTS.setdefault(DOMAIN, {}).setdefault(_role, set()).update({ADD, CHANGE, DELETE})

register(
    AppRegistration(
        app="safety",
        url_prefix="safety/",
        urls="emis.safety.urls",
        menu_groups=(MenuGroup("safety", _("校园安全"), 67),),
        menu=(
            MenuEntry("safety", "safety:dashboard", _("安全工作看板"), 10),
            MenuEntry("safety", "safety:compliance", _("4个100%达标情况"), 20),
            MenuEntry("safety", "safety:safetyfact_list", _("安全设施记录"), 30),
            MenuEntry("safety", "safety:guard_list", _("保安员"), 40),
            MenuEntry("safety", "safety:building_list", _("校舍"), 50),
            MenuEntry("safety", "safety:appraisal_list", _("校舍鉴定"), 60),
            MenuEntry("safety", "safety:bus_list", _("校车"), 70),
            MenuEntry("safety", "safety:driver_list", _("校车驾驶人"), 80),
            MenuEntry("safety", "safety:expiryalert_list", _("到期提醒"), 90),
            MenuEntry("safety", "safety:figures", _("校舍与校车统计"), 100),
        ),
        domains=(DataDomain(DOMAIN, _("校园安全"), 77),),
        rights=RIGHTS,
        panels=(
            Panel("orgs.School", _("安全设施记录"), school_facts, SafetyFactTable, 70),
            Panel("orgs.School", _("校舍"), school_buildings, BuildingTable, 71),
            Panel("orgs.School", _("校车"), school_buses, BusTable, 72),
        ),
        provides={
            "demo.load": "emis.safety.demo.load",
            "demo.wipe": "emis.safety.demo.wipe",
            "demo.section_domains": "emis.safety.demo.section_domains",
        },
    )
)
