"""Channels beyond the site: e-mail through Django's mail backend, and pluggable backends for SMS or an enterprise
messaging webhook (企业微信 / 钉钉 群机器人, or a gateway of the bureau's own).

``EMIS_NOTIFICATION_BACKENDS`` lists the dotted paths of the backends in use (default: e-mail only). The site itself
is not a backend: every notification is kept there. Nothing leaves the machine unless configured: Django's mail
backend is the console in development and locmem in tests (``EMIS_EMAIL_BACKEND`` / the ``EMAIL_*`` settings for a
real server), and the webhook posts only to ``EMIS_NOTIFY_WEBHOOK_URL``.

A backend is a class with ``channel`` (a code stored in a user's muted channels), ``label`` and
``send(messages)``; an SMS provider is a subclass of ``SmsBackend`` that implements ``send_sms(mobile, text)``.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.request
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


@dataclass
class Message:
    """One message to one user on the channels: its subject and text (Chinese), the link to the case."""

    user_id: int
    username: str
    email: str
    mobile: str
    subject: str
    body: str
    url: str
    kind: str
    case_id: int | None = None

    def text(self) -> str:
        return f"{self.subject}\n{self.body}\n{self.url}".strip()

    def payload(self) -> dict:
        return asdict(self)


class NotificationBackend:
    channel = ""
    label = ""

    def send(self, messages: list[Message]) -> int:
        raise NotImplementedError


class EmailBackend(NotificationBackend):
    """E-mail through Django's mail backend (EMAIL_BACKEND): one message per user; users without an address are
    left out."""

    channel = "email"
    label = _("电子邮件")

    def send(self, messages: list[Message]) -> int:
        emails = [
            mail.EmailMessage(m.subject, m.text(), settings.DEFAULT_FROM_EMAIL, [m.email]) for m in messages if m.email
        ]
        if not emails:
            return 0
        return mail.get_connection().send_messages(emails) or 0


class WebhookBackend(NotificationBackend):
    """POSTs each message as JSON to ``EMIS_NOTIFY_WEBHOOK_URL``, in the 群机器人 "text" format that 企业微信 and
    钉钉 accept (the user's mobile number mentioned), with the message's fields under "emis" for a gateway of the
    bureau's own. A failed POST is logged, not retried."""

    channel = "webhook"
    label = _("企业微信/钉钉")
    timeout = 5

    def send(self, messages: list[Message]) -> int:
        url = getattr(settings, "EMIS_NOTIFY_WEBHOOK_URL", "")
        if not url:
            return 0
        sent = 0
        for m in messages:
            body = {
                "msgtype": "text",
                "text": {"content": m.text(), "mentioned_mobile_list": [m.mobile] if m.mobile else []},
                "emis": m.payload(),
            }
            request = urllib.request.Request(
                url,
                data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                    response.read()
                sent += 1
            except OSError:
                logger.exception("notification webhook failed for user %s", m.username)
        return sent


class SmsBackend(NotificationBackend):
    """Base of an SMS provider's backend: subclass it and implement ``send_sms``; users without a mobile number are
    left out."""

    channel = "sms"
    label = _("短信")

    def send_sms(self, mobile: str, text: str) -> None:
        raise NotImplementedError

    def send(self, messages: list[Message]) -> int:
        sent = 0
        for m in messages:
            if m.mobile:
                self.send_sms(m.mobile, f"{m.subject} {m.url}".strip())
                sent += 1
        return sent


class FileBackend(NotificationBackend):
    """Development: appends each message as one JSON line to ``EMIS_NOTIFY_FILE`` (var/notifications.jsonl), where
    an SMS or webhook would have sent it."""

    channel = "file"
    label = _("文件（开发用）")

    def send(self, messages: list[Message]) -> int:
        path = Path(getattr(settings, "EMIS_NOTIFY_FILE", settings.VAR_DIR / "notifications.jsonl"))
        with path.open("a", encoding="utf-8") as out:
            for m in messages:
                out.write(json.dumps(m.payload(), ensure_ascii=False) + "\n")
        return len(messages)


class ConsoleBackend(NotificationBackend):
    """Development: prints each message as JSON."""

    channel = "console"
    label = _("控制台（开发用）")

    def send(self, messages: list[Message]) -> int:
        for m in messages:
            sys.stdout.write(json.dumps(m.payload(), ensure_ascii=False) + "\n")
        return len(messages)


# Tests: what LocmemBackend sent, like django.core.mail.outbox.
outbox: list[Message] = []


class LocmemBackend(NotificationBackend):
    channel = "locmem"
    label = _("内存（测试用）")

    def send(self, messages: list[Message]) -> int:
        outbox.extend(messages)
        return len(messages)


def backends() -> list[NotificationBackend]:
    return [_backend(path) for path in getattr(settings, "EMIS_NOTIFICATION_BACKENDS", [])]


@cache
def _backend(path: str) -> NotificationBackend:
    return import_string(path)()


def channels() -> list[tuple[str, str]]:
    """(code, label) of the configured channels a user may turn off."""
    return [(b.channel, str(b.label)) for b in backends()]
