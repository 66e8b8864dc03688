"""Import batches: create from an upload, run (in a task), commit after a clean dry run, roll back."""

from __future__ import annotations

import io
import threading
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access, files
from emis.core.audit import audit_context, record_changes_bulk, record_event
from emis.core.fields import with_hashes
from emis.core.models import ChangeAction, ChangeSource, ImportBatch, ImportStatus, ObjectChange
from emis.core.safe_export import safe_workbook

from . import masking
from .engine import finish_batch, run_import
from .reader import FileRejected, open_table
from .registry import get_spec
from .scope import pks_in_scope

# The folder of the uploads storage that holds import uploads.
IMPORTS_FOLDER = "imports"


class BatchActionRefused(Exception):
    """A batch operation that is not allowed now (e.g. rolling back rows changed since)."""


def _progress_key(batch_id: int) -> str:
    return f"emis:import-progress:{batch_id}"


def batch_progress(batch: ImportBatch) -> tuple[int, int]:
    """(rows done, rows expected) while running, read from the shared cache; final counts after."""
    if batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return cache.get(_progress_key(batch.pk), (0, 0))
    return batch.progress_done, batch.progress_total


def batch_scope(user) -> tuple[int | None, str]:
    """(school id, division code) under which a user's batch is filed: the narrowest place holding the user's whole
    scope (access.narrowest_area), so that the township and the county above see the batch, review it and (when
    their role writes the domain) roll it back. Its user sees it in any case (ImportBatchQuerySet)."""
    return access.narrowest_area(user)


def _refuse_when_queue_full(user) -> None:
    """One worker takes batches in turn: a user may have only a few waiting or running at once, so that one account
    uploading (or committing) the same large file again and again cannot hold up every other office's imports, nor
    fill the disk with copies until the retention sweep."""
    limit = settings.EMIS_IMPORT_MAX_QUEUED_PER_USER
    waiting = ImportBatch.objects.filter(user=user, status__in=(ImportStatus.PENDING, ImportStatus.RUNNING)).count()
    if waiting >= limit:
        raise BatchActionRefused(
            _("您已有 {count} 个导入批次在排队或处理中（上限 {limit} 个），请等其完成后再提交。").format(
                count=waiting, limit=limit
            )
        )


def import_batch_create(*, kind: str, upload, school_year: int, dry_run: bool, acting_user) -> ImportBatch:
    """Store the uploaded file (streamed to the uploads storage, never held in memory) and queue a batch."""
    get_spec(kind)  # unknown kinds fail here
    _refuse_when_queue_full(acting_user)
    stored = files.save(upload, folder=IMPORTS_FOLDER, suffix=Path(upload.name).suffix)
    school_id, division_code = batch_scope(acting_user)
    batch = ImportBatch.objects.create(
        kind=kind,
        file_name=Path(upload.name).name[:255],
        file=stored,
        sha256="",
        user=acting_user,
        username=acting_user.username,
        division_code=division_code,
        school_id=school_id,
        school_year=school_year,
        dry_run=dry_run,
    )
    transaction.on_commit(lambda: import_batch_enqueue(batch))
    return batch


def import_batch_enqueue(batch: ImportBatch) -> None:
    from emis.core.tasks import import_run_task

    import_run_task.enqueue(batch.pk)


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Run one queued batch (called by the task worker, or directly by tests and the command line)."""
    with worker_claim(batch_id) as claimed:
        if not claimed:  # another worker runs it (the same job delivered twice)
            return ImportBatch.objects.get(pk=batch_id)
        return _run_claimed(batch_id)


def _run_claimed(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    if batch.status not in (ImportStatus.PENDING,):
        return batch
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(status=ImportStatus.RUNNING):
        return ImportBatch.objects.get(pk=batch_id)
    spec = get_spec(batch.kind)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(batch.pk), (done, total), timeout=3600)

    try:
        # By name from the shared storage: the worker may run on another machine than the upload's web server.
        with files.local_path(batch.file.name, suffix=Path(batch.file_name).suffix) as path:
            report = run_import(
                spec,
                path,
                user=batch.user,
                file_name=batch.file_name,
                school_year=batch.school_year,
                dry_run=batch.dry_run,
                batch=batch,
                progress=progress,
            )
    except BaseException as exc:  # the batch must end in a visible state whatever went wrong
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        batch.status = ImportStatus.FAILED
        if isinstance(exc, (MemoryError, RecursionError)):
            batch.error_message = _("文件过大或结构过深，处理时超出资源上限：请拆分文件后分批导入。")
        else:
            batch.error_message = _("导入过程出错：{error}").format(error=exc.__class__.__name__)
        batch.finished_at = timezone.now()
        batch.save()
        if not isinstance(exc, Exception):
            # A Rust panic (pyo3's PanicException) is a BaseException; workers stop on those, so it goes on as
            # an ordinary error and the queue behind it keeps running.
            raise RuntimeError(batch.error_message) from exc
        raise
    finally:
        cache.delete(_progress_key(batch.pk))
        _purge_quietly()
    batch.status = ImportStatus.RUNNING
    return finish_batch(batch, report)


# A running batch is claimed by its worker's database session (a PostgreSQL advisory lock, released by the server
# when the session ends, however the worker ends: SIGKILL, out of memory, a machine restart). A batch marked
# running that nobody claims was left by a dead worker: its import's transaction died with the session, so nothing
# of it was written, and it is marked failed at once rather than after EMIS_IMPORT_STALE_HOURS.
_CLAIM_NAMESPACE = 0x454D4953 & 0x7FFFFFFF  # "EMIS": the first key of the two-key form, apart from other locks


class _Held(threading.local):
    def __init__(self):
        self.ids: set[int] = set()


_held_here = _Held()


@contextmanager
def worker_claim(batch_id: int):
    """Yields whether this session now holds the batch's claim (always True where there are no advisory locks:
    SQLite serves one machine with one worker, and the time-based sweep covers it)."""
    if connection.vendor != "postgresql":
        yield True
        return
    if batch_id in _held_here.ids:
        # Advisory locks are re-entrant within a session: the worker's own sweep (after its batch) must not
        # take its own running batch for an abandoned one.
        yield False
        return
    key = (_CLAIM_NAMESPACE, batch_id % 2**31)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        claimed = cursor.fetchone()[0]
    if claimed:
        _held_here.ids.add(batch_id)
    try:
        yield claimed
    finally:
        if claimed:
            _held_here.ids.discard(batch_id)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
            except DatabaseError:  # the session is gone, and its lock with it
                pass


def fail_abandoned_batches(*, pks=None, now=None) -> int:
    """Mark failed the running batches (of `pks`, or all) whose worker died (no session claims them); returns
    how many."""
    if connection.vendor != "postgresql":
        return 0
    now = now or timezone.now()
    failed = 0
    running = ImportBatch.objects.filter(status=ImportStatus.RUNNING)
    if pks is not None:
        running = running.filter(pk__in=pks)
    for pk in running.values_list("pk", flat=True):
        with worker_claim(pk) as free:
            if free:  # conditional: a batch that finished meanwhile keeps its own state
                failed += ImportBatch.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
                    status=ImportStatus.FAILED,
                    error_message=_("处理中断：处理该批次的后台进程意外退出，没有写入任何数据，请重新提交。"),
                    finished_at=now,
                )
    return failed


def import_batch_commit(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Queue the real import of a file whose dry run passed."""
    if not (batch.dry_run and batch.status == ImportStatus.VALIDATED):
        raise BatchActionRefused(_("只有预检通过的批次才能正式导入。"))
    if not batch_file_exists(batch):
        raise BatchActionRefused(file_gone_message())
    _refuse_when_queue_full(acting_user)
    # The commit runs in the committing user's scope, so its report is filed there too (a county user's commit
    # of a school's file may say more than the school may read).
    school_id, division_code = batch_scope(acting_user)
    committed = ImportBatch.objects.create(
        kind=batch.kind,
        file_name=batch.file_name,
        file=batch.file.name,
        sha256=batch.sha256,
        user=acting_user,
        username=acting_user.username,
        division_code=division_code,
        school_id=school_id,
        school_year=batch.school_year,
        dry_run=False,
    )
    transaction.on_commit(lambda: import_batch_enqueue(committed))
    return committed


@transaction.atomic
def import_batch_rollback(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Undo a committed batch: delete the rows it created and restore the values it changed.

    Refused when any of those rows has been changed since by anything else (a page, the API,
    another import), because undoing would silently discard that later work.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportStatus.COMMITTED:
        raise BatchActionRefused(_("只有已导入的批次才能撤销。"))
    changes = list(ObjectChange.objects.filter(batch_id=batch.pk).select_related("content_type").order_by("-id"))
    if not changes:
        raise BatchActionRefused(_("该批次没有写入任何数据，无需撤销。"))
    last_id = max(change.id for change in changes)
    touched = {(c.content_type_id, c.object_id) for c in changes}
    later = ObjectChange.objects.filter(id__gt=last_id).exclude(batch_id=batch.pk)
    for content_type_id, object_id in touched:
        if later.filter(content_type_id=content_type_id, object_id=object_id).exists():
            raise BatchActionRefused(_("该批次导入的数据之后又被修改过，不能撤销。"))
    # A township or county user may roll back a school's batch; nobody may undo rows outside their own scope.
    by_model: dict = {}
    for change in changes:
        by_model.setdefault(change.content_type.model_class(), set()).add(change.object_id)
    for model, pks in by_model.items():
        if model is not None and pks_in_scope(model, acting_user, pks, access.CHANGE) != pks:
            raise BatchActionRefused(_("该批次涉及您管辖范围以外的数据，不能由您撤销。"))
    # The rollback's change records carry the batch, so that the batch's history reads create ... undo.
    with audit_context(user=acting_user, source=ChangeSource.IMPORT, batch_id=batch.pk):
        audit = []
        for change in changes:  # newest first, so an enrolment is undone before its student
            model = change.content_type.model_class()
            # Change records name fields by name (pages, the API) or, for foreign keys written in bulk, by
            # column attname (school_class_id): both are restored.
            field_names = {f.name: f.attname for f in model._meta.concrete_fields}
            field_names |= {f.attname: f.attname for f in model._meta.concrete_fields}
            if change.action == ChangeAction.CREATE:
                # Logged once, by the delete signal (emis.core.audit.log_delete), with every field and the batch.
                model._base_manager.filter(pk=change.object_id).delete()
            elif change.action == ChangeAction.UPDATE:
                restore = {
                    field_names.get(name, name): values[0]
                    for name, values in change.changes.items()
                    if name in field_names
                }
                if "name" in restore and hasattr(model, "refresh_search_keys"):
                    # update() skips save(), which keeps the pinyin key in step with the name.
                    keyed = model(name=restore["name"])
                    keyed.refresh_search_keys()
                    for key in getattr(model, "search_key_fields", ("name_initials",)):
                        restore[key] = getattr(keyed, key)
                # ID numbers come back from their tokens in the change log, with their hashes.
                model._base_manager.filter(pk=change.object_id).update(**with_hashes(model, restore))
                obj = model(pk=change.object_id)
                audit.append(
                    (
                        obj,
                        ChangeAction.UPDATE,
                        {k: [v[1], v[0]] for k, v in change.changes.items()},
                        (change.school_id, change.division_code),
                        change.object_repr,
                    )
                )
        record_changes_bulk(audit)
        record_event(
            "import.rolled_back",
            data={"batch": batch.pk, "rows": len(changes)},
            school_id=batch.school_id,
            division_code=batch.division_code,
        )
    batch.status = ImportStatus.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.save(update_fields=["status", "rolled_back_at"])
    return batch


def error_workbook(batch: ImportBatch, user=None) -> bytes:
    """The rejected rows again, with a leading column of reasons.

    Bounded whatever the file: only the rows whose reasons the report kept (EMIS_IMPORT_MAX_REPORTED_ROWS)
    are written, reading stops after the last of them, and the rest are counted in a closing line.
    With a `user`, ID numbers are shown as that user's role may see them (emis.core.imports.masking).
    """
    # Reasons are stored with their ID numbers sealed; mask_text opens them (and masks them for masked roles).
    mask_text = masking.text_masker(user)
    reasons = {int(k): v for k, v in (batch.report.get("rejected_rows") or {}).items()}
    omitted = int(batch.report.get("rejected_rows_omitted") or 0)
    last_row = max(reasons, default=0)
    output = io.BytesIO()
    workbook = safe_workbook(output, constant_memory=True)
    sheet = workbook.add_worksheet(_("错误报告"))
    bold = workbook.add_format({"bold": True, "bg_color": "#FCE4D6"})
    red = workbook.add_format({"font_color": "#C00000"})
    if not reasons:
        # Nothing row by row to show (the file as a whole was refused, or no row was): the file is not read
        # again in the web process, where a hostile one would cost the guard's scan once more.
        sheet.write(0, 0, _("文件被拒绝") if batch.error_message else _("错误原因"), bold)
        if batch.error_message:
            sheet.write(1, 0, mask_text(batch.error_message), red)
        workbook.close()
        return output.getvalue()
    # Read within the `with`: from a remote store the file is a temporary copy that goes when it closes.
    with ExitStack() as reading:
        try:
            path = reading.enter_context(files.local_path(batch.file.name, suffix=Path(batch.file_name).suffix))
            table = open_table(path, batch.file_name)
        except FileNotFoundError:
            sheet.write(0, 0, _("上传的原文件已不在服务器上，无法生成错误报告。"), bold)
            workbook.close()
            return output.getvalue()
        except FileRejected as exc:
            sheet.write(0, 0, _("文件被拒绝"), bold)
            sheet.write(1, 0, str(exc), red)
            workbook.close()
            return output.getvalue()
        mask_cell = masking.cell_masker(user, get_spec(batch.kind), table.headers) if user else (lambda _p, v: v)
        sheet.write(0, 0, _("错误原因"), bold)
        sheet.write(0, 1, _("原行号"), bold)
        for col, header in enumerate(table.headers, start=2):
            sheet.write(0, col, header, bold)
        sheet.set_column(0, 0, 60)
        out_row = 1
        for number, raw in table.rows:
            if number > last_row:
                break
            reason = reasons.get(number)
            if reason is None:
                continue
            sheet.write(out_row, 0, mask_text(reason), red)
            sheet.write(out_row, 1, number)
            for col, value in enumerate(raw, start=2):
                value = mask_cell(col - 2, value)
                sheet.write(out_row, col, value if not hasattr(value, "isoformat") else value.isoformat())
            out_row += 1
    if omitted:
        sheet.write(out_row, 0, _("另有 {n} 行错误未列出。").format(n=omitted), red)
    workbook.close()
    return output.getvalue()


# Retention of uploaded files -------------------------------------------------------------------------------


def batch_file_exists(batch: ImportBatch) -> bool:
    return files.exists(batch.file.name)


def file_gone_message() -> str:
    return _("上传的原文件已按保留期限（{days} 天）从服务器删除：请重新上传。").format(
        days=settings.EMIS_IMPORT_RETENTION_DAYS
    )


def purge_expired_imports(*, now=None) -> dict:
    """Delete stored uploads older than the retention period, and close batches a dead worker left running.

    A file still needed by a queued or running batch is kept. Returns what was done, for the command's output.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.EMIS_IMPORT_RETENTION_DAYS)
    busy = set(
        ImportBatch.objects.filter(status__in=(ImportStatus.PENDING, ImportStatus.RUNNING)).values_list(
            "file", flat=True
        )
    )
    storage = files.upload_storage()
    deleted = 0
    # The storage is walked, not the batches: a file whose batch was never committed (a failed request) goes too.
    for name in list(files.names(IMPORTS_FOLDER)):
        if name not in busy and storage.get_modified_time(name) < cutoff:
            files.delete(name)
            deleted += 1
    # A worker killed from outside (out of memory, a restart) leaves its batch running: on PostgreSQL found at
    # once (no session claims it); elsewhere, and for a batch whose task was lost before it started, by age.
    abandoned = fail_abandoned_batches(now=now)
    stale = now - timedelta(hours=settings.EMIS_IMPORT_STALE_HOURS)
    stalled = ImportBatch.objects.filter(
        status__in=(ImportStatus.PENDING, ImportStatus.RUNNING), created_at__lt=stale
    ).update(
        status=ImportStatus.FAILED,
        error_message=_("处理中断：该批次超过 {hours} 小时没有完成，请重新上传。").format(
            hours=settings.EMIS_IMPORT_STALE_HOURS
        ),
        finished_at=now,
    )
    return {"deleted_files": deleted, "stalled_batches": stalled + abandoned}


def _purge_quietly() -> None:
    """The worker purges after each batch, so a deployment without cron still honours the retention period."""
    try:
        purge_expired_imports()
    except Exception:  # noqa: BLE001 (purging is housekeeping; it must never fail an import)
        import logging

        logging.getLogger(__name__).exception("purging expired imports failed")
