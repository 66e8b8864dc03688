"""控辍保学: a 劝返 case per child and school year (``DropoutCase``, the subject of a work-engine case of the
``dropout_return`` workflow: its state is the case's, this app keeps no status of its own), each contact and home
visit recorded on it (``Contact``), and the schools' monthly reports (``MonthlyReport``, each the subject of a
``dropout_monthly`` case whose deadline clock makes a missing report overdue)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.common.models import Gender
from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel
from emis.work.models import Attachment, Case, Step

from .apps import DOMAIN
from .categories import Category


class Source(models.TextChoices):
    DETECTION = "detection", _("四查三比对")
    ROLL_CHANGE = "roll_change", _("学籍异动（辍学）")
    MANUAL = "manual", _("摸排登记")


class DropoutReason(models.TextChoices):
    """Reason codes, domain-rules §4 [M]."""

    WEARINESS = "weariness", _("厌学")
    ECONOMIC = "economic", _("家庭经济")
    DISABILITY = "disability", _("残疾/疾病")
    WORK = "work", _("外出务工")
    MARRIAGE = "marriage", _("早婚早育")
    GUARDIANSHIP = "guardianship", _("监护缺失")
    OTHER = "other", _("其他")


class Exclusion(models.TextChoices):
    DECEASED = "deceased", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出（有证明）")
    ENROLLED_ELSEWHERE = "enrolled_elsewhere", _("已在他处就读")
    OVER_AGE = "over_age", _("超龄")


class Line(models.TextChoices):
    ADMIN = "admin", _("行政（乡镇/村）")
    EDUCATION = "education", _("教育（学校/教师）")


class ContactKind(models.TextChoices):
    PERSUASION = "persuasion", _("劝返")
    HOME_TEACHING = "home_teaching", _("送教上门")


def _person(label, phone_label, user_label, related):
    return (
        models.CharField(label, max_length=50, blank=True),
        models.CharField(phone_label, max_length=20, blank=True),
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=user_label,
            null=True,
            blank=True,
            on_delete=models.SET_NULL,
            related_name=related,
        ),
    )


# 双线 responsibility: the four people a case names, (field prefix, line, label).
DUTIES = (
    ("township_official", Line.ADMIN, _("乡镇责任人")),
    ("village_cadre", Line.ADMIN, _("村（居）责任人")),
    ("principal", Line.EDUCATION, _("校长")),
    ("class_teacher", Line.EDUCATION, _("班主任")),
)


class DropoutCase(RegistryModel):
    """One child's 控辍保学 case in one school year (at most one: ``open_cases`` is idempotent)."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("case__school_id",), division_paths=("case__division_code",))
    sensitive_fields = ("id_number",)

    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="dropout")
    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.DETECTION)
    category = models.CharField(_("比对类别"), max_length=32, choices=Category.choices)
    reason = models.CharField(_("比对说明"), max_length=300, blank=True)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    hukou_township = models.ForeignKey(
        "orgs.Division", verbose_name=_("户籍乡镇"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hukou_village = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("户籍村/社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    population_record = models.ForeignKey(
        "population.PopulationRecord",
        verbose_name=_("户籍记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    student = models.ForeignKey(
        "students.Student",
        verbose_name=_("学生"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("原就读学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dropout_reason = models.CharField(_("辍学原因"), max_length=16, choices=DropoutReason.choices, blank=True)
    exclusion = models.CharField(_("排除原因"), max_length=24, choices=Exclusion.choices, blank=True)
    confirmed_at = models.DateTimeField(_("确认辍学时间"), null=True, blank=True)
    returned_on = models.DateField(_("复学日期"), null=True, blank=True)
    return_school = models.ForeignKey(
        "orgs.School", verbose_name=_("复学学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_number = models.CharField(_("限期返校通知书文号"), max_length=50, blank=True)
    guardian = models.CharField(_("监护人"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("监护人电话"), max_length=20, blank=True)

    township_official, township_official_phone, township_official_user = _person(
        _("乡镇责任人"), _("乡镇责任人电话"), _("乡镇责任人账号"), "+"
    )
    village_cadre, village_cadre_phone, village_cadre_user = _person(
        _("村（居）责任人"), _("村（居）责任人电话"), _("村（居）责任人账号"), "+"
    )
    principal, principal_phone, principal_user = _person(_("校长"), _("校长电话"), _("校长账号"), "+")
    class_teacher, class_teacher_phone, class_teacher_user = _person(_("班主任"), _("班主任电话"), _("班主任账号"), "+")

    class Meta:
        verbose_name = _("控辍保学个案")
        verbose_name_plural = _("控辍保学个案")
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(fields=("school_year", "id_number_hash"), name="dropouts_case_child_year_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.school_year}"

    def get_absolute_url(self) -> str:
        return reverse("dropouts:dropoutcase_detail", args=[self.pk])

    def responsible_users(self) -> list:
        return [
            user_id for user_id in (getattr(self, f"{prefix}_user_id") for prefix, _line, _label in DUTIES) if user_id
        ]

    def missing_duties(self) -> list:
        """The labels of the four responsible people not named yet (双线: both lines, two each)."""
        return [label for prefix, _line, label in DUTIES if not getattr(self, prefix).strip()]


class Contact(RegistryModel):
    """One 劝返 contact or 送教上门 visit, written by a step of the case (``step``)."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("dropout_case__case__school_id",), division_paths=("dropout_case__case__division_code",)
    )

    dropout_case = models.ForeignKey(
        DropoutCase, verbose_name=_("控辍保学个案"), on_delete=models.CASCADE, related_name="contacts"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ContactKind.choices, default=ContactKind.PERSUASION)
    date = models.DateField(_("日期"))
    line = models.CharField(_("责任线"), max_length=16, choices=Line.choices)
    who = models.CharField(_("劝返人员"), max_length=100)
    outcome = models.TextField(_("情况及结果"))
    photo = models.ForeignKey(
        Attachment, verbose_name=_("现场照片"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    step = models.ForeignKey(
        Step, verbose_name=_("办理环节"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("劝返记录")
        verbose_name_plural = _("劝返记录")
        ordering = ("dropout_case", "date", "id")

    def __str__(self) -> str:
        return f"{self.date} {self.who}"


class MonthlyReport(RegistryModel):
    """A school's monthly 控辍保学 report (月报): the number of suspected and actual dropouts, or 本月无辍学."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("school__township__code",))

    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="dropout_report")
    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    suspected = models.PositiveIntegerField(_("疑似辍学人数"), default=0)
    dropouts = models.PositiveIntegerField(_("辍学人数"), default=0)
    returned = models.PositiveIntegerField(_("本月复学人数"), default=0)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("控辍保学月报")
        verbose_name_plural = _("控辍保学月报")
        ordering = ("-month", "school")
        constraints = [models.UniqueConstraint(fields=("school", "month"), name="dropouts_report_school_month_uniq")]

    def __str__(self) -> str:
        return f"{self.school} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("dropouts:monthlyreport_detail", args=[self.pk])

    @property
    def zero(self) -> bool:
        return self.submitted_at is not None and not (self.suspected or self.dropouts)


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
