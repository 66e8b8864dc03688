"""营养改善计划 (the rural compulsory-education nutrition improvement programme): which schools take part and under
which scheme (dated rows), the daily standard by date, the county's school days per month (a school may have its own),
and each school's monthly report, whose state is its work-engine case's (``report.case.state``): this app keeps no
status of its own; every step goes through emis.work.services (see workflows.py).

Beneficiaries and funds are not stored: they are counted from the rolls by emis.meals.selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel
from emis.work.models import Case

from .apps import DOMAIN


class Scheme(models.TextChoices):
    NATIONAL = "national", _("国家试点")
    LOCAL = "local", _("地方试点")


class Participation(RegistryModel):
    """A school's taking part in the programme under a scheme, from a date (and until a date): dated rows, so a
    school that joins mid-year or changes scheme keeps its history."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="meal_participations"
    )
    scheme = models.CharField(_("试点类型"), max_length=16, choices=Scheme.choices)
    start_date = models.DateField(_("纳入日期"))
    end_date = models.DateField(_("退出日期"), null=True, blank=True, help_text=_("最后一天参加；空表示至今。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("实施学校")
        verbose_name_plural = _("实施学校")
        ordering = ("school__code", "-start_date")
        indexes = [models.Index(fields=("school", "start_date"), name="meals_part_school_start_idx")]

    def __str__(self) -> str:
        return f"{self.school} {self.get_scheme_display()} {self.start_date}"

    def get_absolute_url(self) -> str:
        return reverse("meals:participation_detail", args=[self.pk])

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("退出日期不能早于纳入日期。")})


class DailyStandard(RegistryModel):
    """膳食补助标准 (元/生/天) in force from a date until the next one. A new standard is added with its date; a
    standard already entered is never edited (the months already paid were computed with it)."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    effective_from = models.DateField(_("执行日期"))
    amount = models.DecimalField(
        _("补助标准（元/生/天）"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("膳食补助标准")
        verbose_name_plural = _("膳食补助标准")
        ordering = ("-effective_from",)
        constraints = [
            models.UniqueConstraint(
                fields=("effective_from",),
                name="meals_standard_unique_date",
                violation_error_message=_("该执行日期已有补助标准。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.effective_from} {self.amount}元"

    def get_absolute_url(self) -> str:
        return reverse("meals:dailystandard_detail", args=[self.pk])


class SchoolDays(RegistryModel):
    """供餐天数: the days meals are served in a month. A row without a school is the county's default for the month;
    a row with a school is that school's own days, which replace the default."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    month = models.DateField(_("月份"), help_text=_("该月第一天，如 2021-03-01。"))
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示全县默认天数。"),
    )
    days = models.PositiveSmallIntegerField(_("供餐天数"), validators=[MaxValueValidator(31)])
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("供餐天数")
        verbose_name_plural = _("供餐天数")
        ordering = ("-month", "school__code")
        constraints = [
            models.UniqueConstraint(
                fields=("month", "school"),
                name="meals_days_unique_school_month",
                violation_error_message=_("该学校该月已有供餐天数。"),
            ),
            models.UniqueConstraint(
                fields=("month",),
                condition=models.Q(school__isnull=True),
                name="meals_days_unique_county_month",
                violation_error_message=_("该月已有全县默认供餐天数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.school or _('全县默认')} {self.days}"

    def get_absolute_url(self) -> str:
        return reverse("meals:schooldays_detail", args=[self.pk])

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("月份请填该月第一天。")})


class MonthlyReport(RegistryModel):
    """A school's 营养改善计划月报 for one month: what the school reports (beneficiaries, days served, amount) beside
    what the system expects from the rolls, the days and the standard. Its state is its case's."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="meal_report")
    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    expected_beneficiaries = models.PositiveIntegerField(_("应享受人数"), default=0)
    expected_days = models.PositiveSmallIntegerField(_("应供餐天数"), default=0)
    expected_amount = models.DecimalField(_("应拨资金（元）"), max_digits=14, decimal_places=2, default=0)
    beneficiaries = models.PositiveIntegerField(_("上报人数"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(_("上报供餐天数"), null=True, blank=True)
    amount = models.DecimalField(_("上报金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("营养改善计划月报")
        verbose_name_plural = _("营养改善计划月报")
        ordering = ("-month", "school__code")
        constraints = [
            models.UniqueConstraint(
                fields=("school", "month"),
                name="meals_report_unique_school_month",
                violation_error_message=_("该学校该月已有月报。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.month:%Y年%m月}"

    def get_absolute_url(self) -> str:
        return reverse("meals:monthlyreport_detail", args=[self.pk])

    @property
    def differences(self) -> dict:
        """Reported minus expected, per figure (None until reported)."""
        if self.beneficiaries is None:
            return {}
        return {
            "beneficiaries": self.beneficiaries - self.expected_beneficiaries,
            "days": (self.days or 0) - self.expected_days,
            "amount": (self.amount or 0) - self.expected_amount,
        }
