"""Property: random sequences of transitions by random users (every role, in and out of scope) never reach a state
the declaration does not allow, never let a wrong role or an actor outside the case's scope or level act, always
leave exactly one audit event and one timeline step per step taken, and a refused step changes nothing.

The oracle is written apart from the service: who covers the case at which level is a table here, from the test
county's shape (emis.testing), not from emis.work.scope.
"""

import datetime as dt

from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.work.models import Case, Step
from emis.work.services import TransitionRefused, case_open, case_transition

from .conftest import add_notice, photo
from .workflows import TEST_WORKFLOW

DAY = dt.date(2021, 9, 30)
USERS = [
    Role.LEADER,
    Role.SECTION,  # a 股室 account without the workflow's domain
    "section_work",
    Role.TOWNSHIP,  # 通羊镇 (A1, A2)
    "township_b",
    Role.SCHOOL,  # A1
    "school_a2",
    "school_b1",
    Role.INSPECTOR,  # A2 and B1
    Role.ADMIN,
]
# Who holds each case in scope at each level: the case's school (A1 or B1) -> level -> users.
COVERS = {
    "A1": {
        "school": {Role.SCHOOL, Role.TOWNSHIP, Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
        "township": {Role.TOWNSHIP, Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
        "county": {Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
    },
    "B1": {
        "school": {"school_b1", Role.INSPECTOR, "township_b", Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
        "township": {"township_b", Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
        "county": {Role.SECTION, "section_work", Role.LEADER, Role.ADMIN},
    },
}
# The roles of the test users, and whether the workflow's domain is theirs (股室: only section_work's account).
ROLE_OF = {
    Role.LEADER: Role.LEADER,
    Role.SECTION: Role.SECTION,
    "section_work": Role.SECTION,
    Role.TOWNSHIP: Role.TOWNSHIP,
    "township_b": Role.TOWNSHIP,
    Role.SCHOOL: Role.SCHOOL,
    "school_a2": Role.SCHOOL,
    "school_b1": Role.SCHOOL,
    Role.INSPECTOR: Role.INSPECTOR,
    Role.ADMIN: Role.ADMIN,
}
NAMES = [t.name for t in TEST_WORKFLOW.transitions if not t.opens] + ["undeclared"]


def attempt(data, state, school_key):
    """One attempt, drawn knowing the current state: usually a transition declared from it (so sequences go deep),
    sometimes any name; often a user who may take it, otherwise anyone; usually the requirements met."""
    available = [t.name for t in TEST_WORKFLOW.available(state)]
    if len(available) > 1 and data.draw(st.integers(0, 3), label="not withdraw") > 0:
        available.remove("withdraw")  # open from almost every state: taken too often, sequences end early
    if available and data.draw(st.integers(0, 3), label="pick") > 0:
        name = data.draw(st.sampled_from(available), label="transition")
    else:
        name = data.draw(st.sampled_from(NAMES), label="any transition")
    met = st.sampled_from([True, True, True, False])
    able = [u for u in USERS if expected_ok(state, school_key, u, name, True, True, True)]
    users = able if able and data.draw(st.booleans(), label="able user") else USERS
    return (
        data.draw(st.sampled_from(users), label="user"),
        name,
        data.draw(met, label="comment"),
        data.draw(met, label="values"),
        data.draw(met, label="attachment"),
    )


def expected_ok(state, school_key, user_key, name, comment, values, attachment) -> bool:
    if name == "undeclared":
        return False
    t = TEST_WORKFLOW.transition(name)
    if user_key not in COVERS[school_key]["school"]:
        return False  # out of scope: "not found"
    if ROLE_OF[user_key] not in t.roles or user_key == Role.SECTION:
        return False
    if user_key not in COVERS[school_key][t.level]:
        return False
    if state not in t.sources:
        return False
    r = t.requires
    if (r.comment and not comment) or (r.fields and not values) or (r.attachments > attachment):
        return False
    return True


def counts(case):
    return (
        Step.objects.filter(case=case).count(),
        AuditEvent.objects.filter(event__startswith="work.", data__case=case.pk).count(),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(school_key=st.sampled_from(["A1", "B1"]), length=st.integers(1, 16), data=st.data())
def test_random_steps_by_random_users_follow_the_declaration(county, actors, school_key, length, data):
    with transaction.atomic():
        school = county.school_a1 if school_key == "A1" else county.school_b1
        case = case_open(
            workflow=TEST_WORKFLOW.code, title="p", school=school, acting_user=actors["section_work"], today=DAY
        )
        add_notice(case)
        taken = 1
        for _ in range(length):
            case.refresh_from_db()
            user_key, name, comment, values, attachment = attempt(data, case.state, school_key)
            before = (case.state, case.version, case.data, *counts(case))
            ok = expected_ok(case.state, school_key, user_key, name, comment, values, attachment)
            try:
                step = case_transition(
                    case=case,
                    transition=name,
                    acting_user=actors[user_key],
                    comment="意见" if comment else "",
                    values={"summary": "s", "reason": "r", "days": 3} if values else {},
                    attachments=[photo()] if attachment else [],
                    today=DAY,
                )
            except TransitionRefused:
                assert not ok, (user_key, name, before[0])
                case.refresh_from_db()
                assert (case.state, case.version, case.data, *counts(case)) == before
                continue
            assert ok, (user_key, name, before[0])
            taken += 1
            declared = TEST_WORKFLOW.transition(name)
            assert before[0] in declared.sources
            assert step.case.state == declared.target in TEST_WORKFLOW.state_codes
            assert step.actor == actors[user_key] and step.actor_role in declared.roles
            case = Case.objects.get(pk=case.pk)
            assert case.version == before[1] + 1
        event(f"steps taken: {min(taken - 1, 4)}{'+' if taken > 4 else ''}")
        event(f"final state: {case.state}")
        # Exactly one step and one audit event for every step taken (the opening included).
        assert counts(case) == (taken, taken)
        assert list(Step.objects.filter(case=case).values_list("number", flat=True)) == list(range(1, taken + 1))
        transaction.set_rollback(True)
