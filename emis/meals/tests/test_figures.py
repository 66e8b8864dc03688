"""Beneficiaries and funds: the census day, standards by date, schools joining, pupils leaving, non-compulsory
pupils, a school's own days, and the formula."""

import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.meals import selectors
from emis.meals.models import DailyStandard, Participation, SchoolDays
from emis.students.models import Enrollment, SchoolClass  # noqa: I001
from emis.testing import make_enrollment, make_student

from .conftest import month

pytestmark = pytest.mark.django_db

OCT, NOV = month(2024, 10), month(2024, 11)


def by_school(rows):
    return {row["school"]: row for row in rows}


def test_funds_are_beneficiaries_times_days_times_standard(programme):
    rows = by_school(selectors.month_rows(OCT))
    a1, a2, b1 = programme.school_a1, programme.school_a2, programme.school_b1
    assert {pk: row["beneficiaries"] for pk, row in rows.items()} == {a1.pk: 2, a2.pk: 1, b1.pk: 2}
    assert rows[a1.pk]["days"] == 20
    assert rows[a1.pk]["standard"] == Decimal("4.00")
    assert rows[a1.pk]["amount"] == Decimal("160.00")  # 2 × 20 × 4
    assert rows[b1.pk]["scheme"] == "national" and rows[a1.pk]["scheme"] == "local"
    totals = selectors.totals(programme.users[Role.ADMIN], [OCT, NOV])
    assert totals.amount == Decimal("800.00")  # 5 pupils × 20 days × 4元 × 2 months
    assert totals.beneficiaries == 5  # distinct pupils, not 10 pupil-months
    assert totals.pupil_days == 200


def test_a_month_straddling_a_new_standard_takes_the_one_in_force_on_its_census_day(programme):
    DailyStandard.objects.create(effective_from=dt.date(2024, 10, 20), amount=Decimal("5.00"))
    assert selectors.standard_on(dt.date(2024, 10, 19)) == Decimal("4.00")
    assert selectors.standard_on(dt.date(2024, 10, 20)) == Decimal("5.00")
    october, november = selectors.month_rows(OCT), selectors.month_rows(NOV)
    assert {row["standard"] for row in october} == {Decimal("4.00")}  # in force on 15 October
    assert {row["standard"] for row in november} == {Decimal("5.00")}
    a1 = programme.school_a1.pk
    assert by_school(november)[a1]["amount"] == Decimal("200.00")  # 2 × 20 × 5
    # A change on the 15th itself counts for that month.
    DailyStandard.objects.create(effective_from=dt.date(2024, 12, 15), amount=Decimal("6.00"))
    assert {row["standard"] for row in selectors.month_rows(month(2024, 12))} == {Decimal("6.00")}


def test_a_school_joining_mid_year_counts_from_the_first_census_day_it_takes_part(programme):
    b1 = programme.school_b1
    Participation.objects.filter(school=b1).update(start_date=dt.date(2024, 10, 16))
    assert b1.pk not in by_school(selectors.month_rows(OCT))
    assert by_school(selectors.month_rows(NOV))[b1.pk]["beneficiaries"] == 2
    # A school that leaves: its last day before the census day.
    Participation.objects.filter(school=b1).update(end_date=dt.date(2024, 11, 14))
    assert b1.pk not in by_school(selectors.month_rows(NOV))


def test_a_pupil_leaving_is_counted_until_the_census_day_before_they_left(programme):
    row = programme.enrollments["张三丰"]
    Enrollment.objects.filter(pk=row.pk).update(is_current=False)
    Enrollment.objects.create(
        student=row.student,
        school=row.school,
        school_year=row.school_year,
        grade=row.grade,
        status="transferred_out",
        status_date=dt.date(2024, 10, 28),
    )
    a1 = programme.school_a1.pk
    assert by_school(selectors.month_rows(OCT))[a1]["beneficiaries"] == 2
    assert by_school(selectors.month_rows(NOV))[a1]["beneficiaries"] == 1
    # Over both months the pupil is one of the beneficiaries.
    assert selectors.totals(programme.users[Role.ADMIN], [OCT, NOV]).beneficiaries == 5


def test_a_pupil_moving_to_another_school_is_counted_once_at_the_school_of_each_census_day(programme):
    row = programme.enrollments["赵思飞"]  # B1, P1
    a1_class = programme.classes["A1"]
    Enrollment.objects.filter(pk=row.pk).update(is_current=False)
    Enrollment.objects.create(
        student=row.student,
        school=programme.school_a1,
        school_year=row.school_year,
        school_class=a1_class,
        grade="P1",
        status="transferred_in",
        status_date=dt.date(2024, 10, 20),
    )
    october, november = by_school(selectors.month_rows(OCT)), by_school(selectors.month_rows(NOV))
    assert (
        october[programme.school_b1.pk]["beneficiaries"] == 2 and october[programme.school_a1.pk]["beneficiaries"] == 2
    )
    assert (
        november[programme.school_b1.pk]["beneficiaries"] == 1
        and november[programme.school_a1.pk]["beneficiaries"] == 3
    )
    assert selectors.totals(programme.users[Role.ADMIN], [OCT, NOV]).beneficiaries == 5


def test_non_compulsory_pupils_and_pupils_off_roll_are_not_counted(programme):
    a1 = programme.school_a1
    k3 = SchoolClass.objects.create(school=a1, school_year=programme.year, grade="K3", name="大班")
    s1 = SchoolClass.objects.create(school=a1, school_year=programme.year, grade="S1", name="高一")
    p1 = programme.classes["A1"]
    make_enrollment(make_student("幼小朋", a1, birth=dt.date(2019, 3, 1)), k3)
    make_enrollment(make_student("高一生", a1, birth=dt.date(2009, 3, 1)), s1)
    make_enrollment(make_student("休学生", a1, birth=dt.date(2018, 3, 1)), p1, status="suspended")
    make_enrollment(make_student("辍学生", a1, birth=dt.date(2018, 4, 1)), p1, status="dropped_out")
    assert by_school(selectors.month_rows(OCT))[a1.pk]["beneficiaries"] == 2


def test_a_school_with_its_own_days_and_a_month_without_days(programme):
    a1 = programme.school_a1
    SchoolDays.objects.create(month=OCT, school=a1, days=15)
    rows = by_school(selectors.month_rows(OCT))
    assert rows[a1.pk]["days"] == 15 and rows[a1.pk]["amount"] == Decimal("120.00")  # 2 × 15 × 4
    assert rows[programme.school_b1.pk]["days"] == 20
    # January 2025 has no days entered: no beneficiaries, no funds.
    assert selectors.month_rows(month(2025, 1)) == []
    # A school with 0 days of its own in a month with county days serves nothing that month.
    SchoolDays.objects.create(month=NOV, school=a1, days=0)
    assert a1.pk not in by_school(selectors.month_rows(NOV))


def test_periods_have_their_months():
    assert selectors.period_months("autumn", 2021)[0] == dt.date(2021, 9, 1)
    assert selectors.period_months("autumn", 2021)[-1] == dt.date(2022, 1, 1)
    assert selectors.period_months("spring", 2020) == [dt.date(2021, m, 1) for m in range(2, 9)]
    assert len(selectors.period_months("year", 2021)) == 12
    assert len(selectors.period_months("school_year", 2021)) == 12


def test_totals_are_scoped(programme):
    """A school sees its own figures, a township its schools', the county all of them."""
    months = [OCT, NOV]
    school_user, township_user = programme.users[Role.SCHOOL], programme.users[Role.TOWNSHIP]
    school = selectors.totals(school_user, months)
    assert {row["key"] for row in school.schools} == {s.code for s in school_user.schools.all()} & {
        programme.school_a1.code,
        programme.school_a2.code,
        programme.school_b1.code,
    }
    assert school.beneficiaries == sum(row["beneficiaries"] for row in school.schools) < 5
    township = selectors.totals(township_user, months)
    codes = [division.code for division in township_user.divisions.all()]
    expected = {
        s.code
        for s in (programme.school_a1, programme.school_a2, programme.school_b1)
        if any(s.township.code.startswith(code) for code in codes)
    }
    assert {row["key"] for row in township.schools} == expected
    assert len(township.townships) == 1
    admin = selectors.totals(programme.users[Role.ADMIN], months)
    assert admin.beneficiaries == 5 and len(admin.townships) == 2
