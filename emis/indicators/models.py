"""Published indicator snapshots (frozen values of a school year) and the five-year plan's targets."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import ChangeLogged, RegistryModel

from .apps import DOMAIN
from .definitions import REGISTRY


def indicator_choices():
    return [(code, str(indicator.name)) for code, indicator in REGISTRY.items()]


class IndicatorSnapshot(RegistryModel):
    """A school year's indicator values as published: frozen with the data version they were computed from.

    Later edits to the records do not change it; publishing again makes a new version and the newest one is
    the year's published figure. Rows are never edited or deleted.
    """

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("division_code",))
    # The frozen values are the record itself and never change; the change log notes who published which
    # version from which data, without copying hundreds of values into it.
    audit_exclude = ("values",)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="indicator_snapshots"
    )
    division_code = models.CharField(_("统计范围区划代码"), max_length=12)
    version = models.PositiveIntegerField(_("版本"), default=1)
    data_version = models.CharField(
        _("数据版本"),
        max_length=64,
        help_text=_("发布时最后一条变更记录的编号与指标定义的版本，用于说明快照对应的数据。"),
    )
    values = models.JSONField(_("指标值"), encoder=DjangoJSONEncoder)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ("-school_year__start_year", "division_code", "-version")
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "division_code", "version"),
                name="indicators_snapshot_unique_version",
                violation_error_message=_("该学年该范围已有此版本的快照。"),
            )
        ]

    def __str__(self) -> str:
        return _("{year} 第 {version} 版").format(year=self.school_year, version=self.version)

    @classmethod
    def history_value(cls, name: str, value):
        """The data version in words in the change history (core.views.history_rows)."""
        if name == "data_version":
            moment = cls(data_version=value).data_updated_at
            return date_format(localtime(moment), "Y-m-d H:i") if moment else "—"
        return NotImplemented

    @cached_property
    def data_updated_at(self):
        """When the data the snapshot froze last changed, in words for the pages (数据更新于): the time of the last
        change record its ``data_version`` names ("c<id>-e…"), or its publication when that record is not there."""
        from emis.core.models import ObjectChange

        match = re.match(r"c(\d+)-", self.data_version or "")
        if match:
            found = ObjectChange.objects.filter(pk=int(match[1])).values_list("time", flat=True).first()
            if found is not None:
                return found
        return self.created_at

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicatorsnapshot_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("已发布的指标快照不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("已发布的指标快照不可删除。"))

    def total(self, code: str) -> dict | None:
        return next((v for v in self.values["values"] if v["code"] == code and not v["dimensions"]), None)


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "≥"
    AT_MOST = "lte", "≤"
    EQUAL = "eq", "="
    ABOUT = "about", "≈"


class PlanTarget(RegistryModel):
    """A target of the five-year plan for one indicator: e.g. 学前三年毛入园率 ≥ 93% by 2025, from 2020."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("division_code",))

    division_code = models.CharField(_("区划代码"), max_length=12)
    plan_name = models.CharField(_("规划"), max_length=64, default="“十四五”教育事业发展规划")
    indicator = models.CharField(_("指标"), max_length=48, choices=indicator_choices)
    baseline_year = models.PositiveIntegerField(
        _("基期学年"), help_text=_("学年起始年份，如 2020 表示 2020-2021 学年。")
    )
    target_year = models.PositiveIntegerField(_("目标学年"))
    comparator = models.CharField(_("比较"), max_length=8, choices=Comparator.choices, default=Comparator.AT_LEAST)
    value = models.DecimalField(_("目标值"), max_digits=10, decimal_places=2)
    tolerance = models.DecimalField(
        _("允许偏差"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("仅用于“≈”：与目标值相差不超过此数即为达成。"),
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ("division_code", "target_year", "indicator")
        verbose_name = _("规划目标")
        verbose_name_plural = _("规划目标")
        constraints = [
            models.UniqueConstraint(
                fields=("division_code", "indicator", "target_year"),
                name="indicators_target_unique",
                violation_error_message=_("该指标在该目标学年已有目标。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.get_comparator_display()} {self.value}（{self.target_year}）"

    def get_absolute_url(self) -> str:
        return reverse("indicators:plantarget_detail", args=[self.pk])

    def clean(self) -> None:
        if self.baseline_year and self.target_year and self.target_year <= self.baseline_year:
            raise ValidationError({"target_year": _("目标学年应晚于基期学年。")})


class IndicatorRule(ChangeLogged, models.Model):
    """One configurable value behind the indicator formulas (an age band, a class-size or staffing standard, a
    national threshold), valid over a period and with its source: design §6, standards differ by province and
    change over time. `rules.get_rules(on=census_date)` reads the rows valid on the date; the defaults in
    rules.DEFAULT_RULES (loaded here by migration 0003) hold for keys without one."""

    key = models.CharField(
        _("规则"), max_length=64, help_text=_("如 large_class_min、staffing_ratios.primary、thresholds.preschool_ger。")
    )
    value = models.JSONField(_("取值"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当日；空表示仍有效。"))
    source = models.CharField(_("依据"), max_length=200)

    class Meta:
        ordering = ("key", "valid_from")
        verbose_name = _("指标规则")
        verbose_name_plural = _("指标规则")
        constraints = [
            models.UniqueConstraint(
                fields=("key", "valid_from"),
                name="indicators_rule_unique_start",
                violation_error_message=_("该规则在此日期已有一条取值。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.valid_from}"
