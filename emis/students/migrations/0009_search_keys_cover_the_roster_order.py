"""On PostgreSQL, the pinyin indexes carry what a search's page is sorted and scoped by: a search by initials or full
pinyin ("hh", "zhangs") reads its matches from the index alone, sorts them, and only then reads the rows of the page
shown (StudentFilterSet.search, ADR 0018). Without it, the province's 37,779 pupils matching "hh" were each read
from the table and checked for being in school before 25 of them were shown (144-290 ms of a 300 ms page).

The planner must know how many pupils a prefix matches to sort them before reading the rows: with the default
statistics (100 most common values among 5,000 distinct initials) it took "hh%" for 632 pupils, not 37,779, joined
every match and then counted them all. The two keys get a statistics target of 1,000 (estimates within a few per
cent: 36,403 for 37,779); imports' own ANALYZE leaves those two columns to autovacuum (emis.core.bulk.analyze_tables).

The same indexes under the same names, with included columns: Django's declarations are unchanged (an Index with
include= is warned about on SQLite, which has no covering indexes). SQLite keeps the plain indexes:
a county's pupils."""

from django.db import migrations

INCLUDED = "name_sort, name, id, current_school_id"
INDEXES = {
    "students_student_initials_idx": "name_initials varchar_pattern_ops",
    "students_student_pinyin_idx": "name_pinyin varchar_pattern_ops",
}


def _rebuild(schema_editor, *, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    target = 1000 if covering else -1
    schema_editor.execute(
        f"ALTER TABLE students_student ALTER name_initials SET STATISTICS {target}, "
        f"ALTER name_pinyin SET STATISTICS {target}"
    )
    for name, key in INDEXES.items():
        include = f" INCLUDE ({INCLUDED})" if covering else ""
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON students_student ({key}){include}")


def cover(apps, schema_editor):
    _rebuild(schema_editor, covering=True)


def uncover(apps, schema_editor):
    _rebuild(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("students", "0008_indexes_cover_the_in_school_count")]

    operations = [migrations.RunPython(cover, uncover, elidable=False)]
