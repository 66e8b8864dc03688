"""The import path's attacks (issue 10, findings 1, 2, 5 and 13), each performed and shown to fail.

1. Take-over: a school (or township) imports a row carrying the ID number or 学籍号 of a pupil, or the ID number
   of a teacher, outside its scope; the row is refused and nothing of that person changes.
2. Oracle: the refusal says nothing about the person (no name, school, status, township): the same words
   whoever they are and wherever, and no report, sample or warning of any batch carries their data.
5. Masking: the batch page and its error workbook show ID numbers masked to roles that see them masked.
13. Audit: import-created classes are filed with their township; a school's batches are seen, and rolled back,
   by the township and the county above it; a rollback logs each delete once, with the batch; a record moved
   by an import is filed under its new owner, the row left behind under the school it stays at.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE, mask_id_number
from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeAction, ImportBatch, ImportStatus, ObjectChange
from emis.staff.models import Posting, Staff
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import (
    id_for,
    import_changes,
    make_population,
    make_student,
    make_user,
    report_counts,
    rows_without_timestamps,
    write_table_file,
    xlsx_rows,
)

A1, A2, B1 = "2142000101", "3142000201", "2142000301"
STUDENT_HEADER = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "全国学籍号", "学籍状态"]
STAFF_HEADER = [
    "身份证件号",
    "姓名",
    "性别",
    "出生日期",
    "学校标识码",
    "编制类型",
    "任教学科",
    "专业技术职务",
    "最高学历",
]
OUT_OF_SCOPE_STUDENT = (
    "此学生的学籍不在您的管辖范围内，不能通过导入接收或修改。如为转入学生，请由乡镇中心学校或县教育局股室办理转学。"
)
OUT_OF_SCOPE_STAFF = (
    "此人不在您的管辖范围内，不能通过导入接收或修改。如为调入人员，请由乡镇中心学校或县教育局股室办理调动。"
)


def run(kind: str, path, user, *, year: int = 2024, dry_run: bool = True):
    return run_import(get_spec(kind), path, user=user, school_year=year, dry_run=dry_run)


def run_batch(kind: str, path, user, *, year: int = 2024, dry_run: bool = True) -> ImportBatch:
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(kind=kind, upload=upload, school_year=year, dry_run=dry_run, acting_user=user)
    return service.import_batch_run(batch_id=batch.pk)


def takeover_row(student, *, school: str = A1, name: str = "冒名顶替", by: str = "id", status: str = "在读") -> list:
    """A row enrolling `student` (by ID number, or by 学籍号 alone) at `school` under a new name."""
    gender = "男" if student.gender == GENDER_MALE else "女"
    id_number = student.id_number if by == "id" else ""
    return [
        school,
        "一年级",
        "1班",
        name,
        gender,
        student.birth_date.isoformat(),
        id_number,
        student.student_no,
        status,
    ]


def student_state(student_pk: int):
    student = Student.objects.get(pk=student_pk)
    enrollments = list(Enrollment.objects.filter(student_id=student_pk).order_by("pk").values_list())
    return student.name, student.current_school_id, student.student_no, enrollments


def leave(county, name: str) -> None:
    """The pupil's school records the 转出 (the pupil stays filed at that school)."""
    Enrollment.objects.filter(pk=county.enrollments[name].pk).update(status="transferred_out")


def report_text(report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, default=str)


# 1. Take-over ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP])
@pytest.mark.parametrize(
    ("scenario", "year", "by"),
    [
        ("earlier-year", 2023, "id"),  # no enrolment in 2023: nothing used to stop the row
        ("earlier-year-by-student-no", 2023, "no"),
        ("left-the-school", 2024, "id"),  # 转出 at B1: the row used to move him to A1
    ],
)
def test_a_pupil_outside_the_scope_cannot_be_taken_over(role, scenario, year, by, county, tmp_path):
    zhao = county.students["赵思飞"]  # at B1, in 南林桥镇: outside A1 and outside 通羊镇
    if scenario == "left-the-school":
        leave(county, "赵思飞")
    before = student_state(zhao.pk)
    path = write_table_file(tmp_path, STUDENT_HEADER, [takeover_row(zhao, by=by)])
    report = run("students", path, county.users[role], year=year, dry_run=False)
    assert not report.committed and report_counts(report) == (0, 0, 0, 1)
    [issue] = report.issues
    assert issue.reason == OUT_OF_SCOPE_STUDENT
    assert student_state(zhao.pk) == before
    assert not import_changes().exists()


def test_a_teacher_who_left_another_school_cannot_be_taken_over(county, tmp_path):
    sun = county.staff["孙强"]  # left B1: the roster of A1 used to re-hire him at A1
    Staff.objects.filter(pk=sun.pk).update(is_active=False)
    before = rows_without_timestamps(Staff), rows_without_timestamps(Posting)
    row = [sun.id_number, "孙强", "女", "1978-02-03", A1, "在编", "语文", "", "本科"]
    report = run("staff", write_table_file(tmp_path, STAFF_HEADER, [row]), county.users[Role.SCHOOL], dry_run=False)
    assert not report.committed and [i.reason for i in report.issues] == [OUT_OF_SCOPE_STAFF]
    assert (rows_without_timestamps(Staff), rows_without_timestamps(Posting)) == before


def test_the_county_still_enrols_a_pupil_who_left_another_school(county, tmp_path):
    zhao = county.students["赵思飞"]
    leave(county, "赵思飞")
    path = write_table_file(tmp_path, STUDENT_HEADER, [takeover_row(zhao, name="赵思飞")])
    report = run("students", path, county.users[Role.SECTION], dry_run=False)
    assert report.committed, report.issues
    assert Student.objects.get(pk=zhao.pk).current_school_id == county.school_a1.pk


def test_a_township_enrols_a_pupil_who_left_another_school_of_the_township(county, tmp_path):
    chen = county.students["陈明"]  # at A2, in 通羊镇 like A1
    leave(county, "陈明")
    row = [A1, "六年级", "", "陈明", "男", chen.birth_date.isoformat(), chen.id_number, chen.student_no, "在读"]
    report = run(
        "students", write_table_file(tmp_path, STUDENT_HEADER, [row]), county.users[Role.TOWNSHIP], dry_run=False
    )
    assert report.committed, report.issues
    assert Student.objects.get(pk=chen.pk).current_school_id == county.school_a1.pk


# 2. No oracle ----------------------------------------------------------------------------------------------


def test_the_refusal_says_nothing_about_whom_the_number_belongs_to(county, tmp_path):
    """Pupils on roll at B1, gone from B1, at A1's neighbour A2, by ID number or 学籍号: one message, no data."""
    leave(county, "王芳")
    user = county.users[Role.SCHOOL]
    cases = [
        ("赵思飞", "id"),  # on roll at B1, other township
        ("王芳", "id"),  # left B1
        ("陈明", "id"),  # on roll at A2, same township
        ("赵思飞", "no"),
    ]
    seen = set()
    for name, by in cases:
        student = county.students[name]
        path = write_table_file(tmp_path, STUDENT_HEADER, [takeover_row(student, by=by)])
        report = run("students", path, user)  # a dry run: what the attacker reads for free
        [issue] = [i for i in report.issues if i.level == "error"]  # 陈明 is old for 一年级: an age warning
        assert issue.value == (student.id_number if by == "id" else student.student_no)  # the row's own cell
        seen.add((issue.row, issue.column, issue.reason, report_counts(report)))
        assert not report.samples
        text = report_text(report)
        school = Student.objects.get(pk=student.pk).current_school
        for secret in (name, school.code, school.name, school.township.code, "在读", "转出"):
            assert secret not in text, secret
    # The rows differ only in the number they carry; what comes back is the same, byte for byte.
    assert len({(column, reason, counts) for _row, column, reason, counts in seen if column == "身份证件号"}) == 1
    assert {reason for _row, _column, reason, _counts in seen} == {OUT_OF_SCOPE_STUDENT}


def test_a_teacher_in_post_or_gone_gives_the_same_refusal(county, tmp_path):
    sun, zhou = county.staff["孙强"], county.staff["周红"]  # B1 (other township), A2 (same township)
    Staff.objects.filter(pk=zhou.pk).update(is_active=False)
    answers = set()
    for person, birth in ((sun, "1978-02-03"), (zhou, "1985-07-08")):
        row = [person.id_number, "某某", "女", birth, A1, "在编", "语文", "", "本科"]
        report = run("staff", write_table_file(tmp_path, STAFF_HEADER, [row]), county.users[Role.SCHOOL])
        [issue] = report.issues
        answers.add((issue.column, issue.reason, report_counts(report)))
        text = report_text(report)
        for secret in (person.name, person.post_school.code, person.post_school.name):
            assert secret not in text, secret
    assert answers == {("身份证件号", OUT_OF_SCOPE_STAFF, (0, 0, 0, 1))}


def test_the_population_register_does_not_tell_where_a_child_is_registered(county, tmp_path):
    zhao = county.population["赵思飞"]  # registered in 南林桥镇 (421224101)
    row = [zhao.id_number, "赵思飞", "男", zhao.birth_date.isoformat(), "421224100", ""]
    header = ["身份证件号", "姓名", "性别", "出生日期", "户籍乡镇代码", "户籍村代码"]
    report = run("population", write_table_file(tmp_path, header, [row]), county.users[Role.TOWNSHIP])
    assert report_counts(report) == (0, 0, 0, 1)
    assert "421224101" not in report_text(report) and "南林桥" not in report_text(report)


def test_the_outside_county_warning_names_no_school_outside_the_scope(county, tmp_path):
    wang = county.students["王芳"]  # on roll at B1; put on 通羊镇's register, so the township may file her
    make_population(
        "王芳", county.year, county.township_a, birth=wang.birth_date, gender=GENDER_FEMALE, id_number=wang.id_number
    )
    row = [wang.id_number, "王芳", "武汉市育才小学", "湖北省武汉市", "一年级"]
    header = ["身份证件号", "姓名", "就读学校名称", "就读地区", "年级"]
    report = run("outside", write_table_file(tmp_path, header, [row]), county.users[Role.TOWNSHIP])
    assert report.ok, report.issues
    [warning] = report.issues
    assert warning.reason == "此人本学年在本县学校在读，请核实是否确在县外就读。"
    assert county.school_b1.name not in report_text(report)


# 5. Masking on import pages and in the error workbook ------------------------------------------------------


@pytest.fixture
def b1_batch(county, tmp_path):
    """A dry run by B1's administrator: one row spoilt (its ID number shown as the value of the issue), one row
    giving a pupil stored without an ID number one (a sample whose change is an ID number)."""
    b1_user = make_user("school_b1", Role.SCHOOL, schools=[county.school_b1])
    lin = make_student(
        "林一", county.school_b1, birth=dt.date(2018, 2, 2), id_number=None, student_no="L421224201802020001"
    )
    lin_id = id_for(lin.birth_date, GENDER_MALE, sequence=921)
    bad_id = id_for(dt.date(2018, 3, 3), GENDER_MALE, sequence=923)
    rows = [
        [B1, "一年级", "1班", "甲", "男", "2018-03-04", bad_id, "", "在读"],  # birth date disagrees with the ID
        [B1, "一年级", "1班", "林一", "男", "2018-02-02", lin_id, lin.student_no, "在读"],
    ]
    batch = run_batch("students", write_table_file(tmp_path, STUDENT_HEADER, rows), b1_user)
    assert batch.status == ImportStatus.REJECTED
    assert batch.report["samples"] and batch.report["issues"]
    return batch, b1_user, (bad_id, lin_id, lin.student_no)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_masked_roles_read_the_batch_page_and_the_error_workbook_masked(role, b1_batch, county):
    batch, _user, numbers = b1_batch
    client = _client(county.users[role])  # the inspector holds B1; the leader the county
    page = client.get(reverse("core:importbatch_detail", args=[batch.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    workbook = client.get(reverse("core:import_errors", args=[batch.pk]))
    assert workbook.status_code == 200
    cells = [str(cell) for row in xlsx_rows(workbook.content) for cell in row]
    for number in numbers:
        assert number not in html
        assert not any(number in cell for cell in cells), number
    assert mask_id_number(numbers[0]) in html and mask_id_number(numbers[1]) in html
    assert mask_id_number(numbers[0]) in cells


def test_the_importing_school_reads_its_own_numbers_in_full(b1_batch):
    batch, user, numbers = b1_batch
    html = _client(user).get(reverse("core:importbatch_detail", args=[batch.pk])).content.decode()
    assert numbers[0] in html and numbers[1] in html


# 13. Audit ------------------------------------------------------------------------------------------------


def _new_pupil_row(klass: str = "9班") -> list:
    birth = dt.date(2018, 4, 4)
    return [
        A1,
        "一年级",
        klass,
        "周新生",
        "男",
        birth.isoformat(),
        id_for(birth, GENDER_MALE, sequence=931),
        "",
        "在读",
    ]


def test_a_class_created_by_an_import_is_filed_with_its_township(county, tmp_path):
    batch = run_batch(
        "students",
        write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]),
        county.users[Role.SCHOOL],
        dry_run=False,
    )
    assert batch.status == ImportStatus.COMMITTED, batch.report
    klass = SchoolClass.objects.get(name="9班")
    change = ObjectChange.objects.get(content_type__model="schoolclass", object_id=klass.pk)
    assert (change.school_id, change.division_code) == (county.school_a1.pk, "421224100")
    for role in (Role.SECTION, Role.LEADER, Role.TOWNSHIP, Role.SCHOOL):
        response = _client(county.users[role]).get(reverse("core:objectchange_detail", args=[change.pk]))
        assert response.status_code == 200, role


def test_a_schools_batch_is_seen_by_the_township_and_the_county_above_it_only(county, tmp_path):
    batch = run_batch(
        "students", write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]), county.users[Role.SCHOOL]
    )
    assert (batch.school_id, batch.division_code) == (county.school_a1.pk, "421224100")
    url = reverse("core:importbatch_detail", args=[batch.pk])
    for role in (Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, Role.LEADER, Role.ADMIN):
        assert _client(county.users[role]).get(url).status_code == 200, role
    outsiders = [
        county.users[Role.INSPECTOR],  # A2 and B1
        make_user("township_b", Role.TOWNSHIP, divisions=[county.township_b]),
        make_user("school_a2", Role.SCHOOL, schools=[county.school_a2]),
    ]
    for user in outsiders:
        assert _client(user).get(url).status_code == 404, user.username


def test_a_user_of_several_schools_sees_their_batch_which_no_one_school_does(county, tmp_path):
    both = make_user("school_a1_b1", Role.SCHOOL, schools=[county.school_a1, county.school_b1])
    batch = run_batch("students", write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]), both)
    assert (batch.school_id, batch.division_code) == (None, "421224")
    url = reverse("core:importbatch_detail", args=[batch.pk])
    assert _client(both).get(url).status_code == 200
    assert _client(county.users[Role.SECTION]).get(url).status_code == 200
    assert _client(county.users[Role.SCHOOL]).get(url).status_code == 404
    assert _client(county.users[Role.TOWNSHIP]).get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.TOWNSHIP, Role.SECTION])
def test_the_township_and_the_county_roll_back_a_schools_bad_import(role, county, tmp_path):
    batch = run_batch(
        "students",
        write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]),
        county.users[Role.SCHOOL],
        dry_run=False,
    )
    assert batch.status == ImportStatus.COMMITTED, batch.report
    response = _client(county.users[role]).post(reverse("core:import_rollback", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.ROLLED_BACK
    assert not SchoolClass.objects.filter(name="9班").exists()


def test_a_read_only_role_cannot_roll_back_a_batch(county, tmp_path):
    batch = run_batch(
        "students",
        write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]),
        county.users[Role.SCHOOL],
        dry_run=False,
    )
    response = _client(county.users[Role.LEADER]).post(reverse("core:import_rollback", args=[batch.pk]))
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED


def test_a_rollback_is_refused_to_a_user_not_holding_every_row_of_the_batch(county, tmp_path):
    zhao = county.students["赵思飞"]  # B1: the section user's batch renames him; 通羊镇 does not hold B1
    row = [B1, "一年级", "1班", "赵思非", "男", zhao.birth_date.isoformat(), zhao.id_number, zhao.student_no, "在读"]
    batch = run_batch(
        "students", write_table_file(tmp_path, STUDENT_HEADER, [row]), county.users[Role.SECTION], dry_run=False
    )
    assert batch.status == ImportStatus.COMMITTED, batch.report
    with pytest.raises(service.BatchActionRefused, match="管辖范围以外"):
        service.import_batch_rollback(batch=batch, acting_user=county.users[Role.TOWNSHIP])
    assert Student.objects.get(pk=zhao.pk).name == "赵思非"


def test_a_rollback_logs_each_delete_once_with_the_batch(county, tmp_path):
    user = county.users[Role.SCHOOL]
    batch = run_batch("students", write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]), user, dry_run=False)
    created = {
        (change.content_type.model, change.object_id)
        for change in ObjectChange.objects.filter(batch_id=batch.pk, action=ChangeAction.CREATE)
    }
    assert {model for model, _pk in created} == {"student", "enrollment", "schoolclass"}
    service.import_batch_rollback(batch=batch, acting_user=user)
    deletes = ObjectChange.objects.filter(action=ChangeAction.DELETE).select_related("content_type")
    logged = [(change.content_type.model, change.object_id) for change in deletes]
    assert sorted(logged) == sorted(created)  # each once
    assert {change.batch_id for change in deletes} == {batch.pk}
    assert all(change.division_code == "421224100" for change in deletes)


def test_a_pupil_moved_within_the_township_is_filed_under_the_new_school_and_the_old_row_under_the_old(
    county, tmp_path
):
    chen, old = county.students["陈明"], county.enrollments["陈明"]  # A2
    leave(county, "陈明")
    row = [A1, "六年级", "", "陈明", "男", chen.birth_date.isoformat(), chen.id_number, chen.student_no, "在读"]
    batch = run_batch(
        "students", write_table_file(tmp_path, STUDENT_HEADER, [row]), county.users[Role.TOWNSHIP], dry_run=False
    )
    assert batch.status == ImportStatus.COMMITTED, batch.report
    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    student = changes.get(content_type__model="student")
    assert (student.school_id, student.division_code) == (county.school_a1.pk, "421224100")
    closed = changes.get(content_type__model="enrollment", object_id=old.pk)
    assert closed.changes == {"is_current": [True, False]}
    assert (closed.school_id, closed.division_code) == (county.school_a2.pk, "421224100")
    opened = changes.get(content_type__model="enrollment", action=ChangeAction.CREATE)
    assert opened.school_id == county.school_a1.pk


def test_import_events_are_filed_with_the_batch(county, tmp_path):
    from emis.core.models import AuditEvent

    user = county.users[Role.SCHOOL]
    batch = run_batch("students", write_table_file(tmp_path, STUDENT_HEADER, [_new_pupil_row()]), user, dry_run=False)
    service.import_batch_rollback(batch=batch, acting_user=user)
    for event in ("import.committed", "import.rolled_back"):
        record = AuditEvent.objects.get(event=event)
        assert (record.school_id, record.division_code) == (county.school_a1.pk, "421224100")
        assert AuditEvent.objects.for_user(county.users[Role.SECTION]).filter(pk=record.pk).exists()


def test_the_migration_files_old_school_records_with_their_township(county):
    """Records written before the fix (a class created by an import, a school user's batch) get the township."""
    import importlib

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    name = "0005_file_school_records_with_their_township"
    migration = importlib.import_module(f"emis.core.migrations.{name}")
    klass = county.classes["A1"]
    change = ObjectChange.objects.create(
        source="import",
        action=ChangeAction.CREATE,
        content_type=ContentType.objects.get_for_model(SchoolClass),
        object_id=klass.pk,
        object_repr=str(klass),
        school_id=county.school_a1.pk,
        division_code="",
    )
    batch = ImportBatch.objects.create(kind="students", file_name="old.xlsx", sha256="", school_id=county.school_a1.pk)
    migration.forwards(MigrationExecutor(connection).loader.project_state(("core", name)).apps, None)
    assert ObjectChange.objects.get(pk=change.pk).division_code == "421224100"
    assert ImportBatch.objects.get(pk=batch.pk).division_code == "421224100"


def test_a_transfer_within_the_township_leaves_a_secondment_elsewhere_open(county, tmp_path):
    zhou = county.staff["周红"]  # A2, seconded (借调) to B1 as well
    secondment = Posting.objects.create(
        staff=zhou, school=county.school_b1, kind="secondment", start_date=dt.date(2024, 3, 1)
    )
    row = [zhou.id_number, "周红", "女", "1985-07-08", A1, "在编", "语文", "", "本科"]
    report = run("staff", write_table_file(tmp_path, STAFF_HEADER, [row]), county.users[Role.TOWNSHIP], dry_run=False)
    assert report.committed, report.issues
    assert Posting.objects.get(pk=county.postings["周红"].pk).end_date is not None  # A2's posting closed
    assert Posting.objects.get(pk=secondment.pk).end_date is None  # B1's is not the township's to close
