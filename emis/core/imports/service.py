"""Import batches: create from an upload, run (in a task), commit after a clean dry run, roll back."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import audit_context, record_changes_bulk, record_event
from emis.core.fields import with_hashes
from emis.core.models import ChangeAction, ChangeSource, ImportBatch, ImportStatus, ObjectChange

from .engine import finish_batch, run_import
from .reader import FileRejected, open_table
from .registry import get_spec


class BatchActionRefused(Exception):
    """A batch operation that is not allowed now (e.g. rolling back rows changed since)."""


def _progress_key(batch_id: int) -> str:
    return f"emis:import-progress:{batch_id}"


def batch_progress(batch: ImportBatch) -> tuple[int, int]:
    """(rows done, rows expected) while running, read from the shared cache; final counts after."""
    if batch.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        return cache.get(_progress_key(batch.pk), (0, 0))
    return batch.progress_done, batch.progress_total


def _storage_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _user_scope_keys(user) -> tuple[int | None, str]:
    if access.sees_everything(user):
        return None, settings.EMIS_COUNTY_CODE
    school_ids, division_codes = user.scope_keys()
    return (school_ids[0] if school_ids else None), (division_codes[0] if division_codes else "")


def import_batch_create(*, kind: str, upload, school_year: int, dry_run: bool, acting_user) -> ImportBatch:
    """Store the uploaded file and queue a batch. The file is streamed to disk, never held in memory."""
    get_spec(kind)  # unknown kinds fail here
    path = _storage_dir() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()[:8]}"
    with open(path, "wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    school_id, division_code = _user_scope_keys(acting_user)
    batch = ImportBatch.objects.create(
        kind=kind,
        file_name=Path(upload.name).name[:255],
        file_path=str(path),
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
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    if batch.status not in (ImportStatus.PENDING,):
        return batch
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    spec = get_spec(batch.kind)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(batch.pk), (done, total), timeout=3600)

    try:
        report = run_import(
            spec,
            batch.file_path,
            user=batch.user,
            file_name=batch.file_name,
            school_year=batch.school_year,
            dry_run=batch.dry_run,
            batch=batch,
            progress=progress,
        )
    except Exception as exc:  # the batch must end in a visible state whatever went wrong
        batch.status = ImportStatus.FAILED
        batch.error_message = _("导入过程出错：{error}").format(error=exc.__class__.__name__)
        batch.finished_at = timezone.now()
        batch.save()
        raise
    finally:
        cache.delete(_progress_key(batch.pk))
    batch.status = ImportStatus.RUNNING
    return finish_batch(batch, report)


def import_batch_commit(*, batch: ImportBatch, acting_user) -> ImportBatch:
    """Queue the real import of a file whose dry run passed."""
    if not (batch.dry_run and batch.status == ImportStatus.VALIDATED):
        raise BatchActionRefused(_("只有预检通过的批次才能正式导入。"))
    committed = ImportBatch.objects.create(
        kind=batch.kind,
        file_name=batch.file_name,
        file_path=batch.file_path,
        sha256=batch.sha256,
        user=acting_user,
        username=acting_user.username,
        division_code=batch.division_code,
        school_id=batch.school_id,
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
    with audit_context(user=acting_user, source=ChangeSource.IMPORT):
        audit = []
        for change in changes:  # newest first, so an enrolment is undone before its student
            model = change.content_type.model_class()
            # Change records name fields by name (pages, the API) or, for foreign keys written in bulk, by
            # column attname (school_class_id): both are restored.
            field_names = {f.name: f.attname for f in model._meta.concrete_fields}
            field_names |= {f.attname: f.attname for f in model._meta.concrete_fields}
            if change.action == ChangeAction.CREATE:
                obj = model._base_manager.filter(pk=change.object_id).first()
                if obj is not None:
                    audit.append(
                        (
                            obj,
                            ChangeAction.DELETE,
                            {k: [v[1], None] for k, v in change.changes.items()},
                            (change.school_id, change.division_code),
                            change.object_repr,
                        )
                    )
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
                    restore["name_initials"] = keyed.name_initials
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
        record_event("import.rolled_back", data={"batch": batch.pk, "rows": len(changes)})
    batch.status = ImportStatus.ROLLED_BACK
    batch.rolled_back_at = timezone.now()
    batch.save(update_fields=["status", "rolled_back_at"])
    return batch


def error_workbook(batch: ImportBatch) -> bytes:
    """The uploaded rows again, with a leading column of reasons for every rejected row."""
    reasons = {int(k): v for k, v in (batch.report.get("rejected_rows") or {}).items()}
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet(_("错误报告"))
    bold = workbook.add_format({"bold": True, "bg_color": "#FCE4D6"})
    red = workbook.add_format({"font_color": "#C00000"})
    try:
        table = open_table(batch.file_path, batch.file_name)
    except FileNotFoundError:
        sheet.write(0, 0, _("上传的原文件已不在服务器上，无法生成错误报告。"), bold)
        workbook.close()
        return output.getvalue()
    except FileRejected as exc:
        sheet.write(0, 0, _("文件被拒绝"), bold)
        sheet.write(1, 0, str(exc), red)
        workbook.close()
        return output.getvalue()
    sheet.write(0, 0, _("错误原因"), bold)
    sheet.write(0, 1, _("原行号"), bold)
    for col, header in enumerate(table.headers, start=2):
        sheet.write(0, col, header, bold)
    sheet.set_column(0, 0, 60)
    out_row = 1
    for number, raw in table.rows:
        reason = reasons.get(number, "")
        sheet.write(out_row, 0, reason, red if reason else None)
        sheet.write(out_row, 1, number)
        for col, value in enumerate(raw, start=2):
            sheet.write(out_row, col, value if not hasattr(value, "isoformat") else value.isoformat())
        out_row += 1
    workbook.close()
    return output.getvalue()
