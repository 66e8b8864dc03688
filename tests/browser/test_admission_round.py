"""Smoke test in headless Chromium for the 中考录取 round: upload the applicants, allocate, solve, publish, and read
a school's results page and an applicant's explanation. Screenshots: 20-round-solved, 21-round-school-results,
22-round-applicant."""

from __future__ import annotations

import pytest

from .helpers import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admission_round_from_upload_to_published_results(admin_page, live_server, mini_county, tmp_path):
    from emis.orgs.models import School
    from emis.rounds.models import AdmissionRound, Applicant, RoundSchool

    c = mini_county
    juniors = [
        School.objects.create(code=code, name=name, category="junior", township=township, urban_rural="rural")
        for code, name, township in (
            ("3142000011", "通羊镇初级中学", c.tongyang),
            ("3142000012", "南林桥镇初级中学", c.nanlin),
        )
    ]
    second = School.objects.create(
        code="3142000006", name="通山县第二中学", category="senior", township=c.nanlin, urban_rural="town"
    )
    round_ = AdmissionRound.objects.create(school_year=c.year, name="2025年中考录取")
    RoundSchool.objects.create(round=round_, school=c.senior, open_seats=4, quota_min_score=520, is_quality=True)
    RoundSchool.objects.create(round=round_, school=second, open_seats=3)
    one, two = c.senior.code, second.code
    rows = [
        ("25001", 0, 668, one, two, "张一"),
        ("25002", 0, 640, one, two, "张二"),
        ("25003", 0, 610, one, two, "张三"),
        ("25004", 1, 605, one, two, "李一"),
        ("25005", 1, 598, one, "", "李二"),
        ("25006", 1, 515, one, two, "李三"),
        ("25007", 0, 560, two, one, "张四"),
        ("25008", 1, 480, one, two, "李四"),
        ("25009", 0, 430, two, "", "张五"),
    ]
    path = tmp_path / "A.csv"
    lines = ["exam_no,junior_school,total,chinese,math,english,pref1,pref2,name"]
    for exam_no, junior, total, pref1, pref2, name in rows:
        part = total // 6
        lines.append(f"{exam_no},{juniors[junior].code},{total},{part},{part},{part},{pref1},{pref2},{name}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = admin_page
    base = live_server.url
    page.goto(f"{base}{round_.get_absolute_url()}")
    assert "2025年中考录取" in page.locator("h2.page-title").inner_text()
    assert page.locator("[data-testid=round-steps] .step-item.active").inner_text() == "草稿"
    page.set_input_files("#round-file", str(path))
    with page.expect_navigation():
        page.click("button:has-text('上传并导入')")
    assert "已导入考生 9 人" in page.inner_text(".alert-success")
    with page.expect_navigation():
        page.click("form[action$='/allocate/'] button")
    assert "已分配指标到校名额 3 个" in page.inner_text(".alert-success")
    with page.expect_navigation():
        page.click("form[action$='/solve/'] button")
    assert "录取完成" in page.inner_text(".alert-success")
    assert page.locator("[data-testid=round-steps] .step-item.active").inner_text() == "已录取待发布"
    figures = page.inner_text("[data-testid=round-figures]")
    assert "指标到校录取" in figures and "未录取" in figures
    shot(page, "20-round-solved")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[action$='/publish/'] button")
    assert "录取结果已发布，本批次已锁定。" in page.inner_text(".alert-success")
    assert page.locator("[data-testid=round-locked]").is_visible()
    assert page.locator("[data-testid=round-actions]").count() == 0

    plan = RoundSchool.objects.get(round=round_, school=c.senior)
    with page.expect_navigation():
        page.click(f"[data-testid=round-schools] a[href='{plan.get_absolute_url()}'] >> nth=0")
    cutoffs = page.inner_text("[data-testid=cutoffs]")
    assert "指标到校" in cutoffs and "统招" in cutoffs
    admitted = page.locator("[data-testid=admitted] tbody tr")
    assert admitted.count() == 4
    assert "25001" in page.inner_text("[data-testid=admitted]")
    shot(page, "21-round-school-results")

    applicant = Applicant.objects.get(round=round_, exam_no="25008")
    page.goto(f"{base}{applicant.get_absolute_url()}")
    explanation = page.inner_text("[data-testid=explanation]")
    assert "第一志愿 通山县第一中学 校未达指标生最低控制线（控制线 520 分，本人 480 分）" in explanation
    assert "第二志愿 通山县第二中学 校统招录取" in explanation
    assert page.locator("a:has-text('登记申诉')").is_visible()
    shot(page, "22-round-applicant")
    page.problems.assert_none()


def test_a_queued_solve_shows_its_progress_and_the_page_reloads_when_the_worker_is_done(
    admin_page, live_server, mini_county
):
    """On the database backend (as in production) the solve waits for a worker: the round page shows the queued
    run and polls it; once `db_worker` has run it the page reloads by itself and tells how it ended.
    Screenshot: 23-round-solve-queued."""
    from django.core.management import call_command
    from django.test import override_settings

    from emis.orgs.models import School
    from emis.rounds import services
    from emis.rounds.models import AdmissionRound, Applicant, RoundSchool

    c = mini_county
    junior = School.objects.create(
        code="3142000011", name="通羊镇初级中学", category="junior", township=c.tongyang, urban_rural="rural"
    )
    round_ = AdmissionRound.objects.create(school_year=c.year, name="2025年中考录取")
    RoundSchool.objects.create(round=round_, school=c.senior, open_seats=3, is_quality=True)
    for exam_no, total in (("25001", 600), ("25002", 500), ("25003", 400)):
        Applicant.objects.create(
            round=round_,
            exam_no=exam_no,
            junior_school=junior,
            total=total,
            chinese=100,
            math=100,
            english=100,
            preferences=[c.senior.code],
        )
    services.round_allocate_quotas(admission_round=round_)

    page = admin_page
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        page.goto(f"{live_server.url}{round_.get_absolute_url()}")
        with page.expect_navigation():
            page.click("form[action$='/solve/'] button")
        progress = page.locator("[data-testid=solve-progress]")
        assert "录取计算已排队" in progress.inner_text()
        assert page.locator("form[action$='/solve/'] button").is_disabled()
        shot(page, "23-round-solve-queued")
        # The test database is SQLite in memory, shared between threads with table locks and no waiting: the
        # polls (each saves the session) are held while the worker writes, then let go.
        page.evaluate(
            "window.holdPolls = true;"
            "document.body.addEventListener('htmx:beforeRequest', e => { if (window.holdPolls) e.preventDefault(); })"
        )
        page.wait_for_timeout(1500)  # a poll already on its way comes back
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
        page.evaluate("window.holdPolls = false")
        page.wait_for_selector(".alert-success", timeout=30_000)  # the poll sees the run ended: the page reloads
    assert "录取完成：指标到校 2 人，统招 1 人，未录取 0 人。" in page.inner_text(".alert-success")
    assert page.locator("[data-testid=solve-progress]").count() == 0
    assert page.locator("[data-testid=round-steps] .step-item.active").inner_text() == "已录取待发布"
    page.problems.assert_none()
