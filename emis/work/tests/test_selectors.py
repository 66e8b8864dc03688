"""The inbox's query agrees with the service case by case; escalations reach the level above; time against limit."""

import datetime as dt

from emis.core.access import Role
from emis.work.deadlines import sweep
from emis.work.declaration import Level
from emis.work.models import Case, CaseClock
from emis.work.selectors import clock_usage, escalated_to, waiting_for
from emis.work.services import available_transitions, case_open, case_transition

from .conftest import add_notice

DAY = dt.date(2021, 9, 30)


def cases_in_every_state(county, actors):
    """Cases at A1, A2, B1 and a township's own, moved to several states."""
    made = []
    for school in (county.school_a1, county.school_a2, county.school_b1, None):
        kwargs = {"school": school} if school else {"division_code": county.township_a.code}
        for steps in ((), ("issue",), ("issue", "receive"), ("issue", "receive", "ask_papers")):
            case = case_open(
                workflow="worktest_rectification",
                title=f"{school}{steps}",
                acting_user=actors["section_work"],
                today=DAY,
                **kwargs,
            )
            add_notice(case)
            for name in steps:
                user = actors["section_work"] if name != "receive" else actors["school_a2"]
                if name == "receive" and school is not None:
                    user = {
                        county.school_a1.pk: actors[Role.SCHOOL],
                        county.school_a2.pk: actors["school_a2"],
                        county.school_b1.pk: actors["school_b1"],
                    }[school.pk]
                if name == "receive" and school is None:
                    break  # nobody is the school of a township's own case
                if name == "ask_papers":
                    user = actors[Role.TOWNSHIP] if school != county.school_b1 else actors["township_b"]
                case = case_transition(case=case, transition=name, acting_user=user, comment="c", today=DAY).case
            made.append(case)
    return made


def test_the_inbox_query_agrees_with_the_service(county, actors):
    cases = cases_in_every_state(county, actors)
    for key, user in actors.items():
        expected = {c.pk for c in cases if available_transitions(c, user)}
        assert set(waiting_for(user).values_list("pk", flat=True)) == expected, key
    # Spot checks: the school of A1 receives its issued notice, reports, supplies papers; township B sees nothing of A.
    assert {c.title for c in waiting_for(actors[Role.SCHOOL])} == {
        f"{county.school_a1}('issue',)",
        f"{county.school_a1}('issue', 'receive')",
        f"{county.school_a1}('issue', 'receive', 'ask_papers')",
    }
    assert all(c.division_code.startswith(county.township_b.code) for c in waiting_for(actors["township_b"]))
    assert not waiting_for(actors[Role.LEADER]).exists()


def test_the_inbox_is_soonest_first(county, actors):
    cases_in_every_state(county, actors)
    dues = [c.due_on for c in waiting_for(actors["section_work"])]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated) and dues[: len(dated)] == dated


def test_escalations_reach_the_level_above(county, actors):
    cases_in_every_state(county, actors)
    sweep(dt.date(2021, 10, 21))
    township_a = set(escalated_to(actors[Role.TOWNSHIP]).values_list("title", flat=True))
    assert township_a and all(Case.objects.get(title=t).school_id for t in township_a)
    assert all(Case.objects.get(title=t).escalated_to == Level.TOWNSHIP for t in township_a)
    # The township's own overdue case went to the county: the county sees it and the schools' ones.
    county_sees = escalated_to(actors["section_work"])
    assert county_sees.filter(school__isnull=True).exists() and county_sees.filter(school__isnull=False).exists()
    assert not escalated_to(actors[Role.SCHOOL]).exists()


def test_time_taken_against_the_limit_leaves_out_paused_days(county, actors):
    case = case_open(
        workflow="worktest_rectification",
        title="x",
        school=county.school_a1,
        acting_user=actors[Role.TOWNSHIP],
        today=DAY,
    )
    add_notice(case)
    case_transition(case=case, transition="issue", acting_user=actors[Role.TOWNSHIP], today=DAY)
    case_transition(case=case.pk, transition="receive", acting_user=actors[Role.SCHOOL], today=DAY)
    clock = CaseClock.objects.get(case=case)
    assert clock_usage(clock, dt.date(2021, 10, 11)) == {"used": 3, "limit": 10, "remaining": 7, "unit": "working"}
    case_transition(
        case=case.pk,
        transition="ask_papers",
        acting_user=actors[Role.TOWNSHIP],
        comment="c",
        today=dt.date(2021, 10, 8),
    )
    clock.refresh_from_db()
    assert clock_usage(clock, dt.date(2021, 10, 12))["used"] == 1  # paused since 10-08: the clock stands still
    case_transition(case=case.pk, transition="papers_in", acting_user=actors[Role.SCHOOL], today=dt.date(2021, 10, 13))
    clock.refresh_from_db()
    # 10-08 and 10-14 count; 10-09 .. 10-13 were paused.
    assert clock_usage(clock, dt.date(2021, 10, 14))["used"] == 2
    assert clock_usage(clock, dt.date(2021, 10, 27))["remaining"] == -1  # due 10-26
