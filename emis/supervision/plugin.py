"""教育督导's contributions: its menu group (督学, 责任区, 督导计划与达标, 督导记录, 幼儿园督导评估, 五项管理), its two
write domains (the 督导室's registry; the visit records, which 督学 write for their 责任区) and its demo data."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, Role
from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register

from .apps import DOMAIN, VISITS_DOMAIN

register(
    AppRegistration(
        app="supervision",
        url_prefix="supervision/",
        urls="emis.supervision.urls",
        menu_groups=(MenuGroup("supervision", _("教育督导"), 71),),
        menu=(
            MenuEntry(
                "supervision", "supervision:my_zone", _("我的责任区"), 5, when="emis.supervision.views.is_inspector"
            ),
            MenuEntry("supervision", "supervision:inspector_list", _("督学"), 10),
            MenuEntry("supervision", "supervision:assignment_list", _("责任区"), 20),
            MenuEntry("supervision", "supervision:compliance", _("督导达标情况"), 30),
            MenuEntry("supervision", "supervision:visitplan_list", _("督导计划"), 40),
            MenuEntry("supervision", "supervision:visit_list", _("督导记录"), 50),
            MenuEntry("supervision", "supervision:kindergartens", _("幼儿园督导评估"), 60),
            MenuEntry("supervision", "supervision:five", _("五项管理"), 70),
            MenuEntry("supervision", "supervision:leaderpost_list", _("挂点包片"), 80),
        ),
        domains=(DataDomain(DOMAIN, _("教育督导"), 80), DataDomain(VISITS_DOMAIN, _("督导记录"), 81)),
        rights={VISITS_DOMAIN: {Role.INSPECTOR: {ADD}}},
        provides={
            "demo.load": "emis.supervision.demo.load",
            "demo.wipe": "emis.supervision.demo.wipe",
            "demo.section_domains": "emis.supervision.demo.section_domains",
        },
    )
)
