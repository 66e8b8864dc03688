"""Seal the ID numbers and 学籍号 already kept in import batch reports (issue 10, item 6).

New reports are sealed when they are stored (emis.core.imports.engine.finish_batch); this does the same to the
reports and errors written before, in primary-key batches. It needs the data keys (EMIS_DATA_KEYS), like the
migrations that encrypted the tables. Reversible: backwards opens them again. Sealing twice changes nothing.
"""

from django.db import migrations

BATCH = 500


def _rewrite(apps, schema_editor, convert):
    ImportBatch = apps.get_model("core", "ImportBatch")
    manager = ImportBatch.objects.using(schema_editor.connection.alias)
    last = 0
    while True:
        batches = list(manager.filter(pk__gt=last).order_by("pk").only("pk", "kind", "report", "error_message")[:BATCH])
        if not batches:
            break
        last = batches[-1].pk
        changed = []
        for batch in batches:
            report, error = convert(batch.kind, batch.report or {}, batch.error_message or "")
            if report != batch.report or error != batch.error_message:
                batch.report, batch.error_message = report, error
                changed.append(batch)
        if changed:
            manager.bulk_update(changed, ["report", "error_message"])


def _spec(kind):
    from emis.core.imports.registry import get_spec

    try:
        return get_spec(kind)
    except Exception:  # noqa: BLE001 (a kind no longer imported: its report is sealed by shape alone)
        return None


def seal(apps, schema_editor):
    from emis.core.imports.masking import seal_report

    def convert(kind, report, error):
        return seal_report(report, _spec(kind)), seal_report({"error": error})["error"]

    _rewrite(apps, schema_editor, convert)


def unseal(apps, schema_editor):
    from emis.core.imports.masking import open_report, open_text

    _rewrite(apps, schema_editor, lambda kind, report, error: (open_report(report), open_text(error)))


class Migration(migrations.Migration):
    dependencies = [("core", "0005_file_school_records_with_their_township")]

    operations = [migrations.RunPython(seal, unseal, elidable=False)]
