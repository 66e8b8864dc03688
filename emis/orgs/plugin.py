"""The orgs app's contributions: divisions, schools, their history and the school-year calendar."""

from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, ImportKind, MenuEntry, MenuGroup, register


def school_keys(school) -> tuple[set, str]:
    """Scope anchor of a row attached to a school: it belongs to that school, to its parent (a teaching point's
    primary school) and to its township. Other apps' anchors use it too."""
    if school is None:
        return set(), ""
    return {school.pk, school.parent_id}, school.township.code


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
        # Divisions, schools and school years are written by system administrators only.
        rights={},
        import_kinds=(
            ImportKind("divisions", "emis.orgs.importers.DivisionImport", 20),
            ImportKind("schools", "emis.orgs.importers.SchoolImport", 30),
        ),
        home="emis.orgs.selectors.home_summary",
        provides={"school_years": "emis.orgs.selectors.school_year_choices"},
        scope_anchors={
            "orgs.Division": lambda o: (set(), o.code),
            "orgs.School": school_keys,
            "orgs.SchoolEvent": lambda o: school_keys(o.school),
            "orgs.SchoolYear": None,
        },
    )
)
