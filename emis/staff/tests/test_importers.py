"""Import of the staff roster: counts of a dry run, commit with recruitment postings and change log, idempotent
re-import, transfers between schools (only for a user who may write both), one test per rejection reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeAction, ChangeSource, ImportStatus, ObjectChange
from emis.core.testing import (
    assert_rejected,
    id_for,
    make_user,
    report_counts,
    write_table_file,
)
from emis.staff.models import Posting, Staff

# Fixtures and helpers -------------------------------------------------------------------------------------


def run(path: Path, user, *, dry_run: bool = True):
    return run_import(get_spec("staff"), path, user=user, school_year=2024, dry_run=dry_run)


def run_batch(path: Path, user, *, dry_run: bool):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="staff", upload=upload, school_year=2024, dry_run=dry_run, acting_user=user
    )
    return service.import_batch_run(batch_id=batch.pk)


HEADER = ["身份证件号", "姓名", "性别", "出生日期", "学校标识码", "编制类型", "任教学科", "专业技术职务", "最高学历"]
NEW_BIRTH = dt.date(1990, 1, 2)
NEW_ID = id_for(NEW_BIRTH, GENDER_MALE, sequence=501)


def roster(county) -> list[list]:
    liu, zhou = county.staff["刘建国"], county.staff["周红"]
    return [
        [NEW_ID, "王志远", "男", "1990-01-02", "2142000101", "在编", "数学", "二级教师", "本科"],  # new
        [liu.id_number, "刘建国", "女", "1980-05-06", "2142000101", "在编", "数学", "", "本科"],  # changed: subject
        [zhou.id_number, "周红", "女", "1985-07-08", "3142000201", "在编", "语文", "未定职级", "本科"],  # unchanged
    ]


# Counts, commit, re-import --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_dry_run_counts_and_writes_nothing(fmt, county, tmp_path):
    before = (Staff.objects.count(), Posting.objects.count())
    report = run(write_table_file(tmp_path, HEADER, roster(county), fmt), county.users[Role.SECTION])
    assert report.ok, report.issues
    assert report_counts(report) == (1, 1, 1, 0)
    assert report.samples == [{"row": 3, "changes": {"subject": ["语文", "数学"]}}]
    assert (Staff.objects.count(), Posting.objects.count()) == before
    assert not ObjectChange.objects.filter(source=ChangeSource.IMPORT).exists()


def test_commit_creates_staff_with_a_recruitment_posting_and_audits(county, tmp_path):
    user = county.users[Role.SECTION]
    path = write_table_file(tmp_path, HEADER, roster(county))
    batch = run_batch(path, user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = Staff.objects.get(id_number=NEW_ID)
    assert (new.name, new.name_initials, new.post_school_id, new.title, new.qualification, new.is_active) == (
        "王志远",
        "wzy",
        county.school_a1.pk,
        "second",
        "bachelor",
        True,
    )
    posting = new.postings.get()
    assert (posting.kind, posting.school_id, posting.start_date, posting.end_date) == (
        "recruitment",
        county.school_a1.pk,
        timezone.localdate(),
        None,
    )
    assert Staff.objects.get(pk=county.staff["刘建国"].pk).subject == "数学"

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert set(changes.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    summary = sorted((c.content_type.model, c.action, c.object_id) for c in changes)
    assert summary == sorted(
        [
            ("staff", ChangeAction.CREATE, new.pk),
            ("staff", ChangeAction.UPDATE, county.staff["刘建国"].pk),
            ("posting", ChangeAction.CREATE, posting.pk),
        ]
    )
    created = changes.get(action=ChangeAction.CREATE, object_id=new.pk, content_type__model="staff")
    assert created.changes["birth_date"] == [None, "1990-01-02"]
    assert (created.school_id, created.division_code) == (county.school_a1.pk, "421224100")

    logged = ObjectChange.objects.count()
    again = run(path, user, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 3, 0)
    assert ObjectChange.objects.count() == logged and new.postings.count() == 1


def test_title_and_gender_codes_and_excel_dates(county, tmp_path):
    rows = [[NEW_ID, "王志远", "1", NEW_BIRTH, "2142000102", "substitute", "", "none", "associate"]]
    header = [
        "id_number",
        "name",
        "gender",
        "birth_date",
        "school_code",
        "establishment",
        "subject",
        "title",
        "qualification",
    ]
    report = run(write_table_file(tmp_path, header, rows), county.users[Role.ADMIN], dry_run=False)
    assert report.committed, report.issues
    staff = Staff.objects.get(id_number=NEW_ID)
    assert (staff.birth_date, staff.establishment, staff.post_school_id) == (
        NEW_BIRTH,
        "substitute",
        county.teaching_point.pk,
    )


# Transfers ------------------------------------------------------------------------------------------------


def _sun_at_a1(county) -> list:
    sun = county.staff["孙强"]
    return [sun.id_number, "孙强", "女", "1978-02-03", "2142000101", "在编", "语文", "", "本科"]


def test_a_user_writing_both_schools_transfers_staff(county, tmp_path):
    user = county.users[Role.SECTION]
    sun, old_posting = county.staff["孙强"], county.postings["孙强"]
    batch = run_batch(write_table_file(tmp_path, HEADER, [_sun_at_a1(county)]), user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert batch.counts["changed"] == 1
    sun.refresh_from_db()
    old_posting.refresh_from_db()
    today = timezone.localdate()
    assert sun.post_school_id == county.school_a1.pk
    assert old_posting.end_date == today
    transfer = Posting.objects.get(staff=sun, end_date__isnull=True)
    assert (transfer.kind, transfer.school_id, transfer.start_date) == ("transfer", county.school_a1.pk, today)
    change = ObjectChange.objects.get(batch_id=batch.pk, content_type__model="staff")
    assert change.changes == {"post_school": [county.school_b1.pk, county.school_a1.pk]}

    # The batch rolls back: the new posting goes, the old one reopens, the staff member returns.
    service.import_batch_rollback(batch=batch, acting_user=user)
    sun.refresh_from_db()
    old_posting.refresh_from_db()
    assert sun.post_school_id == county.school_b1.pk and old_posting.end_date is None
    assert not Posting.objects.filter(pk=transfer.pk).exists()


def test_a_school_cannot_take_over_another_schools_staff(county, tmp_path):
    user = county.users[Role.SCHOOL]  # A1's administrator; 孙强 is active at B1
    report = run(write_table_file(tmp_path, HEADER, [roster(county)[0], _sun_at_a1(county)]), user, dry_run=False)
    assert_rejected(report, 3, "学校标识码", "该教职工已在其他学校在职（2142000301）")
    assert Staff.objects.get(pk=county.staff["孙强"].pk).post_school_id == county.school_b1.pk
    assert not Staff.objects.filter(id_number=NEW_ID).exists()


def test_staff_who_left_are_rehired_with_a_recruitment_posting(county, tmp_path):
    sun = county.staff["孙强"]
    Staff.objects.filter(pk=sun.pk).update(is_active=False)
    Posting.objects.filter(staff=sun).update(end_date=dt.date(2020, 7, 1))
    report = run(write_table_file(tmp_path, HEADER, [_sun_at_a1(county)]), county.users[Role.SCHOOL], dry_run=False)
    assert report.committed and report_counts(report) == (0, 1, 0, 0)
    sun.refresh_from_db()
    assert (sun.post_school_id, sun.is_active) == (county.school_a1.pk, True)
    assert Posting.objects.get(staff=sun, end_date__isnull=True).kind == "recruitment"


def test_a_school_admin_imports_its_teaching_points_staff(county, tmp_path):
    row = [NEW_ID, "王志远", "男", "1990-01-02", "2142000102", "代课", "", "", "专科"]
    report = run(write_table_file(tmp_path, HEADER, [row]), county.users[Role.SCHOOL], dry_run=False)
    assert report.committed and report_counts(report) == (1, 0, 0, 0)


# Rejections -----------------------------------------------------------------------------------------------


def _row(**overrides) -> list:
    keys = ["id", "name", "gender", "birth", "school", "establishment", "subject", "title", "qualification"]
    values = dict(
        zip(
            keys,
            [
                id_for(dt.date(1992, 3, 4), GENDER_FEMALE, sequence=503),
                "李雪",
                "女",
                "1992-03-04",
                "2142000101",
                "非在编",
                "英语",
                "三级教师",
                "本科",
            ],
            strict=True,
        )
    )
    values.update(overrides)
    return [values[key] for key in keys]


def _bad_check_digit() -> str:
    good = id_for(dt.date(1992, 3, 4), GENDER_FEMALE, sequence=503)
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (_row(id=_bad_check_digit()), "身份证件号", "身份证号校验位错误"),
        (_row(id="42122419920304"), "身份证件号", "格式不正确"),
        (_row(id=""), "身份证件号", "必填项不能为空"),
        (_row(birth="1992-03-05"), "出生日期", "与身份证号中的出生日期 1992-03-04 不一致"),
        (_row(birth="1992.13.04"), "出生日期", "不是有效日期"),
        (_row(birth="三月四日"), "出生日期", "无法识别"),
        (_row(gender="男"), "性别", "性别与身份证号第17位"),
        (_row(gender="未知"), "性别", "性别“未知”不在可选值中"),
        (_row(school="2142009999"), "学校标识码", "学校标识码不存在"),
        (_row(school="2142000301"), "学校标识码", "该学校不在您的管辖范围内"),
        (_row(establishment="临时"), "编制类型", "编制类型“临时”不在可选值中"),
        (_row(title="教授"), "专业技术职务", "专业技术职务“教授”不在可选值中"),
        (_row(qualification="博士后"), "最高学历", "最高学历“博士后”不在可选值中"),
        (_row(qualification=""), "最高学历", "必填项不能为空"),
        (_row(id=NEW_ID, name="王志远", gender="男", birth="1990-01-02"), "身份证件号", "身份证件号在文件中重复出现"),
    ],
    ids=[
        "check-digit",
        "id-format",
        "id-empty",
        "birth-mismatch",
        "bad-date",
        "unreadable-date",
        "gender-mismatch",
        "gender-unknown",
        "unknown-school",
        "out-of-scope-school",
        "establishment",
        "title",
        "qualification",
        "qualification-empty",
        "duplicate",
    ],
)
def test_rejections(row, column, fragment, county, tmp_path):
    user = county.users[Role.SCHOOL]  # A1 (and its teaching point)
    before = (Staff.objects.count(), Posting.objects.count())
    first = [NEW_ID, "王志远", "男", "1990-01-02", "2142000101", "在编", "数学", "二级教师", "本科"]
    report = run(write_table_file(tmp_path, HEADER, [first, row]), user, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (1, 0, 0, 1)
    assert (Staff.objects.count(), Posting.objects.count()) == before
    assert not ObjectChange.objects.filter(source=ChangeSource.IMPORT).exists()


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_read_only_roles_cannot_import_staff(role, county, tmp_path):
    report = run(write_table_file(tmp_path, HEADER, roster(county)), county.users[role], dry_run=False)
    assert report.file_error == "您的角色无权导入教职工数据。"


def test_a_section_user_without_the_staff_domain_cannot_import(county, tmp_path):
    user = make_user("orgs_only", Role.SECTION, divisions=[county.county], domains=["orgs"])
    report = run(write_table_file(tmp_path, HEADER, roster(county)), user)
    assert report.file_error == "您的角色无权导入教职工数据。"


@pytest.mark.parametrize("dry_run", [True, False])
def test_query_count_does_not_grow_with_rows(dry_run, county, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(n, offset):
        birth = dt.date(1991, 1, 1)
        return [
            [
                id_for(birth + dt.timedelta(days=offset + i), GENDER_MALE, sequence=11),
                f"教师{i}",
                "男",
                (birth + dt.timedelta(days=offset + i)).isoformat(),
                "2142000101",
                "在编",
                "数学",
                "",
                "本科",
            ]
            for i in range(n)
        ]

    user = county.users[Role.SCHOOL]
    user.scope_keys()  # read once per user object (a request's), not per import
    measured = []
    for n, offset in ((3, 0), (40, 100)):
        with CaptureQueriesContext(connection) as captured:
            report = run(write_table_file(tmp_path, HEADER, rows(n, offset)), user, dry_run=dry_run)
        assert report.ok and report_counts(report) == (n, 0, 0, 0)
        measured.append(len(captured))
    assert measured[0] == measured[1], measured


def test_empty_optional_cells_keep_the_stored_subject_and_title(county, tmp_path):
    liu = county.staff["刘建国"]
    Staff.objects.filter(pk=liu.pk).update(title="first")
    rows = [[liu.id_number, "刘建国", "女", "1980-05-06", "2142000101", "在编", "", "", "本科"]]
    report = run(write_table_file(tmp_path, HEADER, rows), county.users[Role.SCHOOL], dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0)
    liu.refresh_from_db()
    assert (liu.subject, liu.title) == ("语文", "first")
