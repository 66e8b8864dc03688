"""Writes on enrolments: a status change keeps history, and the student's current school follows.

Each rule is stated once here and reached by every write path: the pages and the API through
``EnrollmentUI.save`` (one row: :func:`enrollment_save`), the 学籍 import through the bulk forms
(:func:`enrollment_write_many`, :func:`current_schools_after`), which write many rows in a few statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from emis.core.audit import compact_creation, record_changes_bulk
from emis.core.bulk import allocate_ids, insert_rows, select_where_in, update_rows
from emis.core.models import ChangeAction
from emis.core.writes import update_logged

from .choices import GRADE_LEVEL
from .models import Enrollment, Student

# What writing an enrolment does to the pupil's current row of the year (enrollment_step).
OPEN, REOPEN, CORRECT = "open", "reopen", "correct"


def enrollment_step(*, current_status: str | None, status: str) -> str:
    """OPEN a current row when the pupil has none this year; REOPEN when the status changes (the current row is
    closed, is_current=False, and a new current row opened, so every status a pupil held stays on record with its
    date); otherwise CORRECT the current row in place (grade, class, school, note)."""
    if current_status is None:
        return OPEN
    return REOPEN if current_status != status else CORRECT


def latest_school(enrollments: Iterable[tuple]) -> int | None:
    """The current-school rule: the school of the latest current enrolment, by (start year, status date, id);
    ``enrollments`` are (start_year, status_date, id, school_id) of a pupil's current rows."""
    latest = max(enrollments, key=lambda e: e[:3], default=None)
    return latest[3] if latest is not None else None


def student_sync_current_school(*, student: Student) -> Student:
    """Point the student at the school of their latest current enrolment (by year, then date)."""
    school_id = latest_school(
        Enrollment.objects.filter(student=student, is_current=True).values_list(
            "school_year__start_year", "status_date", "id", "school_id"
        )
    )
    if school_id is not None and student.current_school_id != school_id:
        student.current_school_id = school_id
        student.county_code = student.current_school.township.code[:6]
        student.save()
    return student


@transaction.atomic
def enrollment_save(*, enrollment: Enrollment) -> Enrollment:
    """Create or update an enrolment (the page and the API). A new one is the year's current row (any other current
    row of the year is closed); changing the status of a current one closes it and opens a new current row."""
    if enrollment.pk is None:
        enrollment.is_current = True
        update_logged(
            Enrollment.objects.filter(
                student=enrollment.student, school_year=enrollment.school_year, is_current=True
            ).select_related("school__township"),
            is_current=False,
        )
        enrollment.save()
    else:
        previous = Enrollment.objects.get(pk=enrollment.pk)
        current_status = previous.status if previous.is_current else None
        if (
            current_status is not None
            and enrollment_step(current_status=current_status, status=enrollment.status) == REOPEN
        ):
            return enrollment_change_status(
                enrollment=previous,
                status=enrollment.status,
                status_date=enrollment.status_date,
                note=enrollment.note,
                school=enrollment.school,
                school_class=enrollment.school_class,
                grade=enrollment.grade,
            )
        enrollment.save()
    student_sync_current_school(student=enrollment.student)
    return enrollment


@transaction.atomic
def enrollment_change_status(
    *,
    enrollment: Enrollment,
    status: str,
    status_date: dt.date,
    note: str = "",
    school=None,
    school_class=None,
    grade: str | None = None,
) -> Enrollment:
    """Close `enrollment` and open a new current row with the new status (transfer, suspension, dropout...)."""
    enrollment.is_current = False
    enrollment.save()
    new = Enrollment(
        student=enrollment.student,
        school=school or enrollment.school,
        school_year=enrollment.school_year,
        school_class=school_class if school is not None else enrollment.school_class,
        grade=grade or enrollment.grade,
        status=status,
        status_date=status_date,
        note=note,
        is_current=True,
    )
    new.save()
    student_sync_current_school(student=enrollment.student)
    return new


# The bulk forms (the 学籍 import): the same rules for many rows, written in a few statements with their change
# records (docs/adr/0006). -----------------------------------------------------------------------------------------

# The values an enrolment write compares and sets, in the order of EnrollmentWrite.current/target.
ENROLLMENT_FIELDS = ("school_id", "grade", "school_class_id", "status")
# The change record of an enrolment created in bulk (emis.core.audit.compact_creation).
ENROLLMENT_CREATION = compact_creation(ENROLLMENT_FIELDS)
# What a new enrolment row is written with.
ENROLLMENT_COLUMNS = (
    "student_id",
    "school_id",
    "school_year_id",
    "school_class_id",
    "grade",
    "level",
    "status",
    "status_date",
    "is_current",
)


@dataclass
class EnrollmentWrite:
    """One pupil's enrolment of the year, as it should be.

    current: (pk, school_id, grade, school_class_id, status) of the pupil's current row of the year, or None.
    target: (school_id, grade, school_class_id, status).
    scope: (school id, division code) the new or corrected row's change record is filed under.
    current_scope: the same for the current row (a closed row stays at its school and is filed there).
    label: the change records' object text.
    """

    student_id: int
    current: tuple | None
    target: tuple
    scope: tuple
    current_scope: tuple | None
    label: str


def enrollment_write_many(*, school_year, writes: list[EnrollmentWrite], status_date: dt.date) -> int:
    """enrollment_save for many pupils of one year: each write OPENs, REOPENs or CORRECTs (enrollment_step) the
    pupil's current row; new rows are dated `status_date`. Plain INSERT/UPDATE statements and one change record per
    row written. Returns the number of rows written. The caller moves the pupils' current school
    (current_schools_after tells it where to)."""
    closed, created, corrected = [], [], []
    for write in writes:
        school_id, grade, class_id, status = write.target
        values = (
            write.student_id,
            school_id,
            school_year.pk,
            class_id,
            grade,
            GRADE_LEVEL[grade],
            status,
            status_date,
            True,
        )
        current_status = write.current[4] if write.current is not None else None
        step = enrollment_step(current_status=current_status, status=status)
        if step == OPEN:
            created.append((values, write))
        elif step == REOPEN:
            closed.append(write)
            created.append((values, write))
        else:
            changes = {
                name: [old, new]
                for name, old, new in zip(ENROLLMENT_FIELDS, write.current[1:5], write.target, strict=True)
                if old != new
            }
            if changes:
                corrected.append((write, changes))
    audit: list[tuple] = []
    if closed:
        update_rows(Enrollment, ("is_current",), [(False, write.current[0]) for write in closed])
        audit += [
            ((Enrollment, w.current[0]), ChangeAction.UPDATE, {"is_current": [True, False]}, w.current_scope, w.label)
            for w in closed
        ]
    if corrected:
        update_rows(
            Enrollment,
            ("school_id", "grade", "school_class_id", "status", "level"),
            [(*w.target, GRADE_LEVEL[w.target[1]], w.current[0]) for w, _changes in corrected],
        )
        audit += [
            ((Enrollment, w.current[0]), ChangeAction.UPDATE, changes, w.scope, w.label) for w, changes in corrected
        ]
    if created:
        pks = allocate_ids(Enrollment, len(created))
        insert_rows(
            Enrollment,
            ("id", *ENROLLMENT_COLUMNS),
            [(pk, *values) for pk, (values, _w) in zip(pks, created, strict=True)],
        )
        audit += [
            (
                (Enrollment, pk),
                ChangeAction.CREATE,
                # The new row holds these values itself: the record names the fields only (ADR 0016).
                ENROLLMENT_CREATION,
                w.scope,
                w.label,
            )
            for pk, (values, w) in zip(pks, created, strict=True)
        ]
    record_changes_bulk(audit)
    return len(audit)


def current_schools_after(*, school_year, student_ids: Iterable[int]) -> Callable[[int | None, int], int]:
    """The bulk form of student_sync_current_school, for an import to write the current school with the pupil's row
    (and show it in its preview): ``school_of(pupil id, school id)`` is the pupil's current school once their
    enrolment of `school_year` is at that school, the latest of that row and their current rows of other years
    (a new pupil: None). At most one query for all the pupils, none when no later year holds a current row."""
    later: dict[int, list] = {}
    student_ids = sorted(set(student_ids))
    # Only a later year's row can win over this year's (a pupil has one current row per year). Most imports are of
    # the latest year, where the years table (a handful of rows) and one EXISTS on the year's index settle it.
    later_years = (
        dict(type(school_year).objects.filter(start_year__gt=school_year.start_year).values_list("pk", "start_year"))
        if student_ids
        else {}
    )
    if later_years and Enrollment.objects.filter(school_year_id__in=later_years, is_current=True).exists():
        for student_id, year_id, status_date, pk, school_id in select_where_in(
            f"SELECT student_id, school_year_id, status_date, id, school_id FROM {Enrollment._meta.db_table} "
            "WHERE is_current AND school_year_id IN %s AND student_id IN %s",
            [sorted(later_years), student_ids],
        ):
            later.setdefault(student_id, []).append((later_years[year_id], str(status_date), pk, school_id))

    def school_of(student_id: int | None, school_id: int) -> int:
        rows = later.get(student_id)
        if not rows:
            return school_id
        return latest_school([*rows, (school_year.start_year, "", 0, school_id)])

    return school_of
