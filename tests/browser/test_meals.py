"""营养改善计划 in headless Chromium: the 股室 user opens a month's reports from the report list, the school reports on
a phone-sized screen (its figure differs from the system's and the page shows the difference), the township checks
it, and the county's totals page and its printable summary. Screenshots meals-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _programme(county):
    from emis.meals.models import DailyStandard, Participation, SchoolDays
    from emis.students.models import Enrollment, SchoolClass

    DailyStandard.objects.create(effective_from=dt.date(2021, 9, 1), amount=Decimal("5.00"))
    Participation.objects.create(school=county.primary, scheme="local", start_date=dt.date(2014, 9, 1))
    Participation.objects.create(school=county.nanlin_primary, scheme="national", start_date=dt.date(2012, 3, 1))
    SchoolDays.objects.create(month=dt.date(2025, 10, 1), days=18)
    klass = SchoolClass.objects.create(school=county.primary, school_year=county.year, grade="P4", name="1班")
    Enrollment.objects.create(
        student=county.student,
        school=county.primary,
        school_year=county.year,
        school_class=klass,
        grade="P4",
        status_date=county.year.census_date,
    )


def test_a_month_opened_reported_on_a_phone_checked_and_summed(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.meals.models import MonthlyReport

    _programme(mini_county)
    section = User.objects.create_user(
        "sec_meals", password=PASSWORD, role=Role.SECTION, display_name="资助中心", domains=["meals"]
    )
    section.divisions.add(mini_county.county)
    school = User.objects.create_user("sc_meals", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学管理员")
    school.schools.add(mini_county.primary)
    township = User.objects.create_user(
        "tw_meals", password=PASSWORD, role=Role.TOWNSHIP, display_name="通羊镇中心学校"
    )
    township.divisions.add(mini_county.tongyang)

    desk = new_page()
    log_in(desk, live_server, "sec_meals")
    desk.goto(f"{live_server.url}/meals/monthlyreport/")
    opening = desk.locator("form[data-action=open]")
    opening.locator("input[type=date]").fill("2025-10-01")
    with desk.expect_navigation():
        opening.locator("button[type=submit]").click()
    assert "已下达2所学校的月报任务" in desk.inner_text(".alert-success")
    shot(desk, "meals-01-reports-opened")
    desk.problems.assert_none()

    report = MonthlyReport.objects.get(school=mini_county.primary)
    assert (report.expected_beneficiaries, report.expected_days, report.expected_amount) == (1, 18, Decimal("90.00"))
    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "sc_meals")
    phone.goto(f"{live_server.url}{report.get_absolute_url()}")
    form = phone.locator("form[data-action=report]")
    form.locator("input[name=beneficiaries]").fill("2")
    form.locator("input[name=days]").fill("18")
    form.locator("input[name=amount]").fill("180.00")
    shot(phone, "meals-02-school-phone")
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已报送" in phone.inner_text("[data-testid=report-state]")
    differences = phone.inner_text("[data-testid=report-differences]")
    assert "90.00" in differences and "180.00" in differences
    shot(phone, "meals-03-reported-with-difference")
    phone.problems.assert_none()

    checker = new_page()
    log_in(checker, live_server, "tw_meals")
    checker.goto(f"{live_server.url}{report.get_absolute_url()}")
    with checker.expect_navigation():
        checker.locator("form[data-action=check] button[type=submit]").click()
    assert "乡镇已审核" in checker.inner_text("[data-testid=report-state]")
    checker.problems.assert_none()

    desk.goto(f"{live_server.url}/meals/totals/?period=autumn&year=2025")
    assert desk.inner_text("[data-testid=total-beneficiaries]").strip() == "1"
    assert desk.inner_text("[data-testid=total-amount]").strip() == "90.00"
    shot(desk, "meals-04-totals")
    desk.click("[data-testid=totals-print]")
    assert "通山县实验小学" in desk.inner_text("[data-testid=totals-sheet]")
    shot(desk, "meals-05-print")
    desk.problems.assert_none()
