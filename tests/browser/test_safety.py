"""校园安全 in headless Chromium on a phone-sized screen: a school records its closed-campus fact (the school chosen by
typing), then sees its row on the 4个100% table; the county's dashboard fits a phone. Screenshots safety-*.png."""

from __future__ import annotations

import pytest

from .helpers import PASSWORD, log_in, pick, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_a_school_records_a_fact_on_a_phone_and_sees_its_row(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.safety.models import SafetyFact

    school = mini_county.primary
    user = User.objects.create_user("sc_safety", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学管理员")
    user.schools.add(school)

    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "sc_safety")
    phone.goto(f"{live_server.url}/safety/safetyfact/add/")
    pick(phone, "id_school", school.name[:2], school.name)
    phone.select_option("#id_kind", "closed")
    phone.fill("#id_effective_on", "2025-09-01")
    phone.fill("#id_evidence", "封闭化管理验收表2025-01")
    shot(phone, "safety-fact-form")
    with phone.expect_navigation():
        phone.locator("form button[type=submit]").last.click()
    fact = SafetyFact.objects.get(school=school)
    assert fact.kind == "closed" and fact.in_place
    phone.goto(f"{live_server.url}/safety/compliance/?on=2025-12-31")
    table = phone.locator("[data-testid=compliance-schools]")
    assert school.name in table.inner_text()
    assert "达标" in table.inner_text()
    shot(phone, "safety-compliance-phone")
    phone.goto(f"{live_server.url}/safety/")
    assert phone.locator("[data-testid=compliance-percent]").is_visible()
    assert _fits(phone)
    shot(phone, "safety-dashboard-phone")
    phone.problems.assert_none()
