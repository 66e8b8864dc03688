"""The 劝返 case on the work engine: opening (from 四查三比对 flags and from a 辍学 roll change), every transition once,
each kind of refusal, contacts on both lines, the numbered 限期返校通知书, 复学 checked against the rolls, 销号 after
N school days, 双线 responsibility in the 待办, monthly reports (zero reports, overdue, quarterly re-check)."""

from __future__ import annotations

import datetime as dt

import pytest

from emis.core.access import Role
from emis.dropouts import selectors, services
from emis.dropouts.categories import Category
from emis.dropouts.models import Contact, DropoutCase, Line, MonthlyReport, Source
from emis.students.models import Enrollment
from emis.students.rollchanges import pupils_drop_out
from emis.testing import make_user
from emis.work.calendar import WorkCalendar
from emis.work.models import AttachmentKind, Case
from emis.work.selectors import waiting_for, waiting_users
from emis.work.services import TransitionRefused

from .conftest import DAY, DUTIES, flag, jpeg

pytestmark = pytest.mark.django_db


def dropped(county, name="张三丰", school_user=None):
    """The school records 辍学 for a pupil; the registry's hook opens the case."""
    student = county.students[name]
    pupils_drop_out(students=[student], date=DAY, reason="厌学", acting_user=school_user or county.users[Role.SCHOOL])
    return DropoutCase.objects.get(student=student)


def back_on_roll(county, name="张三丰", status="enrolled"):
    old = Enrollment.objects.get(student=county.students[name], is_current=True)
    old.is_current = False
    old.save()
    return Enrollment.objects.create(
        student=old.student,
        school=old.school,
        school_year=old.school_year,
        school_class=old.school_class,
        grade=old.grade,
        status=status,
        status_date=DAY + dt.timedelta(days=7),
    )


def confirmed(county, dc, user=None):
    user = user or county.users[Role.TOWNSHIP]
    dc = services.step(dc, "verify", user, today=DAY)
    dc = services.set_responsibles(dc, user, DUTIES)
    return services.confirm(dc, user, dropout_reason="weariness", today=DAY)


def test_flags_open_one_case_per_child_and_year_for_the_opening_categories(county):
    township = county.users[Role.TOWNSHIP]
    flags = [
        flag(county, Category.NOT_ENROLLED, name="甲"),
        flag(county, Category.TRANSFERRED_UNVERIFIED, name="乙"),
        flag(county, Category.DROPPED_OUT, student=county.students["陈明"], school=county.school_a2),
        flag(county, Category.SUSPENDED, name="丙"),
        flag(county, Category.POSSIBLE_MATCH, name="丁"),
    ]
    first = services.open_cases(flags, township, today=DAY)
    assert len(first.cases) == 3 and first.not_opened == 2
    again = services.open_cases(flags, township, today=DAY)
    assert again.cases == [] and again.existing == 3
    assert DropoutCase.objects.count() == 3
    chen = DropoutCase.objects.get(name="陈明")
    assert chen.case.school_id == county.school_a2.pk and chen.case.state == "suspected"
    jia = DropoutCase.objects.get(name="甲")
    assert jia.case.school_id is None and jia.case.division_code == county.township_a.code
    assert jia.case.due_on == WorkCalendar().add(DAY, 10)  # the 核实 clock


def test_a_township_may_not_open_a_case_outside_its_township(county):
    with pytest.raises(TransitionRefused):
        services.open_cases([flag(county, township=county.township_b)], county.users[Role.TOWNSHIP], today=DAY)
    assert not DropoutCase.objects.exists()


def test_the_roll_change_hook_opens_the_case(county):
    dc = dropped(county)
    assert dc.source == Source.ROLL_CHANGE and dc.category == Category.DROPPED_OUT
    assert dc.case.school_id == county.school_a1.pk and "厌学" in dc.reason
    # Recorded again (a second 辍学 the same year would be refused by the registry): the hook is idempotent.
    from emis.students.models import RollChange

    assert (
        services.dropout_recorded(roll_change=RollChange.objects.get(), acting_user=county.users[Role.SCHOOL]).existing
        == 1
    )


def test_a_recorder_without_the_domain_still_records_the_dropout(county):
    """A 股室 account without 控辍保学 records the 辍学; the case waits for 四查三比对."""
    from emis.students.apps import DOMAIN as STUDENTS

    clerk = make_user("clerk", Role.SECTION, divisions=[county.county], domains=[STUDENTS])
    pupils_drop_out(students=[county.students["张三丰"]], date=DAY, acting_user=clerk)
    assert Enrollment.objects.get(student=county.students["张三丰"], is_current=True).status == "dropped_out"
    assert not DropoutCase.objects.exists()


def test_the_whole_cycle_to_closed(county, settings):
    township, school = county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]
    dc = dropped(county)
    dc = services.step(dc, "verify", township, today=DAY)
    assert dc.case.state == "verifying"
    with pytest.raises(TransitionRefused, match="双线责任人"):
        services.confirm(dc, township, dropout_reason="weariness", today=DAY)
    dc = services.set_responsibles(dc, township, DUTIES)
    dc = services.confirm(dc, township, dropout_reason="weariness", today=DAY)
    assert dc.case.state == "confirmed" and dc.confirmed_at is not None

    dc = services.issue_notice(dc, township, days=15, guardian="张父", today=DAY)
    assert dc.case.state == "persuading"
    assert dc.notice_number == "通教控辍〔2024〕1号"
    docs = list(dc.case.attachments.filter(kind=AttachmentKind.DOCUMENT))
    assert len(docs) == 1 and docs[0].name.endswith(".docx")
    assert dc.case.due_on == WorkCalendar().add(DAY, 15)

    first = services.record_contact(
        dc, township, date=DAY, line=Line.ADMIN, who="李镇长、张书记", outcome="家访，家长同意下周送回", photo=jpeg()
    )
    dc.refresh_from_db()
    services.record_contact(
        dc, school, date=DAY + dt.timedelta(days=1), line=Line.EDUCATION, who="赵老师", outcome="电话回访"
    )
    assert first.photo is not None and first.photo.step_id == first.step_id
    assert {c.line for c in Contact.objects.filter(dropout_case=dc)} == {Line.ADMIN, Line.EDUCATION}
    dc.refresh_from_db()
    assert dc.case.state == "persuading" and dc.case.steps.filter(transition="contact").count() == 2

    with pytest.raises(TransitionRefused, match="学籍中没有该儿童的在读记录"):
        services.mark_returned(dc, school, returned_on=DAY + dt.timedelta(days=7), today=DAY + dt.timedelta(days=7))
    back_on_roll(county)
    returned_on = DAY + dt.timedelta(days=7)
    dc = services.mark_returned(dc, school, returned_on=returned_on, today=returned_on)
    assert dc.case.state == "returned" and dc.return_school_id == county.school_a1.pk

    early = WorkCalendar().add(returned_on, 19)
    with pytest.raises(TransitionRefused, match="复学满20个在校日后方可销号") as refused:
        services.close(dc, township, today=early)
    assert refused.value.code == "too_early"
    settings.EMIS_DROPOUTS_CLOSE_AFTER_DAYS = 5
    dc = services.close(dc, township, today=WorkCalendar().add(returned_on, 5))
    assert dc.case.state == "closed" and dc.case.closed_at is not None


def test_refusals_wrong_role_out_of_scope_missing_evidence(county, section):
    township, school = county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]
    dc = dropped(county)
    with pytest.raises(TransitionRefused):  # wrong role: a school does not verify
        services.step(dc, "verify", school, today=DAY)
    b_case = services.open_cases([flag(county, township=county.township_b, name="南林")], section, today=DAY).cases[0]
    with pytest.raises(TransitionRefused):  # out of scope: township A on township B's case
        services.step(b_case, "verify", township, today=DAY)
    with pytest.raises(TransitionRefused, match="佐证|材料|附件|文件"):  # missing evidence
        services.exclude(b_case, section, exclusion="deceased", comment="已死亡", today=DAY)
    b_case.refresh_from_db()
    assert b_case.case.state == "suspected"
    dc.refresh_from_db()
    assert dc.case.state == "suspected"


def test_exclude_defer_suspend_and_home_teaching(county, section):
    township = county.users[Role.TOWNSHIP]
    opened = services.open_cases([flag(county, name=name) for name in ("甲", "乙", "丙")], township, today=DAY).cases
    excluded = services.exclude(
        opened[0], township, exclusion="moved_away", comment="迁往外省", attachments=[jpeg()], today=DAY
    )
    assert excluded.case.state == "excluded" and excluded.exclusion == "moved_away"
    deferred = services.step(
        opened[1], "defer", township, values={"approval": "通教〔2024〕5号"}, attachments=[jpeg()], today=DAY
    )
    assert deferred.case.state == "deferred"
    suspended = services.step(
        opened[2], "suspend", section, values={"approval": "休学审批表"}, attachments=[jpeg()], today=DAY
    )
    assert suspended.case.state == "suspended"

    dc = confirmed(county, dropped(county))
    with pytest.raises(TransitionRefused, match="保留学籍"):
        services.home_teaching(dc, township, comment="重度残疾，专家委员会评估", attachments=[jpeg()], today=DAY)
    back_on_roll(county)
    dc = services.home_teaching(dc, township, comment="重度残疾，专家委员会评估", attachments=[jpeg()], today=DAY)
    assert dc.case.state == "home_teaching"
    visit = services.record_contact(
        dc, county.users[Role.SCHOOL], date=DAY, line=Line.EDUCATION, who="赵老师", outcome="送教2课时"
    )
    assert visit.kind == "home_teaching"
    dc.refresh_from_db()
    with pytest.raises(TransitionRefused, match="写明情况"):
        services.close(dc, township, today=DAY)
    assert services.close(dc, township, comment="年满16周岁，送教结束", today=DAY).case.state == "closed"


def test_a_contact_is_refused_outside_persuasion_and_in_the_future(county):
    township = county.users[Role.TOWNSHIP]
    dc = dropped(county)
    with pytest.raises(TransitionRefused):
        services.record_contact(dc, township, date=DAY, line=Line.ADMIN, who="李", outcome="x", today=DAY)
    dc = services.issue_notice(confirmed(county, dc), township, today=DAY)
    with pytest.raises(TransitionRefused, match="不能晚于今天"):
        services.record_contact(
            dc, township, date=DAY + dt.timedelta(days=1), line=Line.ADMIN, who="李", outcome="x", today=DAY
        )


def test_notices_are_numbered_in_sequence(county):
    township = county.users[Role.TOWNSHIP]
    a = services.issue_notice(confirmed(county, dropped(county)), township, today=DAY)
    b = services.issue_notice(confirmed(county, dropped(county, "李小梅")), township, today=DAY)
    assert (a.notice_number, b.notice_number) == ("通教控辍〔2024〕1号", "通教控辍〔2024〕2号")


def test_named_responsible_users_see_the_case_in_their_inbox(county):
    township, school = county.users[Role.TOWNSHIP], county.users[Role.SCHOOL]
    teacher = make_user("teacher_a1", Role.SCHOOL, schools=[county.school_a1])
    other_teacher = make_user("teacher_b1", Role.SCHOOL, schools=[county.school_b1])
    dc = dropped(county)
    # 疑似: the township verifies; nothing waits for a school account.
    assert not waiting_for(teacher).filter(pk=dc.case_id).exists()
    dc = services.set_responsibles(
        dc, township, {**DUTIES, "class_teacher_user": teacher, "principal_user": other_teacher}
    )
    assert waiting_for(teacher).filter(pk=dc.case_id).exists()
    assert teacher in waiting_users(dc.case)
    # Named, but outside the case's scope: not shown.
    assert not waiting_for(other_teacher).filter(pk=dc.case_id).exists()
    assert other_teacher not in waiting_users(dc.case)
    # A school may not name them.
    with pytest.raises(TransitionRefused):
        services.set_responsibles(dc, school, DUTIES)
    dc = services.set_responsibles(dc, township, {"class_teacher_user": None})
    assert not waiting_for(teacher).filter(pk=dc.case_id).exists()


def test_monthly_reports_zero_overdue_escalated_and_rechecked(county, section):
    from emis.work.deadlines import sweep

    month = dt.date(2024, 9, 1)
    made = services.request_reports(month, section)
    assert {r.school_id for r in made} == {county.school_a1.pk, county.school_a2.pk, county.school_b1.pk}
    assert services.request_reports(month, section) == []  # idempotent
    report = MonthlyReport.objects.get(school=county.school_a1, month=month)
    school = county.users[Role.SCHOOL]
    assert waiting_for(school).filter(pk=report.case_id).exists()
    sweep(today=report.case.due_on + dt.timedelta(days=3))
    report.case.refresh_from_db()
    assert report.case.urgency == "overdue" and report.case.escalated_to == "township"
    assert waiting_for(school).filter(pk=report.case_id, urgency="overdue").exists()

    report = services.submit_report(report, school)
    assert report.zero and report.note == "本月无辍学" and report.case.state == "submitted"
    a2 = MonthlyReport.objects.get(school=county.school_a2, month=month)
    with pytest.raises(TransitionRefused):  # a school answers for its own report only
        services.submit_report(a2, school)
    assert services.quarterly_recheck(section, year=2024, quarter=3) == 1
    report.case.refresh_from_db()
    assert report.case.state == "rechecked"


def test_dashboard_says_nobody_is_out_of_school_only_when_true(county):
    township = county.users[Role.TOWNSHIP]
    assert selectors.none_out_of_school(township, county.year)
    dc = confirmed(county, dropped(county))
    board = selectors.dashboard(township, county.year)
    assert not board["none_out_of_school"] and board["total"]["out_of_school"] == 1
    row = board["townships"][0]
    assert (row["code"], row["flagged"], row["confirmed"]) == (county.township_a.code, 1, 1)
    # Township B's account sees none of it.
    b_user = make_user("township_b", Role.TOWNSHIP, divisions=[county.township_b])
    assert selectors.dashboard(b_user, county.year)["none_out_of_school"]
    back_on_roll(county)
    services.mark_returned(dc, township, returned_on=DAY, today=DAY)
    board = selectors.dashboard(township, county.year)
    assert board["none_out_of_school"] and board["total"]["returned"] == 1


def test_case_state_in_the_engine_is_the_only_state(county):
    dc = dropped(county)
    assert not any(f.name in ("state", "status") for f in DropoutCase._meta.fields)
    assert Case.objects.get(pk=dc.case_id).workflow == "dropout_return"


def test_age_window_of_the_ledger():
    """Of age in school year Y: 6 by 31 August Y (a child turning 6 on 31 August is in, on 1 September is not) and not
    16 by 31 August Y."""
    first, last = selectors.age_window(2024)
    assert (first, last) == (dt.date(2008, 9, 1), dt.date(2018, 8, 31))


def test_app_only_steps_are_refused_through_the_engine_api(county):
    from emis.testing import api_token_for

    township = county.users[Role.TOWNSHIP]
    dc = services.issue_notice(confirmed(county, dropped(county)), township, today=DAY)
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_for(township)}")
    response = client.post(
        f"/api/cases/{dc.case_id}/transitions/",
        {"transition": "contact", "version": dc.case.version, "values": {"date": "2024-10-15", "line": "admin"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not Contact.objects.exists()
