"""The search-as-you-type picker at county scale: a county of 100,000 pupils (bench/indicators/generate.py, with
varied Chinese names: bench/pickers/run_one.py), where 新增学籍记录 once held every pupil in one dropdown. A
school's clerk types a few pinyin initials, chooses the pupil with the keyboard, chooses the class among the
school's classes of the chosen year and grade, and saves; then on a phone's screen the picker still fits."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from .helpers import PASSWORD, log_in, shot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PUPILS = 100_000


def _bench_statements(vendor: str):
    import sys

    sys.path.insert(0, str(ROOT / "bench" / "indicators"))
    spec = importlib.util.spec_from_file_location("bench_pickers_run_one", ROOT / "bench" / "pickers" / "run_one.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.statements(vendor, PUPILS)


@pytest.fixture
def big_county(transactional_db):
    from django.db import connection

    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.orgs.models import School, SchoolYear
    from emis.students.models import SchoolClass, Student

    with connection.cursor() as cursor:
        for _label, sql in _bench_statements(connection.vendor):
            cursor.execute(sql)
        # The generator writes ids itself: on PostgreSQL the sequences must then move past them, or the next row
        # the ORM creates (the class below, the enrolment the test saves) takes an id already used.
        from django.apps import apps
        from django.core.management.color import no_style

        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    school = School.objects.filter(category="primary").order_by("pk").first()
    # A class of an earlier year, where the pupils have no record yet (the generator's classes are all of 2020).
    SchoolClass.objects.create(
        school=school, school_year=SchoolYear.objects.get(start_year=2016), grade="P2", name="二班"
    )
    clerk = User.objects.create_user("browser_school", password=PASSWORD, role=Role.SCHOOL, display_name="学校管理员")
    clerk.schools.set([school])
    assert Student.objects.count() == PUPILS
    return school


def test_choose_a_pupil_by_typing_and_save(big_county, page, live_server):
    from emis.students.models import Enrollment, SchoolClass, Student

    school = big_county
    pupil = Student.objects.filter(current_school=school).order_by("-pk").first()
    school_class = SchoolClass.objects.get(school=school, name="二班")
    log_in(page, live_server, "browser_school")
    page.goto(f"{live_server.url}/students/enrollment/add/")
    html = page.content()
    assert html.count("<option") < 100, "the form renders only chosen rows and short lists"

    box = page.get_by_label("学生", exact=True)
    box.click()
    box.press_sequentially(pupil.name_initials[:2], delay=80)  # a few pinyin initials
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option").first.wait_for()
    options = listbox.get_by_role("option")
    assert 1 <= options.count() <= 21
    box.fill("")
    box.press_sequentially(pupil.name, delay=80)
    # The answer to the whole name: every result starts with it (the earlier answer stays, dimmed, until then).
    page.wait_for_function(
        """name => {
            const list = document.querySelector(".emis-picker-list.show:not([aria-busy])");
            const texts = list ? [...list.querySelectorAll(".emis-picker-text")].map(n => n.textContent) : [];
            return texts.length > 0 && texts.every(t => t.startsWith(name));
        }""",
        arg=pupil.name,
    )
    shot(page, "picker-student-results", full_page=False)
    # Choose with the keyboard: the first result is active; move to ours if needed, Enter chooses.
    texts = listbox.get_by_role("option").all_inner_texts()
    index = next(i for i, text in enumerate(texts) if text.startswith(pupil.name))
    for _ in range(index):
        box.press("ArrowDown")
    box.press("Enter")
    assert page.locator("select[name=student]").input_value() == str(pupil.pk)
    assert box.input_value() == pupil.name
    assert page.locator(".emis-picker-note").first.inner_text() == f"{school.name} · {pupil.birth_date.year}年生"

    page.get_by_label("学校", exact=True).click()
    page.get_by_label("学校", exact=True).press_sequentially(school.name, delay=60)
    page.get_by_role("listbox").get_by_text(school.name, exact=True).click()
    page.select_option("select[name=school_year]", str(school_class.school_year_id))
    page.select_option("select[name=grade]", school_class.grade)
    page.get_by_label("班级", exact=True).click()  # the classes of that school, year and grade, at once
    page.get_by_role("listbox").get_by_text(str(school_class), exact=True).click()
    page.select_option("select[name=status]", "transferred_in")
    page.fill("input[name=status_date]", "2016-10-08")
    shot(page, "picker-enrollment-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").first.wait_for()
    saved = Enrollment.objects.filter(student=pupil, is_current=True, status="transferred_in").first()
    assert saved is not None and saved.school_class_id == school_class.pk
    assert Student.objects.count() == PUPILS
    page.problems.assert_none()


def test_the_picker_on_a_phone(big_county, new_page, live_server):
    from emis.students.models import Student

    pupil = Student.objects.filter(current_school=big_county).order_by("pk").first()
    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, live_server, "browser_school")
    phone.goto(f"{live_server.url}/students/enrollment/add/")
    box = phone.get_by_label("学生", exact=True)
    box.click()
    box.press_sequentially(pupil.name[:2], delay=80)
    option = phone.get_by_role("listbox").get_by_role("option").first
    option.wait_for()
    width = phone.evaluate("document.querySelector('.emis-picker-list').getBoundingClientRect().right")
    assert width <= 390
    shot(phone, "picker-phone", full_page=False)
    option.click()
    assert phone.locator("select[name=student]").input_value() != ""
    phone.problems.assert_none()
