"""The deadline sweep: due soon, overdue, escalation one level up and on to the county; paused clocks and closed
cases left alone; a second run the same day changes nothing; the management command runs it."""

import datetime as dt

from django.core.management import call_command

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.work.deadlines import SWEEP_EVENT, sweep
from emis.work.declaration import Level
from emis.work.models import Case, Urgency
from emis.work.services import case_open, case_transition
from emis.work.signals import deadlines_swept

from .conftest import add_notice

DAY = dt.date(2021, 9, 30)


def issued(actors, title, *, school=None, division_code="", today=DAY):
    case = case_open(
        workflow="worktest_rectification",
        title=title,
        school=school,
        division_code=division_code,
        acting_user=actors["section_work"],
        today=today,
    )
    add_notice(case)
    return case_transition(case=case, transition="issue", acting_user=actors["section_work"], today=today).case


def state():
    return sorted(Case.objects.values_list("title", "urgency", "escalated_to", "escalated_on"))


def test_the_sweep_marks_escalates_and_is_idempotent(county, actors, django_capture_on_commit_callbacks):
    school_case = issued(actors, "A", school=county.school_a1)  # due 10-20, due soon from 10-18, county after 10-27
    township_case = issued(actors, "T", division_code=county.township_a.code)
    assert (school_case.level, township_case.level) == (Level.SCHOOL, Level.TOWNSHIP)
    paused = issued(actors, "P", school=county.school_a1)
    paused = case_transition(case=paused, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY).case
    case_transition(
        case=paused, transition="ask_papers", acting_user=actors[Role.TOWNSHIP], comment="补材料", today=DAY
    )
    closed = issued(actors, "C", school=county.school_b1)
    case_transition(case=closed, transition="withdraw", acting_user=actors["section_work"], values={"reason": "x"})
    sent = []
    deadlines_swept.connect(lambda **kw: sent.append(kw["counts"]), weak=False, dispatch_uid="sweep-test")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep(dt.date(2021, 10, 15)) == {"overdue": 0, "due_soon": 0, "escalated": 0}
            assert sweep(dt.date(2021, 10, 18)) == {"overdue": 0, "due_soon": 2, "escalated": 0}
            assert sweep(dt.date(2021, 10, 21)) == {"overdue": 2, "due_soon": 0, "escalated": 2}
            after = state()
            assert sweep(dt.date(2021, 10, 21)) == {"overdue": 0, "due_soon": 0, "escalated": 0}
            assert state() == after
    finally:
        deadlines_swept.disconnect(dispatch_uid="sweep-test")
    assert after == [
        ("A", Urgency.OVERDUE, Level.TOWNSHIP, dt.date(2021, 10, 21)),
        ("C", Urgency.NORMAL, "", None),
        ("P", Urgency.NORMAL, "", None),
        ("T", Urgency.OVERDUE, Level.COUNTY, dt.date(2021, 10, 21)),
    ]
    assert len(sent) == 4 and sent[2]["escalated"] == 2
    # Five working days past the due date (10-27) the school's case goes on to the county, once.
    assert sweep(dt.date(2021, 10, 27))["escalated"] == 0
    assert sweep(dt.date(2021, 10, 28))["escalated"] == 1
    assert sweep(dt.date(2021, 10, 28))["escalated"] == 0
    assert Case.objects.get(title="A").escalated_to == Level.COUNTY
    assert AuditEvent.objects.filter(event=SWEEP_EVENT).count() == 7


def test_a_step_after_escalation_keeps_or_clears_it(county, actors):
    case = issued(actors, "A", school=county.school_a1)
    sweep(dt.date(2021, 10, 21))
    case.refresh_from_db()
    # Receiving the notice late changes no deadline: the escalation stays.
    case = case_transition(
        case=case, transition="receive", acting_user=actors[Role.SCHOOL], today=dt.date(2021, 10, 22)
    ).case
    assert (case.urgency, case.escalated_to) == (Urgency.OVERDUE, Level.TOWNSHIP)
    # Reporting stops that deadline and starts the verification one: nothing is overdue any more.
    from .conftest import photo

    case = case_transition(
        case=case,
        transition="report",
        acting_user=actors[Role.SCHOOL],
        values={"summary": "完成"},
        attachments=[photo()],
        today=dt.date(2021, 10, 22),
    ).case
    assert (case.urgency, case.escalated_to, case.escalated_on) == (Urgency.NORMAL, "", None)


def test_the_command_sweeps(county, actors, capsys):
    issued(actors, "A", school=county.school_a1)
    call_command("work_sweep", "--day", "2021-10-21")
    assert "overdue=1" in capsys.readouterr().out
    event = AuditEvent.objects.filter(event=SWEEP_EVENT).get()
    assert event.data["day"] == "2021-10-21"
