"""Rolls on the work engine: generation (one roll and case per school, a teaching point's pupils on its 中心学校's
roll, generated again while the school checks it), the cycle school → township → county → 公示 → 审批 → 发放 with
its refusals, changes after approval (reason required, kept), the 公示 list, totals and the coverage check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from emis.aid import rules, selectors, services
from emis.aid.models import Category, LineChange, Programme, Roll
from emis.core.access import Role
from emis.core.models import ObjectChange
from emis.core.writes import Refused
from emis.work.models import Step

from .conftest import CENSUS, pupil

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 10, 8)


@pytest.fixture
def programme():
    return Programme.objects.get(code="compulsory_living_allowance")


@pytest.fixture
def rolls(county, term, aid_staff, programme):
    pupil(county, county.school_a1, "P2", name="张三明", boarder=True, categories=[Category.POVERTY])
    pupil(county, county.school_a1, "P2", name="李四", categories=[Category.DIBAO, Category.MONITORED])
    pupil(county, county.teaching_point, "P1", name="王小五", categories=[Category.TEKUN])
    pupil(county, county.school_a2, "J1", name="赵六", boarder=True, categories=[Category.OTHER])
    pupil(county, county.school_b1, "P3", name="钱七", categories=[Category.POVERTY])
    result = services.generate_rolls(programme, term, acting_user=aid_staff, today=DAY)
    assert (result.created, result.lines, result.amount) == (3, 5, Decimal("1875.00"))
    return {roll.school_id: roll for roll in Roll.objects.select_related("case", "term")}


def test_one_roll_and_case_per_school(county, rolls):
    a1 = rolls[county.school_a1.pk]
    assert county.teaching_point.pk not in rolls  # the teaching point's pupil is on A1's roll
    assert (a1.persons, a1.amount) == (3, Decimal("1000.00"))
    assert a1.case.workflow == "aid_roll" and a1.case.state == "school_review"
    assert a1.case.school_id == county.school_a1.pk
    names = sorted(a1.lines.values_list("student__name", flat=True))
    assert names == ["张三明", "李四", "王小五"]


def test_regenerated_while_the_school_checks_kept_afterwards(county, term, aid_staff, programme, rolls):
    late = pupil(county, county.school_a1, "P2", categories=[Category.POVERTY])
    services.roll_step(rolls[county.school_b1.pk], "submit", acting_user=county.users[Role.ADMIN], today=DAY)
    new_b1 = pupil(county, county.school_b1, "P3", categories=[Category.POVERTY])
    result = services.generate_rolls(programme, term, acting_user=aid_staff, today=DAY)
    assert (result.created, result.regenerated, result.kept) == (0, 2, 1)
    a1 = Roll.objects.get(pk=rolls[county.school_a1.pk].pk)
    assert a1.persons == 4 and a1.lines.filter(student=late).exists()
    assert not Roll.objects.get(pk=rolls[county.school_b1.pk].pk).lines.filter(student=new_b1).exists()


def test_only_the_county_generates(county, term, programme, rolls):
    for role in (Role.SCHOOL, Role.TOWNSHIP, Role.LEADER, Role.SECTION):  # the fixture's 股室 lacks the domain
        with pytest.raises(Refused, match="只有县级"):
            services.generate_rolls(programme, term, acting_user=county.users[role])


def test_the_whole_cycle_with_refusals(county, rolls, aid_staff):
    roll = rolls[county.school_a1.pk]
    school, township = county.users[Role.SCHOOL], county.users[Role.TOWNSHIP]
    b1 = rolls[county.school_b1.pk]
    with pytest.raises(Refused):
        services.roll_step(b1, "submit", acting_user=school, today=DAY)  # another school's roll
    with pytest.raises(Refused):
        services.roll_step(roll, "township_pass", acting_user=township, today=DAY)  # not submitted yet
    services.roll_step(roll, "submit", acting_user=school, today=DAY)
    with pytest.raises(Refused):
        services.roll_step(roll, "township_pass", acting_user=school, today=DAY)  # a school is not the township
    with pytest.raises(Refused):
        services.roll_step(roll, "township_return", acting_user=township, today=DAY)  # a return needs its reason
    services.roll_step(roll, "township_return", acting_user=township, comment="请核对寄宿生", today=DAY)
    assert roll.case.state == "school_review"
    services.roll_step(roll, "submit", acting_user=school, today=DAY)
    services.roll_step(roll, "township_pass", acting_user=township, today=DAY)
    with pytest.raises(Refused):
        services.roll_step(roll, "publicise", acting_user=township, today=DAY)  # the county publishes
    services.roll_step(roll, "publicise", acting_user=aid_staff, values={"publicity_days": 5}, today=DAY)
    assert roll.case.state == "publicity"
    assert rules.publicity_ends(roll) == DAY + dt.timedelta(days=5)
    with pytest.raises(Refused, match="公示期未满"):
        services.roll_step(roll, "approve", acting_user=aid_staff, today=DAY + dt.timedelta(days=4))
    services.roll_step(roll, "approve", acting_user=aid_staff, today=DAY + dt.timedelta(days=5))
    assert roll.case.state == "approved"
    services.roll_step(roll, "pay", acting_user=aid_staff, values={"paid_on": "2024-10-20"}, today=DAY)
    roll.case.refresh_from_db()
    assert roll.case.state == "paid" and roll.case.closed_at is not None
    names = list(Step.objects.filter(case=roll.case).order_by("number").values_list("transition", flat=True))
    assert names == [
        "generate",
        "submit",
        "township_return",
        "submit",
        "township_pass",
        "publicise",
        "approve",
        "pay",
    ]
    with pytest.raises(Refused):
        services.roll_step(roll, "submit", acting_user=school, today=DAY)  # closed


def _approve(roll, county, staff):
    for name, user in (
        ("submit", county.users[Role.SCHOOL]),
        ("township_pass", county.users[Role.TOWNSHIP]),
        ("publicise", staff),
    ):
        services.roll_step(roll, name, acting_user=user, today=DAY)
    services.roll_step(roll, "approve", acting_user=staff, today=DAY + dt.timedelta(days=10))


def test_changes_after_approval_need_a_reason_and_are_kept(county, rolls, aid_staff):
    roll = rolls[county.school_a1.pk]
    line = roll.lines.get(student__name="李四")
    # Before approval, while the school checks: the school takes a line off without a reason.
    services.line_change(line, acting_user=county.users[Role.SCHOOL], removed=True)
    services.line_change(line, acting_user=county.users[Role.SCHOOL], removed=False)
    _approve(roll, county, aid_staff)
    with pytest.raises(Refused, match="须填写原因"):
        services.line_change(line, acting_user=aid_staff, removed=True)
    with pytest.raises(Refused):
        services.line_change(line, acting_user=county.users[Role.SCHOOL], removed=True, reason="转学")  # county only
    before = ObjectChange.objects.count()
    services.line_change(line, acting_user=aid_staff, removed=True, reason="已转至县外就读")
    roll.refresh_from_db()
    assert (roll.persons, roll.amount) == (2, Decimal("750.00"))
    change = LineChange.objects.filter(line=line).first()
    assert (change.state, change.reason, change.new_removed, change.changed_by) == (
        "approved",
        "已转至县外就读",
        True,
        aid_staff,
    )
    assert ObjectChange.objects.count() > before  # the line's update is in the change log
    services.line_change(line, acting_user=aid_staff, amount=Decimal("200"), removed=False, reason="按实际在校月份")
    roll.refresh_from_db()
    assert roll.amount == Decimal("950.00")


def test_public_list_masks_names_and_shows_no_id(county, rolls):
    rows = rules.public_list(rolls[county.school_a1.pk])
    assert sorted(r["name"] for r in rows) == ["张*明", "李*", "王*五"]
    assert all(set(r) == {"name", "grade", "tier", "amount"} for r in rows)


def test_totals_by_programme_level_township_and_school(county, term, rolls, schools, aid_staff):
    pupil(county, schools["twelve"], "S1", categories=[Category.POVERTY])
    for code in ("senior_bursary", "senior_fee_waiver"):
        services.generate_rolls(Programme.objects.get(code=code), term, acting_user=aid_staff, today=DAY)
    data = selectors.totals(term)
    assert data["total"] == {"persons": 7, "amount": Decimal("4225.00")}
    by_programme = {row["code"]: (row["persons"], row["amount"]) for row in data["programme"]}
    assert by_programme == {
        "compulsory_living_allowance": (5, Decimal("1875.00")),
        "senior_bursary": (1, Decimal("1500.00")),
        "senior_fee_waiver": (1, Decimal("850.00")),
    }
    assert {row["code"]: row["persons"] for row in data["level"]} == {"junior": 1, "primary": 4, "senior": 2}
    assert {row["code"]: row["persons"] for row in data["township"]} == {"421224100": 6, "421224101": 1}
    # Scoped: the township sees its own; the school its own.
    assert selectors.totals(term, county.users[Role.TOWNSHIP])["total"]["persons"] == 6
    assert selectors.totals(term, county.users[Role.SCHOOL])["total"]["persons"] == 3
    assert selectors.as_json(data)["total"]["amount"] == "4225.00"


def test_coverage_lists_each_gap_with_its_reason(county, term, rolls, aid_staff, schools):
    assert selectors.coverage_gaps(term) == []  # every 脱贫家庭/监测对象 pupil is on a roll
    line = rolls[county.school_a1.pk].lines.get(student__name="张三明")
    services.line_change(line, acting_user=aid_staff, removed=True, reason="家庭已稳定脱贫")
    late = pupil(
        county, county.school_a1, "P4", categories=[Category.MONITORED], recognised_on=CENSUS + dt.timedelta(1)
    )
    pupil(county, schools["twelve"], "S1", name="高中生", categories=[Category.POVERTY])  # no senior roll yet
    pupil(county, county.school_a2, "J2", name="转入生", categories=[Category.POVERTY])  # after generation
    outside = pupil(county, schools["kinder"], "K1", categories=[Category.DISABLED])  # not a coverage category
    gaps = {gap["student"].name: gap["reason"] for gap in selectors.coverage_gaps(term)}
    assert gaps["张三明"].startswith("已移出资助名单：家庭已稳定脱贫")
    assert "认定日期晚于本学期统计日期" in gaps[late.name]
    assert gaps["高中生"] == "普通高中国家助学金、普通高中免学杂费名单尚未生成。"
    assert "未列入名单" in gaps["转入生"]
    assert outside.name not in gaps
    assert len(gaps) == 4
    # A township's check lists its own pupils only.
    assert {g["student"].name for g in selectors.coverage_gaps(term, county.users[Role.TOWNSHIP])} == set(gaps)
    assert selectors.coverage_gaps(term, county.users[Role.INSPECTOR]) != []  # A2's 转入生
    assert {g["student"].name for g in selectors.coverage_gaps(term, county.users[Role.INSPECTOR])} == {"转入生"}
