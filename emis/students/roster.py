"""花名册: the printable roster of a class, or of every class of a school, read in the user's scope, and its xlsx.

A roster lists the pupils who belong to the class this year (在读, 转入 and 休学: a suspended pupil keeps their place
and is marked in 备注), by pinyin, numbered; a school's roster has one section per class (and one for pupils of no
class). ID numbers and 学籍号 are shown as the reader's role may see them (emis.core.access.display_id). Two queries
whatever the number of pupils: the classes and the enrolments with their pupils.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from emis.common.models import Gender
from emis.core import access
from emis.core.safe_export import safe_workbook

from .choices import EnrollmentStatus, Grade
from .models import Enrollment, SchoolClass
from .selectors import AT_SCHOOL_STATUSES

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RosterRow:
    no: int
    name: str
    gender: str
    birth_date: object
    id_number: str
    student_no: str
    boarder: bool
    note: str


@dataclass
class RosterSection:
    """One class's page(s): the class (None: pupils of no class), its 班主任 and its numbered rows."""

    school_class: SchoolClass | None
    title: str
    head_teacher: str = ""
    rows: list[RosterRow] = field(default_factory=list)

    @property
    def boys(self) -> int:
        return sum(1 for row in self.rows if row.gender == Gender.MALE.label)

    @property
    def girls(self) -> int:
        return sum(1 for row in self.rows if row.gender == Gender.FEMALE.label)


@dataclass
class Roster:
    school: object
    school_year: object
    sections: list[RosterSection]

    @property
    def pupils(self) -> int:
        return sum(len(section.rows) for section in self.sections)


def _enrollments(user):
    return (
        Enrollment.objects.for_user(user)
        .filter(is_current=True, status__in=AT_SCHOOL_STATUSES)
        .select_related("student")
        .order_by("student__name_sort", "student__name", "student_id")
    )


def _row(user, no: int, enrollment: Enrollment) -> RosterRow:
    student = enrollment.student
    note = "" if enrollment.status != EnrollmentStatus.SUSPENDED else enrollment.get_status_display()
    return RosterRow(
        no=no,
        name=student.name,
        gender=student.get_gender_display(),
        birth_date=student.birth_date,
        id_number=access.display_id(user, student.id_number),
        student_no=access.display_id(user, student.student_no),
        boarder=student.boarder,
        note=note,
    )


def class_title(school_class: SchoolClass) -> str:
    return f"{school_class.get_grade_display()}{school_class.name}"


def class_roster(user, school_class: SchoolClass) -> Roster:
    """The roster of one class (already read through ``SchoolClass.objects.for_user``)."""
    enrollments = _enrollments(user).filter(school_class=school_class)
    section = RosterSection(school_class, class_title(school_class), school_class.head_teacher)
    section.rows = [_row(user, no, enrollment) for no, enrollment in enumerate(enrollments, start=1)]
    return Roster(school_class.school, school_class.school_year, [section])


def school_roster(user, school, school_year) -> Roster:
    """The roster of every class of ``school`` (read through ``School.objects.for_user``) in ``school_year``, by
    grade and class name, then the pupils of the year placed in no class."""
    grade_order = {code: i for i, code in enumerate(Grade.values)}
    classes = sorted(
        SchoolClass.objects.for_user(user).filter(school=school, school_year=school_year),
        key=lambda c: (grade_order.get(c.grade, 99), len(c.name), c.name),
    )
    sections = {c.pk: RosterSection(c, class_title(c), c.head_teacher) for c in classes}
    unplaced = RosterSection(None, _("未分班"))
    for enrollment in _enrollments(user).filter(school=school, school_year=school_year):
        section = sections.get(enrollment.school_class_id, unplaced)
        section.rows.append(_row(user, len(section.rows) + 1, enrollment))
    found = [section for section in sections.values() if section.rows]
    if unplaced.rows:
        found.append(unplaced)
    return Roster(school, school_year, found)


def headers() -> list[str]:
    return [_("序号"), _("姓名"), _("性别"), _("出生日期"), _("身份证件号"), _("全国学籍号"), _("寄宿生"), _("备注")]


def roster_xlsx(roster: Roster) -> bytes:
    """The roster as a workbook (through safe_workbook: names are written as text, never as formulas): one sheet per
    section, set up to print on A4 with the title and the header on every page and the page number in the footer."""
    output = io.BytesIO()
    workbook = safe_workbook(output, in_memory=True)
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    info_format = workbook.add_format({"font_size": 10})
    header_format = workbook.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#EEEEEE"})
    cell_format = workbook.add_format({"border": 1})
    date_format = workbook.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    names_used: set[str] = set()
    widths = (6, 12, 6, 12, 22, 22, 8, 12)
    for section in roster.sections or [RosterSection(None, _("花名册"))]:
        sheet_name = _sheet_name(section.title, names_used)
        sheet = workbook.add_worksheet(sheet_name)
        sheet.set_paper(9)  # A4
        sheet.set_portrait()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, 2)
        sheet.set_footer("&C" + _("第 &P 页，共 &N 页"))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        sheet.merge_range(
            0, 0, 0, len(widths) - 1, f"{roster.school.name} {section.title} " + _("花名册"), title_format
        )
        info = _("%(year)s学年　班主任：%(teacher)s　人数：%(n)s（男 %(boys)s，女 %(girls)s）") % {
            "year": roster.school_year,
            "teacher": section.head_teacher or "—",
            "n": len(section.rows),
            "boys": section.boys,
            "girls": section.girls,
        }
        sheet.merge_range(1, 0, 1, len(widths) - 1, info, info_format)
        for column, text in enumerate(headers()):
            sheet.write_string(2, column, text, header_format)
        for index, row in enumerate(section.rows, start=3):
            sheet.write_number(index, 0, row.no, cell_format)
            sheet.write_string(index, 1, row.name, cell_format)
            sheet.write_string(index, 2, row.gender, cell_format)
            sheet.write_datetime(index, 3, _as_datetime(row.birth_date), date_format)
            sheet.write_string(index, 4, row.id_number, cell_format)
            sheet.write_string(index, 5, row.student_no, cell_format)
            sheet.write_string(index, 6, _("是") if row.boarder else "", cell_format)
            sheet.write_string(index, 7, row.note, cell_format)
    workbook.close()
    return output.getvalue()


def _as_datetime(day):
    import datetime as dt

    return dt.datetime(day.year, day.month, day.day)


def _sheet_name(title: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name = f"{base}({n})"
        n += 1
    used.add(name.lower())
    return name
