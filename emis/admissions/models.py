"""Catchment enrolment (划片招生): zones of villages mapped to schools, entry plans, and recorded exceptions.

The senior-high admission rounds (中考录取) are their own app, `emis.rounds`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import normalize_id_number, validate_id_number
from emis.common.text import pinyin_initials
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel

from .apps import DOMAIN
from .choices import ENTRY_SCHOOL_CATEGORIES, STANDARD_CLASS_SIZE, EntryLevel, ExceptionReason


class CatchmentZone(RegistryModel):
    """招生片区: villages and communities whose children enter one primary and one junior school."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("primary_school_id", "junior_school_id"), division_paths=("township__code",))

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="catchment_zones"
    )
    name = models.CharField(_("片区名称"), max_length=64)
    township = models.ForeignKey(
        "orgs.Division", verbose_name=_("所在乡镇"), on_delete=models.PROTECT, related_name="catchment_zones"
    )
    villages = models.ManyToManyField(
        "orgs.Division", verbose_name=_("包含村/社区"), related_name="catchment_zones_as_village", blank=True
    )
    primary_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("对口小学"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="primary_catchments",
    )
    junior_school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("对口初中"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="junior_catchments",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ("school_year", "township", "name")
        verbose_name = _("招生片区")
        verbose_name_plural = _("招生片区")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "name"),
                name="admissions_zone_unique_name_per_year",
                violation_error_message=_("该学年已有同名片区。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admissions:catchmentzone_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        for field, level in (("primary_school", EntryLevel.PRIMARY), ("junior_school", EntryLevel.JUNIOR)):
            school = getattr(self, field)
            if school is not None and school.category not in ENTRY_SCHOOL_CATEGORIES[level]:
                errors[field] = _("“{school}”（{category}）不招收{level}。").format(
                    school=school.name, category=school.get_category_display(), level=level.label
                )
        if not self.primary_school_id and not self.junior_school_id:
            errors["primary_school"] = _("对口小学和对口初中至少填写一项。")
        if errors:
            raise ValidationError(errors)


class EntryPlan(RegistryModel):
    """A school's entry plan for one year and entry grade: classes, and the standard size of a class."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("school__township__code",))

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="entry_plans"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="entry_plans"
    )
    level = models.CharField(_("招生年级"), max_length=16, choices=EntryLevel.choices)
    classes = models.PositiveIntegerField(_("计划班数"))
    class_size = models.PositiveIntegerField(
        _("标准班额"), null=True, blank=True, help_text=_("留空按国家标准：小学45人，初中50人。")
    )

    class Meta:
        ordering = ("school_year", "level", "school")
        verbose_name = _("招生计划")
        verbose_name_plural = _("招生计划")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "school", "level"),
                name="admissions_plan_unique_per_school_level",
                violation_error_message=_("该校本学年这一招生年级已有计划。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.get_level_display()}"

    def get_absolute_url(self) -> str:
        return reverse("admissions:entryplan_detail", args=[self.pk])

    @property
    def standard_size(self) -> int:
        return self.class_size or STANDARD_CLASS_SIZE[self.level]

    @property
    def capacity(self) -> int:
        return self.classes * self.standard_size

    def clean(self) -> None:
        if self.school_id and self.level and self.school.category not in ENTRY_SCHOOL_CATEGORIES[self.level]:
            raise ValidationError(
                {
                    "school": _("“{school}”不招收{level}。").format(
                        school=self.school.name, level=self.get_level_display()
                    )
                }
            )


class CatchmentException(RegistryModel):
    """A child placed outside its zone's school, with the reason (随迁子女, special education, policy cases)."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("school__township__code",))
    sensitive_fields = ("id_number",)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="catchment_exceptions"
    )
    level = models.CharField(_("招生年级"), max_length=16, choices=EntryLevel.choices)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    name = models.CharField(_("姓名"), max_length=64)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=64, blank=True, db_index=True, editable=False)
    reason = models.CharField(_("原因"), max_length=16, choices=ExceptionReason.choices)
    school = models.ForeignKey(
        "orgs.School",
        verbose_name=_("安排学校"),
        on_delete=models.PROTECT,
        related_name="catchment_exceptions",
        help_text=_("特殊教育送教上门等不在本县学校就读的，也选择负责的学校。"),
    )
    note = models.CharField(_("依据与说明"), max_length=200, blank=True)

    class Meta:
        ordering = ("school_year", "level", "school", "name")
        verbose_name = _("划片例外")
        verbose_name_plural = _("划片例外")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "level", "id_number_hash"),
                name="admissions_exception_unique_child_hash",
                violation_error_message=_("该儿童本学年已有例外安排。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admissions:catchmentexception_detail", args=[self.pk])

    def clean(self) -> None:
        self.id_number = normalize_id_number(self.id_number or "")
        try:
            validate_id_number(self.id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
        if self.school_id and self.level and self.school.category not in ENTRY_SCHOOL_CATEGORIES[self.level]:
            if self.reason != ExceptionReason.SPECIAL:
                raise ValidationError(
                    {
                        "school": _("“{school}”不招收{level}。").format(
                            school=self.school.name, level=self.get_level_display()
                        )
                    }
                )

    def save(self, *args, **kwargs):
        self.name_initials = pinyin_initials(self.name)
        super().save(*args, **kwargs)
