"""Attacks of the second red-team pass on issue 10 (docs/security.md, "Second attack"), each performed as a test.

Each test is the attack as a hostile account would make it, over the page or the API; it failed on the code before
its fix.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from emis.accounts.models import User
from emis.common.idnumbers import GENDER_MALE
from emis.core.access import Role
from emis.orgs.models import SchoolYear
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import PASSWORD, id_for, make_student


@pytest.fixture
def left_pupil(county, db):
    """赵思飞 (now at B1, 2024) was at A1 in 2023: A1 keeps that enrolment (its own history), not the pupil."""
    old_class = SchoolClass.objects.create(
        school=county.school_a1, school_year=county.year_2023, grade="K3", name="大班"
    )
    pupil = county.students["赵思飞"]
    old = Enrollment.objects.create(
        student=pupil,
        school=county.school_a1,
        school_year=county.year_2023,
        school_class=old_class,
        grade="K3",
        status="enrolled",
        status_date=dt.date(2023, 9, 1),
    )
    next_year = SchoolYear.objects.create(start_year=2025, census_date=dt.date(2025, 9, 1))
    return pupil, old, next_year


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP])
def test_an_old_enrolment_cannot_pull_a_pupil_who_left_back_into_the_scope(api, county, left_pupil, role):
    """PATCH of the school's own old enrolment (student not sent) to a later year made it the pupil's latest current
    row, so the service moved the pupil to the attacker's school: name, full ID number and record were theirs."""
    pupil, old, next_year = left_pupil
    client = api(role)
    assert client.get(f"/api/students/{pupil.pk}/").status_code == 404
    response = client.patch(
        f"/api/enrollments/{old.pk}/",
        {"school_year": next_year.pk, "school_class": None},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "student" in response.json()
    pupil.refresh_from_db()
    assert pupil.current_school_id == county.school_b1.pk
    old.refresh_from_db()
    assert old.school_year_id == county.year_2023.pk
    assert client.get(f"/api/students/{pupil.pk}/").status_code == 404


def test_an_old_enrolment_of_a_pupil_still_in_scope_can_be_patched(api, county, db):
    enrollment = county.enrollments["张三丰"]
    response = api(Role.SCHOOL).patch(
        f"/api/enrollments/{enrollment.pk}/", {"note": "更正"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content


@override_settings(EMIS_OTP_REQUIRED_ROLES=["admin", "leader", "section"])
@pytest.mark.parametrize("promotion", [{"role": Role.SECTION}, {"is_superuser": True}])
def test_a_session_begun_without_two_factor_loses_it_when_the_user_is_moved_into_a_role_that_needs_it(
    county, db, promotion
):
    """The session remembered at login that its user (a school administrator) needed no second factor; promoted by an
    administrator to 股室人员 (or made superuser), the open session kept reaching every page and the session API
    with the password alone, for as long as it stayed active."""
    client = Client()
    login = client.get(reverse("login"))
    assert login.status_code == 200
    response = client.post(reverse("login"), {"username": "school_a1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    User.objects.filter(username="school_a1").update(**promotion)
    response = client.get(reverse("students:student_list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp")
    assert client.get("/api/students/").status_code == 403


@pytest.fixture
def arrived_pupil(county, db):
    """张三丰 (now at A1, 2024) was at B1 in 2023: B1's enrolment of that year is B1's record, not A1's."""
    old_class = SchoolClass.objects.create(
        school=county.school_b1, school_year=county.year_2023, grade="K3", name="大班"
    )
    pupil = county.students["张三丰"]
    old = Enrollment.objects.create(
        student=pupil,
        school=county.school_b1,
        school_year=county.year_2023,
        school_class=old_class,
        grade="K3",
        status="enrolled",
        status_date=dt.date(2023, 9, 1),
    )
    return pupil, old


@pytest.mark.parametrize("via", ["page", "api"])
def test_deleting_a_pupil_does_not_delete_another_schools_records_of_them(api, login, county, arrived_pupil, via):
    """Deleting the pupil cascaded to their enrolments everywhere: A1 erased B1's 2023 roll of the child."""
    pupil, old = arrived_pupil
    if via == "page":
        response = login(Role.SCHOOL).post(reverse("students:student_delete", args=[pupil.pk]), follow=True)
        text = response.content.decode()
        assert "管辖范围以外的学籍记录" in text
        assert county.school_b1.name not in text
    else:
        response = api(Role.SCHOOL).delete(f"/api/students/{pupil.pk}/")
        assert response.status_code == 409
        assert "管辖范围以外的学籍记录" in response.json()["detail"]
    assert Student.objects.filter(pk=pupil.pk).exists()
    assert Enrollment.objects.filter(pk=old.pk).exists()


def test_a_pupil_whose_records_are_all_in_scope_can_still_be_deleted(api, county, db):
    pupil = county.students["李小梅"]
    assert api(Role.SCHOOL).delete(f"/api/students/{pupil.pk}/").status_code == 204
    assert not Student.objects.filter(pk=pupil.pk).exists()


def test_the_township_deletes_a_pupil_whose_records_are_all_in_its_township(api, county, db):
    pupil = county.students["陈明"]
    assert api(Role.TOWNSHIP).delete(f"/api/students/{pupil.pk}/").status_code == 204


def _names_in_order(html: str, names) -> list[str]:
    # The pupils below are not enrolled: the requests ask for every pupil (roll=), not only those in school.
    return sorted(names, key=html.index)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_masked_roles_cannot_sort_by_the_id_number_they_see_masked(login, county, role):
    """?sort=id_number ordered the rows by the hidden digits: two pupils of the same birth date and area, shown as
    421224************ each, came out in the order of their sequence numbers, one bit per pair and page."""
    born = dt.date(2018, 3, 5)
    low = make_student("甲低号", county.school_b1, birth=born, id_number=id_for(born, GENDER_MALE, sequence=11))
    high = make_student("乙高号", county.school_b1, birth=born, id_number=id_for(born, GENDER_MALE, sequence=991))
    client = login(role)
    url = reverse("students:student_list")
    names = [low.name, high.name]
    ascending = _names_in_order(client.get(url, {"sort": "id_number", "roll": ""}).content.decode(), names)
    descending = _names_in_order(client.get(url, {"sort": "-id_number", "roll": ""}).content.decode(), names)
    assert ascending == descending
    page = client.get(url).content.decode()
    assert "sort=id_number" not in page and "sort=student_no" not in page


def test_no_role_sorts_by_the_encrypted_id_number(login, county):
    # The column holds ciphertext (emis.core.crypto): its order means nothing, so a sort by it is ignored for
    # every role, including those who see the numbers in full.
    born = dt.date(2018, 3, 5)
    low = make_student("甲低号", county.school_a1, birth=born, id_number=id_for(born, GENDER_MALE, sequence=11))
    high = make_student("乙高号", county.school_a1, birth=born, id_number=id_for(born, GENDER_MALE, sequence=991))
    client = login(Role.SCHOOL)
    url = reverse("students:student_list")
    names = [low.name, high.name]
    ascending = _names_in_order(client.get(url, {"sort": "id_number", "roll": ""}).content.decode(), names)
    descending = _names_in_order(client.get(url, {"sort": "-id_number", "roll": ""}).content.decode(), names)
    assert sorted(ascending) == sorted(names) and ascending == descending


def _batch_of(user):
    from emis.core.imports.service import batch_scope
    from emis.core.models import ImportBatch, ImportStatus

    school_id, division_code = batch_scope(user)
    return ImportBatch.objects.create(
        kind="students",
        file_name="roll.xlsx",
        user=user,
        username=user.username,
        school_id=school_id,
        division_code=division_code,
        status=ImportStatus.REJECTED,
        report={"issues": [{"row": 2, "column": "身份证件号", "message": "校验位错误", "value": "421224201803050011"}]},
    )


@pytest.mark.parametrize("before, after", [("A1", ["B1"]), ("A1+B1", ["A1"])])
def test_a_user_moved_to_other_schools_no_longer_reads_the_batches_of_the_schools_left(county, db, before, after):
    """Its own user always saw a batch: an account moved from A1 to B1 (or losing B1) kept reading A1's batch
    pages and error workbooks, ID numbers in full, as long as it lived."""
    schools = {"A1": county.school_a1, "B1": county.school_b1}
    user = User.objects.create_user("clerk", password=PASSWORD, role=Role.SCHOOL)
    user.schools.set([schools[key] for key in before.split("+")])
    batch = _batch_of(user)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("core:importbatch_detail", args=[batch.pk])).status_code == 200
    user.schools.set([schools[key] for key in after])
    for name in ("core:importbatch_detail", "core:import_errors"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 404, name
    assert batch.file_name not in client.get(reverse("core:import_list")).content.decode()


def test_a_user_of_several_schools_still_reads_their_own_batch(county, db):
    user = User.objects.create_user("clerk2", password=PASSWORD, role=Role.SCHOOL)
    user.schools.set([county.school_a1, county.school_b1])
    batch = _batch_of(user)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("core:importbatch_detail", args=[batch.pk])).status_code == 200


@override_settings(EMIS_IMPORT_MAX_QUEUED_PER_USER=2)
def test_one_account_cannot_flood_the_import_queue(login, county, db, tmp_path):
    """Nothing bounded how many files one account could queue: the single worker takes batches in turn, so a school
    uploading the same 100 MB file over and over (or committing one dry run again and again) held up every other
    office's imports and filled the disk with copies until the retention sweep."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from emis.core import files
    from emis.core.imports import service
    from emis.core.models import ImportBatch, ImportStatus
    from emis.testing import write_table_file

    path = write_table_file(tmp_path, ["学校标识码", "姓名"], [["2142000101", "张三"]])
    client = login(Role.SCHOOL)

    def upload():
        return client.post(
            reverse("core:import_list"),
            {"kind": "students", "school_year": 2024, "file": SimpleUploadedFile(path.name, path.read_bytes())},
        )

    assert upload().status_code == 302
    assert upload().status_code == 302
    stored = set(files.names(service.IMPORTS_FOLDER))
    refused = upload()
    assert refused.status_code == 200
    assert "您已有 2 个导入批次在排队或处理中（上限 2 个）" in refused.content.decode()
    assert ImportBatch.objects.filter(user=county.users[Role.SCHOOL]).count() == 2
    assert set(files.names(service.IMPORTS_FOLDER)) == stored

    # A commit counts as well: a validated dry run committed again and again queues no more than the limit.
    dry = ImportBatch.objects.filter(user=county.users[Role.SCHOOL]).first()
    ImportBatch.objects.filter(pk=dry.pk).update(status=ImportStatus.VALIDATED)
    assert client.post(reverse("core:import_commit", args=[dry.pk])).status_code == 302
    response = client.post(reverse("core:import_commit", args=[dry.pk]), follow=True)
    assert "上限 2 个" in response.content.decode()
    assert ImportBatch.objects.filter(user=county.users[Role.SCHOOL], dry_run=False).count() == 1
