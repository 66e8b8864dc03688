"""An inspection filled on a phone (375×800) in headless Chromium: the 督学 opens the task, answers item by item,
takes a photo, leaves and comes back (the draft is kept in the browser with its client token), sends it, and a
second send of the same form (the first answer lost on a poor connection) makes no second inspection; the county
signs it off on the desktop. Screenshots inspection-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}


def _jpeg(path, color=(90, 140, 200)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def _campaign(c):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.inspections.services import campaign_create, template_publish
    from emis.inspections.tests.conftest import SECTIONS

    section = User.objects.create_user(
        "sec_insp",
        password=PASSWORD,
        role=Role.SECTION,
        display_name="督导室",
        domains=["inspections", "rectification"],
    )
    section.divisions.add(c.county)
    inspector = User.objects.create_user("dx_insp", password=PASSWORD, role=Role.INSPECTOR, display_name="责任督学")
    inspector.schools.add(c.primary)
    version = template_publish(
        code="opening", name="开学工作检查表", purpose="opening", sections=SECTIONS, pass_score=60, acting_user=section
    )
    today = dt.date.today()
    return campaign_create(
        name="开学工作专项督查",
        kind="opening",
        version=version,
        targets=[c.primary, c.nanlin_primary],
        starts_on=today - dt.timedelta(days=5),
        ends_on=today + dt.timedelta(days=5),
        inspectors=[inspector],
        acting_user=section,
    )


def test_an_inspection_filled_on_a_phone_with_a_photo_sent_twice_makes_one(
    new_page, live_server, mini_county, tmp_path, settings
):
    from emis.inspections.models import Inspection

    # Short limits: the notice's deadline stays inside the years the working-day calendar knows, whatever today is.
    settings.EMIS_INSPECTION_RECTIFY_DAYS = {"general": 3, "serious": 2, "critical": 1}

    campaign = _campaign(mini_county)
    target = campaign.targets.get(school=mini_county.primary)
    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "dx_insp")
    phone.goto(f"{live_server.url}/inspections/target/")
    assert "南林桥镇中心小学" not in phone.content()  # not in this 督学's 责任区
    phone.click(f"text={mini_county.primary.name}")
    with phone.expect_navigation():
        phone.click("[data-testid=fill-link]")
    form = "[data-testid=fill-form]"
    phone.click("label[for='a-1.1-yes']")
    phone.fill("input[name='a-1.2']", "20")
    phone.click("label[for='a-1.3-yes']")
    phone.click("label[for='a-2.1-partial']")
    phone.fill("input[name='n-2.1']", "留样柜未上锁")
    token = phone.input_value(f"{form} [data-client-token]")
    assert len(token) >= 16
    # Leaving and coming back: the answers and the token come back from the browser's draft.
    phone.reload()
    assert phone.is_checked("#a-1\\.1-yes") and phone.input_value("input[name='a-1.2']") == "20"
    assert phone.is_checked("#a-2\\.1-partial")
    assert phone.input_value(f"{form} [data-client-token]") == token
    assert phone.is_visible("[data-draft-note]")
    phone.set_input_files("#p-2\\.2", _jpeg(tmp_path / "食堂.jpg"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the form is wider than the phone: {width}px"
    shot(phone, "inspection-01-phone-form")
    # The first send reaches the server but its answer is lost (a poor connection) ...
    status = phone.evaluate(
        """async () => {
            const form = document.querySelector('[data-testid=fill-form]');
            const response = await fetch(window.location.href, {method: 'POST', body: new FormData(form)});
            return response.status;
        }"""
    )
    assert status == 200  # followed to the inspection's page
    assert Inspection.objects.count() == 1
    # ... so the inspector presses 提交 again: the same token, still one inspection, and its page.
    with phone.expect_navigation():
        phone.click(f"{form} [data-send]")
    assert Inspection.objects.count() == 1
    inspection = Inspection.objects.get()
    assert inspection.client_token == token and inspection.target_id == target.pk
    assert inspection.answers.get(item__code="2.2").photos.count() == 1
    assert "已提交" in phone.inner_text("[data-testid=inspection-state]")
    assert phone.evaluate(f"window.localStorage.getItem('inspection-draft-{target.pk}')") is None
    shot(phone, "inspection-02-phone-sent")
    phone.problems.assert_none()

    desk = new_page()
    log_in(desk, live_server, "sec_insp")
    desk.goto(f"{live_server.url}{inspection.get_absolute_url()}")
    with desk.expect_navigation():
        desk.click("form[data-action=sign_off] button[type=submit]")
    inspection.refresh_from_db()
    assert inspection.case.state == "signed" and inspection.result == "pass"  # 5 of 6 weights: 83.3 ≥ 60
    assert inspection.notice is not None and inspection.findings.count() == 1
    assert desk.inner_text("[data-testid=inspection-result]").strip() == "合格"
    shot(desk, "inspection-03-signed")
    desk.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    assert "1 / 2" in desk.inner_text("[data-testid=progress-done]")
    shot(desk, "inspection-04-campaign")
