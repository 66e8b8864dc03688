"""The change log: who changed what, when, from where, with each field's before and after.

Writes made from a page, through the API and in a command all land in ObjectChange; each object's page and the
global log (/core/objectchange/, filterable by user, date and model) show them; nobody can alter or remove a
record; ID numbers inside records are masked for roles that may not see them.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from emis.common.idnumbers import GENDER_MALE, mask_id_number
from emis.core import crypto
from emis.core.access import Role
from emis.core.audit import audit_context
from emis.core.models import AuditEvent, ChangeAction, ChangeSource, ObjectChange
from emis.students.models import Student
from emis.testing import form_data, id_for

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


def changes_of(obj):
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return ObjectChange.objects.filter(content_type=content_type, object_id=obj.pk).order_by("id")


def log_records(client, **query):
    response = client.get(reverse("core:objectchange_list"), {"per_page": 200, **query})
    assert response.status_code == 200
    return [row.record for row in response.context["table"].paginated_rows]


def history_rows(client, obj) -> list[dict]:
    response = client.get(obj.get_absolute_url())
    assert response.status_code == 200
    return [row for entry in response.context["history"] for row in entry["rows"]]


def test_edit_on_a_page_is_logged_with_user_source_and_values(county, login):
    client = login(Role.SCHOOL)
    student = county.students["张三丰"]
    data = form_data(student, STUDENT_FORM_FIELDS, name="张三峰", boarder=True)
    response = client.post(reverse("students:student_edit", args=[student.pk]), data)
    assert response.status_code == 302

    change = changes_of(student).last()
    assert change.action == ChangeAction.UPDATE
    assert change.source == ChangeSource.WEB
    assert change.username == "school_a1" and change.user == county.users[Role.SCHOOL]
    assert change.changes["name"] == ["张三丰", "张三峰"]
    assert change.changes["boarder"] == [False, True]
    assert "id_number" not in change.changes  # unchanged fields are not recorded
    assert abs(change.time - timezone.now()) < dt.timedelta(minutes=1)
    assert change.school_id == county.school_a1.pk

    # On the object's own page ...
    rows = history_rows(client, student)
    assert {"field": "姓名", "before": "张三丰", "after": "张三峰"} in [
        {k: str(v) for k, v in row.items()} for row in rows
    ]
    # ... and in the global log, filtered by user, date and model.
    admin = login(Role.ADMIN)
    student_type = ContentType.objects.get_for_model(Student)
    today = timezone.localdate().isoformat()
    records = log_records(
        admin, username="school_a1", content_type=student_type.pk, time_after=today, time_before=today
    )
    assert change in records
    assert all(r.username == "school_a1" and r.content_type_id == student_type.pk for r in records)
    assert change not in log_records(admin, username="admin")
    assert change not in log_records(admin, time_before="2000-01-01")
    assert change not in log_records(admin, content_type=ContentType.objects.get_for_model(county.school_a1).pk)
    assert change in log_records(admin, source="web", action="update")
    detail = admin.get(reverse("core:objectchange_detail", args=[change.pk]))
    assert {"field": "姓名", "before": "张三丰", "after": "张三峰"} in [
        {k: str(v) for k, v in row.items()} for row in detail.context["change_detail"]
    ]


def test_edit_through_the_api_is_logged_with_source_api(county, api, login):
    student = county.students["赵思飞"]
    response = api(Role.SECTION).patch(
        f"/api/students/{student.pk}/", {"name": "赵思菲", "disabled": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    change = changes_of(student).last()
    assert change.action == ChangeAction.UPDATE
    assert change.source == ChangeSource.API
    assert change.username == "section" and change.user == county.users[Role.SECTION]
    assert change.changes["name"] == ["赵思飞", "赵思菲"]
    assert change.changes["disabled"] == [False, True]
    assert "name_initials" not in change.changes  # 赵思菲 keeps the initials zsf
    admin = login(Role.ADMIN)
    assert change in log_records(admin, username="section", source="api")
    body = api(Role.ADMIN).get(f"/api/changes/{change.pk}/").json()
    assert body["username"] == "section" and body["source"] == "api" and body["action"] == "update"
    assert body["changes"]["name"] == ["赵思飞", "赵思菲"]
    assert body["model"] == "student" and body["object_id"] == student.pk


def test_create_and_delete_on_pages_are_logged(county, login):
    client = login(Role.SCHOOL)
    birth = dt.date(2018, 9, 9)
    id_number = id_for(birth, GENDER_MALE)
    data = {
        "name": "孙悟空",
        "gender": "1",
        "birth_date": birth.isoformat(),
        "id_number": id_number,
        "student_no": f"G{id_number}",
        "current_school": county.school_a1.pk,
    }
    response = client.post(reverse("students:student_add"), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    student = Student.objects.get(id_number=id_number)
    created = changes_of(student).get(action=ChangeAction.CREATE)
    assert created.source == ChangeSource.WEB and created.username == "school_a1"
    assert created.changes["name"] == [None, "孙悟空"]
    # Kept encrypted (emis.core.crypto), opened for display.
    assert created.changes["id_number"][0] is None and id_number not in created.changes["id_number"][1]
    assert crypto.reveal(created.changes["id_number"][1]) == id_number

    response = client.post(reverse("students:student_delete", args=[student.pk]))
    assert response.status_code == 302
    assert not Student.objects.filter(pk=student.pk).exists()
    deleted = ObjectChange.objects.get(
        content_type=created.content_type, object_id=created.object_id, action=ChangeAction.DELETE
    )
    assert deleted.username == "school_a1" and deleted.source == ChangeSource.WEB
    assert deleted.changes["name"] == ["孙悟空", None]
    assert deleted.object_repr == "孙悟空"
    # The deleted pupil's records stay readable in the school's log.
    assert deleted in log_records(client, action="delete")
    assert client.get(reverse("core:objectchange_detail", args=[deleted.pk])).status_code == 200


def test_create_and_delete_through_the_api_are_logged(county, api):
    client = api(Role.TOWNSHIP)
    birth = dt.date(2019, 2, 2)
    id_number = id_for(birth, GENDER_MALE)
    response = client.post(
        "/api/population/",
        {
            "school_year": county.year.pk,
            "name": "周小川",
            "gender": "1",
            "birth_date": birth.isoformat(),
            "id_number": id_number,
            "hukou_township": county.township_a.pk,
            "source": "police",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    created = ObjectChange.objects.get(object_id=pk, content_type__model="populationrecord", action=ChangeAction.CREATE)
    assert created.source == ChangeSource.API and created.username == "township_a"
    assert created.division_code == county.township_a.code
    assert client.delete(f"/api/population/{pk}/").status_code == 204
    deleted = ObjectChange.objects.get(object_id=pk, content_type__model="populationrecord", action=ChangeAction.DELETE)
    assert deleted.source == ChangeSource.API and deleted.username == "township_a"
    assert deleted.changes["name"] == ["周小川", None]


def test_change_in_a_command_context_is_logged_with_source_command(county):
    admin = county.users[Role.ADMIN]
    staff = county.staff["周红"]
    with audit_context(user=admin):
        staff.subject = "数学"
        staff.save()
    change = changes_of(staff).last()
    assert change.source == ChangeSource.COMMAND
    assert change.username == "admin" and change.user == admin
    assert change.changes == {"subject": ["语文", "数学"]}
    with audit_context(user=admin, source=ChangeSource.IMPORT, batch_id=7):
        staff.subject = "英语"
        staff.save()
    change = changes_of(staff).last()
    assert change.source == ChangeSource.IMPORT and change.batch_id == 7


def test_change_in_a_management_command_without_context_is_still_logged(county):
    student = county.students["王芳"]
    call_command(
        "shell",
        "-c",
        f"from emis.students.models import Student; s = Student.objects.get(pk={student.pk}); "
        "s.left_behind = True; s.save()",
    )
    change = changes_of(student).last()
    assert change.action == ChangeAction.UPDATE
    assert change.source == ChangeSource.COMMAND
    assert change.username == "" and change.user is None
    assert change.changes == {"left_behind": [False, True]}


def test_unchanged_save_writes_no_record(county):
    student = county.students["陈明"]
    before = changes_of(student).count()
    student.save()
    assert changes_of(student).count() == before


def test_change_records_cannot_be_edited_or_deleted(county, login, api):
    change = ObjectChange.objects.order_by("id").first()
    change.object_repr = "篡改"
    with pytest.raises(PermissionDenied):
        change.save()
    with pytest.raises(PermissionDenied):
        change.delete()
    with pytest.raises(PermissionDenied):
        ObjectChange.objects.filter(pk=change.pk).update(object_repr="篡改")
    with pytest.raises(PermissionDenied):
        ObjectChange.objects.filter(pk=change.pk).delete()
    with pytest.raises(PermissionDenied):
        ObjectChange.objects.all().delete()
    # bulk_update runs inside its own atomic block; a savepoint keeps the test's transaction usable.
    with pytest.raises(PermissionDenied), transaction.atomic():
        ObjectChange.objects.bulk_update([change], ["object_repr"])
    event = AuditEvent.objects.create(event="test.event")
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().update(event="x")
    change.refresh_from_db()
    assert change.object_repr != "篡改"
    # No page edits or deletes a change record, for any role ...
    for action in ("edit", "delete", "add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"core:objectchange_{action}", args=[change.pk] if action != "add" else [])
    # ... and the API refuses every write method, to system administrators too.
    client = api(Role.ADMIN)
    for method in ("post", "put", "patch", "delete"):
        url = "/api/changes/" if method == "post" else f"/api/changes/{change.pk}/"
        response = getattr(client, method)(url, {"object_repr": "篡改"}, content_type="application/json")
        assert response.status_code in (403, 405), (method, response.status_code)
    change.refresh_from_db()
    assert change.object_repr != "篡改"


@pytest.fixture
def id_change(county):
    """An ID-number correction of 赵思飞 (B1: in the leader's and the inspector's scope)."""
    student = county.students["赵思飞"]
    old = student.id_number
    new = id_for(student.birth_date, student.gender)
    with audit_context(user=county.users[Role.ADMIN]):
        student.id_number = new
        student.student_no = f"G{new}"
        student.save()
    return changes_of(student).last(), old, new


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_id_numbers_in_change_records_are_masked_for_roles_without_full_ids(role, id_change, county, login, api):
    change, old, new = id_change
    client = login(role)
    detail = client.get(reverse("core:objectchange_detail", args=[change.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    rows = {str(row["field"]): (row["before"], row["after"]) for row in detail.context["change_detail"]}
    assert rows["身份证号"] == (mask_id_number(old), mask_id_number(new))
    assert rows["全国学籍号"] == (mask_id_number(f"G{old}"), mask_id_number(f"G{new}"))
    page = client.get(county.students["赵思飞"].get_absolute_url()).content.decode()
    body = api(role).get(f"/api/changes/{change.pk}/").json()
    assert body["changes"]["id_number"] == [mask_id_number(old), mask_id_number(new)]
    listing = api(role).get("/api/changes/", {"content_type": change.content_type_id}).content.decode()
    for text in (html, page, str(body), listing):
        for full in (old, new):
            assert full not in text
    # The creation record of the same pupil is masked too.
    created = changes_of(county.students["赵思飞"]).get(action=ChangeAction.CREATE)
    body = api(role).get(f"/api/changes/{created.pk}/").json()
    assert "*" in body["changes"]["id_number"][1]


def test_id_numbers_in_change_records_are_full_for_admin(id_change, county, login, api):
    change, old, new = id_change
    detail = login(Role.ADMIN).get(reverse("core:objectchange_detail", args=[change.pk]))
    rows = {str(row["field"]): (row["before"], row["after"]) for row in detail.context["change_detail"]}
    assert rows["身份证号"] == (old, new)
    assert api(Role.ADMIN).get(f"/api/changes/{change.pk}/").json()["changes"]["id_number"] == [old, new]
    page = login(Role.ADMIN).get(county.students["赵思飞"].get_absolute_url()).content.decode()
    assert new in page and old in page


def test_change_records_follow_the_scope_of_their_row(county, login):
    school = log_records(login(Role.SCHOOL))
    assert school and all(r.school_id in (county.school_a1.pk, county.teaching_point.pk) for r in school)
    township = log_records(login(Role.TOWNSHIP))
    assert township and all(r.division_code.startswith(county.township_a.code) for r in township)
    assert len(log_records(login(Role.ADMIN))) == ObjectChange.objects.count()


def test_the_change_log_export_reads_compact_creations_per_chunk_not_per_record(county, login):
    """An import's creations are recorded compactly (the field names only, ADR 0016); the export's 变更字段 column
    reads them for a chunk at once, so its queries do not grow with the records."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from emis.core.audit import compact_creation
    from emis.testing import xlsx_rows

    content_type = ContentType.objects.get_for_model(Student)
    client = login(Role.ADMIN)

    def export_with(records: int) -> tuple[int, list]:
        username = f"importer{records}"
        students = list(Student.objects.order_by("pk")[:records])
        assert len(students) == records
        ObjectChange.objects.bulk_create(
            ObjectChange(
                content_type=content_type,
                object_id=student.pk,
                object_repr=student.name,
                action=ChangeAction.CREATE,
                source=ChangeSource.IMPORT,
                username=username,
                changes=compact_creation(["name", "gender"]),
            )
            for student in students
        )
        with CaptureQueriesContext(connection) as queries:
            export = client.get(reverse("core:objectchange_export", args=["xlsx"]), {"username": username})
            rows = xlsx_rows(export)
        return len(queries), rows

    export_with(1)  # the first request of the client reads what later ones find cached
    few, rows_few = export_with(2)
    many, rows_many = export_with(5)
    assert many == few
    header = rows_many[0]
    fields = header.index("变更字段")
    assert len(rows_many) == 6 and {row[fields] for row in rows_many[1:]} == {"gender、name"}
    assert len(rows_few) == 3
