"""emis.core.bulk: keys handed out before a bulk insert; foreign keys set aside for a big load."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.test import override_settings

from emis.core.bulk import IndexesSetAside, allocate_ids, insert_rows
from emis.core.models import ObjectChange


@pytest.mark.django_db
def test_allocated_keys_are_new_distinct_and_never_handed_out_again():
    highest = ObjectChange.objects.aggregate(top=Max("pk"))["top"] or 0
    keys = allocate_ids(ObjectChange, 500)
    assert len(set(keys)) == 500 and min(keys) > highest
    if connection.vendor == "postgresql":
        # Taken from the table's sequence: a second call (another writer) gets none of them.
        again = allocate_ids(ObjectChange, 500)
        assert len(set(again)) == 500 and not set(again) & set(keys)


def _foreign_keys(model) -> dict:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name: spec["foreign_key"] for name, spec in found.items() if spec["foreign_key"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks its keys row by row and keeps them")
@override_settings(EMIS_IMPORT_SET_ASIDE_INDEXES={"sqlite": 1, "postgresql": 1})
def test_a_load_sets_its_tables_foreign_keys_aside_and_checks_every_row_when_they_come_back(county):
    from emis.students.models import Enrollment

    before = _foreign_keys(Enrollment)
    assert before, "an enrolment names its pupil"
    indexes = IndexesSetAside()
    with transaction.atomic():
        indexes.set_aside((Enrollment,), 1000)
        assert _foreign_keys(Enrollment) == {}
        indexes.restore()
        assert _foreign_keys(Enrollment) == before
    # A row naming no pupil, written while the key is aside, fails the load when the key comes back: nothing stays.
    school, year = county.school_a1, county.year
    with pytest.raises(IntegrityError), transaction.atomic():
        indexes.set_aside((Enrollment,), 1000)
        insert_rows(
            Enrollment,
            ("student_id", "school_id", "school_year_id", "grade", "level", "status", "status_date", "is_current"),
            [(987_654_321, school.pk, year.pk, "P1", "primary", "enrolled", year.census_date, True)],
        )
        indexes.restore()
    assert _foreign_keys(Enrollment) == before
    assert not Enrollment.objects.filter(student_id=987_654_321).exists()
