"""The aid pages as each role uses them: lists within scope and without N+1, the roll's page with its steps and
lines, the steps and line changes posted, the 公示 list masked, totals and coverage, generating rolls and adding a
standard (county aid staff only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from emis.aid import services
from emis.aid.models import Category, LineChange, Programme, Roll, Standard
from emis.core.access import Role
from emis.testing import response_text, xlsx_rows

from .conftest import pupil

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 10, 8)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rolls(county, term, aid_staff):
    for school, name in ((county.school_a1, "张三明"), (county.school_a2, "李四"), (county.school_b1, "王小五")):
        grade = "J1" if school == county.school_a2 else "P2"
        pupil(county, school, grade, name=name, boarder=True, categories=[Category.POVERTY])
    programme = Programme.objects.get(code="compulsory_living_allowance")
    services.generate_rolls(programme, term, acting_user=aid_staff, today=DAY)
    return {roll.school_id: roll for roll in Roll.objects.select_related("case")}


def test_roll_list_in_scope_without_n_plus_one(county, rolls, django_assert_max_num_queries):
    school = client_for(county.users[Role.SCHOOL])
    with django_assert_max_num_queries(25):
        text = response_text(school.get(reverse("aid:roll_list")))
    assert county.school_a1.name in text and county.school_b1.name not in text
    leader = client_for(county.users[Role.LEADER])
    with django_assert_max_num_queries(25):
        text = response_text(leader.get(reverse("aid:roll_list")))
    assert county.school_a1.name in text and county.school_b1.name in text


def test_roll_page_shows_lines_and_the_steps_the_user_may_take(county, rolls):
    roll = rolls[county.school_a1.pk]
    school = client_for(county.users[Role.SCHOOL])
    text = response_text(school.get(roll.get_absolute_url()))
    assert "张三明" in text and "学校核对" in text and "学校报送" in text and "乡镇审核通过" not in text
    response = school.post(
        reverse("aid:roll_step", args=[roll.pk]), {"transition": "submit", "version": roll.case.version}
    )
    assert response.status_code == 302
    roll.case.refresh_from_db()
    assert roll.case.state == "township_review"
    # A step posted with the version the page showed before: refused, nothing moves.
    township = client_for(county.users[Role.TOWNSHIP])
    township.post(reverse("aid:roll_step", args=[roll.pk]), {"transition": "township_pass", "version": 1})
    roll.case.refresh_from_db()
    assert roll.case.state == "township_review"
    assert client_for(county.users[Role.SCHOOL]).get(rolls[county.school_b1.pk].get_absolute_url()).status_code == 404


def test_line_change_posted(county, rolls):
    roll = rolls[county.school_a1.pk]
    line = roll.lines.get()
    school = client_for(county.users[Role.SCHOOL])
    school.post(reverse("aid:line_change", args=[line.pk]), {"removed": "1", "reason": "已转学"})
    line.refresh_from_db()
    assert line.removed and LineChange.objects.get(line=line).reason == "已转学"
    roll.refresh_from_db()
    assert (roll.persons, roll.amount) == (0, Decimal("0.00"))


def test_public_list_is_masked(county, rolls):
    roll = rolls[county.school_a1.pk]
    text = response_text(client_for(county.users[Role.LEADER]).get(reverse("aid:roll_public", args=[roll.pk])))
    assert "张*明" in text and "张三明" not in text
    rows = xlsx_rows(client_for(county.users[Role.LEADER]).get(reverse("aid:roll_public_xlsx", args=[roll.pk])))
    assert rows[1][1] == "张*明"
    student = roll.lines.get().student
    assert student.id_number not in text


def test_totals_and_coverage_pages(county, rolls, term):
    text = response_text(client_for(county.users[Role.TOWNSHIP]).get(reverse("aid:totals"), {"term": term.pk}))
    assert "1125.00" in text  # A1 500 + A2 625 (通羊镇); B1 is another township's
    rows = xlsx_rows(
        client_for(county.users[Role.LEADER]).get(reverse("aid:totals"), {"term": term.pk, "format": "xlsx"})
    )
    assert rows[-1][2:] == [3, "1625.00"]
    text = response_text(client_for(county.users[Role.LEADER]).get(reverse("aid:coverage"), {"term": term.pk}))
    assert "已全部资助" in text
    pupil(county, county.school_a1, "P3", name="漏助生", categories=[Category.MONITORED])
    text = response_text(client_for(county.users[Role.LEADER]).get(reverse("aid:coverage"), {"term": term.pk}))
    assert "漏助生" in text and "未列入名单" in text


def test_generate_and_add_standard_pages(county, term, aid_staff):
    pupil(county, county.school_a1, "P2", boarder=True, categories=[Category.ORPHAN])
    staff = client_for(aid_staff)
    programme = Programme.objects.get(code="compulsory_living_allowance")
    response = staff.post(
        reverse("aid:generate"),
        {"year": 2024, "term": "spring", "programme": programme.pk, "census_date": "2025-03-15", "publicity_days": 7},
    )
    assert response.status_code == 302
    spring = services.term_for(2024, "spring")
    assert (spring.census_date, spring.publicity_days) == (dt.date(2025, 3, 15), 7)
    assert Roll.objects.filter(term=spring).count() == 1
    data = {
        "programme": programme.pk,
        "level": "primary",
        "boarder": "true",
        "tier": "",
        "eligibility": "any",
        "amount_per_year": "1200",
        "valid_from": "2019-01-01",
        "source": "县定",
    }
    assert staff.post(reverse("aid:standard_new"), data).status_code == 400  # before the current one
    data["valid_from"] = "2025-09-01"
    assert staff.post(reverse("aid:standard_new"), data).status_code == 302
    assert Standard.objects.filter(valid_from=dt.date(2025, 9, 1), amount_per_year=Decimal("1200")).exists()
    assert client_for(county.users[Role.TOWNSHIP]).get(reverse("aid:generate")).status_code == 404
