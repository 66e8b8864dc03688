"""On PostgreSQL, the index of the current enrolment (one per pupil and year) carries the enrolment's status too, so
"is this pupil in school this year" (in_school_condition: current, this year, status on the roll) is answered from
the index alone, without reading the enrolment row. A search of a province's pupils asks it once per match: 37,779
times for the initials "hh" among 8 million, 460-600 ms of probes reading the rows against about 350 ms from the
index (bench/province, ADR 0018). The same unique index, under the same name, with the status as an included column:
Django's constraint is unchanged (a UniqueConstraint with include= would be dropped on SQLite, which has no covering
indexes, and with it the uniqueness). SQLite keeps the plain index: a county's pupils."""

from django.db import migrations

NAME = "students_enrollment_one_current_per_year"
COLUMNS = "ON students_enrollment (student_id, school_year_id)"


def cover_status(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
        schema_editor.execute(f"CREATE UNIQUE INDEX {NAME} {COLUMNS} INCLUDE (status) WHERE is_current")


def uncover_status(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")
        schema_editor.execute(f"CREATE UNIQUE INDEX {NAME} {COLUMNS} WHERE is_current")


class Migration(migrations.Migration):
    dependencies = [("students", "0007_name_search_index")]

    operations = [migrations.RunPython(cover_status, uncover_status, elidable=False)]
