"""Exports of a list: exactly the rows the filtered list shows, in the user's scope, as xlsx or csv.

One path for every list page (`ObjectExportView`) and the background task alike:

    rows      ModelUI.queryset(user) (for_user) -> the list's FilterSet on the request's parameters
    columns   where the list's model has an import kind (students, staff, population, outside, schools,
              divisions: registry.import_kinds()), the import template's columns first, in its order and with its
              headers, values as the importer reads them (labels, codes, 2014-09-01, 是/否), then read-only
              columns headed 「…（只读）」 that the importer skips: a file exported, corrected and imported back
              changes what was corrected. Other lists: their ModelUI.export_columns.
    masking   ID numbers as the role may see them (access.may_see_full_ids); the importer refuses a masked
              number with a Chinese message (cells.parse_id_number), so a masked export never writes one back.
    size      up to EMIS_EXPORT_SYNC_MAX_ROWS rows the file is the answer; more, and an ExportJob is queued
              (emis.core.tasks.export_run_task): the page shows its progress and, when it is done, a download
              that only its user may fetch. Both stream: rows are read in chunks (values / iterator, one query
              per chunk for what a row needs from elsewhere) and written with XlsxWriter's constant_memory mode
              (safe_workbook: text stays text) or the csv module, so memory stays flat whatever the size.
    audit     every download (direct or of a finished job) records an `export.downloaded` event.
    retention finished files go after EMIS_EXPORT_RETENTION_HOURS (`emis purge_exports`; the worker too).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial
from itertools import islice
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.http import FileResponse, HttpRequest, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from emis.common.idnumbers import mask_id_number

from . import access, files, registry
from .audit import record_event
from .models import ExportJob, ExportStatus
from .safe_export import TextRowWorksheet, csv_row, csv_text, safe_workbook

ExportColumn = tuple[str, Callable[[object], object]]

EXPORTS_FOLDER = "exports"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
TEMPLATE_WORDS = ("是", "否")  # as the importers read yes and no (emis.core.imports.cells.TRUE_WORDS)
DOWNLOAD_EVENT = "export.downloaded"


def sync_max_rows() -> int:
    """Up to this many rows a list's export is the answer to the request; more go to a background task."""
    return int(getattr(settings, "EMIS_EXPORT_SYNC_MAX_ROWS", 5000))


def retention() -> timedelta:
    return timedelta(hours=int(getattr(settings, "EMIS_EXPORT_RETENTION_HOURS", 24)))


# Cells -----------------------------------------------------------------------------------------------------


def _cell(value, words: tuple[str, str] | None = None):
    """A value as a cell: text, a number, 是/否, a date as the importers read it (2014-09-01); None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        yes, no = words or (gettext("是"), gettext("否"))
        return yes if value else no
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def chunks(iterable: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_rows(
    queryset, columns: Sequence[ExportColumn], chunk_size: int = CHUNK_SIZE, prepare: Callable | None = None
) -> Iterable[list]:
    """Rows of a list without an import kind: each column's getter on each object (the ModelUI's select_related
    joins what the getters read, so there is one query per chunk). ``prepare(objects)``, given, reads what the
    getters need from elsewhere once per chunk (ModelUI.export_prepare)."""
    for chunk in chunks(queryset.iterator(chunk_size=chunk_size), chunk_size):
        if prepare is not None:
            prepare(chunk)
        for obj in chunk:
            yield [getter(obj) for _, getter in columns]


# What is exported ------------------------------------------------------------------------------------------


@dataclass
class ExportTable:
    """One list's export: headers, and the rows (a generator, read once) with their count."""

    title: str
    sheet_title: str
    headers: list[str]
    rows: Callable[[], Iterator[list]]
    count: Callable[[], int]
    read_only_from: int | None = None  # index of the first read-only column (template exports)
    required: set[int] = field(default_factory=set)  # template columns the importer requires
    kind: str = ""


def ui_for(list_name: str):
    """The ModelUI whose list page is named `list_name` ("students:student_list"), or None."""
    from django.urls import get_resolver

    from .views import REGISTRY

    # The ModelUIs register as their apps' ui modules are imported, by the URLconf: a worker has not loaded it yet.
    get_resolver().url_patterns  # noqa: B018

    return next((ui for ui in REGISTRY if ui.url_name("list") == list_name), None)


def import_kind_for(model) -> str:
    """The import kind whose template writes rows of `model` ("" when none does)."""
    for kind, dotted in registry.import_kinds().items():
        if getattr(import_string(dotted), "model", None) is model:
            return kind
    return ""


def filter_request(user, query: str | QueryDict, path: str = "/") -> HttpRequest:
    """A GET request carrying `query` for `user`: what a list's FilterSet reads, rebuilt in a background task."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.GET = query if isinstance(query, QueryDict) else QueryDict(query)
    request.user = user
    request.session = {}
    return request


def filtered_queryset(ui, request):
    """The list's rows: the user's scope, then the list's FilterSet on the request's parameters (as the page)."""
    queryset = ui.queryset(request.user)
    filterset = ui.filterset_class(request.GET or None, queryset=queryset, request=request)
    return (filterset.qs if filterset.is_bound else queryset), filterset


def export_table(ui, request) -> ExportTable:
    queryset, _filterset = filtered_queryset(ui, request)
    user = request.user
    title = str(ui.model._meta.verbose_name_plural)
    kind = import_kind_for(ui.model)
    if not kind:
        columns = ui.export_columns(user)
        prepare = partial(ui.export_prepare, user) if ui.export_prepare else None
        return ExportTable(
            title=title,
            sheet_title=title,
            headers=[str(header) for header, _getter in columns],
            rows=lambda: (
                [_cell(value) for value in row]
                for row in export_rows(queryset.order_by("pk"), columns, prepare=prepare)
            ),
            count=queryset.count,
        )
    from .imports.engine import READ_ONLY_MARK
    from .imports.masking import sensitive_keys
    from .imports.registry import get_spec

    spec = get_spec(kind)
    with translation.override(settings.LANGUAGE_CODE):
        options = spec.export_options(request.GET)
    if options.get("title"):
        title = f"{title}（{options['title']}）"
    template = [column.header for column in spec.columns]
    extras = [f"{header}{READ_ONLY_MARK}" for _key, header in spec.export_extras]
    keys = [column.key for column in spec.columns] + [key for key, _header in spec.export_extras]
    masked = set() if access.may_see_full_ids(user) else sensitive_keys(spec) & set(keys)

    def rows() -> Iterator[list]:
        positions = [(key, key in masked) for key in keys]
        # In the importer's words whatever the page's language: its labels and 是/否 (the template's).
        with translation.override(settings.LANGUAGE_CODE):
            for chunk in spec.export_chunks(queryset, user=user, options=options):
                for record in chunk:
                    yield [
                        _cell(mask_id_number(value) if mask and value else value, TEMPLATE_WORDS)
                        for key, mask in positions
                        for value in (record.get(key),)
                    ]

    return ExportTable(
        title=title,
        sheet_title=str(spec.label),
        headers=template + extras,
        rows=rows,
        count=queryset.count,
        read_only_from=len(template),
        required={index for index, column in enumerate(spec.columns) if column.required},
        kind=kind,
    )


# Writers ---------------------------------------------------------------------------------------------------

ProgressCallback = Callable[[int], None]


def write_xlsx(target, table: ExportTable, *, progress: ProgressCallback | None = None, every: int = CHUNK_SIZE) -> int:
    """Write the table to `target` (a path or a binary file) in constant memory; returns the rows written."""
    workbook = safe_workbook(target, constant_memory=True)
    sheet = workbook.add_worksheet(table.sheet_title[:31], worksheet_class=TextRowWorksheet)
    required = workbook.add_format({"bold": True, "bg_color": "#F8CBAD", "border": 1})
    optional = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    read_only = workbook.add_format({"bold": True, "italic": True, "bg_color": "#E7E6E6", "border": 1})
    text_format = workbook.add_format({"num_format": "@"})
    first_read_only = table.read_only_from if table.read_only_from is not None else len(table.headers)
    for col, header in enumerate(table.headers):
        width = max(10, len(header) * 2 + 2)
        # Template columns are text cells, as in the template: an ID number typed over stays a number's text.
        sheet.set_column(col, col, width, text_format if col < first_read_only and table.kind else None)
    for col, header in enumerate(table.headers):
        style = read_only if col >= first_read_only else (required if col in table.required else optional)
        sheet.write_string(0, col, header, style)
    sheet.freeze_panes(1, 0)
    written = 0
    write_row = sheet.write_text_row
    for written, row in enumerate(table.rows(), start=1):
        write_row(written, row)
        if progress and written % every == 0:
            progress(written)
    workbook.close()
    if progress:
        progress(written)
    return written


def write_csv(handle, table: ExportTable, *, progress: ProgressCallback | None = None, every: int = CHUNK_SIZE) -> int:
    """Write the table to a text handle as UTF-8 csv with a BOM (Excel reads it); returns the rows written."""
    writer = csv.writer(handle)
    handle.write("\ufeff")
    writer.writerow(csv_row(table.headers))
    written = 0
    for written, row in enumerate(table.rows(), start=1):
        writer.writerow([csv_text(value) for value in row])
        if progress and written % every == 0:
            progress(written)
    if progress:
        progress(written)
    return written


def download_name(title: str, fmt: str, when=None) -> str:
    return f"{title}-{timezone.localtime(when):%Y%m%d-%H%M}.{fmt}"


def _disposition(name: str, fmt: str) -> str:
    return f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{quote(name)}"


class _Echo:
    def write(self, value):
        return value


def columns_table(title: str, sheet_title: str, columns: Sequence[ExportColumn], rows: Iterable[list]) -> ExportTable:
    """A table of rows already read (the work inbox, an admission round's results), for the writers below."""
    return ExportTable(
        title=title,
        sheet_title=sheet_title,
        headers=[str(header) for header, _getter in columns],
        rows=lambda: ([_cell(value) for value in row] for row in rows),
        count=lambda: 0,
    )


def xlsx_response(filename: str, sheet_title: str, columns: Sequence[ExportColumn], rows: Iterable[list]):
    return table_xlsx_response(columns_table(filename, sheet_title, columns, rows))


def csv_response(filename: str, columns: Sequence[ExportColumn], rows: Iterable[list]):
    return table_csv_response(columns_table(filename, filename, columns, rows))


def table_xlsx_response(table: ExportTable):
    """The file as the answer: written to a temporary file in constant memory, then streamed from it."""
    handle = tempfile.TemporaryFile()
    write_xlsx(handle, table)
    handle.seek(0)
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(download_name(table.title, "xlsx"), "xlsx")
    return response


def table_csv_response(table: ExportTable):
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(csv_row(table.headers))
        for row in table.rows():
            yield writer.writerow([csv_text(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(download_name(table.title, "csv"), "csv")
    return response


def record_download(user, *, list_name: str, fmt: str, rows: int, query: str = "", job: ExportJob | None = None):
    """Every export that leaves the server is in the audit trail, filed where the user's own records are."""
    school_id, division_code = access.narrowest_area(user)
    record_event(
        DOWNLOAD_EVENT,
        data={
            "list": list_name,
            "format": fmt,
            "rows": rows,
            "filters": query[:500],
            "job": job.pk if job else None,
        },
        school_id=school_id,
        division_code=division_code,
    )


# Background exports ---------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"emis:export-progress:{job_id}"


def job_progress(job: ExportJob) -> tuple[int, int]:
    """(rows written, rows to write): from the shared cache while running, the job's own figures after."""
    if job.running:
        done = cache.get(_progress_key(job.pk))
        return (done if done is not None else job.rows_done), job.rows_total
    return job.rows_done, job.rows_total


class ExportRefused(Exception):
    """An export that may not be queued now (the user has too many waiting); the message says why, in Chinese."""


def export_job_create(*, ui, request, fmt: str, total: int) -> ExportJob:
    """Queue the export of the list as the request filters it. The same export already queued or running for the
    user is returned instead of a second one (people click again)."""
    query = request.GET.urlencode()
    list_name = ui.url_name("list")
    running = (
        ExportJob.objects.filter(
            user=request.user,
            list_name=list_name,
            query=query,
            fmt=fmt,
            status__in=(ExportStatus.PENDING, ExportStatus.RUNNING),
        )
        .order_by("-pk")
        .first()
    )
    if running is not None:
        return running
    limit = int(getattr(settings, "EMIS_EXPORT_MAX_QUEUED_PER_USER", 3))
    waiting = ExportJob.objects.filter(
        user=request.user, status__in=(ExportStatus.PENDING, ExportStatus.RUNNING)
    ).count()
    if waiting >= limit:
        # One worker takes exports in turn: one account must not hold up everyone else's.
        raise ExportRefused(
            _("您已有 {count} 个导出在排队或生成中（上限 {limit} 个），请等其完成后再导出。").format(
                count=waiting, limit=limit
            )
        )
    title = export_table(ui, request).title
    job = ExportJob.objects.create(
        user=request.user, list_name=list_name, query=query, fmt=fmt, title=title[:200], rows_total=total
    )
    transaction.on_commit(lambda: export_job_enqueue(job))
    return job


def export_job_enqueue(job: ExportJob) -> None:
    from .tasks import export_run_task

    export_run_task.enqueue(job.pk)


def export_job_run(*, job_id: int) -> ExportJob:
    """Write one queued export to the uploads storage (called by the task worker, or directly)."""
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ExportStatus.PENDING:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    job.status = ExportStatus.RUNNING
    ui = ui_for(job.list_name)
    try:
        if ui is None or not ui.may(job.user, access.VIEW) or not job.user.is_active:
            raise PermissionError(job.list_name)
        # Read as the user reads the list now: their scope and role at the time of writing, not at the click.
        request = filter_request(job.user, job.query)
        table = export_table(ui, request)
        total = table.count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        job.rows_total = total

        def progress(done: int) -> None:
            cache.set(_progress_key(job.pk), done, timeout=3600)

        with tempfile.TemporaryFile() as handle:
            if job.fmt == "xlsx":
                written = write_xlsx(handle, table, progress=progress)
            else:
                text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
                written = write_csv(text, table, progress=progress)
                text.detach()
            job.size = handle.tell()
            handle.seek(0)
            job.file.name = files.save(File(handle), folder=EXPORTS_FOLDER, suffix=f".{job.fmt}")
        job.rows_done = written
        job.rows_total = max(total, written)
        job.file_name = download_name(job.title, job.fmt, job.created_at)
        job.status = ExportStatus.DONE
    except Exception as exc:  # the job must end in a visible state whatever went wrong
        job.status = ExportStatus.FAILED
        if isinstance(exc, PermissionError):
            job.error_message = _("您已无权导出此列表。")
        else:
            job.error_message = _("导出过程出错：{error}").format(error=exc.__class__.__name__)
    finally:
        cache.delete(_progress_key(job.pk))
    job.finished_at = timezone.now()
    job.save()
    _purge_quietly()
    return job


def purge_expired_exports(*, now=None) -> dict:
    """Delete export files past the retention period (their jobs stay, as 已过期), stored files no job names, and
    close jobs a dead worker left running."""
    now = now or timezone.now()
    cutoff = now - retention()
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff):
        files.delete(job.file.name)
        job.file.name = ""
        job.status = ExportStatus.EXPIRED
        job.save(update_fields=["file", "status"])
        expired += 1
    storage = files.upload_storage()
    named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    orphans = 0
    for name in list(files.names(EXPORTS_FOLDER)):
        if name not in named and storage.get_modified_time(name) < cutoff:
            files.delete(name)
            orphans += 1
    stale = now - timedelta(hours=int(getattr(settings, "EMIS_EXPORT_STALE_HOURS", 6)))
    stalled = ExportJob.objects.filter(
        status__in=(ExportStatus.PENDING, ExportStatus.RUNNING), created_at__lt=stale
    ).update(status=ExportStatus.FAILED, error_message=_("导出中断：请重新导出。"), finished_at=now)
    return {"expired_files": expired, "orphan_files": orphans, "stalled_jobs": stalled}


def _purge_quietly() -> None:
    try:
        purge_expired_exports()
    except Exception:  # noqa: BLE001 (housekeeping must never fail an export)
        import logging

        logging.getLogger(__name__).exception("purging expired exports failed")
