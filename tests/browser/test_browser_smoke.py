"""Smoke tests in headless Chromium: one per page family, each leaving a screenshot behind.

They check what a person would notice first: the page renders with its CSS, Chinese text and the
expected controls, the main action works, and errors come back in Chinese.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from .helpers import log_in, pick, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def assert_styled(page):
    """Tabler's stylesheet loaded: the page background is not the browser default white."""
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), background


def result_count(page) -> str:
    return page.inner_text("[data-testid=result-count]").strip()


def test_login_page_then_home(page, live_server, mini_county):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "县域教育管理信息系统"
    assert_styled(page)
    shot(page, "01-login")

    page.fill("#id_username", "browser_admin")
    page.fill("#id_password", "wrong-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text(".alert-danger")

    log_in(page, live_server)
    assert page.url == f"{live_server.url}/"
    # Four schools counted (the teaching point is not a school), one pupil without an enrolment.
    assert page.inner_text("[data-testid=count-schools]") == "4"
    assert "系统管理员（测试）" in page.inner_text("[data-testid=current-user]")
    assert page.locator("aside .nav-link", has_text="学校").first.is_visible()
    shot(page, "02-home")
    page.problems.assert_none()


def test_school_list_search_and_filter(admin_page, live_server, mini_county):
    page = admin_page
    page.goto(f"{live_server.url}/orgs/school/")
    assert page.locator("h2.page-title").inner_text() == "学校"
    assert result_count(page) == "共 5 条"
    assert_styled(page)

    # Search by part of the name: htmx swaps the results and pushes the query into the address bar.
    page.fill("#id_q", "南林桥")
    page.click("button:has-text('查询')")
    page.locator("[data-testid=result-count]", has_text="共 2 条").wait_for()  # the CSP forbids wait_for_function
    assert "q=" in page.url
    rows = page.locator("#results tbody tr")
    assert rows.count() == 2
    assert "南林桥镇中心小学" in page.inner_text("#results")
    shot(page, "03-school-list-search")

    # Then filter by category and township as well.
    page.fill("#id_q", "")
    page.select_option("#id_category", label="小学")
    page.select_option("#id_township", label="通羊镇")
    page.click("button:has-text('查询')")
    page.locator("[data-testid=result-count]", has_text="共 1 条").wait_for()  # the CSP forbids wait_for_function
    assert "通山县实验小学" in page.inner_text("#results tbody")

    # The same filter survives a full reload of the pushed URL (no htmx).
    page.reload()
    assert result_count(page) == "共 1 条"
    shot(page, "04-school-list-filter")
    page.problems.assert_none()


def test_school_detail_shows_history(admin_page, live_server, mini_county):
    from emis.core.audit import audit_context
    from emis.core.models import ChangeSource

    school = mini_county.primary
    with audit_context(user=mini_county.admin, source=ChangeSource.WEB):
        school.capacity = 2000
        school.save()

    page = admin_page
    page.goto(f"{live_server.url}/orgs/school/{school.pk}/")
    assert page.locator("h2.page-title").inner_text() == "通山县实验小学"
    assert "2000" in page.inner_text("[data-field='学位数']").replace(",", "")
    history = page.locator("[data-testid=history]")
    text = history.inner_text()
    assert "变更历史" in text
    assert "修改" in text and "新增" in text
    assert "学位数" in text and "1800" in text and "2000" in text
    assert "browser_admin" in text
    shot(page, "05-school-detail-history")

    # The change record's own page lists the field diff.
    history.locator("a").first.click()
    page.wait_for_load_state()
    assert "/core/objectchange/" in page.url
    assert "变更内容" in page.inner_text("body")
    page.problems.assert_none()


def test_student_form_shows_chinese_error_then_saves(admin_page, live_server, mini_county):
    from emis.common.idnumbers import make_id_number
    from emis.students.models import Student

    good_id = make_id_number("421224", dt.date(2017, 3, 8), 52, "2")
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")

    page = admin_page
    page.goto(f"{live_server.url}/students/student/add/")
    assert "新增学生" in page.locator("h2.page-title").inner_text()
    page.fill("#id_name", "李思雨")
    page.select_option("#id_gender", label="女")
    page.fill("#id_birth_date", "2017-03-08")
    page.fill("#id_id_number", bad_id)
    pick(page, "id_current_school", "实验", "通山县实验小学")
    with page.expect_navigation():
        page.click("button:has-text('保存')")

    errors = page.locator("[data-testid=field-error]")
    assert errors.count() >= 1
    message = errors.all_inner_texts()
    assert any("身份证号校验位错误" in m and good_id[17] in m for m in message), message
    # The typed values are kept, and nothing was written.
    assert page.input_value("#id_name") == "李思雨"
    assert not Student.objects.filter(name="李思雨").exists()
    shot(page, "06-student-form-error")

    page.fill("#id_id_number", good_id)
    with page.expect_navigation():
        page.click("button:has-text('保存')")
    assert "/students/student/" in page.url and "/add/" not in page.url
    assert "已保存" in page.inner_text(".alert-success")
    student = Student.objects.get(name="李思雨")
    assert student.id_number == good_id
    assert student.current_school == mini_county.primary
    shot(page, "07-student-saved")
    page.problems.assert_none()


def test_delete_confirmation(admin_page, live_server, mini_county):
    from emis.orgs.models import School

    school = mini_county.kindergarten
    page = admin_page
    page.goto(f"{live_server.url}/orgs/school/{school.pk}/")
    with page.expect_navigation():
        page.click("a:has-text('删除')")
    assert page.url.endswith(f"/orgs/school/{school.pk}/delete/")
    body = page.inner_text("form.card")
    assert "确认删除" in body and "通羊镇阳光幼儿园" in body and "审计日志" in body
    shot(page, "08-delete-confirm")

    with page.expect_navigation():
        page.click("button:has-text('确认删除')")
    assert page.url == f"{live_server.url}/orgs/school/"
    assert "已删除" in page.inner_text(".alert-success")
    assert not School.objects.filter(pk=school.pk).exists()
    assert result_count(page) == "共 4 条"
    page.problems.assert_none()


def test_audit_log_list(admin_page, live_server, mini_county):
    page = admin_page
    page.goto(f"{live_server.url}/core/objectchange/")
    assert page.locator("h2.page-title").inner_text() == "变更记录"
    assert page.locator("#results tbody tr").count() >= 5
    assert "新增" in page.inner_text("#results")
    assert_styled(page)
    shot(page, "09-audit-log")

    page.select_option("#id_content_type", label="学生")
    page.click("button:has-text('查询')")
    page.locator("[data-testid=result-count]", has_text="共 1 条").wait_for()  # the CSP forbids wait_for_function
    assert "王小明" in page.inner_text("#results tbody")
    page.problems.assert_none()


def test_language_switch_to_english(admin_page, live_server, mini_county):
    page = admin_page
    page.goto(f"{live_server.url}/orgs/school/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.url.endswith("/orgs/school/")
    assert page.get_attribute("html", "lang") == "en"
    assert page.input_value("select[name=language]") == "en"
    # The sign-out button reads as the English catalogue says (the msgid itself while no .mo is compiled).
    with translation.override("en"):
        sign_out = translation.gettext("退出")
    assert page.inner_text("header button[type=submit]").strip() == sign_out
    shot(page, "10-english")

    page.goto(f"{live_server.url}/")
    assert page.get_attribute("html", "lang") == "en"
    page.problems.assert_none()


def test_phone_viewport_list_has_no_page_overflow(new_page, live_server, mini_county):
    page = new_page(viewport=PHONE)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/orgs/school/")
    assert result_count(page) == "共 5 条"
    # Wide tables scroll inside their card (.table-responsive); the page body itself must not.
    overflow = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " width: window.innerWidth})"
    )
    assert overflow["scroll"] <= overflow["width"] and overflow["body"] <= overflow["width"], overflow
    # The sidebar collapses behind its toggler on a phone.
    assert page.locator(".navbar-toggler").first.is_visible()
    shot(page, "11-phone-school-list")
    page.problems.assert_none()
