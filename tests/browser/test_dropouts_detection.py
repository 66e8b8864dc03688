"""The 四查三比对 page in headless Chromium, as a township account: the counts, a possible match confirmed from the
page, the child gone from the list. Screenshots dropouts-detection-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Browser-Test-2025"


def test_a_township_confirms_a_possible_match_on_the_page(page, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.testing import build_county, make_enrollment, make_population, make_student
    from tests.browser.helpers import shot

    county = build_county(with_users=False)
    user = User.objects.create_user("township_det", password=PASSWORD, role=Role.TOWNSHIP, display_name="通羊镇")
    user.divisions.add(county.township_a)
    birth = dt.date(2014, 5, 6)
    make_population("章玮", county.year, county.township_a, birth=birth, village=county.village_a)
    make_enrollment(make_student("张伟", county.school_a1, birth=birth), county.classes["A1"])
    make_population("钱二", county.year, county.township_a, birth=dt.date(2010, 2, 2), village=county.village_a)
    dropout = make_student("孙辍", county.school_a2, birth=dt.date(2011, 3, 3))
    make_enrollment(dropout, county.classes["A2"], status="dropped_out")
    make_population("孙辍", county.year, county.township_a, birth=dropout.birth_date, id_number=dropout.id_number)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "township_det")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/dropouts/detection/")
    assert page.get_by_test_id("count-possible_match").inner_text() == "1"
    assert page.get_by_test_id("count-dropped_out").inner_text() == "1"
    assert page.get_by_test_id("count-not_enrolled").inner_text() == "1"
    shot(page, "dropouts-detection-township")
    form = page.get_by_test_id("review-form")
    form.locator("select[name=decision]").select_option("confirmed:roll")
    form.locator("input[name=note]").fill("入户核实，学籍身份证号录入有误")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已确认为同一人" in page.content()
    assert page.get_by_test_id("count-possible_match").inner_text() == "0"
    assert "章玮" not in page.get_by_test_id("detection-flags").inner_text()
    shot(page, "dropouts-detection-confirmed")
