"""On PostgreSQL, the pupils' names are found by an index (ADR 0018): a GIN index of each name's characters and
pairs of characters (emis_name_grams, core migration 0010), which a search for any part of a name narrows before the LIKE that checks
it. The trigram index of pg_trgm cannot serve the two-character names that are most of a search for a pupil (a
trigram needs three). SQLite keeps its scan: a county's pupils."""

from django.db import migrations



def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS students_student_name_grams_idx ON students_student "
            "USING gin (emis_name_grams(name))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS students_student_name_grams_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0006_roster_pinyin_order_and_head_teacher"),
        ("core", "0010_name_grams_function"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
