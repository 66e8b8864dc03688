"""学生资助 end to end in headless Chromium: the county's aid staff generate the 2025 autumn rolls of the living
allowance on the page, open a school's roll, submit and pass it, publish it (the printable 公示 list with names
masked), read the totals and the coverage check. Screenshots aid-*.png (test-artifacts/screenshots/)."""

from __future__ import annotations

import datetime as dt

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pupils(mini_county):
    from emis.aid.models import Recognition
    from emis.common.idnumbers import make_id_number
    from emis.students.models import Enrollment, SchoolClass, Student

    klass = SchoolClass.objects.create(school=mini_county.primary, school_year=mini_county.year, grade="P3", name="1班")
    for n, (name, boarder, category) in enumerate(
        (("张三明", True, "other"), ("李小梅", False, "poverty"), ("赵思飞", False, "monitored"))
    ):
        birth = dt.date(2017, 3, 1 + n)
        student = Student.objects.create(
            name=name,
            gender="1",
            birth_date=birth,
            id_number=make_id_number("421224", birth, 40 + n, "1"),
            current_school=mini_county.primary,
            county_code="421224",
            boarder=boarder,
        )
        Enrollment.objects.create(
            student=student,
            school=mini_county.primary,
            school_year=mini_county.year,
            school_class=klass,
            grade="P3",
            status_date=dt.date(2025, 9, 1),
        )
        Recognition.objects.create(
            id_number=student.id_number,
            name=name,
            category=category,
            recognised_on=dt.date(2025, 9, 10) if n < 2 else dt.date(2025, 10, 10),
            source="civil",
            county_code="421224",
            township_code=mini_county.primary.township.code,
        )


def test_rolls_generated_reviewed_published_and_counted(new_page, live_server, mini_county):
    from emis.accounts.models import User
    from emis.aid.models import Roll
    from emis.core.access import Role

    _pupils(mini_county)
    staff = User.objects.create_user(
        "aid_staff", password=PASSWORD, role=Role.SECTION, display_name="资助中心", domains=["aid"]
    )
    staff.divisions.add(mini_county.county)

    page = new_page()
    log_in(page, live_server, "aid_staff")
    page.goto(f"{live_server.url}/aid/programme/")
    assert "义务教育家庭经济困难学生生活补助" in page.content()
    shot(page, "aid-01-programmes")
    page.goto(f"{live_server.url}/aid/generate/")
    page.fill("#id_year", "2025")
    page.select_option("#id_term", "autumn")
    page.select_option("#id_programme", label="义务教育家庭经济困难学生生活补助")
    with page.expect_navigation():
        page.click("[data-testid=generate-form] button[type=submit]")
    assert "共2人次、750.00元" in page.content()
    shot(page, "aid-02-rolls")
    roll = Roll.objects.get()
    page.goto(f"{live_server.url}{roll.get_absolute_url()}")
    assert "学校核对" in page.inner_text("[data-testid=roll-state]")
    for step in ("submit", "township_pass", "publicise"):
        with page.expect_navigation():
            page.click(f"form[data-step={step}] button[type=submit]")
    assert "公示中" in page.inner_text("[data-testid=roll-state]")
    shot(page, "aid-03-roll-publicised")
    page.goto(f"{live_server.url}/aid/roll/{roll.pk}/public/")
    text = page.inner_text("[data-testid=public-list]")
    assert "张*明" in text and "李*梅" in text and "张三明" not in text
    shot(page, "aid-04-public-list")
    page.goto(f"{live_server.url}/aid/totals/")
    assert page.inner_text("[data-testid=total-persons]") == "2"
    shot(page, "aid-05-totals")
    page.goto(f"{live_server.url}/aid/coverage/")
    assert "赵思飞" in page.inner_text("[data-testid=coverage-gaps]")
    shot(page, "aid-06-coverage")
