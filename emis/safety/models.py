"""校园安全: the 4个100% as dated facts (a fact is in force from its date until the school's next fact of the same
kind), the security guards in post, 校舍 with their appraisals (鉴定等级 A/B/C/D) and fate (demolished/reinforced),
校车 and their drivers, and the expiry alerts whose state is their work-engine case's (workflows.py).

No figure is stored: compliance, the D-grade area eliminated and remaining and the bus counts are computed by
emis.safety.selectors from these rows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.fields import EncryptedCharField, HashField
from emis.core.models import RegistryModel
from emis.work.models import Case

from .apps import DOMAIN

SCHOOL_SCOPE = ScopeSpec(school_paths=("school_id", "school__parent_id"), division_paths=("school__township__code",))


class FactKind(models.TextChoices):
    CLOSED = "closed", _("封闭化管理")
    ALARM = "alarm", _("一键式紧急报警")
    VIDEO = "video", _("视频监控")
    PATROL = "patrol", _("护学岗")


class SafetyFact(RegistryModel):
    """One dated fact about a school's campus security: in force from ``effective_on`` until the school's next fact
    of the same kind. ``in_place`` False records a lapse (the alarm out of order, the 护学岗 withdrawn)."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事项"), max_length=16, choices=FactKind.choices)
    effective_on = models.DateField(_("核实日期"), help_text=_("自该日起有效，直至该校同一事项的下一条记录。"))
    in_place = models.BooleanField(_("已达标"), default=True)
    linked_to_police = models.BooleanField(_("与公安联网"), default=False, help_text=_("一键式报警、视频监控适用。"))
    tested_on = models.DateField(_("最近测试日期"), null=True, blank=True, help_text=_("一键式报警适用。"))
    channels = models.PositiveSmallIntegerField(_("监控路数"), null=True, blank=True)
    xueliang = models.BooleanField(_("接入雪亮工程"), default=False)
    retention_days = models.PositiveSmallIntegerField(_("录像保存天数"), null=True, blank=True)
    evidence = models.CharField(_("佐证材料"), max_length=200, blank=True, help_text=_("文件号、照片编号或验收单号。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("安全设施记录")
        verbose_name_plural = _("安全设施记录")
        ordering = ("school__code", "kind", "-effective_on")
        constraints = [
            models.UniqueConstraint(
                fields=("school", "kind", "effective_on"),
                name="safety_fact_unique_day",
                violation_error_message=_("该学校该事项当天已有记录。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.get_kind_display()} {self.effective_on}"

    def get_absolute_url(self) -> str:
        return reverse("safety:safetyfact_detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind == FactKind.VIDEO and self.in_place and not self.channels:
            raise ValidationError({"channels": _("视频监控达标须填写监控路数。")})


class Funding(models.TextChoices):
    VILLAGE_POST = "village_post", _("一村一辅")
    COUNTY = "county", _("县级财政")
    SCHOOL = "school", _("学校自筹")
    OTHER = "other", _("其他")


class Guard(RegistryModel):
    """A security guard posted at a school from ``started_on`` (until ``ended_on``)."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    full_time = models.BooleanField(_("专职"), default=True)
    licence_no = models.CharField(_("保安员证号"), max_length=40, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    employer = models.CharField(_("聘用单位"), max_length=100, blank=True)
    funding = models.CharField(_("经费来源"), max_length=16, choices=Funding.choices)
    started_on = models.DateField(_("上岗日期"))
    ended_on = models.DateField(_("离岗日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("保安员")
        verbose_name_plural = _("保安员")
        ordering = ("school__code", "name")

    def __str__(self) -> str:
        return f"{self.school} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("safety:guard_detail", args=[self.pk])

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("离岗日期不能早于上岗日期。")})


class Structure(models.TextChoices):
    FRAME = "frame", _("框架")
    MASONRY = "masonry", _("砖混")
    BRICK_WOOD = "brick_wood", _("砖木")
    STEEL = "steel", _("钢结构")
    OTHER = "other", _("其他")


class BuildingUse(models.TextChoices):
    TEACHING = "teaching", _("教学用房")
    DORMITORY = "dormitory", _("学生宿舍")
    CANTEEN = "canteen", _("食堂")
    OFFICE = "office", _("办公用房")
    OTHER = "other", _("其他")


class Fate(models.TextChoices):
    IN_USE = "in_use", _("使用中")
    DEMOLISHED = "demolished", _("已拆除")
    REINFORCED = "reinforced", _("已加固")


class Building(RegistryModel):
    """A school building (校舍) with its fate: demolished or reinforced on a date."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("校舍名称"), max_length=100)
    area = models.DecimalField(_("建筑面积（㎡）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    year_built = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    structure = models.CharField(_("结构"), max_length=16, choices=Structure.choices, default=Structure.MASONRY)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    seismic = models.BooleanField(_("抗震设防"), default=False)
    seismic_intensity = models.PositiveSmallIntegerField(_("设防烈度（度）"), null=True, blank=True)
    use = models.CharField(_("用途"), max_length=16, choices=BuildingUse.choices, default=BuildingUse.TEACHING)
    fate = models.CharField(_("处置情况"), max_length=16, choices=Fate.choices, default=Fate.IN_USE)
    fate_on = models.DateField(_("处置日期"), null=True, blank=True)
    fate_area = models.DecimalField(
        _("处置面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True, help_text=_("空表示整栋。")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校舍")
        verbose_name_plural = _("校舍")
        ordering = ("school__code", "name")

    def __str__(self) -> str:
        return f"{self.school} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("safety:building_detail", args=[self.pk])

    def clean(self) -> None:
        if self.fate != Fate.IN_USE and not self.fate_on:
            raise ValidationError({"fate_on": _("拆除或加固须填写处置日期。")})
        if self.fate_area is not None and self.area is not None and self.fate_area > self.area:
            raise ValidationError({"fate_area": _("处置面积不能大于建筑面积。")})


class Grade(models.TextChoices):
    A = "A", _("Ａ级")
    B = "B", _("Ｂ级")
    C = "C", _("Ｃ级（局部危险）")
    D = "D", _("Ｄ级（整体危险）")


class Appraisal(RegistryModel):
    """A safety appraisal (房屋安全鉴定) of a building. The latest one decides: D stops the building's use, C stops
    the affected part."""

    domain = DOMAIN
    scope = ScopeSpec(
        school_paths=("building__school_id", "building__school__parent_id"),
        division_paths=("building__school__township__code",),
    )

    building = models.ForeignKey(Building, verbose_name=_("校舍"), on_delete=models.CASCADE, related_name="appraisals")
    grade = models.CharField(_("鉴定等级"), max_length=1, choices=Grade.choices)
    appraised_on = models.DateField(_("鉴定日期"))
    body = models.CharField(_("鉴定机构"), max_length=100, blank=True)
    report_no = models.CharField(_("鉴定报告编号"), max_length=60, blank=True)
    affected_part = models.CharField(_("危险部位"), max_length=200, blank=True, help_text=_("Ｃ级须填写。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校舍鉴定")
        verbose_name_plural = _("校舍鉴定")
        ordering = ("building__school__code", "building__name", "-appraised_on")

    def __str__(self) -> str:
        return f"{self.building} {self.grade} {self.appraised_on}"

    def get_absolute_url(self) -> str:
        return reverse("safety:appraisal_detail", args=[self.pk])

    def clean(self) -> None:
        if self.grade == Grade.C and not self.affected_part:
            raise ValidationError({"affected_part": _("Ｃ级须写明停止使用的危险部位。")})


class BusStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("运营中")
    SUSPENDED = "suspended", _("停运")
    RETIRED = "retired", _("已报废")


class Bus(RegistryModel):
    """A school bus (校车), kept by the school responsible for it (``school``), serving ``schools``."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("责任学校"), on_delete=models.PROTECT, related_name="+")
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    seats = models.PositiveSmallIntegerField(_("核载人数"))
    national_standard = models.BooleanField(_("国标校车"), default=True)
    operator = models.CharField(_("运营单位"), max_length=100, blank=True)
    route = models.CharField(_("线路"), max_length=200, blank=True)
    schools = models.ManyToManyField("orgs.School", verbose_name=_("服务学校"), blank=True, related_name="+")
    in_service_on = models.DateField(_("投入使用日期"))
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=BusStatus.choices, default=BusStatus.IN_SERVICE)
    insurance_expires = models.DateField(_("保险到期日"), null=True, blank=True)
    inspection_due = models.DateField(
        _("下次安全技术检验日期"),
        null=True,
        blank=True,
        help_text=_("校车每半年检验一次（《校车安全管理条例》第二十条）。"),
    )
    gps = models.BooleanField(_("安装卫星定位装置"), default=False)
    filed_on = models.DateField(_("公安交管备案日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校车")
        verbose_name_plural = _("校车")
        ordering = ("school__code", "plate")

    def __str__(self) -> str:
        return self.plate

    def get_absolute_url(self) -> str:
        return reverse("safety:bus_detail", args=[self.pk])

    def clean(self) -> None:
        if self.retired_on and self.in_service_on and self.retired_on < self.in_service_on:
            raise ValidationError({"retired_on": _("停用日期不能早于投入使用日期。")})
        if self.status == BusStatus.RETIRED and not self.retired_on:
            raise ValidationError({"retired_on": _("已报废的校车须填写停用日期。")})


class Driver(RegistryModel):
    """A school-bus driver (校车驾驶人): 25 to 60 years old, at least three years of driving, a clean record."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE
    sensitive_fields = ("id_number",)

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    bus = models.ForeignKey(
        Bus, verbose_name=_("驾驶校车"), null=True, blank=True, on_delete=models.SET_NULL, related_name="drivers"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, hash_field="id_number_hash")
    id_number_hash = HashField(_("身份证号"), source="id_number")
    birth_date = models.DateField(_("出生日期"))
    licence_class = models.CharField(_("准驾车型"), max_length=8, default="A1")
    licence_expires = models.DateField(_("驾驶证有效期至"))
    driving_since = models.DateField(_("初次领证日期"))
    record_clean = models.BooleanField(
        _("无不良记录"), default=True, help_text=_("无酒驾、醉驾，最近3个记分周期无满分，无致人死亡或重伤事故。")
    )
    reviewed_on = models.DateField(_("最近审验日期"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("校车驾驶人")
        verbose_name_plural = _("校车驾驶人")
        ordering = ("school__code", "name")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("safety:driver_detail", args=[self.pk])


class AlertKind(models.TextChoices):
    BUS_INSPECTION = "bus_inspection", _("校车安全技术检验到期")
    INSURANCE = "insurance", _("校车保险到期")
    LICENCE = "licence", _("驾驶证到期")
    AGE = "age", _("驾驶人年满60周岁")


class ExpiryAlert(RegistryModel):
    """One coming expiry, opened by the sweep ``lead`` days ahead as a case of the "safety_expiry" workflow (its
    state is the case's). Unique per thing and date: a second sweep opens nothing."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    case = models.OneToOneField(Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="safety_alert")
    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("提醒事项"), max_length=16, choices=AlertKind.choices)
    bus = models.ForeignKey(
        Bus, verbose_name=_("校车"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    driver = models.ForeignKey(
        Driver, verbose_name=_("驾驶人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_on = models.DateField(_("到期日"))
    opened_on = models.DateField(_("提醒日期"))
    key = models.CharField(_("提醒标识"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("到期提醒")
        verbose_name_plural = _("到期提醒")
        ordering = ("expires_on", "school__code")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.bus or self.driver} {self.expires_on}"

    def get_absolute_url(self) -> str:
        return reverse("safety:expiryalert_detail", args=[self.pk])


class Evidence(RegistryModel):
    """A photo or scanned document (JPEG, PNG or PDF, checked by its content) proving a row of the registers: a
    safety fact (the 验收单, the alarm's test record), a building's appraisal (the report) or a guard (the 保安员证).
    Exactly one of ``fact``, ``appraisal`` and ``guard`` is set; ``school`` is the row's school (its scope). The
    file is kept by its storage name (emis.core.files, folder "safety"); it reaches a user only through the audited
    download of emis.safety.views."""

    domain = DOMAIN
    scope = SCHOOL_SCOPE

    school = models.ForeignKey("orgs.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="+")
    fact = models.ForeignKey(
        SafetyFact,
        verbose_name=_("安全设施记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_files",
    )
    appraisal = models.ForeignKey(
        Appraisal,
        verbose_name=_("校舍鉴定"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence_files",
    )
    guard = models.ForeignKey(
        Guard, verbose_name=_("保安员"), null=True, blank=True, on_delete=models.CASCADE, related_name="evidence_files"
    )
    name = models.CharField(_("文件名"), max_length=255)
    file = models.CharField(_("文件"), max_length=500, editable=False)
    thumbnail = models.CharField(_("缩略图"), max_length=500, blank=True, editable=False)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("佐证文件")
        verbose_name_plural = _("佐证文件")
        ordering = ("created_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(fact__isnull=False, appraisal__isnull=True, guard__isnull=True)
                    | Q(fact__isnull=True, appraisal__isnull=False, guard__isnull=True)
                    | Q(fact__isnull=True, appraisal__isnull=True, guard__isnull=False)
                ),
                name="safety_evidence_one_parent",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parent(self):
        return self.fact or self.appraisal or self.guard

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def get_absolute_url(self) -> str:
        return reverse("safety:evidence_download", args=[self.pk])
