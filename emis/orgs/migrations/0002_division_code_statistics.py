"""On PostgreSQL, a finer histogram of the division codes. A scope or an area picked is `code LIKE '420250%'`, and
with the default histogram (100 buckets) the planner guessed one division for the last county of a generated
province instead of its fifteen, and ran the county's register match once per township: 1.6-1.8 s instead of
0.5 s (bench/province, 8M pupils). The table holds a province's divisions (a few thousand rows), so ANALYZE reads
them all either way."""

from django.db import migrations

TARGET = 1000


def set_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE orgs_division ALTER code SET STATISTICS {TARGET}")
        schema_editor.execute("ANALYZE orgs_division")


def reset_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orgs_division ALTER code SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [migrations.RunPython(set_statistics, reset_statistics, elidable=False)]
