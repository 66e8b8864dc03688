"""The work engine's 待办 inbox and case page in headless Chromium: a school answers a rectification case on a
phone-sized screen with a photo, the township sees it waiting for verification; screenshots at 375 px and desktop."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def test_workflow():
    from emis.core import registry
    from emis.work import declaration
    from emis.work.tests.workflows import TEST_REGISTRATION, TEST_WORKFLOW

    with declaration.override(TEST_WORKFLOW), registry.override(TEST_REGISTRATION):
        yield TEST_WORKFLOW


def _jpeg(path):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 200)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_school_answers_on_a_phone_and_the_township_sees_it(
    new_page, live_server, mini_county, test_workflow, tmp_path
):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.work.services import case_open, case_transition
    from emis.work.tests.conftest import add_notice

    township = User.objects.create_user(
        "tw_browser", password=PASSWORD, role=Role.TOWNSHIP, display_name="通羊镇中心学校"
    )
    township.divisions.add(mini_county.tongyang)
    school = User.objects.create_user("sc_browser", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学管理员")
    school.schools.add(mini_county.primary)
    case = case_open(
        workflow=test_workflow.code, title="食堂卫生整改", school=mini_county.primary, acting_user=township
    )
    add_notice(case)
    today = dt.date.today()
    case = case_transition(case=case, transition="issue", acting_user=township, values={"days": 10}, today=today).case
    case_transition(case=case, transition="receive", acting_user=school, comment="已收到", today=today)

    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "sc_browser")
    phone.goto(f"{live_server.url}/work/")
    assert "食堂卫生整改" in phone.inner_text("#results")
    assert phone.locator("[data-testid=menu-count]").first.inner_text() == "1"
    shot(phone, "work-01-inbox-phone")
    phone.click("text=食堂卫生整改")
    form = phone.locator("form[data-action=report]")
    assert form.locator("input[name=photos]").get_attribute("capture") == "environment"
    shot(phone, "work-02-case-phone")
    # Without the photo the step is refused, with the reason in Chinese, and nothing moves.
    form.locator("input[name=summary]").fill("已全面清洁消毒")
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "至少须上传 1 个附件" in phone.inner_text(".alert-danger")
    form = phone.locator("form[data-action=report]")
    assert form.locator("input[name=summary]").input_value() == "已全面清洁消毒"  # what was typed is kept
    form.locator("input[name=photos]").set_input_files(str(_jpeg(tmp_path / "现场.jpg")))
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已办理“报送整改”" in phone.inner_text(".alert-success")
    assert "已全面清洁消毒" in phone.inner_text("[data-testid=case-timeline]")
    assert phone.locator("[data-testid=case-timeline] img").count() == 1
    # The page fits the phone: nothing wider than the screen but the diagram, which scrolls in its own box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(phone, "work-03-case-answered-phone")
    phone.problems.assert_none(allow=(r"HTTP 400: .*/step/report/$",))  # the refused step, shown again

    desk = new_page()
    log_in(desk, live_server, "tw_browser")
    desk.goto(f"{live_server.url}/work/")
    assert "食堂卫生整改" in desk.inner_text("#results") and "已报送整改" in desk.inner_text("#results")
    shot(desk, "work-04-inbox-township")
    desk.click("text=食堂卫生整改")
    assert desk.locator("form[data-action=accept]").count() == 1
    assert desk.locator(".work-state-current").count() == 1
    shot(desk, "work-05-case-township")
    desk.goto(f"{live_server.url}/work/flows/{test_workflow.code}/")
    assert desk.locator("svg.work-diagram").count() == 1
    shot(desk, "work-06-workflow")
    desk.problems.assert_none()
