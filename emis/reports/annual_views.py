"""The 年度工作报告 pages: the draft drafted from the data (page preview, Word download, xlsx annex), and the
area's edited version (a county's, or a city's or province's): upload, publish (then locked), download.

Every figure is computed within request.user's scope (emis.reports.annual → emis.indicators.engine.evaluate), so a
township or school user's draft holds its own scope's figures, a city user's the city's, by county. The edited and
published versions belong to the area's division and are read only by users whose scope covers it, and written only
by the roles that write the report's domain, not by the 市 and 省 departments, which read (emis.reports.selectors).
Views are thin: they read the request, call one selector or service, and answer.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from emis.orgs.models import SchoolYear
from emis.orgs.selectors import requested_school_year

from . import services
from .annual.annex import XLSX_CONTENT_TYPE
from .annual.selectors import default_baseline, is_baseline, school_years
from .annual.services import DraftFiles, draft_job, drafted_files
from .annual.word import DOCX_CONTENT_TYPE
from .forms import AnnualReportUploadForm
from .selectors import annual_reports, annual_review, may_edit_annual_report, report_area
from .views import attachment


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
    if not is_baseline(request.user, year.start_year, baseline):
        raise Http404("unknown baseline year")
    return baseline


def _query(year: SchoolYear, baseline: int | None) -> str:
    return f"?year={year.start_year}&baseline={baseline or 'none'}"


def _version(job) -> str:
    return "&" + urlencode({"v": job.version}) if job.version else ""


def _draft_files(request) -> tuple[DraftFiles | None, str]:
    """The finished draft of the requested year and baseline (None while its job runs), and the page's query."""
    year = requested_school_year(request)
    if year is None:
        raise Http404("no school year")
    baseline = _baseline(request, year)
    # The draft the page showed (its link names the data's version), even if the data changed since; else today's.
    files = drafted_files(request.user, year.start_year, baseline, request.GET.get("v", ""))
    if files is None:
        files = draft_job(request.user, year.start_year, baseline).files
    return files, _query(year, baseline)


def _page(request, *, year: SchoolYear | None = None, form: AnnualReportUploadForm | None = None):
    year = year or requested_school_year(request)
    years = school_years(request.user)
    context = {"years": years, "year": year}
    if year is not None:
        baseline = _baseline(request, year)
        job = draft_job(request.user, year.start_year, baseline, retry=bool(request.GET.get("retry")))
        query = _query(year, baseline)
        page_url = reverse("reports:annual") + query
        if request.htmx:  # the progress card polling: its state, or the whole page once the draft is done
            if job.files is not None:
                response = HttpResponse()
                response["HX-Refresh"] = "true"
                return response
            return render(request, "reports/_annual_progress.html", {"job": job, "page_url": page_url})
        review = annual_review(request.user, year)
        if form is None and review.may_upload:
            form = AnnualReportUploadForm(year=year.start_year)
        context.update(
            baseline=baseline,
            baselines=[y for y in years if y.start_year < year.start_year],
            job=job,
            draft=job.files.draft if job.files else None,
            sections=job.files.sections if job.files else [],
            page_url=page_url,
            county=review.county,
            may_edit=review.may_edit,
            report=review.report,
            reports=review.reports,
            form=form,
            history=review.history,
            draft_url=reverse("reports:annual_draft") + query + _version(job),
            annex_url=reverse("reports:annual_annex") + query + _version(job),
        )
    return render(request, "reports/annual.html", context)


@login_required
@require_GET
def annual_page(request):
    return _page(request)


@login_required
@require_GET
def annual_draft_download(request):
    files, query = _draft_files(request)
    if files is None:  # still being drafted: the page shows its progress and the link once it is done
        return redirect(reverse("reports:annual") + query)
    draft = files.draft
    return attachment(
        files.docx, DOCX_CONTENT_TYPE, f"annual-report-{draft.year}-draft.docx", f"{draft.file_stem}.docx"
    )


@login_required
@require_GET
def annual_annex_download(request):
    files, query = _draft_files(request)
    if files is None:
        return redirect(reverse("reports:annual") + query)
    draft = files.draft
    return attachment(
        files.annex,
        XLSX_CONTENT_TYPE,
        f"annual-report-{draft.year}-annex.xlsx",
        f"{draft.title}附件：指标明细.xlsx",
    )


@login_required
@require_POST
def annual_upload(request):
    county = report_area(request.user)
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
