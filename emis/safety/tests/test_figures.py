"""The figures against hand-computed fixtures: the guard rule, 4个100% per school and for the county (a superseded
fact; a guard without a licence or gone), D-grade area eliminated and remaining, the bus counts by year."""

import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.safety import selectors

from .conftest import END_2024, setup_buildings, setup_compliance, setup_fleet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("pupils", "boarders", "needed"),
    [(50, 0, 2), (1000, 0, 2), (1001, 0, 3), (1500, 0, 3), (1501, 0, 4), (2600, 0, 6), (800, 200, 3), (800, 201, 4)],
)
def test_hubei_guard_rule(pupils, boarders, needed):
    assert selectors.required_guards(pupils, boarders) == needed


def test_the_guard_rule_is_a_setting(settings):
    settings.SAFETY_GUARD_RULE = {"small_below": 100, "small": 1, "per_boarders": 0}
    assert selectors.required_guards(99, 50) == 1
    assert selectors.required_guards(100, 50) == 2


def _by_school(result):
    return {row["school"].code: row for row in result.rows}


def test_compliance_by_hand(county):
    setup_compliance(county)
    admin = county.users[Role.ADMIN]
    schools = [county.school_a1, county.school_a2, county.school_b1]
    result = selectors.compliance(admin, END_2024, schools=schools)
    rows = _by_school(result)
    a1, a2, b1 = rows[county.school_a1.code], rows[county.school_a2.code], rows[county.school_b1.code]
    # A1: two pupils on the roll, one boarding: 2 + 1 guards needed; two licensed guards in post.
    assert (a1["pupils"], a1["boarders"], a1["required"], a1["guards"]) == (2, 1, 3, 2)
    assert a1["items"] == {"guards": False, "closed": True, "alarm_video": False, "patrol": True}
    assert a2["items"] == {"guards": True, "closed": True, "alarm_video": True, "patrol": True}
    assert a2["all"] is True
    assert not any(b1["items"].values()) and b1["guards"] == 0
    assert result.schools == 3
    assert result.percent == {
        "guards": Decimal("33.3"),
        "closed": Decimal("66.7"),
        "alarm_video": Decimal("33.3"),
        "patrol": Decimal("66.7"),
    }
    assert result.all_met == 1 and result.village_posts == 2


def test_a_fact_is_in_force_until_superseded(county):
    setup_compliance(county)
    admin = county.users[Role.ADMIN]
    before = _by_school(selectors.compliance(admin, dt.date(2024, 9, 30), schools=[county.school_a1]))
    after = _by_school(selectors.compliance(admin, dt.date(2024, 10, 1), schools=[county.school_a1]))
    assert before[county.school_a1.code]["alarm"] is True
    assert after[county.school_a1.code]["alarm"] is False
    # Before any fact: nothing is in force.
    early = _by_school(selectors.compliance(admin, dt.date(2023, 12, 31), schools=[county.school_a1]))
    assert not any(early[county.school_a1.code]["items"].values())


def test_a_guard_who_left_no_longer_counts(county):
    setup_compliance(county)
    admin = county.users[Role.ADMIN]
    # On 2024-06-30 the fourth guard was still in post (2023's roll: no pupils, so 2 needed).
    june = _by_school(selectors.compliance(admin, dt.date(2024, 6, 30), schools=[county.school_a1]))
    assert june[county.school_a1.code]["guards"] == 3
    july = _by_school(selectors.compliance(admin, dt.date(2024, 7, 1), schools=[county.school_a1]))
    assert july[county.school_a1.code]["guards"] == 2


def test_compliance_takes_a_constant_number_of_queries(county, django_assert_max_num_queries):
    setup_compliance(county)
    admin = county.users[Role.ADMIN]
    with django_assert_max_num_queries(4):
        selectors.compliance(admin, END_2024)


def test_d_area_by_hand(county):
    setup_buildings(county)
    admin = county.users[Role.ADMIN]
    area = selectors.d_area(admin, on=dt.date(2020, 12, 31), first_year=2016, last_year=2020)
    assert [(r["year"], r["area"], r["cumulative"]) for r in area.by_year] == [
        (2016, 0, Decimal("0")),
        (2017, Decimal("1000"), Decimal("1000")),
        (2018, Decimal("500"), Decimal("1500")),
        (2019, 0, Decimal("1500")),
        (2020, 0, Decimal("1500")),
    ]
    assert area.eliminated == Decimal("1500")
    # Z was reinforced but never appraised again: still D.
    assert (area.remaining_buildings, area.remaining) == (1, Decimal("300"))
    early = selectors.d_area(admin, on=dt.date(2016, 12, 31))
    assert (early.remaining_buildings, early.remaining, early.eliminated) == (2, Decimal("1500"), 0)


def test_stop_use_flags_c_and_d(county):
    buildings = setup_buildings(county)
    flagged = set(selectors.stop_use(county.users[Role.ADMIN], dt.date(2020, 1, 1)).values_list("pk", flat=True))
    # Z is reinforced (not in use as it was), W is C: the affected part stops use.
    assert flagged == {buildings["W"].pk}


def test_bus_counts_by_year(county):
    setup_fleet(county)
    counts = {r["year"]: r for r in selectors.bus_counts(county.users[Role.ADMIN], [2019, 2020, 2021])}
    assert (counts[2019]["buses"], counts[2019]["national"], counts[2019]["filed"]) == (1, 1, 1)
    assert (counts[2021]["buses"], counts[2021]["national"], counts[2021]["filed"]) == (2, 1, 1)


def test_a_school_sees_only_its_own_figures(county):
    setup_compliance(county)
    school = county.users[Role.SCHOOL]
    result = selectors.compliance(school, END_2024)
    assert {row["school"].pk for row in result.rows} == {county.school_a1.pk}
