"""Workflows declared as data: states, transitions, who may act at which level, what each step requires, and the
deadlines it starts, stops, pauses or resumes (ADR work-engine, docs/work-engine.md).

An app declares its workflows in its own ``workflows.py``::

    RECTIFICATION = register(Workflow(code="rectification", domain="inspections", label=_("整改通知"), ...))

and names their rights in its ``plugin.py`` with ``rights=workflow_rights(RECTIFICATION)``, so that
``core.access.role_may(user, domain, transition.name)`` and the declaration agree. Nothing here touches the
database: the transition service (``emis.work.services``) reads these declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The level at which an actor answers for a case: its school, its township (中心学校) or the county."""

    SCHOOL = "school", _("学校")
    TOWNSHIP = "township", _("乡镇")
    COUNTY = "county", _("县")


# Escalation goes one level up: an overdue school case goes to its township, a township case to the county.
LEVEL_ABOVE = {Level.SCHOOL: Level.TOWNSHIP, Level.TOWNSHIP: Level.COUNTY, Level.COUNTY: Level.COUNTY}


class DayUnit(models.TextChoices):
    WORKING = "working", _("工作日")
    CALENDAR = "calendar", _("自然日")


@dataclass(frozen=True)
class State:
    code: str
    label: Any  # a Chinese msgid (gettext_lazy); English comes from the translations
    terminal: bool = False


@dataclass(frozen=True)
class Limit:
    """A time limit: ``days`` working or calendar days from the day the clock starts (that day not counted).
    ``warn`` days before the due date the case is due soon; ``escalate_after`` days (same unit) past the due date an
    overdue case goes one more level up (None: it stays at the first level above)."""

    days: int
    unit: str = DayUnit.WORKING
    warn: int = 2
    escalate_after: int | None = None


@dataclass(frozen=True)
class Clock:
    """A named deadline a transition starts, e.g. Clock("rectify", Limit(20)). The limit may instead be given
    per case, in the transition's values under ``days_field`` (an issuer sets 限期 on the notice)."""

    name: str
    label: Any
    limit: Limit
    days_field: str = ""


@dataclass(frozen=True)
class Requires:
    """What a transition needs before it may happen.

    fields        names that must be given non-empty in the transition's values (stored on the step and the case)
    comment       a comment (意见) must be written
    attachments   at least this many evidence files: those sent with the step plus those already uploaded to the
                  case and not yet attached to any step
    document      a generated document of this kind must already be stored with the case (the notice)
    """

    fields: tuple[str, ...] = ()
    comment: bool = False
    attachments: int = 0
    document: str = ""


@dataclass(frozen=True)
class Transition:
    """A named step from any of ``sources`` to ``target``. ``sources=()`` marks the step that opens a case.

    roles       the roles that may take it (and the plugin grants them the action ``name`` on the workflow's
                domain, so core.access.role_may agrees)
    level       the lowest level that answers for the step: school (anyone whose scope holds the case),
                township (a township's or the county's account over the case) or county (the county's only)
    starts      clocks started; stops: clocks stopped; pauses / resumes: clocks paused (补正) and resumed
    """

    name: str
    label: Any
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    level: str
    requires: Requires = Requires()
    starts: tuple[Clock, ...] = ()
    stops: tuple[str, ...] = ()
    pauses: tuple[str, ...] = ()
    resumes: tuple[str, ...] = ()
    field_labels: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Taken only through the app's own page and service, which check what the generic step form cannot (a notice's
    # per-item answers, each with its photo): the engine's case page does not offer it and its API refuses it.
    app_only: bool = False

    @property
    def opens(self) -> bool:
        return not self.sources


@dataclass(frozen=True)
class Workflow:
    """A declared workflow. ``domain`` is the domain whose rights name its transitions (a 股室 account acts on the
    workflows of the domains on its account); ``documents`` names the generated documents it knows."""

    code: str
    label: Any
    domain: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    documents: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        check_workflow(self)

    def state(self, code: str) -> State:
        for state in self.states:
            if state.code == code:
                return state
        raise KeyError(code)

    def transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise KeyError(name)

    @property
    def state_codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.states)

    @property
    def opening(self) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.opens)

    def available(self, state: str) -> tuple[Transition, ...]:
        """Transitions that may be taken from ``state`` (who may take them is the service's question)."""
        return tuple(t for t in self.transitions if state in t.sources)

    def clocks(self) -> dict[str, Clock]:
        return {clock.name: clock for t in self.transitions for clock in t.starts}

    def state_label(self, code: str) -> Any:
        try:
            return self.state(code).label
        except KeyError:
            return code


class DeclarationError(ValueError):
    """A workflow declaration contradicts itself; raised at import time, so a broken declaration never runs."""


def check_workflow(workflow: Workflow) -> None:
    codes = [s.code for s in workflow.states]
    problems = []
    if len(set(codes)) != len(codes):
        problems.append("duplicate state codes")
    names = [t.name for t in workflow.transitions]
    if len(set(names)) != len(names):
        problems.append("duplicate transition names")
    if not any(t.opens for t in workflow.transitions):
        problems.append("no transition opens a case (sources=())")
    terminal = {s.code for s in workflow.states if s.terminal}
    started = {c.name for t in workflow.transitions for c in t.starts}
    for t in workflow.transitions:
        for source in t.sources:
            if source not in codes:
                problems.append(f"{t.name}: unknown source state {source}")
            if source in terminal:
                problems.append(f"{t.name}: leaves terminal state {source}")
        if t.target not in codes:
            problems.append(f"{t.name}: unknown target state {t.target}")
        if t.level not in Level.values:
            problems.append(f"{t.name}: unknown level {t.level}")
        if not t.roles:
            problems.append(f"{t.name}: no role may take it")
        for clock in (*t.stops, *t.pauses, *t.resumes):
            if clock not in started:
                problems.append(f"{t.name}: clock {clock} is never started")
        if t.requires.document and t.requires.document not in workflow.documents:
            problems.append(f"{t.name}: unknown document {t.requires.document}")
    for clock in (c for t in workflow.transitions for c in t.starts):
        if clock.limit.unit not in DayUnit.values or clock.limit.days < 0 or clock.limit.warn < 0:
            problems.append(f"clock {clock.name}: bad limit")
    reachable = {t.target for t in workflow.transitions if t.opens}
    frontier = list(reachable)
    while frontier:
        state = frontier.pop()
        for t in workflow.transitions:
            if state in t.sources and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    unreachable = set(codes) - reachable
    if unreachable:
        problems.append(f"unreachable states {sorted(unreachable)}")
    if problems:
        raise DeclarationError(f"workflow {workflow.code}: " + "; ".join(problems))


def workflow_rights(*workflows: Workflow) -> dict[str, dict[str, set[str]]]:
    """The ``rights`` of an app's AppRegistration for its workflows: each transition's name as a named action of
    the workflow's domain, for each role the declaration names. 系统管理员 and 股室人员 are decided by core.access
    (all domains; the domains on their account); the service also requires the role to be named on the transition."""
    rights: dict[str, dict[str, set[str]]] = {}
    for workflow in workflows:
        for transition in workflow.transitions:
            for role in transition.roles:
                rights.setdefault(workflow.domain, {}).setdefault(role, set()).add(transition.name)
    return rights


# ---- the registry of declared workflows ----------------------------------------------------------------------------

_workflows: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    """Called at import time of an app's workflows.py. Registering the same code twice replaces the first."""
    _workflows[workflow.code] = workflow
    return workflow


def get(code: str) -> Workflow:
    try:
        return _workflows[code]
    except KeyError:
        raise LookupError(f"no workflow {code!r} is declared") from None


def all_workflows() -> list[Workflow]:
    return list(_workflows.values())


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("workflows")


@contextmanager
def override(*extra: Workflow) -> Iterator[None]:
    """Tests: workflows registered for the duration of the block."""
    saved = dict(_workflows)
    try:
        for workflow in extra:
            register(workflow)
        yield
    finally:
        _workflows.clear()
        _workflows.update(saved)


def roles(*names: Iterable[str] | str) -> frozenset[str]:
    """roles(Role.SCHOOL, Role.TOWNSHIP) -> frozenset, for declarations that read like a sentence."""
    return frozenset(str(n) for n in names)
