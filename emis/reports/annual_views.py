"""The 年度工作报告 pages: the draft drafted from the data (page preview, Word download, xlsx annex), and the
county's edited version: upload, publish (then locked), download.

Every figure is computed within request.user's scope (emis.reports.annual → emis.indicators.engine.evaluate), so a
township or school user's draft holds its own scope's figures. The edited and published versions belong to the
county and are read and written only by users whose scope covers it (emis.reports.selectors). Views are thin:
they read the request, call one selector or service, and answer.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from emis.core import access
from emis.core.models import ObjectChange
from emis.indicators.rules import get_rules
from emis.indicators.services import data_version
from emis.orgs.models import SchoolYear
from emis.orgs.selectors import current_school_year

from . import services
from .annual import (
    DOCX_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    AnnualDraft,
    Figure,
    Paragraph,
    Table,
    annex_bytes,
    annual_draft,
    default_baseline,
    docx_bytes,
)
from .charts import render_png
from .forms import AnnualReportUploadForm
from .models import AnnualReport
from .selectors import annual_reports, may_edit_annual_report, report_county


def _year(request) -> SchoolYear | None:
    """?year=2020 (404 when unknown), else the current school year (None: no years at all)."""
    value = request.GET.get("year", "").strip()
    if not value:
        return current_school_year()
    try:
        return SchoolYear.objects.for_user(request.user).get(start_year=int(value))
    except (ValueError, SchoolYear.DoesNotExist):
        raise Http404("unknown school year") from None


def _baseline(request, year: SchoolYear) -> int | None:
    """?baseline=2015 (404 when unknown or not earlier), ?baseline=none for no comparison, else five years
    earlier when that year exists."""
    value = request.GET.get("baseline", "").strip()
    if not value:
        return default_baseline(request.user, year.start_year)
    if value.lower() == "none":
        return None
    try:
        baseline = int(value)
    except ValueError:
        raise Http404("unknown baseline year") from None
    if (
        baseline >= year.start_year
        or not SchoolYear.objects.for_user(request.user).filter(start_year=baseline).exists()
    ):
        raise Http404("unknown baseline year")
    return baseline


def _draft(request) -> AnnualDraft:
    year = _year(request)
    if year is None:
        raise Http404("no school year")
    return draft_with_preview(request.user, year.start_year, _baseline(request, year))[0]


def _attachment(content: bytes, content_type: str, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


def preview_blocks(draft: AnnualDraft) -> list[dict]:
    """The draft's sections as the page shows them (charts as PNG data URIs, so the page prints whole)."""
    sections = []
    for section in draft.sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append({"kind": "paragraph", "lead": block.lead, "text": block.text})
            elif isinstance(block, Table):
                totals_from = len(block.rows) - block.total_rows
                rows = [{"cells": row, "total": index >= totals_from} for index, row in enumerate(block.rows)]
                blocks.append({"kind": "table", "table": block, "rows": rows})
            elif isinstance(block, Figure):
                data = base64.b64encode(render_png(block.chart, dpi=110)).decode("ascii")
                blocks.append({"kind": "figure", "title": block.title, "src": f"data:image/png;base64,{data}"})
        sections.append({"heading": section.heading, "blocks": blocks})
    return sections


def _history(user, report: AnnualReport | None):
    if report is None:
        return []
    content_type = ContentType.objects.get_for_model(AnnualReport)
    return ObjectChange.objects.for_user(user).filter(content_type=content_type, object_id=report.pk)[:20]


# A drafted report is kept until the data changes: building it computes the year's indicators twice and draws
# three charts (2 to 4 seconds on the demo county), and people reread the page while they edit their copy.
DRAFT_CACHE_SECONDS = 6 * 3600


def _draft_cache_key(user, year: int, baseline: int | None) -> str:
    scope = repr(access.scope_of(user))
    basis = repr((user.pk, user.role, scope, year, baseline, get_language(), data_version(), get_rules()))
    return "emis:annual-draft:" + hashlib.sha256(basis.encode()).hexdigest()


def draft_with_preview(user, year: int, baseline: int | None) -> tuple[AnnualDraft, list[dict]]:
    """The draft and its page preview, from the cache while the data they were drawn from is unchanged (any
    recorded change, or a change in the size of the big tables, makes a new key)."""
    key = _draft_cache_key(user, year, baseline)
    cached = cache.get(key)
    if cached is None:
        draft = annual_draft(user, year, baseline=baseline)
        cached = (draft, preview_blocks(draft))
        cache.set(key, cached, DRAFT_CACHE_SECONDS)
    return cached


def _page(request, *, year: SchoolYear | None = None, form: AnnualReportUploadForm | None = None):
    year = year or _year(request)
    years = SchoolYear.objects.for_user(request.user).order_by("-start_year")
    context = {"years": years, "year": year}
    if year is not None:
        baseline = _baseline(request, year)
        draft, sections = draft_with_preview(request.user, year.start_year, baseline)
        county = report_county(request.user)
        may_edit = may_edit_annual_report(request.user, county)
        reports = list(annual_reports(request.user)) if county is not None else []
        report = next((r for r in reports if r.school_year_id == year.pk and r.division_id == county.pk), None)
        if form is None and may_edit and not (report and report.is_published):
            form = AnnualReportUploadForm(year=year.start_year)
        query = f"?year={year.start_year}&baseline={baseline or 'none'}"
        context.update(
            baseline=baseline,
            baselines=[y for y in years if y.start_year < year.start_year],
            draft=draft,
            sections=sections,
            county=county,
            may_edit=may_edit,
            report=report,
            reports=reports,
            form=form,
            history=_history(request.user, report),
            draft_url=reverse("reports:annual_draft") + query,
            annex_url=reverse("reports:annual_annex") + query,
        )
    return render(request, "reports/annual.html", context)


@login_required
@require_GET
def annual_page(request):
    return _page(request)


@login_required
@require_GET
def annual_draft_download(request):
    draft = _draft(request)
    return _attachment(
        docx_bytes(draft), DOCX_CONTENT_TYPE, f"annual-report-{draft.year}-draft.docx", f"{draft.file_stem}.docx"
    )


@login_required
@require_GET
def annual_annex_download(request):
    draft = _draft(request)
    return _attachment(
        annex_bytes(draft),
        XLSX_CONTENT_TYPE,
        f"annual-report-{draft.year}-annex.xlsx",
        f"{draft.title}附件：指标明细.xlsx",
    )


@login_required
@require_POST
def annual_upload(request):
    county = report_county(request.user)
    if not may_edit_annual_report(request.user, county):
        raise Http404("not allowed")
    form = AnnualReportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        year = form.school_year()
        try:
            report = services.annual_report_upload(
                division=county, school_year=year, upload=form.cleaned_data["file"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        except PermissionDenied:
            raise Http404("not allowed") from None
        else:
            messages.success(
                request, _("已上传 {name}，状态：草稿。审核无误后即可发布。").format(name=report.file_name)
            )
            return redirect(reverse("reports:annual") + f"?year={year.start_year}")
    # The page of the year the form was for (when it named one), with the form's errors.
    chosen = form.cleaned_data.get("year")
    return _page(request, year=SchoolYear.objects.filter(start_year=chosen).first() if chosen else None, form=form)


@login_required
@require_POST
def annual_publish(request, pk: int):
    report = get_object_or_404(annual_reports(request.user), pk=pk)
    if not may_edit_annual_report(request.user, report.division):
        raise Http404("not allowed")
    try:
        services.annual_report_publish(report=report, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404("not allowed") from None
    else:
        messages.success(request, _("{report}已发布，不能再上传修改稿。").format(report=report))
    return redirect(reverse("reports:annual") + f"?year={report.school_year.start_year}")


@login_required
@require_GET
def annual_file(request, pk: int):
    report = get_object_or_404(annual_reports(request.user), pk=pk)
    if not report.file:
        raise Http404("no file")
    state = _("已发布") if report.is_published else _("修改稿")
    try:
        handle = report.file.open("rb")
    except OSError:
        raise Http404("file missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=f"{report}（{state}）.docx", content_type=DOCX_CONTENT_TYPE
    )
