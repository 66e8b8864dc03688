"""Writes of the reports app: staff upload the edited annual report, then publish it (locking that year)."""

from __future__ import annotations

import hashlib
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import record_event
from emis.indicators.models import IndicatorSnapshot
from emis.indicators.services import SnapshotRefused, snapshot_publish
from emis.orgs.models import Division, SchoolYear

from .models import AnnualReport, AnnualReportStatus
from .selectors import may_edit_annual_report

MAX_DOCX_MB = 30


def validate_docx(upload) -> None:
    """A Word .docx (Office Open XML): the right extension, not empty, not too large, and a zip holding the
    document part. Raises ValidationError with a Chinese message naming what is wrong."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".docx"):
        raise ValidationError(
            _("请上传 Word 文档（.docx）；.doc、.wps、.pdf 等格式请先另存为 .docx。"), code="extension"
        )
    if not upload.size:
        raise ValidationError(_("文件是空的。"), code="empty")
    if upload.size > MAX_DOCX_MB * 1024 * 1024:
        raise ValidationError(_("文件超过 {mb} MB 上限。").format(mb=MAX_DOCX_MB), code="size")
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError):
        names, broken = set(), None
    finally:
        upload.seek(0)
    if "word/document.xml" not in names or "[Content_Types].xml" not in names or broken is not None:
        raise ValidationError(_("文件不是有效的 Word 文档（.docx），无法打开。"), code="invalid")


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def annual_report_upload(*, division: Division, school_year: SchoolYear, upload, acting_user) -> AnnualReport:
    """Store an edited version of `division`'s annual report for `school_year` (the first upload creates the
    report as a draft; later ones replace the file). Refused once the report is published."""
    if not may_edit_annual_report(acting_user, division):
        raise PermissionDenied(_("您无权编辑该年度工作报告。"))
    report = AnnualReport.objects.select_for_update().filter(division=division, school_year=school_year).first()
    if report is not None and report.is_published:
        raise ValidationError(
            _("{year}年度工作报告已发布，不能再上传修改稿。").format(year=school_year.start_year), code="published"
        )
    validate_docx(upload)
    created = report is None
    if created:
        report = AnnualReport(division=division, school_year=school_year, status=AnnualReportStatus.DRAFT)
    previous = report.file_sha256
    report.file_name = (getattr(upload, "name", "") or "report.docx")[-255:]
    report.file_sha256 = _sha256(upload)
    report.file_size = upload.size
    report.uploaded_at = timezone.now()
    report.uploaded_by = acting_user
    stored = f"annual-{division.code}-{school_year.start_year}-{report.uploaded_at:%Y%m%d%H%M%S}.docx"
    report.file.save(stored, upload, save=False)
    report.save()
    record_event(
        "annual_report.uploaded",
        data={
            "report": report.pk,
            "year": school_year.start_year,
            "file_name": report.file_name,
            "sha256": report.file_sha256,
            "previous_sha256": previous or None,
            "created": created,
        },
        division_code=division.code,
    )
    return report


@transaction.atomic
def annual_report_publish(*, report: AnnualReport, acting_user) -> AnnualReport:
    """Publish the uploaded version; from then on the year's report is locked (no more uploads)."""
    report = AnnualReport.objects.select_for_update().select_related("division", "school_year").get(pk=report.pk)
    if not may_edit_annual_report(acting_user, report.division):
        raise PermissionDenied(_("您无权发布该年度工作报告。"))
    if report.is_published:
        raise ValidationError(
            _("该年度工作报告已于 {time} 发布。").format(
                time=timezone.localtime(report.published_at).strftime("%Y-%m-%d %H:%M")
            ),
            code="published",
        )
    if not report.file:
        raise ValidationError(_("请先上传修改稿，再发布。"), code="no_file")
    # Publishing the report publishes the figures it states: the year's newest snapshot, or a first one now.
    snapshot = (
        IndicatorSnapshot.objects.filter(school_year=report.school_year, division_code=report.division.code)
        .order_by("-version")
        .first()
    )
    if snapshot is None:
        try:
            snapshot = snapshot_publish(
                school_year=report.school_year,
                acting_user=acting_user,
                division_code=report.division.code,
                note=_("随年度工作报告发布"),
            )
        except SnapshotRefused as exc:
            raise ValidationError(str(exc), code="snapshot") from exc
    report.status = AnnualReportStatus.PUBLISHED
    report.published_at = timezone.now()
    report.published_by = acting_user
    report.snapshot = snapshot
    report.save()
    record_event(
        "annual_report.published",
        data={
            "report": report.pk,
            "year": report.school_year.start_year,
            "sha256": report.file_sha256,
            "snapshot": snapshot.pk,
            "snapshot_version": snapshot.version,
        },
        division_code=report.division.code,
    )
    return report
