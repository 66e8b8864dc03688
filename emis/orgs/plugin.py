"""The orgs app's contributions: divisions, schools, their history and the school-year calendar."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, register

from .apps import DOMAIN

register(
    AppRegistration(
        app="orgs",
        url_prefix="orgs/",
        urls="emis.orgs.urls",
        api_routes="emis.orgs.api.ROUTES",
        menu_groups=(MenuGroup("orgs", _("区划与学校"), 20),),
        menu=(
            MenuEntry("orgs", "orgs:school_list", _("学校"), 10),
            MenuEntry("orgs", "orgs:schoolevent_list", _("学校沿革"), 20),
            MenuEntry("orgs", "orgs:division_list", _("行政区划"), 30),
            MenuEntry("orgs", "orgs:schoolyear_list", _("学年"), 40),
        ),
        domains=(DataDomain(DOMAIN, _("区划与学校"), 10),),
        # Divisions, schools and school years are written by system administrators only.
        rights={},
        import_kinds=(
            ImportKind("divisions", "emis.orgs.importers.DivisionImport", 20),
            ImportKind("schools", "emis.orgs.importers.SchoolImport", 30),
        ),
        home="emis.orgs.selectors.home_summary",
        provides={"school_years": "emis.orgs.selectors.school_year_choices"},
    )
)
