"""The inspection engine's contributions: 检查表 (versioned checklists), 检查活动 (campaigns), 检查任务 with the phone
form, 检查记录 and 发现问题, its domain, the rights of the "inspection" workflow, a panel on the school's page, and
its demo campaign."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, Panel, register
from emis.work.declaration import workflow_rights

from .apps import DOMAIN
from .tables import FindingTable, InspectionTable
from .workflows import INSPECTION


def school_inspections(school, user):
    from .selectors import inspections_of

    return inspections_of(school, user)


def school_open_findings(school, user):
    from .selectors import open_findings

    return open_findings(user, school=school)


register(
    AppRegistration(
        app="inspections",
        url_prefix="inspections/",
        urls="emis.inspections.urls",
        menu_groups=(MenuGroup("inspections", _("检查督查"), 68),),
        menu=(
            MenuEntry(
                "inspections",
                "inspections:target_list",
                _("检查任务"),
                10,
                count="emis.inspections.selectors.my_pending_target_count",
            ),
            MenuEntry("inspections", "inspections:campaign_list", _("检查活动"), 20),
            MenuEntry("inspections", "inspections:inspection_list", _("检查记录"), 30),
            MenuEntry("inspections", "inspections:finding_list", _("发现问题"), 40),
            MenuEntry("inspections", "inspections:template_list", _("检查表"), 50),
        ),
        domains=(DataDomain(DOMAIN, _("检查督查"), 72),),
        rights=workflow_rights(INSPECTION),
        panels=(
            Panel("orgs.School", _("检查记录"), school_inspections, InspectionTable, 60),
            Panel("orgs.School", _("检查发现的未整改问题"), school_open_findings, FindingTable, 61),
        ),
        provides={
            "demo.load": "emis.inspections.demo.load",
            "demo.wipe": "emis.inspections.demo.wipe",
            "demo.section_domains": "emis.inspections.demo.section_domains",
        },
    )
)
