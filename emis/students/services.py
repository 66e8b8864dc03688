"""Writes on enrolments: a status change keeps history, and the student's current school follows."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .models import Enrollment, Student


def student_sync_current_school(*, student: Student) -> Student:
    """Point the student at the school of their latest current enrolment (by year, then date)."""
    latest = (
        Enrollment.objects.filter(student=student, is_current=True)
        .select_related("school__township")
        .order_by("-school_year__start_year", "-status_date", "-id")
        .first()
    )
    school = latest.school if latest else None
    if school is not None and student.current_school_id != school.pk:
        student.current_school = school
        student.county_code = school.township.code[:6]
        student.save()
    return student


@transaction.atomic
def enrollment_save(*, enrollment: Enrollment) -> Enrollment:
    """Create or update an enrolment. Changing the status of an existing one closes it (is_current=False)
    and opens a new current row, so that every status a student held stays on record with its date."""
    if enrollment.pk is None:
        enrollment.is_current = True
        Enrollment.objects.filter(
            student=enrollment.student, school_year=enrollment.school_year, is_current=True
        ).update(is_current=False)
        enrollment.save()
    else:
        previous = Enrollment.objects.get(pk=enrollment.pk)
        if previous.status != enrollment.status and previous.is_current:
            enrollment_change_status(
                enrollment=previous,
                status=enrollment.status,
                status_date=enrollment.status_date,
                note=enrollment.note,
                school=enrollment.school,
                school_class=enrollment.school_class,
                grade=enrollment.grade,
            )
            return Enrollment.objects.get(student=previous.student, school_year=previous.school_year, is_current=True)
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
