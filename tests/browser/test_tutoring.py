"""校外培训机构 in headless Chromium: a township account on a phone-sized screen opens one of its institutions,
registers a complaint from the institution's page and sees it in the institution's history and the complaint's page;
the county's section reads the summary on a desktop. Screenshots tutoring-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def test_a_township_registers_a_complaint_on_a_phone(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.tutoring.models import Complaint, FeePlan, Institution

    institution = Institution.objects.create(
        name="通山县学而思培训学校",
        township=mini_county.tongyang,
        kind="academic",
        legal_form="nonprofit",
        address="通山县通羊大道10号",
        subjects="数学",
        licence_number="教民142122470001号",
        converted_on=dt.date(2021, 10, 8),
    )
    FeePlan.objects.create(
        institution=institution,
        course="数学（初中）",
        price_per_hour=Decimal("35"),
        prepaid_hours=48,
        prepaid_months=Decimal("3"),
        effective_from=dt.date(2021, 12, 1),
    )
    township = User.objects.create_user(
        "tw_tutoring", password=PASSWORD, role=Role.TOWNSHIP, display_name="通羊镇中心学校"
    )
    township.divisions.add(mini_county.tongyang)
    section = User.objects.create_user(
        "sec_tutoring", password=PASSWORD, role=Role.SECTION, display_name="民办教育股", domains=["tutoring"]
    )
    section.divisions.add(mini_county.county)

    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "tw_tutoring")
    phone.goto(f"{live_server.url}/tutoring/institution/")
    assert "通山县学而思培训学校" in phone.inner_text("body")
    phone.goto(f"{live_server.url}{institution.get_absolute_url()}")
    form = phone.locator("form[data-action=complaint]")
    form.locator("select[name=channel]").select_option("12345")
    form.locator("input[name=complainant]").fill("张女士")
    form.locator("textarea[name=content]").fill("一次收取半年学费。")
    shot(phone, "tutoring-01-institution-phone")
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "投诉已受理" in phone.inner_text(".alert-success")
    complaint = Complaint.objects.get()
    assert complaint.case.state == "received" and complaint.case.due_on is not None
    assert "张女士" in phone.inner_text("body")
    # Nothing wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    phone.goto(f"{live_server.url}{complaint.get_absolute_url()}")
    assert "已受理" in phone.inner_text("[data-testid=complaint-state]")
    shot(phone, "tutoring-02-complaint-phone")
    phone.problems.assert_none()

    desk = new_page()
    log_in(desk, live_server, "sec_tutoring")
    desk.goto(f"{live_server.url}/tutoring/summary/")
    figures = desk.inner_text("[data-testid=summary-figures]")
    assert "机构总数" in figures and "投诉未办结" in figures
    assert "通羊镇" in desk.inner_text("[data-testid=summary-townships]")
    shot(desk, "tutoring-03-summary")
    desk.problems.assert_none()
