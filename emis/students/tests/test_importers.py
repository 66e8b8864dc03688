"""Import of the national 学籍 system's export (kind "students"): one test per row rejection reason, the age
warning, transfers between schools, identity conflicts, atomic commit with change log and idempotent re-import,
updates by natural key (in place, or closing the enrolment on a status change), rollback, and query counts.

File-level rejections (wrong type, empty, merged headers...) are tested in tests/test_import_files.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core import crypto
from emis.core.access import Role
from emis.core.audit import audit_context, creation_values, readable_changes
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeAction, ChangeSource, ImportStatus, ObjectChange
from emis.students.choices import Grade
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import (
    assert_rejected,
    id_for,
    import_changes,
    make_student,
    report_counts,
    write_table_file,
)

# Fixtures and helpers -------------------------------------------------------------------------------------

A1, TP, A2, B1 = "2142000101", "2142000102", "3142000201", "2142000301"


@pytest.fixture
def admin(county):
    return county.users[Role.ADMIN]


@pytest.fixture
def section(county):
    return county.users[Role.SECTION]  # county-wide, with the students domain


def run(path: Path, user, *, dry_run: bool = True, **kwargs):
    return run_import(get_spec("students"), path, user=user, school_year=2024, dry_run=dry_run, **kwargs)


def run_batch(path: Path, user, *, dry_run: bool):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=dry_run, acting_user=user
    )
    return service.import_batch_run(batch_id=batch.pk)


HEADER = [
    "学校标识码",
    "年级",
    "班级",
    "姓名",
    "性别",
    "出生日期",
    "身份证件号",
    "全国学籍号",
    "学籍状态",
    "户籍乡镇代码",
    "是否寄宿",
]
KEYS = ("school", "grade", "klass", "name", "gender", "birth", "id", "no", "status", "hukou", "boarder")

NEW_BIRTH = dt.date(2018, 4, 4)
NEW_ID = id_for(NEW_BIRTH, GENDER_MALE, sequence=901)
OTHER_BIRTH = dt.date(2018, 5, 6)
OTHER_ID = id_for(OTHER_BIRTH, GENDER_FEMALE, sequence=903)
SPARE_ID = id_for(dt.date(2018, 7, 7), GENDER_MALE, sequence=905)  # valid, but nobody's in these files
L_NO = "L421224201805060001"  # a temporary 学籍号


def pupil(**overrides) -> list:
    """A new boy at A1, 一年级1班; `no` defaults to G + the row's ID number ("" when there is none)."""
    values = {
        "school": A1,
        "grade": "一年级",
        "klass": "1班",
        "name": "周新生",
        "gender": "男",
        "birth": NEW_BIRTH.isoformat(),
        "id": NEW_ID,
        "no": None,
        "status": "在读",
        "hukou": "421224100",
        "boarder": "否",
    }
    values.update(overrides)
    if values["no"] is None:
        values["no"] = f"G{values['id']}" if values["id"] else ""
    return [values[key] for key in KEYS]


def other(**overrides) -> list:
    """A second new pupil, a girl at A1: the row the rejection tests spoil."""
    return pupil(**{"name": "李新月", "gender": "女", "birth": OTHER_BIRTH.isoformat(), "id": OTHER_ID, **overrides})


def as_stored(county, who: str, /, **overrides) -> list:
    """A row for one of the county's students exactly as the fixture stored it (empty 户籍乡镇代码 keeps None)."""
    student, enrollment = county.students[who], county.enrollments[who]
    values = {
        "school": enrollment.school.code,
        "grade": str(Grade(enrollment.grade).label),
        "klass": enrollment.school_class.name,
        "name": student.name,
        "gender": "男" if student.gender == GENDER_MALE else "女",
        "birth": student.birth_date.isoformat(),
        "id": student.id_number,
        "no": student.student_no,
        "status": "在读",
        "hukou": "",
        "boarder": "否",
    }
    values.update(overrides)
    return [values[key] for key in KEYS]


def table_counts() -> tuple:
    return Student.objects.count(), Enrollment.objects.count(), SchoolClass.objects.count()


def current_enrollment(student_pk: int) -> Enrollment:
    return Enrollment.objects.get(student_id=student_pk, school_year__start_year=2024, is_current=True)


def _bad_check_digit() -> str:
    return OTHER_ID[:17] + ("0" if OTHER_ID[17] != "0" else "1")


# Row rejections -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (other(id=_bad_check_digit(), no=""), "身份证件号", "身份证号校验位错误"),
        (other(birth="2018-05-07"), "出生日期", "出生日期 2018-05-07 与身份证号中的出生日期 2018-05-06 不一致"),
        (other(gender="男"), "性别", "性别与身份证号第17位（奇数为男，偶数为女）不一致"),
        (other(school="2142009999"), "学校标识码", "学校标识码不存在。"),
        (
            other(id=NEW_ID, no="", name="周新生", gender="男", birth=NEW_BIRTH.isoformat()),
            "身份证件号",
            "身份证件号在文件中重复出现。",
        ),
        (other(id="", no=f"G{NEW_ID}"), "全国学籍号", "全国学籍号在文件中重复出现。"),
        (other(id="", no=""), "身份证件号", "身份证件号和全国学籍号至少填写一项。"),
        (other(no="X12345"), "全国学籍号", "全国学籍号“X12345”格式不正确"),
        (other(id="", no=L_NO, birth="2099-01-01"), "出生日期", "出生日期晚于统计学年。"),
        (other(id="", no=L_NO, birth="1989-12-31"), "出生日期", "出生日期早于1990年"),
        (other(hukou="421223100"), "户籍乡镇代码", "县区 421223 尚未在本系统设立"),
        (other(hukou="421224199"), "户籍乡镇代码", "乡镇代码 421224199 不存在：通山县（421224）没有这个乡镇"),
        (other(name=""), "姓名", "必填项不能为空。"),
        (other(grade=""), "年级", "必填项不能为空。"),
        (other(grade="十年级"), "年级", "年级“十年级”不在可选值中"),
        (other(status="借读"), "学籍状态", "学籍状态“借读”不在可选值中"),
    ],
    ids=[
        "check-digit",
        "birth-mismatch",
        "gender-mismatch",
        "unknown-school",
        "duplicate-id",
        "duplicate-student-no",
        "no-identifier",
        "student-no-format",
        "future-birth",
        "birth-before-1990",
        "hukou-of-another-county",
        "unknown-hukou",
        "name-empty",
        "grade-empty",
        "grade-unknown",
        "status-unknown",
    ],
)
def test_rejections(row, column, fragment, county, section, tmp_path):
    before = table_counts()
    report = run(write_table_file(tmp_path, HEADER, [pupil(), row]), section, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (1, 0, 0, 1)
    assert table_counts() == before
    assert not import_changes().exists()


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP])
def test_a_school_outside_the_users_scope_is_rejected(role, county, tmp_path):
    """The school user holds A1, the township user 通羊镇 (A1, TP, A2); B1 is in 南林桥镇."""
    rows = [pupil(), other(school=B1)]
    report = run(write_table_file(tmp_path, HEADER, rows), county.users[role], dry_run=False)
    assert report_counts(report) == (1, 0, 0, 1)
    errors = [(i.row, i.column, i.value, i.reason) for i in report.issues if i.level == "error"]
    assert errors == [(3, "学校标识码", B1, "该学校不在您的管辖范围内。")]
    assert not Student.objects.filter(id_number__in=[NEW_ID, OTHER_ID]).exists()


def test_a_township_user_imports_into_every_school_of_the_township(county, tmp_path):
    rows = [pupil(school=TP, klass=""), other(school=A2, grade="七年级", klass="")]  # 七年级 at 6: a warning only
    report = run(write_table_file(tmp_path, HEADER, rows), county.users[Role.TOWNSHIP], dry_run=False)
    assert report.committed and report_counts(report) == (2, 0, 0, 0), report.issues
    assert current_enrollment(Student.objects.get(id_number=OTHER_ID).pk).school_id == county.school_a2.pk


# The age warning ------------------------------------------------------------------------------------------


def test_an_age_far_from_the_grade_is_a_warning_and_the_row_commits(county, section, tmp_path):
    # Both are 6 on the census date 2024-09-01: 四年级 (usually 9) is 3 years off, 三年级 (usually 8) only 2.
    rows = [pupil(grade="四年级"), other(grade="三年级")]
    report = run(write_table_file(tmp_path, HEADER, rows), section, dry_run=False)
    assert report.committed and report_counts(report) == (2, 0, 0, 0), report.issues
    assert report.counts["warnings"] == 1
    assert [(i.row, i.column, i.level, i.reason) for i in report.issues] == [
        (2, "出生日期", "warning", "年龄 6 岁与年级（通常 9 岁）相差较大，请核对。")
    ]
    assert current_enrollment(Student.objects.get(id_number=NEW_ID).pk).grade == "P4"


# A G 学籍号 that differs from the ID number ------------------------------------------------------------------

G_DIFFERS = "G 字头学籍号与身份证件号不一致：学籍号终身不变，身份证件号可能已更正，请核对。"


def test_a_corrected_id_number_under_the_same_g_number_is_a_warning_and_updates_the_pupil(county, section, tmp_path):
    """Domain-rules 2.2: the 学籍号 is for life, the ID number gets corrected; the file is not refused for it."""
    zhang = county.students["张三丰"]
    old_no = zhang.student_no
    corrected = id_for(zhang.birth_date, zhang.gender, sequence=907)
    report = run(
        write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", id=corrected)]), section, dry_run=False
    )
    assert report.committed and report_counts(report) == (0, 1, 0, 0), report.issues
    assert [(i.row, i.column, i.level, i.reason) for i in report.issues] == [(2, "全国学籍号", "warning", G_DIFFERS)]
    zhang.refresh_from_db()
    assert (zhang.id_number, zhang.student_no) == (corrected, old_no)
    assert Student.objects.get(id_number=corrected).pk == zhang.pk


def test_a_file_imported_again_opens_no_stored_number_and_a_corrected_one_opens_only_the_old_number(
    county, section, tmp_path, monkeypatch
):
    """The stored numbers matched by their hashes are the file's own: only a number that changed is decrypted,
    and its change record still holds the old number."""
    from emis.students import importers

    opened = []

    def counting_reveal_many(values):
        values = list(values)
        opened.extend(values)
        return crypto.reveal_many(values)

    monkeypatch.setattr(importers, "reveal_many", counting_reveal_many)
    rows = [as_stored(county, who) for who in ("张三丰", "赵思飞")]
    report = run(write_table_file(tmp_path, HEADER, rows), section, dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 2, 0), report.issues
    assert opened == []

    zhang = county.students["张三丰"]
    old_id = zhang.id_number
    corrected = id_for(zhang.birth_date, zhang.gender, sequence=907)
    rows[0] = as_stored(county, "张三丰", id=corrected)
    report = run(write_table_file(tmp_path, HEADER, rows), section, dry_run=False)
    assert report.committed and report_counts(report) == (0, 1, 1, 0), report.issues
    assert [crypto.reveal(token) for token in opened] == [old_id]
    change = import_changes().get(content_type__model="student", object_id=zhang.pk, action=ChangeAction.UPDATE)
    assert [crypto.reveal(value) for value in change.changes["id_number"]] == [old_id, corrected]


def test_into_an_empty_register_nothing_is_looked_up_and_a_repeated_number_is_still_refused(county, admin, tmp_path):
    """A county's first load: no pupil was stored before the import, so it looks no number up (a file never
    matches its own rows); a number given twice is still refused, and the next import finds what was written."""
    Enrollment.objects.all().delete()
    Student.objects.all().delete()
    twice = run(write_table_file(tmp_path, HEADER, [pupil(), other(id=NEW_ID, no="")]), admin, dry_run=False)
    assert_rejected(twice, 3, "身份证件号", "重复")
    assert not Student.objects.exists()

    path = write_table_file(tmp_path, HEADER, [pupil(), other()])
    with CaptureQueriesContext(connection) as queries:
        report = run(path, admin, dry_run=False)
    assert report.committed and report_counts(report) == (2, 0, 0, 0), report.issues
    lookups = [q["sql"] for q in queries.captured_queries if "_hash" in q["sql"] and q["sql"].startswith("SELECT")]
    assert lookups == []
    assert Student.objects.count() == 2

    again = run(path, admin, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 2, 0), again.issues
    assert Student.objects.count() == 2


def test_an_import_that_began_on_an_empty_register_finds_the_pupils_another_import_committed_before_its_writes(
    county, admin, tmp_path, monkeypatch
):
    """Two first loads queued one behind the other: the second read an empty register when it began, and the first
    committed before the second's transaction. The second still finds that pupil and updates it."""
    Enrollment.objects.all().delete()
    Student.objects.all().delete()
    from emis.students.importers import StudentImport

    began = StudentImport.begin

    def begin_then_another_import_commits(spec, ctx):
        began(spec, ctx)
        make_student("周新生", county.school_a1, birth=NEW_BIRTH, id_number=NEW_ID, student_no=f"G{NEW_ID}")

    monkeypatch.setattr(StudentImport, "begin", begin_then_another_import_commits)
    report = run(write_table_file(tmp_path, HEADER, [pupil(), other()]), admin, dry_run=False)
    assert report.committed and report_counts(report) == (1, 1, 0, 0), report.issues
    assert Student.objects.count() == 2


def test_a_new_pupil_whose_g_number_differs_from_the_id_number_is_a_warning(county, section, tmp_path):
    report = run(write_table_file(tmp_path, HEADER, [pupil(), other(no=f"G{SPARE_ID}")]), section, dry_run=False)
    assert report.committed and report_counts(report) == (2, 0, 0, 0), report.issues
    assert [(i.row, i.column, i.level) for i in report.issues] == [(3, "全国学籍号", "warning")]
    assert Student.objects.get(id_number=OTHER_ID).student_no == f"G{SPARE_ID}"


# Transfers between schools --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["在读", "转入"])
def test_a_student_on_roll_at_another_school_is_rejected(status, county, admin, tmp_path):
    zhang = county.enrollments["张三丰"]  # 在读 at A1
    rows = [pupil(), as_stored(county, "张三丰", school=B1, status=status)]
    report = run(write_table_file(tmp_path, HEADER, rows), admin, dry_run=False)
    assert_rejected(report, 3, "学校标识码", "该学生本学年已在另一所学校（2142000101）在读：请先办理转出。")
    assert report_counts(report) == (1, 0, 0, 1)
    assert list(Enrollment.objects.filter(student_id=zhang.student_id).values_list("pk", "is_current")) == [
        (zhang.pk, True)
    ]


def test_a_student_transferred_out_enrols_at_another_school(county, admin, tmp_path):
    zhang, old = county.students["张三丰"], county.enrollments["张三丰"]

    out = run(write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", status="转出")]), admin, dry_run=False)
    assert out.committed and report_counts(out) == (0, 1, 0, 0), out.issues
    assert out.samples == [{"row": 2, "changes": {"status": ["enrolled", "transferred_out"]}}]
    old.refresh_from_db()
    assert (old.is_current, old.status) == (False, "enrolled")
    left = current_enrollment(zhang.pk)
    assert (left.school_id, left.status, left.grade) == (county.school_a1.pk, "transferred_out", "P1")

    rows = [as_stored(county, "张三丰", school=B1, status="在读")]
    moved = run(write_table_file(tmp_path, HEADER, rows), admin, dry_run=False)
    assert moved.committed and report_counts(moved) == (0, 1, 0, 0), moved.issues
    now = current_enrollment(zhang.pk)
    assert (now.school_id, now.status, now.school_class_id) == (
        county.school_b1.pk,
        "enrolled",
        county.classes["B1"].pk,
    )
    assert Student.objects.get(pk=zhang.pk).current_school_id == county.school_b1.pk
    history = Enrollment.objects.filter(student=zhang, school_year=county.year)
    assert history.count() == 3 and history.filter(is_current=True).count() == 1


@pytest.mark.parametrize(
    ("role", "column", "fragment"),
    [
        (Role.ADMIN, "学校标识码", "（2142000301）在读"),
        # B1 is outside the school user's scope: refused without naming it (see test_import_scope.py).
        (Role.SCHOOL, "身份证件号", "此学生的学籍不在您的管辖范围内"),
    ],
)
def test_a_non_enrolled_status_does_not_take_a_student_from_another_school(role, column, fragment, county, tmp_path):
    zhao = county.enrollments["赵思飞"]  # 在读 at B1, outside the school user's A1
    rows = [as_stored(county, "赵思飞", school=A1, status="休学")]
    report = run(write_table_file(tmp_path, HEADER, rows), county.users[role], dry_run=False)
    zhao.refresh_from_db()
    assert zhao.is_current and zhao.school_id == county.school_b1.pk
    assert_rejected(report, 2, column, fragment)


# Identity conflicts with stored students ------------------------------------------------------------------


def test_an_id_number_held_by_a_student_with_another_student_no_is_rejected(county, admin, tmp_path):
    zhang = county.students["张三丰"]  # 学籍号 G + his ID number
    rows = [as_stored(county, "张三丰", no="L421224201803050001")]
    report = run(write_table_file(tmp_path, HEADER, rows), admin, dry_run=False)
    assert Student.objects.get(pk=zhang.pk).student_no == zhang.student_no
    assert_rejected(report, 2, "身份证件号", "该身份证件号已属于另一名学生")


def test_a_student_no_of_one_student_and_an_id_number_of_another_are_rejected(county, admin, tmp_path):
    lin = make_student("林一", county.school_a1, birth=dt.date(2018, 2, 2), id_number=None, student_no=L_NO)
    zhang = county.students["张三丰"]
    rows = [pupil(), as_stored(county, "张三丰", no=L_NO)]  # 林一's 学籍号, 张三丰's ID number
    report = run(write_table_file(tmp_path, HEADER, rows), admin, dry_run=False)
    assert_rejected(report, 3, "身份证件号", "该身份证件号已属于另一名学生（学籍号不同）。")
    assert report_counts(report) == (1, 0, 0, 1)
    assert Student.objects.get(pk=lin.pk).id_number is None
    assert Student.objects.get(pk=zhang.pk).student_no == zhang.student_no


# Commit, change log, re-import ----------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing(county, section, tmp_path):
    rows = [
        pupil(klass="2班"),  # new, in a new class
        as_stored(county, "张三丰", name="张三峰"),  # changed
        other(hukou="421223100"),  # rejected, last: the earlier one-row chunks were written first
    ]
    before = table_counts()
    report = run(write_table_file(tmp_path, HEADER, rows), section, dry_run=False, chunk_size=1)
    assert not report.committed and report_counts(report) == (1, 1, 0, 1)
    assert table_counts() == before
    assert Student.objects.get(pk=county.students["张三丰"].pk).name == "张三丰"
    assert not Student.objects.filter(id_number=NEW_ID).exists()
    assert not SchoolClass.objects.filter(name="2班").exists()
    assert not import_changes().exists()


def test_commit_writes_students_enrolments_classes_and_audits_and_reimport_changes_nothing(county, section, tmp_path):
    rows = [
        pupil(klass="2班", boarder="是"),  # new, in A1's new class 一年级2班
        other(school=TP, klass="", hukou=""),  # new at the teaching point, no class
        as_stored(county, "张三丰"),  # unchanged
        as_stored(county, "赵思飞"),  # unchanged (B1)
    ]
    before = table_counts()
    path = write_table_file(tmp_path, HEADER, rows)
    batch = run_batch(path, section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (2, 0, 2)
    assert table_counts() == (before[0] + 2, before[1] + 2, before[2] + 1)

    new = Student.objects.get(id_number=NEW_ID)
    assert (
        new.name,
        new.name_initials,
        new.gender,
        new.birth_date,
        new.student_no,
        new.hukou_township_id,
        new.boarder,
        new.current_school_id,
        new.county_code,
    ) == (
        "周新生",
        "zxs",
        GENDER_MALE,
        NEW_BIRTH,
        f"G{NEW_ID}",
        county.township_a.pk,
        True,
        county.school_a1.pk,
        "421224",
    )
    klass = SchoolClass.objects.get(school=county.school_a1, school_year=county.year, grade="P1", name="2班")
    enrolment = current_enrollment(new.pk)
    assert (
        enrolment.school_id,
        enrolment.grade,
        enrolment.level,
        enrolment.status,
        enrolment.status_date,
        enrolment.school_class_id,
    ) == (county.school_a1.pk, "P1", "primary", "enrolled", dt.date(2024, 9, 1), klass.pk)
    girl = Student.objects.get(id_number=OTHER_ID)
    assert (girl.hukou_township_id, girl.current_school_id) == (None, county.teaching_point.pk)
    girl_enrolment = current_enrollment(girl.pk)
    assert (girl_enrolment.school_id, girl_enrolment.school_class_id) == (county.teaching_point.pk, None)

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert {(c.source, c.username, c.user_id) for c in changes} == {(ChangeSource.IMPORT, "section", section.pk)}
    assert sorted((c.content_type.model, c.action, c.object_id) for c in changes) == sorted(
        [
            ("student", ChangeAction.CREATE, new.pk),
            ("student", ChangeAction.CREATE, girl.pk),
            ("enrollment", ChangeAction.CREATE, enrolment.pk),
            ("enrollment", ChangeAction.CREATE, girl_enrolment.pk),
            ("schoolclass", ChangeAction.CREATE, klass.pk),
        ]
    )
    created = changes.get(content_type__model="student", object_id=new.pk)
    # Recorded compactly (ADR 0016): the values at creation are read back from the row.
    values = creation_values([created])[created.pk]
    assert values["birth_date"] == [None, "2018-04-04"]
    assert values["boarder"] == [None, True]
    assert crypto.reveal(values["student_no"][1]) == f"G{NEW_ID}"
    assert (created.school_id, created.division_code) == (county.school_a1.pk, "421224100")
    assert changes.get(content_type__model="enrollment", object_id=girl_enrolment.pk).school_id == (
        county.teaching_point.pk
    )

    logged = ObjectChange.objects.count()
    again = run_batch(path, section, dry_run=False)
    assert again.status == ImportStatus.COMMITTED, again.report
    assert (again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == (0, 0, 4)
    assert ObjectChange.objects.count() == logged
    assert not ObjectChange.objects.filter(batch_id=again.pk).exists()
    assert table_counts() == (before[0] + 2, before[1] + 2, before[2] + 1)


def test_a_commit_without_a_batch_is_logged_as_an_import_by_the_user(county, admin, tmp_path):
    with audit_context(user=None):  # the import sets its own context, whatever the caller's
        report = run(write_table_file(tmp_path, HEADER, [pupil()]), admin, dry_run=False)
    assert report.committed
    changes = import_changes()
    assert changes.count() == 2  # the student and the enrolment
    assert {(c.username, c.user_id, c.batch_id) for c in changes} == {("admin", admin.pk, None)}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_dry_run_counts_and_writes_nothing(fmt, county, section, tmp_path):
    rows = [pupil(klass="2班"), as_stored(county, "张三丰", name="张三峰"), as_stored(county, "赵思飞")]
    before = table_counts()
    report = run(write_table_file(tmp_path, HEADER, rows, fmt), section)
    assert report.ok and not report.committed, report.issues
    assert report_counts(report) == (1, 1, 1, 0)
    assert report.samples == [{"row": 3, "changes": {"name": ["张三丰", "张三峰"]}}]
    assert table_counts() == before
    assert not import_changes().exists()


# Updates by natural key -----------------------------------------------------------------------------------


def test_a_changed_name_and_grade_update_the_student_and_the_enrolment_in_place(county, section, tmp_path):
    zhang, old = county.students["张三丰"], county.enrollments["张三丰"]
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", name="张三峰", grade="二年级")])
    dry = run(path, section)
    assert report_counts(dry) == (0, 1, 0, 0), dry.issues
    [sample] = dry.samples
    assert sample["row"] == 2
    assert sample["changes"]["name"] == ["张三丰", "张三峰"]
    assert sample["changes"]["grade"] == ["P1", "P2"]

    batch = run_batch(path, section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    zhang.refresh_from_db()
    assert (zhang.name, zhang.name_initials, zhang.current_school_id) == ("张三峰", "zsf", county.school_a1.pk)
    now = current_enrollment(zhang.pk)
    p2_class = SchoolClass.objects.get(school=county.school_a1, school_year=county.year, grade="P2", name="1班")
    assert (now.pk, now.grade, now.level, now.status, now.school_class_id) == (
        old.pk,
        "P2",
        "primary",
        "enrolled",
        p2_class.pk,
    )
    assert Enrollment.objects.filter(student=zhang).count() == 1
    student_change = ObjectChange.objects.get(batch_id=batch.pk, content_type__model="student")
    assert (student_change.action, student_change.changes) == (ChangeAction.UPDATE, {"name": ["张三丰", "张三峰"]})
    enrolment_change = ObjectChange.objects.get(batch_id=batch.pk, content_type__model="enrollment")
    assert enrolment_change.action == ChangeAction.UPDATE and enrolment_change.changes["grade"] == ["P1", "P2"]


def test_a_changed_status_closes_the_enrolment_and_opens_a_new_one(county, section, tmp_path):
    zhang, old = county.students["张三丰"], county.enrollments["张三丰"]
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", status="休学")])
    batch = run_batch(path, section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert batch.counts["changed"] == 1
    assert batch.report["samples"] == [{"row": 2, "changes": {"status": ["enrolled", "suspended"]}}]
    old.refresh_from_db()
    assert (old.is_current, old.status) == (False, "enrolled")
    new = current_enrollment(zhang.pk)
    assert new.pk != old.pk
    assert (new.school_id, new.grade, new.school_class_id, new.status, new.status_date) == (
        county.school_a1.pk,
        "P1",
        county.classes["A1"].pk,
        "suspended",
        dt.date(2024, 9, 1),
    )
    assert sorted(
        (c.content_type.model, c.action, c.object_id, str(c.changes.get("is_current")))
        for c in ObjectChange.objects.filter(batch_id=batch.pk)
    ) == sorted(
        [
            ("enrollment", ChangeAction.UPDATE, old.pk, "[True, False]"),
            ("enrollment", ChangeAction.CREATE, new.pk, "None"),
        ]
    )


def test_a_suspended_student_stays_in_the_schools_scope(county, section, tmp_path):
    zhang = county.students["张三丰"]
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", status="休学")])
    assert run(path, section, dry_run=False).committed
    assert Student.objects.get(pk=zhang.pk).current_school_id == county.school_a1.pk
    assert Student.objects.for_user(county.users[Role.SCHOOL]).filter(pk=zhang.pk).exists()


def test_a_row_matched_by_id_number_keeps_the_stored_student_no(county, section, tmp_path):
    zhang = county.students["张三丰"]
    report = run(write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", no="")]), section, dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0), report.samples
    assert Student.objects.get(pk=zhang.pk).student_no == zhang.student_no


# Rollback -------------------------------------------------------------------------------------------------


def test_rollback_deletes_created_rows_and_restores_changed_values(county, section, tmp_path):
    zhang, li = county.students["张三丰"], county.students["李小梅"]
    li_old = county.enrollments["李小梅"]
    rows = [
        pupil(klass="2班"),  # new student, enrolment and class
        as_stored(county, "张三丰", name="张三峰"),  # changed name
        as_stored(county, "李小梅", status="休学"),  # status change: the old enrolment closed, a new one opened
    ]
    before = table_counts()
    batch = run_batch(write_table_file(tmp_path, HEADER, rows), section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"]) == (1, 2)
    new_pk = Student.objects.get(id_number=NEW_ID).pk
    li_new = current_enrollment(li.pk)

    service.import_batch_rollback(batch=batch, acting_user=section)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.ROLLED_BACK
    assert table_counts() == before
    assert not Student.objects.filter(pk=new_pk).exists()
    assert not Enrollment.objects.filter(student_id=new_pk).exists()
    assert not SchoolClass.objects.filter(name="2班").exists()
    assert Student.objects.get(pk=zhang.pk).name == "张三丰"
    assert not Enrollment.objects.filter(pk=li_new.pk).exists()
    assert current_enrollment(li.pk).pk == li_old.pk


def test_rollback_restores_a_changed_grade_and_class(county, section, tmp_path):
    zhang, old = county.students["张三丰"], county.enrollments["张三丰"]
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", grade="二年级")])
    batch = run_batch(path, section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    service.import_batch_rollback(batch=batch, acting_user=section)
    restored = current_enrollment(zhang.pk)
    assert (restored.pk, restored.grade, restored.school_class_id) == (old.pk, "P1", county.classes["A1"].pk)
    assert not SchoolClass.objects.filter(grade="P2").exists()


def test_rollback_restores_a_changed_hukou_township(county, section, tmp_path):
    zhang = county.students["张三丰"]  # no 户籍乡镇 stored
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", hukou="421224101")])
    batch = run_batch(path, section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert Student.objects.get(pk=zhang.pk).hukou_township_id == county.township_b.pk
    service.import_batch_rollback(batch=batch, acting_user=section)
    assert Student.objects.get(pk=zhang.pk).hukou_township_id is None


def test_rollback_of_a_transfer_restores_the_current_school(county, admin, tmp_path):
    zhang = county.students["张三丰"]
    Enrollment.objects.filter(pk=county.enrollments["张三丰"].pk).update(status="transferred_out")
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰", school=B1)])
    batch = run_batch(path, admin, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert Student.objects.get(pk=zhang.pk).current_school_id == county.school_b1.pk
    service.import_batch_rollback(batch=batch, acting_user=admin)
    assert current_enrollment(zhang.pk).school_id == county.school_a1.pk
    assert Student.objects.get(pk=zhang.pk).current_school_id == county.school_a1.pk


def test_an_earlier_years_roll_leaves_the_current_school_with_the_later_year(county, section, tmp_path):
    """Only a later year's current row can outweigh the imported year's (services.current_schools_after): importing
    2023's roll at B1 for a pupil on 2024's roll at A1 records the 2023 row and leaves A1 current; with no later
    row, the imported year's school is current."""
    zhang, li = county.students["张三丰"], county.students["李小梅"]
    Enrollment.objects.filter(student=li).delete()  # 李小梅 has no row of 2024: 2023's school becomes hers
    rows = [as_stored(county, "张三丰", school=B1, klass=""), as_stored(county, "李小梅", school=B1, klass="")]
    path = write_table_file(tmp_path, HEADER, rows)
    report = run_import(get_spec("students"), path, user=section, school_year=2023, dry_run=False)
    assert report.committed, report.samples
    assert Enrollment.objects.get(student=zhang, school_year=county.year_2023, is_current=True).school_id == (
        county.school_b1.pk
    )
    assert Student.objects.get(pk=zhang.pk).current_school_id == county.school_a1.pk
    assert Student.objects.get(pk=li.pk).current_school_id == county.school_b1.pk


def test_an_import_of_the_latest_year_reads_no_later_years_rows(county, section, tmp_path):
    path = write_table_file(tmp_path, HEADER, [as_stored(county, "张三丰")])
    with CaptureQueriesContext(connection) as queries:
        report = run(path, section)
    assert report_counts(report) == (0, 0, 1, 0), report.samples
    # Rows read from the table (PostgreSQL's planner statistics of it, read before the first chunk, are not).
    reads_rows = re.compile(r'\bFROM "?students_enrollment"?')
    enrolment_reads = [q["sql"] for q in queries.captured_queries if reads_rows.search(q["sql"])]
    assert len(enrolment_reads) == 1, enrolment_reads  # this year's current rows only


def test_rollback_is_refused_after_a_later_edit(county, section, tmp_path):
    batch = run_batch(write_table_file(tmp_path, HEADER, [pupil()]), section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = Student.objects.get(id_number=NEW_ID)
    with audit_context(user=section, source=ChangeSource.WEB):
        new.name = "周新声"
        new.save()
    with pytest.raises(service.BatchActionRefused, match="该批次导入的数据之后又被修改过，不能撤销。"):
        service.import_batch_rollback(batch=batch, acting_user=section)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert Student.objects.get(pk=new.pk).name == "周新声"
    assert Enrollment.objects.filter(student=new, is_current=True).exists()


# Query counts ---------------------------------------------------------------------------------------------


def new_pupils_and_the_county(county, n: int, sequence: int) -> list[list]:
    """n new pupils born 2017-09-02 onwards (6 on the census date), then the county's students unchanged."""
    taken = {student.birth_date for student in county.students.values()}  # no clash with their IDs
    births = [d for d in (dt.date(2017, 9, 2) + dt.timedelta(days=k) for k in range(360)) if d not in taken]
    result = []
    for i in range(n):
        birth = births[i % len(births)]
        id_number = id_for(birth, GENDER_MALE, sequence=sequence + 2 * (i // len(births)))
        result.append(pupil(name=f"新生{i}", birth=birth.isoformat(), id=id_number))
    return result + [as_stored(county, name) for name in county.students]


@pytest.mark.parametrize("dry_run", [True, False])
# A load that outgrows its tables sets their plain indexes aside: a few statements per index, whatever the rows
# (tested below); here the count per row is measured.
@override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES={"sqlite": 0, "postgresql": 0})
def test_query_count_does_not_grow_with_rows(dry_run, county, admin, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measured = []
    for n, sequence in ((50, 31), (500, 41)):
        path = write_table_file(tmp_path, HEADER, new_pupils_and_the_county(county, n, sequence))
        with CaptureQueriesContext(connection) as captured:
            report = run(path, admin, dry_run=dry_run)
        assert report.ok and report.committed != dry_run, report.issues
        assert report_counts(report) == (n, 0, len(county.students), 0)
        measured.append(len(captured))
    assert abs(measured[1] - measured[0]) <= 2, measured


# A big load builds the plain indexes once at the end (ADR 0020) ---------------------------------------------

LOADED_TABLES = (Student, Enrollment, ObjectChange)


def indexes_of_loaded_tables() -> dict:
    with connection.cursor() as cursor:
        return {
            model: connection.introspection.get_constraints(cursor, model._meta.db_table) for model in LOADED_TABLES
        }


def dropped_indexes(captured) -> list[str]:
    return [query["sql"] for query in captured if query["sql"].upper().startswith("DROP INDEX")]


def loaded_rows() -> list[tuple]:
    """What a load wrote, without the keys it allocated (a rolled-back load does not give them back)."""
    students = Student.objects.order_by("name", "birth_date").values_list(
        "name", "gender", "birth_date", "current_school__code", "name_initials", "name_pinyin", "name_sort"
    )
    enrolments = Enrollment.objects.order_by("student__name", "student__birth_date").values_list(
        "student__name", "school__code", "grade", "school_class__name", "status", "is_current"
    )
    changes = (
        import_changes()
        .order_by("object_repr", "content_type__model")
        .values_list("object_repr", "content_type__model", "action", "changes", "school_id")
    )
    return [*students, *enrolments, *changes]


def test_a_load_that_outgrows_its_tables_writes_the_same_rows_and_indexes_with_its_plain_indexes_set_aside(
    county, admin, tmp_path
):
    path = write_table_file(tmp_path, HEADER, new_pupils_and_the_county(county, 300, 31))
    before = indexes_of_loaded_tables()
    outcomes = []
    # Any table of the test county is small beside 300 rows × 100; 0 never sets aside.
    for fractions in ({"sqlite": 100, "postgresql": 100}, {"sqlite": 0, "postgresql": 0}):
        with override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES=fractions), transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                report = run(path, admin, dry_run=False, chunk_size=100)
            assert report.committed and report_counts(report) == (300, 0, len(county.students), 0), report.issues
            outcomes.append((dropped_indexes(captured), loaded_rows(), indexes_of_loaded_tables()))
            transaction.set_rollback(True)
    (dropped, rows, indexes), (dropped_never, rows_never, indexes_never) = outcomes
    # Every plain index of the three tables went, none of the unique ones the load's lookups read.
    unique_or_key = {
        name for found in before.values() for name, spec in found.items() if spec["unique"] or spec["primary_key"]
    }
    plain = {name for found in before.values() for name, spec in found.items() if spec["index"]} - unique_or_key
    assert plain and {sql.split()[-1].strip('"') for sql in dropped} == plain
    assert dropped_never == []
    assert rows == rows_never and len(rows) > 600
    assert indexes == indexes_never == before


@override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES={"sqlite": 100, "postgresql": 100})
def test_a_load_rejected_after_its_first_chunks_were_written_leaves_every_index_and_writes_nothing(
    county, admin, tmp_path
):
    rows = new_pupils_and_the_county(county, 300, 31)
    rows.insert(250, pupil(name="无效", gender="未知"))
    before, changes_before = indexes_of_loaded_tables(), ObjectChange.objects.count()
    students_before = Student.objects.count()
    with CaptureQueriesContext(connection) as captured:
        report = run(write_table_file(tmp_path, HEADER, rows), admin, dry_run=False, chunk_size=100)
    assert not report.committed and report.counts["rejected"] == 1
    assert dropped_indexes(captured), "the first two chunks were written with the indexes set aside"
    assert indexes_of_loaded_tables() == before
    assert (Student.objects.count(), ObjectChange.objects.count()) == (students_before, changes_before)


@override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES={"sqlite": 100, "postgresql": 100})
def test_a_school_account_cannot_use_a_big_load_to_write_into_another_school(county, tmp_path):
    """The attack: a school's file of 300 new pupils at its own school (enough to set the indexes aside), with one
    row for a school of another township after two written chunks. Nothing is written, the indexes stay, and the
    report names only the refused school code."""
    rows = new_pupils_and_the_county(county, 300, 31)[:300]
    rows.insert(250, other(school=B1))
    before, students_before = indexes_of_loaded_tables(), Student.objects.count()
    with CaptureQueriesContext(connection) as captured:
        report = run(write_table_file(tmp_path, HEADER, rows), county.users[Role.SCHOOL], dry_run=False, chunk_size=100)
    assert not report.committed and report_counts(report) == (300, 0, 0, 1)
    assert dropped_indexes(captured)
    errors = [(i.row, i.column, i.value, i.reason) for i in report.issues if i.level == "error"]
    assert errors == [(252, "学校标识码", B1, "该学校不在您的管辖范围内。")]
    assert indexes_of_loaded_tables() == before and Student.objects.count() == students_before
    assert not Student.objects.filter(id_number=OTHER_ID).exists()


@override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES={"sqlite": 1, "postgresql": 1})
def test_a_load_smaller_than_its_tables_and_a_file_imported_again_keep_their_indexes(county, admin, tmp_path):
    path = write_table_file(tmp_path, HEADER, new_pupils_and_the_county(county, 300, 31))
    assert Student.objects.count() < 300
    with CaptureQueriesContext(connection) as captured:
        assert run(path, admin, dry_run=False).committed
    assert any(Student._meta.db_table in sql for sql in dropped_indexes(captured))
    with CaptureQueriesContext(connection) as captured:
        report = run(path, admin, dry_run=False)
    assert report_counts(report) == (0, 0, 300 + len(county.students), 0)
    assert dropped_indexes(captured) == []
    born = dt.date(2017, 12, 30)
    small = write_table_file(
        tmp_path, HEADER, [pupil(name="新来", birth=born.isoformat(), id=id_for(born, GENDER_MALE))]
    )
    with CaptureQueriesContext(connection) as captured:
        report = run(small, admin, dry_run=False)
    assert report_counts(report) == (1, 0, 0, 0), report.issues
    assert dropped_indexes(captured) == []


# Compact creation records (ADR 0016): values at creation read back from the row ---------------------------


def _creation_of(model_name: str, pk: int):
    return import_changes().get(content_type__model=model_name, object_id=pk, action=ChangeAction.CREATE)


def test_history_of_an_imported_pupil_shows_the_values_at_creation_after_later_edits(county, section, tmp_path):
    batch = run_batch(write_table_file(tmp_path, HEADER, [pupil(klass="2班")]), section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = Student.objects.get(id_number=NEW_ID)
    enrolment = current_enrollment(new.pk)
    created, enrolled = _creation_of("student", new.pk), _creation_of("enrollment", enrolment.pk)
    at_creation = readable_changes(section, [created])[0]
    with audit_context(user=section, source=ChangeSource.WEB):
        new.name, new.boarder, new.hukou_township = "周新声", True, county.township_b
        new.save()
    with audit_context(user=section, source=ChangeSource.WEB):
        new.name = "周鑫声"
        new.save()
    # A page names the field (hukou_township), the import its column (hukou_township_id): both are read back.
    assert readable_changes(section, [created])[0] == at_creation
    assert at_creation["name"] == [None, "周新生"]
    assert at_creation["boarder"] == [None, False]
    assert at_creation["hukou_township_id"] == [None, county.township_a.pk]
    assert at_creation["birth_date"] == [None, NEW_BIRTH.isoformat()]
    assert at_creation["id_number"][1] == NEW_ID  # the section sees ID numbers in full
    assert at_creation["current_school_id"] == [None, county.school_a1.pk]
    klass = SchoolClass.objects.get(name="2班")
    assert readable_changes(section, [enrolled])[0] == {
        "school_id": [None, county.school_a1.pk],
        "grade": [None, "P1"],
        "school_class_id": [None, klass.pk],
        "status": [None, "enrolled"],
    }
    # The object's history page lists the creation with those values, then the two edits.
    from emis.core.views import history_rows

    rows = history_rows(section, Student, [created])[0]
    assert any("周新生" in str(row.values()) for row in rows)


def test_a_compact_creation_masks_id_numbers_for_a_school_user(county, section, tmp_path):
    batch = run_batch(write_table_file(tmp_path, HEADER, [pupil()]), section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    created = _creation_of("student", Student.objects.get(id_number=NEW_ID).pk)
    school_user = county.users[Role.SCHOOL]
    shown = readable_changes(school_user, [created])[0]["id_number"][1]
    full = readable_changes(section, [created])[0]["id_number"][1]
    assert full == NEW_ID
    from emis.core.access import may_see_full_ids

    assert (shown == NEW_ID) == may_see_full_ids(school_user)


def test_a_compact_creation_of_a_deleted_row_shows_the_values_from_the_deletion(county, section, tmp_path):
    batch = run_batch(write_table_file(tmp_path, HEADER, [pupil()]), section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = Student.objects.get(id_number=NEW_ID)
    created = _creation_of("student", new.pk)
    with audit_context(user=section, source=ChangeSource.WEB):
        new.name = "周新声"
        new.save()
        Enrollment.objects.filter(student=new).delete()
        new.delete()
    values = readable_changes(section, [created])[0]
    assert values["name"] == [None, "周新生"]
    assert values["id_number"][1] == NEW_ID
    assert values["current_school_id"] == [None, county.school_a1.pk]


def test_rolling_back_a_later_batch_keeps_the_first_batchs_creation_exact(county, section, tmp_path):
    first = run_batch(write_table_file(tmp_path, HEADER, [pupil()]), section, dry_run=False)
    assert first.status == ImportStatus.COMMITTED, first.report
    new = Student.objects.get(id_number=NEW_ID)
    created = _creation_of("student", new.pk)
    (tmp_path / "second").mkdir()
    second = run_batch(
        write_table_file(tmp_path / "second", HEADER, [pupil(name="周新声", grade="二年级")]), section, dry_run=False
    )
    assert second.status == ImportStatus.COMMITTED and second.counts["changed"] == 1, second.report
    assert readable_changes(section, [created])[0]["name"] == [None, "周新生"]
    # The first batch may not be undone now (a later batch touched its rows); the later one may.
    with pytest.raises(service.BatchActionRefused):
        service.import_batch_rollback(batch=first, acting_user=section)
    service.import_batch_rollback(batch=second, acting_user=section)
    assert Student.objects.get(pk=new.pk).name == "周新生"
    assert current_enrollment(new.pk).grade == "P1"
    assert readable_changes(section, [created])[0]["name"] == [None, "周新生"]
    # With its rows back as they were, the first batch rolls back: the pupil and the enrolment go.
    first.refresh_from_db()
    with pytest.raises(service.BatchActionRefused):
        # The second batch's records (and its undo) are later changes of the same rows: still refused.
        service.import_batch_rollback(batch=first, acting_user=section)
    assert Student.objects.filter(pk=new.pk).exists()
