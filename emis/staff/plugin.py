"""The staff app's contributions: staff and postings; the staff panel on a school's page."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Panel, Pickable, register

from .apps import DOMAIN
from .tables import StaffTable


def school_staff(school, user):
    from .ui import StaffUI  # ui imports the generic views, which read the registry

    return StaffUI.queryset(user).filter(post_school=school)


def staff_hint(staff) -> str:
    return _("%(school)s · %(year)s年生") % {"school": staff.post_school.name, "year": staff.birth_date.year}


register(
    AppRegistration(
        app="staff",
        url_prefix="staff/",
        urls="emis.staff.urls",
        api_routes="emis.staff.api.ROUTES",
        menu_groups=(MenuGroup("staff", _("教职工"), 40),),
        menu=(
            MenuEntry("staff", "staff:staff_list", _("教职工"), 10),
            MenuEntry("staff", "staff:posting_list", _("任职经历"), 20),
        ),
        domains=(DataDomain(DOMAIN, _("教职工"), 30),),
        rights={DOMAIN: {Role.TOWNSHIP: {ADD, CHANGE, DELETE}, Role.SCHOOL: {ADD, CHANGE, DELETE}}},
        import_kinds=(ImportKind("staff", "emis.staff.importers.StaffImport", 40),),
        panels=(Panel("orgs.School", _("教职工"), school_staff, StaffTable, 20),),
        home="emis.staff.selectors.home_summary",
        # Staff are picked by typing (emis.core.pickers): a county's thousands, a province's hundreds of thousands.
        pickables=(
            Pickable(
                "staff",
                "staff.Staff",
                name_field="name",
                initials_field="name_initials",
                id_fields=("id_number",),
                school_field="post_school",
                select_related=("post_school",),
                hint="emis.staff.plugin.staff_hint",
                forward={"school": "post_school_id"},
                min_chars=1,
            ),
        ),
    )
)
