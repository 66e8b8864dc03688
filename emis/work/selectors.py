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
    # for the database to test on each of a county's hundred thousand rows (bench/work/inbox.py).
    states: dict[tuple[str, str], set[str]] = {}
    for workflow in declaration.all_workflows():
        for transition in workflow.transitions:
            if transition.opens or role not in transition.roles:
                continue
            if not access.role_may(user, workflow.domain, transition.name):
                continue
            states.setdefault((workflow.code, transition.level), set()).update(transition.sources)
    conditions: list[Q] = []
    for (code, level_name), sources in states.items():
        condition = Q(workflow=code, state__in=sorted(sources))
        level = level_q(user, level_name)
        conditions.append(condition if level is None else condition & level)
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


def _place_q(case: Case, level: str) -> Q:
    """Users who cover ``case`` at ``level``: the reverse of ``scope.level_q`` (school level: its school or its
    division; township / county level: its township or county whole), from core's ``access.users_covering``."""
    if level == Level.SCHOOL:
        return access.users_covering(school_id=case.school_id, division=case.division_code)
    return access.users_covering(division=case.township_code if level == Level.TOWNSHIP else case.county_code)


def _users_where(conditions: dict[str, Q]):
    """Active users matching any of ``conditions``, each annotated with a boolean per condition: one query."""
    from django.contrib.auth import get_user_model
    from django.db.models import BooleanField, ExpressionWrapper

    if not conditions:
        return get_user_model().objects.none()
    annotations = {name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in conditions.items()}
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(reduce(or_, conditions.values()))
        .annotate(**annotations)
        .order_by("pk")
    )


def _role_q(roles) -> Q:
    """Users acting in one of ``roles`` (a superuser acts as 系统管理员 whatever its role field: scope.acting_role)."""
    found = Q(is_superuser=False, role__in=sorted(roles))
    return found | Q(is_superuser=True) if access.Role.ADMIN in roles else found


def waiting_users(case: Case, *, exclude=None) -> list:
    """The reverse of ``waiting_for``: the users for whom ``case`` is in ``waiting_for(user)`` now (who must act on
    it), in one query over users whatever their number; ``exclude``: a user left out (the one who just acted).

    The coverage of the case (SQL, core's ``users_covering``) is asked once per level its steps are taken at, not
    once per step: a state with many steps at one level otherwise compiled a subquery per step, and each step of
    every case asks this. Per step, the role and the rights (``access.role_may``, a 股室 account's domains) are then
    checked on the loaded rows, with no query."""
    if case.closed_at is not None:
        return []
    workflow = declaration.get(case.workflow)
    steps = [t for t in workflow.transitions if not t.opens and case.state in t.sources]
    roles_at: dict[str, set] = {}
    for step in steps:
        roles_at.setdefault(step.level, set()).update(step.roles)
    conditions = {f"at_{level}": _role_q(roles) & _place_q(case, level) for level, roles in roles_at.items()}
    # Users the case names (case_assign), inside its scope.
    conditions["assigned"] = Q(pk__in=CaseAssignee.objects.filter(case=case).values("user_id")) & _place_q(
        case, Level.SCHOOL
    )
    users = _users_where(conditions)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return [
        user
        for user in users
        if user.assigned
        or any(
            getattr(user, f"at_{step.level}")
            and acting_role(user) in step.roles
            and access.role_may(user, workflow.domain, step.name)
            for step in steps
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
    users = _users_where({"covers": _place_q(case, case.escalated_to)}).filter(is_superuser=False)
    return [
        user
        for user in users
        if not access.sees_everything(user) and (user.role == access.Role.LEADER or acts_in(user, workflow))
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
