"""校外培训机构 (off-campus tutoring institutions) under 双减: the registry (licence, legal form, kind, premises,
fund supervision, status, 黑白名单), its teachers (教师资格证 required for 学科类; serving school teachers refused), its
fee plans (预收费 at most 3 months or 60 class hours: emis.tutoring.services.fee_plan_save), complaints (each on the
work engine, workflow "tutoring_complaint") and joint checks with other departments. 年检 is an inspection campaign
of emis.inspections over the institutions (target kind "institution", emis.tutoring.targets); a failing institution's
rectification is a case of the workflow "tutoring_rectification" whose subject is the institution.

Institutions have no accounts: the county's section (and a township for its own) records on their behalf. Scope: by
the township's division code (a township sees its own, a school account sees none)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.models import RegistryModel
from emis.work.models import Case

from .apps import DOMAIN

INSTITUTION_SCOPE = ScopeSpec(division_paths=("township__code",))
CHILD_SCOPE = ScopeSpec(division_paths=("institution__township__code",))


class Kind(models.TextChoices):
    ACADEMIC = "academic", _("学科类")
    NON_ACADEMIC = "non_academic", _("非学科类")


class LegalForm(models.TextChoices):
    NONPROFIT = "nonprofit", _("非营利性（民办非企业单位）")
    PROFIT = "profit", _("营利性（企业）")


class Supervisor(models.TextChoices):
    EDUCATION = "education", _("教育部门")
    SPORTS = "sports", _("体育部门")
    CULTURE = "culture", _("文化和旅游部门")
    SCIENCE = "science", _("科技部门")
    OTHER = "other", _("其他部门")


class Status(models.TextChoices):
    ACTIVE = "active", _("正常办学")
    SUSPENDED = "suspended", _("停业整顿")
    CLOSED = "closed", _("已注销")


class ListMark(models.TextChoices):
    NONE = "", _("未列入")
    WHITE = "white", _("白名单")
    BLACK = "black", _("黑名单")


class FundSupervision(models.TextChoices):
    NONE = "", _("未落实")
    BANK = "bank", _("银行托管")
    BOND = "bond", _("风险保证金")
    BOTH = "both", _("银行托管和风险保证金")


class Institution(RegistryModel):
    """A 校外培训机构 in the county's registry."""

    domain = DOMAIN
    scope = INSTITUTION_SCOPE

    name = models.CharField(_("机构名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    licence_number = models.CharField(_("办学许可证号"), max_length=40, blank=True)
    licence_issued = models.DateField(_("发证日期"), null=True, blank=True)
    licence_expires = models.DateField(_("许可证有效期至"), null=True, blank=True)
    legal_form = models.CharField(_("法人类型"), max_length=16, choices=LegalForm.choices)
    kind = models.CharField(_("培训类别"), max_length=16, choices=Kind.choices)
    subjects = models.CharField(_("培训项目"), max_length=200, blank=True, help_text=_("如：语文、数学；美术、舞蹈。"))
    supervisor = models.CharField(
        _("主管部门"),
        max_length=16,
        choices=Supervisor.choices,
        default=Supervisor.EDUCATION,
        help_text=_("非学科类机构由体育、文旅、科技等部门主管。"),
    )
    converted_on = models.DateField(_("营转非日期"), null=True, blank=True)
    reregistered_on = models.DateField(_("重新登记日期"), null=True, blank=True)
    address = models.CharField(_("办学地址"), max_length=200)
    township = models.ForeignKey(
        "orgs.Division", verbose_name=_("所在乡镇"), on_delete=models.PROTECT, related_name="tutoring_institutions"
    )
    premises_area = models.DecimalField(
        _("场地面积（㎡）"), max_digits=9, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    fire_approved = models.BooleanField(_("通过消防验收"), default=False)
    principal = models.CharField(_("负责人"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    guided_price = models.BooleanField(_("执行政府指导价"), default=False, help_text=_("学科类机构须执行政府指导价。"))
    fund_supervision = models.CharField(_("预收费资金监管"), max_length=8, choices=FundSupervision.choices, blank=True)
    custodian_bank = models.CharField(_("托管银行"), max_length=60, blank=True)
    standard_contract = models.BooleanField(_("使用示范合同文本"), default=False)
    status = models.CharField(_("办学状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_since = models.DateField(_("状态日期"), null=True, blank=True)
    list_mark = models.CharField(_("黑白名单"), max_length=8, choices=ListMark.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校外培训机构")
        verbose_name_plural = _("校外培训机构")
        ordering = ("township__code", "name")
        constraints = [
            models.UniqueConstraint(
                fields=("name", "township"),
                name="tutoring_institution_unique_name",
                violation_error_message=_("该乡镇已有同名机构。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tutoring:institution_detail", args=[self.pk])


class Teacher(RegistryModel):
    """A teacher of an institution. A 学科类 institution's teachers need a 教师资格证; a teacher serving in a school
    (在职中小学教师) may not teach there (services.teacher_save refuses both)."""

    domain = DOMAIN
    scope = CHILD_SCOPE

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="teachers"
    )
    name = models.CharField(_("姓名"), max_length=40)
    subject = models.CharField(_("任教项目"), max_length=40, blank=True)
    certificate = models.CharField(_("教师资格证号"), max_length=40, blank=True)
    other_qualification = models.CharField(_("其他资质"), max_length=100, blank=True)
    in_service_teacher = models.BooleanField(_("在职中小学教师"), default=False)
    hired_on = models.DateField(_("聘用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("培训机构教师")
        verbose_name_plural = _("培训机构教师")
        ordering = ("institution__name", "name")

    def __str__(self) -> str:
        return f"{self.institution} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("tutoring:teacher_detail", args=[self.pk])


class FeePlan(RegistryModel):
    """A course's fee and how much of it is charged in advance (预收费): at most PREPAY_MONTHS months or
    PREPAY_HOURS class hours (services.fee_plan_save)."""

    domain = DOMAIN
    scope = CHILD_SCOPE

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="fee_plans"
    )
    course = models.CharField(_("课程"), max_length=60)
    price_per_hour = models.DecimalField(
        _("课时单价（元）"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    prepaid_hours = models.PositiveSmallIntegerField(_("一次预收课时"))
    prepaid_months = models.DecimalField(
        _("一次预收覆盖月数"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )
    effective_from = models.DateField(_("执行日期"))

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ("institution__name", "course")

    def __str__(self) -> str:
        return f"{self.institution} {self.course}"

    def get_absolute_url(self) -> str:
        return reverse("tutoring:feeplan_detail", args=[self.pk])

    @property
    def prepaid_amount(self):
        return self.price_per_hour * self.prepaid_hours


class Channel(models.TextChoices):
    HOTLINE = "12345", _("12345热线")
    PHONE = "phone", _("来电")
    LETTER = "letter", _("来信")
    VISIT = "visit", _("来访")
    ONLINE = "online", _("网络")


class Complaint(RegistryModel):
    """A complaint about an institution; its state is its case's (workflow "tutoring_complaint")."""

    domain = DOMAIN
    scope = CHILD_SCOPE

    case = models.OneToOneField(
        Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="tutoring_complaint"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_on = models.DateField(_("受理日期"))
    channel = models.CharField(_("来源渠道"), max_length=8, choices=Channel.choices)
    complainant = models.CharField(_("投诉人"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    content = models.TextField(_("投诉内容"))
    result = models.TextField(_("办理结果"), blank=True)

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ("-received_on", "-pk")

    def __str__(self) -> str:
        return f"{self.institution} {self.received_on}"

    def get_absolute_url(self) -> str:
        return reverse("tutoring:complaint_detail", args=[self.pk])


class Partner(models.TextChoices):
    MARKET = "market", _("市场监管")
    FIRE = "fire", _("消防救援")
    EMERGENCY = "emergency", _("应急管理")
    POLICE = "police", _("公安")
    CULTURE = "culture", _("文化和旅游")
    SPORTS = "sports", _("体育")
    HEALTH = "health", _("卫生健康")


class JointCheck(RegistryModel):
    """联合检查: a day's check with partner departments over some institutions of a township, with what was found
    (linked to a 年检 campaign's name when it was part of one)."""

    domain = DOMAIN
    scope = ScopeSpec(division_paths=("township__code",))

    checked_on = models.DateField(_("检查日期"))
    township = models.ForeignKey("orgs.Division", verbose_name=_("乡镇"), on_delete=models.PROTECT, related_name="+")
    partners = models.JSONField(_("联合部门"), default=list, blank=True)
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("检查机构"), related_name="joint_checks", blank=True
    )
    inspection_campaign = models.ForeignKey(
        "inspections.Campaign",
        verbose_name=_("检查活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="joint_checks",
        help_text=_("联合检查属于某次年检或专项检查时选择；单独开展的可不选。"),
    )
    campaign = models.CharField(_("所属专项/年检"), max_length=100, blank=True)
    findings = models.TextField(_("发现问题"), blank=True)
    measures = models.TextField(_("处理措施"), blank=True)

    class Meta:
        verbose_name = _("联合检查")
        verbose_name_plural = _("联合检查")
        ordering = ("-checked_on", "-pk")

    def __str__(self) -> str:
        return f"{self.checked_on} {self.township}"

    def get_absolute_url(self) -> str:
        return reverse("tutoring:jointcheck_detail", args=[self.pk])

    def partner_labels(self) -> str:
        labels = dict(Partner.choices)
        return "、".join(str(labels.get(code, code)) for code in self.partners)
