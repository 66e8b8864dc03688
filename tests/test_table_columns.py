"""emis.core.tables' DateColumn and BooleanColumn draw every model date and yes/no field of every list: each cell must
be what django-tables2's own column draws, in both languages, for the values a list holds."""

import datetime

import django_tables2 as tables
import pytest
from django.utils import translation

from emis.core import tables as emis_tables
from emis.students.models import Student
from emis.students.tables import StudentTable
from emis.work.models import Case

DATES = [datetime.date(2020, 9, 1), datetime.date(1999, 12, 31), None, ""]
MOMENTS = [datetime.datetime(2020, 9, 1, 8, 30, tzinfo=datetime.UTC), None]


def cells(column, records) -> list:
    table_class = type("OneColumn", (tables.Table,), {"cell": column})
    return [row.get_cell("cell") for row in table_class(records).rows]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("options", [{}, {"short": False}, {"format": "Y-m"}, {"format": "Y年n月j日"}])
def test_a_date_is_drawn_as_django_tables2_draws_it(language, options):
    records = [{"cell": value} for value in DATES + MOMENTS]
    with translation.override(language):
        ours = cells(emis_tables.DateColumn(**options), records)
        theirs = cells(tables.DateColumn(**options), records)
    assert ours == theirs
    assert ours[0] != ours[1] and ours[2] == ours[3] == "—"  # dates drawn, the empty ones the default


@pytest.mark.parametrize("options", [{}, {"null": True}, {"yesno": "是,否"}])
def test_a_yes_or_no_is_drawn_as_django_tables2_draws_it(options):
    values = [True, False, None, 1, 0, "x", ""]
    records = [{"cell": value} for value in values]
    assert cells(emis_tables.BooleanColumn(**options), records) == cells(tables.BooleanColumn(**options), records)
    pupils = [Student(name="甲", boarder=value) for value in (True, False, True)]
    ours = cells(emis_tables.BooleanColumn(accessor="boarder", **options), pupils)
    assert ours == cells(tables.BooleanColumn(accessor="boarder", **options), pupils)
    assert ours[0] == ours[2] != ours[1]


def test_model_dates_and_yes_or_no_fields_are_listed_by_these_columns_and_moments_are_not():
    columns = StudentTable.base_columns
    assert type(columns["birth_date"]) is emis_tables.DateColumn
    assert type(columns["boarder"]) is emis_tables.BooleanColumn
    # A DateTimeField is a DateField too: it keeps django-tables2's DateTimeColumn (local time, its own format).
    meta = type("Meta", (), {"model": Case, "fields": ("closed_at", "due_on")})
    case_columns = type("CaseColumns", (tables.Table,), {"Meta": meta}).base_columns
    assert type(case_columns["closed_at"]) is tables.DateTimeColumn
    assert type(case_columns["due_on"]) is emis_tables.DateColumn
