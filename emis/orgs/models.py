"""Administrative divisions, schools with their dated history, and school years."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import validate_school_code
from emis.common.schoolyear import school_year_end, school_year_label, school_year_start
from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel, ScopedQuerySet

from .apps import DOMAIN
from .choices import (
    DIVISION_CODE_LENGTH,
    ENDING_EVENTS,
    DivisionLevel,
    Ownership,
    SchoolCategory,
    SchoolEventKind,
    UrbanRural,
)


class Division(RegistryModel):
    """An administrative division: province, city, county, township (乡镇) or village/community.

    `code` is the 统计用区划代码 without its zero padding, so that codes nest by prefix
    (42 > 4212 > 421224 > 421224100 > 421224100001) and scope checks are prefix matches.
    """

    domain = DOMAIN
    # Divisions are public reference data (a school must pick a pupil's 户籍 township anywhere in the county),
    # so every signed-in user reads them; writing stays limited to the user's own divisions.
    scope = ScopeSpec(division_paths=("code",), unrestricted=True)

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("级别"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:division_detail", args=[self.pk])

    @property
    def gb2260_code(self) -> str:
        """GB/T 2260 six-digit code; only provinces, cities and counties have one."""
        if self.level in (DivisionLevel.PROVINCE, DivisionLevel.CITY, DivisionLevel.COUNTY):
            return self.code.ljust(6, "0")
        return ""

    @property
    def stats_code(self) -> str:
        """12-digit 统计用区划代码."""
        return self.code.ljust(12, "0")

    def clean(self) -> None:
        errors = {}
        expected = DIVISION_CODE_LENGTH.get(self.level)
        if not self.code.isdigit() or (expected and len(self.code) != expected):
            errors["code"] = _("%(level)s级区划代码应为%(n)s位数字。") % {
                "level": self.get_level_display(),
                "n": expected,
            }
        if self.parent_id and self.code and not self.code.startswith(self.parent.code):
            errors["parent"] = _("区划代码 %(code)s 不以上级区划代码 %(parent)s 开头。") % {
                "code": self.code,
                "parent": self.parent.code,
            }
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors["valid_to"] = _("停用日期不能早于启用日期。")
        if errors:
            raise ValidationError(errors)


def public_or_inclusive(prefix: str = "") -> Q:
    """普惠性: public schools and private ones recognised as inclusive (学前教育法 第二十三条); `prefix` reaches the
    school through a relation ("school__")."""
    return Q(**{f"{prefix}ownership": Ownership.PUBLIC}) | Q(**{f"{prefix}inclusive": True})


class SchoolQuerySet(ScopedQuerySet):
    def existing_on(self, day: dt.date) -> SchoolQuerySet:
        """Schools and teaching points that existed on `day`, read from the dated history."""
        return self.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day)
        )

    def counted_as_schools(self) -> SchoolQuerySet:
        return self.exclude(category=SchoolCategory.TEACHING_POINT)


class School(RegistryModel):
    """A school, kindergarten or teaching point (教学点, attached to a primary school, not counted as a school).

    `opened_on` and `closed_on` are maintained from SchoolEvent rows by orgs.services, so that
    "which schools existed on date D" is a query.
    """

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("id", "parent_id"), division_paths=("township__code",))

    code = models.CharField(_("学校标识码"), max_length=10, unique=True, validators=[validate_school_code])
    name = models.CharField(_("学校名称"), max_length=100)
    category = models.CharField(_("办学类型"), max_length=24, choices=SchoolCategory.choices)
    ownership = models.CharField(_("办别"), max_length=16, choices=Ownership.choices, default=Ownership.PUBLIC)
    inclusive = models.BooleanField(_("普惠性"), default=False, help_text=_("民办幼儿园是否认定为普惠性。"))
    urban_rural = models.CharField(_("城乡分类"), max_length=16, choices=UrbanRural.choices)
    township = models.ForeignKey(
        Division,
        verbose_name=_("所在乡镇"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": DivisionLevel.TOWNSHIP},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teaching_points",
        help_text=_("教学点所属的小学。"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("学位数"), default=0, validators=[MinValueValidator(0)])
    opened_on = models.DateField(_("设立日期"), null=True, blank=True)
    closed_on = models.DateField(_("停办日期"), null=True, blank=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ("code",)
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        indexes = [models.Index(fields=("category", "ownership"), name="orgs_school_category_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:school_detail", args=[self.pk])

    @property
    def is_teaching_point(self) -> bool:
        return self.category == SchoolCategory.TEACHING_POINT

    def clean(self) -> None:
        errors = {}
        if self.category == SchoolCategory.TEACHING_POINT:
            if not self.parent_id:
                errors["parent"] = _("教学点必须指定所属小学。")
            elif self.parent.category != SchoolCategory.PRIMARY:
                errors["parent"] = _("教学点只能附属于小学。")
        elif self.parent_id:
            errors["parent"] = _("只有教学点需要填写上级学校。")
        if self.inclusive and not (
            self.category == SchoolCategory.KINDERGARTEN and self.ownership == Ownership.PRIVATE
        ):
            errors["inclusive"] = _("“普惠性”仅适用于民办幼儿园。")
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors["closed_on"] = _("停办日期不能早于设立日期。")
        if message := school_code_province_error(self.code, self.township.code if self.township_id else ""):
            errors.setdefault("code", message)
        if errors:
            raise ValidationError(errors)


def school_code_province_error(code: str, township_code: str) -> str | None:
    """学校标识码's digits 3-4 are its province's code: the province of the school's township."""
    if len(code or "") == 10 and len(township_code or "") >= 2 and code[2:4] != township_code[:2]:
        return _("学校标识码第3-4位“%(found)s”应为所在省代码 %(province)s。") % {
            "found": code[2:4],
            "province": township_code[:2],
        }
    return None


class SchoolEvent(RegistryModel):
    """A dated fact in a school's history: opened, renamed, merged into another, upgraded, closed."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=16, choices=SchoolEventKind.choices)
    date = models.DateField(_("日期"))
    other_school = models.ForeignKey(
        School,
        verbose_name=_("相关学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("撤并时并入的学校；升格时新设的小学。"),
    )
    old_name = models.CharField(_("原名称"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ("school", "date", "id")
        verbose_name = _("学校沿革")
        verbose_name_plural = _("学校沿革")

    def __str__(self) -> str:
        return f"{self.school} {self.get_kind_display()} {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("orgs:schoolevent_detail", args=[self.pk])

    @property
    def ends_school(self) -> bool:
        return self.kind in ENDING_EVENTS

    def clean(self) -> None:
        if self.kind in (SchoolEventKind.MERGED, SchoolEventKind.UPGRADED) and not self.other_school_id:
            raise ValidationError({"other_school": _("撤并或升格事件必须指定相关学校。")})
        if self.kind == SchoolEventKind.UPGRADED and self.school_id and not self.school.is_teaching_point:
            raise ValidationError({"kind": _("只有教学点可以升格为小学。")})


class SchoolYear(RegistryModel):
    """A 学年 starting 1 September of `start_year`; the census date (统计时点) defaults to 1 September."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    start_year = models.PositiveIntegerField(_("起始年份"), unique=True)
    census_date = models.DateField(_("统计时点"))
    is_current = models.BooleanField(_("当前学年"), default=False)

    class Meta:
        ordering = ("-start_year",)
        verbose_name = _("学年")
        verbose_name_plural = _("学年")

    def __str__(self) -> str:
        return school_year_label(self.start_year)

    def get_absolute_url(self) -> str:
        return reverse("orgs:schoolyear_detail", args=[self.pk])

    @property
    def start_date(self) -> dt.date:
        return school_year_start(self.start_year)

    @property
    def end_date(self) -> dt.date:
        return school_year_end(self.start_year)

    def save(self, *args, **kwargs):
        if self.census_date is None:
            self.census_date = school_year_start(self.start_year)
        super().save(*args, **kwargs)
