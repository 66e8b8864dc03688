"""List, detail, form and export pages: search (pinyin initials too), pagination, sorting, exports with masking,
validation messages, create/edit/delete flows, and query counts that do not grow with the number of rows."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE, id_check_digit, make_id_number, mask_id_number
from emis.core import counts
from emis.core.access import Role
from emis.core.models import ObjectChange
from emis.orgs.models import Division, School, SchoolEvent, SchoolYear
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.staff.models import Staff
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import (
    csv_rows,
    form_data,
    id_for,
    make_division,
    make_enrollment,
    make_outside_enrollment,
    make_population,
    make_school,
    make_staff,
    make_student,
    make_user,
    registry,
    response_text,
    xlsx_rows,
)

STUDENT_FORM_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "student_no",
    "current_school",
    "hukou_township",
    "hukou_village",
    "boarder",
    "poverty_family",
    "disabled",
    "left_behind",
    "migrant",
)
MASKED = re.compile(r"^\d{6}\*{12}$")


def names(response) -> list[str]:
    assert response.status_code == 200
    return [str(row.record) for row in response.context["table"].paginated_rows]


# Search ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zsf", {"张三丰", "赵思飞"}),  # pinyin initials
        ("ZSF", {"张三丰", "赵思飞"}),
        ("zs", {"张三丰", "赵思飞"}),  # initials match from the start
        ("sf", set()),
        ("张三", {"张三丰"}),  # part of the name
        ("lxm", {"李小梅"}),
        ("  王芳 ", {"王芳"}),
        ("", {"张三丰", "李小梅", "陈明", "赵思飞", "王芳"}),
    ],
)
def test_student_search_matches_name_and_pinyin_initials(query, expected, login):
    assert set(names(login(Role.LEADER).get(reverse("students:student_list"), {"q": query}))) == expected


def test_list_search_does_not_match_id_numbers_or_student_numbers(county, login):
    # Exact lookup by number is a POST for the roles that see numbers in full (tests/test_id_lookup.py).
    client = login(Role.SECTION)
    student = county.students["李小梅"]
    for query in (student.id_number, student.student_no, student.id_number[:10]):
        assert names(client.get(reverse("students:student_list"), {"q": query})) == []


def test_pinyin_search_on_staff_population_and_enrollments(login):
    client = login(Role.LEADER)
    assert names(client.get(reverse("staff:staff_list"), {"q": "ljg"})) == ["刘建国"]
    assert set(names(client.get(reverse("population:populationrecord_list"), {"q": "zsf"}))) == {"张三丰", "赵思飞"}
    enrollments = client.get(reverse("students:enrollment_list"), {"q": "wf"})
    assert [row.record.student.name for row in enrollments.context["table"].paginated_rows] == ["王芳"]
    assert names(client.get(reverse("orgs:school_list"), {"q": "南林桥"})) == ["南林桥镇中心小学"]


def test_search_and_filters_combine(county, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    assert names(client.get(url, {"q": "zsf", "current_school": county.school_b1.pk})) == ["赵思飞"]
    assert set(names(client.get(url, {"gender": GENDER_FEMALE}))) == {"李小梅", "王芳"}


def test_htmx_request_returns_only_the_results(login):
    response = login(Role.LEADER).get(reverse("students:student_list"), {"q": "zsf"}, headers={"hx-request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'data-testid="result-count"' in html and "赵思飞" in html


# Pagination and sorting -----------------------------------------------------------------------------------


@pytest.fixture
def many_students(county):
    """30 more pupils in school at A1, in its class (35 in the county)."""
    created = []
    for i in range(30):
        student = make_student(
            f"学生{i:02d}",
            county.school_a1,
            birth=dt.date(2017, 1, 1) + dt.timedelta(days=i),
            gender=GENDER_MALE if i % 2 else GENDER_FEMALE,
        )
        make_enrollment(student, county.classes["A1"])
        created.append(student)
    return created


def test_list_pages_are_paginated(many_students, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    first = client.get(url)
    assert len(names(first)) == 25
    assert "共 35 条" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(names(second)) == 10
    assert not set(names(first)) & set(names(second))
    assert len(names(client.get(url, {"per_page": 10}))) == 10
    assert len(names(client.get(url, {"per_page": 1000}))) == 35  # capped at 500
    assert len(names(client.get(url, {"per_page": "x"}))) == 25
    # The search survives paging.
    searched = client.get(url, {"q": "学生", "page": 2})
    assert len(names(searched)) == 5


def test_a_list_above_the_exact_count_limit_shows_the_planners_estimate_on_postgresql(many_students, login, settings):
    """Above EMIS_LIST_EXACT_COUNT_LIMIT rows (as the planner expects them) PostgreSQL's estimate stands for the
    count: no COUNT(*) of a province's pupils before the first page. SQLite, and any list below the limit, count."""
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the planner's statistics of the 35 pupils (ANALYZE runs in a transaction)
            for table in ("students_student", "students_enrollment", "orgs_school", "orgs_division"):
                cursor.execute(f"ANALYZE {table}")
    settings.EMIS_LIST_EXACT_COUNT_LIMIT = 1
    response = client.get(url)
    text = response.content.decode()
    table = response.context["table"]
    assert len(names(response)) == 25  # the first page is the same either way
    if connection.vendor == "postgresql":
        assert table.count_estimated and "约 " in text and "共 35 条" not in text
        assert table.paginator.count == table.data._length > 1
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # The page still counts other things (the 待办 badge, unread notifications, townships): not the pupils.
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert not any("students_student" in sql for sql in counts), "the list still counted its rows"
    else:
        assert not table.count_estimated and "共 35 条" in text
    settings.EMIS_LIST_EXACT_COUNT_LIMIT = 0  # 0: always exact
    assert "共 35 条" in client.get(url).content.decode()
    settings.EMIS_LIST_EXACT_COUNT_LIMIT = 200_000  # the default: a county's lists are below it
    assert "共 35 条" in client.get(url).content.decode()


def test_a_page_past_the_rows_an_estimate_promised_shows_the_last_page_there_is(
    many_students, login, settings, monkeypatch
):
    """An estimate above the rows there are (the planner's guess of a search can be half again the matches) would
    leave its last pages empty: such a page counts exactly and shows the real last page, with the exact count."""
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    settings.EMIS_LIST_EXACT_COUNT_LIMIT = 1
    monkeypatch.setattr(counts, "planner_rows", lambda queryset: 1000)  # the planner overestimates: 35 pupils
    first = client.get(url)
    assert first.context["table"].count_estimated and "约 1,000 条" in first.content.decode()
    assert len(names(first)) == 25
    with CaptureQueriesContext(connection) as queries:
        promised_last = client.get(url, {"page": 40})  # the last of the 40 pages the estimate promises
    # Read before the next request: the captured queries are read from the connection's log, which a request clears.
    pupil_counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and 'FROM "students_student"' in q["sql"]]
    assert len(pupil_counts) == 1  # counted once, for this page only
    table = promised_last.context["table"]
    assert not table.count_estimated and table.page.number == 2 and table.paginator.num_pages == 2
    assert len(names(promised_last)) == 10 and "共 35 条" in promised_last.content.decode()
    assert set(names(promised_last)) == set(names(client.get(url, {"page": 2, "per_page": 25})))
    # A page inside the rows keeps the estimate and counts nothing.
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url, {"page": 2})
    assert second.context["table"].count_estimated and len(names(second)) == 10
    assert not [q for q in queries if "COUNT(" in q["sql"].upper() and 'FROM "students_student"' in q["sql"]]


def test_a_search_matching_many_shows_the_planners_estimate_on_postgresql(many_students, login, settings):
    """A search (q) has its own, lower limit (EMIS_SEARCH_EXACT_COUNT_LIMIT): above it the matches are estimated, not
    counted; the same list without a search stays exact under the list's limit."""
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("students_student", "students_enrollment", "orgs_school", "orgs_division"):
                cursor.execute(f"ANALYZE {table}")
    settings.EMIS_SEARCH_EXACT_COUNT_LIMIT = 1
    with CaptureQueriesContext(connection) as queries:
        searched = client.get(url, {"q": "xs"})  # the initials of the 30 pupils 学生00..学生29
    # Read now: the captured queries come from the connection's log, which the next request clears.
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert queries.captured_queries
    # The first page: 25 rows, or as many as an estimate below a page says there are.
    assert len(names(searched)) == min(25, searched.context["table"].paginator.count)
    listed = client.get(url)
    assert not listed.context["table"].count_estimated and "共 35 条" in listed.content.decode()
    if connection.vendor == "postgresql":
        assert searched.context["table"].count_estimated and "约 " in searched.content.decode()
        assert not any('FROM "students_student"' in sql for sql in counts), "the search still counted its matches"
    else:
        assert "共 30 条" in searched.content.decode()
    settings.EMIS_SEARCH_EXACT_COUNT_LIMIT = 10_000  # the default: a county's searches are counted
    assert "共 30 条" in client.get(url, {"q": "xs"}).content.decode()


def test_the_in_school_count_reads_covering_indexes_on_postgresql(db):
    """Whether a pupil is in school, and which pupils a county's schools hold, are read from indexes alone
    (migration students 0008): the indexes keep their names and uniqueness and carry one more column."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no covering indexes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('students_enrollment_one_current_per_year', 'students_student_school_idx')"
        )
        definitions = dict(cursor.fetchall())
    current = definitions["students_enrollment_one_current_per_year"]
    assert current.startswith("CREATE UNIQUE INDEX") and "INCLUDE (status)" in current
    assert "(student_id, school_year_id)" in current and "WHERE is_current" in current
    by_school = definitions["students_student_school_idx"]
    assert "(current_school_id, name) INCLUDE (id)" in by_school


def test_list_columns_sort(county, login):
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    by_birth = [
        row.record.birth_date for row in client.get(url, {"sort": "birth_date"}).context["table"].paginated_rows
    ]
    assert by_birth == sorted(by_birth)
    by_birth_desc = [
        r.record.birth_date for r in client.get(url, {"sort": "-birth_date"}).context["table"].paginated_rows
    ]
    assert by_birth_desc == sorted(by_birth, reverse=True)
    school_names = [
        str(r.record.current_school)
        for r in client.get(url, {"sort": "current_school"}).context["table"].paginated_rows
    ]
    assert len(school_names) == 5
    # An annotated column (class size) sorts too.
    sizes = [
        r.record.size
        for r in client.get(reverse("students:schoolclass_list"), {"sort": "-size"}).context["table"].paginated_rows
    ]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 2


# Exports ---------------------------------------------------------------------------------------------------


def test_xlsx_and_csv_exports_hold_the_filtered_list(county, login):
    client = login(Role.SCHOOL)
    rows = xlsx_rows(client.get(reverse("students:student_export", args=["xlsx"]), {"q": "zsf"}))
    header = rows[0]
    # The import template's columns first (tests/test_exports.py), so that the file can be imported back.
    assert header[:8] == ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "全国学籍号"]
    assert len(rows) == 2
    student = county.students["张三丰"]
    row = dict(zip(header, rows[1], strict=True))
    assert row["姓名"] == "张三丰" and row["性别"] == "男" and row["当前学校（只读）"] == "通羊镇中心小学"
    assert row["出生日期"] == student.birth_date.isoformat()
    assert row["身份证件号"] == student.id_number  # school administrators see full ID numbers
    assert row["全国学籍号"] == student.student_no
    assert row["是否寄宿"] == "否"
    response = client.get(reverse("students:student_export", args=["csv"]), {"q": "zsf"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    text = response_text(response)
    raw = response.body
    assert raw.startswith("\ufeff".encode())  # a BOM, so Excel reads UTF-8
    rows = csv_rows(response)
    assert rows[0] == header and len(rows) == 2 and rows[1][3] == "张三丰"
    assert student.id_number in text


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_id_numbers_are_masked_for_roles_without_full_ids(role, county, login, api):
    client = login(role)
    student = county.students["赵思飞"]  # B1: inside both roles' scope
    staff = county.staff["孙强"]
    for url, person in (
        (reverse("students:student_export", args=["xlsx"]), student),
        (reverse("staff:staff_export", args=["xlsx"]), staff),
    ):
        rows = xlsx_rows(client.get(url))
        column = rows[0].index("身份证件号")
        values = [row[column] for row in rows[1:]]
        assert values and all(MASKED.match(v) for v in values), values
        assert mask_id_number(person.id_number) in values
    rows = csv_rows(client.get(reverse("students:student_export", args=["csv"])))
    text = "\n".join(",".join(r) for r in rows)
    number_column = rows[0].index("全国学籍号")
    assert all("*" in row[number_column] for row in rows[1:])  # G + the ID number
    pages = [
        client.get(reverse("students:student_list")),
        client.get(student.get_absolute_url()),
        client.get(reverse("staff:staff_list")),
        client.get(staff.get_absolute_url()),
        client.get(reverse("students:enrollment_export", args=["csv"])),
    ]
    texts = [response_text(p) for p in pages] + [text]
    body = api(role).get(f"/api/students/{student.pk}/").json()
    assert body["id_number"] == mask_id_number(student.id_number) == "421224" + "*" * 12
    assert "*" in body["student_no"]
    texts += [str(body), api(role).get("/api/staff/").content.decode()]
    for text in texts:
        assert student.id_number not in text and staff.id_number not in text
    assert mask_id_number(student.id_number) in response_text(pages[1])


def test_population_records_are_masked_for_the_leader_and_full_for_the_township(county, login, api):
    record = county.population["张三丰"]
    leader = response_text(login(Role.LEADER).get(reverse("population:populationrecord_list")))
    assert record.id_number not in leader and mask_id_number(record.id_number) in leader
    assert api(Role.LEADER).get(f"/api/population/{record.pk}/").json()["id_number"] == mask_id_number(record.id_number)
    township = response_text(login(Role.TOWNSHIP).get(reverse("population:populationrecord_list")))
    assert record.id_number in township
    assert api(Role.TOWNSHIP).get(f"/api/population/{record.pk}/").json()["id_number"] == record.id_number


def test_export_rejects_unknown_formats(login):
    assert login(Role.ADMIN).get(reverse("students:student_export", args=["pdf"])).status_code == 404


# Forms: validation messages and flows --------------------------------------------------------------------


def _student_data(county, **overrides):
    birth = dt.date(2018, 4, 1)
    id_number = id_for(birth, GENDER_FEMALE)
    data = {
        "name": "新生",
        "gender": GENDER_FEMALE,
        "birth_date": birth.isoformat(),
        "id_number": id_number,
        "student_no": f"G{id_number}",
        "current_school": county.school_a1.pk,
    }
    data.update(overrides)
    return data


def _errors(response) -> dict:
    assert response.status_code == 200
    return {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}


def test_student_form_explains_invalid_id_numbers_in_chinese(county, login):
    client = login(Role.SCHOOL)
    url = reverse("students:student_add")
    good = _student_data(county)["id_number"]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    errors = _errors(client.post(url, _student_data(county, id_number=wrong_check, student_no="")))
    assert errors["id_number"] == [f"身份证号校验位错误：末位应为 {good[17]}。"]
    errors = _errors(client.post(url, _student_data(county, id_number="12345", student_no="")))
    assert "格式不正确：应为18位" in errors["id_number"][0]
    assert "12345" not in errors["id_number"][0] or len("12345") <= 8
    first17 = "42122420181332123"
    errors = _errors(
        client.post(url, _student_data(county, id_number=first17 + id_check_digit(first17), student_no=""))
    )
    assert errors["id_number"] == ["身份证号中的出生日期不是有效日期。"]
    errors = _errors(client.post(url, _student_data(county, birth_date="2018-04-02")))
    assert errors["birth_date"] == ["出生日期 2018-04-02 与身份证号中的出生日期 2018-04-01 不一致。"]
    errors = _errors(client.post(url, _student_data(county, gender=GENDER_MALE)))
    assert errors["gender"] == ["性别与身份证号第17位（奇数为男，偶数为女）不一致。"]
    errors = _errors(client.post(url, _student_data(county, student_no="X123")))
    assert errors["student_no"] == ["全国学籍号“X123”格式不正确：应为 G、J 或 L 开头加18位。"]
    errors = _errors(client.post(url, _student_data(county, id_number="", student_no="")))
    assert errors["student_no"] == ["身份证号和全国学籍号至少填写一项。"]
    taken = county.students["赵思飞"].id_number  # another school's pupil: uniqueness is county-wide
    errors = _errors(client.post(url, _student_data(county, id_number=taken, student_no="")))
    assert "已存在" in errors["id_number"][0]
    assert not Student.objects.filter(name="新生").exists()


def test_a_g_number_other_than_g_plus_the_id_number_is_saved(county, login):
    """The 学籍号 is for life and ID numbers get corrected (domain-rules 2.2): not a reason to refuse the form."""
    client = login(Role.SCHOOL)
    other = id_for(dt.date(2018, 4, 1), GENDER_FEMALE)
    response = client.post(reverse("students:student_add"), _student_data(county, student_no=f"G{other}"))
    assert response.status_code == 302
    assert Student.objects.get(name="新生").student_no == f"G{other}"


def test_lower_case_x_is_accepted_and_stored_upper_case(county, login):
    client = login(Role.SCHOOL)
    first17 = "42122420180401002"
    id_number = first17 + id_check_digit(first17)
    if id_number[-1] != "X":
        first17 = next(f"4212242018040100{d}" for d in "02468" if id_check_digit(f"4212242018040100{d}") == "X")
        id_number = first17 + "X"
    response = client.post(
        reverse("students:student_add"), _student_data(county, id_number=id_number.lower(), student_no="")
    )
    assert response.status_code == 302, _errors(response)
    assert Student.objects.get(name="新生").id_number == id_number


def test_school_form_explains_invalid_school_codes(county, login):
    client = login(Role.ADMIN)
    data = form_data(
        county.school_a1,
        (
            "code",
            "name",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "township",
            "parent",
            "address",
            "latitude",
            "longitude",
            "capacity",
            "opened_on",
            "closed_on",
        ),
    )
    url = reverse("orgs:school_edit", args=[county.school_a1.pk])
    assert _errors(client.post(url, {**data, "code": "21420"}))["code"] == ["学校标识码“21420”应为10位数字。"]
    assert _errors(client.post(url, {**data, "code": "9942000101"}))["code"] == [
        "学校标识码前两位“99”不是有效的学校类别代码。"
    ]
    assert _errors(client.post(url, {**data, "code": "2143000101"}))["code"] == [
        "学校标识码第3-4位“43”应为所在省代码 42。"
    ]
    assert _errors(client.post(url, {**data, "category": "teaching_point", "parent": ""}))["parent"] == [
        "教学点必须指定所属小学。"
    ]
    county.school_a1.refresh_from_db()
    assert county.school_a1.code == "2142000101"


def test_staff_and_population_forms_require_an_id_number(county, login):
    client = login(Role.TOWNSHIP)
    errors = _errors(
        client.post(
            reverse("population:populationrecord_add"),
            {
                "school_year": county.year.pk,
                "name": "无证",
                "gender": "1",
                "birth_date": "2019-01-01",
                "id_number": "",
                "hukou_township": county.township_a.pk,
                "source": "police",
            },
        )
    )
    assert errors["id_number"]
    errors = _errors(
        client.post(
            reverse("population:populationrecord_add"),
            {
                "school_year": county.year.pk,
                "name": "村错",
                "gender": "1",
                "birth_date": "2019-01-01",
                "id_number": id_for(dt.date(2019, 1, 1), GENDER_MALE),
                "hukou_township": county.township_a.pk,
                "hukou_village": county.village_b.pk,
                "source": "police",
            },
        )
    )
    assert errors["hukou_village"] == ["户籍村/社区不属于所选乡镇。"]


def test_create_edit_and_delete_a_student(county, login):
    client = login(Role.SCHOOL)
    response = client.post(reverse("students:student_add"), _student_data(county, name="欧阳娜娜"))
    student = Student.objects.get(name="欧阳娜娜")
    assert response.status_code == 302 and response["Location"] == student.get_absolute_url()
    assert student.name_initials == "oynn" and student.county_code == "421224"
    page = client.get(student.get_absolute_url())
    assert "已保存：欧阳娜娜" in page.content.decode()
    # Not enrolled yet, so not in school: found among all pupils.
    assert names(client.get(reverse("students:student_list"), {"q": "oynn", "roll": ""})) == ["欧阳娜娜"]

    data = form_data(student, STUDENT_FORM_FIELDS, name="欧阳娜", boarder=True)
    response = client.post(reverse("students:student_edit", args=[student.pk]), data)
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.name == "欧阳娜" and student.boarder and student.name_initials == "oyn"
    form_page = client.get(reverse("students:student_edit", args=[student.pk]))
    assert form_page.context["form"].initial["name"] == "欧阳娜"

    confirm = client.get(reverse("students:student_delete", args=[student.pk]))
    assert "确定要删除学生“欧阳娜”吗" in confirm.content.decode()
    response = client.post(reverse("students:student_delete", args=[student.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("students:student_list")
    assert not Student.objects.filter(pk=student.pk).exists()
    assert "已删除：欧阳娜" in client.get(reverse("students:student_list")).content.decode()


def test_deleting_a_referenced_row_explains_why_it_stays(county, login):
    client = login(Role.ADMIN)
    school = county.school_b1
    response = client.post(reverse("orgs:school_delete", args=[school.pk]), follow=True)
    assert School.objects.filter(pk=school.pk).exists()
    html = response.content.decode()
    assert "无法删除“南林桥镇中心小学”：仍被以下数据引用" in html
    # The API answers 409 with the same explanation rather than failing.
    from django.test import Client

    api = Client(headers={"authorization": f"Token {county.tokens[Role.ADMIN]}"})
    response = api.delete(f"/api/schools/{school.pk}/")
    assert response.status_code == 409 and "仍被以下数据引用" in response.json()["detail"]


def test_detail_page_shows_related_rows_within_scope(county, login):
    client = login(Role.SCHOOL)
    page = client.get(county.school_a1.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "通羊镇畈上教学点" in html and "刘建国" in html
    student_page = client.get(county.students["张三丰"].get_absolute_url()).content.decode()
    assert "2024-2025" in student_page and 'data-testid="history"' in student_page


def test_read_only_roles_see_no_write_buttons(county, login):
    html = login(Role.LEADER).get(county.students["张三丰"].get_absolute_url()).content.decode()
    assert reverse("students:student_edit", args=[county.students["张三丰"].pk]) not in html
    html = login(Role.SCHOOL).get(county.students["张三丰"].get_absolute_url()).content.decode()
    assert reverse("students:student_edit", args=[county.students["张三丰"].pk]) in html


def test_home_page_counts_within_scope(login):
    school = login(Role.SCHOOL).get(reverse("home")).context["summary"]
    leader = login(Role.LEADER).get(reverse("home")).context["summary"]
    assert school["pupils_total"] == 2 and leader["pupils_total"] == 5
    assert leader["schools"] == 3 and leader["teaching_points"] == 1
    assert school["staff"] == 1 and leader["staff"] == 3


def test_home_page_above_the_exact_count_limit_shows_estimates_on_postgresql(many_students, login, settings):
    """A province's home page: above EMIS_LIST_EXACT_COUNT_LIMIT the pupils (in all and by level) and the staff are
    the planner's estimates, marked 约, and no COUNT(*) reads the pupils, their enrolments or the staff. SQLite, and
    any scope below the limit, count exactly."""
    client = login(Role.LEADER)
    exact = client.get(reverse("home")).context["summary"]
    assert exact["pupils_total"] == 35 and not exact["pupils_estimated"] and not exact["staff_estimated"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("students_student", "students_enrollment", "staff_staff", "orgs_school", "orgs_division"):
                cursor.execute(f"ANALYZE {table}")
    settings.EMIS_LIST_EXACT_COUNT_LIMIT = 1
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    summary, text = response.context["summary"], response.content.decode()
    if connection.vendor == "postgresql":
        assert summary["pupils_estimated"] and summary["staff_estimated"]
        assert "约 " in text and 'data-testid="estimated-note"' in text
        assert summary["pupils_total"] > 1 and sum(n for _, n in summary["levels"]) > 0
        counted = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        for table in ("students_student", "students_enrollment", "staff_staff"):
            assert not any(f'FROM "{table}"' in sql for sql in counted), f"the home page still counted {table}"
    else:
        assert summary == exact and 'data-testid="estimated-note"' not in text


def test_login_page_signs_in_with_username_and_password(county):
    from django.test import Client

    from emis.testing import PASSWORD

    client = Client()
    response = client.post(reverse("login"), {"username": "school_a1", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    bad = Client().post(reverse("login"), {"username": "school_a1", "password": "nope"})
    assert bad.status_code == 200 and bad.context["form"].errors


# Query counts ----------------------------------------------------------------------------------------------

_counter = {"n": 0}


def _n() -> int:
    _counter["n"] += 1
    return _counter["n"]


def _grow(model, county, k: int) -> None:
    """k more rows of `model`, all inside the county."""
    from emis.staff.models import Posting as PostingModel

    for _ in range(k):
        i = _n()
        if model is Division:
            make_division(f"421224100{100 + i:03d}", f"村{i}", "village", county.township_a)
        elif model is School:
            make_school(f"21420{10000 + i:05d}", f"学校{i}", "primary", county.township_b)
        elif model is SchoolEvent:
            SchoolEvent.objects.create(
                school=county.school_a1, kind="renamed", date=dt.date(2000, 1, 1), old_name=f"旧名{i}"
            )
        elif model is SchoolYear:
            SchoolYear.objects.create(start_year=1900 + i, census_date=dt.date(1900 + i, 9, 1))
        elif model is SchoolClass:
            SchoolClass.objects.create(school=county.school_b1, school_year=county.year, grade="P2", name=f"{i}班")
        elif model in (Student, Enrollment, ObjectChange):
            student = make_student(f"增加{i}", county.school_b1, birth=dt.date(2018, 2, 1) + dt.timedelta(days=i))
            make_enrollment(student, county.classes["B1"])
        elif model is Staff:
            make_staff(f"教师{i}", county.school_b1, birth=dt.date(1990, 1, 1) + dt.timedelta(days=i))
        elif model is PostingModel:
            PostingModel.objects.create(
                staff=county.staff["孙强"],
                school=county.school_b1,
                kind="exchange",
                start_date=dt.date(2010, 1, 1) + dt.timedelta(days=i),
            )
        elif model is PopulationRecord:
            make_population(
                f"人口{i}",
                county.year,
                county.township_b,
                birth=dt.date(2019, 3, 1) + dt.timedelta(days=i),
                village=county.village_b,
            )
        elif model is OutsideEnrollment:
            make_outside_enrollment(
                f"县外{i}", county.year, county.township_b, birth=dt.date(2015, 1, 1) + dt.timedelta(days=i)
            )
        elif model.__name__ == "User":
            make_user(f"user{i}", Role.SCHOOL, schools=[county.school_b1])
        elif model.__name__ == "CatchmentZone":
            village = make_division(f"421224101{200 + i:03d}", f"片村{i}", "village", county.township_b)
            zone = model.objects.create(
                school_year=county.year, name=f"片区{i}", township=county.township_b, primary_school=county.school_b1
            )
            zone.villages.add(village)
        elif model.__name__ == "EntryPlan":
            school = make_school(f"21421{10000 + i:05d}", f"计划学校{i}", "primary", county.township_b)
            model.objects.create(school_year=county.year, school=school, level="primary", classes=2)
        elif model.__name__ == "PlanTarget":
            model.objects.create(
                division_code="421224", indicator="kg_count", baseline_year=2000 + i, target_year=2100 + i, value=1
            )
        elif model.__name__ == "IndicatorSnapshot":
            model.objects.create(
                school_year=county.year, division_code="421224", version=100 + i, data_version="t", values={}
            )
        elif model.__name__ == "CatchmentException":
            model.objects.create(
                school_year=county.year,
                level="primary",
                id_number=make_id_number("421224", dt.date(2018, 1, 1) + dt.timedelta(days=i), 1, "1"),
                name=f"例外{i}",
                reason="policy",
                school=county.school_b1,
            )
        elif model.__name__ == "Case":  # a case of a workflow no longer declared: the pages still draw it
            model.objects.create(
                workflow="grown",
                title=f"办件{i}",
                state="open",
                level="school",
                school=county.school_b1,
                division_code=county.township_b.code,
            )
        elif model.__name__ == "CalendarDay":
            model.objects.create(date=dt.date(2099, 1, 1) + dt.timedelta(days=i), kind="holiday", name=f"假日{i}")
        elif model.__name__ == "CalendarYear":
            model.objects.create(year=2090 + i)
        elif model.__name__ == "Notice":  # a draft 整改通知书 with one finding (and its case)
            from emis.rectification.tests.conftest import draft

            draft(county, county.users[Role.ADMIN], school=county.school_b1, items=1)
        elif model._meta.app_label == "inspections":
            from emis.inspections.tests.growth import grow

            grow(model, county, i)
        elif model._meta.app_label == "meals":
            from emis.meals.tests.growth import grow

            grow(model, county, i)
        elif model._meta.app_label == "safety":
            from emis.safety.tests.growth import grow

            grow(model, county, i)
        elif model._meta.app_label == "supervision":
            from emis.supervision.tests.growth import grow

            grow(model, county, i)
        elif model._meta.app_label == "tutoring":
            from emis.tutoring.tests.growth import grow

            grow(model, county, i)
        elif model._meta.app_label == "aid":
            from emis.aid.tests.growth import grow

            grow(model, county, i)
        elif model.__name__ in ("AdmissionRound", "RoundSchool", "QuotaAllocation", "Applicant", "Appeal"):
            _grow_round_rows(model, county, i)
        elif model.__name__ == "DropoutCase":  # a 适龄未入学 child of township B flagged (and its case)
            from emis.dropouts.services import open_cases
            from emis.dropouts.tests.conftest import flag

            birth = dt.date(2012, 1, 1) + dt.timedelta(days=i)
            open_cases(
                [flag(county, name=f"儿童{i}", birth=birth, township=county.township_b)], county.users[Role.ADMIN]
            )
        elif model.__name__ == "MonthlyReport":  # a month's report of B1 (and its case)
            from emis.dropouts.services import request_reports

            month = dt.date(2000 + i // 12, 1 + i % 12, 1)
            request_reports(month, county.users[Role.ADMIN], schools=[county.school_b1], today=dt.date(2024, 10, 8))
        elif model.__name__ == "RollChange":  # a 休学 in effect (undoable: its 撤销 check runs for the row)
            from emis.students.rollchanges import pupils_suspend

            student = make_student(f"异动{i}", county.school_b1, birth=dt.date(2018, 2, 1) + dt.timedelta(days=i))
            make_enrollment(student, county.classes["B1"])
            pupils_suspend(students=[student], date=dt.date(2024, 11, 4), acting_user=county.users[Role.ADMIN])
        else:
            raise AssertionError(f"no way to add rows of {model.__name__}: extend _grow")


def _grow_round_rows(model, county, i: int) -> None:
    """One more row of a 中考录取 model: a draft round (and a published one for appeals), created on first use."""
    from emis.rounds.models import AdmissionRound, Applicant, QuotaAllocation, RoundSchool

    rounds = getattr(county, "_grow_rounds", None)
    if rounds is None:
        draft = AdmissionRound.objects.create(school_year=county.year, name="增加批次")
        senior = make_school("3142100001", "增加高中", "senior", county.township_b)
        RoundSchool.objects.create(round=draft, school=senior, open_seats=10, quota_seats=5, is_quality=True)
        published = AdmissionRound.objects.create(school_year=county.year, name="已发布批次", status="published")
        rounds = county._grow_rounds = {"draft": draft, "senior": senior, "published": published}

    def applicant(admission_round):
        return Applicant.objects.create(
            round=admission_round,
            exam_no=f"K{i:06d}",
            name=f"考生{i}",
            junior_school=county.school_a2,
            total=500 + i,
            chinese=100,
            math=100,
            english=100,
            preferences=[rounds["senior"].code],
        )

    if model is AdmissionRound:
        AdmissionRound.objects.create(school_year=county.year, name=f"批次{i}")
    elif model is RoundSchool:
        school = make_school(f"31421{10000 + i:05d}", f"高中{i}", "senior", county.township_b)
        RoundSchool.objects.create(round=rounds["draft"], school=school, open_seats=10)
    elif model is QuotaAllocation:
        junior = make_school(f"31422{10000 + i:05d}", f"初中{i}", "junior", county.township_b)
        QuotaAllocation.objects.create(round=rounds["draft"], school=rounds["senior"], junior_school=junior, seats=1)
    elif model is Applicant:
        applicant(rounds["draft"])
    else:
        from emis.rounds.services import round_appeal_record

        round_appeal_record(
            applicant=applicant(rounds["published"]),
            received_on=dt.date(2024, 7, 1),
            reason="复核",
            acting_user=county.users[Role.ADMIN],
        )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("ui", registry(), ids=lambda ui: ui.url_name("list"))
def test_list_and_export_query_counts_do_not_grow_with_rows(ui, county, login, api, django_assert_max_num_queries):
    client = login(Role.ADMIN)
    list_url = reverse(ui.url_name("list"))
    export_url = reverse(ui.url_name("export"), args=["xlsx"])
    params = {"per_page": 200}
    if not ui.model._base_manager.exists():
        _grow(ui.model, county, 1)  # an empty list reads no page of rows: one query fewer than any other
    # 16: the site frame's counts (待办, 检查任务, notifications) and, on PostgreSQL, the planner's estimate of the
    # list's size (ADR 0017) are part of every list page.
    with django_assert_max_num_queries(16):
        client.get(list_url, params)
    before = (_queries(client, list_url, params), _queries(client, export_url))
    _grow(ui.model, county, 6)
    # Where the planner expects many rows (on PostgreSQL a table's dead pages count too), the list's count is kept until
    # the next change record (counts.remembered_count): the growth's records make the next view count once more.
    client.get(list_url, params)
    after = (_queries(client, list_url, params), _queries(client, export_url))
    assert after == before, (
        f"{ui.model.__name__}: queries (list, export) went from {before} to {after} with 6 more rows"
    )
    # The API list too, where there is one.
    from config.api_urls import router

    prefixes = [prefix for prefix, viewset, _ in router.registry if getattr(viewset, "ui", None) is ui]
    for prefix in prefixes:
        token_client = api(Role.ADMIN)
        count = _queries(token_client, f"/api/{prefix}/")
        _grow(ui.model, county, 3)
        assert _queries(token_client, f"/api/{prefix}/") == count, f"/api/{prefix}/ grows with rows"


def test_list_query_count_for_a_scoped_role_does_not_grow(county, login):
    client = login(Role.SCHOOL)
    url = reverse("students:student_list")
    before = _queries(client, url)
    for i in range(5):
        student = make_student(f"本校{i}", county.school_a1, birth=dt.date(2018, 7, 1) + dt.timedelta(days=i))
        make_enrollment(student, county.classes["A1"])
    assert _queries(client, url) == before
    assert len(names(client.get(url))) == 7


@pytest.mark.parametrize("url_name", ["students:student_detail", "staff:staff_detail", "orgs:school_detail"])
def test_detail_page_query_count_is_bounded(url_name, county, login, django_assert_max_num_queries):
    obj = {
        "students:student_detail": county.students["张三丰"],
        "staff:staff_detail": county.staff["刘建国"],
        "orgs:school_detail": county.school_a1,
    }[url_name]
    client = login(Role.LEADER)
    with django_assert_max_num_queries(30):
        assert client.get(reverse(url_name, args=[obj.pk])).status_code == 200


def test_a_lists_rows_are_drawn_escaped_and_an_empty_list_says_so_across_every_column(county, login):
    """The rows are drawn by the `table_rows` tag, not django-tables2's template: a value is escaped as the template
    escaped it, and a list with no match has one row across all its columns with the table's empty text."""
    pupil = Student.objects.order_by("pk").first()
    Student.objects.filter(pk=pupil.pk).update(name="<i>李</i>四")
    client = login(Role.LEADER)
    url = reverse("students:student_list")
    page = client.get(url, {"q": "李</i>四"}).content.decode()
    assert "&lt;i&gt;李&lt;/i&gt;四" in page and "<i>李</i>" not in page
    assert re.search(r"<tbody[^>]*>(.*?)</tbody>", page, re.S).group(1).count("<tr") == 1
    empty = client.get(url, {"q": "查无此人"}).content.decode()
    tbody = re.search(r"<tbody[^>]*>(.*?)</tbody>", empty, re.S).group(1)
    headers = len(re.findall(r"<th\b", empty.split("<tbody")[0].rsplit("<thead", 1)[1]))
    assert tbody.strip() == f'<tr><td colspan="{headers}">没有符合条件的记录。</td></tr>'


def test_a_search_in_several_ways_lists_exactly_its_matches_in_roster_order_within_scope(many_students, login):
    """On PostgreSQL a search that can match in several ways (a part of the name, the initials, the full pinyin) is a
    union of index reads, sorted, then joined to the pupils (StudentFilterSet.search, students migration 0009): the
    pages hold exactly the pupils the plain filter finds, in roster order, only those in the user's scope."""
    url = reverse("students:student_list")
    expected = list(
        Student.objects.filter(name_initials__startswith="xs")
        .order_by("name_sort", "name", "id")
        .values_list("name", flat=True)
    )
    assert len(expected) == 30
    client = login(Role.LEADER)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"q": "xs", "per_page": 10})
    page_sql = [q["sql"] for q in queries if "LIMIT 10" in q["sql"] and '"students_student"' in q["sql"]]
    assert page_sql, "no page query of the pupils"
    if connection.vendor == "postgresql":
        assert all("search_matches" in sql for sql in page_sql)
    else:
        assert not any("search_matches" in sql for sql in page_sql)
    listed = names(first) + [
        name for page in (2, 3) for name in names(client.get(url, {"q": "xs", "per_page": 10, "page": page}))
    ]
    assert listed == expected
    by_birth = names(client.get(url, {"q": "xs", "per_page": 10, "sort": "-birth_date"}))
    assert by_birth == [s.name for s in sorted(many_students, key=lambda s: s.birth_date, reverse=True)[:10]]
    assert names(client.get(url, {"q": "xuesheng", "per_page": 50})) == expected
    # The inspector's schools (A2, B1) hold none of them; the school A1 holds all.
    assert names(login(Role.INSPECTOR).get(url, {"q": "xs"})) == []
    assert names(login(Role.SCHOOL).get(url, {"q": "xs", "per_page": 50})) == expected


def test_the_search_keys_are_covering_with_fine_statistics_that_imports_do_not_resample(db):
    """Students migration 0009: the pinyin indexes carry the roster order, id and school, and the two keys have a
    statistics target of 1,000 so the planner knows how many a prefix matches; an import's ANALYZE leaves them out
    (their sample would be ten times the table's other columns')."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no covering indexes or statistics targets")
    from emis.core.bulk import analyze_tables

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('students_student_initials_idx', 'students_student_pinyin_idx')"
        )
        definitions = dict(cursor.fetchall())
        cursor.execute(
            "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = 'students_student'::regclass "
            "AND attname IN ('name_initials', 'name_pinyin', 'name')"
        )
        targets = dict(cursor.fetchall())
    for definition in definitions.values():
        assert "varchar_pattern_ops) INCLUDE (name_sort, name, id, current_school_id)" in definition
    assert len(definitions) == 2
    assert targets["name_initials"] == targets["name_pinyin"] == 1000 and targets["name"] < 1000
    with CaptureQueriesContext(connection) as queries:
        analyze_tables(Student)
    analyze = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert len(analyze) == 1 and '"name_sort"' in analyze[0]
    assert '"name_initials"' not in analyze[0] and '"name_pinyin"' not in analyze[0]


def test_a_large_exact_count_is_remembered_until_the_next_change_record(many_students, county, login, settings):
    """A list whose rows the planner expects to be many (a county's pupils) is counted once and the count kept until a
    change record is written (emis.core.counts.remembered_count); each scope keeps its own."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no planner estimate: it counts every time")
    from django.core.cache import cache

    with connection.cursor() as cursor:
        for table in ("students_student", "students_enrollment", "orgs_school", "orgs_division"):
            cursor.execute(f"ANALYZE {table}")
    settings.EMIS_COUNT_CACHE_MIN_ROWS = 1
    cache.clear()
    url = reverse("students:student_list")
    client = login(Role.LEADER)

    def view(client):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        counted = [q for q in queries if "COUNT(" in q["sql"].upper() and 'FROM "students_student"' in q["sql"]]
        return page, len(counted)

    page, counted = view(client)
    assert "共 35 条" in page and counted == 1
    page, counted = view(client)
    assert "共 35 条" in page and counted == 0
    before = ObjectChange.objects.count()
    make_enrollment(make_student("新生甲", county.school_a1, birth=dt.date(2017, 5, 5)), county.classes["A1"])
    assert ObjectChange.objects.count() > before
    page, counted = view(client)
    assert "共 36 条" in page and counted == 1
    # The school's scope is another query: counted for itself, not answered with the county's count.
    assert view(login(Role.SCHOOL))[1] == 1
    settings.EMIS_COUNT_CACHE_MIN_ROWS = 0
    assert view(client)[1] == 1
