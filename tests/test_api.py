"""The REST API: OpenAPI 3 schema, token authentication, scope, masking, validation and pagination."""

import datetime as dt

import pytest
import yaml
from django.test import Client

from config.api_urls import router
from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE, mask_id_number
from emis.core.access import Role
from emis.students.models import Student
from emis.testing import PASSWORD, id_for, make_student


def _signed_in_client() -> Client:
    from emis.testing import make_user

    client = Client()
    client.force_login(make_user("schema_reader", Role.LEADER))
    return client


@pytest.fixture
def schema(db):
    response = _signed_in_client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_openapi_3_and_lists_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "County EMIS API"
    paths = schema["paths"]
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/{prefix}/" in paths, prefix
        assert f"/api/{prefix}/{{id}}/" in paths, prefix
    assert set(paths["/api/students/"]) >= {"get", "post"}
    assert set(paths["/api/students/{id}/"]) >= {"get", "put", "patch", "delete"}
    assert set(paths["/api/changes/"]) == {"get"}  # the change log is read-only
    assert set(paths["/api/changes/{id}/"]) == {"get"}
    # Token authentication is documented, and the list filters (q, current_school ...) are parameters.
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    parameters = {p["name"] for p in paths["/api/students/"]["get"]["parameters"]}
    assert {"q", "current_school", "page"} <= parameters


def test_schema_is_for_signed_in_users_only(db):
    assert Client().get("/api/schema/").status_code == 401
    assert Client().get("/api/docs/").status_code == 401


def test_schema_as_json_and_swagger_page(db):
    client = _signed_in_client()
    assert client.get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and "swagger" in docs.content.decode().lower()


def test_token_is_issued_for_username_and_password(county):
    client = Client()
    response = client.post("/api/token/", {"username": "school_a1", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    # A new token per login (per device), which works at once and says when it expires.
    assert token != county.tokens[Role.SCHOOL] and response.json()["expiry"]
    assert Client(headers={"authorization": f"Token {token}"}).get("/api/students/").status_code == 200
    assert client.post("/api/token/", {"username": "school_a1", "password": "wrong"}).status_code == 400
    user = county.users[Role.SCHOOL]
    user.is_active = False
    user.save()
    assert client.post("/api/token/", {"username": "school_a1", "password": PASSWORD}).status_code == 400


def test_requests_need_a_valid_token(county):
    assert Client().get("/api/students/").status_code == 401
    bad = Client(headers={"authorization": "Token 0123456789abcdef"})
    assert bad.get("/api/students/").status_code == 401
    good = Client(headers={"authorization": f"Token {county.tokens[Role.LEADER]}"})
    assert good.get("/api/students/").status_code == 200
    user = county.users[Role.LEADER]
    user.is_active = False
    user.save()
    assert good.get("/api/students/").status_code == 401


def test_session_writes_need_the_csrf_token(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.users[Role.SCHOOL])
    student = county.students["张三丰"]
    response = client.patch(f"/api/students/{student.pk}/", {"name": "无令牌"}, content_type="application/json")
    assert response.status_code == 403
    student.refresh_from_db()
    assert student.name == "张三丰"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.LEADER, {"张三丰", "李小梅", "陈明", "赵思飞", "王芳"}),
        (Role.SECTION, {"张三丰", "李小梅", "陈明", "赵思飞", "王芳"}),
        (Role.TOWNSHIP, {"张三丰", "李小梅", "陈明"}),
        (Role.SCHOOL, {"张三丰", "李小梅"}),
        (Role.INSPECTOR, {"陈明", "赵思飞", "王芳"}),
        (Role.ADMIN, {"张三丰", "李小梅", "陈明", "赵思飞", "王芳"}),
    ],
)
def test_student_list_follows_each_roles_scope(role, expected, api):
    body = api(role).get("/api/students/").json()
    assert {item["name"] for item in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("role", "masked"),
    [
        (Role.LEADER, True),
        (Role.INSPECTOR, True),
        (Role.SECTION, False),
        (Role.TOWNSHIP, False),
        (Role.SCHOOL, False),
        (Role.ADMIN, False),
    ],
)
def test_id_numbers_are_masked_by_role(role, masked, county, api):
    student = county.students["陈明"]  # A2: inside every role's scope but the A1 school administrator's
    if role == Role.SCHOOL:
        student = county.students["张三丰"]
    item = api(role).get(f"/api/students/{student.pk}/").json()
    if masked:
        assert item["id_number"] == mask_id_number(student.id_number)
        assert item["student_no"] == mask_id_number(student.student_no)
        assert student.id_number not in str(item)
    else:
        assert item["id_number"] == student.id_number
        assert item["student_no"] == student.student_no


def test_filters_search_and_pagination(county, api):
    client = api(Role.LEADER)
    assert {i["name"] for i in client.get("/api/students/", {"q": "zsf"}).json()["results"]} == {"张三丰", "赵思飞"}
    assert [
        i["name"]
        for i in client.get("/api/students/", {"current_school": county.school_b1.pk, "gender": GENDER_FEMALE}).json()[
            "results"
        ]
    ] == ["王芳"]
    for i in range(50):
        make_student(f"分页{i}", county.school_b1, birth=dt.date(2016, 1, 1) + dt.timedelta(days=i))
    # The API reads the list's FilterSet: pupils in school unless asked for everyone (roll=, the new ones are not
    # enrolled).
    assert client.get("/api/students/").json()["count"] == 5
    first = client.get("/api/students/", {"roll": ""}).json()
    assert first["count"] == 55 and len(first["results"]) == 50 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["previous"]
    assert not {i["id"] for i in first["results"]} & {i["id"] for i in second["results"]}


def test_create_update_and_delete_within_scope(county, api):
    client = api(Role.SCHOOL)
    birth = dt.date(2018, 8, 8)
    id_number = id_for(birth, GENDER_MALE)
    payload = {
        "name": "诸葛亮",
        "gender": GENDER_MALE,
        "birth_date": birth.isoformat(),
        "id_number": id_number.lower(),
        "student_no": f"g{id_number}".lower(),
        "current_school": county.school_a1.pk,
    }
    response = client.post("/api/students/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    created = Student.objects.get(pk=response.json()["id"])
    assert created.id_number == id_number and created.student_no == f"G{id_number}"
    assert created.name_initials == "zgl"
    response = client.put(
        f"/api/students/{created.pk}/", {**payload, "name": "诸葛孔明"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["name"] == "诸葛孔明"
    assert client.delete(f"/api/students/{created.pk}/").status_code == 204
    assert not Student.objects.filter(pk=created.pk).exists()


def test_roles_that_may_not_write_get_403(county, api):
    student = county.students["张三丰"]
    for role in (Role.LEADER, Role.INSPECTOR):
        client = api(role)
        assert (
            client.patch(f"/api/students/{student.pk}/", {"name": "x"}, content_type="application/json").status_code
            == 403
        )
        assert client.post("/api/students/", {}, content_type="application/json").status_code == 403
    # Section staff write their own domains only (students and staff here, not population or schools).
    section = api(Role.SECTION)
    assert (
        section.patch(
            f"/api/population/{county.population['张三丰'].pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        section.patch(
            f"/api/schools/{county.school_a1.pk}/", {"name": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        section.patch(
            f"/api/staff/{county.staff['孙强'].pk}/", {"subject": "美术"}, content_type="application/json"
        ).status_code
        == 200
    )


def test_validation_errors_are_explained_in_chinese(county, api):
    client = api(Role.SCHOOL)
    birth = dt.date(2018, 8, 8)
    good = id_for(birth, GENDER_FEMALE)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    base = {
        "name": "错号",
        "gender": GENDER_FEMALE,
        "birth_date": birth.isoformat(),
        "current_school": county.school_a1.pk,
    }
    response = client.post("/api/students/", {**base, "id_number": wrong}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["id_number"] == [f"身份证号校验位错误：末位应为 {good[17]}。"]
    response = client.post(
        "/api/students/", {**base, "id_number": good, "birth_date": "2018-08-09"}, content_type="application/json"
    )
    assert response.json()["birth_date"] == ["出生日期 2018-08-09 与身份证号中的出生日期 2018-08-08 不一致。"]
    response = client.post(
        "/api/students/", {**base, "id_number": good, "gender": GENDER_MALE}, content_type="application/json"
    )
    assert "性别与身份证号" in response.json()["gender"][0]
    response = client.post("/api/students/", {**base, "student_no": "J123"}, content_type="application/json")
    assert "全国学籍号“J123”格式不正确" in response.json()["student_no"][0]
    response = client.post("/api/students/", base, content_type="application/json")
    assert response.json()["student_no"] == ["身份证号和全国学籍号至少填写一项。"]
    # An ID number already on record (anywhere in the county) is refused with a message, not a server error.
    taken = county.students["赵思飞"].id_number
    response = client.post(
        "/api/students/",
        {
            **base,
            "id_number": taken,
            "gender": GENDER_MALE,
            "birth_date": county.students["赵思飞"].birth_date.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "已存在" in response.json()["id_number"][0]
    response = api(Role.SCHOOL).post(
        "/api/staff/",
        {
            "name": "重号",
            "gender": county.staff["孙强"].gender,
            "birth_date": county.staff["孙强"].birth_date.isoformat(),
            "id_number": county.staff["孙强"].id_number,
            "post_school": county.school_a1.pk,
            "establishment": "permanent",
            "qualification": "bachelor",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "已存在" in response.json()["id_number"][0]
    assert not Student.objects.filter(name="错号").exists()


def test_enrollment_api_keeps_status_history(county, api):
    client = api(Role.SCHOOL)
    enrollment = county.enrollments["李小梅"]
    response = client.patch(
        f"/api/enrollments/{enrollment.pk}/",
        {"status": "suspended", "status_date": "2025-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    rows = list(county.students["李小梅"].enrollments.order_by("id").values_list("status", "is_current"))
    assert rows == [("enrolled", False), ("suspended", True)]


def test_a_school_searching_by_pinyin_through_the_api_learns_nothing_of_other_schools_pupils(county, api):
    """A latin search is answered, on PostgreSQL, through a union of index reads joined to the pupils
    (StudentFilterSet.search): a school's account sees only its own pupils in the results and in the count, in
    school or not, whatever way the query matches (initials of 赵思飞 at B1 and 张三丰 at A1, full pinyin)."""
    client = api(Role.SCHOOL)
    for params in ({"q": "zsf"}, {"q": "zsf", "roll": ""}, {"q": "zhaosi", "roll": ""}, {"q": "zs", "roll": "out"}):
        answer = client.get("/api/students/", params).json()
        names = [item["name"] for item in answer["results"]]
        assert "赵思飞" not in names and answer["count"] == len(names)
        assert all(Student.objects.get(pk=item["id"]).current_school == county.school_a1 for item in answer["results"])
    assert [item["name"] for item in client.get("/api/students/", {"q": "zsf"}).json()["results"]] == ["张三丰"]
    assert api(Role.LEADER).get("/api/students/", {"q": "zhaosi"}).json()["count"] == 1
