"""The one inspection engine: checklist templates (versioned: a published version is never edited, a change makes
the next version and past inspections keep theirs), campaigns assigning a version to a set of targets (schools or
registered subjects such as 校外培训机构) with inspectors and a period, the inspections filled item by item, their
answers and the findings of the failed items.

An inspection's state is its work-engine case's (``inspection.case.state``, workflow "inspection"); a finding's
open/closed state comes from the 整改 notice it went into (its item's verdict, the notice's case): no status field
here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel, ScopedQuerySet
from emis.work.models import Attachment, Case

from .apps import DOMAIN


class Purpose(models.TextChoices):
    SAFETY = "safety", _("安全隐患排查")
    OPENING = "opening", _("开学检查")
    SPECIAL = "special", _("专项督查")
    ANNUAL = "annual", _("年检")
    ASSESSMENT = "assessment", _("督导评估")
    SELF_CHECK = "self_check", _("学校自查")
    MONITORING = "monitoring", _("质量监测")


class ItemKind(models.TextChoices):
    YES_NO = "yes_no", _("是/否")
    NUMBER = "number", _("数值")
    CHOICE = "choice", _("选项")
    TEXT = "text", _("文字")
    PHOTO = "photo", _("照片")


class ThresholdOp(models.TextChoices):
    GE = ">=", _("不少于")
    GT = ">", _("多于")
    LE = "<=", _("不超过")
    LT = "<", _("少于")
    EQ = "==", _("等于")


class Severity(models.TextChoices):
    """The same codes as the 整改 notice's (emis.rectification.models.Severity)."""

    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    CRITICAL = "critical", _("严重")


SEVERITY_ORDER = {Severity.GENERAL: 1, Severity.SERIOUS: 2, Severity.CRITICAL: 3}


class Result(models.TextChoices):
    PASS = "pass", _("合格")
    FAIR = "fair", _("基本合格")
    FAIL = "fail", _("不合格")


SCHOOL_KIND = "school"


class Template(RegistryModel):
    """A checklist (检查表) the bureau keeps: its content lives in its versions."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    target_kind = models.CharField(_("检查对象"), max_length=32, default=SCHOOL_KIND)
    applies_to = models.JSONField(_("适用类别"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ("purpose", "name")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:template_detail", args=[self.pk])

    @property
    def current(self) -> TemplateVersion | None:
        return self.versions.order_by("-number").first()


class TemplateVersion(RegistryModel):
    """One published content of a template: immutable (a change publishes the next number)."""

    domain = DOMAIN
    scope = ScopeSpec(unrestricted=True)

    template = models.ForeignKey(Template, verbose_name=_("检查表"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pass_score = models.DecimalField(_("基本合格分"), max_digits=5, decimal_places=1, null=True, blank=True)
    good_score = models.DecimalField(_("合格分"), max_digits=5, decimal_places=1, null=True, blank=True)
    fingerprint = models.CharField(_("内容摘要"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("检查表版本")
        verbose_name_plural = _("检查表版本")
        ordering = ("template", "-number")
        constraints = [models.UniqueConstraint(fields=("template", "number"), name="inspections_version_number_uniq")]

    def __str__(self) -> str:
        return f"{self.template.name}（第{self.number}版）"

    def get_absolute_url(self) -> str:
        return reverse("inspections:template_detail", args=[self.template_id])


class Section(models.Model):
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("检查表版本"), on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveIntegerField(_("顺序"))
    title = models.CharField(_("部分"), max_length=200)

    class Meta:
        verbose_name = _("检查部分")
        verbose_name_plural = _("检查部分")
        ordering = ("version", "order")

    def __str__(self) -> str:
        return self.title


class ItemDef(models.Model):
    section = models.ForeignKey(Section, verbose_name=_("检查部分"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("顺序"))
    code = models.CharField(_("编号"), max_length=32)
    text = models.TextField(_("检查内容"))
    kind = models.CharField(_("类型"), max_length=16, choices=ItemKind.choices, default=ItemKind.YES_NO)
    weight = models.DecimalField(_("分值"), max_digits=6, decimal_places=1, default=1)
    threshold = models.DecimalField(_("标准值"), max_digits=12, decimal_places=2, null=True, blank=True)
    threshold_op = models.CharField(_("比较方式"), max_length=2, choices=ThresholdOp.choices, default=ThresholdOp.GE)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    photo_required = models.BooleanField(_("须拍照"), default=False)
    required = models.BooleanField(_("必填"), default=True)
    critical = models.BooleanField(_("一票否决"), default=False)
    severity = models.CharField(_("问题严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    guidance = models.TextField(_("检查要点"), blank=True)

    class Meta:
        verbose_name = _("检查项目")
        verbose_name_plural = _("检查项目")
        ordering = ("section", "order")

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"

    @property
    def scored(self) -> bool:
        """Does the item count in the score (text and photo items are recorded, not judged)?"""
        return self.kind in (ItemKind.YES_NO, ItemKind.NUMBER, ItemKind.CHOICE)


class Campaign(RegistryModel):
    """专项督查, 年检, 开学检查, 督导评估, 自查: a template version applied to a set of targets in a period."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("county_code",))

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=Purpose.choices)
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT, related_name="campaigns"
    )
    county_code = models.CharField(_("所属县"), max_length=12, db_index=True, editable=False)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("检查活动")
        verbose_name_plural = _("检查活动")
        ordering = ("-starts_on", "-id")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:campaign_detail", args=[self.pk])


class Target(RegistryModel):
    """One school or registered subject (an institution) a campaign inspects, with its inspectors."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("school_id",), division_paths=("division_code",))

    campaign = models.ForeignKey(Campaign, verbose_name=_("检查活动"), on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("对象类型"), max_length=32, default=SCHOOL_KIND, editable=False)
    school = models.ForeignKey(
        "orgs.School", verbose_name=_("学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象模型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    subject_id = models.BigIntegerField(_("对象编号"), null=True, blank=True, editable=False)
    subject = GenericForeignKey("subject_type", "subject_id")
    division_code = models.CharField(_("所属区划"), max_length=12, db_index=True, editable=False)
    name = models.CharField(_("检查对象"), max_length=200)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), blank=True, related_name="inspection_targets"
    )

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象")
        ordering = ("campaign", "division_code", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("campaign", "school"),
                condition=models.Q(school__isnull=False),
                name="inspections_target_school_uniq",
            ),
            models.UniqueConstraint(
                fields=("campaign", "subject_type", "subject_id"),
                condition=models.Q(subject_id__isnull=False),
                name="inspections_target_subject_uniq",
            ),
        ]
        indexes = [models.Index(fields=("subject_type", "subject_id"), name="inspections_target_subject_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:target_detail", args=[self.pk])


class Inspection(RegistryModel):
    """A target's filled checklist: submitted, then signed off (scored, findings into one 整改 notice)."""

    domain = DOMAIN
    scope = ScopeSpec(school_paths=("target__school_id",), division_paths=("target__division_code",))

    target = models.OneToOneField(
        Target, verbose_name=_("检查对象"), on_delete=models.PROTECT, related_name="inspection"
    )
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT, related_name="inspections"
    )
    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="inspection")
    client_token = models.CharField(_("提交标识"), max_length=64, unique=True, editable=False)
    inspected_on = models.DateField(_("检查日期"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("总体意见"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    result = models.CharField(_("结论"), max_length=8, choices=Result.choices, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    # The 整改 notice its findings went into: a school's rectification notice, or the case a registered kind opened.
    notice = models.ForeignKey(
        "rectification.Notice",
        verbose_name=_("整改通知书"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rectify_case = models.ForeignKey(
        Case, verbose_name=_("整改办件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ("-inspected_on", "-id")

    def __str__(self) -> str:
        return f"{self.target.name} {self.inspected_on}"

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection_detail", args=[self.pk])


class Answer(RegistryModel):
    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("inspection__target__school_id",), division_paths=("inspection__target__division_code",)
    )

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(ItemDef, verbose_name=_("检查项目"), on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(_("检查结果"), null=True, blank=True)
    passed = models.BooleanField(_("达标"), null=True, blank=True)
    note = models.TextField(_("情况说明"), blank=True)
    photos = models.ManyToManyField(Attachment, verbose_name=_("照片"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ("inspection", "item__section__order", "item__order")
        constraints = [models.UniqueConstraint(fields=("inspection", "item"), name="inspections_answer_item_uniq")]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.value}"


def open_finding(prefix: str = "") -> models.Q:
    """The condition of an open finding (``prefix``: the path to it, "inspection__findings__" from a target)."""
    return ~(
        models.Q(**{f"{prefix}notice_item__verdict": "accepted"})
        | models.Q(**{f"{prefix}case__closed_at__isnull": False})
    )


class FindingQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(open_finding())

    def closed(self):
        return self.exclude(open_finding())


class Finding(RegistryModel):
    """A failed item of a signed-off inspection. Open until the notice it went into accepts its item (or closes)."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("inspection__target__school_id",), division_paths=("inspection__target__division_code",)
    )

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查记录"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(ItemDef, verbose_name=_("检查项目"), on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("严重程度"), max_length=16, choices=Severity.choices, default=Severity.GENERAL)
    text = models.TextField(_("存在问题"))
    requirement = models.TextField(_("整改要求"), blank=True)
    notice_item = models.ForeignKey(
        "rectification.Item",
        verbose_name=_("整改事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("整改办件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = FindingQuerySet.as_manager()
    open_condition = staticmethod(open_finding)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ("inspection", "id")

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection_detail", args=[self.inspection_id])

    @property
    def is_open(self) -> bool:
        """Closed when its notice item is accepted or the notice's case has ended (accepted or withdrawn)."""
        if self.notice_item_id and self.notice_item.verdict == "accepted":
            return False
        return not (self.case_id and self.case.closed_at is not None)
