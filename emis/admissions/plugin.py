"""The admissions app's contributions: catchment planning (划片招生). The 中考 rounds are emis.rounds."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, MenuEntry, MenuGroup, register

from .apps import DOMAIN

register(
    AppRegistration(
        app="admissions",
        url_prefix="admissions/",
        urls="emis.admissions.urls",
        api_routes="emis.admissions.api.ROUTES",
        menu_groups=(MenuGroup("admissions", _("招生入学"), 60),),
        menu=(
            MenuEntry(
                "admissions", "admissions:catchment_plan", _("划片招生测算"), 10, when="emis.core.access.oversees"
            ),
            MenuEntry("admissions", "admissions:catchmentzone_list", _("招生片区"), 20),
            MenuEntry("admissions", "admissions:entryplan_list", _("招生计划"), 30),
            MenuEntry("admissions", "admissions:catchmentexception_list", _("划片例外"), 40),
        ),
        domains=(DataDomain(DOMAIN, _("招生入学"), 50),),
        # Written by system administrators and by 股室人员 granted the admissions domain only.
        rights={},
        # The demo counties' zones, entry plans and exceptions (emis load_demo).
        provides={"demo.load": "emis.admissions.demo.load", "demo.wipe": "emis.admissions.demo.wipe"},
    )
)
