"""控辍保学 models."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel

from .apps import DOMAIN

# ---------------------------------------------------------------------------------------------------------------
# 四查三比对 (helper "det"): the decisions on possible matches (emis.dropouts.review). Keep this block separate.
# ---------------------------------------------------------------------------------------------------------------


class MatchSide(models.TextChoices):
    REGISTER = "register", _("更正户籍（适龄人口）身份证号")
    ROLL = "roll", _("更正学籍身份证号")


class MatchDecision(RegistryModel):
    """A person's decision on a possible match (疑似已在籍) of 四查三比对: the register child and the roll entry are
    the same child (confirmed: the ID number was corrected on one side) or not (rejected: the pair is not offered
    again that school year, and the child is 适龄未入学 unless another candidate fits). One per year, child and
    candidate."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("确认为同一人")
        REJECTED = "rejected", _("不是同一人")

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("population_record__hukou_township__code",))

    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="+"
    )
    population_record = models.ForeignKey(
        "population.PopulationRecord", verbose_name=_("适龄人口"), on_delete=models.CASCADE, related_name="+"
    )
    candidate = models.ForeignKey(
        "students.Student", verbose_name=_("疑似学籍"), on_delete=models.CASCADE, related_name="+"
    )
    decision = models.CharField(_("核实结论"), max_length=16, choices=Decision.choices)
    corrected_side = models.CharField(_("更正方"), max_length=16, choices=MatchSide.choices, blank=True)
    note = models.CharField(_("核实说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("疑似匹配核实")
        verbose_name_plural = _("疑似匹配核实")
        constraints = [
            models.UniqueConstraint(
                fields=("school_year", "population_record", "candidate"),
                name="dropouts_matchdecision_unique",
                violation_error_message=_("该疑似匹配已核实。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.population_record} / {self.candidate}: {self.get_decision_display()}"
