"""Figures that agree (issue 14, item 6): a year without data is "—" and never 0 with a change against it; 无数据
carries no progress badge; a school account's dashboard is its school's; the home page, the lists and the dashboard
count the same pupils in school.

Uses the small hand-made county of .county: 2020 is the current year with pupils of every level; 2021 has the
schools but no pupils at all (a year whose records were not imported).
"""

import re
from decimal import Decimal

from django.test import Client

from emis.core import registry
from emis.indicators.models import Comparator, IndicatorSnapshot, PlanTarget
from emis.indicators.selectors import SCHOOL_INDICATORS, dashboard_codes, trend, year_figures
from emis.indicators.services import snapshot_publish
from emis.students.models import Student
from emis.students.selectors import in_school_enrollments, pupils_in_school


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _count(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}"[^>]*>([\d,]+)<', html)
    assert found, testid
    return int(found.group(1).replace(",", ""))


def test_a_year_without_pupils_is_a_dash_in_the_history_never_zero_with_a_change(ic):
    admin = ic.users["admin"]
    for start in (2020, 2021):
        snapshot_publish(school_year=ic.years[start], acting_user=admin, division_code="421224")
    points = {p["year"]: p for p in trend(admin, "junior_students", "421224")}
    assert points[2020]["value"] > 0
    assert points[2021]["value"] is None and points[2021]["change"] is None
    html = client_for(admin).get("/indicators/code/junior_students/", {"year": 2020, "division": "421224"})
    html = html.content.decode()
    row = re.search(r'data-year="2021">(.*?)</tr>', html, re.S).group(1)
    assert "—" in row and not re.search(r"[+-]\d", row) and ">0<" not in row


def test_a_snapshot_frozen_with_zeros_reads_as_no_data_too(ic):
    # A snapshot published before the engine said "no data" froze the missing year's pupils as 0.
    admin = ic.users["admin"]
    snapshot_publish(school_year=ic.years[2020], acting_user=admin, division_code="421224")
    IndicatorSnapshot.objects.create(
        school_year=ic.years[2021],
        division_code="421224",
        version=1,
        data_version="old",
        values={
            "year": 2021,
            "values": [{"code": "primary_pupils", "value": 0, "numerator": 0, "denominator": None, "dimensions": {}}],
        },
    )
    assert year_figures(admin, 2021, "421224").value("primary_pupils") is None
    points = {p["year"]: p for p in trend(admin, "primary_pupils", "421224")}
    assert points[2021]["value"] is None and points[2021]["change"] is None
    # A count the year does hold stays a number, 0 included (schools are kept for 2021).
    assert year_figures(admin, 2021, "421224", live=True).value("kg_count") > 0


def test_no_data_never_carries_a_progress_badge(ic):
    leader = ic.users["leader"]
    PlanTarget.objects.create(
        division_code="421224",
        indicator="compulsory_retention",
        baseline_year=2020,
        target_year=2025,
        comparator=Comparator.AT_LEAST,
        value=Decimal("98"),
    )
    html = client_for(leader).get("/indicators/", {"year": 2021}).content.decode()
    card = re.search(r'data-code="compulsory_retention".*?</div>', html, re.S)
    start = html.rindex('<div class="card">', 0, card.start())
    block = html[start : card.end()]
    assert "无数据" in block
    assert "progress-badge" not in block and "落后于进度" not in html
    table = html[html.index('data-testid="targets"') :]
    assert "落后于进度" not in table and "无数据" in table


def test_a_school_administrators_dashboard_is_their_schools(ic):
    school = ic.users["school_p1"]
    figures = year_figures(school, 2020)
    counts, rates = dashboard_codes(school, figures)
    # P1 teaches primary pupils only: no kindergartens, junior or upper-secondary counts; no county-only rates.
    assert counts == ("primary_pupils",)
    assert rates and set(rates) <= set(SCHOOL_INDICATORS)
    assert all(figures.value(code) is not None for code in rates)
    html = client_for(school).get("/indicators/").content.decode()
    heading = re.search(r'data-testid="dashboard-heading">(.*?)</h2>', html).group(1)
    assert "P1学校" in heading and "通山县" not in heading
    for county_only in ("学前三年毛入园率", "高中阶段毛入学率", "普职比", "幼儿园数"):
        assert county_only not in html
    assert html.count("无数据") == 0
    # No area of its own: no county plan targets or snapshot history on its page.
    assert 'data-testid="targets"' not in html and "历年快照" not in html
    # The county's dashboard keeps its key figures.
    leader_counts, leader_rates = dashboard_codes(ic.users["leader"], year_figures(ic.users["leader"], 2020))
    assert "preschool_ger" in leader_rates and "kg_count" in leader_counts


def test_home_list_and_dashboard_count_the_same_pupils(ic):
    for key in ("school_p1", "township_a", "leader"):
        user = ic.users[key]
        client = client_for(user)
        home = _count(client.get("/").content.decode(), "count-pupils")
        assert home == registry.home_summary(user)["pupils_total"]
        listed = pupils_in_school(Student.objects.for_user(user)).count()
        assert pupils_in_school(user).count() == listed
        enrolments = in_school_enrollments(user).count()
        figures = year_figures(user, 2020, live=True)
        dashboard = sum(figures.value(code) or 0 for code in ("kg_children", "primary_pupils", "junior_students")) + (
            figures.value("upper_secondary_students") or 0
        )
        # The dashboard's pupils link to the enrolment list, which counts them again.
        page = client.get(
            "/students/enrollment/",
            {"school_year": ic.years[2020].pk, "is_current": "true", "on_roll": "true"},
        ).content.decode()
        enrolment_list = int(re.search(r"共 ([\d,]+) 条", page).group(1).replace(",", ""))
        assert home == listed == enrolments == dashboard == enrolment_list, key
        assert home > 0
    # Suspended pupils stay on the books but are not in school.
    assert Student.objects.for_user(ic.users["leader"]).count() > pupils_in_school(ic.users["leader"]).count()
