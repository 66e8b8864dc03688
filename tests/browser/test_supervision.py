"""教育督导 in headless Chromium on a phone-sized screen: a 督学 fills a visit record, the draft survives a reload
(kept in the browser until sent), the visit is recorded once with its photo, and the 达标 page shows the school visited.
Screenshots supervision-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import PASSWORD, log_in, pick, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 60)).save(out, "JPEG")
    return out.getvalue()


def test_an_inspector_records_a_visit_on_a_phone(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.supervision.models import Assignment, Inspector, Visit

    user = User.objects.create_user("insp_sv", password=PASSWORD, role=Role.INSPECTOR, display_name="责任督学")
    user.schools.add(mini_county.primary)
    inspector = Inspector.objects.create(name="王督学", kind="full_time", user=user, start_date=dt.date(2020, 1, 1))
    Assignment.objects.create(inspector=inspector, school=mini_county.primary, start_date=dt.date(2020, 1, 1))

    page = new_page(viewport=PHONE)
    log_in(page, live_server, "insp_sv")
    page.goto(f"{live_server.url}/supervision/visit/new/")
    page.fill("#id_summary", "巡视校园，随机听课两节")
    page.fill("#id_finding_1", "消防通道堆放杂物")
    page.select_option("#id_severity_1", "serious")
    page.check("#id_must_change_1")
    page.locator("input[name=matters][value=safety]").check()
    pick(page, "id_school", mini_county.primary.name)
    # A poor connection: the page is reloaded before it is sent; the draft is still there, the school picked too.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=draft-restored]").is_visible()
    assert page.input_value("#id_finding_1") == "消防通道堆放杂物"
    assert page.locator("input[name=matters][value=safety]").is_checked()
    # The picker's text box shows the school again, and its select (what is posted) holds it.
    assert mini_county.primary.name in page.input_value("#id_school")
    assert page.input_value("#id_school-select") == str(mini_county.primary.pk)
    page.set_input_files("#id_photo_1", files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
    shot(page, "supervision-visit-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the form is wider than the phone ({width}px)"
    with page.expect_navigation():
        page.click("[data-testid=visit-submit]")
    assert "/supervision/visit/" in page.url and "消防通道堆放杂物" in page.content()
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    finding = visit.findings.get()
    assert visit.school == mini_county.primary and finding.must_change and finding.photo
    # Opened again: the recorded draft is dropped, not restored.
    page.goto(f"{live_server.url}/supervision/visit/new/")
    page.wait_for_load_state("networkidle")
    assert not page.locator("[data-testid=draft-restored]").is_visible()
    assert page.input_value("#id_finding_1") == ""
    page.goto(f"{live_server.url}/supervision/compliance/")
    assert mini_county.primary.name in page.content()
    page.problems.assert_none()
