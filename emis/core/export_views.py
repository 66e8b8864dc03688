"""A user's background exports: the progress card (polled by htmx), the download, and the list of recent ones.

Only the user who asked reads an export (anyone else: 404, as for a page that does not exist); every download is
recorded in the audit trail (emis.core.exports.record_download)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import exports, files
from .models import ExportJob, ExportStatus


def _jobs(user):
    return ExportJob.objects.filter(user=user)


def progress_context(job: ExportJob) -> dict:
    done, total = exports.job_progress(job)
    ready = job.status == ExportStatus.DONE and files.exists(job.file.name)
    return {"job": job, "done": done, "total": total, "running": job.running, "ready": ready}


@login_required
@require_GET
def export_list(request):
    return render(request, "exports/list.html", {"jobs": _jobs(request.user)[:30]})


@login_required
@require_GET
def export_detail(request, pk: int):
    job = get_object_or_404(_jobs(request.user), pk=pk)
    context = progress_context(job)
    if request.htmx and not request.htmx.boosted:
        return render(request, "exports/_progress.html", context)
    return render(request, "exports/detail.html", context)


@login_required
@require_GET
def export_download(request, pk: int):
    job = get_object_or_404(_jobs(request.user), pk=pk, status=ExportStatus.DONE)
    try:
        handle = files.upload_storage().open(job.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    exports.record_download(
        request.user, list_name=job.list_name, fmt=job.fmt, rows=job.rows_done, query=job.query, job=job
    )
    content_type = exports.XLSX_CONTENT_TYPE if job.fmt == "xlsx" else "text/csv; charset=utf-8"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = exports._disposition(job.file_name, job.fmt)
    return response
