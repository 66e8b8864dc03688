"""`emis aid roll` (CSV: student_no, id_number, programme, amount in yuan with two decimals) and `emis aid totals`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from emis.aid.models import Category, Roll

from .conftest import pupil

pytestmark = pytest.mark.django_db


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_roll_computed_then_saved(county, term, tmp_path):
    boarder = pupil(county, county.school_a2, "J1", boarder=True, categories=[Category.POVERTY, Category.DIBAO])
    day = pupil(county, county.school_a2, "J1", categories=[Category.MONITORED])
    out = tmp_path / "roll.csv"
    args = ("aid", "roll", "--year", "2024", "--term", "autumn", "--programme", "compulsory_living_allowance")
    call_command(*args, "--out", str(out), stderr=io.StringIO())
    rows = read(out)
    assert not Roll.objects.exists()  # computed, not stored
    by_id = {row["id_number"]: row for row in rows}
    assert (
        by_id[boarder.id_number]["amount"] == "625.00" and by_id[boarder.id_number]["student_no"] == boarder.student_no
    )
    assert by_id[day.id_number]["amount"] == "312.50"
    assert set(rows[0]) >= {"student_no", "id_number", "programme", "amount"}
    assert {row["programme"] for row in rows} == {"compulsory_living_allowance"}

    call_command(*args, "--out", str(out), "--save", stderr=io.StringIO())
    assert Roll.objects.count() == 1
    assert {row["state"] for row in read(out)} == {"school_review"}
    # As the school's account: its own pupils only (A1 has none on this roll), ID numbers masked.
    call_command(*args, "--out", str(out), "--as", "school_a1", stderr=io.StringIO())
    assert read(out) == []
    call_command(*args, "--out", str(out), "--as", "inspector", stderr=io.StringIO())  # A2 and B1; masked
    rows = read(out)
    assert len(rows) == 2 and all("*" in row["id_number"] and "*" in row["student_no"] for row in rows)


def test_totals_json(county, term):
    pupil(county, county.school_a1, "P1", boarder=True, categories=[Category.ORPHAN])
    out = io.StringIO()
    call_command("aid", "totals", "--year", "2024", "--term", "autumn", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["source"] == "computed"
    assert data["total"] == {"persons": 1, "amount": "500.00"}
    assert data["level"][0]["code"] == "primary" and data["school"][0]["name"] == county.school_a1.name


def test_unknown_programme_and_year(county):
    with pytest.raises(CommandError, match="没有资助项目"):
        call_command("aid", "roll", "--year", "2024", "--term", "autumn", "--programme", "x", "--out", "/tmp/x.csv")
    with pytest.raises(CommandError, match="没有1990学年"):
        call_command("aid", "totals", "--year", "1990", "--term", "autumn")
