"""The orgs app's contributions: divisions, schools, their history and the school-year calendar."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Pickable, register

from .apps import DOMAIN
from .choices import JUNIOR_SCHOOL_CATEGORIES, PRIMARY_SCHOOL_CATEGORIES, SENIOR_SCHOOL_CATEGORIES, DivisionLevel


def school_hint(school) -> str:
    return f"{school.code} · {school.township.name}"


def division_hint(division) -> str:
    return f"{division.code} · {division.get_level_display()}"


# Schools and divisions are picked by typing (emis.core.pickers): a province holds tens of thousands of each.
PICKABLES = (
    Pickable(
        "school",
        "orgs.School",
        contains_fields=("name",),
        prefix_fields=("code",),
        select_related=("township",),
        hint="emis.orgs.plugin.school_hint",
        order_by=("code",),
        filters={
            "primary": Q(category__in=PRIMARY_SCHOOL_CATEGORIES),
            "junior": Q(category__in=JUNIOR_SCHOOL_CATEGORIES),
            "senior": Q(category__in=SENIOR_SCHOOL_CATEGORIES),
        },
    ),
    Pickable(
        "division",
        "orgs.Division",
        contains_fields=("name",),
        prefix_fields=("code",),
        hint="emis.orgs.plugin.division_hint",
        order_by=("code",),
        filters={level: Q(level=level) for level in DivisionLevel.values},
        forward={"parent": "parent_id"},
        in_filters=100,  # the lists' township filters (a county's dozen townships) stay plain selects
    ),
)

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
        pickables=PICKABLES,
        provides={"school_years": "emis.orgs.selectors.school_year_choices"},
    )
)
