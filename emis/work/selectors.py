"""Reads of the engine that start from the user's scope: what waits for this user (the 待办 inbox's query), what was
escalated to them, and a clock's time taken against its limit (the timeline's numbers).

``waiting_for`` turns the declarations into one SQL condition (workflow, state, level) per transition the user's role
may take, so the inbox is one indexed query however many workflows there are; ``services.available_transitions`` asks
the same question of one case in Python, and the tests hold the two to the same answer.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from emis.core import access

from . import declaration
from .calendar import WorkCalendar
from .declaration import Level
from .models import Case, CaseClock, ClockState, Step
from .scope import acting_role, level_q


def waiting_for(user) -> QuerySet[Case]:
    """Open cases on which ``user`` may take a step now, soonest deadline first (no deadline last)."""
    role = acting_role(user)
    conditions: list[Q] = []
    for workflow in declaration.all_workflows():
        for transition in workflow.transitions:
            if transition.opens or role not in transition.roles:
                continue
            if not access.role_may(user, workflow.domain, transition.name):
                continue
            condition = Q(workflow=workflow.code, state__in=transition.sources)
            level = level_q(user, transition.level)
            conditions.append(condition if level is None else condition & level)
    if not conditions:
        return Case.objects.none()
    return Case.objects.for_user(user).filter(reduce(or_, conditions)).order_by(F("due_on").asc(nulls_last=True), "id")


def inbox_count(user) -> int:
    """How many cases wait for ``user`` (the 待办 menu badge): one COUNT query."""
    if not user.is_authenticated:
        return 0
    return waiting_for(user).order_by().count()


def handled_by(user) -> QuerySet[Case]:
    """Cases in the user's scope on which the user took a step (the 已办 tab), the most recently handled first;
    each with ``handled_at``, the time of the user's last step on it."""
    mine = Step.objects.filter(case=OuterRef("pk"), actor=user)
    return (
        Case.objects.for_user(user)
        .filter(Exists(mine))
        .annotate(handled_at=Subquery(mine.order_by("-at").values("at")[:1]))
        .order_by("-handled_at", "-id")
    )


def escalated_to(user) -> QuerySet[Case]:
    """Overdue cases escalated to a level the user answers at (a township's account: its schools' cases; the county's:
    its townships' cases and the schools' cases escalated on), newest escalation first."""
    conditions = []
    for level in (Level.TOWNSHIP, Level.COUNTY):
        scope = level_q(user, level)
        matching = Q(escalated_to=level)
        conditions.append(matching if scope is None else matching & scope)
    return Case.objects.for_user(user).filter(reduce(or_, conditions)).order_by("-escalated_on", "due_on", "id")


def clock_usage(clock: CaseClock, today: dt.date, calendar: WorkCalendar | None = None) -> dict:
    """Days used of the clock's limit (paused days left out), days remaining (negative: overdue by that many)."""
    calendar = calendar or WorkCalendar()
    if clock.state == ClockState.STOPPED and clock.stopped_on:
        end = clock.stopped_on
    elif clock.state == ClockState.PAUSED and clock.paused_on:
        end = clock.paused_on
    else:
        end = today
    used = calendar.count(clock.started_on, end, clock.unit) - clock.paused_days
    return {"used": used, "limit": clock.days, "remaining": clock.days - used, "unit": clock.unit}
