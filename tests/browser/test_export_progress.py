"""A large list export in headless Chromium (issue 14, item 4): the button starts a background export, the list page
shows its progress in place and stays usable, and a download link appears when the worker has written the file.
Screenshots: test-artifacts/screenshots/40-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_export_shows_progress_then_a_download(admin_page, live_server, mini_county, settings, tmp_path):
    from django.core.cache import cache
    from django.core.management import call_command
    from python_calamine import CalamineWorkbook

    from emis.common.idnumbers import make_id_number
    from emis.core import exports
    from emis.core.models import ExportJob, ExportStatus
    from emis.students.models import Enrollment, Student

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMIS_EXPORT_SYNC_MAX_ROWS = 10  # so that thirty pupils make a "large" export
    for i in range(29):
        birth = dt.date(2018, 1, 1) + dt.timedelta(days=i)
        student = Student.objects.create(
            name=f"学生{i:02d}",
            gender="1",
            birth_date=birth,
            id_number=make_id_number("421224", birth, 100 + i, "1"),
            current_school=mini_county.primary,
            county_code="421224",
        )
        Enrollment.objects.create(
            student=student,
            school=mini_county.primary,
            school_year=mini_county.year,
            grade="P1",
            status_date=mini_county.year.census_date,
        )
    page = admin_page
    page.goto(f"{live_server.url}/students/student/?roll=")  # everyone, not only the pupils in school
    page.click("[data-testid=export-xlsx]")
    card = page.locator("[data-testid=export-card]")
    card.wait_for()
    assert "排队中" in card.inner_text() and "已写入 0 / 30 行" in card.inner_text()
    job = ExportJob.objects.get()
    # The worker has written twelve rows (the state a running export keeps in the shared cache).
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    cache.set(exports._progress_key(job.pk), 12)
    page.wait_for_selector("text=已写入 12 / 30 行")
    bar = page.locator("[data-testid=export-progress]")
    assert bar.get_attribute("style") == "width: 40%"
    # The page stays usable while it runs: the list is filtered in place, the card keeps polling.
    page.fill("#id_q", "学生0")
    page.click(".emis-filters button[type=submit]")
    page.wait_for_selector("text=共 10 条")
    assert card.is_visible()
    shot(page, "40-export-progress", full_page=False)

    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.PENDING)
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    link = page.locator("[data-testid=export-download]")
    link.wait_for(timeout=15_000)
    assert "下载文件（30 行）" in link.inner_text()
    shot(page, "41-export-done", full_page=False)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename.startswith("学生（")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][:4] == ["学校标识码", "年级", "班级", "姓名"] and len(rows) == 31
    # Chromium reports a request that became a download as aborted.
    page.problems.assert_none(allow=(r"request failed: .*/core/exports/\d+/download/",))
