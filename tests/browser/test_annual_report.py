"""The 年度工作报告 page in headless Chromium: the draft preview, the Word download, uploading the edited version
and publishing it (which locks the year). Screenshots: test-artifacts/screenshots/30-*.png."""

from __future__ import annotations

import pytest
from docx import Document

from .helpers import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_annual_report_draft_upload_publish(admin_page, live_server, mini_county, settings, tmp_path):
    from emis.reports.models import AnnualReport

    settings.MEDIA_ROOT = tmp_path / "media"
    page = admin_page
    page.goto(f"{live_server.url}/reports/annual/")
    assert page.locator("h2.page-title").inner_text() == "年度工作报告"
    assert page.locator("aside .nav-link", has_text="年度工作报告").first.is_visible()
    preview = page.locator("[data-testid=annual-preview]")
    assert preview.locator("h1").inner_text() == "通山县教育局2025年度工作报告"
    assert "一、2025年教育事业发展主要成就" in preview.inner_text()
    assert "全县共有幼儿园1所" in preview.inner_text()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background
    assert "尚未上传修改稿" in page.inner_text("[data-testid=annual-status]")
    shot(page, "30-annual-report")

    # The Word draft, as a person downloads it.
    with page.expect_download() as download:
        page.click("[data-testid=annual-draft]")
    draft = tmp_path / "draft.docx"
    download.value.save_as(draft)
    assert download.value.suggested_filename == "通山县教育局2025年度工作报告（草稿）.docx"
    assert Document(str(draft)).paragraphs[0].text == "通山县教育局2025年度工作报告"

    # A file that is not a Word document is refused in Chinese, next to the field.
    wrong = tmp_path / "报告.pdf"
    wrong.write_bytes(b"%PDF-1.4")
    page.set_input_files("#id_file", str(wrong))
    with page.expect_navigation():
        page.click("[data-testid=annual-upload]")
    assert "请上传 Word 文档（.docx）" in page.inner_text("[data-testid=annual-upload-error]")

    # The edited draft goes up, then is published; the year is locked.
    page.set_input_files("#id_file", str(draft))
    with page.expect_navigation():
        page.click("[data-testid=annual-upload]")
    assert "已上传 draft.docx" in page.inner_text(".alert-success")
    assert "草稿" in page.inner_text("[data-testid=annual-status]")
    assert page.locator("[data-testid=annual-file]").inner_text() == "draft.docx"
    shot(page, "31-annual-uploaded")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=annual-publish]")
    assert "已发布" in page.inner_text(".alert-success")
    assert page.locator("[data-testid=annual-published]").is_visible()
    assert page.locator("[data-testid=annual-upload-form]").count() == 0
    assert AnnualReport.objects.get().status == "published"
    shot(page, "32-annual-published", full_page=False)
    # Chromium reports a request that became a download as aborted.
    page.problems.assert_none(allow=(r"request failed: .*/reports/annual/draft/",))


def test_annual_draft_progress_until_the_worker_has_drafted_it(admin_page, live_server, settings):
    """With the database task backend the page shows the queued job and polls (htmx, every second); once a
    worker has drafted it, the page reloads itself with the preview and the downloads."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page = admin_page
    page.goto(f"{live_server.url}/reports/annual/")
    assert "草稿已排队" in page.inner_text("[data-testid=annual-progress]")
    assert page.locator("[data-testid=annual-draft]").count() == 0
    shot(page, "33-annual-draft-queued", full_page=False)
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    page.wait_for_selector("[data-testid=annual-preview]", timeout=15_000)
    assert page.locator("[data-testid=annual-preview] h1").inner_text() == "通山县教育局2025年度工作报告"
    assert page.locator("[data-testid=annual-draft]").is_visible()
    page.problems.assert_none()
