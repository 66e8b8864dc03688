"""学生资助 (student aid): programmes, their dated standards, the aid categories of children (资助对象认定), terms with
their census dates, and the rolls (资助名单) generated per programme, term and school with their lines.

A roll's state is its work-engine case's (``roll.case.state``, workflow ``aid_roll`` in workflows.py): this app keeps
no status of its own. Standards are never edited: a new amount is a new row with a later ``valid_from``
(domain-rules §5, docs/domains/aid.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.text import pinyin_initials
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel
from emis.students.choices import Level

from .apps import DOMAIN


class Category(models.TextChoices):
    """资助对象类别 (domain-rules §5)."""

    POVERTY = "poverty", _("脱贫家庭")
    MONITORED = "monitored", _("监测对象")
    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困供养")
    ORPHAN = "orphan", _("孤儿")
    UNSUPPORTED = "unsupported", _("事实无人抚养")
    DISABLED = "disabled", _("残疾学生")
    DISABLED_PARENT = "disabled_parent", _("残疾人子女")
    OTHER = "other", _("其他困难")


CATEGORY_LABELS = {str(label): code for code, label in Category.choices}
# Coverage (issue 15 item 3): these students are aided every term, or the gap is listed with its reason.
COVERAGE_CATEGORIES = (Category.POVERTY, Category.MONITORED)


class Source(models.TextChoices):
    CIVIL = "civil", _("民政")
    RURAL = "rural", _("乡村振兴")
    DISABLED = "disabled", _("残联")
    EDUCATION = "education", _("教育")
    OTHER = "other", _("其他")


SOURCE_LABELS = {str(label): code for code, label in Source.choices}


class TermKind(models.TextChoices):
    AUTUMN = "autumn", _("秋季学期")
    SPRING = "spring", _("春季学期")


# The default census dates (统计日期) of a term when the county has not set one: 30 September of the school year's
# first calendar year for the autumn term, 31 March of the second for the spring term.
DEFAULT_CENSUS = {TermKind.AUTUMN: (0, 9, 30), TermKind.SPRING: (1, 3, 31)}


def default_census(start_year: int, kind: str) -> dt.date:
    offset, month, day = DEFAULT_CENSUS[kind]
    return dt.date(start_year + offset, month, day)


class Programme(RegistryModel):
    """A 资助项目 (programme): the levels it serves; its amounts are in Standard."""

    # Written by migrate (and after a flush): a fresh database holds them (emis.core.backup.is_empty).
    reference_data = True

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    code = models.CharField(_("项目代码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    levels = models.JSONField(_("适用学段"), default=list)
    order = models.PositiveIntegerField(_("排序"), default=0)
    basis = models.CharField(_("政策依据"), max_length=300, blank=True)

    class Meta:
        ordering = ("order", "code")
        verbose_name = _("资助项目")
        verbose_name_plural = _("资助项目")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("aid:programme_detail", args=[self.pk])

    @property
    def levels_display(self) -> str:
        labels = dict(Level.choices)
        return "、".join(str(labels.get(code, code)) for code in self.levels)

    @classmethod
    def history_value(cls, name, value):
        """The change log's values in words: the code as the programme's name, the levels by their labels."""
        if name == "code":
            return cls.objects.filter(code=value).values_list("name", flat=True).first() or value
        if name == "levels":
            labels = dict(Level.choices)
            return "、".join(str(labels.get(code, code)) for code in value or [])
        return NotImplemented


class Eligibility(models.TextChoices):
    ALL = "all", _("全体在读学生")
    ANY = "any", _("任一资助对象类别")
    LISTED = "listed", _("所列资助对象类别")


class Standard(RegistryModel):
    """A 资助标准 (domain-rules §5: aid_standard): the yearly amount of one series of a programme (a level, boarders or
    not, a tier) from ``valid_from`` until the series' next row. Half of the yearly amount is paid each term.

    The standard of a child on a census date: of each series, the row with the latest valid_from not after the date;
    among the series whose conditions the child meets (level, grade, boarding, categories), the highest amount.
    """

    # Written by migrate (and after a flush): a fresh database holds them (emis.core.backup.is_empty).
    reference_data = True

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    programme = models.ForeignKey(
        Programme, verbose_name=_("资助项目"), on_delete=models.PROTECT, related_name="standards"
    )
    level = models.CharField(_("学段"), max_length=16, choices=Level.choices)
    grades = models.JSONField(_("适用年级"), default=list, blank=True, help_text=_("不填为该学段全部年级。"))
    boarder = models.BooleanField(_("寄宿生"), null=True, blank=True, help_text=_("不填为寄宿与否均适用。"))
    tier = models.CharField(_("档次"), max_length=20, blank=True)
    eligibility = models.CharField(_("资助对象"), max_length=10, choices=Eligibility.choices, default=Eligibility.ANY)
    categories = models.JSONField(_("资助对象类别"), default=list, blank=True)
    amount_per_year = models.DecimalField(_("年标准（元）"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("执行日期"))
    source = models.CharField(_("依据"), max_length=300)

    class Meta:
        ordering = ("programme__order", "level", "tier", "-boarder", "valid_from")
        verbose_name = _("资助标准")
        verbose_name_plural = _("资助标准")
        constraints = [
            models.UniqueConstraint(
                fields=("programme", "level", "boarder", "tier", "valid_from"),
                name="aid_standard_series_date_uniq",
                violation_error_message=_("该项目同一学段、寄宿与否、档次在此执行日期已有标准。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.get_level_display()} {self.series_label} {self.amount_per_year}元/年"

    def get_absolute_url(self) -> str:
        return reverse("aid:standard_detail", args=[self.pk])

    @property
    def series(self) -> tuple:
        return (self.programme_id, self.level, self.boarder, self.tier)

    @property
    def series_label(self) -> str:
        parts = []
        if self.boarder is True:
            parts.append(str(_("寄宿生")))
        elif self.boarder is False:
            parts.append(str(_("非寄宿生")))
        if self.tier:
            parts.append(self.tier)
        return " ".join(parts)

    @property
    def per_term(self) -> Decimal:
        return (self.amount_per_year / 2).quantize(Decimal("0.01"))

    @classmethod
    def history_value(cls, name, value):
        """The change log's lists of codes in words (categories and grades by their labels)."""
        if name == "categories":
            labels = dict(Category.choices)
            return "、".join(str(labels.get(code, code)) for code in value or []) or None
        if name == "grades":
            from emis.students.choices import Grade

            labels = dict(Grade.choices)
            return "、".join(str(labels.get(code, code)) for code in value or []) or None
        return NotImplemented

    @property
    def categories_display(self) -> str:
        if self.eligibility != Eligibility.LISTED:
            return str(self.get_eligibility_display())
        labels = dict(Category.choices)
        return "、".join(str(labels.get(code, code)) for code in self.categories)

    def clean(self) -> None:
        errors = {}
        if self.programme_id and self.level and self.level not in self.programme.levels:
            errors["level"] = _("该资助项目不适用于此学段。")
        unknown = [code for code in self.categories or [] if code not in Category.values]
        if unknown:
            errors["categories"] = _("未知的资助对象类别：{codes}。").format(codes="、".join(unknown))
        if self.eligibility == Eligibility.LISTED and not self.categories:
            errors["categories"] = _("请列出适用的资助对象类别。")
        if self.amount_per_year is not None and self.amount_per_year <= 0:
            errors["amount_per_year"] = _("年标准须大于0。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("allow_change", False):
            # Never edited: an old standard is what past rolls were paid by.
            raise ValidationError(_("资助标准不可修改：新标准请以更晚的执行日期新增一条。"))
        super().save(*args, **kwargs)


class Term(RegistryModel):
    """A term of a school year with its census date (统计日期): who is 在读 then is who is on the term's rolls."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("学期"), max_length=8, choices=TermKind.choices)
    census_date = models.DateField(_("统计日期"))
    publicity_days = models.PositiveIntegerField(_("公示天数"), default=5)

    class Meta:
        ordering = ("-school_year__start_year", "kind")
        verbose_name = _("资助学期")
        verbose_name_plural = _("资助学期")
        constraints = [models.UniqueConstraint(fields=("school_year", "kind"), name="aid_term_year_kind_uniq")]

    def __str__(self) -> str:
        start = self.school_year.start_year
        year = start if self.kind == TermKind.AUTUMN else start + 1
        return f"{year}年{self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("aid:term_detail", args=[self.pk])


class Recognition(RegistryModel):
    """A child's 资助对象类别 as recognised by a department (认定): keyed by ID number, one row per category."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("township_code", "county_code"))
    sensitive_fields = ("id_number",)

    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    name = models.CharField(_("姓名"), max_length=64)
    name_initials = models.CharField(_("拼音首字母"), max_length=64, blank=True, editable=False)
    category = models.CharField(_("资助对象类别"), max_length=20, choices=Category.choices)
    recognised_on = models.DateField(_("认定日期"))
    source = models.CharField(_("认定来源"), max_length=16, choices=Source.choices)
    county_code = models.CharField(_("所属县区划代码"), max_length=12, blank=True)
    township_code = models.CharField(_("所属乡镇代码"), max_length=12, blank=True)

    class Meta:
        ordering = ("name", "category", "id")
        verbose_name = _("资助对象认定")
        verbose_name_plural = _("资助对象认定")
        constraints = [
            models.UniqueConstraint(
                fields=("id_number_hash", "category"),
                name="aid_recognition_id_category_uniq",
                violation_error_message=_("此身份证号已有该类别的认定记录。"),
            )
        ]
        indexes = [models.Index(fields=("county_code", "category"), name="aid_recognition_county_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.get_category_display()}"

    def get_absolute_url(self) -> str:
        return reverse("aid:recognition_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)


class Roll(RegistryModel):
    """The 资助名单 of one school for one programme and term, moved school → 乡镇 → 县 → 公示 → 审批 → 发放 on its
    case (workflows.AID_ROLL). Its persons and amount are the sum of its lines not removed."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("school__township__code",))

    programme = models.ForeignKey(Programme, verbose_name=_("资助项目"), on_delete=models.PROTECT, related_name="rolls")
    term = models.ForeignKey(Term, verbose_name=_("学期"), on_delete=models.PROTECT, related_name="rolls")
    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField(
        "work.Case", verbose_name=_("办件"), on_delete=models.PROTECT, related_name="aid_roll", null=True
    )
    persons = models.PositiveIntegerField(_("人次"), default=0)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ("-term__school_year__start_year", "term__kind", "programme__order", "school__code")
        verbose_name = _("资助名单")
        verbose_name_plural = _("资助名单")
        constraints = [
            models.UniqueConstraint(fields=("programme", "term", "school"), name="aid_roll_programme_term_school")
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.programme} {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("aid:roll_detail", args=[self.pk])


class RollLine(models.Model):
    """One child on a roll: the grade and boarding on the census date, the categories recognised by then, the
    standard applied and the term's amount. A line removed (移出名单) stays, with its reason, and is not paid.

    Not itself a registry row: lines are what the rules give on the census date (rules.compute_lines, reproducible),
    written in bulk by the generation, which the audit trail records (one event per generation, the roll's 人次 and
    金额 in the change log); every later change to a line is a LineChange (who, when, the roll's state, old and new,
    the reason) and the roll's new totals in the change log. Read through the roll's scope (``in_scope``)."""

    roll = models.ForeignKey(Roll, verbose_name=_("资助名单"), on_delete=models.CASCADE, related_name="lines")
    student = models.ForeignKey(
        "students.Student", verbose_name=_("学生"), on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    grade = models.CharField(_("年级"), max_length=2)
    level = models.CharField(_("学段"), max_length=16, choices=Level.choices)
    boarder = models.BooleanField(_("寄宿生"), default=False)
    categories = models.CharField(_("资助对象类别"), max_length=200, blank=True)
    standard = models.ForeignKey(
        Standard, verbose_name=_("资助标准"), on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    tier = models.CharField(_("档次"), max_length=20, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    removed = models.BooleanField(_("已移出"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ("roll", "grade", "id")
        verbose_name = _("资助名单明细")
        verbose_name_plural = _("资助名单明细")
        constraints = [models.UniqueConstraint(fields=("roll", "student"), name="aid_rollline_roll_student_uniq")]
        indexes = [models.Index(fields=("student",), name="aid_rollline_student_idx")]

    def __str__(self) -> str:
        return f"{self.roll_id}:{self.student_id} {self.amount}"

    @classmethod
    def in_scope(cls, user):
        """The lines of the rolls the user may read (Roll's scope)."""
        return cls.objects.filter(roll__in=Roll.objects.for_user(user))

    def get_absolute_url(self) -> str:
        return reverse("aid:roll_detail", args=[self.roll_id])

    @property
    def categories_display(self) -> str:
        labels = dict(Category.choices)
        return "、".join(str(labels.get(code, code)) for code in self.categories.split(",") if code)


class LineChange(models.Model):
    """A change to a roll line (amount, removal) with who, when, the roll's state then and the reason: after the
    roll's approval a reason is required (services.line_change). The roll's new totals are in the change log."""

    line = models.ForeignKey(RollLine, verbose_name=_("名单明细"), on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        "accounts.User", verbose_name=_("修改人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("修改时间"), auto_now_add=True)
    state = models.CharField(_("名单状态"), max_length=20)
    old_amount = models.DecimalField(_("原金额"), max_digits=10, decimal_places=2)
    new_amount = models.DecimalField(_("新金额"), max_digits=10, decimal_places=2)
    old_removed = models.BooleanField(_("原已移出"), default=False)
    new_removed = models.BooleanField(_("现已移出"), default=False)
    reason = models.CharField(_("修改原因"), max_length=300, blank=True)

    class Meta:
        ordering = ("-changed_at", "-id")
        verbose_name = _("名单修改记录")
        verbose_name_plural = _("名单修改记录")

    def __str__(self) -> str:
        return f"{self.line_id} {self.old_amount}→{self.new_amount}"
