"""Bad and awkward files, through open_table and run_import, with the students kind.

Everything that makes a file unusable is a file-level rejection with a Chinese message and writes nothing;
encodings, date formats, unknown and English headers give the same result as the plain template.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from emis.common.idnumbers import GENDER_FEMALE
from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.reader import FileRejected, open_table
from emis.core.imports.registry import get_spec
from emis.core.models import ImportStatus, ObjectChange
from emis.students.models import Student
from emis.testing import ROSTER_BIRTH, ROSTER_HEADER, make_student, roster_row

HEADER = ROSTER_HEADER
ENGLISH = ["school_code", "grade", "class", "name", "gender", "birth_date", "id_number", "township code"]
BIRTH = ROSTER_BIRTH
pupil = roster_row


def xlsx_bytes(
    rows: list[list],
    *,
    merge_header: bool = False,
    formula: bool = False,
    hidden: bool = False,
    extra_sheet: bool = False,
) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet("学生")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                sheet.write(r, c, value)
    if merge_header:
        sheet.merge_range(0, 0, 0, 1, "学校标识码")
    if formula:
        sheet.write_formula(len(rows), 0, "=A2")
    if hidden or extra_sheet:
        other = workbook.add_worksheet("备用")
        other.write_string(0, 0, "隐藏的数据")
        if hidden:
            other.hide()
    workbook.close()
    return output.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def run(path: Path, user, *, dry_run: bool = True, **kwargs):
    return run_import(get_spec("students"), path, user=user, school_year=2024, dry_run=dry_run, **kwargs)


@pytest.fixture
def admin(users):
    return users[Role.ADMIN]


def rejected_file(report, fragment: str) -> None:
    assert fragment in report.file_error, report.file_error
    assert not report.committed


# Wrong, empty and damaged files ------------------------------------------------------------------------------


def test_a_png_renamed_xlsx_is_rejected(admin, tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
    report = run(write(tmp_path, "学生.xlsx", png), admin)
    rejected_file(report, "扩展名是 .xlsx，但内容不是 Excel 工作簿")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_word_document_is_rejected(admin, tmp_path):
    report = run(write(tmp_path, "学生.docx", _docx()), admin)
    rejected_file(report, "不支持的文件类型“.docx”")
    renamed = run(write(tmp_path, "学生.xlsx", _docx()), admin)
    rejected_file(renamed, "文件已损坏或上传不完整")


@pytest.mark.parametrize("name", ["学生.xlsx", "学生.csv", "学生.xls"])
def test_an_empty_file_is_rejected(name, admin, tmp_path):
    rejected_file(run(write(tmp_path, name, b""), admin), "是空文件")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_header_without_rows_is_rejected(fmt, admin, tmp_path):
    data = xlsx_bytes([HEADER]) if fmt == "xlsx" else csv_bytes([HEADER])
    rejected_file(run(write(tmp_path, f"学生.{fmt}", data), admin), "文件只有表头，没有数据行")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_blank_first_row_is_rejected(fmt, admin, tmp_path):
    rows = [[], HEADER, pupil(1)]
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    rejected_file(run(write(tmp_path, f"学生.{fmt}", data), admin), "第1行是空行：第1行必须是表头")


def test_missing_required_columns_are_named(admin, tmp_path):
    header = [h for h in HEADER if h not in ("年级", "姓名")]
    row = [v for h, v in zip(HEADER, pupil(1), strict=True) if h not in ("年级", "姓名")]
    report = run(write(tmp_path, "学生.csv", csv_bytes([header, row])), admin)
    rejected_file(report, "缺少必需的列：年级、姓名。")


def test_a_merged_header_is_rejected(admin, tmp_path):
    report = run(write(tmp_path, "学生.xlsx", xlsx_bytes([HEADER, pupil(1)], merge_header=True)), admin)
    rejected_file(report, "表头（第1行）含有合并单元格")


def test_formula_cells_are_rejected(admin, tmp_path):
    report = run(write(tmp_path, "学生.xlsx", xlsx_bytes([HEADER, pupil(1)], formula=True)), admin)
    rejected_file(report, "含有公式单元格")


def test_a_hidden_sheet_is_rejected(admin, tmp_path):
    report = run(write(tmp_path, "学生.xlsx", xlsx_bytes([HEADER, pupil(1)], hidden=True)), admin)
    rejected_file(report, "工作簿含有隐藏的工作表（备用）")


def test_a_second_sheet_is_rejected(admin, tmp_path):
    report = run(write(tmp_path, "学生.xlsx", xlsx_bytes([HEADER, pupil(1)], extra_sheet=True)), admin)
    rejected_file(report, "工作簿有 2 个工作表")


def test_a_truncated_xlsx_is_rejected(admin, tmp_path):
    data = xlsx_bytes([HEADER, *[pupil(n) for n in range(30)]])
    report = run(write(tmp_path, "学生.xlsx", data[: len(data) // 2]), admin, dry_run=False)
    rejected_file(report, "文件已损坏或上传不完整")
    assert not Student.objects.filter(name__startswith="新生").exists()


def test_a_gbk_csv_cut_inside_a_character_is_rejected(admin, tmp_path):
    data = csv_bytes([HEADER, pupil(1), pupil(2, name="新生张")], "gbk")
    cut = data.rindex("张".encode("gbk")) + 1  # the upload stops after the first byte of 张
    report = run(write(tmp_path, "学生.csv", data[:cut]), admin, dry_run=False)
    rejected_file(report, "文件字符编码不一致或文件不完整")
    assert not Student.objects.filter(name__startswith="新生").exists()


def test_a_gbk_csv_larger_than_the_encoding_sample_is_read(tmp_path):
    """The encoding is sniffed from the first 1 MB; a GBK character cut by that boundary is no reason to refuse."""
    row = csv_bytes([pupil(1)], "gbk")
    for pad in range(len(row)):
        data = csv_bytes([[*HEADER, "备注" + "x" * pad]], "gbk") + row * ((1 << 20) // len(row) + 50)
        try:
            data[: 1 << 20].decode("gb18030")
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("could not place a character across the 1 MB boundary")
    table = open_table(write(tmp_path, "big.csv", data), "big.csv")
    assert table.encoding == "GBK/GB18030"
    assert sum(1 for _ in table.rows) == data.count(b"\r\n") - 1


def test_more_rows_than_the_limit_are_rejected_and_nothing_is_written(admin, tmp_path, settings):
    settings.EMIS_IMPORT_MAX_ROWS = 2
    path = write(tmp_path, "学生.csv", csv_bytes([HEADER, pupil(1), pupil(2), pupil(3)]))
    report = run(path, admin, dry_run=False, chunk_size=1)  # rows 1 and 2 are written before row 3 is read
    rejected_file(report, "数据行超过上限 2 行")
    assert not Student.objects.filter(name__startswith="新生").exists()
    assert not ObjectChange.objects.filter(source="import").exists()
    with pytest.raises(FileRejected):
        list(open_table(path, max_rows=2).rows)
    settings.EMIS_IMPORT_MAX_ROWS = 3
    assert run(path, admin, dry_run=False).committed


# Rows --------------------------------------------------------------------------------------------------------


def test_a_row_of_a_county_not_set_up_is_rejected_and_nothing_is_written(admin, tmp_path):
    rows = [HEADER, pupil(1), pupil(2, township="421223100")]
    report = run(write(tmp_path, "学生.xlsx", xlsx_bytes(rows)), admin, dry_run=False)
    assert not report.file_error and not report.committed
    assert (report.counts["new"], report.counts["rejected"]) == (1, 1)
    issue = next(i for i in report.issues if i.level == "error")
    assert (issue.row, issue.column) == (3, "户籍乡镇代码")
    reason = (
        "区划代码 421223100 所属的县区 421223 尚未在本系统设立。请系统管理员运行 emis setup-county 421223 --name 县名 "
        "--years 2015-2021，或在“区划与学校 → 行政区划 → 设立县区”页面设立。"
    )
    assert issue.reason == reason
    assert report.rejected_rows == {3: f"户籍乡镇代码：{reason}"}
    assert not Student.objects.filter(name__startswith="新生").exists()


def test_a_school_administrator_imports_into_their_school(users, tmp_path):
    """The school list of the students kind follows the user's scope, not the orgs domain's write rights."""
    rows = [HEADER, pupil(1), ["2142000301", *pupil(2)[1:]]]  # B1: another school
    report = run(write(tmp_path, "学生.csv", csv_bytes(rows)), users[Role.SCHOOL])
    assert (report.counts["new"], report.counts["rejected"]) == (1, 1)
    issue = next(i for i in report.issues if i.level == "error")
    assert (issue.row, issue.column, issue.reason) == (3, "学校标识码", "该学校不在您的管辖范围内。")


# Encodings, dates, headers -----------------------------------------------------------------------------------

ROWS = [HEADER, pupil(1, name="欧阳锋"), pupil(2, name="黄蓉", gender=GENDER_FEMALE), pupil(3, township="421223100")]


def _summary(report) -> tuple:
    return (
        report.counts,
        [(i.row, i.column, i.reason, i.level) for i in report.issues],
        report.unknown_columns,
        report.file_error,
    )


def test_utf8_utf8_bom_and_gbk_give_the_same_result(admin, tmp_path):
    reports = {}
    for encoding in ("utf-8", "utf-8-sig", "gbk"):
        path = write(tmp_path, f"{encoding}.csv", csv_bytes(ROWS, encoding))
        reports[encoding] = run(path, admin)
    assert _summary(reports["utf-8"]) == _summary(reports["utf-8-sig"]) == _summary(reports["gbk"])
    assert reports["gbk"].counts["new"] == 2 and reports["gbk"].counts["rejected"] == 1
    table = open_table(tmp_path / "gbk.csv")
    assert table.encoding == "GBK/GB18030" and table.headers == HEADER
    committed = run(write(tmp_path, "gbk-ok.csv", csv_bytes(ROWS[:3], "gbk")), admin, dry_run=False)
    assert committed.committed
    assert set(Student.objects.filter(name__in=["欧阳锋", "黄蓉"]).values_list("name_initials", flat=True)) == {
        "oyf",
        "hr",
    }


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_dates_in_every_accepted_format(fmt, admin, tmp_path):
    birth = dt.date(2014, 9, 1)
    cells = ["2014-09-01", "2014/9/1", "20140901", "2014年9月1日", "2014.9.1"]
    if fmt == "xlsx":
        cells += [birth, 20140901, 41883]  # an Excel date cell, a number typed as yyyymmdd, a date serial
    rows = [HEADER] + [
        [*pupil(n, birth=birth, birth_cell=cell)[:1], "四年级", *pupil(n, birth=birth, birth_cell=cell)[2:]]
        for n, cell in enumerate(cells)
    ]
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    report = run(write(tmp_path, f"学生.{fmt}", data), admin, dry_run=False)
    assert report.committed, [(i.row, i.column, i.reason) for i in report.issues]
    assert report.counts["new"] == len(cells)
    births = Student.objects.filter(name__startswith="新生").values_list("birth_date", flat=True)
    assert list(births) == [birth] * len(cells)


def test_an_impossible_date_is_a_row_error(admin, tmp_path):
    rows = [HEADER, pupil(1, birth_cell="2018-02-30")]
    report = run(write(tmp_path, "学生.csv", csv_bytes(rows)), admin)
    issue = report.issues[0]
    assert (issue.row, issue.column, issue.reason) == (2, "出生日期", "“2018-02-30”不是有效日期。")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_unknown_columns_are_ignored_and_listed(fmt, admin, tmp_path):
    rows = [[*HEADER, "备注", "家长电话"], [*pupil(1), "转入", "13800000000"]]
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    report = run(write(tmp_path, f"学生.{fmt}", data), admin)
    assert report.ok and report.counts["new"] == 1
    assert report.unknown_columns == ["备注", "家长电话"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_english_headers_give_the_same_result(fmt, admin, tmp_path):
    chinese = ROWS
    english = [ENGLISH, *ROWS[1:]]
    results = []
    for n, rows in enumerate((chinese, english)):
        data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
        results.append(_summary(run(write(tmp_path, f"学生{n}.{fmt}", data), admin)))
    assert results[0] == results[1]
    assert results[0][0]["new"] == 2


def test_headers_with_spaces_and_required_stars_are_recognised(admin, tmp_path):
    header = [f"*{h} " if n % 2 else f" {h[:1]} {h[1:]}" for n, h in enumerate(HEADER)]
    report = run(write(tmp_path, "学生.csv", csv_bytes([header, pupil(1)])), admin)
    assert report.ok and report.counts["new"] == 1 and not report.unknown_columns


# The report of a batch ---------------------------------------------------------------------------------------


def test_a_batch_report_holding_changed_dates_is_stored(county, admin, tmp_path):
    """Samples of changed rows are kept in ImportBatch.report (JSON); a changed date must not break that."""
    make_student(
        "旧同学", county.school_a1, birth=dt.date(2018, 3, 4), id_number=None, student_no="L421224201803040001"
    )
    header = ["学校标识码", "年级", "姓名", "性别", "出生日期", "全国学籍号"]
    rows = [header, ["2142000101", "一年级", "旧同学", "男", "2018-03-05", "L421224201803040001"]]
    upload = SimpleUploadedFile("学生.csv", csv_bytes(rows))
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=True, acting_user=admin
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert batch.status == ImportStatus.VALIDATED, batch.report
    batch.refresh_from_db()
    assert batch.report["samples"][0]["changes"]["birth_date"] == ["2018-03-04", "2018-03-05"]
