"""The pupil list as a clerk's roster and the printable 花名册: in school (在读) by default with a switch for everyone,
a former pupil's 当前学校 empty, 年级/班级/乡镇 columns and filters, pinyin order, full-pinyin search, the exact ID
search's way (posted to the lookup page), remembered page size, the column chooser, and the roster pages: content,
masking per role, scope, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.common.idnumbers import GENDER_FEMALE, mask_id_number
from emis.common.text import pinyin_key, pinyin_sort_key
from emis.core.access import Role
from emis.core.models import ListPreference
from emis.orgs.models import SchoolYear
from emis.students.models import SchoolClass, Student
from emis.students.selectors import on_roll_total, pupils_in_school, pupils_in_school_by_level
from emis.testing import make_enrollment, make_student, xlsx_rows

MASKED = re.compile(r"^\d{6}\*{12}$")


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [row.record.name for row in response.context["table"].paginated_rows]


def row_of(response, name: str):
    return next(row for row in response.context["table"].paginated_rows if row.record.name == name)


@pytest.fixture
def former(county):
    """A pupil born 1999 whose last enrolment is from 2015 (九年级 at A2): current_school still names A2."""
    year = SchoolYear.objects.create(start_year=2015, census_date=dt.date(2015, 9, 1))
    klass = SchoolClass.objects.create(school=county.school_a2, school_year=year, grade="J3", name="2班")
    pupil = make_student("周往届", county.school_a2, birth=dt.date(1999, 5, 1))
    make_enrollment(pupil, klass)
    return pupil


# In school by default --------------------------------------------------------------------------------------


def test_the_list_shows_pupils_in_school_by_default_and_everyone_on_request(county, former, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    suspended = make_student("孙休学", county.school_b1, birth=dt.date(2018, 4, 4))
    make_enrollment(suspended, county.classes["B1"], status="suspended")
    in_school = {"张三丰", "李小梅", "陈明", "赵思飞", "王芳"}
    assert set(listed(client.get(url))) == in_school
    assert set(listed(client.get(url, {"roll": ""}))) == in_school | {"周往届", "孙休学"}
    assert set(listed(client.get(url, {"roll": "out"}))) == {"周往届", "孙休学"}
    # The count the home page and the dashboard read is the list's.
    leader = county.users[Role.LEADER]
    assert pupils_in_school(leader).count() == 5 == on_roll_total(leader, school_year=county.year)
    assert sum(pupils_in_school_by_level(leader).values()) == 5
    assert pupils_in_school(county.users[Role.SCHOOL]).count() == 2


def test_a_former_pupils_current_school_is_empty(county, former, login):
    client = login(Role.LEADER)
    response = client.get(reverse("students:student_list"), {"roll": "", "q": "周往届"})
    row = row_of(response, "周往届")
    assert row.get_cell("current_school") == "—" and row.get_cell("township") == "—"
    assert row.get_cell("year_grade") == "—" and row.get_cell("year_class_name") == "—"
    assert county.school_a2.get_absolute_url() not in response.content.decode()
    detail = client.get(former.get_absolute_url())
    field = next(f for f in detail.context["fields"] if f["label"] == "当前学校")
    assert field["value"] is None and field["link"] is None
    # A pupil in school shows theirs, with this year's grade, class and township.
    row = row_of(client.get(reverse("students:student_list"), {"q": "陈明"}), "陈明")
    assert county.school_a2.name in row.get_cell("current_school") and row.get_cell("township") == "通羊镇"
    assert row.get_cell("year_grade") == "七年级" and "1班" in row.get_cell("year_class_name")


def test_grade_class_and_township_filters(county, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    assert set(listed(client.get(url, {"grade": "J1"}))) == {"陈明"}
    assert set(listed(client.get(url, {"grade": "P1", "township": county.township_b.pk}))) == {"赵思飞", "王芳"}
    assert set(listed(client.get(url, {"school_class": county.classes["A1"].pk}))) == {"张三丰", "李小梅"}
    assert set(listed(client.get(url, {"class_name": "1", "current_school": county.school_b1.pk}))) == {
        "赵思飞",
        "王芳",
    }
    assert listed(client.get(url, {"class_name": "9班"})) == []
    # The class filter is a hidden field fed by the class page: no dropdown of every class in the county.
    assert 'type="hidden" name="school_class"' in client.get(url).content.decode()


# Pinyin ----------------------------------------------------------------------------------------------------


def test_names_sort_by_pinyin_syllable_by_syllable(county, login):
    for name in ("刘洋", "李玉", "单田芳", "安然", "曾小贤"):
        make_enrollment(make_student(name, county.school_a1, birth=dt.date(2018, 2, 2)), county.classes["A1"])
    assert pinyin_key("单田芳") == "shantianfang" and pinyin_sort_key("李玉") == "li3yu4"
    names = listed(login(Role.LEADER).get(reverse("students:student_list"), {"grade": "P1"}))
    # 李 li before 刘 liu (code point order would put 刘 U+5218 before 李 U+674E); 单 and 曾 read as surnames.
    assert names == ["安然", "李小梅", "李玉", "刘洋", "单田芳", "王芳", "曾小贤", "张三丰", "赵思飞"]
    # The 姓名 header sorts by pinyin as well, both ways.
    desc = listed(login(Role.LEADER).get(reverse("students:student_list"), {"grade": "P1", "sort": "-name"}))
    assert desc == list(reversed(names))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zhangsanfeng", {"张三丰"}),
        ("zhang san", {"张三丰"}),
        ("Zhangs", {"张三丰"}),
        ("zhaosifei", {"赵思飞"}),
        ("lixiaomei", {"李小梅"}),
        ("wangfang", {"王芳"}),
        ("zsf", {"张三丰", "赵思飞"}),  # initials still
        ("chenm", {"陈明"}),
        ("fang", set()),  # from the start of the name only
    ],
)
def test_full_pinyin_search(query, expected, login):
    assert set(listed(login(Role.LEADER).get(reverse("students:student_list"), {"q": query}))) == expected


def test_the_search_box_says_what_it_searches_and_where_an_id_number_goes(county, login):
    url = reverse("students:student_list")
    section = login(Role.SECTION).get(url).content.decode()
    assert "姓名、拼音首字母或全拼；或完整的身份证号、学籍号（精确查找）" in section
    assert f'data-id-search="{reverse("students:student_lookup")}"' in section
    # The leader sees ID numbers masked: no exact lookup, and the box says so rather than sending the number.
    leader = login(Role.LEADER).get(url).content.decode()
    assert 'placeholder="姓名、拼音首字母或全拼"' in leader and 'data-id-search=""' in leader
    assert "data-id-refused=" in leader
    # The lookup the box posts to finds the pupil by the whole number, in scope (tests/test_id_lookup.py).
    pupil = county.students["王芳"]
    response = login(Role.SECTION).post(reverse("students:student_lookup"), {"id_number": pupil.id_number})
    assert response.status_code == 302 and response["Location"] == pupil.get_absolute_url()


# Page size and columns -------------------------------------------------------------------------------------


def test_the_page_size_is_remembered_per_user_and_list(county, login):
    for i in range(60):
        pupil = make_student(f"学生{i:02d}", county.school_b1, birth=dt.date(2018, 1, 1) + dt.timedelta(days=i))
        make_enrollment(pupil, county.classes["B1"])
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    assert len(listed(client.get(url))) == 25
    page = client.get(url, {"per_page": 50})
    assert len(listed(page)) == 50
    assert 'aria-current="true">50</a>' in page.content.decode()
    # Remembered: on the next page, a later visit, after a search, and in a new session.
    assert len(listed(client.get(url, {"page": 2}))) == 15
    assert len(listed(client.get(url))) == 50
    assert len(listed(client.get(url, {"q": "xs"}))) == 50
    assert len(listed(login(Role.LEADER).get(url))) == 50
    assert ListPreference.objects.get(user=county.users[Role.LEADER], list_name="students:student_list").per_page == 50
    # Per list and per user.
    assert client.get(reverse("staff:staff_list")).context["table"].paginator.per_page == 25
    assert len(listed(login(Role.SECTION).get(url))) == 25
    # 500 is offered; a size not offered is used once and not remembered.
    assert len(listed(client.get(url, {"per_page": 500}))) == 65
    assert len(listed(client.get(url, {"per_page": 10}))) == 10
    assert len(listed(client.get(url))) == 65


def test_the_column_chooser_stores_each_users_columns(county, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    page = client.get(url)
    assert [c["name"] for c in page.context["columns"]][:3] == ["gender", "birth_date", "id_number"]
    assert 'data-testid="column-chooser"' in page.content.decode()
    shown = ["gender", "year_grade", "year_class_name", "current_school"]
    response = client.post(
        reverse("core:list_columns"),
        {"list": "students:student_list", "columns": shown, "next": f"{url}?q=zsf"},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?q=zsf"
    table = client.get(url).context["table"]
    assert [column.name for column in table.columns] == [
        "name",
        "gender",
        "current_school",
        "year_grade",
        "year_class_name",
    ]
    # Another user's columns are theirs.
    assert "birth_date" in [column.name for column in login(Role.SECTION).get(url).context["table"].columns]
    # Every generic list has the chooser; "show all" brings the columns back.
    assert client.get(reverse("staff:staff_list")).context["columns"]
    client.post(reverse("core:list_columns"), {"list": "students:student_list", "reset": "1"})
    assert "birth_date" in [column.name for column in client.get(url).context["table"].columns]
    # The first column (the row's link) cannot be hidden; a foreign "next" goes back to the list.
    response = client.post(
        reverse("core:list_columns"),
        {"list": "students:student_list", "columns": [], "next": "https://example.com/"},
    )
    assert response["Location"] == url
    assert [column.name for column in client.get(url).context["table"].columns] == ["name"]


def test_the_class_page_lists_a_whole_class(county, login):
    klass = county.classes["A1"]
    for i in range(30):
        make_enrollment(make_student(f"同班{i:02d}", county.school_a1, birth=dt.date(2018, 1, 1)), klass)
    page = login(Role.SCHOOL).get(klass.get_absolute_url())
    pupils = page.context["related"][0]["table"]
    assert len(pupils.paginated_rows) == 32
    assert [row.record.student.name for row in pupils.paginated_rows][:2] == ["李小梅", "同班00"]
    html = page.content.decode()
    assert reverse("students:schoolclass_roster", args=[klass.pk]) in html
    assert reverse("students:schoolclass_roster_xlsx", args=[klass.pk]) in html


def _queries(client, url, params=None) -> int:
    # The second of two requests: the first after a write may refresh what the site frame caches on the data's
    # version (menu counts), which no list row costs.
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.LEADER, Role.SCHOOL])
def test_list_and_roster_query_counts_do_not_grow_with_rows(role, county, login):
    client = login(role)
    klass = county.classes["A1"]
    urls = [
        (reverse("students:student_list"), {"per_page": 500}),
        (reverse("students:student_list"), {"q": "zhang", "grade": "P1"}),
        (reverse("students:schoolclass_roster", args=[klass.pk]), None),
        (reverse("students:school_roster", args=[county.school_a1.pk]), None),
        (reverse("students:schoolclass_roster_xlsx", args=[klass.pk]), None),
        (klass.get_absolute_url(), None),
    ]
    client.get(urls[0][0], urls[0][1])  # remembers the page size (a write, once)
    before = [_queries(client, url, params) for url, params in urls]
    other = SchoolClass.objects.create(school=county.school_a1, school_year=county.year, grade="P2", name="1班")
    for i in range(12):
        pupil = make_student(f"加{i:02d}", county.school_a1, birth=dt.date(2017, 1, 1) + dt.timedelta(days=i))
        make_enrollment(pupil, klass if i % 2 else other)
    assert [_queries(client, url, params) for url, params in urls] == before


# The 花名册 ---------------------------------------------------------------------------------------------------


def test_a_class_roster_prints_the_class_numbered_by_pinyin(county, login):
    klass = county.classes["A1"]
    klass.head_teacher = "刘建国"
    klass.save()
    make_enrollment(make_student("安然", county.school_a1, birth=dt.date(2018, 2, 2)), klass)
    gone = make_student("钱转出", county.school_a1, birth=dt.date(2018, 2, 2))
    make_enrollment(gone, klass, status="transferred_out")
    away = make_student("孙休学", county.school_a1, birth=dt.date(2018, 2, 2), gender=GENDER_FEMALE)
    make_enrollment(away, klass, status="suspended")
    response = login(Role.SCHOOL).get(reverse("students:schoolclass_roster", args=[klass.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["roster"].sections[0].rows
    assert [(r.no, r.name) for r in rows] == [(1, "安然"), (2, "李小梅"), (3, "孙休学"), (4, "张三丰")]
    assert rows[2].note == "休学"
    assert "通羊镇中心小学" in html and "一年级1班" in html and "班主任：刘建国" in html
    assert "人数：4（男 2，女 2）" in html
    assert "@page" in html and "counter(page)" in html and "counter(pages)" in html
    assert "第 " in html and " 页，共 " in html


@pytest.mark.parametrize(
    ("role", "masked"),
    [(Role.SCHOOL, False), (Role.SECTION, False), (Role.TOWNSHIP, False), (Role.LEADER, True), (Role.INSPECTOR, True)],
)
def test_the_roster_masks_id_numbers_as_the_role_requires(role, masked, county, login):
    klass = county.classes["A1"] if role != Role.INSPECTOR else county.classes["A2"]
    pupil = county.students["张三丰"] if role != Role.INSPECTOR else county.students["陈明"]
    client = login(role)
    page = client.get(reverse("students:schoolclass_roster", args=[klass.pk]))
    row = next(r for r in page.context["roster"].sections[0].rows if r.name == pupil.name)
    html = page.content.decode()
    if masked:
        assert MASKED.match(row.id_number) and row.id_number == mask_id_number(pupil.id_number)
        assert pupil.id_number not in html and pupil.student_no not in html
    else:
        assert row.id_number == pupil.id_number and row.student_no == pupil.student_no
    sheet = xlsx_rows(client.get(reverse("students:schoolclass_roster_xlsx", args=[klass.pk])))
    cells = {str(cell) for line in sheet for cell in line}
    assert (pupil.id_number in cells) is not masked
    assert (mask_id_number(pupil.id_number) in cells) is masked


def test_a_school_admin_cannot_print_another_schools_roster(county, login):
    client = login(Role.SCHOOL)  # A1
    for name, args in (
        ("students:schoolclass_roster", [county.classes["B1"].pk]),
        ("students:schoolclass_roster_xlsx", [county.classes["B1"].pk]),
        ("students:school_roster", [county.school_b1.pk]),
        ("students:school_roster_xlsx", [county.school_b1.pk]),
        ("students:schoolclass_roster", [999999]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.get(reverse("students:school_roster", args=[county.school_a1.pk])).status_code == 200


def test_a_school_roster_has_a_section_per_class_and_the_unplaced(county, login):
    other = SchoolClass.objects.create(school=county.school_a1, school_year=county.year, grade="P2", name="1班")
    make_enrollment(make_student("二年级生", county.school_a1, birth=dt.date(2017, 3, 3)), other)
    loose = make_student("未分班生", county.school_a1, birth=dt.date(2017, 3, 3))
    enrollment = make_enrollment(loose, other)
    enrollment.school_class = None
    enrollment.save()
    client = login(Role.SCHOOL)
    response = client.get(reverse("students:school_roster", args=[county.school_a1.pk]))
    sections = response.context["roster"].sections
    assert [(s.title, [r.name for r in s.rows]) for s in sections] == [
        ("一年级1班", ["李小梅", "张三丰"]),
        ("二年级1班", ["二年级生"]),
        ("未分班", ["未分班生"]),
    ]
    workbook = client.get(reverse("students:school_roster_xlsx", args=[county.school_a1.pk]))
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(workbook.content))
    assert book.sheet_names == ["一年级1班", "二年级1班", "未分班"]
    first = book.get_sheet_by_name("一年级1班").to_python()
    assert first[0][0] == "通羊镇中心小学 一年级1班 花名册"
    assert first[2][:4] == ["序号", "姓名", "性别", "出生日期"]
    assert [line[1] for line in first[3:]] == ["李小梅", "张三丰"]
    # Set up for A4 (paper size 9) with the page number in the footer.
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(workbook.content)).read("xl/worksheets/sheet1.xml").decode()
    assert 'paperSize="9"' in sheet_xml and "&amp;P" in sheet_xml
    # The school's page links to its roster, beside its classes.
    page = client.get(county.school_a1.get_absolute_url()).content.decode()
    assert reverse("students:school_roster", args=[county.school_a1.pk]) in page


def test_roster_names_are_written_as_text(county, login):
    make_enrollment(
        make_student('=HYPERLINK("http://x","y")', county.school_a1, birth=dt.date(2018, 1, 1)), county.classes["A1"]
    )
    sheet = xlsx_rows(
        login(Role.SCHOOL).get(reverse("students:schoolclass_roster_xlsx", args=[county.classes["A1"].pk]))
    )
    assert ['=HYPERLINK("http://x","y")'] == [line[1] for line in sheet if str(line[1]).startswith("=")]
    assert Student.objects.filter(name__startswith="=").exists()


# Any part of a name, through the character index on PostgreSQL (ADR 0018) -----------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("三丰", {"张三丰"}),  # two characters at the end
        ("阳小", {"欧阳小芳"}),  # two in the middle
        ("小", {"李小梅", "欧阳小芳"}),  # one
        ("张三丰", {"张三丰"}),
        ("丰三", set()),  # the characters are there, not in this order
        ("芳芳", set()),  # 芳 twice is not 芳 once
        ("lee", {"Anna Lee"}),  # Latin letters, any case
        ("NA L", {"Anna Lee"}),
    ],
)
def test_a_search_finds_any_part_of_a_name(county, login, query, expected):
    for name in ("欧阳小芳", "Anna Lee"):
        make_enrollment(make_student(name, county.school_a1, birth=dt.date(2018, 2, 2)), county.classes["A1"])
    assert set(listed(login(Role.LEADER).get(reverse("students:student_list"), {"q": query}))) == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the character index is PostgreSQL's")
def test_the_name_search_reads_the_character_index(county, login):
    from emis.students.filtersets import StudentFilterSet

    # The whole province's pupils (a province account's list): the search is what narrows them.
    queryset = StudentFilterSet({"q": "三丰", "roll": ""}, queryset=Student.objects.all()).qs.order_by()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny, so the planner would rather read them whole: forbid that to see the index used.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "students_student_name_grams_idx" in plan
