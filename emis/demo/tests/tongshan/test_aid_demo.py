"""The demo county's 学生资助 (contributed by emis.aid through the demo's hook): 2021 spring (school year 2020,
spring term) comes out at the seed's 21,007 人次 and 1,288.243 万元, computed by the engine from the demo's rolls of
pupils, the recognitions the loader adds and the standards; the rolls are in every state of their workflow; the
coverage check lists the few 监测对象 recognised after the census date, and nobody else."""

from decimal import Decimal

import pytest

from emis.accounts.models import User
from emis.aid import rules, selectors
from emis.aid.models import Programme, Roll, Term
from emis.aid.workflows import AID_ROLL
from emis.work.selectors import waiting_for

pytestmark = pytest.mark.django_db

PUBLISHED_PERSONS = 21007
PUBLISHED_AMOUNT = Decimal("12882430.00")  # 1288.243万元


@pytest.fixture
def spring_2021(tongshan):
    return Term.objects.get(school_year__start_year=2020, kind="spring")


def test_2021_spring_aid_is_the_published_figure(spring_2021):
    data = selectors.totals(spring_2021)
    assert data["total"] == {"persons": PUBLISHED_PERSONS, "amount": PUBLISHED_AMOUNT}
    assert (data["total"]["amount"] / 10000).quantize(Decimal("0.001")) == Decimal("1288.243")
    assert spring_2021.census_date.isoformat() == "2021-03-31"
    by_programme = {row["code"]: row["persons"] for row in data["programme"]}
    assert set(by_programme) == set(Programme.objects.values_list("code", flat=True))


def test_the_stored_rolls_are_what_the_rules_give(spring_2021):
    """Recomputed from the rolls of pupils, the recognitions and the standards: the same lines, one by one."""
    persons, amount = 0, Decimal("0.00")
    for programme in Programme.objects.all():
        computed = {(line.student_id, line.amount) for line in rules.compute_lines(programme, spring_2021)}
        stored = set(
            Roll.objects.filter(term=spring_2021, programme=programme)
            .values_list("lines__student_id", "lines__amount")
            .exclude(lines=None)
        )
        assert computed == stored, programme.code
        persons += len(computed)
        amount += sum((a for _s, a in computed), Decimal("0.00"))
    assert (persons, amount) == (PUBLISHED_PERSONS, PUBLISHED_AMOUNT)


def test_rolls_in_every_state_and_the_accounts_have_their_work(spring_2021):
    states = set(Roll.objects.filter(term=spring_2021).values_list("case__state", flat=True))
    assert states == AID_ROLL.state_codes
    school = User.objects.get(username="school")
    assert waiting_for(school).filter(workflow="aid_roll", state="school_review").exists()
    township = User.objects.get(username="township")
    assert waiting_for(township).filter(workflow="aid_roll", state="township_review").exists()
    section = User.objects.get(username="section")
    assert "aid" in section.domains
    assert waiting_for(section).filter(workflow="aid_roll").exists()


def test_coverage_gaps_are_the_late_recognitions_only(spring_2021):
    gaps = selectors.coverage_gaps(spring_2021)
    assert 1 <= len(gaps) <= 12
    assert all("认定日期晚于本学期统计日期" in gap["reason"] for gap in gaps)
    assert all(gap["categories"] == "监测对象" for gap in gaps)
