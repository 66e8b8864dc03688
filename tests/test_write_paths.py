"""Every write leaves a change record, whichever path makes it (issue 11, item 2).

The test finds the write paths itself: every public function of every ``services.py`` under ``emis/`` and every
registered import kind. Each must have a case here: a run on the small test county (WRITES, IMPORT_ROWS) or the
reason it writes no logged row (NO_LOGGED_WRITES). A run compares every change-logged table before and after and
asserts that the rows it created, changed or deleted are exactly the rows its new change records name. So a new
service (or import kind) fails here until it has a case, and a case fails when a write skips the change log
(``.update()``, ``bulk_create`` / ``bulk_update`` or raw SQL without ``audit.record_changes_bulk``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import io
import pkgutil

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

import emis
from emis.core.access import Role
from emis.core.audit import audit_context, field_values
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec, kinds
from emis.core.models import ChangeLogged, ChangeSource, ObjectChange
from emis.testing import id_for, last_change_id, write_table_file

# What a public service function that writes no change-logged row does instead (pure rules, reads, and writes of
# tables outside the change log, which record an AuditEvent).
NO_LOGGED_WRITES = {
    "emis.accounts.services.password_changed": "revokes API tokens (not change-logged; an AuditEvent)",
    "emis.accounts.services.tokens_for": "reads",
    "emis.accounts.services.token_revoke": "deletes API tokens (not change-logged; an AuditEvent)",
    "emis.accounts.services.otp_required_by_role": "reads",
    "emis.accounts.services.otp_required": "reads",
    "emis.accounts.services.otp_confirmed_devices": "reads",
    "emis.accounts.services.wrong_code_message": "a message",
    "emis.accounts.services.otp_verify": "checks a code (the OTP device's counters are not change-logged)",
    "emis.accounts.services.otp_enrol": "writes the OTP device (not change-logged; an AuditEvent)",
    "emis.accounts.services.otp_reset": "deletes OTP devices (not change-logged; an AuditEvent)",
    "emis.accounts.services.lockouts_for": "reads",
    "emis.accounts.services.lockout_release": "deletes login-failure records (not change-logged; an AuditEvent)",
    "emis.indicators.services.data_version": "reads",
    "emis.reports.services.validate_docx": "checks a file",
    "emis.students.services.enrollment_step": "a rule (which write an enrolment needs)",
    "emis.students.services.latest_school": "a rule (the current school)",
    "emis.students.services.current_schools_after": "reads (the current school an import writes with the pupil)",
}


# Cases: run(county, admin) makes the write. Several cases may exercise one function's branches.


def _school_event_opened(county, admin):
    from emis.orgs.models import SchoolEvent
    from emis.orgs.services import school_event_apply

    return lambda: school_event_apply(
        event=SchoolEvent(school=county.school_a1, kind="opened", date=dt.date(1950, 9, 1))
    )


def _school_event_renamed(county, admin):
    from emis.orgs.models import SchoolEvent
    from emis.orgs.services import school_event_apply

    return lambda: school_event_apply(
        event=SchoolEvent(school=county.school_b1, kind="renamed", date=dt.date(2020, 9, 1))
    )


def _new_enrollment_closes_the_current_one(county, admin):
    from emis.students.models import Enrollment
    from emis.students.services import enrollment_save

    current = county.enrollments["张三丰"]
    return lambda: enrollment_save(
        enrollment=Enrollment(
            student=current.student,
            school=county.school_b1,
            school_year=current.school_year,
            school_class=county.classes["B1"],
            grade=current.grade,
            status="transferred_in",
            status_date=dt.date(2024, 10, 8),
        )
    )


def _status_change_through_save(county, admin):
    from emis.students.services import enrollment_save

    enrollment = county.enrollments["李小梅"]
    enrollment.status = "suspended"
    enrollment.status_date = dt.date(2024, 11, 1)
    return lambda: enrollment_save(enrollment=enrollment)


def _correction_through_save(county, admin):
    from emis.students.services import enrollment_save

    enrollment = county.enrollments["李小梅"]
    enrollment.note = "更正"
    return lambda: enrollment_save(enrollment=enrollment)


def _change_status(county, admin):
    from emis.students.services import enrollment_change_status

    return lambda: enrollment_change_status(
        enrollment=county.enrollments["张三丰"],
        status="transferred_out",
        status_date=dt.date(2024, 12, 1),
        school=county.school_b1,
        school_class=county.classes["B1"],
    )


def _sync_current_school(county, admin):
    from emis.students.models import Student
    from emis.students.services import student_sync_current_school

    student = county.students["张三丰"]
    Student.objects.filter(pk=student.pk).update(current_school=county.school_b1)  # set up: a stale current school
    student.refresh_from_db()
    return lambda: student_sync_current_school(student=student)


def _write_many(county, admin):
    from emis.students.models import Enrollment
    from emis.students.services import EnrollmentWrite, enrollment_write_many

    def current(name):
        e = Enrollment.objects.get(pk=county.enrollments[name].pk)
        return e, (e.pk, e.school_id, e.grade, e.school_class_id, e.status)

    zhang, zhang_now = current("张三丰")
    li, li_now = current("李小梅")
    Enrollment.objects.filter(pk=li.pk).delete()  # set up: a pupil with no current row this year
    scope = (county.school_a1.pk, county.township_a.code)
    writes = [
        EnrollmentWrite(zhang.student_id, zhang_now, (*zhang_now[1:4], "suspended"), scope, scope, "reopen"),
        EnrollmentWrite(li.student_id, None, li_now[1:], scope, None, "open"),
    ]
    other = next(name for name in county.enrollments if name not in ("张三丰", "李小梅"))
    e, now = current(other)
    writes.append(EnrollmentWrite(e.student_id, now, (now[1], now[2], None, now[4]), scope, scope, "correct"))
    return lambda: enrollment_write_many(school_year=county.year, writes=writes, status_date=dt.date(2024, 9, 1))


def _snapshot(county, admin):
    from emis.indicators.services import snapshot_publish

    return lambda: snapshot_publish(school_year=county.year, acting_user=admin, note="test")


def _docx() -> SimpleUploadedFile:
    from docx import Document

    document = Document()
    document.add_paragraph("报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile("report.docx", buffer.getvalue(), content_type="application/octet-stream")


def _annual_upload(county, admin):
    from emis.reports.services import annual_report_upload

    return lambda: annual_report_upload(
        division=county.county, school_year=county.year, upload=_docx(), acting_user=admin
    )


def _annual_publish(county, admin):
    from emis.reports.services import annual_report_publish, annual_report_upload

    report = annual_report_upload(division=county.county, school_year=county.year, upload=_docx(), acting_user=admin)
    return lambda: annual_report_publish(report=report, acting_user=admin)


# {function: [case, ...]}: case(county, admin) sets up what it needs and returns the write to check.
WRITES = {
    "emis.orgs.services.school_event_apply": [_school_event_opened, _school_event_renamed],
    "emis.students.services.enrollment_save": [
        _new_enrollment_closes_the_current_one,
        _status_change_through_save,
        _correction_through_save,
    ],
    "emis.students.services.enrollment_change_status": [_change_status],
    "emis.students.services.student_sync_current_school": [_sync_current_school],
    "emis.students.services.enrollment_write_many": [_write_many],
    "emis.indicators.services.snapshot_publish": [_snapshot],
    "emis.reports.services.annual_report_upload": [_annual_upload],
    "emis.reports.services.annual_report_publish": [_annual_publish],
}


def service_functions() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(emis.__path__, "emis."):
        if info.name.rsplit(".", 1)[-1] != "services" or ".tests" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_"):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_service_function_has_a_case():
    functions = service_functions()
    assert functions, "no services found"
    missing = sorted(functions - set(WRITES) - set(NO_LOGGED_WRITES))
    assert not missing, f"service functions without a write-path case in tests/test_write_paths.py: {missing}"
    stale = sorted((set(WRITES) | set(NO_LOGGED_WRITES)) - functions)
    assert not stale, f"cases for functions that no longer exist: {stale}"


def logged_rows() -> dict[tuple[type, int], dict]:
    """Every change-logged row's logged values, by (model, pk)."""
    rows = {}
    for model in apps.get_models():
        if issubclass(model, ChangeLogged) and not model._meta.proxy:
            for obj in model._base_manager.all():
                rows[(model, obj.pk)] = field_values(obj)
    return rows


def assert_each_changed_row_recorded(write) -> set:
    before = logged_rows()
    since = last_change_id()
    write()
    after = logged_rows()
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    recorded = set()
    for content_type_id, object_id in ObjectChange.objects.filter(id__gt=since).values_list(
        "content_type_id", "object_id"
    ):
        recorded.add((ContentType.objects.get_for_id(content_type_id).model_class(), object_id))
    assert changed, "the case changed nothing: it does not exercise the write"
    names = lambda keys: sorted(f"{model.__name__}#{pk}" for model, pk in keys)  # noqa: E731
    assert changed <= recorded, f"rows changed without a change record: {names(changed - recorded)}"
    assert recorded <= changed, f"change records for rows that did not change: {names(recorded - changed)}"
    return changed


@pytest.mark.parametrize(
    ("function", "case"),
    [(function, case) for function, cases in WRITES.items() for case in cases],
    ids=lambda value: value.rsplit(".", 1)[-1] if isinstance(value, str) else value.__name__.strip("_"),
)
def test_a_service_write_leaves_a_change_record_per_row(function, case, county):
    admin = county.users[Role.ADMIN]
    with audit_context(user=admin, source=ChangeSource.COMMAND):
        assert_each_changed_row_recorded(case(county, admin))


# Import kinds: rows that create and change, in the kind's own headers.


def _student_rows(county):
    zhang = county.students["张三丰"]
    birth = dt.date(2017, 5, 1)
    new_id = id_for(birth, "1")
    header = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号", "全国学籍号", "学籍状态"]
    return header, [
        ["2142000101", "一年级", "9班", "周新生", "男", birth.isoformat(), new_id, f"G{new_id}", "在读"],
        ["2142000101", "一年级", "1班", zhang.name, "男" if zhang.gender == "1" else "女", zhang.birth_date.isoformat(),
         zhang.id_number, zhang.student_no, "休学"],
    ]  # fmt: skip


def _division_rows(county):
    header = ["区划代码", "名称", "级别", "上级区划代码"]
    return header, [["421224100009", "新建社区", "村", "421224100"], ["421224101001", "石门新村", "村", "421224101"]]


def _school_rows(county):
    header = ["学校标识码", "学校名称", "办学类型", "办别", "城乡分类", "所在乡镇代码"]
    return header, [
        ["2142000109", "通羊镇新建小学", "小学", "公办", "城区", "421224100"],
        ["2142000301", "南林桥镇中心小学（新）", "小学", "公办", "乡村", "421224101"],
    ]


def _staff_rows(county):
    moved = county.staff["刘建国"]
    birth = dt.date(1990, 1, 2)
    header = ["身份证件号", "姓名", "性别", "出生日期", "学校标识码", "编制类型", "最高学历"]
    return header, [
        [id_for(birth, "2"), "钱新", "女", birth.isoformat(), "2142000101", "在编", "本科"],
        [moved.id_number, moved.name, "男" if moved.gender == "1" else "女", moved.birth_date.isoformat(),
         "3142000201", "在编", "本科"],
    ]  # fmt: skip


def _population_rows(county):
    record = county.population["钱多多"]
    birth = dt.date(2019, 2, 3)
    header = ["身份证件号", "姓名", "性别", "出生日期", "户籍乡镇代码"]
    return header, [
        [id_for(birth, "1"), "孙新", "男", birth.isoformat(), "421224100"],
        [record.id_number, "钱多多", "女", record.birth_date.isoformat(), "421224100"],
    ]


def _outside_rows(county):
    record = county.outside["A"]
    birth = dt.date(2016, 3, 3)
    header = ["身份证件号", "姓名", "就读学校名称", "就读地区"]
    return header, [
        [id_for(birth, "1"), "孙外读", "武汉市实验小学", "湖北省武汉市"],
        [record.id_number, record.name, "咸宁市实验小学", "湖北省咸宁市"],
    ]


IMPORT_ROWS = {
    "students": _student_rows,
    "divisions": _division_rows,
    "schools": _school_rows,
    "staff": _staff_rows,
    "population": _population_rows,
    "outside": _outside_rows,
}


def test_every_import_kind_has_a_case():
    assert set(kinds()) == set(IMPORT_ROWS), "an import kind without rows in tests/test_write_paths.py"


@pytest.mark.parametrize("kind", sorted(IMPORT_ROWS))
def test_an_import_leaves_a_change_record_per_row(kind, county, tmp_path):
    admin = county.users[Role.ADMIN]
    header, rows = IMPORT_ROWS[kind](county)
    path = write_table_file(tmp_path, header, rows)
    reports = []

    def write():
        reports.append(run_import(get_spec(kind), path, user=admin, school_year=2024, dry_run=False))

    changed = assert_each_changed_row_recorded(write)
    report = reports[0]
    assert report.committed, report.issues
    assert (report.counts["new"], report.counts["changed"]) == (1, 1), report.counts
    assert len({model for model, _pk in changed}) >= 1
