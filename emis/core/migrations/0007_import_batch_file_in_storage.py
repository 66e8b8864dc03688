"""Import batches keep their upload by storage name, not by filesystem path (issue 11, item 4; ADR 0009).

`file_path` held the absolute path the web server wrote, always `<MEDIA_ROOT>/imports/<uuid><suffix>`; it
becomes `file`, a name in the uploads storage (`imports/<uuid><suffix>`), which is where the local storage keeps
the same file (MEDIA_ROOT), so no file moves. The name is taken from the path's last part, whatever MEDIA_ROOT was
then (a server whose MEDIA_ROOT moved still finds its files). Reversible: backwards writes paths under today's
MEDIA_ROOT.
"""

from pathlib import Path, PurePath

from django.conf import settings
from django.db import migrations, models

import emis.core.files

BATCH = 500
FOLDER = "imports"


def _rewrite(apps, schema_editor, convert):
    ImportBatch = apps.get_model("core", "ImportBatch")
    manager = ImportBatch.objects.using(schema_editor.connection.alias).exclude(file="")
    last = 0
    while True:
        batches = list(manager.filter(pk__gt=last).order_by("pk").only("pk", "file")[:BATCH])
        if not batches:
            break
        last = batches[-1].pk
        for batch in batches:
            batch.file = convert(str(batch.file))
        manager.bulk_update(batches, ["file"])


def path_to_name(value: str) -> str:
    return f"{FOLDER}/{PurePath(value).name}" if value else ""


def name_to_path(value: str) -> str:
    return str(Path(settings.MEDIA_ROOT) / value) if value else ""


def forwards(apps, schema_editor):
    _rewrite(apps, schema_editor, path_to_name)


def backwards(apps, schema_editor):
    _rewrite(apps, schema_editor, name_to_path)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_seal_id_numbers_in_import_reports")]

    operations = [
        migrations.RenameField("importbatch", "file_path", "file"),
        migrations.AlterField(
            model_name="importbatch",
            name="file",
            field=models.FileField(
                blank=True,
                max_length=500,
                storage=emis.core.files.upload_storage,
                upload_to="imports/",
                verbose_name="文件",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
