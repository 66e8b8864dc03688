"""The transition service: a case through the whole declared cycle, every kind of refusal (in Chinese, nothing
changed), clocks started, stopped, restarted, paused and resumed, the audit trail and the notification hook."""

import datetime as dt

import pytest

from emis.core.access import Role
from emis.core.models import AuditEvent, ObjectChange
from emis.work import services
from emis.work.declaration import Level
from emis.work.models import Attachment, Case, CaseClock, ClockState, Step, Urgency
from emis.work.services import CaseMovedOn, TransitionRefused, case_open, case_transition
from emis.work.signals import case_moved

from .conftest import add_notice, photo

# 2021-09-30 is the Thursday before the 国庆 holidays (10-01..07); 10-09 (Saturday) was a makeup working day.
DAY = dt.date(2021, 9, 30)


def open_case(actors, county, **extra):
    return case_open(
        workflow="worktest_rectification",
        title="通羊镇中心小学消防通道整改",
        school=county.school_a1,
        acting_user=actors[Role.TOWNSHIP],
        today=DAY,
        **extra,
    )


def snapshot(case):
    case.refresh_from_db()
    return (
        case.state,
        case.version,
        case.due_on,
        Step.objects.filter(case=case).count(),
        CaseClock.objects.filter(case=case).count(),
        AuditEvent.objects.filter(event__startswith="work.").count(),
        Attachment.objects.filter(case=case).count(),
    )


def refused(fragment, **kwargs):
    with pytest.raises(TransitionRefused) as info:
        case_transition(**kwargs)
    assert fragment in info.value.messages[0], info.value.messages[0]
    return info.value


def test_a_case_goes_through_the_whole_cycle(county, actors, django_capture_on_commit_callbacks):
    moved = []
    case_moved.connect(lambda **kw: moved.append(kw["transition"].name), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = open_case(actors, county)
            assert (case.state, case.version, case.level, case.division_code) == (
                "draft",
                1,
                Level.SCHOOL,
                county.township_a.code,
            )
            add_notice(case)
            step = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
            case = step.case
            # 10 working days from 2021-09-30: 10-08, 10-09 (makeup Saturday), 10-11..15, 10-18, 10-19, 10-20.
            assert case.due_on == dt.date(2021, 10, 20)
            assert case.due_soon_on == dt.date(2021, 10, 18)
            case = case_transition(case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY).case
            case = case_transition(
                case=case,
                transition="report",
                acting_user=actors[Role.SCHOOL],
                values={"summary": "已清理"},
                attachments=[photo()],
                today=dt.date(2021, 10, 12),
            ).case
            # The rectify clock stopped; the 5 calendar-day verify clock runs from the report.
            assert case.due_on == dt.date(2021, 10, 17)
            case = case_transition(
                case=case, transition="accept", acting_user=actors[Role.TOWNSHIP], today=dt.date(2021, 10, 13)
            ).case
    finally:
        case_moved.disconnect(dispatch_uid="t")
    assert case.state == "accepted" and case.closed_at is not None
    assert case.due_on is None and case.urgency == Urgency.NORMAL
    assert not CaseClock.objects.filter(case=case).exclude(state=ClockState.STOPPED).exists()
    steps = list(Step.objects.filter(case=case).values_list("number", "transition", "from_state", "to_state"))
    assert steps == [
        (1, "create", "", "draft"),
        (2, "issue", "draft", "issued"),
        (3, "receive", "issued", "rectifying"),
        (4, "report", "rectifying", "reported"),
        (5, "accept", "reported", "accepted"),
    ]
    events = list(AuditEvent.objects.filter(event__startswith="work.").order_by("id").values_list("event", "data"))
    assert [e for e, _ in events] == [f"work.worktest_rectification.{name}" for _, name, _, _ in steps]
    assert events[3][1]["fields"] == ["summary"] and events[3][1]["attachments"] == 1
    # Called outside a request, the service names the actor in the audit trail itself.
    actors_named = (
        AuditEvent.objects.filter(event__startswith="work.").order_by("id").values_list("username", flat=True)
    )
    assert list(actors_named) == ["township_a", "township_a", "school_a1", "school_a1", "township_a"]
    assert moved == ["create", "issue", "receive", "report", "accept"]
    # The case row itself is change-logged like every registry row, filed under its school.
    changes = ObjectChange.objects.filter(object_id=case.pk, content_type__model="case")
    assert changes.filter(changes__has_key="state").count() == 5
    assert set(changes.values_list("school_id", flat=True)) == {county.school_a1.pk}
    # Evidence sent with the step is attached to it.
    assert Attachment.objects.get(case=case, kind="evidence").step.transition == "report"


def test_refusals_say_why_in_chinese_and_change_nothing(county, actors):
    case = open_case(actors, county)
    before = snapshot(case)
    # Requirements: the notice must be generated first.
    refused("须先生成整改通知书", case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
    # Role: a school may not issue.
    refused("学校管理员", case=case, transition="issue", acting_user=actors[Role.SCHOOL], today=DAY)
    # State: nothing to receive before it is issued.
    refused("草稿", case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY)
    # Undeclared transition.
    refused("没有", case=case, transition="fly", acting_user=actors[Role.TOWNSHIP], today=DAY)
    # Out of scope: the same words as a missing case, nothing told about it.
    error = refused("不存在", case=case, transition="issue", acting_user=actors["township_b"], today=DAY)
    assert error.code == "not_found"
    refused("不存在", case=case.pk + 999, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
    # A 股室 account without the workflow's domain on its account.
    refused("未获授权", case=case, transition="withdraw", acting_user=actors[Role.SECTION], today=DAY)
    # Fields: 撤销 needs its reason.
    refused("撤销原因", case=case, transition="withdraw", acting_user=actors["section_work"], today=DAY)
    assert snapshot(case) == before


def test_level_a_school_in_scope_of_a_township_step_is_refused(county, actors, test_workflow):
    """The inspector has A2 in scope, but 下发 answers to the township or above and the role is not named either;
    a school account has its case in scope but not at the township level."""
    case = case_open(
        workflow="worktest_rectification",
        title="A2",
        school=county.school_a2,
        acting_user=actors["section_work"],
        today=DAY,
    )
    add_notice(case)
    transition = test_workflow.transition("issue")
    assert "乡镇一级或其上级" in services._level_refusal(
        transition, actors["school_a2"], county.school_a2, case.division_code
    )
    assert services._level_refusal(transition, actors["section_work"], county.school_a2, case.division_code) is None
    # A county section issues a township-level step.
    step = case_transition(case=case, transition="issue", acting_user=actors["section_work"], today=DAY)
    assert step.actor_role == Role.SECTION


def test_withdraw_needs_the_county(county, actors):
    case = open_case(actors, county)
    # 撤销 is a county-level step: the township's account answers no (its role is not named either).
    refused(
        "乡镇中心学校",
        case=case,
        transition="withdraw",
        acting_user=actors[Role.TOWNSHIP],
        values={"reason": "x"},
        today=DAY,
    )
    step = case_transition(
        case=case, transition="withdraw", acting_user=actors["section_work"], values={"reason": "重复下发"}, today=DAY
    )
    assert step.case.state == "withdrawn" and step.values == {"reason": "重复下发"}
    assert step.case.data["reason"] == "重复下发"
    # A terminal state leaves nothing to do.
    refused("已撤销", case=step.case, transition="accept", acting_user=actors[Role.TOWNSHIP], today=DAY)


def test_a_stale_version_is_told_the_case_moved_on(county, actors):
    case = open_case(actors, county)
    add_notice(case)
    stale = Case.objects.get(pk=case.pk)
    case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
    with pytest.raises(CaseMovedOn) as info:
        case_transition(case=stale, transition="withdraw", acting_user=actors["section_work"], values={"reason": "x"})
    assert "已由他人办理" in info.value.messages[0] and "已下发" in info.value.messages[0]
    stale.refresh_from_db()
    assert stale.state == "issued" and stale.version == 2


def test_attachments_uploaded_before_the_step_count_and_join_it(county, actors):
    case = open_case(actors, county)
    add_notice(case)
    case = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY).case
    case = case_transition(case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY).case
    refused(
        "至少须上传 1 个附件（现有 0 个）",
        case=case,
        transition="report",
        acting_user=actors[Role.SCHOOL],
        values={"summary": "已整改"},
        today=DAY,
    )
    refused(
        "整改情况", case=case, transition="report", acting_user=actors[Role.SCHOOL], attachments=[photo()], today=DAY
    )
    assert not Attachment.objects.filter(case=case, kind="evidence").exists()  # the refused step stored no file
    from emis.work import attachments

    early = attachments.store(case, photo("before.jpg"), user=actors[Role.SCHOOL])
    # The township's photo waits for the township's own step: it neither counts for the school's report nor joins it.
    theirs = attachments.store(case, photo("township.jpg"), user=actors[Role.TOWNSHIP])
    step = case_transition(
        case=case, transition="report", acting_user=actors[Role.SCHOOL], values={"summary": "已整改"}, today=DAY
    )
    early.refresh_from_db()
    theirs.refresh_from_db()
    assert early.step == step and theirs.step is None
    accepted = case_transition(
        case=step.case, transition="accept", acting_user=actors[Role.TOWNSHIP], comment="验收通过", today=DAY
    )
    theirs.refresh_from_db()
    assert theirs.step == accepted


def test_pause_and_resume_do_not_count_the_paused_days(county, actors):
    case = open_case(actors, county)
    add_notice(case)
    case = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY).case
    assert case.due_on == dt.date(2021, 10, 20)
    case = case_transition(case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY).case
    # Paused on Friday 10-08, resumed on Wednesday 10-13: 10-09 (makeup Saturday), 10-11, 10-12, 10-13 do not count.
    case = case_transition(
        case=case,
        transition="ask_papers",
        acting_user=actors[Role.TOWNSHIP],
        comment="请补充照片",
        today=dt.date(2021, 10, 8),
    ).case
    assert case.clock_paused and case.urgency == Urgency.NORMAL
    clock = CaseClock.objects.get(case=case, name="rectify")
    assert (clock.state, clock.paused_on) == (ClockState.PAUSED, dt.date(2021, 10, 8))
    case = case_transition(
        case=case, transition="papers_in", acting_user=actors[Role.SCHOOL], today=dt.date(2021, 10, 13)
    ).case
    clock.refresh_from_db()
    assert clock.state == ClockState.RUNNING and clock.paused_days == 4
    # 4 more working days after 10-20: 10-21, 10-22, 10-25, 10-26.
    assert case.due_on == clock.due_on == dt.date(2021, 10, 26)
    assert not case.clock_paused


def test_send_back_restarts_the_limit_and_clears_escalation(county, actors):
    case = open_case(actors, county)
    add_notice(case)
    case = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY).case
    case = case_transition(case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY).case
    # Reported late: the rectify clock was overdue; the verify clock starts.
    case = case_transition(
        case=case,
        transition="report",
        acting_user=actors[Role.SCHOOL],
        values={"summary": "已整改"},
        attachments=[photo()],
        today=dt.date(2021, 10, 22),
    ).case
    assert case.due_on == dt.date(2021, 10, 27) and case.urgency == Urgency.NORMAL and case.escalated_to == ""
    case = case_transition(
        case=case,
        transition="send_back",
        acting_user=actors[Role.TOWNSHIP],
        comment="照片不清楚",
        today=dt.date(2021, 10, 25),
    ).case
    assert case.state == "rectifying"
    running = CaseClock.objects.filter(case=case).exclude(state=ClockState.STOPPED)
    assert list(running.values_list("name", "started_on")) == [("rectify", dt.date(2021, 10, 25))]


def test_the_limit_can_come_from_the_step(county, actors):
    case = open_case(actors, county)
    add_notice(case)
    case = case_transition(
        case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], values={"days": 3}, today=DAY
    ).case
    assert case.due_on == dt.date(2021, 10, 11)
    case2 = open_case(actors, county)
    add_notice(case2)
    refused(
        "期限天数", case=case2, transition="issue", acting_user=actors[Role.TOWNSHIP], values={"days": "abc"}, today=DAY
    )


def test_a_deadline_in_an_unknown_year_refuses_the_step(county, actors):
    from emis.work.models import CalendarYear

    CalendarYear.objects.filter(year=2027).delete()  # the test county has it entered; here nobody has
    case = case_open(
        workflow="worktest_rectification",
        title="x",
        school=county.school_a1,
        acting_user=actors[Role.TOWNSHIP],
        today=dt.date(2026, 12, 20),
    )
    add_notice(case)
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as info:
        case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=dt.date(2026, 12, 20))
    assert "2027年" in info.value.messages[0]
    assert snapshot(case) == before


def test_available_transitions_follow_role_level_and_state(county, actors):
    case = open_case(actors, county)
    names = lambda user: [t.name for t in services.available_transitions(case, user)]  # noqa: E731
    assert names(actors[Role.TOWNSHIP]) == ["issue"]
    assert names(actors["section_work"]) == ["issue", "withdraw"]
    assert names(actors[Role.SCHOOL]) == []
    assert names(actors[Role.LEADER]) == []


def test_opening_is_checked_too(county, actors):
    with pytest.raises(TransitionRefused) as info:
        case_open(
            workflow="worktest_rectification", title="x", school=county.school_b1, acting_user=actors[Role.TOWNSHIP]
        )
    assert "乡镇一级或其上级" in info.value.messages[0]
    with pytest.raises(TransitionRefused):
        case_open(
            workflow="worktest_rectification", title="x", school=county.school_a1, acting_user=actors[Role.SCHOOL]
        )
    assert not Case.objects.exists()


def test_a_step_takes_a_constant_number_of_queries(county, actors, django_assert_max_num_queries):
    case = open_case(actors, county, subject=county.school_a1)
    assert case.subject == county.school_a1
    add_notice(case)
    with django_assert_max_num_queries(18) as captured:  # 17 today: lock, checks, clocks, step, case, event
        step = case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
    first = len(captured.captured_queries)
    with django_assert_max_num_queries(first):
        case_transition(case=step.case, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY)
