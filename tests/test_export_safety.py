"""Formula injection (issue 10, finding 8): a name typed as a spreadsheet formula leaves every xlsx and csv export
as text. XlsxWriter turns a string starting with "=" into a live formula unless told otherwise, and a csv cell
starting with = + - @ is evaluated by Excel and WPS, so each export is opened here and checked cell by cell."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.core.audit import record_change
from emis.core.models import ChangeAction
from emis.core.safe_export import csv_text, safe_workbook
from emis.testing import body_bytes, csv_rows, xlsx_rows

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "@SUM(1)"
ROOT = Path(__file__).resolve().parent.parent


def assert_no_formulas(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode()
            assert not re.search(r"<f[ >/]", xml), f"{name} holds a formula"
            assert "<hyperlink" not in xml, f"{name} holds a hyperlink"


@pytest.fixture
def hostile(county):
    student = county.students["张三丰"]
    student.name = HYPERLINK
    student.save(update_fields=["name"])
    school = student.current_school
    school.name = SUM
    school.save(update_fields=["name"])
    record_change(student, ChangeAction.UPDATE, {"name": ["张三丰", HYPERLINK]})
    return student


@pytest.mark.parametrize(
    ("url_name", "column", "value"),
    [
        ("students:student_export", "姓名", HYPERLINK),
        ("students:student_export", "当前学校（只读）", SUM),
        ("core:objectchange_export", "对象", HYPERLINK),  # the audit-log export
    ],
)
def test_list_exports_write_formula_like_text_as_text(hostile, login, url_name, column, value):
    client = login(Role.ADMIN)
    response = client.get(reverse(url_name, args=["xlsx"]))
    assert response.status_code == 200
    data = body_bytes(response)  # a file response (written to a temporary file, then streamed)
    assert_no_formulas(data)
    rows = xlsx_rows(data)
    assert value in [row[rows[0].index(column)] for row in rows[1:]]

    rows = csv_rows(client.get(reverse(url_name, args=["csv"])))
    cells = [row[rows[0].index(column)] for row in rows[1:]]
    assert "'" + value in cells  # OWASP: a leading quote makes the spreadsheet show the text
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_admissions_solver_files_write_formula_like_text_as_text(tmp_path):
    from emis.rounds.solver.files import write_table

    header = ("exam_no", "school", "phase", "preference_rank")
    rows = [(HYPERLINK, SUM, "+1+1", -3), ("-2", "-x", "\tcmd", 1)]
    write_table(tmp_path / "out.xlsx", header, rows)
    data = (tmp_path / "out.xlsx").read_bytes()
    assert_no_formulas(data)
    assert xlsx_rows(data)[1][:2] == [HYPERLINK, SUM]

    write_table(tmp_path / "out.csv", header, rows)
    written = csv_rows((tmp_path / "out.csv").read_bytes())
    assert written[1] == ["'" + HYPERLINK, "'" + SUM, "'+1+1", "-3"]
    assert written[2] == ["-2", "'-x", "'\tcmd", "1"]  # a signed number stays a number


def test_csv_text_neutralises_only_text_that_a_spreadsheet_would_evaluate():
    assert csv_text("=1+1") == "'=1+1"
    assert csv_text("@SUM(A1)") == "'@SUM(A1)"
    assert csv_text("\r=cmd") == "'\r=cmd"
    assert csv_text("-") == "'-"
    assert csv_text("+86 138") == "'+86 138"
    assert csv_text("-12.5") == "-12.5" and csv_text("+3") == "+3" and csv_text("-1e3") == "-1e3"
    assert csv_text(-7) == -7 and csv_text(None) is None
    assert csv_text("张三=李四") == "张三=李四"


def test_safe_workbook_writes_strings_as_text_and_refuses_to_turn_conversions_on():
    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, in_memory=True)
    sheet = workbook.add_worksheet()
    sheet.write(0, 0, HYPERLINK)
    sheet.write(0, 1, "http://example.org")
    sheet.write_row(1, 0, [SUM, "=1+1"])
    workbook.close()
    assert_no_formulas(buffer.getvalue())
    assert xlsx_rows(buffer.getvalue()) == [[HYPERLINK, "http://example.org"], [SUM, "=1+1"]]
    with pytest.raises(ValueError):
        safe_workbook(io.BytesIO(), strings_to_formulas=True)


def test_no_module_constructs_an_xlsxwriter_workbook_directly():
    """Every workbook goes through safe_workbook; a new export that calls xlsxwriter.Workbook fails here.
    Tests and the test helpers that write input files are exempt: they build (sometimes hostile) uploads."""
    offenders = []
    for path in sorted((ROOT / "emis").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/tests/" in relative or relative in {"emis/core/safe_export.py", "emis/testing.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\s*\(", text) or re.search(r"from\s+xlsxwriter\s+import", text):
            offenders.append(relative)
    assert offenders == [], f"use emis.core.safe_export.safe_workbook instead of xlsxwriter.Workbook in {offenders}"
