"""The annual report (年度工作报告) as staff edit and publish it.

The system drafts the report from the data (emis.reports.annual); staff download the draft, edit it in Word or
WPS, upload the edited .docx here, and publish it. A published report is locked: no more uploads for that year.
One row per county and school year; every change is change-logged (RegistryModel) and the services add
`annual_report.uploaded` / `annual_report.published` events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from emis.core.access import ScopeSpec
from emis.core.files import delete_with_rows, upload_storage
from emis.core.models import RegistryModel
from emis.indicators.apps import DOMAIN as INDICATORS_DOMAIN


class AnnualReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


def annual_report_path(instance: AnnualReport, filename: str) -> str:
    """Stored as reports/annual/<county code>/<year>/<name>; the storage adds a suffix to repeated names."""
    return f"reports/annual/{instance.division.code}/{instance.school_year.start_year}/{filename}"


class AnnualReport(RegistryModel):
    """A county's annual report for one school year: the edited .docx staff uploaded, and whether it is published.

    Domain: 指标与规划 (indicators) — the report states the year's indicators against the baseline and the plan,
    and publishing it is the same act as publishing the year's indicator snapshot, by the same people. Scope: the
    county it reports on, so only users whose scope covers the county (局领导, 股室人员, administrators) read it;
    township and school users download the draft of their own scope instead.
    """

    domain = INDICATORS_DOMAIN
    scope = ScopeSpec(division_paths=("division__code",))
    # The file field's value is its storage name, which file_name and file_sha256 already record readably.
    audit_exclude = ("created_at", "updated_at", "file")

    division = models.ForeignKey(
        "orgs.Division", verbose_name=_("报告区划"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    school_year = models.ForeignKey(
        "orgs.SchoolYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AnnualReportStatus.choices, default=AnnualReportStatus.DRAFT
    )
    file = models.FileField(_("修改稿"), storage=upload_storage, upload_to=annual_report_path, max_length=255)
    file_name = models.CharField(_("上传文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要（SHA-256）"), max_length=64)
    file_size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    uploaded_at = models.DateTimeField(_("上传时间"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The figures the published report answers for: the year's indicator snapshot current when it was published.
    snapshot = models.ForeignKey(
        "indicators.IndicatorSnapshot",
        verbose_name=_("对应指标快照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )

    class Meta:
        ordering = ("-school_year__start_year", "division__code")
        verbose_name = _("年度工作报告")
        verbose_name_plural = _("年度工作报告")
        constraints = [
            models.UniqueConstraint(
                fields=("division", "school_year"),
                name="reports_annual_one_per_year",
                violation_error_message=_("该区划该学年已有年度工作报告。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.division.name}{self.school_year.start_year}年度工作报告"

    @property
    def is_published(self) -> bool:
        return self.status == AnnualReportStatus.PUBLISHED


delete_with_rows(AnnualReport, "file")
