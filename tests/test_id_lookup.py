"""Finding 4 of issue 10: masking undone by the birth date and by exact-ID search.

The masked form used to keep the last two characters (421224**********06): beside the birth date that leaves
about nine candidates, and `/api/students/?q=<ID>` confirmed one in a few requests, for any role, with the
number in the URL (and so in access logs). Now the mask keeps only the area code, `q` never matches ID numbers,
and exact lookup is a POST for the roles that see ID numbers anyway, in their scope, rate-limited per user.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from emis.common.idnumbers import id_check_digit, mask_id_number
from emis.core.access import Role

MASKED = (Role.LEADER, Role.INSPECTOR)
UNMASKED = (Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.ADMIN)

# (API list, page namespace:model, ID of the county fixture's person) for each model with ID numbers.
ID_LISTS = (
    ("/api/students/", "students:student", lambda c: c.students["赵思飞"].id_number),
    ("/api/students/", "students:student", lambda c: c.students["赵思飞"].student_no),
    ("/api/enrollments/", "students:enrollment", lambda c: c.students["赵思飞"].id_number),
    ("/api/staff/", "staff:staff", lambda c: c.staff["孙强"].id_number),
    ("/api/population/", "population:populationrecord", lambda c: c.population["赵思飞"].id_number),
    ("/api/outside-enrollments/", "population:outsideenrollment", lambda c: c.outside["B"].id_number),
    (
        "/api/catchment-exceptions/",
        "admissions:catchmentexception",
        lambda c: c.catchment_exceptions["赵思飞"].id_number,
    ),
)


def test_the_masked_form_keeps_only_the_area_code(county, api):
    student = county.students["赵思飞"]
    assert mask_id_number(student.id_number) == student.id_number[:6] + "*" * 12
    assert mask_id_number(student.student_no) == student.student_no[:7] + "*" * 12
    # The record shows the birth date; with the old tail the candidates were a handful. Now every sequence and
    # check digit of that day in the county fits the mask.
    birth = student.birth_date.strftime("%Y%m%d")
    candidates = {f"421224{birth}{n:03d}" for n in range(1000)}
    fitting = {
        c + id_check_digit(c)
        for c in candidates
        if mask_id_number(c + id_check_digit(c)) == mask_id_number(student.id_number)
    }
    assert len(fitting) == 1000
    body = api(Role.LEADER).get(f"/api/students/{student.pk}/").json()
    assert body["id_number"] == student.id_number[:6] + "*" * 12
    assert student.id_number[-4:] not in str(body)


@pytest.mark.parametrize("role", MASKED + UNMASKED)
def test_list_searches_never_match_id_numbers(role, county, api, login):
    client, web = api(role), login(role)
    for url, page, value in ID_LISTS:
        number = value(county)
        response = client.get(url, {"q": number})
        assert response.status_code == 200, (url, role)
        assert response.json()["results"] == [], (url, role)
        listed = web.get(reverse(f"{page}_list"), {"q": number})
        assert list(listed.context["table"].paginated_rows) == [], (page, role)


@pytest.mark.parametrize("role", MASKED)
def test_roles_seeing_masked_numbers_may_not_look_up(role, county, api, login):
    client, web = api(role), login(role)
    for url, page, value in ID_LISTS:
        response = client.post(f"{url}lookup/", {"id_number": value(county)}, content_type="application/json")
        assert response.status_code == 403, (url, role)
        assert value(county) not in response.content.decode()
        assert web.get(reverse(f"{page}_lookup")).status_code == 404, (page, role)
        assert web.post(reverse(f"{page}_lookup"), {"id_number": value(county)}).status_code == 404, (page, role)
        assert "id-lookup-link" not in web.get(reverse(f"{page}_list")).content.decode()


def test_anonymous_callers_may_not_look_up(county, api):
    number = county.students["赵思飞"].id_number
    response = api(None).post("/api/students/lookup/", {"id_number": number}, content_type="application/json")
    assert response.status_code == 401


def test_a_role_seeing_full_numbers_finds_a_person_by_post_in_its_scope(county, api, login):
    section = api(Role.SECTION)
    for url, _page, value in ID_LISTS[:4]:  # the section's domains: students and staff
        response = section.post(f"{url}lookup/", {"id_number": value(county).lower()}, content_type="application/json")
        assert response.status_code == 200, url
        assert len(response.json()) == 1, url
    student = county.students["赵思飞"]
    found = section.post("/api/students/lookup/", {"id_number": student.id_number}, content_type="application/json")
    assert [row["name"] for row in found.json()] == ["赵思飞"]
    # A fragment finds nothing: whole numbers only.
    fragment = section.post("/api/students/lookup/", {"id_number": student.id_number[:10]}, "application/json")
    assert fragment.json() == []
    # The school administrator of A1 does not find B1's pupil: the same empty answer as for a number nobody has.
    school = api(Role.SCHOOL)
    assert school.post("/api/students/lookup/", {"id_number": student.id_number}, "application/json").json() == []
    own = county.students["张三丰"]
    assert [
        r["name"] for r in school.post("/api/students/lookup/", {"id_number": own.id_number}, "application/json").json()
    ] == ["张三丰"]
    # The page: a posted form, then the pupil's page, whose URL holds the row's id and not the number.
    web = login(Role.SCHOOL)
    page = web.get(reverse("students:student_list"))
    assert "id-lookup-link" in page.content.decode()
    response = web.post(reverse("students:student_lookup"), {"id_number": own.id_number})
    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    assert own.id_number not in response["Location"]
    missing = web.post(reverse("students:student_lookup"), {"id_number": student.id_number})
    assert missing.status_code == 200 and "在您的管辖范围内没有找到该证件号" in missing.content.decode()
    assert "赵思飞" not in missing.content.decode()


@override_settings(EMIS_ID_LOOKUP_RATE="3/h")
def test_lookups_are_rate_limited_per_user(county, api, login):
    number = county.students["张三丰"].id_number
    client = api(Role.SCHOOL)
    answers = [
        client.post("/api/students/lookup/", {"id_number": number}, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 200]
    refused = client.post("/api/staff/lookup/", {"id_number": number}, content_type="application/json")
    assert refused.status_code == 429
    # The pages share the count; another user still has theirs.
    page = login(Role.SCHOOL).post(reverse("students:student_lookup"), {"id_number": number})
    assert page.status_code == 429 and "过于频繁" in page.content.decode()
    other = api(Role.SECTION).post("/api/students/lookup/", {"id_number": number}, content_type="application/json")
    assert other.status_code == 200
