"""教育督导: the county's 督学 (特约 / 专职 / 兼职) and their 责任区 (dated assignments of schools), the monthly
挂牌督导 visit plan, the visit records with their findings (what must change goes into a 整改通知书 of
emis.rectification), and the leaders' 挂点包片 townships for 五项管理.

Compliance (visits per school per month and per term) is not stored: it is counted from the visits by
emis.supervision.selectors. The 幼儿园办园行为督导评估, the 质量监测 pilot schools and the 五项管理 self-checks are
inspection campaigns of emis.inspections (see engine.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel

from .apps import DOMAIN, VISITS_DOMAIN

SCHOOL_SCOPE = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))


class InspectorKind(models.TextChoices):
    SPECIAL = "special", _("特约督学")
    FULL_TIME = "full_time", _("专职督学")
    PART_TIME = "part_time", _("兼职督学")


class VisitKind(models.TextChoices):
    REGULAR = "regular", _("经常性督导")
    RANDOM = "random", _("随机督导")
    SPECIAL = "special", _("专项督导")
    COMPREHENSIVE = "comprehensive", _("综合督导")


class Method(models.TextChoices):
    LESSONS = "lessons", _("随机听课")
    RECORDS = "records", _("查阅资料")
    INTERVIEWS = "interviews", _("座谈走访")
    PATROL = "patrol", _("校园巡视")
    SURVEY = "survey", _("问卷调查")


class Matter(models.TextChoices):
    MANAGEMENT = "management", _("学校管理")
    ADMISSION = "admission", _("招生收费")
    CURRICULUM = "curriculum", _("课程开设")
    TEACHING = "teaching", _("教育教学")
    ETHICS = "ethics", _("教师师德")
    WORKLOAD = "workload", _("学生课业负担")
    SAFETY = "safety", _("安全卫生")
    ETHOS = "ethos", _("校风教风学风")


class Severity(models.TextChoices):
    # The same codes as 整改通知书's items (emis.rectification).
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    CRITICAL = "critical", _("严重")


# About five schools per 督学 (domain rules 9.1): more is allowed, with a warning.
SCHOOLS_PER_INSPECTOR = 5


class Inspector(RegistryModel):
    """A 督学 of the county: appointed (特约, 专职 or 兼职) from a date, until a date; with an account (role 督学)
    when they use the system, whose scope is their 责任区."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("county_code",))

    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("督学类别"), max_length=16, choices=InspectorKind.choices)
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    certificate_no = models.CharField(_("督学证编号"), max_length=30, blank=True)
    county_code = models.CharField(_("所属县（市、区）代码"), max_length=12, default="421224")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
        help_text=_("角色须为督学；其管辖学校即责任区学校。"),
    )
    start_date = models.DateField(_("聘任日期"))
    end_date = models.DateField(_("解聘日期"), null=True, blank=True, help_text=_("空表示在聘。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("督学")
        verbose_name_plural = _("督学")
        ordering = ("kind", "name")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("supervision:inspector_detail", args=[self.pk])

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("解聘日期不能早于聘任日期。")})


class Assignment(RegistryModel):
    """A school in a 督学's 责任区 from a date (until a date): ending it and assigning another 督学 keeps the
    history. Written through services.assignment_start / assignment_end, which keep the 督学's account in step."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    inspector = models.ForeignKey(
        Inspector, verbose_name=_("督学"), on_delete=models.PROTECT, related_name="assignments"
    )
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="supervision_assignments"
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("空表示至今。"))

    class Meta:
        verbose_name = _("责任区学校")
        verbose_name_plural = _("责任区")
        ordering = ("inspector__name", "school__code", "-start_date")

    def __str__(self) -> str:
        return f"{self.inspector.name} — {self.school}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:assignment_detail", args=[self.pk])

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("终止日期不能早于起始日期。")})


class VisitPlan(RegistryModel):
    """One planned 挂牌督导 visit: a school in a month, with the 督学 responsible then. Whether it was made is read
    from the visits (selectors), not stored."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    inspector = models.ForeignKey(
        Inspector, verbose_name=_("责任督学"), null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("督导计划")
        verbose_name_plural = _("督导计划")
        ordering = ("-month", "school__code")
        constraints = [
            models.UniqueConstraint(
                fields=("school", "month"),
                name="supervision_plan_unique_school_month",
                violation_error_message=_("该学校该月已有督导计划。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.month:%Y年%m月}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:visitplan_detail", args=[self.pk])


class Visit(RegistryModel):
    """A 督导 visit to a school: who, when, which kind, how (methods) and what was checked (督导事项), with its
    findings. What must change goes into one 整改通知书 (``notice``)."""

    domain = VISITS_DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(Inspector, verbose_name=_("督学"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("督导日期"))
    kind = models.CharField(_("督导类型"), max_length=16, choices=VisitKind.choices, default=VisitKind.REGULAR)
    methods = models.JSONField(_("督导方式"), default=list, blank=True)
    matters = models.JSONField(_("督导事项"), default=list, blank=True)
    summary = models.TextField(_("督导情况"), blank=True)
    notice = models.ForeignKey(
        "rectification.Notice",
        verbose_name=_("整改通知书"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    client_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("督导记录")
        verbose_name_plural = _("督导记录")
        ordering = ("-visited_on", "school__code")
        indexes = [models.Index(fields=("school", "visited_on"), name="supervision_visit_school_idx")]

    def __str__(self) -> str:
        return f"{self.school} {self.visited_on}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:visit_detail", args=[self.pk])

    @property
    def method_labels(self) -> str:
        return "、".join(str(Method(m).label) for m in self.methods if m in Method.values)

    @property
    def matter_labels(self) -> str:
        return "、".join(str(Matter(m).label) for m in self.matters if m in Matter.values)


class VisitFinding(RegistryModel):
    """A finding of a visit, with its severity; those that must change were written into the visit's notice."""

    domain = VISITS_DOMAIN
    scope = ScopeSpec(
        school_paths=("visit__school_id", "visit__school__parent_id"), division_paths=("visit__school__township__code",)
    )

    visit = models.ForeignKey(Visit, verbose_name=_("督导记录"), on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    text = models.CharField(_("发现的问题"), max_length=500)
    requirement = models.CharField(_("整改要求"), max_length=500, blank=True)
    must_change = models.BooleanField(_("须整改"), default=False)
    # The photo taken on the visit (checked by content when recorded): its storage name (emis.core.files; a name
    # logs as text in the change log, as a FileField would not). It goes with the finding into the notice.
    photo = models.CharField(_("现场照片"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("督导发现")
        verbose_name_plural = _("督导发现")
        ordering = ("visit", "pk")

    def __str__(self) -> str:
        return self.text


class LeaderPost(RegistryModel):
    """挂点包片: a 局领导 responsible for a township from a date (until a date); they follow its schools' 五项管理."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("township__code",))

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("局领导"), on_delete=models.PROTECT, related_name="leader_posts"
    )
    township = models.ForeignKey(
        "orgs.Division", verbose_name=_("乡镇"), on_delete=models.PROTECT, related_name="leader_posts"
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True, help_text=_("空表示至今。"))

    class Meta:
        verbose_name = _("挂点包片")
        verbose_name_plural = _("挂点包片")
        ordering = ("township__code", "-start_date")

    def __str__(self) -> str:
        return f"{self.leader} — {self.township}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:leaderpost_detail", args=[self.pk])
