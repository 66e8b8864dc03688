"""Smoke tests for the indicator dashboards (ECharts drawn, drill-down by clicking a township) and the
catchment planning page, each leaving a screenshot behind."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import add_kindergarten_children, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pupils(mini_county):
    """A kindergarten class with children and the 3-5 population, so rates have values in both townships."""
    add_kindergarten_children(mini_county, nanlin_from=4)
    return mini_county


def test_dashboard_draws_charts_and_drills_into_a_township(admin_page, live_server, pupils):
    page = admin_page
    page.goto(f"{live_server.url}/indicators/?year=2025")
    assert "指标看板" in page.locator("h2.page-title").inner_text()
    assert "实时计算（未发布）" in page.inner_text("[data-testid=figures-status]")
    page.wait_for_selector("#township-chart canvas")
    assert page.locator("[data-code=preschool_ger]").inner_text().strip() == "100.00%"
    shot(page, "20-indicator-dashboard")
    # Click the first township's bar: ECharts draws on a canvas, so click where the bar is.
    page.locator("#township-chart").scroll_into_view_if_needed()
    box = page.locator("#township-chart canvas").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    assert "division=421224100" in page.url
    assert "通羊镇" in page.locator("h2.page-title").inner_text()
    page.problems.assert_none()


def test_publish_then_indicator_page_and_screen(admin_page, live_server, pupils):
    page = admin_page
    page.goto(f"{live_server.url}/indicators/?year=2025")
    with page.expect_navigation():
        page.click("[data-testid=publish]")
    assert "已发布（第 1 版）" in page.inner_text("[data-testid=figures-status]")
    page.goto(f"{live_server.url}/indicators/code/preschool_ger/?year=2025")
    assert page.inner_text("[data-testid=indicator-value]").strip() == "100.00%"
    assert "3–5" in page.inner_text("[data-testid=formula]")
    shot(page, "21-indicator-page")
    # The figure's records: the children counted above (numerator), the age group below (denominator).
    with page.expect_navigation():
        page.click("[data-testid=records-link]")
    assert "level=preschool" in page.url and "on_roll=true" in page.url
    assert page.locator("table tbody tr").count() > 0
    page.go_back()
    with page.expect_navigation():
        page.click("[data-testid=denominator-records-link]")
    assert "born_after=" in page.url and "born_before=" in page.url
    assert page.locator("table tbody tr").count() > 0
    shot(page, "24-indicator-denominator-records")
    page.goto(f"{live_server.url}/indicators/screen/?year=2025")
    page.wait_for_selector("#s-townships canvas")
    assert "教育数据大屏" in page.inner_text("[data-testid=screen-title]")
    shot(page, "22-indicator-screen", full_page=False)
    page.problems.assert_none()


def test_catchment_plan_page(admin_page, live_server, mini_county):
    page = admin_page
    page.goto(f"{live_server.url}/admissions/catchments/plan/?year=2025")
    assert "划片招生测算" in page.locator("h2.page-title").inner_text()
    assert "本学年尚未划定片区或填报招生计划。" in page.inner_text("[data-testid=plan-schools]")
    shot(page, "23-catchment-plan")
    page.problems.assert_none()


def test_a_city_user_sees_the_counties_and_drills_into_one(page, live_server, pupils):
    """咸宁市 with 通山县 (the fixture's children) and 崇阳县 (two children, four of 3-5 on the register)."""
    from emis.accounts.models import User
    from emis.common.idnumbers import make_id_number
    from emis.core.access import Role
    from emis.orgs.models import Division, School
    from emis.population.models import PopulationRecord
    from emis.students.models import Enrollment, SchoolClass, Student

    from .helpers import PASSWORD, log_in

    c = pupils
    city = Division.objects.get(code="4212")
    county = Division.objects.create(code="421223", name="崇阳县", level="county", parent=city)
    town = Division.objects.create(code="421223100", name="天城镇", level="township", parent=county)
    kg = School.objects.create(code="1142990001", name="天城幼儿园", category="kindergarten", township=town)
    klass = SchoolClass.objects.create(school=kg, school_year=c.year, grade="K2", name="1班")
    for i in range(4):
        birth = dt.date(2021, 4, 1) + dt.timedelta(days=i)
        number = make_id_number("421223", birth, 40 + i, "1")
        PopulationRecord.objects.create(
            school_year=c.year, name=f"崇阳{i}", gender="1", birth_date=birth, id_number=number, hukou_township=town
        )
        if i < 2:
            child = Student.objects.create(
                name=f"崇阳{i}", gender="1", birth_date=birth, id_number=number, current_school=kg, county_code="421223"
            )
            Enrollment.objects.create(
                student=child,
                school=kg,
                school_year=c.year,
                school_class=klass,
                grade="K2",
                status="enrolled",
                status_date=c.year.census_date,
            )
    user = User.objects.create_user("browser_city", password=PASSWORD, role=Role.CITY, display_name="市局")
    user.divisions.set([city])
    log_in(page, live_server, "browser_city")
    page.goto(f"{live_server.url}/indicators/?year=2025")
    assert page.locator("h2.page-title").inner_text().endswith("咸宁市")
    # (6 + 2) / (6 + 4): the counties' numerators over their denominators.
    assert page.locator("[data-code=preschool_ger]").inner_text().strip() == "80.00%"
    table = page.inner_text("[data-testid=breakdown-table]")
    assert "崇阳县" in table and "通山县" in table and "50.00%" in table
    page.wait_for_selector("#township-chart canvas")
    shot(page, "25-indicator-dashboard-city")
    with page.expect_navigation():
        page.click("[data-testid=breakdown-table] >> text=崇阳县")
    assert "division=421223" in page.url
    assert page.locator("h2.page-title").inner_text().endswith("崇阳县")
    assert "咸宁市" in page.inner_text("[data-testid=breadcrumbs]")
    page.problems.assert_none()
