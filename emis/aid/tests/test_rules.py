"""Every aid rule through the engine's generation (rules.compute_lines): each category, boarding or not, each
level (the grade's, whatever the school's kind), two categories (once), the census date (left before, recognised
after), the standards by date, the tiers of 普通高中国家助学金, 免学杂费, 中职 and 学前."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from emis.aid import rules, services
from emis.aid.models import Category, Programme, Standard
from emis.core.writes import Refused

from .conftest import CENSUS, pupil

pytestmark = pytest.mark.django_db

LISTED = {Category.POVERTY, Category.MONITORED, Category.DIBAO, Category.TEKUN, Category.DISABLED}


def lines(term, code="compulsory_living_allowance"):
    found = rules.compute_lines(Programme.objects.get(code=code), term)
    return {line.student_id: line for line in found}


@pytest.mark.parametrize("category", Category.values)
@pytest.mark.parametrize("boarder", [True, False])
@pytest.mark.parametrize(
    ("school_key", "grade", "boarder_amount", "day_amount"),
    [
        ("A1", "P1", "500.00", "250.00"),
        ("A2", "J1", "625.00", "312.50"),
    ],
)
def test_living_allowance_by_category_boarding_and_level(
    county, term, category, boarder, school_key, grade, boarder_amount, day_amount
):
    """Boarders with any category: 小学 1000, 初中 1250 元/年; non-boarders only when 脱贫家庭, 监测对象, 低保, 特困供养
    or 残疾学生: 500 / 625; half each term."""
    child = pupil(county, county.schools[school_key], grade, boarder=boarder, categories=[category])
    found = lines(term).get(child.pk)
    if boarder:
        assert found is not None and found.amount == Decimal(boarder_amount)
    elif category in LISTED:
        assert found is not None and found.amount == Decimal(day_amount)
    else:
        assert found is None, f"a non-boarder recognised only as {category} is not aided"


def test_no_category_no_aid_even_boarding(county, term):
    child = pupil(county, county.school_a1, "P1", boarder=True)
    assert child.pk not in lines(term)


@pytest.mark.parametrize(
    ("key", "grade", "amount", "level"),
    [
        ("nine", "P5", "500.00", "primary"),
        ("nine", "J2", "625.00", "junior"),
        ("twelve", "P3", "500.00", "primary"),
        ("twelve", "J3", "625.00", "junior"),
    ],
)
def test_level_follows_the_grade_not_the_school(county, term, schools, key, grade, amount, level):
    child = pupil(county, schools[key], grade, boarder=True, categories=[Category.OTHER])
    found = lines(term)[child.pk]
    assert (found.amount, found.level) == (Decimal(amount), level)


def test_two_categories_once_at_the_highest_standard(county, term, schools):
    child = pupil(county, county.school_a1, "P2", categories=[Category.POVERTY, Category.DIBAO])
    found = [line for line in rules.compute_lines(Programme.objects.get(code="compulsory_living_allowance"), term)]
    assert [line.student_id for line in found].count(child.pk) == 1
    assert lines(term)[child.pk].categories == "dibao,poverty"
    senior = pupil(county, schools["twelve"], "S1", categories=[Category.OTHER, Category.POVERTY])
    bursary = lines(term, "senior_bursary")[senior.pk]
    assert (bursary.tier, bursary.amount) == ("一档", Decimal("1500.00"))


def test_a_pupil_who_left_before_the_census_date_is_not_on_the_roll(county, term):
    from emis.students.models import Enrollment

    left = pupil(county, county.school_a1, "P3", boarder=True, categories=[Category.POVERTY])
    stayed = pupil(county, county.school_a1, "P3", boarder=True, categories=[Category.POVERTY])
    late = pupil(county, county.school_a1, "P3", boarder=True, categories=[Category.POVERTY])
    for child, day in ((left, dt.date(2024, 9, 20)), (late, dt.date(2024, 10, 8))):
        current = Enrollment.objects.get(student=child, is_current=True)
        Enrollment.objects.filter(pk=current.pk).update(is_current=False)
        Enrollment.objects.create(
            student=child,
            school=current.school,
            school_year=current.school_year,
            school_class=current.school_class,
            grade=current.grade,
            status="transferred_out",
            status_date=day,
        )
    found = lines(term)
    assert left.pk not in found  # 转出 on 20 September, before the census date
    assert stayed.pk in found
    assert late.pk in found  # still 在读 on 30 September: left afterwards


def test_suspended_and_dropped_out_pupils_are_not_aided(county, term):
    suspended = pupil(county, county.school_a1, "P4", boarder=True, categories=[Category.POVERTY], status="suspended")
    dropped = pupil(county, county.school_a2, "J2", boarder=True, categories=[Category.POVERTY], status="dropped_out")
    found = lines(term)
    assert suspended.pk not in found and dropped.pk not in found


def test_a_category_recognised_after_the_census_date_counts_next_term(county, term):
    child = pupil(
        county, county.school_a1, "P1", categories=[Category.POVERTY], recognised_on=CENSUS + dt.timedelta(days=1)
    )
    assert child.pk not in lines(term)
    spring = services.term_for(2024, "spring")
    assert spring.census_date == dt.date(2025, 3, 31)
    assert lines(spring)[child.pk].amount == Decimal("250.00")


def test_a_new_standard_applies_from_its_date_only(county, term, aid_staff):
    programme = Programme.objects.get(code="compulsory_living_allowance")
    old = Standard.objects.get(programme=programme, level="primary", boarder=True)
    child = pupil(county, county.school_a1, "P6", boarder=True, categories=[Category.ORPHAN])
    new = Standard(
        programme=programme,
        level="primary",
        boarder=True,
        eligibility="any",
        amount_per_year=Decimal("1200"),
        valid_from=dt.date(2024, 10, 1),
        source="测试：新标准",
    )
    services.add_standard(new, aid_staff)
    assert lines(term)[child.pk].amount == Decimal("500.00")  # census 2024-09-30: the old standard
    spring = services.term_for(2024, "spring")
    assert lines(spring)[child.pk].amount == Decimal("600.00")
    assert lines(spring)[child.pk].standard_id == new.pk

    old.amount_per_year = Decimal("1100")
    with pytest.raises(ValidationError, match="不可修改"):
        old.save()
    earlier = Standard(
        programme=programme,
        level="primary",
        boarder=True,
        eligibility="any",
        amount_per_year=Decimal("1300"),
        valid_from=dt.date(2024, 9, 1),
        source="测试",
    )
    with pytest.raises(Refused, match="须晚于"):
        services.add_standard(earlier, aid_staff)
    with pytest.raises(Refused, match="只有县级"):
        services.add_standard(earlier, county.users["school"])
    old.refresh_from_db()
    assert old.amount_per_year == Decimal("1000.00")


def test_senior_tiers_and_fee_waiver(county, term, schools):
    poor = pupil(county, schools["twelve"], "S2", categories=[Category.MONITORED])
    dibao = pupil(county, schools["twelve"], "S2", categories=[Category.DIBAO])
    other = pupil(county, schools["twelve"], "S3", categories=[Category.OTHER])
    none = pupil(county, schools["twelve"], "S1")
    bursary = lines(term, "senior_bursary")
    assert {k: (v.tier, v.amount) for k, v in bursary.items()} == {
        poor.pk: ("一档", Decimal("1500.00")),
        dibao.pk: ("二档", Decimal("1000.00")),
        other.pk: ("三档", Decimal("500.00")),
    }
    fees = lines(term, "senior_fee_waiver")
    assert set(fees) == {poor.pk, dibao.pk} and fees[poor.pk].amount == Decimal("850.00")
    assert none.pk not in bursary


def test_vocational_and_preschool(county, term, schools):
    first = pupil(county, schools["vocational"], "V1")
    poor_first = pupil(county, schools["vocational"], "V2", categories=[Category.OTHER])
    poor_third = pupil(county, schools["vocational"], "V3", categories=[Category.POVERTY])
    fees = lines(term, "vocational_fee_waiver")
    assert set(fees) == {first.pk, poor_first.pk, poor_third.pk}  # 免学费: every 中职 pupil
    assert all(line.amount == Decimal("1000.00") for line in fees.values())
    assert set(lines(term, "vocational_bursary")) == {poor_first.pk}  # 助学金: 一、二年级, poor
    child = pupil(county, schools["kinder"], "K2", categories=[Category.DISABLED_PARENT])
    plain = pupil(county, schools["kinder"], "K3")
    preschool = lines(term, "preschool_aid")
    assert preschool[child.pk].amount == Decimal("500.00") and plain.pk not in preschool


def test_term_census_dates_are_configurable(county):
    autumn = services.term_for(2024, "autumn")
    assert autumn.census_date == dt.date(2024, 9, 30)
    autumn.census_date = dt.date(2024, 9, 15)
    autumn.save()
    assert services.term_for(2024, "autumn").census_date == dt.date(2024, 9, 15)
    with pytest.raises(Refused, match="没有1990学年"):
        services.term_for(1990, "autumn")


@pytest.mark.parametrize(
    ("name", "masked"), [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("李", "李")]
)
def test_public_names_are_partly_masked(name, masked):
    assert rules.mask_name(name) == masked
