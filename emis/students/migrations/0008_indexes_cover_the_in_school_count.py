"""On PostgreSQL, two indexes carry one more column each, so a count of pupils in school reads indexes alone, not
the rows (ADR 0018):

- the current enrolment (one per pupil and year) carries its status: "is this pupil in school this year"
  (in_school_condition: current, this year, status on the roll) is answered from the index. A search of a
  province's pupils asks it once per match: 37,779 times for the initials "hh" among 8 million, 460-600 ms of probes
  reading the rows against about 350 ms from the index (bench/province);
- the pupils by school and name carry the pupil's id: a county's pupils are found through its schools without
  reading each row (a county's exact count of 80,124 pupils: 198 ms → 100-150 ms).

The same indexes under the same names, with an included column: Django's declarations are unchanged (a
UniqueConstraint or Index with include= is dropped or warned about on SQLite, which has no covering indexes, and the
constraint with it the uniqueness). SQLite keeps the plain indexes: a county's pupils."""

from django.db import migrations

# name: (unique, columns, included column, condition)
INDEXES = {
    "students_enrollment_one_current_per_year": (
        True,
        "students_enrollment (student_id, school_year_id)",
        "status",
        "WHERE is_current",
    ),
    "students_student_school_idx": (False, "students_student (current_school_id, name)", "id", ""),
}


def _rebuild(schema_editor, *, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (unique, columns, included, condition) in INDEXES.items():
        include = f"INCLUDE ({included})" if covering else ""
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {columns} {include} {condition}".strip()
        )


def cover(apps, schema_editor):
    _rebuild(schema_editor, covering=True)


def uncover(apps, schema_editor):
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("students", "0007_name_search_index")]

    operations = [migrations.RunPython(cover, uncover, elidable=False)]
