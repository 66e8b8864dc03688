"""Two (or more) people act on the same case at once: one wins, the others are told the case moved on, nothing is
lost. A real race between threads with their own database connections, on PostgreSQL (SQLite has no row locks and
one writer at a time; there the version check is tested in test_services.test_a_stale_version_is_told_...)."""

import threading
from unittest import mock

import pytest
from django.db import connection, connections

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.testing import make_division, make_school, make_user
from emis.work import services
from emis.work.models import Case, Step
from emis.work.services import CaseMovedOn, TransitionRefused, case_open, case_transition

from .conftest import add_notice
from .workflows import DOMAIN

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real race needs row locks (PostgreSQL)"),
]


@pytest.fixture
def place(db):
    county = make_division("421224", "通山县", "county")
    township = make_division("421224100", "通羊镇", "township", county)
    school = make_school("2142000101", "通羊镇中心小学", "primary", township)
    users = [make_user(f"section{n}", Role.SECTION, divisions=[county], domains=[DOMAIN]) for n in range(4)]
    users.append(make_user("township", Role.TOWNSHIP, divisions=[township]))
    case = case_open(workflow="worktest_rectification", title="race", school=school, acting_user=users[-1])
    add_notice(case)
    return case, users


def race(case, users, attempt):
    """Run ``attempt(user)`` for every user at once, each in its own thread and connection; returns the outcomes."""
    barrier = threading.Barrier(len(users))
    outcomes = [None] * len(users)
    slow = services._plan_clocks

    def hold_the_lock(*args, **kwargs):
        # The first to hold the row lock keeps it a while, so the others really wait on it.
        import time

        time.sleep(0.3)
        return slow(*args, **kwargs)

    def run(index, user):
        try:
            barrier.wait()
            outcomes[index] = attempt(user)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = exc
        finally:
            connections.close_all()

    with mock.patch.object(services, "_plan_clocks", hold_the_lock):
        threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    return outcomes


def test_two_at_once_one_wins_the_other_is_told_it_moved_on(place):
    case, users = place
    seen = case.version
    # A section member withdraws while the township issues, both from the draft they saw.
    actions = {users[0]: ("withdraw", {"reason": "重复"}), users[-1]: ("issue", {})}

    def attempt(user):
        name, values = actions[user]
        return case_transition(case=case.pk, version=seen, transition=name, acting_user=user, values=values)

    outcomes = race(case, [users[0], users[-1]], attempt)
    won = [o for o in outcomes if isinstance(o, Step)]
    lost = [o for o in outcomes if isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], CaseMovedOn) and "已由他人办理" in lost[0].messages[0]
    case.refresh_from_db()
    assert case.version == seen + 1 and case.state == won[0].to_state
    assert Step.objects.filter(case=case).count() == 2
    assert AuditEvent.objects.filter(event__startswith="work.", data__case=case.pk).count() == 2


def test_many_at_once_without_a_version_the_lock_serialises_them(place):
    """Five actors take 下发 from the same draft without saying which version they saw: the row lock makes each
    wait for the one before; one issues, the others find it already issued."""
    case, users = place

    outcomes = race(case, users, lambda user: case_transition(case=case.pk, transition="issue", acting_user=user))
    won = [o for o in outcomes if isinstance(o, Step)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, TransitionRefused) and "已下发" in o.messages[0] for o in outcomes if o not in won)
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.version) == ("issued", 2)
    assert list(Step.objects.filter(case=case).values_list("number", "transition")) == [(1, "create"), (2, "issue")]
    assert AuditEvent.objects.filter(event="work.worktest_rectification.issue").count() == 1
