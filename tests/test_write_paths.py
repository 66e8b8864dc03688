"""Every write leaves a change record, whichever path makes it (issue 11, item 2).

The test finds the write paths itself: every public function of every ``services.py`` under ``emis/``, of every module
of a ``services/`` package (named by the module that defines it, so a package's re-exports count once) and every
registered import kind. Each must have a case here: a run on the small test county (WRITES, IMPORT_ROWS) or the
reason it writes no logged row (NO_LOGGED_WRITES). A run compares every change-logged table before and after and
asserts that the rows it created, changed or deleted are exactly the rows its new change records name. So a new
service (or import kind) fails here until it has a case, and a case fails when a write skips the change log
(``.update()``, ``bulk_create`` / ``bulk_update`` or raw SQL without ``audit.record_changes_bulk``).
"""

from __future__ import annotations

import contextlib
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
    # A user's own notifications are messages, not registry rows: not change-logged (emis/notifications).
    "emis.notifications.services.notify_step": "writes notifications (messages to users, not registry rows)",
    "emis.notifications.services.notify_sweep": "writes notifications and what was announced (not registry rows)",
    "emis.notifications.services.deliver": "marks notifications delivered and sends them on the channels",
    "emis.notifications.services.send_on_channels": "sends messages",
    "emis.notifications.services.message_for": "a message",
    "emis.notifications.services.site_url": "reads a setting",
    "emis.notifications.services.step_message": "a message",
    "emis.notifications.services.sweep_message": "a message",
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
    "emis.indicators.services.definitions_version": "reads (a fingerprint of the indicator definitions)",
    "emis.reports.annual.services.annual_draft_run": "drafts into the cache (no row is written)",
    "emis.reports.annual.services.draft_job": "queues the drafting task; its state is in the cache",
    "emis.reports.annual.services.drafted_files": "reads (a cached draft of a given data version)",
    "emis.reports.annual.services.version_token": "a keyed hash of the data version (the download links carry it)",
    "emis.reports.annual.services.draft_key": "a cache key",
    "emis.reports.services.validate_docx": "checks a file",
    "emis.students.services.enrollment_step": "a rule (which write an enrolment needs)",
    "emis.students.services.latest_school": "a rule (the current school)",
    "emis.students.services.current_schools_after": "reads (the current school an import writes with the pupil)",
    "emis.work.services.refusal": "a rule (why a step may not happen)",
    "emis.work.services.refusal_with_code": "a rule (why a step may not happen, and which kind of refusal)",
    "emis.work.services.case_attach": "stores evidence files (Attachment rows, not change-logged; an AuditEvent)",
    "emis.work.services.available_transitions": "reads (the steps a user may take)",
    "emis.rectification.services.series": "a setting (the notices' 文号 series)",
    "emis.rectification.services.county_code": "a reading (the county whose template and series a notice uses)",
    "emis.rectification.services.notice_context": "reads (what the notice shows)",
    "emis.rectification.services.open_items": "reads (the items still to answer or verify)",
    "emis.inspections.services.rectify_days": "a setting (the working days a notice gives by severity)",
    "emis.inspections.services.worst": "a rule (the worst severity)",
    "emis.inspections.services.version_content": "reads (a checklist version's content)",
    "emis.inspections.services.items_of": "reads (a version's items)",
    "emis.inspections.services.may_fill": "reads (why a user may not fill a target)",
    "emis.inspections.services.answer_display": "a reading (an answer in words)",
    "emis.inspections.services.finding_text": "a reading (a finding's text)",
    "emis.dropouts.services.close_after_days": "a setting (the school days before 销号)",
    "emis.dropouts.services.may_assign": "a rule (who names the responsible people)",
    "emis.dropouts.services.series": "a setting (the notices' 文号 series)",
    "emis.tutoring.services.series": "a setting (the 限期整改通知书's 文号 series)",
    "emis.tutoring.services.notice_context": "reads (what the 限期整改通知书 shows)",
    "emis.dropouts.services.notice_context": "reads (what the notice shows)",
    "emis.dropouts.services.current_roll": "reads (the child's current enrolment)",
    "emis.dropouts.services.days_in_school": "a count (school days since the return)",
    "emis.dropouts.services.report_schools": "reads (the schools that report monthly)",
    "emis.dropouts.services.quarter_months": "a computation (a quarter's months)",
    "emis.work.services.case_assign": "names a case's followers (CaseAssignee rows, not change-logged)",
    "emis.rounds.services.workflow.locked_round": "reads (the round under a row lock)",
    "emis.students.rollchanges.require_writer": "a rule (who may record roll changes)",
    "emis.students.rollchanges.current_enrollment": "reads (the pupil's current enrolment in the user's scope)",
    "emis.students.rollchanges.os_common_division": "a rule (the division a change is filed under)",
    "emis.students.rollchanges.undo_refusal": "a rule (why a roll change may not be undone)",
    "emis.students.rollchanges.undo_refusals": "a rule (the same, for a page of changes)",
    "emis.students.rollchanges.promotion_enrollments": "reads (the enrolments a 学年升级 moves)",
    "emis.students.rollchanges.promotion_area": "a rule (the school or area a 学年升级 covers)",
    "emis.students.rollchanges.promotion_plan": "reads (the 学年升级 preview)",
    "emis.students.rollchanges.repeaters_from_text": "reads (pupils named in a pasted list)",
    "emis.students.rollchanges.promotion_progress": "reads (a running 学年升级's progress)",
    "emis.rounds.services.workflow.require": "a rule (whether a step may run)",
    "emis.rounds.services.workflow.event": "writes an AuditEvent (not change-logged)",
    "emis.rounds.services.workflow.refuse_when_appealed": "a rule (applicants with appeals are kept)",
    "emis.rounds.services.workflow.applicant_stage": "a rule (the step a change to the applicants sends back to)",
    "emis.rounds.services.workflow.ensure_unlocked": "a rule (a published round is locked)",
    "emis.rounds.services.applicant_file.junior_school_ids": "reads",
    "emis.rounds.services.applicant_file.read_applicant_file": "reads and checks a file",
    "emis.rounds.services.solve_adapter.hundredths": "a conversion",
    "emis.rounds.services.solve_adapter.read_round": "reads (the round as the solver's arrays)",
    "emis.rounds.services.solve_adapter.explanations": "the explanations' text",
    "emis.rounds.services.solving.active_run": "reads",
    "emis.rounds.services.solving.run_progress": "reads (the cache)",
    "emis.rounds.services.solving.round_solve_request": "queues a solve run (SolveRun is not change-logged)",
    "emis.rounds.services.solving.runs_to_announce": "marks solve runs as told (SolveRun is not change-logged)",
    "emis.rounds.services.bulk.points": "a conversion",
    "emis.rounds.services.bulk.decimal_json": "a conversion",
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


@contextlib.contextmanager
def _test_workflow():
    from emis.core import registry
    from emis.work import declaration
    from emis.work.tests.workflows import TEST_REGISTRATION, TEST_WORKFLOW

    with declaration.override(TEST_WORKFLOW), registry.override(TEST_REGISTRATION):
        yield TEST_WORKFLOW


def _case_open(county, admin):
    from emis.work.services import case_open

    def write():
        with _test_workflow() as workflow:
            case_open(
                workflow=workflow.code, title="整改", school=county.school_a1, acting_user=county.users[Role.TOWNSHIP]
            )

    return write


def _case_transition(county, admin):
    from django.core.files.base import ContentFile

    from emis.work import attachments
    from emis.work.services import case_open, case_transition

    township = county.users[Role.TOWNSHIP]
    with _test_workflow() as workflow:
        case = case_open(workflow=workflow.code, title="整改", school=county.school_a1, acting_user=township)
    attachments.store(case, ContentFile(b"notice", name="n.docx"), kind="document", document="notice")

    def write():
        with _test_workflow():
            case_transition(case=case, transition="issue", acting_user=township, today=dt.date(2021, 9, 30))

    return write


# The 整改 notice (emis.rectification.services): drafted, issued and answered by the county's administrator (an
# issuer) and the fixture school A1.

RECTIFY_DAY = dt.date(2021, 9, 30)


def _rect_draft(county, admin, *, items=2):
    from emis.rectification.tests.conftest import draft

    return draft(county, county.users[Role.ADMIN], items=items)


def _rect_issued(county, admin, *, items=2):
    from emis.rectification.services import notice_issue

    return notice_issue(
        notice=_rect_draft(county, admin, items=items), acting_user=county.users[Role.ADMIN], today=RECTIFY_DAY
    )


def _rect_reported(county, admin):
    from emis.rectification.services import notice_report
    from emis.rectification.tests.conftest import jpeg

    notice = _rect_issued(county, admin)
    answers = {item.pk: {"answer": "已整改", "photos": [jpeg()]} for item in notice.items.all()}
    return notice_report(notice=notice, acting_user=county.users[Role.SCHOOL], answers=answers, today=RECTIFY_DAY)


def _notice_draft(county, admin):
    return lambda: _rect_draft(county, admin)


def _notice_item_add(county, admin):
    from emis.rectification.services import item_add

    notice = _rect_draft(county, admin)
    return lambda: item_add(notice=notice, acting_user=county.users[Role.ADMIN], severity="critical", finding="新问题")


def _notice_item_remove(county, admin):
    from emis.rectification.services import item_remove

    notice = _rect_draft(county, admin)
    return lambda: item_remove(item=notice.items.last(), acting_user=county.users[Role.ADMIN])


def _notice_issue(county, admin):
    from emis.rectification.services import notice_issue

    notice = _rect_draft(county, admin)
    return lambda: notice_issue(notice=notice, acting_user=county.users[Role.ADMIN], today=RECTIFY_DAY)


def _notice_receive(county, admin):
    from emis.rectification.services import notice_step

    notice = _rect_issued(county, admin)
    return lambda: notice_step(
        notice=notice, transition="receive", acting_user=county.users[Role.SCHOOL], today=RECTIFY_DAY
    )


def _notice_report(county, admin):
    return lambda: _rect_reported(county, admin)


def _notice_send_back(county, admin):
    from emis.rectification.services import notice_verify

    notice = _rect_reported(county, admin)
    items = list(notice.items.order_by("number"))
    verdicts = {items[0].pk: {"accepted": True}, items[1].pk: {"accepted": False, "note": "未完成"}}
    return lambda: notice_verify(
        notice=notice, acting_user=county.users[Role.ADMIN], verdicts=verdicts, today=RECTIFY_DAY
    )


def _notice_accept(county, admin):
    from emis.rectification.services import notice_verify

    notice = _rect_reported(county, admin)
    verdicts = {item.pk: {"accepted": True} for item in notice.items.all()}
    return lambda: notice_verify(
        notice=notice, acting_user=county.users[Role.ADMIN], verdicts=verdicts, today=RECTIFY_DAY
    )


# 控辍保学 (emis.dropouts.services): the fixture pupil 张三丰 of A1 drops out (recorded by the school, which opens
# the case), then the fixture township (通羊镇) and school take its steps; the monthly reports are the admin's.

DROP_DAY = dt.date(2024, 10, 15)


def _drop_case(county, *, to="suspected"):
    from emis.dropouts import services as ds
    from emis.dropouts.models import DropoutCase
    from emis.dropouts.tests.conftest import DUTIES
    from emis.students import rollchanges as rc

    township = county.users[Role.TOWNSHIP]
    rc.pupils_drop_out(
        students=[county.students["张三丰"]], date=DROP_DAY, reason="厌学", acting_user=county.users[Role.SCHOOL]
    )
    dc = DropoutCase.objects.get(student=county.students["张三丰"])
    steps = ("verifying", "named", "confirmed", "persuading", "returned")
    for step in steps[: steps.index(to) + 1] if to in steps else ():
        if step == "verifying":
            dc = ds.step(dc, "verify", township, today=DROP_DAY)
        elif step == "named":
            dc = ds.set_responsibles(dc, township, DUTIES)
        elif step == "confirmed":
            dc = ds.confirm(dc, township, dropout_reason="weariness", today=DROP_DAY)
        elif step == "persuading":
            dc = ds.issue_notice(dc, township, today=DROP_DAY)
        elif step == "returned":
            from emis.students.models import Enrollment

            old = Enrollment.objects.get(student=county.students["张三丰"], is_current=True)
            Enrollment.objects.filter(pk=old.pk).update(status="enrolled")
            dc = ds.mark_returned(dc, township, returned_on=DROP_DAY, today=DROP_DAY)
    return dc


def _drop_opened(county, admin):
    from emis.dropouts import services as ds
    from emis.dropouts.tests.conftest import flag

    return lambda: ds.open_cases([flag(county, name="何小明")], county.users[Role.TOWNSHIP], today=DROP_DAY)


def _drop_recorded(county, admin):
    from emis.accounts.models import User
    from emis.dropouts import services as ds
    from emis.students import rollchanges as rc

    clerk = User.objects.create(username="clerk_drop", role=Role.SECTION, domains=["students"])
    clerk.divisions.set([county.county])
    change = rc.pupils_drop_out(students=[county.students["张三丰"]], date=DROP_DAY, acting_user=clerk)
    return lambda: ds.dropout_recorded(roll_change=change, acting_user=county.users[Role.SCHOOL])


def _drop_verified(county, admin):
    from emis.dropouts import services as ds

    dc = _drop_case(county)
    return lambda: ds.step(dc, "verify", county.users[Role.TOWNSHIP], today=DROP_DAY)


def _drop_named(county, admin):
    from emis.dropouts import services as ds
    from emis.dropouts.tests.conftest import DUTIES

    dc = _drop_case(county, to="verifying")
    return lambda: ds.set_responsibles(dc, county.users[Role.TOWNSHIP], DUTIES)


def _drop_confirmed(county, admin):
    from emis.dropouts import services as ds

    dc = _drop_case(county, to="named")
    return lambda: ds.confirm(dc, county.users[Role.TOWNSHIP], dropout_reason="economic", today=DROP_DAY)


def _drop_noticed(county, admin):
    from emis.dropouts import services as ds

    dc = _drop_case(county, to="confirmed")
    return lambda: ds.issue_notice(dc, county.users[Role.TOWNSHIP], today=DROP_DAY)


def _drop_contact(county, admin):
    from emis.dropouts import services as ds
    from emis.dropouts.tests.conftest import jpeg

    dc = _drop_case(county, to="persuading")
    return lambda: ds.record_contact(
        dc, county.users[Role.SCHOOL], date=DROP_DAY, line="education", who="赵老师", outcome="家访", photo=jpeg()
    )


def _drop_returned(county, admin):
    from emis.dropouts import services as ds
    from emis.students.models import Enrollment

    dc = _drop_case(county, to="persuading")
    Enrollment.objects.filter(student=county.students["张三丰"], is_current=True).update(status="enrolled")
    return lambda: ds.mark_returned(dc, county.users[Role.SCHOOL], returned_on=DROP_DAY, today=DROP_DAY)


def _drop_closed(county, admin):
    from emis.dropouts import services as ds
    from emis.work.calendar import WorkCalendar

    dc = _drop_case(county, to="returned")
    day = WorkCalendar().add(DROP_DAY, ds.close_after_days())
    return lambda: ds.close(dc, county.users[Role.TOWNSHIP], today=day)


def _drop_home_teaching(county, admin):
    from emis.dropouts import services as ds
    from emis.dropouts.tests.conftest import jpeg
    from emis.students.models import Enrollment

    dc = _drop_case(county, to="confirmed")
    Enrollment.objects.filter(student=county.students["张三丰"], is_current=True).update(status="enrolled")
    return lambda: ds.home_teaching(
        dc, county.users[Role.TOWNSHIP], comment="评估后送教", attachments=[jpeg()], today=DROP_DAY
    )


def _drop_excluded(county, admin):
    from emis.dropouts import services as ds
    from emis.dropouts.tests.conftest import jpeg

    dc = _drop_case(county)
    return lambda: ds.exclude(
        dc, county.users[Role.TOWNSHIP], exclusion="moved_away", comment="迁出", attachments=[jpeg()], today=DROP_DAY
    )


def _reports_requested(county, admin):
    from emis.dropouts import services as ds

    return lambda: ds.request_reports(dt.date(2024, 9, 1), county.users[Role.ADMIN])


def _report_submitted(county, admin):
    from emis.dropouts import services as ds

    report = ds.request_reports(dt.date(2024, 9, 1), county.users[Role.ADMIN], schools=[county.school_a1])[0]
    return lambda: ds.submit_report(report, county.users[Role.SCHOOL])


def _reports_rechecked(county, admin):
    from emis.dropouts import services as ds

    report = ds.request_reports(dt.date(2024, 9, 1), county.users[Role.ADMIN], schools=[county.school_a1])[0]
    ds.submit_report(report, county.users[Role.SCHOOL])
    return lambda: ds.quarterly_recheck(county.users[Role.ADMIN], year=2024, quarter=3)


# The 中考 round (emis.rounds.services): the rounds tests' draft round, H1 (quality, plan 6, quota minimum 560) and
# H2 (3 open seats), and their applicant file of ten applicants from the junior schools A2 and J2.


def _draft_round(county):
    from emis.rounds.models import AdmissionRound, RoundSchool
    from emis.testing import make_school

    county.h1 = make_school("3142000501", "通山县第一中学", "senior", county.township_a, urban_rural="urban")
    county.h2 = make_school("3142000502", "通山县第二中学", "complete_secondary", county.township_b)
    county.j2 = make_school("3142000302", "南林桥镇初级中学", "junior", county.township_b)
    county.round = AdmissionRound.objects.create(school_year=county.year, name="2025年中考")
    county.plan_h1 = RoundSchool.objects.create(
        round=county.round, school=county.h1, open_seats=6, quota_seats=0, quota_min_score=560, is_quality=True
    )
    county.plan_h2 = RoundSchool.objects.create(round=county.round, school=county.h2, open_seats=3)
    return county.round


def _applicant_file(county, leave_out=()) -> SimpleUploadedFile:
    from emis.rounds.tests.test_rounds import applicant_rows, csv_upload

    return csv_upload([row for row in applicant_rows(county) if row[0] not in leave_out])


def _round_at(county, admin, *steps):
    """The draft round with its applicants loaded, then ``steps`` run (round_allocate_quotas, round_solve, ...)."""
    from emis.rounds import services

    admission_round = _draft_round(county)
    services.round_load_applicants(admission_round=admission_round, upload=_applicant_file(county), acting_user=admin)
    for step in steps:
        getattr(services, step)(admission_round=admission_round, acting_user=admin)
    admission_round.refresh_from_db()
    return admission_round


def _solved(county, admin):
    return _round_at(county, admin, "round_allocate_quotas", "round_solve")


def _published(county):
    """build_rounds' published round, whose applicant 赵六 has an appeal not yet decided."""
    from emis.testing import build_rounds

    build_rounds(county)
    return county.admission_round


def _applicant(admission_round, exam_no):
    from emis.rounds.models import Applicant

    return Applicant.objects.get(round=admission_round, exam_no=exam_no)


def _round_status_set(county, admin):
    from emis.rounds.choices import RoundStatus
    from emis.rounds.services.workflow import set_status

    admission_round = _round_at(county, admin)
    return lambda: set_status(admission_round, RoundStatus.ALLOCATED)


def _round_sent_back(county, admin):
    from emis.rounds.choices import RoundStatus
    from emis.rounds.services import round_changed

    admission_round = _solved(county, admin)
    return lambda: round_changed(admission_round=admission_round, back_to=RoundStatus.DRAFT)


def _round_settings_saved(county, admin):
    from emis.rounds.services import round_row_save

    admission_round = _solved(county, admin)
    admission_round.tie_break = "total,chinese,math,exam_no"
    return lambda: round_row_save(obj=admission_round, acting_user=admin)


def _plan_saved(county, admin):
    from emis.rounds.services import round_row_save

    _solved(county, admin)
    plan = county.plan_h2
    plan.refresh_from_db()
    plan.open_seats = 2
    return lambda: round_row_save(obj=plan, acting_user=admin)


def _allocation_saved(county, admin):
    from emis.rounds.models import QuotaAllocation
    from emis.rounds.services import round_row_save

    admission_round = _solved(county, admin)
    allocation = QuotaAllocation.objects.get(round=admission_round, junior_school=county.j2)
    allocation.seats -= 1
    return lambda: round_row_save(obj=allocation, acting_user=admin)


def _applicant_saved(county, admin):
    from emis.rounds.services import round_row_save

    applicant = _applicant(_solved(county, admin), "25010")
    applicant.total = 310
    return lambda: round_row_save(obj=applicant, acting_user=admin)


def _applicant_added(county, admin):
    from emis.rounds.models import Applicant
    from emis.rounds.services import round_row_save

    admission_round = _solved(county, admin)
    applicant = Applicant(
        round=admission_round,
        exam_no="25011",
        name="乙五",
        junior_school=county.j2,
        total=610,
        chinese=100,
        math=100,
        english=100,
        preferences=[county.h1.code],
    )
    return lambda: round_row_save(obj=applicant, acting_user=admin)


def _round_published(county, admin):
    from emis.rounds.services import round_publish

    admission_round = _solved(county, admin)
    return lambda: round_publish(admission_round=admission_round, acting_user=admin)


def _round_deleted(county, admin):
    from emis.rounds.services import round_object_delete

    admission_round = _solved(county, admin)
    return lambda: round_object_delete(obj=admission_round, acting_user=admin)


def _plan_deleted(county, admin):
    from emis.rounds.services import round_object_delete

    _solved(county, admin)
    return lambda: round_object_delete(obj=county.plan_h1, acting_user=admin)


def _allocation_deleted(county, admin):
    from emis.rounds.models import QuotaAllocation
    from emis.rounds.services import round_object_delete

    admission_round = _solved(county, admin)
    allocation = QuotaAllocation.objects.get(round=admission_round, junior_school=county.school_a2)
    return lambda: round_object_delete(obj=allocation, acting_user=admin)


def _applicant_deleted(county, admin):
    from emis.rounds.services import round_object_delete

    applicant = _applicant(_solved(county, admin), "25001")
    return lambda: round_object_delete(obj=applicant, acting_user=admin)


def _appeal_deleted(county, admin):
    from emis.rounds.services import round_object_delete

    _published(county)
    return lambda: round_object_delete(obj=county.appeals["赵六"], acting_user=admin)


def _applicants_loaded(county, admin):
    from emis.rounds.services import round_load_applicants

    admission_round = _draft_round(county)
    upload = _applicant_file(county)
    return lambda: round_load_applicants(admission_round=admission_round, upload=upload, acting_user=admin)


def _applicants_replaced(county, admin):
    from emis.rounds.services import round_load_applicants

    admission_round = _solved(county, admin)  # results, allocations and a solved status to undo as well
    upload = _applicant_file(county)
    return lambda: round_load_applicants(admission_round=admission_round, upload=upload, acting_user=admin)


def _quotas_allocated(county, admin):
    from emis.rounds.services import round_allocate_quotas

    admission_round = _round_at(county, admin)
    return lambda: round_allocate_quotas(admission_round=admission_round, acting_user=admin)


def _quotas_allocated_again(county, admin):
    from emis.rounds.services import round_allocate_quotas, round_load_applicants

    admission_round = _round_at(county, admin, "round_allocate_quotas")
    # J2 loses two applicants: its pool shrinks and A2's grows (updates); the plans stay as they are.
    upload = _applicant_file(county, leave_out=("25008", "25009"))
    round_load_applicants(admission_round=admission_round, upload=upload, acting_user=admin)
    return lambda: round_allocate_quotas(admission_round=admission_round, acting_user=admin)


def _quotas_checked_by_hand(county, admin):
    from emis.rounds.choices import QuotaRule
    from emis.rounds.models import QuotaAllocation
    from emis.rounds.services import round_allocate_quotas

    admission_round = _round_at(county, admin)
    admission_round.quota_rule = QuotaRule.MANUAL
    admission_round.save()
    QuotaAllocation.objects.create(round=admission_round, school=county.h1, junior_school=county.j2, seats=3)
    return lambda: round_allocate_quotas(admission_round=admission_round, acting_user=admin)


def _results_stored(county, admin):
    from emis.rounds.services.solve_adapter import read_round, store_results
    from emis.rounds.solver.engine import solve

    admission_round = _round_at(county, admin, "round_allocate_quotas")
    solve_input = read_round(admission_round)
    result = solve(solve_input.instance, admission_round.tie_break)
    return lambda: store_results(admission_round, solve_input, result)


def _round_solved(county, admin):
    from emis.rounds.services import round_solve

    admission_round = _round_at(county, admin, "round_allocate_quotas")
    return lambda: round_solve(admission_round=admission_round, acting_user=admin)


def _round_solved_again(county, admin):
    from emis.rounds.services import round_allocate_quotas, round_row_save, round_solve

    admission_round = _solved(county, admin)
    plan = county.plan_h2
    plan.refresh_from_db()
    plan.open_seats = 1  # two of H2's three are no longer admitted; the other results stay
    round_row_save(obj=plan, acting_user=admin)
    round_allocate_quotas(admission_round=admission_round, acting_user=admin)
    return lambda: round_solve(admission_round=admission_round, acting_user=admin)


def _solve_run(county, admin):
    from emis.rounds.services import round_solve_request, round_solve_run

    admission_round = _round_at(county, admin, "round_allocate_quotas")
    run = round_solve_request(admission_round=admission_round, acting_user=admin)  # queued on commit: never here
    return lambda: round_solve_run(run_id=run.pk)


def _applicants_deleted_in_bulk(county, admin):
    from emis.rounds.services.bulk import delete_applicants

    admission_round = _round_at(county, admin)
    return lambda: delete_applicants(admission_round)


def _applicants_inserted_in_bulk(county, admin):
    import tempfile
    from pathlib import Path

    from emis.rounds.services.applicant_file import read_applicant_file
    from emis.rounds.services.bulk import insert_applicants

    admission_round = _draft_round(county)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "A.csv"
        path.write_bytes(_applicant_file(county).read())
        parsed = read_applicant_file(admission_round, path)
    return lambda: insert_applicants(admission_round, parsed)


def _allocations_written(county, admin):
    from emis.rounds.services.bulk import write_allocations

    admission_round = _round_at(county, admin, "round_allocate_quotas")
    h1, a2, j2 = county.h1.pk, county.school_a2.pk, county.j2.pk
    # A2's pool changes, J2's goes, and one new pool (H2 → J2) comes.
    return lambda: write_allocations(admission_round, {(h1, a2): 3, (county.h2.pk, j2): 1})


def _applicant_results_updated(county, admin):
    from emis.rounds.models import Applicant
    from emis.rounds.services.bulk import update_applicant_results

    admission_round = _solved(county, admin)
    rows = []
    for pk, exam_no, name, junior, school, phase, rank in Applicant.objects.filter(round=admission_round).values_list(
        "id", "exam_no", "name", "junior_school_id", "result_school_id", "result_phase", "result_preference_rank"
    ):
        before = (school, phase, rank)
        after = (None, "", None) if exam_no == "25006" else before  # one result changes; every explanation is new
        rows.append((pk, exam_no, name, junior, before, after, "说明"))
    return lambda: update_applicant_results(admission_round, rows)


def _allocation_results_updated(county, admin):
    from emis.rounds.models import QuotaAllocation
    from emis.rounds.services.bulk import update_allocation_results

    admission_round = _solved(county, admin)
    rows = []
    for pk, school, junior, admitted, cutoff in QuotaAllocation.objects.filter(round=admission_round).values_list(
        "id", "school_id", "junior_school_id", "admitted", "cutoff"
    ):
        after = (admitted - 1, cutoff) if junior == county.j2.pk else (admitted, cutoff)
        rows.append((pk, school, (admitted, cutoff), after))
    return lambda: update_allocation_results(admission_round, rows)


def _appeal_recorded(county, admin):
    from emis.rounds.services import round_appeal_record

    _published(county)
    return lambda: round_appeal_record(
        applicant=county.applicants["王五"], received_on=dt.date(2024, 7, 11), reason="申请复核。", acting_user=admin
    )


def _appeal_decided(county, admin):
    from emis.rounds.choices import AppealStatus
    from emis.rounds.services import appeal_decide

    _published(county)
    return lambda: appeal_decide(
        appeal=county.appeals["赵六"], status=AppealStatus.DISMISSED, decision="复核无误。", acting_user=admin
    )


def _county_set_up(county, admin):
    from emis.orgs.services import county_setup

    # A second county of the same city, with one school year before and one after the county's.
    return lambda: county_setup(code="421223", name="崇阳县", years=[2022, 2023, 2024, 2025], acting_user=admin)


def _county_setup_makes_a_year_current(county, admin):
    from emis.orgs.services import county_setup

    return lambda: county_setup(code="421224", name="通山县", years=[2023, 2024], current=2023, acting_user=admin)


def _initial_password_replaced(county, admin):
    from emis.accounts.services import initial_password_replaced

    user = county.users[Role.SCHOOL]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return lambda: initial_password_replaced(user=user)


# 学生资助 (emis.aid.services): the 2024 autumn term of the small county, a 脱贫家庭 pupil at A1 and the rolls of the
# living allowance generated and moved by the administrator.
AID_DAY = dt.date(2024, 10, 8)


def _aid_pupil(county):
    from emis.aid.tests.conftest import pupil

    return pupil(county, county.school_a1, "P2", boarder=True, categories=["poverty"])


def _aid_roll(county):
    from emis.aid.models import Programme, Roll
    from emis.aid.services import generate_rolls, term_for

    _aid_pupil(county)
    programme = Programme.objects.get(code="compulsory_living_allowance")
    generate_rolls(programme, term_for(2024, "autumn"), acting_user=county.users[Role.ADMIN], today=AID_DAY)
    return Roll.objects.get(school=county.school_a1)


def _aid_term(county, admin):
    from emis.aid.services import term_for

    return lambda: term_for(2024, "spring")


def _aid_configure_term(county, admin):
    from emis.aid.services import configure_term, term_for

    term = term_for(2024, "spring")
    return lambda: configure_term(term, census_date=dt.date(2025, 3, 15), publicity_days=7)


def _aid_add_standard(county, admin):
    from decimal import Decimal

    from emis.aid.models import Programme, Standard
    from emis.aid.services import add_standard

    standard = Standard(
        programme=Programme.objects.get(code="preschool_aid"),
        level="preschool",
        eligibility="any",
        amount_per_year=Decimal("1200"),
        valid_from=dt.date(2024, 9, 1),
        source="县定标准",
    )
    return lambda: add_standard(standard, county.users[Role.ADMIN])


def _aid_generate(county, admin):
    from emis.aid.models import Programme
    from emis.aid.services import generate_rolls, term_for

    _aid_pupil(county)
    term = term_for(2024, "autumn")
    programme = Programme.objects.get(code="compulsory_living_allowance")
    return lambda: generate_rolls(programme, term, acting_user=county.users[Role.ADMIN], today=AID_DAY)


def _aid_regenerate(county, admin):
    from emis.aid.models import Programme
    from emis.aid.services import generate_rolls, term_for

    _aid_roll(county)
    _aid_pupil(county)
    term = term_for(2024, "autumn")
    programme = Programme.objects.get(code="compulsory_living_allowance")
    return lambda: generate_rolls(programme, term, acting_user=county.users[Role.ADMIN], today=AID_DAY)


def _aid_step(county, admin):
    from emis.aid.services import roll_step

    roll = _aid_roll(county)
    return lambda: roll_step(roll, "submit", acting_user=county.users[Role.SCHOOL], today=AID_DAY)


def _aid_bulk_step(county, admin):
    from emis.aid.services import bulk_step

    roll = _aid_roll(county)
    return lambda: bulk_step([roll], "submit", acting_user=county.users[Role.ADMIN], today=AID_DAY)


def _aid_line_change(county, admin):
    from emis.aid.services import line_change

    line = _aid_roll(county).lines.get()
    return lambda: line_change(line, acting_user=county.users[Role.ADMIN], removed=True, reason="已转学")


# {function: [case, ...]}: case(county, admin) sets up what it needs and returns the write to check.
# Roll changes (学籍异动): each action, its undo, and the 学年升级 (recorded, then run as a task).

ROLL_DAY = dt.date(2024, 11, 4)


def _pupil_suspended(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    return lambda: rc.pupils_suspend(students=[pupil], date=ROLL_DAY, reason="病休", acting_user=admin)


def _pupil_resumed(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    rc.pupils_suspend(students=[pupil], date=ROLL_DAY, reason="病休", acting_user=admin)
    return lambda: rc.pupils_resume(students=[pupil], date=ROLL_DAY + dt.timedelta(days=30), acting_user=admin)


def _pupil_dropped_out(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    return lambda: rc.pupils_drop_out(students=[pupil], date=ROLL_DAY, reason="外出务工", acting_user=admin)


def _pupil_transferred(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    return lambda: rc.pupil_transfer(student=pupil, to_school=county.school_b1, date=ROLL_DAY, acting_user=admin)


def _pupil_transferred_out(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    return lambda: rc.pupils_transfer_out(
        students=[pupil],
        date=ROLL_DAY,
        destination_name="武汉市某小学",
        destination_region="湖北省武汉市",
        acting_user=admin,
    )


def _rollchange_undone(county, admin):
    from emis.students import rollchanges as rc

    pupil = county.students["张三丰"]
    change = rc.pupils_suspend(students=[pupil], date=ROLL_DAY, reason="病休", acting_user=admin)
    return lambda: rc.rollchange_undo(roll_change=change, acting_user=admin)


def _promotion_requested(county, admin):
    from emis.students import rollchanges as rc

    return lambda: rc.promotion_request(
        school_year=county.year,
        school=county.school_a1,
        promote_date=dt.date(2025, 9, 1),
        graduate_date=dt.date(2025, 7, 1),
        acting_user=admin,
    )


def _promotion_run(county, admin):
    from unittest import mock

    from emis.students import rollchanges as rc

    # Recorded without running (the task is held back), so the case runs the task's own write.
    with mock.patch("emis.students.tasks.promotion_task"):
        change = rc.promotion_request(
            school_year=county.year,
            school=county.school_a1,
            promote_date=dt.date(2025, 9, 1),
            graduate_date=dt.date(2025, 7, 1),
            acting_user=admin,
        )
    return lambda: rc.promotion_run(roll_change_id=change.pk)


WRITES = {
    "emis.accounts.services.initial_password_replaced": [_initial_password_replaced],
    "emis.orgs.services.county_setup": [_county_set_up, _county_setup_makes_a_year_current],
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
    "emis.work.services.case_open": [_case_open],
    "emis.work.services.case_transition": [_case_transition],
    "emis.aid.services.term_for": [_aid_term],
    "emis.aid.services.configure_term": [_aid_configure_term],
    "emis.aid.services.add_standard": [_aid_add_standard],
    "emis.aid.services.generate_rolls": [_aid_generate, _aid_regenerate],
    "emis.aid.services.roll_step": [_aid_step],
    "emis.aid.services.bulk_step": [_aid_bulk_step],
    "emis.aid.services.line_change": [_aid_line_change],
    "emis.rectification.services.notice_draft": [_notice_draft],
    "emis.rectification.services.item_add": [_notice_item_add],
    "emis.rectification.services.item_remove": [_notice_item_remove],
    "emis.rectification.services.notice_issue": [_notice_issue],
    "emis.rectification.services.notice_step": [_notice_receive],
    "emis.rectification.services.notice_report": [_notice_report],
    "emis.rectification.services.notice_verify": [_notice_send_back, _notice_accept],
    "emis.dropouts.services.open_cases": [_drop_opened],
    "emis.dropouts.services.dropout_recorded": [_drop_recorded],
    "emis.dropouts.services.step": [_drop_verified],
    "emis.dropouts.services.set_responsibles": [_drop_named],
    "emis.dropouts.services.confirm": [_drop_confirmed],
    "emis.dropouts.services.issue_notice": [_drop_noticed],
    "emis.dropouts.services.record_contact": [_drop_contact],
    "emis.dropouts.services.mark_returned": [_drop_returned],
    "emis.dropouts.services.close": [_drop_closed],
    "emis.dropouts.services.home_teaching": [_drop_home_teaching],
    "emis.dropouts.services.exclude": [_drop_excluded],
    "emis.dropouts.services.request_reports": [_reports_requested],
    "emis.dropouts.services.submit_report": [_report_submitted],
    "emis.dropouts.services.quarterly_recheck": [_reports_rechecked],
    "emis.rounds.services.workflow.set_status": [_round_status_set],
    "emis.rounds.services.workflow.round_changed": [_round_sent_back],
    "emis.rounds.services.workflow.round_row_save": [
        _round_settings_saved,
        _plan_saved,
        _allocation_saved,
        _applicant_saved,
        _applicant_added,
    ],
    "emis.rounds.services.workflow.round_publish": [_round_published],
    "emis.rounds.services.workflow.round_object_delete": [
        _round_deleted,
        _plan_deleted,
        _allocation_deleted,
        _applicant_deleted,
        _appeal_deleted,
    ],
    "emis.rounds.services.loading.round_load_applicants": [_applicants_loaded, _applicants_replaced],
    "emis.rounds.services.allocation.round_allocate_quotas": [
        _quotas_allocated,
        _quotas_allocated_again,
        _quotas_checked_by_hand,
    ],
    "emis.rounds.services.solve_adapter.store_results": [_results_stored],
    "emis.rounds.services.solving.round_solve": [_round_solved, _round_solved_again],
    "emis.rounds.services.solving.round_solve_run": [_solve_run],
    "emis.rounds.services.bulk.delete_applicants": [_applicants_deleted_in_bulk],
    "emis.rounds.services.bulk.insert_applicants": [_applicants_inserted_in_bulk],
    "emis.rounds.services.bulk.write_allocations": [_allocations_written],
    "emis.rounds.services.bulk.update_applicant_results": [_applicant_results_updated],
    "emis.rounds.services.bulk.update_allocation_results": [_allocation_results_updated],
    "emis.rounds.services.appeals.round_appeal_record": [_appeal_recorded],
    "emis.rounds.services.appeals.appeal_decide": [_appeal_decided],
    "emis.students.rollchanges.pupils_suspend": [_pupil_suspended],
    "emis.students.rollchanges.pupils_resume": [_pupil_resumed],
    "emis.students.rollchanges.pupils_drop_out": [_pupil_dropped_out],
    "emis.students.rollchanges.pupil_transfer": [_pupil_transferred],
    "emis.students.rollchanges.pupils_transfer_out": [_pupil_transferred_out],
    "emis.students.rollchanges.rollchange_undo": [_rollchange_undone],
    "emis.students.rollchanges.promotion_request": [_promotion_requested],
    "emis.students.rollchanges.promotion_run": [_promotion_run],
}


# Service modules not named services: the roll changes (学籍异动) are the students app's second service module.
SERVICE_MODULES = {"emis.students.rollchanges"}
# 营养改善计划 (emis.meals.services): the county's tables and a school's monthly report (the fixture's three schools
# take part; the county's administrator opens October 2024, school A1 reports, the township checks).

MEALS_OCTOBER = dt.date(2024, 10, 1)


def _meals_report(county, *, reported=False):
    from emis.meals.services import report_submit, reports_open
    from emis.meals.tests.conftest import setup_programme

    setup_programme(county)
    opened = reports_open(month=MEALS_OCTOBER, acting_user=county.users[Role.ADMIN], today=dt.date(2024, 11, 1))
    report = next(r for r in opened if r.school_id == county.school_a1.pk)
    if reported:
        report_submit(report=report, beneficiaries=2, days=20, amount="160", acting_user=county.users[Role.SCHOOL])
    return report


def _meals_standard_saved(county, admin):
    from emis.meals.models import DailyStandard
    from emis.meals.services import standard_save

    return lambda: standard_save(standard=DailyStandard(effective_from=dt.date(2030, 9, 1), amount="6.00"))


def _meals_standard_deleted(county, admin):
    from emis.meals.models import DailyStandard
    from emis.meals.services import standard_delete

    standard = DailyStandard.objects.create(effective_from=dt.date(2030, 9, 1), amount="6.00")
    return lambda: standard_delete(standard=standard, today=dt.date(2024, 1, 1))


def _meals_participation_saved(county, admin):
    from emis.meals.models import Participation
    from emis.meals.services import participation_save

    row = Participation(school=county.school_a1, scheme="national", start_date=dt.date(2024, 3, 1))
    return lambda: participation_save(participation=row)


def _meals_days_saved(county, admin):
    from emis.meals.models import SchoolDays
    from emis.meals.services import days_save

    return lambda: days_save(days=SchoolDays(month=dt.date(2024, 10, 9), school=county.school_a1, days=18))


def _meals_reports_opened(county, admin):
    from emis.meals.services import reports_open
    from emis.meals.tests.conftest import setup_programme

    setup_programme(county)
    return lambda: reports_open(month=MEALS_OCTOBER, acting_user=county.users[Role.ADMIN], today=dt.date(2024, 11, 1))


def _meals_report_submitted(county, admin):
    from emis.meals.services import report_submit

    report = _meals_report(county)
    school = county.users[Role.SCHOOL]
    return lambda: report_submit(report=report, beneficiaries=3, days=20, amount="240", acting_user=school)


def _meals_report_checked(county, admin):
    from emis.meals.services import report_step

    report = _meals_report(county, reported=True)
    return lambda: report_step(report=report, transition="check", acting_user=county.users[Role.TOWNSHIP])


MEALS_WRITES = {
    "emis.meals.services.standard_save": [_meals_standard_saved],
    "emis.meals.services.standard_delete": [_meals_standard_deleted],
    "emis.meals.services.participation_save": [_meals_participation_saved],
    "emis.meals.services.days_save": [_meals_days_saved],
    "emis.meals.services.reports_open": [_meals_reports_opened],
    "emis.meals.services.report_submit": [_meals_report_submitted],
    "emis.meals.services.report_step": [_meals_report_checked],
}
WRITES.update(MEALS_WRITES)


# The inspection engine (emis.inspections.services): the county's administrator publishes the test checklist and
# runs a campaign over the fixture's schools; the inspector (A2, B1) fills; the administrator signs off.


def _insp_campaign(county):
    from emis.inspections.services import campaign_create, template_publish
    from emis.inspections.tests.conftest import SECTIONS

    admin = county.users[Role.ADMIN]
    version = template_publish(
        code="opening", name="开学检查表", purpose="opening", sections=SECTIONS, pass_score=60, acting_user=admin
    )
    return campaign_create(
        name="开学检查",
        kind="opening",
        version=version,
        targets=[county.school_a2, county.school_b1],
        starts_on=RECTIFY_DAY,
        ends_on=RECTIFY_DAY,
        acting_user=admin,
    )


def _insp_submitted(county, answers=None):
    from emis.inspections.services import inspection_submit
    from emis.inspections.tests.conftest import GOOD, jpeg

    campaign = _insp_campaign(county)
    return inspection_submit(
        target=campaign.targets.get(school=county.school_a2),
        answers=GOOD | (answers or {}),
        photos={"2.2": [jpeg()]},
        client_token="write-paths",
        inspected_on=RECTIFY_DAY,
        acting_user=county.users[Role.INSPECTOR],
        today=RECTIFY_DAY,
    )


def _insp_template_published(county, admin):
    from emis.inspections.services import template_publish
    from emis.inspections.tests.conftest import SECTIONS

    return lambda: template_publish(code="x", name="检查表", purpose="special", sections=SECTIONS, acting_user=admin)


def _insp_campaign_created(county, admin):
    return lambda: _insp_campaign(county)


def _insp_targets_added(county, admin):
    from emis.inspections.services import targets_add

    campaign = _insp_campaign(county)
    return lambda: targets_add(campaign=campaign, targets=[county.school_a1], acting_user=admin)


def _insp_target_removed(county, admin):
    from emis.inspections.services import target_remove

    target = _insp_campaign(county).targets.get(school=county.school_b1)
    return lambda: target_remove(target=target, acting_user=admin)


def _insp_submit(county, admin):
    return lambda: _insp_submitted(county)


def _insp_sent_back(county, admin):
    from emis.inspections.services import inspection_send_back

    inspection = _insp_submitted(county)
    return lambda: inspection_send_back(inspection=inspection, acting_user=admin, comment="照片不清", today=RECTIFY_DAY)


def _insp_signed_off(county, admin):
    from emis.inspections.services import inspection_sign_off

    inspection = _insp_submitted(county, {"1.1": "no"})
    return lambda: inspection_sign_off(inspection=inspection, acting_user=admin, today=RECTIFY_DAY)


INSPECTIONS_WRITES = {
    "emis.inspections.services.template_publish": [_insp_template_published],
    "emis.inspections.services.campaign_create": [_insp_campaign_created],
    "emis.inspections.services.targets_add": [_insp_targets_added],
    "emis.inspections.services.target_remove": [_insp_target_removed],
    "emis.inspections.services.inspection_submit": [_insp_submit],
    "emis.inspections.services.inspection_send_back": [_insp_sent_back],
    "emis.inspections.services.inspection_sign_off": [_insp_signed_off],
}
WRITES.update(INSPECTIONS_WRITES)


# 校园安全 (emis.safety.services): a register row saved, a driver saved, the expiry sweep (an alert and its case for
# A1's bus insurance) and the school's step that closes it.


def _safety_fact_saved(county, admin):
    from emis.safety.models import SafetyFact
    from emis.safety.services import record_save

    row = SafetyFact(school=county.school_a1, kind="closed", effective_on=dt.date(2024, 9, 1))
    return lambda: record_save(obj=row, acting_user=admin)


def _safety_driver_saved(county, admin):
    from emis.safety.services import driver_save
    from emis.safety.tests.conftest import setup_fleet

    driver = setup_fleet(county)["driver"]
    driver.licence_class = "A3"
    return lambda: driver_save(driver=driver, acting_user=admin, today=dt.date(2025, 1, 1))


def _safety_swept(county, admin):
    from emis.safety.services import expiry_sweep
    from emis.safety.tests.conftest import setup_fleet

    setup_fleet(county)
    return lambda: expiry_sweep(acting_user=admin, today=dt.date(2026, 3, 1))


def _safety_alert_handled(county, admin):
    from emis.safety.services import alert_handle, expiry_sweep
    from emis.safety.tests.conftest import setup_fleet

    setup_fleet(county)
    (alert,) = expiry_sweep(acting_user=admin, today=dt.date(2026, 3, 1))
    school = county.users[Role.SCHOOL]
    return lambda: alert_handle(alert=alert, acting_user=school, comment="已续保", today=dt.date(2026, 3, 5))


def _safety_evidence_added(county, admin):
    from emis.safety.models import SafetyFact
    from emis.safety.services import evidence_add
    from emis.safety.tests.test_evidence import jpeg

    row = SafetyFact.objects.create(school=county.school_a1, kind="closed", effective_on=dt.date(2024, 9, 1))
    return lambda: evidence_add(row=row, upload=jpeg(), acting_user=admin)


def _safety_evidence_deleted(county, admin):
    from emis.safety.models import SafetyFact
    from emis.safety.services import evidence_add, evidence_delete
    from emis.safety.tests.test_evidence import jpeg

    row = SafetyFact.objects.create(school=county.school_a1, kind="closed", effective_on=dt.date(2024, 9, 1))
    (evidence,) = evidence_add(row=row, upload=jpeg(), acting_user=admin)
    return lambda: evidence_delete(evidence=evidence, acting_user=admin)


WRITES.update(
    {
        "emis.safety.services.evidence_add": [_safety_evidence_added],
        "emis.safety.services.evidence_delete": [_safety_evidence_deleted],
        "emis.safety.services.record_save": [_safety_fact_saved],
        "emis.safety.services.driver_save": [_safety_driver_saved],
        "emis.safety.services.expiry_sweep": [_safety_swept],
        "emis.safety.services.alert_handle": [_safety_alert_handled],
    }
)
NO_LOGGED_WRITES.update(
    {
        "emis.safety.services.lead_days": "a setting (days ahead of an expiry)",
        "emis.safety.services.evidence_max_bytes": "a setting (the largest evidence file)",
        "emis.safety.services.evidence_downloaded": "records a download (an AuditEvent, not a registry row)",
        "emis.safety.services.years_between": "a computation (an age)",
        "emis.safety.services.birthday": "a computation (the day one turns an age)",
        "emis.tutoring.services.institution_problems": "a rule (why the registry refuses an institution)",
    }
)
# 教育督导 (emis.supervision.services): the 督学 registry, 责任区, the plan, visits and their 整改通知书, 挂点包片.
# The cases use a 督学 without an account: an account's schools (many-to-many) are change-logged on the account by
# the m2m signal, which the row comparison here does not see (emis/supervision/tests/test_supervision.py checks it).


def _supervision_inspector(name="周督学"):
    from emis.supervision.models import Inspector

    return Inspector.objects.create(name=name, kind="full_time", start_date=dt.date(2020, 1, 1))


def _supervision_inspector_saved(county, admin):
    from emis.supervision.models import Inspector
    from emis.supervision.services import inspector_save

    row = Inspector(name="吴督学", kind="special", start_date=dt.date(2024, 9, 1))
    return lambda: inspector_save(inspector=row, acting_user=admin)


def _supervision_assignment_started(county, admin):
    from emis.supervision.models import Assignment
    from emis.supervision.services import assignment_start

    previous = _supervision_inspector("郑督学")
    Assignment.objects.create(inspector=previous, school=county.school_a1, start_date=dt.date(2024, 9, 1))
    inspector = _supervision_inspector()
    return lambda: assignment_start(
        inspector=inspector, school=county.school_a1, start_date=dt.date(2024, 12, 1), acting_user=admin
    )


def _supervision_assignment_ended(county, admin):
    from emis.supervision.models import Assignment
    from emis.supervision.services import assignment_end

    row = Assignment.objects.create(
        inspector=_supervision_inspector(), school=county.school_a1, start_date=dt.date(2024, 9, 1)
    )
    return lambda: assignment_end(assignment=row, end_date=dt.date(2024, 12, 31), acting_user=admin)


def _supervision_leader_post_saved(county, admin):
    from emis.supervision.models import LeaderPost
    from emis.supervision.services import leader_post_save

    row = LeaderPost(leader=county.users[Role.LEADER], township=county.township_b, start_date=dt.date(2024, 9, 1))
    return lambda: leader_post_save(post=row, acting_user=admin)


def _supervision_plan_generated(county, admin):
    from emis.supervision.models import Assignment
    from emis.supervision.services import plan_generate

    Assignment.objects.create(
        inspector=_supervision_inspector(), school=county.school_a1, start_date=dt.date(2024, 9, 1)
    )
    return lambda: plan_generate(year=2024, term="autumn", acting_user=admin)


def _supervision_visit_recorded(county, admin):
    from emis.supervision.services import visit_record

    inspector = _supervision_inspector()
    findings = [{"text": "消防器材过期", "severity": "serious", "must_change": True}]
    return lambda: visit_record(
        school=county.school_a1,
        inspector=inspector,
        visited_on=dt.date(2024, 10, 8),
        matters=["safety"],
        findings=findings,
        acting_user=admin,
        client_token="write-path",
    )


def _supervision_visit_noticed(county, admin):
    from emis.supervision.services import visit_notice, visit_record

    visit = visit_record(
        school=county.school_a1,
        inspector=_supervision_inspector(),
        visited_on=dt.date(2024, 10, 8),
        findings=[{"text": "消防器材过期", "severity": "serious", "must_change": True}],
        acting_user=admin,
    )
    return lambda: visit_notice(visit=visit, acting_user=admin, today=dt.date(2024, 10, 9))


SUPERVISION_WRITES = {
    "emis.supervision.services.inspector_save": [_supervision_inspector_saved],
    "emis.supervision.services.assignment_start": [_supervision_assignment_started],
    "emis.supervision.services.assignment_end": [_supervision_assignment_ended],
    "emis.supervision.services.leader_post_save": [_supervision_leader_post_saved],
    "emis.supervision.services.plan_generate": [_supervision_plan_generated],
    "emis.supervision.services.visit_record": [_supervision_visit_recorded],
    "emis.supervision.services.visit_notice": [_supervision_visit_noticed],
}
WRITES.update(SUPERVISION_WRITES)
NO_LOGGED_WRITES.update(
    {
        "emis.supervision.services.assignment_warnings": "reads (the schools in a 责任区 beyond five)",
        "emis.supervision.services.scope_refresh": (
            "sets accounts' schools (many-to-many, change-logged on the account by the m2m signal)"
        ),
    }
)


# 校外培训机构 (emis.tutoring.services): the registry's rows, a complaint and a rectification case on the work engine
# (the fixture's institutions: 学科类 in township A, 非学科类 in township B).


def _tutoring(county):
    from emis.tutoring.tests.conftest import setup_institutions

    return setup_institutions(county)


def _tutoring_institution_saved(county, admin):
    from emis.tutoring.services import institution_save

    institution = _tutoring(county)["A"]
    institution.status = "suspended"
    return lambda: institution_save(institution=institution, acting_user=admin, today=dt.date(2024, 10, 8))


def _tutoring_teacher_saved(county, admin):
    from emis.tutoring.models import Teacher
    from emis.tutoring.services import teacher_save

    teacher = Teacher(institution=_tutoring(county)["A"], name="王老师", certificate="20184210099")
    return lambda: teacher_save(teacher=teacher, acting_user=admin)


def _tutoring_fee_plan_saved(county, admin):
    from decimal import Decimal

    from emis.tutoring.models import FeePlan
    from emis.tutoring.services import fee_plan_save

    plan = FeePlan(
        institution=_tutoring(county)["B"],
        course="美术",
        price_per_hour=Decimal("60"),
        prepaid_hours=48,
        prepaid_months=Decimal("3"),
        effective_from=dt.date(2024, 9, 1),
    )
    return lambda: fee_plan_save(plan=plan, acting_user=admin)


def _tutoring_joint_check_saved(county, admin):
    from emis.tutoring.models import JointCheck
    from emis.tutoring.services import joint_check_save

    check = JointCheck(checked_on=dt.date(2024, 10, 8), township=county.township_a, partners=["market", "fire"])
    return lambda: joint_check_save(check=check, acting_user=admin)


def _tutoring_complaint(county, admin):
    from emis.tutoring.services import complaint_receive

    return complaint_receive(
        institution=_tutoring(county)["A"],
        received_on=dt.date(2024, 10, 8),
        channel="12345",
        complainant="张女士",
        content="预收费超过三个月。",
        acting_user=admin,
    )


def _tutoring_complaint_received(county, admin):
    from emis.tutoring.services import complaint_receive

    institution = _tutoring(county)["B"]
    return lambda: complaint_receive(
        institution=institution,
        received_on=dt.date(2024, 10, 8),
        channel="phone",
        complainant="李先生",
        content="晚上九点后仍在上课。",
        acting_user=admin,
    )


def _tutoring_complaint_concluded(county, admin):
    from emis.tutoring.services import complaint_step

    complaint = _tutoring_complaint(county, admin)
    return lambda: complaint_step(complaint=complaint, transition="conclude", result="已退费。", acting_user=admin)


def _tutoring_rectification_opened(county, admin):
    from emis.tutoring.services import rectification_open

    institution = _tutoring(county)["A"]
    return lambda: rectification_open(
        institution=institution, findings=["预收费超过3个月"], days=20, acting_user=admin, today=dt.date(2024, 10, 8)
    )


def _tutoring_rectification_reported(county, admin):
    from emis.tutoring.services import rectification_open, rectification_step

    case = rectification_open(
        institution=_tutoring(county)["A"], findings=["预收费超过3个月"], acting_user=admin, today=dt.date(2024, 10, 8)
    )
    return lambda: rectification_step(case=case, transition="report", comment="已退还。", acting_user=admin)


TUTORING_WRITES = {
    "emis.tutoring.services.institution_save": [_tutoring_institution_saved],
    "emis.tutoring.services.teacher_save": [_tutoring_teacher_saved],
    "emis.tutoring.services.fee_plan_save": [_tutoring_fee_plan_saved],
    "emis.tutoring.services.joint_check_save": [_tutoring_joint_check_saved],
    "emis.tutoring.services.complaint_receive": [_tutoring_complaint_received],
    "emis.tutoring.services.complaint_step": [_tutoring_complaint_concluded],
    "emis.tutoring.services.rectification_open": [_tutoring_rectification_opened],
    "emis.tutoring.services.rectification_step": [_tutoring_rectification_reported],
}
WRITES.update(TUTORING_WRITES)


def service_functions() -> set[str]:
    """Every public function defined in a service module: a ``services.py``, or any module of a ``services``
    package (its ``__init__`` too). A function re-exported elsewhere is named once, by the module defining it."""
    found = set()
    for info in pkgutil.walk_packages(emis.__path__, "emis."):
        parts = info.name.split(".")
        if ("services" not in parts and info.name not in SERVICE_MODULES) or "tests" in parts:
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


def _tutoring_institution_rows(county):
    from emis.tutoring.tests.conftest import make_institution

    make_institution(county)  # 通羊学而思培训学校, township A
    header = ["所在乡镇代码", "机构名称", "法人类型", "培训类别", "办学地址", "联系电话"]
    return header, [
        ["421224101", "南林桥小画家美术培训中心", "营利性（企业）", "非学科类", "南林桥镇新街2号", ""],
        ["421224100", "通羊学而思培训学校", "", "", "", "0715-8881234"],
    ]


def _aid_eligibility_rows(county):
    from emis.aid.models import Recognition

    child, other = county.students["张三丰"], county.students["赵思飞"]
    Recognition.objects.create(
        id_number=child.id_number,
        name=child.name,
        category="poverty",
        recognised_on=dt.date(2024, 9, 1),
        source="rural",
        county_code="421224",
        township_code="421224100",
    )
    header = ["身份证件号", "姓名", "资助对象类别", "认定日期", "认定来源"]
    return header, [
        [child.id_number, child.name, "脱贫家庭", dt.date(2024, 9, 10), "乡村振兴"],
        [other.id_number, other.name, "低保", dt.date(2024, 9, 10), "民政"],
    ]


IMPORT_ROWS = {
    "students": _student_rows,
    "divisions": _division_rows,
    "schools": _school_rows,
    "staff": _staff_rows,
    "population": _population_rows,
    "outside": _outside_rows,
    "aid_eligibility": _aid_eligibility_rows,
    "tutoring_institutions": _tutoring_institution_rows,
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
