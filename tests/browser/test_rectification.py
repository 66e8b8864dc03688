"""A 整改通知书 end to end in headless Chromium: a 股室 user drafts it with a finding and its photo and issues it
(a numbered .docx), the school answers it on a phone-sized screen with a camera photo, the 股室 user verifies the item
and the notice closes; the county's summary. Screenshots rect-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import io

import pytest

from .helpers import PASSWORD, log_in, pick, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def _jpeg(path, color=(90, 140, 200)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_a_notice_issued_answered_on_a_phone_verified_and_closed(new_page, live_server, mini_county, tmp_path):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.rectification.models import Notice

    section = User.objects.create_user(
        "sec_rect", password=PASSWORD, role=Role.SECTION, display_name="督导室", domains=["rectification"]
    )
    section.divisions.add(mini_county.county)
    school = User.objects.create_user("sc_rect", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学管理员")
    school.schools.add(mini_county.primary)

    desk = new_page()
    log_in(desk, live_server, "sec_rect")
    desk.goto(f"{live_server.url}/rectification/notice/")
    desk.click("text=起草整改通知书")
    pick(desk, "id_school", mini_county.primary.name)
    desk.fill("#id_title", "校园安全专项督查")
    desk.fill("#id_inspected_on", "2026-11-20")
    desk.fill("#id_days", "10")
    desk.fill("#id_responsible", "张校长")
    desk.select_option("#id_items-0-severity", "critical")
    desk.fill("#id_items-0-finding", "消防通道堆放杂物")
    desk.fill("#id_items-0-requirement", "立即清理")
    desk.set_input_files("#id_items-0-photo", _jpeg(tmp_path / "问题.jpg", (200, 60, 30)))
    shot(desk, "rect-01-draft-form")
    with desk.expect_navigation():
        desk.click("[data-testid=notice-form] button[type=submit]")
    assert "草稿" in desk.inner_text("[data-testid=notice-state]")
    with desk.expect_navigation():
        desk.click("form[data-action=issue] button[type=submit]")
    notice = Notice.objects.get()
    assert notice.document_number.startswith("通教督整〔") and notice.case.state == "issued"
    assert notice.document_number in desk.inner_text(".alert-success")
    assert desk.locator("[data-testid=notice-docx]").count() == 1
    shot(desk, "rect-02-issued")
    desk.click("[data-testid=notice-print]")
    assert notice.document_number in desk.inner_text("[data-testid=notice-sheet]")
    shot(desk, "rect-03-print")
    desk.problems.assert_none()

    phone = new_page(viewport=PHONE)
    log_in(phone, live_server, "sc_rect")
    phone.goto(f"{live_server.url}/work/")
    assert "校园安全专项督查" in phone.inner_text("#results")
    phone.goto(f"{live_server.url}{notice.get_absolute_url()}")
    with phone.expect_navigation():
        phone.click("form[data-action=receive] button[type=submit]")
    form = phone.locator("form[data-action=report]")
    photos = form.locator("input[type=file]").first
    assert photos.get_attribute("capture") == "environment"
    shot(phone, "rect-04-school-phone")
    # Without the photo the report is refused with the reason, and nothing moves.
    form.locator("textarea").first.fill("已清理消防通道，设专人每日巡查")
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "须上传至少一张整改后的照片" in phone.inner_text(".alert-danger")
    form = phone.locator("form[data-action=report]")
    form.locator("textarea").first.fill("已清理消防通道，设专人每日巡查")
    form.locator("input[type=file]").first.set_input_files(_jpeg(tmp_path / "整改后.jpg"))
    with phone.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已报送整改情况" in phone.inner_text(".alert-success")
    assert "已清理消防通道" in phone.inner_text("[data-testid=item-answer]")
    assert phone.locator("[data-item='1'] img").count() == 2  # the finding's photo and the answer's
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    shot(phone, "rect-05-school-answered-phone")
    phone.problems.assert_none()

    desk.goto(f"{live_server.url}{notice.get_absolute_url()}")
    form = desk.locator("form[data-action=verify]")
    form.locator("input[value=yes]").check()
    shot(desk, "rect-06-verify")
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "验收通过" in desk.inner_text(".alert-success")
    assert "已验收" in desk.inner_text("[data-testid=notice-state]")
    notice.refresh_from_db()
    assert notice.case.state == "accepted" and notice.case.closed_at is not None
    shot(desk, "rect-07-closed")
    desk.goto(f"{live_server.url}/rectification/summary/")
    assert desk.inner_text("[data-testid=total-closed]") == "1"
    shot(desk, "rect-08-summary")
    desk.problems.assert_none()


def test_a_county_replaces_the_notice_template(new_page, live_server, mini_county, tmp_path):
    """公文模板: a misspelt field is refused with its name; the bureau's own file is taken, shown as 本县模板, and
    its 样张 downloads."""
    from docx import Document

    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.rectification.services import DEFAULT_TEMPLATE
    from emis.work.models import DocumentTemplate

    section = User.objects.create_user(
        "sec_tpl", password=PASSWORD, role=Role.SECTION, display_name="督导室", domains=["rectification"]
    )
    section.divisions.add(mini_county.county)

    def edited(path, text):
        document = Document(str(DEFAULT_TEMPLATE))
        document.add_paragraph(text)
        document.save(path)
        return str(path)

    page = new_page()
    log_in(page, live_server, "sec_tpl")
    page.goto(f"{live_server.url}/work/flows/")
    with page.expect_navigation():
        page.click("[data-testid=document-templates-link]")
    assert "默认模板" in page.inner_text(
        "[data-testid=template-rectification_notice-421224] [data-testid=template-state]"
    )
    page.set_input_files(
        "[data-testid=template-upload-form] input[type=file]", edited(tmp_path / "错.docx", "{{ shcool }}")
    )
    with page.expect_navigation():
        page.click("[data-testid=template-upload]")
    assert "shcool" in page.inner_text("[data-testid=template-upload-error]")
    assert not DocumentTemplate.objects.exists()
    shot(page, "rect-templates-refused")

    page.set_input_files(
        "[data-testid=template-upload-form] input[type=file]",
        edited(tmp_path / "红头.docx", "本局红头（联系电话 {{ responsible_phone }}）"),
    )
    with page.expect_navigation():
        page.click("[data-testid=template-upload]")
    assert "本县模板" in page.inner_text(
        "[data-testid=template-rectification_notice-421224] [data-testid=template-state]"
    )
    assert DocumentTemplate.objects.get().file_name == "红头.docx"
    with page.expect_download() as download:
        page.click("[data-testid=template-rectification_notice-421224] [data-testid=template-sample]")
    sample = Document(download.value.path())
    assert any("本局红头（联系电话 138××××0000）" in p.text for p in sample.paragraphs)
    shot(page, "rect-templates-replaced")
