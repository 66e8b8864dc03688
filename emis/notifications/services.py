"""Who is told what, and through which channels.

- ``notify_step``: after each committed step (``work.signals.case_moved``), the users who now must act on the case
  (``work.selectors.waiting_users``: the 待办 rule read backwards, one query over users), the actor left out.
- ``notify_sweep``: after the daily sweep (``work.signals.deadlines_swept``), for each case newly due soon or overdue
  the users who must act, and for each case escalated that day the users of the level it went to
  (``work.selectors.escalation_users``). ``CaseAlert`` remembers what was announced: a second sweep sends nothing.
- ``deliver``: the site keeps every notification; e-mail and the configured backends (emis.notifications.backends)
  get them unless the user muted that channel; a row is delivered once (``delivered_at``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from emis.work import declaration
from emis.work.models import Case, Urgency
from emis.work.selectors import escalation_users, waiting_users

from . import backends
from .models import CaseAlert, Kind, Notification, NotificationSettings

logger = logging.getLogger(__name__)


def site_url() -> str:
    return getattr(settings, "EMIS_SITE_URL", "").rstrip("/")


def _due_text(case: Case) -> str:
    return _("期限：{due}").format(due=f"{case.due_on:%Y-%m-%d}") if case.due_on else ""


def step_message(case: Case, step, workflow) -> tuple[str, str]:
    state = workflow.state_label(case.state)
    title = _("【待办】{title}（{state}）").format(title=case.title, state=state)
    actor = step.actor_name or _("系统")
    body = _("{actor}于{time}办理了“{step}”，办件现为“{state}”，等待您办理。").format(
        actor=actor,
        time=f"{timezone.localtime(step.at):%Y-%m-%d %H:%M}",
        step=workflow.transition(step.transition).label,
        state=state,
    )
    due = _due_text(case)
    return title, f"{body}{due}" if due else body


def sweep_message(case: Case, kind: str, workflow) -> tuple[str, str]:
    state = workflow.state_label(case.state)
    if kind == Kind.DUE_SOON:
        title = _("【即将到期】{title}").format(title=case.title)
        body = _("办件“{title}”（{state}）将于{due}到期，请及时办理。")
    elif kind == Kind.OVERDUE:
        title = _("【已逾期】{title}").format(title=case.title)
        body = _("办件“{title}”（{state}）已于{due}到期，现已逾期，请尽快办理。")
    else:
        title = _("【升级督办】{title}").format(title=case.title)
        body = _("办件“{title}”（{state}）逾期未办（期限{due}），已升级至您所在层级督办。")
    return title, body.format(title=case.title, state=state, due=f"{case.due_on:%Y-%m-%d}" if case.due_on else "—")


def notify_step(case: Case, step, workflow) -> list[Notification]:
    """The in-site notifications of one step (one query for the recipients, one INSERT), then their delivery on the
    other channels as a background task."""
    recipients = waiting_users(case, exclude=step.actor)
    if not recipients:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        title, body = step_message(case, step, workflow)
    url = case.get_absolute_url()
    rows = Notification.objects.bulk_create(
        [Notification(user=user, kind=Kind.STEP, case=case, title=title, body=body, url=url) for user in recipients]
    )
    _enqueue([row.pk for row in rows])
    return rows


def _enqueue(ids: list[int]) -> None:
    from .tasks import deliver_task

    if ids and backends.backends():
        deliver_task.enqueue(ids)


def _sweep_candidates(day: dt.date):
    """(kind, cases not yet announced for it, the date the announcement is keyed on) for the day's sweep."""
    open_cases = Case.objects.filter(closed_at__isnull=True, workflow__in=[w.code for w in declaration.all_workflows()])

    def unannounced(queryset, kind, on_field):
        alert = CaseAlert.objects.filter(case=OuterRef("pk"), kind=kind, on=OuterRef(on_field))
        return queryset.exclude(Exists(alert)).select_related("school").order_by("id")

    return (
        (
            Kind.DUE_SOON,
            unannounced(open_cases.filter(urgency=Urgency.DUE_SOON, clock_paused=False), Kind.DUE_SOON, "due_on"),
            "due_on",
        ),
        (Kind.OVERDUE, unannounced(open_cases.filter(urgency=Urgency.OVERDUE), Kind.OVERDUE, "due_on"), "due_on"),
        (
            Kind.ESCALATED,
            unannounced(open_cases.filter(escalated_on=day), Kind.ESCALATED, "escalated_on"),
            "escalated_on",
        ),
    )


def notify_sweep(day: dt.date) -> dict[str, int]:
    """In-site notifications for what the sweep of ``day`` marked, each case announced once per kind and date; the
    recipients of cases in the same place and state are asked once. Then one message per user on the other
    channels (``deliver(..., grouped=True)``)."""
    counts: dict[str, int] = {}
    created: list[int] = []
    recipients_of: dict[tuple, list] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for kind, cases, on_field in _sweep_candidates(day):
            counts[kind] = 0
            for case in cases.iterator(chunk_size=2000):
                key = (kind, case.workflow, case.state, case.school_id, case.division_code, case.escalated_to)
                if key not in recipients_of:
                    recipients_of[key] = escalation_users(case) if kind == Kind.ESCALATED else waiting_users(case)
                workflow = declaration.get(case.workflow)
                title, body = sweep_message(case, kind, workflow)
                url = case.get_absolute_url()
                with transaction.atomic():
                    _alert, fresh = CaseAlert.objects.get_or_create(case=case, kind=kind, on=getattr(case, on_field))
                    if not fresh:
                        continue
                    rows = Notification.objects.bulk_create(
                        [
                            Notification(user=user, kind=kind, case=case, title=title, body=body, url=url)
                            for user in recipients_of[key]
                        ]
                    )
                created += [row.pk for row in rows]
                counts[kind] += len(rows)
    if created and backends.backends():
        from .tasks import deliver_task

        deliver_task.enqueue(created, grouped=True)
    return counts


def _settings_of(users) -> dict[int, NotificationSettings]:
    return {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}


def message_for(user, prefs: NotificationSettings | None, subject: str, body: str, url: str, kind: str, case_id=None):
    link = f"{site_url()}{url}" if url else ""
    return backends.Message(
        user_id=user.pk,
        username=user.get_username(),
        email=user.email or "",
        mobile=prefs.mobile if prefs else "",
        subject=subject,
        body=body,
        url=link,
        kind=kind,
        case_id=case_id,
    )


def send_on_channels(messages_by_user: dict[int, list[backends.Message]], prefs: dict) -> dict[str, int]:
    """Each configured backend gets the messages of the users who have not muted its channel."""
    sent: dict[str, int] = {}
    for backend in backends.backends():
        chosen = [
            m
            for user_id, messages in messages_by_user.items()
            if backend.channel not in (prefs[user_id].muted if user_id in prefs else ())
            for m in messages
        ]
        if chosen:
            try:
                sent[backend.channel] = backend.send(chosen)
            except Exception:  # a channel that fails must not stop the others
                logger.exception("notification backend %s failed", backend.channel)
                sent[backend.channel] = 0
    return sent


def deliver(ids: list[int], *, grouped: bool = False) -> dict[str, int]:
    """Hand the notifications ``ids`` not yet delivered to the channels; ``grouped``: one message per user (the
    sweep's), listing them."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=ids, delivered_at__isnull=True)
            .select_related("user")
            .order_by("user_id", "id")
        )
        if not rows:
            return {}
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(delivered_at=timezone.now())
    users = {row.user_id: row.user for row in rows}
    prefs = _settings_of(list(users))
    by_user: dict[int, list] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    messages: dict[int, list] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for user_id, items in by_user.items():
            user, pref = users[user_id], prefs.get(user_id)
            if grouped and len(items) > 1:
                subject = _("【时限提醒】您有{n}件办件需要关注").format(n=len(items))
                body = "\n".join(f"· {row.title}：{site_url()}{row.url}" for row in items)
                messages[user_id] = [
                    message_for(user, pref, subject, body, reverse("notifications:list"), items[0].kind)
                ]
            else:
                messages[user_id] = [
                    message_for(user, pref, row.title, row.body, row.url, row.kind, row.case_id) for row in items
                ]
    return send_on_channels(messages, prefs)
