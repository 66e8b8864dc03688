"""Notifications kept in the site (the bell), what the sweep has already announced, each user's channels, and the
daily digests sent. Rows belong to one user: they are read by their owner only (``Notification.objects.filter(user=
request.user)``), never through a scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STEP = "step", _("待办提醒")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("升级督办")


class Notification(models.Model):
    """One message to one user, shown in the site; ``delivered_at``: when it was handed to the other channels (e-mail,
    SMS, a messaging webhook), so a retried delivery sends nothing twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    case = models.ForeignKey(
        "work.Case", verbose_name=_("办件"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("user", "-created_at"), name="notify_user_created_idx"),
            # The bell: unread rows of one user (one COUNT per page).
            models.Index(fields=("user",), name="notify_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class CaseAlert(models.Model):
    """What the deadline sweep has already announced for a case: due soon or overdue for a given due date, escalated
    on a given day. A second sweep the same day (or a later one) finds it and sends nothing again."""

    case = models.ForeignKey("work.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("case", "kind", "on"), name="notify_case_alert_uniq")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.on}"


class NotificationSettings(models.Model):
    """A user's channels: the site always; the others (e-mail and the configured SMS/webhook backends) unless muted
    here; the daily digest unless turned off. No row: every channel on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    muted = models.JSONField(_("不接收的渠道"), default=list, blank=True)
    digest = models.BooleanField(_("接收每日待办摘要"), default=True)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True, help_text=_("用于短信或企业微信/钉钉提醒。"))

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user)


class DigestSent(models.Model):
    """The daily digest sent to a user on a day: at most one per user and day, however often the command runs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("user", "day"), name="notify_digest_user_day_uniq")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
