"""A 整改通知书 (rectification notice) to a school and its items (the findings of a 督查, each with its severity and
photo, the school's answer with evidence, and the issuer's verdict). The notice's state is its work-engine case's
(``notice.case.state``): this app keeps no status of its own; every step goes through emis.work.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel
from emis.work.models import Attachment, Case

from .apps import DOMAIN


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    CRITICAL = "critical", _("严重")


SEVERITY_ORDER = {Severity.GENERAL: 1, Severity.SERIOUS: 2, Severity.CRITICAL: 3}


class Verdict(models.TextChoices):
    PENDING = "pending", _("待验收")
    ACCEPTED = "accepted", _("已整改到位")
    REJECTED = "rejected", _("未整改到位")


class Notice(RegistryModel):
    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("school__township__code",))

    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="rectification")
    school = models.ForeignKey("orgs.School", verbose_name=_("整改单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("通知事由"), max_length=200, help_text=_("如：2022年春季开学工作专项督查。"))
    inspected_on = models.DateField(_("督查日期"))
    basis = models.TextField(_("督查情况"), blank=True)
    days = models.PositiveIntegerField(_("整改期限（工作日）"), default=20)
    responsible = models.CharField(_("整改责任人"), max_length=50)
    responsible_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    issuer_unit = models.CharField(_("发文单位"), max_length=100)
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    document_number = models.CharField(_("文号"), max_length=50, blank=True)
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    severity = models.CharField(_("最高严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)

    class Meta:
        verbose_name = _("整改通知书")
        verbose_name_plural = _("整改通知书")
        ordering = ("-id",)

    def __str__(self) -> str:
        return self.document_number or f"{self.school} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("rectification:notice_detail", args=[self.pk])


class Item(RegistryModel):
    domain = DOMAIN
    scope = ScopeSpec(school_paths=("notice__school_id",), division_paths=("notice__school__township__code",))

    notice = models.ForeignKey(Notice, verbose_name=_("整改通知书"), on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField(_("序号"))
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    finding = models.TextField(_("存在问题"))
    requirement = models.TextField(_("整改要求"), blank=True)
    photo = models.ForeignKey(
        Attachment, verbose_name=_("问题照片"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("整改情况"), blank=True)
    answer_photos = models.ManyToManyField(Attachment, verbose_name=_("整改佐证"), blank=True, related_name="+")
    answered_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    verdict = models.CharField(_("验收结论"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_note = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ("notice", "number")
        constraints = [models.UniqueConstraint(fields=("notice", "number"), name="rectification_item_number_uniq")]

    def __str__(self) -> str:
        return f"{self.number}. {self.finding[:40]}"
