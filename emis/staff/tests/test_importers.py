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
from emis.staff.choices import Establishment, Qualification, Title
from emis.staff.models import Posting, Staff
from emis.testing import (
    assert_rejected,
    id_for,
    import_changes,
    last_change_id,
    make_user,
    report_counts,
    rows_without_timestamps,
    write_table_file,
)

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
    assert_rejected(report, 3, "身份证件号", "此人不在您的管辖范围内")
    assert "2142000301" not in report.rejected_rows[3]
    assert Staff.objects.get(pk=county.staff["孙强"].pk).post_school_id == county.school_b1.pk
    assert not Staff.objects.filter(id_number=NEW_ID).exists()


def test_staff_who_left_are_rehired_with_a_recruitment_posting(county, tmp_path):
    # By a user holding both schools: for A1's administrator 孙强 (who left B1) is outside scope (test_import_scope).
    sun = county.staff["孙强"]
    Staff.objects.filter(pk=sun.pk).update(is_active=False)
    Posting.objects.filter(staff=sun).update(end_date=dt.date(2020, 7, 1))
    report = run(write_table_file(tmp_path, HEADER, [_sun_at_a1(county)]), county.users[Role.SECTION], dry_run=False)
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


# Re-import, kept values, rollback, scope, change records --------------------------------------------------


HEADER_KEYS = ("id", "name", "gender", "birth", "school", "establishment", "subject", "title", "qualification")


def stored(county, name: str, /, **overrides) -> list:
    """A row (HEADER order) for one of the county's staff exactly as the fixture stored them."""
    staff = county.staff[name]
    values = {
        "id": staff.id_number,
        "name": staff.name,
        "gender": "男" if staff.gender == GENDER_MALE else "女",
        "birth": staff.birth_date.isoformat(),
        "school": staff.post_school.code,
        "establishment": str(Establishment(staff.establishment).label),
        "subject": staff.subject,
        "title": str(Title(staff.title).label),
        "qualification": str(Qualification(staff.qualification).label),
    }
    values.update(overrides)
    return [values[key] for key in HEADER_KEYS]


def staff_tables() -> tuple[list, list]:
    return rows_without_timestamps(Staff), rows_without_timestamps(Posting)


def test_a_file_of_the_stored_roster_changes_nothing(county, tmp_path):
    user = county.users[Role.SECTION]
    before, logged = staff_tables(), ObjectChange.objects.count()
    path = write_table_file(tmp_path, HEADER, [stored(county, name) for name in ("刘建国", "周红", "孙强")])
    batch = run_batch(path, user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (0, 0, 3)
    assert staff_tables() == before
    assert ObjectChange.objects.count() == logged
    assert not ObjectChange.objects.filter(batch_id=batch.pk).exists()


def test_reimport_of_a_committed_transfer_changes_nothing(county, tmp_path):
    user = county.users[Role.SECTION]
    path = write_table_file(tmp_path, HEADER, [roster(county)[0], _sun_at_a1(county)])
    first = run_batch(path, user, dry_run=False)
    assert first.status == ImportStatus.COMMITTED, first.report
    assert (first.counts["new"], first.counts["changed"]) == (1, 1)
    after_first, logged = staff_tables(), ObjectChange.objects.count()

    again = run_batch(path, user, dry_run=False)
    assert again.status == ImportStatus.COMMITTED, again.report
    assert (again.counts["new"], again.counts["changed"], again.counts["unchanged"]) == (0, 0, 2)
    assert staff_tables() == after_first  # no second transfer posting, the closed one stays closed
    assert ObjectChange.objects.count() == logged


def test_missing_optional_columns_keep_the_stored_subject_and_title(county, tmp_path):
    liu = county.staff["刘建国"]
    Staff.objects.filter(pk=liu.pk).update(title="first", subject="数学")
    header = [h for h in HEADER if h not in ("任教学科", "专业技术职务")]
    row = [v for k, v in zip(HEADER_KEYS, stored(county, "刘建国"), strict=True) if k not in ("subject", "title")]
    report = run(write_table_file(tmp_path, header, [row]), county.users[Role.SCHOOL], dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0), report.samples
    liu.refresh_from_db()
    assert (liu.subject, liu.title) == ("数学", "first")
    assert not import_changes().exists()


def test_empty_optional_cells_of_a_changed_row_are_neither_written_nor_logged(county, tmp_path):
    liu = county.staff["刘建国"]
    Staff.objects.filter(pk=liu.pk).update(title="first")
    row = stored(county, "刘建国", establishment="非在编", subject="", title="")
    batch = run_batch(write_table_file(tmp_path, HEADER, [row]), county.users[Role.SCHOOL], dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    liu.refresh_from_db()
    assert (liu.establishment, liu.subject, liu.title) == ("contract", "语文", "first")
    change = ObjectChange.objects.get(batch_id=batch.pk)
    assert change.changes == {"establishment": ["permanent", "contract"]}


def test_rollback_of_a_transfer_with_changed_choices_restores_every_field(county, tmp_path):
    user = county.users[Role.SECTION]
    sun = county.staff["孙强"]
    before = staff_tables()
    row = stored(county, "孙强", school="2142000101", establishment="非在编", title="一级教师", qualification="研究生")
    batch = run_batch(write_table_file(tmp_path, HEADER, [row]), user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    sun.refresh_from_db()
    assert (sun.post_school_id, sun.establishment, sun.title, sun.qualification) == (
        county.school_a1.pk,
        "contract",
        "first",
        "postgraduate",
    )
    # The log holds what is stored (ids and codes), not the file's labels, so that a rollback can write it back.
    change = ObjectChange.objects.get(batch_id=batch.pk, content_type__model="staff")
    assert change.changes == {
        "establishment": ["permanent", "contract"],
        "title": ["none", "first"],
        "qualification": ["bachelor", "postgraduate"],
        "post_school": [county.school_b1.pk, county.school_a1.pk],
    }

    service.import_batch_rollback(batch=batch, acting_user=user)
    assert staff_tables() == before


def test_rollback_of_a_rehire_at_another_school_restores_the_school_and_the_departure(county, tmp_path):
    sun = county.staff["孙强"]
    Staff.objects.filter(pk=sun.pk).update(is_active=False)
    Posting.objects.filter(staff=sun).update(end_date=dt.date(2020, 7, 1))
    before = staff_tables()
    user = county.users[Role.SECTION]
    batch = run_batch(write_table_file(tmp_path, HEADER, [_sun_at_a1(county)]), user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    sun.refresh_from_db()
    assert (sun.post_school_id, sun.is_active) == (county.school_a1.pk, True)

    service.import_batch_rollback(batch=batch, acting_user=user)
    assert staff_tables() == before
    sun.refresh_from_db()
    assert (sun.post_school_id, sun.is_active) == (county.school_b1.pk, False)


def test_rollback_of_a_renamed_staff_member_restores_the_pinyin_key(county, tmp_path):
    user = county.users[Role.SECTION]
    liu = county.staff["刘建国"]
    batch = run_batch(
        write_table_file(tmp_path, HEADER, [stored(county, "刘建国", name="王建国")]), user, dry_run=False
    )
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert Staff.objects.get(pk=liu.pk).name_initials == "wjg"
    service.import_batch_rollback(batch=batch, acting_user=user)
    liu.refresh_from_db()
    assert liu.name == "刘建国"
    assert liu.name_initials == "ljg"  # searching 刘建国 by his initials finds him again


@pytest.mark.parametrize(
    ("role", "row", "column", "fragment"),
    [
        # 周红 is active at A2: in A1's township but not in the school user's scope.
        (Role.SCHOOL, ("周红", {"school": "2142000101"}), "身份证件号", "此人不在您的管辖范围内"),
        # 孙强 is active at B1, in the other township.
        (Role.TOWNSHIP, ("孙强", {"school": "2142000101"}), "身份证件号", "此人不在您的管辖范围内"),
        (Role.TOWNSHIP, ("孙强", {"school": "3142000201"}), "身份证件号", "此人不在您的管辖范围内"),
        # A row for 孙强 at his own school, changing his subject: the school is not the user's.
        (Role.SCHOOL, ("孙强", {"subject": "数学"}), "学校标识码", "该学校不在您的管辖范围内"),
    ],
    ids=["school-user-same-township", "township-user-to-a1", "township-user-to-a2", "own-school-out-of-scope"],
)
def test_a_row_for_staff_of_a_school_outside_the_scope_changes_nothing(role, row, column, fragment, county, tmp_path):
    name, overrides = row
    before = staff_tables()
    rows = [stored(county, "刘建国", subject="数学"), stored(county, name, **overrides)]  # a good row first
    report = run(write_table_file(tmp_path, HEADER, rows), county.users[role], dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (0, 1, 0, 1)
    assert staff_tables() == before
    assert not import_changes().exists()


def test_change_records_carry_the_batch_and_the_importing_user(county, tmp_path):
    user = county.users[Role.SECTION]
    sun, old_posting = county.staff["孙强"], county.postings["孙强"]
    since = last_change_id()
    path = write_table_file(tmp_path, HEADER, [roster(county)[0], _sun_at_a1(county)])
    batch = run_batch(path, user, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = Staff.objects.get(id_number=NEW_ID)
    transfer = Posting.objects.get(staff=sun, end_date__isnull=True)
    recruitment = Posting.objects.get(staff=new)

    written = ObjectChange.objects.filter(id__gt=since)
    assert {(c.batch_id, c.user_id, c.username, c.source) for c in written} == {
        (batch.pk, user.pk, "section", ChangeSource.IMPORT)
    }
    # Each record is filed where the school concerned sees it: the closed posting under the old school.
    assert sorted(
        (c.content_type.model, c.action, c.object_id, c.school_id, c.division_code) for c in written
    ) == sorted(
        [
            ("staff", ChangeAction.CREATE, new.pk, county.school_a1.pk, "421224100"),
            ("posting", ChangeAction.CREATE, recruitment.pk, county.school_a1.pk, "421224100"),
            ("staff", ChangeAction.UPDATE, sun.pk, county.school_a1.pk, "421224100"),
            ("posting", ChangeAction.UPDATE, old_posting.pk, county.school_b1.pk, "421224101"),
            ("posting", ChangeAction.CREATE, transfer.pk, county.school_a1.pk, "421224100"),
        ]
    )
    closed = written.get(content_type__model="posting", object_id=old_posting.pk)
    assert closed.changes == {"end_date": [None, timezone.localdate().isoformat()]}
    opened = written.get(content_type__model="posting", object_id=transfer.pk)
    assert (opened.changes["staff"], opened.changes["school"], opened.changes["kind"]) == (
        [None, sun.pk],
        [None, county.school_a1.pk],
        [None, "transfer"],
    )
