"""The students app's contributions: pupils, classes and enrolments; the classes panel on a school's page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ADD, CHANGE, DELETE, Role
from emis.core.registry import AppRegistration, DataDomain, ImportKind, MenuEntry, MenuGroup, Panel, Pickable, register

from .apps import DOMAIN
from .rollchange_tables import RollChangeTable
from .tables import SchoolClassTable


def student_roll_changes(student, user):
    from .rollchange_ui import RollChangeUI

    return RollChangeUI.queryset(user).filter(lines__student=student).distinct()


def school_classes(school, user):
    from .ui import SchoolClassUI  # ui imports the generic views, which read the registry

    return SchoolClassUI.queryset(user).filter(school=school).order_by("-school_year__start_year", "grade", "name")


def student_hint(student) -> str:
    school = student.current_school.name if student.current_school_id else _("无当前学校")
    return _("%(school)s · %(year)s年生") % {"school": school, "year": student.birth_date.year}


def class_hint(school_class) -> str:
    return f"{school_class.school.name} · {school_class.school_year}"


# Pupils and classes are picked by typing (emis.core.pickers), never from a dropdown of the county's pupils.
PICKABLES = (
    Pickable(
        "student",
        "students.Student",
        name_field="name",
        initials_field="name_initials",
        pinyin_field="name_pinyin",  # searched once the pupil's full pinyin is stored beside the initials
        id_fields=("id_number", "student_no"),
        school_field="current_school",
        select_related=("current_school",),
        hint="emis.students.plugin.student_hint",
        forward={"school": "current_school_id"},
        min_chars=1,
    ),
    Pickable(
        "schoolclass",
        "students.SchoolClass",
        contains_fields=("name", "school__name"),
        school_field="school",
        select_related=("school", "school_year"),
        hint="emis.students.plugin.class_hint",
        order_by=("-school_year__start_year", "school__code", "grade", "name"),
        forward={"school": "school_id", "school_year": "school_year_id", "grade": "grade"},
    ),
)


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
            MenuEntry("students", "students:rollchange_list", _("学籍异动"), 40),
        ),
        domains=(DataDomain(DOMAIN, _("学生学籍"), 20),),
        rights={DOMAIN: {Role.TOWNSHIP: {ADD, CHANGE, DELETE}, Role.SCHOOL: {ADD, CHANGE, DELETE}}},
        import_kinds=(ImportKind("students", "emis.students.importers.StudentImport", 10),),
        panels=(
            Panel("orgs.School", _("班级"), school_classes, SchoolClassTable, 10, links=school_roster_links),
            Panel("students.Student", _("学籍异动"), student_roll_changes, RollChangeTable, 10),
        ),
        home="emis.students.selectors.home_summary",
        provides={"demo.load": "emis.students.demo.load", "demo.wipe": "emis.students.demo.wipe"},
        pickables=PICKABLES,
    )
)
