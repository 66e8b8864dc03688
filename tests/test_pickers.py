"""The search-as-you-type picker (emis.core.pickers): the endpoint answers inside the user's scope (by name, pinyin
initials, a whole ID number or 学籍号), the forms render only the chosen rows, and a posted id from outside the
scope is refused with a Chinese field error. And no add, edit or list page renders a select of more than
MAX_OPTIONS options on a database holding more rows than that of each pickable model."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from emis.core import registry
from emis.core.access import Role
from emis.orgs.models import Division, School
from emis.staff.models import Staff
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import build_rounds, make_student
from emis.testing import registry as ui_registry

MAX_OPTIONS = 300


def pick(client, name: str, q: str = "", **data):
    response = client.post(reverse("core:pick", args=[name]), {"q": q, **data})
    assert response.status_code == 200, response.content
    return response.json()


def texts(answer) -> list[str]:
    return [row["text"] for row in answer["results"]]


# The endpoint ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张", ["张三丰"]),
        ("张三丰", ["张三丰"]),
        ("z", ["张三丰", "赵思飞"]),
        ("ZSF", ["张三丰", "赵思飞"]),
        ("lxm", ["李小梅"]),
        ("三丰", []),  # a name is matched from its start
        ("王", ["王芳"]),
    ],
)
def test_admin_finds_pupils_by_name_and_pinyin_initials(query, expected, login):
    assert sorted(texts(pick(login(Role.ADMIN), "student", query))) == sorted(expected)


def test_a_school_user_finds_only_its_own_pupils(county, login):
    client = login(Role.SCHOOL)  # school A1: 张三丰 and 李小梅
    assert texts(pick(client, "student", "zsf")) == ["张三丰"]
    assert texts(pick(client, "student", "赵")) == []
    assert pick(client, "student", "赵")["message"] == "在您的管辖范围内没有找到。"
    other = county.students["赵思飞"]
    # Nor by a whole ID number or 学籍号 of another school's pupil.
    assert texts(pick(client, "student", other.id_number)) == []
    assert texts(pick(client, "student", other.student_no)) == []
    assert {s["text"] for s in pick(client, "school")["results"]} == {"通羊镇中心小学", "通羊镇畈上教学点"}
    assert texts(pick(client, "staff", "孙")) == []


def test_exact_id_number_and_student_number(county, login):
    cache.clear()  # the ID lookup's rate counter
    client = login(Role.SCHOOL)
    pupil = county.students["张三丰"]
    answer = pick(client, "student", pupil.id_number.lower())
    assert [r["id"] for r in answer["results"]] == [pupil.pk]
    assert [r["id"] for r in pick(client, "student", pupil.student_no)["results"]] == [pupil.pk]
    # Never in part.
    assert texts(pick(client, "student", pupil.id_number[:17])) == []
    # No ID number in what is shown.
    body = str(answer)
    assert pupil.id_number not in body and pupil.id_number[-6:] not in body


def test_roles_seeing_masked_ids_cannot_find_by_id(county, login):
    pupil = county.students["张三丰"]
    answer = pick(login(Role.LEADER), "student", pupil.id_number)
    assert answer["results"] == [] and "不能按证件号查找" in answer["message"]


def test_id_lookups_by_picker_are_rate_limited(county, login, settings):
    cache.clear()
    settings.EMIS_ID_LOOKUP_RATE = "2/h"
    client = login(Role.SCHOOL)
    pupil = county.students["张三丰"]
    for _ in range(2):
        assert texts(pick(client, "student", pupil.id_number)) == ["张三丰"]
    answer = pick(client, "student", pupil.id_number)
    assert answer["results"] == [] and "过于频繁" in answer["message"]
    assert texts(pick(client, "student", "zsf")) == ["张三丰"]  # names are not counted
    cache.clear()


def test_schools_by_name_code_and_filter(county, login):
    client = login(Role.ADMIN)
    assert texts(pick(client, "school", "南林桥")) == ["南林桥镇中心小学"]
    assert texts(pick(client, "school", "3142")) == ["通羊镇初级中学"]
    assert texts(pick(client, "school", "", filter="junior")) == ["通羊镇初级中学"]
    assert pick(client, "school", "中心")["results"][0]["hint"] == "2142000101 · 通羊镇"


def test_classes_narrowed_by_the_forwarded_school(county, login):
    client = login(Role.ADMIN)
    answer = pick(client, "schoolclass", "", f_school=county.school_b1.pk, f_grade="P1")
    assert [r["id"] for r in answer["results"]] == [county.classes["B1"].pk]
    assert pick(client, "schoolclass", "", f_school="x")["results"] == []


def test_villages_of_the_chosen_township(county, login):
    client = login(Role.SCHOOL)  # divisions are reference data every role reads
    answer = pick(client, "division", "", filter="village", f_parent=county.township_b.pk)
    assert texts(answer) == ["石门村"]


def test_the_endpoint_is_post_only_and_knows_its_models(login, client):
    url = reverse("core:pick", args=["student"])
    assert login(Role.ADMIN).get(url).status_code == 405
    assert login(Role.ADMIN).post(reverse("core:pick", args=["user"]), {"q": "a"}).status_code == 404
    assert login(Role.ADMIN).post(url, {"q": "z", "filter": "nonsense"}).status_code == 404
    assert client.post(url, {"q": "z"}).status_code == 302  # to the login page


def test_at_most_twenty_results(county, login):
    with_more = [make_student(f"张{i:02d}", county.school_a1, birth=dt.date(2017, 1, 1 + i)) for i in range(25)]
    answer = pick(login(Role.SCHOOL), "student", "张")
    assert len(answer["results"]) == 20 and answer["more"] is True
    assert with_more


# Forms -----------------------------------------------------------------------------------------------------------


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_enrollment_form_renders_only_the_chosen_pupil(county, login):
    client = login(Role.ADMIN)
    html = client.get(reverse("students:enrollment_add")).content.decode()
    assert options(html, "student") == [""]
    assert 'data-picker="/core/pick/student/"' in html
    enrollment = county.enrollments["赵思飞"]
    html = client.get(reverse("students:enrollment_edit", args=[enrollment.pk])).content.decode()
    assert options(html, "student") == ["", str(enrollment.student_id)]
    assert options(html, "school_class") == ["", str(enrollment.school_class_id)]
    assert 'data-picker-forward="school=school,school_year=school_year,grade=grade"' in html


def test_a_school_user_posting_another_schools_pupil_gets_a_field_error(county, login):
    client = login(Role.SCHOOL)
    other = county.students["赵思飞"]
    before = Enrollment.objects.count()
    data = {
        "student": other.pk,
        "school": county.school_a1.pk,
        "school_year": county.year.pk,
        "grade": "P1",
        "status": "enrolled",
        "status_date": "2024-09-01",
    }
    response = client.post(reverse("students:enrollment_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["student"] == ["所选学生不存在或不在您的管辖范围内，请重新选择。"]
    assert other.name not in response.content.decode()  # the form shown again does not name the other pupil
    assert Enrollment.objects.count() == before
    # Its own pupil saves.
    response = client.post(reverse("students:enrollment_add"), {**data, "student": county.students["李小梅"].pk})
    assert response.status_code == 302 or response.context["form"].errors.get("student") is None


def test_posting_another_schools_staff_member_is_refused(county, login):
    client = login(Role.SCHOOL)
    data = {
        "staff": county.staff["孙强"].pk,
        "school": county.school_a1.pk,
        "kind": "transfer",
        "start_date": "2024-09-01",
    }
    response = client.post(reverse("staff:posting_add"), data)
    assert response.context["form"].errors["staff"] == ["所选教职工不存在或不在您的管辖范围内，请重新选择。"]


def test_user_scope_pickers_keep_several_schools(county, login):
    client = login(Role.ADMIN)
    user = county.users[Role.INSPECTOR]
    html = client.get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    assert sorted(options(html, "schools")) == sorted([str(county.school_a2.pk), str(county.school_b1.pk)])
    assert "multiple" in re.search(r'<select name="schools"[^>]*>', html).group(0)


# Every form at more rows than a dropdown may hold ------------------------------------------------------------------


@pytest.fixture
def crowded(county):
    """More than MAX_OPTIONS rows of each pickable model, written in bulk."""
    n = MAX_OPTIONS + 20
    township = county.township_a
    Division.objects.bulk_create(
        Division(code=f"{township.code}{i + 100:03d}", name=f"第{i}村", level="village", parent=township)
        for i in range(n)
    )
    School.objects.bulk_create(
        School(
            code=f"21420{i + 1000:05d}", name=f"第{i}小学", category="primary", township=township, urban_rural="town"
        )
        for i in range(n)
    )
    SchoolClass.objects.bulk_create(
        SchoolClass(school=county.school_a1, school_year=county.year, grade="P2", name=f"{i}班") for i in range(n)
    )
    Student.objects.bulk_create(
        Student(
            name=f"学生{i}",
            gender="1",
            birth_date=dt.date(2017, 1, 1),
            student_no=f"L42122420170101{i:04d}",
            current_school=county.school_a1,
            county_code="421224",
        )
        for i in range(n)
    )
    Staff.objects.bulk_create(
        Staff(
            name=f"教师{i}",
            gender="2",
            birth_date=dt.date(1980, 1, 1),
            id_number=f"42122419800101{i:04d}",
            post_school=county.school_a1,
            establishment="permanent",
            qualification="bachelor",
        )
        for i in range(n)
    )
    build_rounds(county)
    return county


def largest_select(html: str) -> tuple[int, str]:
    sizes = [
        (len(re.findall(r"<option\b", body)), name)
        for name, body in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', html, re.S)
    ]
    return max(sizes, default=(0, ""))


def form_pages(user) -> list[str]:
    from emis.core.access import ADD, CHANGE

    urls = []
    for ui in ui_registry():
        urls.append(reverse(ui.url_name("list")))
        if ui.form_class is None:
            continue
        if ui.may(user, ADD):
            urls.append(reverse(ui.url_name("add")))
        if ui.may(user, CHANGE):
            obj = ui.queryset(user, CHANGE).order_by("pk").first()
            if obj is not None:
                urls.append(reverse(ui.url_name("edit"), args=[obj.pk]))
    return urls


def test_no_page_renders_a_select_of_more_than_a_few_hundred_options(crowded, login):
    assert Student.objects.count() > MAX_OPTIONS and School.objects.count() > MAX_OPTIONS
    assert {"student", "staff", "school", "schoolclass", "division"} <= set(registry.pickables())
    client = login(Role.ADMIN)
    urls = [*form_pages(crowded.users[Role.ADMIN]), reverse("rectification:notice_new"), reverse("orgs:county_setup")]
    too_big = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        count, name = largest_select(response.content.decode())
        if count > MAX_OPTIONS:
            too_big.append(f"{url} {name}: {count} options")
    assert not too_big, "\n".join(too_big)
    assert len(urls) > 40


def test_a_field_limited_to_some_rows_asks_the_picker_for_the_same(county, login):
    """The model's limit_choices_to (a school's township) or a form's narrowing (a round's senior schools) becomes
    the picker's named filter, so that it offers what the form accepts."""
    client = login(Role.ADMIN)
    html = client.get(reverse("orgs:school_add")).content.decode()
    assert re.search(r'<select name="township"[^>]*data-picker-filter="township"', html)
    html = client.get(reverse("rounds:roundschool_add")).content.decode()
    assert re.search(r'<select name="school"[^>]*data-picker-filter="senior"', html)
    html = client.get(reverse("students:student_add")).content.decode()
    assert re.search(r'<select name="hukou_village"[^>]*data-picker-filter="village"', html)
    assert re.search(r'<select name="hukou_village"[^>]*data-picker-forward="parent=hukou_township"', html)


def test_list_filters_pick_schools_and_keep_short_lists_plain(county, login):
    html = login(Role.ADMIN).get(reverse("students:enrollment_list")).content.decode()
    assert re.search(r'<select name="school"[^>]*data-picker="/core/pick/school/"', html)
    # A county's few townships stay a plain select.
    township = re.search(r'<select name="township"[^>]*>', html).group(0)
    assert "data-picker" not in township
    assert len(options(html, "township")) == 3  # "---------" and the two townships
