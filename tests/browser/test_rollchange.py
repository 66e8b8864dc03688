"""A 学年升级 in headless Chromium on a phone-sized screen: the school's clerk previews (counts per grade, the
exceptions: a 休学 pupil stays), commits, sees the change in effect with its 撤销, and undoes it. Screenshots
rollchange-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _pupils(county):
    from emis.common.idnumbers import make_id_number
    from emis.students.models import Enrollment, SchoolClass, Student

    rows = []
    for grade, names in (("P1", ("刘一", "陈二", "张三")), ("P6", ("李四", "王五")), ("P3", ("赵六",))):
        cls = SchoolClass.objects.create(school=county.primary, school_year=county.year, grade=grade, name="1班")
        for n, name in enumerate(names):
            birth = dt.date(2019 - int(grade[1]), 3, 1 + n)
            student = Student.objects.create(
                name=name,
                gender="1",
                birth_date=birth,
                id_number=make_id_number("421224", birth, 40 + n, "1"),
                current_school=county.primary,
                county_code="421224",
            )
            status = "suspended" if name == "赵六" else "enrolled"
            rows.append(
                Enrollment.objects.create(
                    student=student,
                    school=county.primary,
                    school_year=county.year,
                    school_class=cls,
                    grade=grade,
                    status=status,
                    status_date=county.year.census_date,
                )
            )
    return rows


def test_promotion_preview_commit_and_undo_on_a_phone(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.students.models import Enrollment, RollChange

    _pupils(mini_county)
    clerk = User.objects.create_user("sc_roll", password=PASSWORD, role=Role.SCHOOL, display_name="实验小学学籍员")
    clerk.schools.add(mini_county.primary)

    page = new_page(viewport=PHONE)
    log_in(page, live_server, "sc_roll")
    page.goto(f"{live_server.url}/students/rollchange/")
    page.click("text=学年升级")
    page.select_option("#id_area", f"s:{mini_county.primary.pk}")
    with page.expect_navigation():
        page.click("[data-testid=promotion-preview]")
    shot(page, "rollchange-preview")
    plan = page.locator("[data-testid=promotion-plan]")
    assert plan.is_visible()
    assert page.locator("[data-testid=total-promoted]").inner_text() == "3"
    assert page.locator("[data-testid=total-graduated]").inner_text() == "2"
    exceptions = page.locator("[data-testid=promotion-exception]")
    assert "赵六" in exceptions.first.inner_text() and "休学" in exceptions.first.inner_text()
    assert not RollChange.objects.exists()  # the preview wrote nothing

    with page.expect_navigation():
        page.click("[data-testid=promotion-commit]")
    assert "学年升级" in page.inner_text("h2.page-title")
    assert "已生效" in page.content()
    change = RollChange.objects.get()
    assert change.state == "done" and change.pupils == 5
    assert Enrollment.objects.filter(school_year__start_year=2026, grade="P2").count() == 3
    shot(page, "rollchange-committed")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("[data-testid=undo]")
    change.refresh_from_db()
    assert change.state == "undone"
    assert not Enrollment.objects.filter(school_year__start_year=2026).exists()
    shot(page, "rollchange-undone")

    # A class at once: tick two pupils of 一年级1班 and suspend them; the history lists it with its 撤销.
    from emis.students.models import SchoolClass

    first_grade = SchoolClass.objects.get(school=mini_county.primary, grade="P1")
    page.goto(f"{live_server.url}{first_grade.get_absolute_url()}")
    with page.expect_navigation():
        page.click("text=整班异动")
    page.locator("[data-testid=class-pupils] input[type=checkbox]").nth(0).check()
    page.locator("[data-testid=class-pupils] input[type=checkbox]").nth(1).check()
    page.click("text=休学")
    page.fill("#id_date", "2025-11-03")
    shot(page, "rollchange-class")
    with page.expect_navigation():
        page.click("[data-testid=rollchange-submit]")
    assert RollChange.objects.filter(kind="suspend", pupils=2).exists()
    page.goto(f"{live_server.url}/students/rollchange/")
    assert page.locator("[data-testid=undo]").count() == 1
    shot(page, "rollchange-history")
    page.problems.assert_none()
