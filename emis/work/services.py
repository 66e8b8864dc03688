"""The one transition service: every step of every case goes through ``case_open`` or ``case_transition``.

Each checks, in this order, and refuses with a Chinese message (``TransitionRefused``) that changes nothing:
the case is in the actor's scope (else "not found", the same words as a missing case), the transition is declared,
the case has not moved on since the actor saw it (``version``), the actor's role is named on the transition and
``core.access.role_may`` grants it as a named action of the workflow's domain, the actor answers for the case at
the transition's level, the case is in one of the transition's source states, and the requirements are met
(fields, comment, attachments, a generated document). Then, in one transaction under a row lock: the step is
written to the timeline, the case moves, its clocks start, stop, pause or resume, a named event goes to the audit
trail (``work.<workflow>.<transition>``; the case's own row change is change-logged as every registry write), and
``signals.case_moved`` is sent once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import acting_as, record_event
from emis.core.writes import Refused

from . import attachments as attachment_store
from . import declaration
from .calendar import CalendarUnknown, WorkCalendar
from .declaration import LEVEL_ABOVE, Level, Transition, Workflow
from .models import Attachment, AttachmentKind, Case, CaseClock, ClockState, Step, Urgency
from .scope import acting_role, case_level, county_code, covers, township_code
from .signals import case_moved


class TransitionRefused(Refused):
    """A step that may not happen, with the reason in Chinese (``messages[0]``) and a ``code`` saying which check
    refused it (not_found, moved_on, refused, calendar_unknown ...). Nothing was written."""

    def __init__(self, message, *, code: str = "refused"):
        super().__init__(message)
        self.code = code


class CaseMovedOn(TransitionRefused):
    """Someone else took a step on the case after the actor read it."""


def _event_name(workflow: Workflow, transition: Transition) -> str:
    return f"work.{workflow.code}.{transition.name}"


# ---- checks --------------------------------------------------------------------------------------------------------


def _role_refusal(workflow: Workflow, transition: Transition, user) -> str | None:
    role = acting_role(user)
    if role not in transition.roles:
        return _("您的角色（{role}）不能办理“{transition}”。").format(
            role=access.Role(role).label, transition=transition.label
        )
    if not access.role_may(user, workflow.domain, transition.name):
        # A 股室 account acts only on the domains on its account (core.access.role_may).
        return _("您的账号未获授权办理“{transition}”。").format(transition=transition.label)
    return None


def _level_refusal(transition: Transition, user, school, division_code: str) -> str | None:
    if covers(user, school, division_code, transition.level):
        return None
    return _("“{transition}”须由负责该办件的{level}一级或其上级办理，您不在此范围内。").format(
        transition=transition.label, level=Level(transition.level).label
    )


def _requirement_refusal(
    workflow: Workflow,
    transition: Transition,
    *,
    comment: str,
    values: dict,
    attachment_count: int,
    documents: Iterable[str],
) -> str | None:
    requires = transition.requires
    missing = [name for name in requires.fields if values.get(name) in (None, "", [], {})]
    if missing:
        labels = "、".join(str(transition.field_labels.get(name, name)) for name in missing)
        return _("办理“{transition}”须填写：{fields}。").format(transition=transition.label, fields=labels)
    if requires.comment and not (comment or "").strip():
        return _("办理“{transition}”须填写意见。").format(transition=transition.label)
    if attachment_count < requires.attachments:
        return _("办理“{transition}”至少须上传 {n} 个附件（现有 {have} 个）。").format(
            transition=transition.label, n=requires.attachments, have=attachment_count
        )
    if requires.document and requires.document not in set(documents):
        return _("办理“{transition}”前须先生成{document}。").format(
            transition=transition.label, document=workflow.documents[requires.document]
        )
    return None


# Why a step is refused, for callers that answer differently by kind (the API: 403 for who, 400 for what).
FORBIDDEN = "forbidden"  # the role, its rights or its level may not take the step on this case
WRONG_STATE = "state"  # the case is not in a state the step leaves
UNMET = "requirements"  # a field, the comment, attachments or a document is missing


def refusal_with_code(
    case: Case, transition: Transition, user, *, requirements: dict | None = None
) -> tuple[str, str] | None:
    """``refusal`` with the kind of refusal: (FORBIDDEN | WRONG_STATE | UNMET, message), or None."""
    workflow = declaration.get(case.workflow)
    reason = _role_refusal(workflow, transition, user) or _level_refusal(
        transition, user, case.school, case.division_code
    )
    if reason:
        return FORBIDDEN, reason
    if case.state not in transition.sources:
        return WRONG_STATE, _("办件当前状态为“{state}”，不能办理“{transition}”。").format(
            state=workflow.state_label(case.state), transition=transition.label
        )
    if requirements is not None:
        reason = _requirement_refusal(workflow, transition, **requirements)
        if reason:
            return UNMET, reason
    return None


def refusal(case: Case, transition: Transition, user, *, requirements: dict | None = None) -> str | None:
    """Why ``user`` may not take ``transition`` on ``case`` now (None: they may). Without ``requirements`` (a dict
    of comment, values, attachment_count, documents) the requirements are not checked: the question the pages ask to
    offer a button."""
    found = refusal_with_code(case, transition, user, requirements=requirements)
    return found[1] if found else None


def _checked_uploads(uploads: Sequence) -> list:
    """Each evidence file checked by content and size before anything is written (refused as the step's reason)."""
    from django.core.exceptions import ValidationError

    try:
        return attachment_store.check_uploads(uploads)
    except ValidationError as exc:
        raise TransitionRefused(exc.messages[0], code="bad_file") from exc


def available_transitions(case: Case, user) -> list[Transition]:
    """The transitions ``user`` may offer to take on ``case`` now (requirements are asked when they take one)."""
    workflow = declaration.get(case.workflow)
    return [t for t in workflow.available(case.state) if refusal(case, t, user) is None]


def _refuse(message: str, code: str, cls=TransitionRefused):
    raise cls(message, code=code)


def _lookup(workflow: Workflow, name: str) -> Transition:
    try:
        return workflow.transition(name)
    except KeyError:
        _refuse(
            _("流程“{workflow}”没有“{name}”这一环节。").format(workflow=workflow.label, name=name), "unknown_transition"
        )


# ---- clocks --------------------------------------------------------------------------------------------------------


def _limit_days(clock: declaration.Clock, values: dict) -> int:
    if not clock.days_field:
        return clock.limit.days
    raw = values.get(clock.days_field, clock.limit.days)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        days = -1
    if days < 0 or days > 3650:
        _refuse(_("期限天数“{value}”无效，应为 0 至 3650 的整数。").format(value=raw), "bad_limit")
    return days


def _clock_dates(calendar: WorkCalendar, limit: declaration.Limit, unit: str, due_on: dt.date, warn: int):
    due_soon_on = calendar.subtract(due_on, warn, unit)
    escalate_on = calendar.add(due_on, limit.escalate_after, unit) if limit.escalate_after is not None else None
    return due_soon_on, escalate_on


def _plan_clocks(case: Case | None, workflow: Workflow, transition: Transition, values: dict, today: dt.date):
    """Compute every clock change before anything is written, so an unknown calendar year refuses the step whole.

    Returns (new clocks to create, {clock id: {field: value}} updates)."""
    try:
        return _clock_changes(case, workflow, transition, values, today)
    except CalendarUnknown as exc:
        raise TransitionRefused(exc.messages[0], code="calendar_unknown") from exc


def _clock_changes(case, workflow, transition, values, today):
    calendar = WorkCalendar()
    declared = workflow.clocks()
    existing = list(case.clocks.exclude(state=ClockState.STOPPED)) if case is not None else []
    updates: dict[int, dict] = {}
    created: list[CaseClock] = []
    stopping = set(transition.stops)
    if workflow.state(transition.target).terminal:
        stopping |= {c.name for c in existing}
    for clock in transition.starts:
        # Starting a clock that still runs (退回重改 restarts the limit) stops the old one.
        stopping.add(clock.name)
    for clock in existing:
        if clock.name in stopping:
            updates[clock.pk] = {"state": ClockState.STOPPED, "stopped_on": today}
        elif clock.name in transition.pauses and clock.state == ClockState.RUNNING:
            updates[clock.pk] = {"state": ClockState.PAUSED, "paused_on": today}
        elif clock.name in transition.resumes and clock.state == ClockState.PAUSED:
            limit = declared[clock.name].limit if clock.name in declared else declaration.Limit(clock.days, clock.unit)
            paused = calendar.count(clock.paused_on, today, clock.unit)
            due_on = calendar.add(clock.due_on, paused, clock.unit)
            due_soon_on, escalate_on = _clock_dates(calendar, limit, clock.unit, due_on, clock.warn)
            updates[clock.pk] = {
                "state": ClockState.RUNNING,
                "paused_on": None,
                "paused_days": clock.paused_days + paused,
                "due_on": due_on,
                "due_soon_on": due_soon_on,
                "escalate_on": escalate_on,
            }
    for clock in transition.starts:
        days = _limit_days(clock, values)
        unit = clock.limit.unit
        due_on = calendar.add(today, days, unit)
        due_soon_on, escalate_on = _clock_dates(calendar, clock.limit, unit, due_on, clock.limit.warn)
        created.append(
            CaseClock(
                name=clock.name,
                unit=unit,
                days=days,
                warn=clock.limit.warn,
                started_on=today,
                due_on=due_on,
                due_soon_on=due_soon_on,
                escalate_on=escalate_on,
            )
        )
    return created, updates


def _apply_clocks(case: Case, created: list[CaseClock], updates: dict[int, dict]) -> None:
    for pk, fields in updates.items():
        CaseClock.objects.filter(pk=pk).update(**fields)
    for clock in created:
        clock.case = case
    CaseClock.objects.bulk_create(created)


DEADLINE_FIELDS = ("due_on", "due_soon_on", "escalate_on", "clock_paused", "urgency", "escalated_to", "escalated_on")


def _deadline_summary(case: Case, today: dt.date, *, new_deadline: bool) -> dict:
    """The case's deadline columns from its unstopped clocks: the soonest running one (or, all paused, the soonest
    paused one), with its urgency as of ``today``. An escalation stays while the deadlines stay (a pause or a step
    that starts and stops no clock) and is cleared when a clock starts or stops (``new_deadline``); a deadline
    already past escalates at once, as the sweep would."""
    clocks = list(case.clocks.exclude(state=ClockState.STOPPED).order_by("due_on", "id"))
    running = [c for c in clocks if c.state == ClockState.RUNNING]
    chosen = (running or clocks or [None])[0]
    if chosen is None:
        return dict.fromkeys(DEADLINE_FIELDS, None) | {
            "clock_paused": False,
            "urgency": Urgency.NORMAL,
            "escalated_to": "",
        }
    paused = chosen.state == ClockState.PAUSED
    if paused or chosen.due_soon_on > today:
        urgency = Urgency.NORMAL
    elif chosen.due_on >= today:
        urgency = Urgency.DUE_SOON
    else:
        urgency = Urgency.OVERDUE
    escalated_to, escalated_on = ("", None) if new_deadline else (case.escalated_to, case.escalated_on)
    if urgency == Urgency.OVERDUE and not escalated_to:
        escalated_to, escalated_on = LEVEL_ABOVE[Level(case.level)], today
    if (
        urgency == Urgency.OVERDUE
        and escalated_to == Level.TOWNSHIP
        and chosen.escalate_on is not None
        and chosen.escalate_on < today
    ):
        escalated_to, escalated_on = Level.COUNTY, today
    return {
        "due_on": chosen.due_on,
        "due_soon_on": chosen.due_soon_on,
        "escalate_on": chosen.escalate_on,
        "clock_paused": paused,
        "urgency": urgency,
        "escalated_to": escalated_to,
        "escalated_on": escalated_on,
    }


# ---- the service ---------------------------------------------------------------------------------------------------


def _pending_evidence(case: Case | None, user):
    """The evidence ``user`` uploaded to the case for their next step: another actor's uploads wait for that actor's
    own step (a township's verification must not carry off the photos a school uploaded for its report)."""
    if case is None or user is None:
        return Attachment.objects.none()
    return Attachment.objects.filter(case=case, step__isnull=True, kind=AttachmentKind.EVIDENCE, uploaded_by=user)


def _documents(case: Case | None) -> set[str]:
    if case is None:
        return set()
    return set(Attachment.objects.filter(case=case, kind=AttachmentKind.DOCUMENT).values_list("document", flat=True))


def _write_step(
    *,
    case: Case,
    workflow: Workflow,
    transition: Transition,
    user,
    from_state: str,
    comment: str,
    values: dict,
    uploads: Sequence,
    checked: Sequence,
    clocks: tuple,
    today: dt.date,
) -> Step:
    now = timezone.now()
    step = Step.objects.create(
        case=case,
        number=case.version,
        transition=transition.name,
        from_state=from_state,
        to_state=transition.target,
        actor=user,
        actor_name=str(user)[:150],
        actor_role=acting_role(user),
        at=now,
        on_day=today,
        comment=comment,
        values=values,
    )
    _pending_evidence(case, user).update(step=step)
    for upload, sniffed in zip(uploads, checked, strict=True):
        attachment_store.store(case, upload, user=user, step=step, sniffed=sniffed)
    created, updates = clocks
    _apply_clocks(case, created, updates)
    new_deadline = bool(created) or any(u.get("state") == ClockState.STOPPED for u in updates.values())
    summary = _deadline_summary(case, today, new_deadline=new_deadline)
    for name, value in summary.items():
        setattr(case, name, value)
    if workflow.state(transition.target).terminal:
        case.closed_at = now
    case.save(update_fields=["state", "version", "data", "closed_at", *DEADLINE_FIELDS, "updated_at"])
    record_event(
        _event_name(workflow, transition),
        # The values' names only: they may hold what the change log would have to seal.
        data={
            "case": case.pk,
            "step": step.number,
            "from": from_state,
            "to": transition.target,
            "fields": sorted(values),
            "attachments": len(uploads),
        },
        school_id=case.school_id,
        division_code=case.division_code,
    )
    transaction.on_commit(
        lambda: case_moved.send(sender=workflow.code, case=case, step=step, transition=transition, workflow=workflow)
    )
    return step


def case_open(
    *,
    workflow: str,
    title: str,
    acting_user,
    school=None,
    division_code: str = "",
    subject=None,
    transition: str = "",
    comment: str = "",
    values: dict | None = None,
    attachments: Sequence = (),
    today: dt.date | None = None,
) -> Case:
    """Open a case through the workflow's opening transition (the one with ``sources=()``, or the one named)."""
    declared = declaration.get(workflow)
    values = dict(values or {})
    today = today or timezone.localdate()
    if transition:
        opening = _lookup(declared, transition)
        if not opening.opens:
            _refuse(_("“{transition}”不能用于新建办件。").format(transition=opening.label), "not_opening")
    else:
        opening = declared.opening[0]
    school_id = school.pk if school is not None else None
    if school is not None:
        division_code = school.township.code
    if not division_code:
        _refuse(_("新建办件须指明所属学校或区划。"), "no_scope")
    reason = (
        _role_refusal(declared, opening, acting_user)
        or _level_refusal(opening, acting_user, school, division_code)
        or _requirement_refusal(
            declared, opening, comment=comment, values=values, attachment_count=len(attachments), documents=()
        )
    )
    if reason:
        _refuse(reason, "refused")
    checked = _checked_uploads(attachments)
    clocks = _plan_clocks(None, declared, opening, values, today)
    with acting_as(acting_user), transaction.atomic():
        case = Case(
            workflow=declared.code,
            title=title[:200],
            state=opening.target,
            version=1,
            level=case_level(school_id, division_code),
            school=school,
            division_code=division_code,
            township_code=township_code(division_code),
            county_code=county_code(division_code),
            subject=subject,
            data=values,
            opened_by=acting_user,
        )
        case.save()
        _write_step(
            case=case,
            workflow=declared,
            transition=opening,
            user=acting_user,
            from_state="",
            comment=comment,
            values=values,
            uploads=attachments,
            checked=checked,
            clocks=clocks,
            today=today,
        )
    return case


def case_transition(
    *,
    case: Case | int,
    transition: str,
    acting_user,
    version: int | None = None,
    comment: str = "",
    values: dict | None = None,
    attachments: Sequence = (),
    today: dt.date | None = None,
) -> Step:
    """Take ``transition`` on ``case`` as ``acting_user``; returns the new Step (its ``case`` is the moved case).

    ``version``: the version the actor saw (a page posts it back); given a Case instance, its own version is used.
    Refused steps raise TransitionRefused (CaseMovedOn when someone else acted first) and change nothing.
    """
    if isinstance(case, Case):
        case_id = case.pk
        version = case.version if version is None else version
    else:
        case_id = case
    values = dict(values or {})
    today = today or timezone.localdate()
    with acting_as(acting_user), transaction.atomic():
        # The row lock makes a second actor wait here until the first commits, then read the moved case.
        locked = (
            Case.objects.for_user(acting_user)
            .select_for_update(of=("self",))
            .select_related("school__township")
            .filter(pk=case_id)
            .first()
        )
        if locked is None:
            _refuse(_("办件不存在，或不在您的管辖范围内。"), "not_found")
        workflow = declaration.get(locked.workflow)
        step_declared = _lookup(workflow, transition)
        if version is not None and locked.version != version:
            _refuse(
                _("办件已由他人办理，现为“{state}”。请刷新后查看最新情况再办理。").format(
                    state=workflow.state_label(locked.state)
                ),
                "moved_on",
                CaseMovedOn,
            )
        pending = _pending_evidence(locked, acting_user).count()
        found = refusal_with_code(
            locked,
            step_declared,
            acting_user,
            requirements={
                "comment": comment,
                "values": values,
                "attachment_count": pending + len(attachments),
                "documents": _documents(locked),
            },
        )
        if found:
            _refuse(found[1], found[0])
        checked = _checked_uploads(attachments)
        clocks = _plan_clocks(locked, workflow, step_declared, values, today)
        # The version check again, as one conditional UPDATE: where the database takes no row lock (SQLite) a second
        # actor who read the same version finds no row to claim.
        claimed = Case.objects.filter(pk=locked.pk, version=locked.version).update(version=F("version") + 1)
        if claimed != 1:
            _refuse(_("办件已由他人办理，请刷新后查看最新情况再办理。"), "moved_on", CaseMovedOn)
        from_state = locked.state
        locked.version += 1
        locked.state = step_declared.target
        locked.data = {**(locked.data or {}), **values}
        return _write_step(
            case=locked,
            workflow=workflow,
            transition=step_declared,
            user=acting_user,
            from_state=from_state,
            comment=comment,
            values=values,
            uploads=attachments,
            checked=checked,
            clocks=clocks,
            today=today,
        )


def case_attach(*, case: Case | int, acting_user, files: Sequence, today: dt.date | None = None) -> list[Attachment]:
    """Upload evidence to a case before the step that uses it (a photo taken on the spot, then 报送 later): kept
    with the case, not yet on any step, and attached to the next step taken (``Requires.attachments`` counts it).
    Only someone who may take a step on the case now may add to it; checked by content like a step's files."""
    case_id = case.pk if isinstance(case, Case) else case
    found = Case.objects.for_user(acting_user).select_related("school__township").filter(pk=case_id).first()
    if found is None:
        _refuse(_("办件不存在，或不在您的管辖范围内。"), "not_found")
    if found.closed_at is not None or declaration.get(found.workflow).state(found.state).terminal:
        _refuse(_("办件已办结，不能再上传附件。"), WRONG_STATE)
    if not available_transitions(found, acting_user):
        _refuse(_("您当前没有可办理的环节，不能为此办件上传附件。"), FORBIDDEN)
    if not files:
        _refuse(_("请选择要上传的文件。"), UNMET)
    checked = _checked_uploads(files)
    with acting_as(acting_user), transaction.atomic():
        stored = [
            attachment_store.store(found, upload, user=acting_user, sniffed=sniffed)
            for upload, sniffed in zip(files, checked, strict=True)
        ]
        record_event(
            "work.attachment.uploaded",
            data={"case": found.pk, "attachments": [a.pk for a in stored]},
            school_id=found.school_id,
            division_code=found.division_code,
        )
    return stored


def case_assign(case: Case, users: dict) -> None:
    """Name the users who follow ``case`` ({user id: duty}): it is in their 待办 while open and in their scope
    (``selectors.waiting_for``), whoever may take its next step. Replaces the case's earlier list."""
    from .models import CaseAssignee

    wanted = {int(user_id): str(duty)[:50] for user_id, duty in users.items() if user_id}
    with transaction.atomic():
        CaseAssignee.objects.filter(case=case).exclude(user_id__in=wanted).delete()
        have = dict(CaseAssignee.objects.filter(case=case).values_list("user_id", "duty"))
        for user_id, duty in wanted.items():
            if user_id not in have:
                CaseAssignee.objects.create(case=case, user_id=user_id, duty=duty)
            elif have[user_id] != duty:
                CaseAssignee.objects.filter(case=case, user_id=user_id).update(duty=duty)
