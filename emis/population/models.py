"""The school-age population register: the denominator of every rate and the base of 控辍保学."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.idnumbers import normalize_id_number, validate_id_number
from emis.common.models import PersonFields
from emis.common.text import pinyin_initials
from emis.core import access
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel
from emis.orgs.choices import DIVISION_CODE_LENGTH, DivisionLevel

from .apps import DOMAIN

COUNTY_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]


class PopulationSource(models.TextChoices):
    POLICE = "police", _("公安户籍")
    HEALTH = "health", _("卫健出生")
    CENSUS = "census", _("人口普查")


class PopulationRecord(PersonFields, RegistryModel):
    """One school-age person in the register taken for a school year (registers are yearly snapshots)."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("hukou_township__code",))
    sensitive_fields = ("id_number",)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="population"
    )
    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    hukou_township = models.ForeignKey(
        "orgs.Division", verbose_name=_("户籍乡镇"), on_delete=models.PROTECT, related_name="+"
    )
    hukou_village = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("户籍村/社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=PopulationSource.choices, default=PopulationSource.POLICE
    )

    class Meta:
        ordering = ("hukou_township", "name", "id")
        verbose_name = _("适龄人口")
        verbose_name_plural = _("适龄人口")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "id_number_hash"),
                name="population_record_unique_id_hash_per_year",
                violation_error_message=_("该学年的人口登记中已有此身份证号。"),
            )
        ]
        indexes = [models.Index(fields=("school_year", "birth_date"), name="population_year_birth_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("population:populationrecord_detail", args=[self.pk])

    def clean(self) -> None:
        self.clean_person(id_required=True)
        if self.hukou_village_id and self.hukou_township_id:
            if self.hukou_village.parent_id != self.hukou_township_id:
                raise ValidationError({"hukou_village": _("户籍村/社区不属于所选乡镇。")})


def default_county_code() -> str:
    """The county of a record made with no township and no user to ask (a shell, a fixture): the deployment's area
    when that is one county, else "" (seen by administrators only until the record names its township). Pages, the
    API and imports set the county themselves (OutsideEnrollment.save, OutsideEnrollmentUI.save, the importer)."""
    code = access.deployment_area_code()
    return code if len(code) == COUNTY_LENGTH else ""


class OutsideEnrollment(RegistryModel):
    """A child of the county's register verified as attending school outside the county (县外就读), per school year.

    控辍保学 counts such a child as in school. The 户籍 township is resolved from that year's population register
    by ID number when the child is registered there; a child not (yet) on the register is filed under the county.
    """

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("hukou_township__code", "county_code"))
    sensitive_fields = ("id_number",)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="outside_enrollments"
    )
    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    name = models.CharField(_("姓名"), max_length=64)
    name_initials = models.CharField(_("拼音首字母"), max_length=64, blank=True, db_index=True, editable=False)
    county_code = models.CharField(_("所属县区划代码"), max_length=12, default=default_county_code, editable=False)
    hukou_township = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("户籍乡镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "township"},
        help_text=_("由当学年适龄人口登记按身份证号确定；未登记的儿童归属本县。"),
    )
    school_name = models.CharField(_("就读学校名称"), max_length=100)
    region = models.CharField(_("就读地区"), max_length=100)
    grade = models.CharField(_("年级"), max_length=32, blank=True)
    verified_on = models.DateField(_("核实日期"), null=True, blank=True)
    note = models.CharField(_("核实来源"), max_length=200, blank=True, help_text=_("如：学籍系统查询、就读学校证明。"))

    class Meta:
        ordering = ("school_year", "name", "id")
        verbose_name = _("县外就读")
        verbose_name_plural = _("县外就读")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "id_number_hash"),
                name="outside_enrollment_unique_id_hash_per_year",
                violation_error_message=_("该学年已有此身份证号的县外就读记录。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("population:outsideenrollment_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.refresh_search_keys()
        if self.hukou_township_id:  # the county is the township's (ADR 0012)
            self.county_code = self.hukou_township.code[:COUNTY_LENGTH]
        super().save(*args, **kwargs)

    def refresh_search_keys(self) -> None:
        """Recompute the pinyin key and normalise the ID; bulk loaders call this because bulk_create skips save()."""
        self.name_initials = pinyin_initials(self.name)
        self.id_number = normalize_id_number(self.id_number)

    def clean(self) -> None:
        try:
            validate_id_number(self.id_number or "")
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from exc
