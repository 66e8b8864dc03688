"""The staff app's contributions: staff and postings; the staff panel on a school's page."""

from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Panel, register

from .apps import DOMAIN
from .tables import StaffTable


def school_staff(school, user):
    from .ui import StaffUI  # ui imports the generic views, which read the registry

    return StaffUI.queryset(user).filter(post_school=school)


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
    )
)
