"""The daily digest (每日待办摘要): to each user, what waits for them and is due soon or overdue, in Chinese, on the
channels beyond the site (e-mail and the configured backends). ``emis work_digest`` (cron) or ``send_digest_task``.

Safe to run twice a day: a ``DigestSent`` row per user and day is claimed before sending (a unique constraint), so a
second run, or two at once, sends nothing more. A user with nothing due gets nothing (and no row: a later run the
same day may still send if something fell due). The items are ``waiting_for(user)``: the inbox's own query, per
user (a daily task; about three queries per user).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from emis.work.models import Urgency
from emis.work.selectors import waiting_for

from .models import DigestSent, NotificationSettings
from .services import message_for, send_on_channels, site_url

LISTED = 20  # items listed in one digest; the counts cover them all


def digest_for(user, day: dt.date) -> tuple[str, str, int] | None:
    """(subject, text, number of items) of the user's digest, or None when nothing is due soon or overdue."""
    pending = waiting_for(user).filter(urgency__in=(Urgency.DUE_SOON, Urgency.OVERDUE))
    counts = pending.order_by().aggregate(
        overdue=Count("id", filter=Q(urgency=Urgency.OVERDUE)), due_soon=Count("id", filter=Q(urgency=Urgency.DUE_SOON))
    )
    total = counts["overdue"] + counts["due_soon"]
    if not total:
        return None
    subject = _("【每日待办】{day}：{overdue}件已逾期，{due_soon}件即将到期").format(
        day=f"{day.year}年{day.month}月{day.day}日", **counts
    )
    lines = [
        _("{name}，您好！以下办件等待您办理：").format(name=user.display_name or user.get_username()),
        "",
    ]
    for case in pending.select_related(None)[:LISTED]:
        mark = _("已逾期") if case.urgency == Urgency.OVERDUE else _("即将到期")
        lines.append(
            _("· [{mark}] {title}（{state}），期限{due}：{url}").format(
                mark=mark,
                title=case.title,
                state=case.state_label,
                due=f"{case.due_on:%Y-%m-%d}" if case.due_on else "—",
                url=f"{site_url()}{case.get_absolute_url()}",
            )
        )
    if total > LISTED:
        lines.append(_("……另有{n}件，请登录系统查看。").format(n=total - LISTED))
    lines += ["", _("待办事项：{url}").format(url=f"{site_url()}{reverse('work:inbox')}")]
    return subject, "\n".join(lines), total


def send_digests(day: dt.date | None = None) -> dict[str, int]:
    """One digest per user and day (see the module docstring); returns how many were sent and skipped."""
    day = day or timezone.localdate()
    done = set(DigestSent.objects.filter(day=day).values_list("user_id", flat=True))
    prefs = {s.user_id: s for s in NotificationSettings.objects.all()}
    result = {"sent": 0, "already": 0, "nothing": 0, "off": 0}
    users = get_user_model().objects.filter(is_active=True).exclude(pk__in=done).order_by("pk")
    result["already"] = len(done)
    with translation.override(settings.LANGUAGE_CODE):
        for user in users:
            pref = prefs.get(user.pk)
            if pref is not None and not pref.digest:
                result["off"] += 1
                continue
            digest = digest_for(user, day)
            if digest is None:
                result["nothing"] += 1
                continue
            subject, text, items = digest
            try:
                with transaction.atomic():
                    DigestSent.objects.create(user=user, day=day, items=items)
                    message = message_for(user, pref, subject, text, "", "digest")
                    send_on_channels({user.pk: [message]}, {user.pk: pref} if pref else {})
            except IntegrityError:  # another run sent it meanwhile
                result["already"] += 1
                continue
            result["sent"] += 1
    return result
