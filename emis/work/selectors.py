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
from .models import Case, CaseAssignee, CaseClock, ClockState, Step
from .scope import acting_role, level_q


def waiting_for(user) -> QuerySet[Case]:
    """Open cases on which ``user`` may take a step now, soonest deadline first (no deadline last)."""
    role = acting_role(user)
    # One condition per (workflow, level), with the states of every transition the user may take there: fewer ORs
    # for the database to test on each of a county's hundred thousand rows (bench/work/inbox.py); grouped by level.
    states: dict[tuple[str, str], set[str]] = {}
    for workflow in declaration.all_workflows():
        for transition in workflow.transitions:
            if transition.opens or role not in transition.roles:
                continue
            if not access.role_may(user, workflow.domain, transition.name):
                continue
            states.setdefault((workflow.code, transition.level), set()).update(transition.sources)
    # The place condition once per level, around its workflows' states: the query is built (and compiled) on every
    # page for the menu's 待办 count, and a condition per workflow repeated the level's scope each time.
    by_level: dict[str, list[Q]] = {}
    for (code, level_name), sources in states.items():
        by_level.setdefault(level_name, []).append(Q(workflow=code, state__in=sorted(sources)))
    conditions: list[Q] = []
    for level_name, steps in by_level.items():
        either = reduce(or_, steps)
        level = level_q(user, level_name)
        conditions.append(either if level is None else level & either)
    # The cases that name the user (services.case_assign): theirs to follow, whoever takes the next step.
    if user.is_authenticated:
        conditions.append(Q(pk__in=CaseAssignee.objects.filter(user_id=user.pk).values("case_id")))
    if not conditions:
        return Case.objects.none()
    return (
        Case.objects.for_user(user)
        .filter(closed_at__isnull=True)  # implied by the states; said so that the open cases' index serves the order
        .filter(reduce(or_, conditions))
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def _level_place(case: Case, level: str) -> dict:
    """Where a user must hold ``case`` to act on it at ``level`` (``PlaceHolders.covers``'s arguments; the reverse of
    ``scope.level_q``): school level, its school or its division; township / county level, its township or county
    whole."""
    if level == Level.SCHOOL:
        return {"division": case.division_code, "school": case.school_id is not None}
    return {"division": case.township_code if level == Level.TOWNSHIP else case.county_code}


def _holders(case: Case, levels, *, assigned=()) -> tuple[list, access.PlaceHolders]:
    """The active users who may cover ``case`` at one of ``levels`` or are among ``assigned`` (ids), in pk order,
    with the holders of its places to ask (two queries: the holders, then the users)."""
    from django.contrib.auth import get_user_model

    places = [_level_place(case, level) for level in levels]
    holders = access.place_holders(
        divisions=[place["division"] for place in places if place["division"]], school_id=case.school_id
    )
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=sorted(holders.user_ids | set(assigned))) | access.SEES_EVERYTHING)
        .order_by("pk")
    )
    return list(users), holders


def waiting_users(case: Case, *, exclude=None) -> list:
    """The reverse of ``waiting_for``: the users for whom ``case`` is in ``waiting_for(user)`` now (who must act on
    it), in two queries whatever the number of users; ``exclude``: a user left out (the one who just acted).

    Who holds the case's places (core's ``place_holders``) is read once, with who it names (case_assign); per step,
    the level's place, the role and the rights (``access.role_may``, a 股室 account's domains) are then checked on
    the loaded rows, with no query."""
    if case.closed_at is not None:
        return []
    workflow = declaration.get(case.workflow)
    steps = [t for t in workflow.transitions if not t.opens and case.state in t.sources]
    assigned = set(CaseAssignee.objects.filter(case=case).values_list("user_id", flat=True))
    users, holders = _holders(case, {step.level for step in steps} | {Level.SCHOOL}, assigned=assigned)
    at_level = {step.level: _level_place(case, step.level) for step in steps}
    at_school = _level_place(case, Level.SCHOOL)
    return [
        user
        for user in users
        if (exclude is None or user.pk != exclude.pk)
        and (
            # Users the case names (case_assign), inside its scope.
            (user.pk in assigned and holders.covers(user, **at_school))
            or any(
                acting_role(user) in step.roles
                and access.role_may(user, workflow.domain, step.name)
                and holders.covers(user, **at_level[step.level])
                for step in steps
            )
        )
    ]


def acts_in(user, workflow: declaration.Workflow) -> bool:
    """Does the user's role take any step of ``workflow`` (its rights included)?"""
    role = acting_role(user)
    return any(
        role in t.roles and access.role_may(user, workflow.domain, t.name) for t in workflow.transitions if not t.opens
    )


def escalation_users(case: Case) -> list:
    """Who is told that ``case`` was escalated: the users whose 督办 tab now shows it (``escalated_to``'s rule: they
    cover the case at the level it went to), if they are 局领导 or take steps in its workflow; in one query. Those
    who see everything (administrators) and the city's and province's departments (read only) are not told."""
    if not case.escalated_to or case.closed_at is not None:
        return []
    workflow = declaration.get(case.workflow)
    users, holders = _holders(case, [case.escalated_to])
    place = _level_place(case, case.escalated_to)
    return [
        user
        for user in users
        if not access.sees_everything(user)
        and holders.covers(user, **place)
        and (user.role == access.Role.LEADER or acts_in(user, workflow))
    ]


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


# Which reverse relation of Case holds each workflow's business row (a notice, a report, an inspection): found by
# looking the first time and remembered per workflow, so the engine names no domain app and a new app registers nothing.
_business_accessor: dict[str, str] = {}


def _business_relations() -> list:
    return [
        relation
        for relation in Case._meta.related_objects
        if (relation.one_to_one or relation.one_to_many)
        and relation.related_model._meta.app_label != "work"
        and hasattr(relation.related_model, "get_absolute_url")
    ]


def business_object(case: Case):
    """The row of the app whose page does this case's work (the 整改通知书 of a notice's case), or None: the case
    page links to it, because some steps are taken only there (per-item answers and photos)."""
    from django.core.exceptions import ObjectDoesNotExist

    known = _business_accessor.get(case.workflow)
    for relation in _business_relations():
        name = relation.get_accessor_name()
        if known and name != known:
            continue
        try:
            related = getattr(case, name) if relation.one_to_one else getattr(case, name).first()
        except ObjectDoesNotExist:
            related = None
        if related is not None:
            _business_accessor[case.workflow] = name
            return related
    return None
