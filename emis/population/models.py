"""The school-age population register: the denominator of every rate and the base of 控辍保学."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.models import PersonFields
from emis.core.access import Domain, ScopeSpec
from emis.core.models import RegistryModel


class PopulationSource(models.TextChoices):
    POLICE = "police", _("公安户籍")
    HEALTH = "health", _("卫健出生")
    CENSUS = "census", _("人口普查")


class PopulationRecord(PersonFields, RegistryModel):
    """One school-age person in the register taken for a school year (registers are yearly snapshots)."""

    domain = Domain.POPULATION
    scope = ScopeSpec(division_paths=("hukou_township__code",))
    sensitive_fields = ("id_number",)

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="population"
    )
    id_number = models.CharField(_("身份证号"), max_length=18)
    hukou_township = models.ForeignKey(
        "orgs.Division", verbose_name=_("户籍乡镇"), on_delete=models.PROTECT, related_name="+"
    )
    hukou_village = models.ForeignKey(
        "orgs.Division", verbose_name=_("户籍村/社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=16, choices=PopulationSource.choices, default=PopulationSource.POLICE)

    class Meta:
        ordering = ("hukou_township", "name", "id")
        verbose_name = _("适龄人口")
        verbose_name_plural = _("适龄人口")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "id_number"),
                name="population_record_unique_id_per_year",
                violation_error_message=_("该学年的人口登记中已有此身份证号。"),
            )
        ]
        indexes = [models.Index(fields=("school_year", "birth_date"), name="population_year_birth_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("population:populationrecord_detail", args=[self.pk])

    def audit_scope(self):
        return None, self.hukou_township.code

    def clean(self) -> None:
        self.clean_person(id_required=True)
        if self.hukou_village_id and self.hukou_township_id:
            if self.hukou_village.parent_id != self.hukou_township_id:
                raise ValidationError({"hukou_village": _("户籍村/社区不属于所选乡镇。")})
