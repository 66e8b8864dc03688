"""A class's 花名册 printed by Chromium: from the class page's link to the print page, then to PDF (page.pdf, A4 as the
page's CSS asks) with the first page turned into a PNG to look at (pdftoppm where installed, else a screenshot under
print media), and a screenshot of the page as it shows on screen."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest

from .helpers import PASSWORD, SCREENSHOTS, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = ("子涵", "欣怡", "梓轩", "雨桐", "浩然", "诗涵", "宇轩", "可馨", "俊杰", "思远")


@pytest.fixture
def a_class(transactional_db):
    """通山县实验小学 三年级2班 (班主任 刘老师): 48 pupils in school, more than one A4 page holds."""
    from emis.accounts.models import User
    from emis.common.idnumbers import make_id_number
    from emis.core.access import Role
    from emis.orgs.models import Division, School, SchoolYear
    from emis.students.models import Enrollment, SchoolClass, Student

    province = Division.objects.create(code="42", name="湖北省", level="province")
    city = Division.objects.create(code="4212", name="咸宁市", level="city", parent=province)
    county = Division.objects.create(code="421224", name="通山县", level="county", parent=city)
    township = Division.objects.create(code="421224100", name="通羊镇", level="township", parent=county)
    year = SchoolYear.objects.create(start_year=2025, census_date=dt.date(2025, 9, 1), is_current=True)
    school = School.objects.create(
        code="2142000001", name="通山县实验小学", category="primary", township=township, urban_rural="urban"
    )
    klass = SchoolClass.objects.create(school=school, school_year=year, grade="P3", name="2班", head_teacher="刘老师")
    for i in range(48):
        birth = dt.date(2017, 1, 1) + dt.timedelta(days=7 * i)
        gender = "1" if i % 2 else "2"
        pupil = Student.objects.create(
            name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
            gender=gender,
            birth_date=birth,
            id_number=make_id_number("421224", birth, 100 + i, gender),
            current_school=school,
            county_code="421224",
        )
        Enrollment.objects.create(
            student=pupil, school=school, school_year=year, school_class=klass, grade="P3", status_date=year.census_date
        )
    User.objects.create_user("roster_leader", password=PASSWORD, role=Role.LEADER).divisions.add(county)
    return klass


def test_print_a_class_roster_to_pdf(page, live_server, a_class, tmp_path):
    log_in(page, live_server, "roster_leader")
    page.goto(f"{live_server.url}{a_class.get_absolute_url()}")
    # The class page lists the whole class (no pages of 10) and links to its roster.
    assert page.locator(".card:has(h3:text-is('学生')) tbody tr").count() == 48
    with page.expect_navigation():
        page.click("[data-testid=detail-link]:has-text('打印花名册')")
    assert page.url.endswith(f"/students/schoolclass/{a_class.pk}/roster/")
    sheet = page.locator("[data-testid=roster-section]")
    assert "通山县实验小学" in sheet.inner_text() and "三年级2班" in sheet.inner_text()
    assert "班主任：刘老师" in page.inner_text("[data-testid=roster-teacher]")
    rows = page.locator("[data-testid=roster-row]")
    assert rows.count() == 48
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "1" and re.fullmatch(r"\d{6}\*{12}", first[4]), first  # the leader sees IDs masked
    shot(page, "roster-01-screen")

    pdf = tmp_path / "花名册.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2, f"48 rows should take two A4 pages, the PDF has {pages}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, SCREENSHOTS / "roster-class.pdf")
    if shutil.which("pdftoppm"):
        target = SCREENSHOTS / "roster-02-pdf-page"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(target)], check=True)
        assert list(SCREENSHOTS.glob("roster-02-pdf-page*.png"))
    else:
        shot(page, "roster-02-print-media")
    page.problems.assert_none()


def test_the_pupil_list_as_a_roster(page, live_server, a_class):
    from emis.students.models import Student

    log_in(page, live_server, "roster_leader")
    page.goto(f"{live_server.url}/students/student/")
    assert page.inner_text("[data-testid=result-count]").strip() == "共 48 条"
    box = page.locator("#id_q")
    assert box.get_attribute("placeholder") == "姓名、拼音首字母或全拼"
    # A whole ID number typed into the box is not sent in the URL: the leader sees numbers masked, so the box says
    # why instead of searching.
    pupil = Student.objects.order_by("name_sort").first()
    box.fill(pupil.id_number)
    page.click("button:has-text('查询')")
    page.locator("[data-id-refused-note]").wait_for()
    assert "不能按证件号查找" in page.inner_text("[data-id-refused-note]")
    assert pupil.id_number not in page.url
    # Full pinyin.
    box.fill("caoshihan")
    page.click("button:has-text('查询')")
    page.locator("[data-testid=result-count]", has_text="共 1 条").wait_for()
    # 50 a page, then the column chooser.
    page.goto(f"{live_server.url}/students/student/")
    with page.expect_navigation():
        page.click("[data-testid=page-sizes] a:text-is('50')")
    assert page.locator("#results tbody tr").count() == 48
    page.click("[data-testid=column-chooser] button.dropdown-toggle")
    page.uncheck("[data-testid=column-chooser] input[value=birth_date]")
    shot(page, "roster-03-pupil-list-columns", full_page=False)
    with page.expect_navigation():
        page.click("[data-testid=column-chooser] button:has-text('保存')")
    headers = page.locator("#results thead th").all_inner_texts()
    assert "出生日期" not in headers and "年级" in headers and "班级" in headers and "乡镇" in headers
    shot(page, "roster-04-pupil-list")
    page.problems.assert_none()
