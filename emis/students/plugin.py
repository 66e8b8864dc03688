"""The students app's contributions: pupils, classes and enrolments; the classes panel on a school's page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Panel, register

from .apps import DOMAIN
from .tables import SchoolClassTable


def school_classes(school, user):
    from .ui import SchoolClassUI  # ui imports the generic views, which read the registry

    return SchoolClassUI.queryset(user).filter(school=school).order_by("-school_year__start_year", "grade", "name")


def school_roster_links(school, user):
    """The school's printable 花名册 (every class of the current school year), beside its classes."""
    return [
        (_("打印全校花名册"), reverse("students:school_roster", args=[school.pk])),
        (_("全校花名册 Excel"), reverse("students:school_roster_xlsx", args=[school.pk])),
    ]


register(
    AppRegistration(
        app="students",
        url_prefix="students/",
        urls="emis.students.urls",
        api_routes="emis.students.api.ROUTES",
        menu_groups=(MenuGroup("students", _("学生"), 30),),
        menu=(
            MenuEntry("students", "students:student_list", _("学生"), 10),
            MenuEntry("students", "students:schoolclass_list", _("班级"), 20),
            MenuEntry("students", "students:enrollment_list", _("学籍记录"), 30),
        ),
        domains=(DataDomain(DOMAIN, _("学生学籍"), 20),),
        rights={DOMAIN: {Role.TOWNSHIP: {ADD, CHANGE, DELETE}, Role.SCHOOL: {ADD, CHANGE, DELETE}}},
        import_kinds=(ImportKind("students", "emis.students.importers.StudentImport", 10),),
        panels=(Panel("orgs.School", _("班级"), school_classes, SchoolClassTable, 10, links=school_roster_links),),
        home="emis.students.selectors.home_summary",
    )
)
