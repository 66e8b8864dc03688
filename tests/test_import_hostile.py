"""Hostile files (issue 10, findings 6 and 7): each test performs the attack.

Before the fix, the first tests here abort the test process (calamine asks for 512 GB, or for room for
10^12 shared strings, and the allocation failure aborts); the others found unbounded reports and error
workbooks, no upload limit before storage and no retention.
"""

from __future__ import annotations

import io
import os
import struct
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from django.utils import timezone

from emis.core import files
from emis.core.access import Role
from emis.core.imports import samples, service
from emis.core.imports.reader import FileRejected, open_table, read_bytes_as_table
from emis.core.models import ImportBatch, ImportStatus

FIXTURES = Path(__file__).parent / "fixtures"


def stored(path: Path) -> str:
    """The file put in the uploads storage, as import_batch_create keeps an upload: its storage name."""
    return files.save(ContentFile(path.read_bytes()), folder="imports", suffix=path.suffix)


def rejected(data: bytes, name: str = "学生.xlsx") -> str:
    with pytest.raises(FileRejected) as caught:
        table = read_bytes_as_table(data, name)
        list(table.rows)
    return str(caught.value)


# Finding 6: one far cell ---------------------------------------------------------------------------------


def test_one_cell_at_xfd1048576_is_refused_before_calamine_allocates():
    data = samples.header_and_far_cell()
    assert len(data) < 2000
    message = rejected(data)
    assert "上限" in message and "列" in message


def test_a_far_cell_without_a_dimension_is_refused():
    # The <dimension> is only a declaration: the cells themselves are measured too.
    rows = [samples.row_xml(1, samples.STUDENT_HEADER), '<row r="900000"><c r="GZ900000"><v>1</v></c></row>']
    message = rejected(samples.xlsx(samples.sheet_xml(rows, dimension=None)))
    assert "上限" in message


def test_cells_without_references_are_placed_as_calamine_places_them():
    # No r attributes: calamine counts cells along the row, so 500 of them reach column 500.
    rows = [samples.row_xml(1, samples.STUDENT_HEADER), samples.row_xml(None, ["x"] * 500, refs=False)]
    assert "500 列" in rejected(samples.xlsx(samples.sheet_xml(rows, dimension=None)))


def test_a_prefixed_cell_far_away_is_refused():
    rows = [
        samples.row_xml(1, samples.STUDENT_HEADER),
        '<x:row r="2" xmlns:x="urn:x"><x:c r="XFD2"><x:v>1</x:v></x:c></x:row>',
    ]
    assert "上限" in rejected(samples.xlsx(samples.sheet_xml(rows, dimension=None)))


def test_a_sheet_part_not_named_xml_is_scanned_too():
    # calamine follows the relationship's target whatever the part is called.
    data = samples.header_and_far_cell()
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name).replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")
            archive.writestr(name.replace("worksheets/sheet1.xml", "worksheets/sheet1.dat"), content)
    # The scan itself refuses it (the child-process probe is not needed for this one).
    assert "16384 列" in rejected(output.getvalue())


def test_a_shared_string_count_of_a_trillion_is_refused():
    assert "不同的文本" in rejected(samples.huge_shared_string_count())


def test_a_declared_dimension_over_the_cell_limit_is_refused(settings):
    settings.EMIS_IMPORT_MAX_CELLS = 1000
    rows = [samples.row_xml(1, samples.STUDENT_HEADER)]
    assert "1000" in rejected(samples.xlsx(samples.sheet_xml(rows, dimension="A1:G200")))


def test_an_xlsx_the_scan_missed_would_cost_only_the_probe_process(monkeypatch):
    """Second line: with the scan switched off, the far-cell file aborts the child, not this process."""
    from emis.core.imports import guard

    monkeypatch.setattr(guard, "check_xlsx", lambda path, limits: None)
    assert "内存上限" in rejected(samples.header_and_far_cell())


def test_an_xls_declaring_huge_dimensions_is_refused_in_a_child_process():
    # BIFF DIMENSIONS record patched to 4 billion rows x 65536 columns: calamine reserves that much
    # room while opening the file, so it is opened first in a child process under a memory ceiling.
    data = bytearray((FIXTURES / "calamine-date.xls").read_bytes())
    at = data.find(b"\x00\x02\x0e\x00")
    struct.pack_into("<IIHH", data, at + 4, 0, 0xFFFFFFF0, 0, 0xFFFF)
    assert "已拒绝" in rejected(bytes(data), "学生.xls")


def test_a_plain_xls_still_opens():
    table = open_table(FIXTURES / "calamine-date.xls")
    assert len(list(table.rows)) == 2


@pytest.mark.django_db
def test_errors_xlsx_of_the_hostile_batch_answers_without_reading_the_grid(county, login, tmp_path):
    path = tmp_path / "far.xlsx"
    path.write_bytes(samples.header_and_far_cell())
    batch = ImportBatch.objects.create(
        kind="students",
        file_name="far.xlsx",
        file=stored(path),
        user=county.users[Role.ADMIN],
        status=ImportStatus.REJECTED,
        report={"rejected_rows": {"2": "示例"}},
    )
    response = login(Role.ADMIN).get(reverse("core:import_errors", args=[batch.pk]))
    assert response.status_code == 200
    sheet = read_bytes_as_table(response.content, "errors.xlsx")
    assert "被拒绝" in "".join(str(v) for _, row in sheet.rows for v in row)


@pytest.mark.django_db
def test_errors_xlsx_of_a_refused_file_does_not_read_it_again(county, login, tmp_path, monkeypatch):
    path = tmp_path / "far.xlsx"
    path.write_bytes(samples.header_and_far_cell())
    batch = ImportBatch.objects.create(
        kind="students",
        file_name="far.xlsx",
        file=stored(path),
        status=ImportStatus.REJECTED,
        error_message="文件“far.xlsx”被拒绝：超过上限",
    )
    monkeypatch.setattr(service, "open_table", lambda *a, **k: pytest.fail("the file was read again"))
    response = login(Role.ADMIN).get(reverse("core:import_errors", args=[batch.pk]))
    rows = [row for _, row in read_bytes_as_table(response.content, "errors.xlsx").rows]
    assert "超过上限" in str(rows)


def test_a_workbook_without_cell_references_opens_as_calamine_reads_it():
    # Some generators omit r: the exact scan follows calamine's counting and accepts what is within limits.
    rows = [samples.row_xml(None, samples.STUDENT_HEADER, refs=False)]
    rows += [samples.row_xml(None, [f"v{r}{c}" for c in range(7)], refs=False) for r in range(5)]
    table = read_bytes_as_table(samples.xlsx(samples.sheet_xml(rows, dimension=None)), "学生.xlsx")
    assert table.headers == samples.STUDENT_HEADER
    assert [number for number, _ in table.rows] == [2, 3, 4, 5, 6]


def test_the_fast_and_exact_scans_agree_on_a_sheet():
    from emis.core.imports import guard

    limits = guard.Limits.from_settings()
    data = samples.xlsx(samples.sheet_xml([samples.row_xml(1, samples.STUDENT_HEADER), samples.row_xml(40, ["x"] * 3)]))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    extents = []
    for fast in (True, False):
        scanner = guard._XmlScanner("sheet", limits, fast=fast)
        scanner.feed(xml)
        scanner.close()
        extents.append((scanner.min_row, scanner.max_row, scanner.min_column, scanner.max_column, scanner.cells))
    assert extents[0] == extents[1] == (0, 39, 0, 6, 10)


@pytest.mark.django_db
def test_errors_xlsx_is_not_built_while_the_batch_runs(county, login, tmp_path):
    path = tmp_path / "far.xlsx"
    path.write_bytes(samples.header_and_far_cell())
    batch = ImportBatch.objects.create(
        kind="students", file_name="far.xlsx", file=stored(path), status=ImportStatus.RUNNING
    )
    response = login(Role.ADMIN).get(reverse("core:import_errors", args=[batch.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("kind", ["MemoryError", "RecursionError", "PanicException"])
def test_a_batch_that_exhausts_the_worker_is_marked_failed(kind, county, db, monkeypatch, tmp_path):
    panic = type("PanicException", (BaseException,), {})
    errors = {"MemoryError": MemoryError, "RecursionError": RecursionError, "PanicException": panic}

    def explode(*args, **kwargs):
        raise errors[kind]()

    monkeypatch.setattr(service, "run_import", explode)
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    batch = ImportBatch.objects.create(kind="students", file_name="a.xlsx", file=stored(path))
    # The worker sees an ordinary Exception (a BaseException would stop it) and goes on with the next job.
    with pytest.raises(Exception):  # noqa: B017,PT011
        service.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.error_message


# Zip and XML bombs -----------------------------------------------------------------------------------------


def test_a_zip_directory_that_understates_the_sheet_is_refused():
    assert "疑似压缩炸弹" in rejected(samples.lying_zip_directory())


def test_a_sheet_compressed_a_thousand_fold_is_refused():
    assert "压缩比" in rejected(samples.compression_bomb())


def test_an_archive_over_the_unzipped_limit_is_refused(settings):
    settings.EMIS_IMPORT_MAX_UNZIPPED_MB = 1
    assert "解压后" in rejected(samples.many_rows(20_000))


def test_billion_laughs_is_refused_and_calamine_alone_does_not_expand_it():
    import python_calamine

    data = samples.billion_laughs()
    assert "DOCTYPE" in rejected(data)
    # Without the check, calamine (quick-xml) does not expand entities either: it fails or reads the text.
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"laughs-{os.getpid()}.xlsx"
    path.write_bytes(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python()
        assert sum(len(str(v)) for row in rows for v in row) < 10_000
    except python_calamine.CalamineError:
        pass
    finally:
        path.unlink()


def test_deeply_nested_xml_is_refused_without_recursion():
    message = rejected(samples.deep_nesting(200_000))
    assert "损坏" in message or "拒绝" in message


def test_a_csv_line_of_commas_is_refused():
    assert "字符" in rejected(b"a,b\r\n" + b"," * (2 * 1024 * 1024) + b"\r\n", "学生.csv")


def test_a_csv_row_over_the_column_limit_is_refused(settings):
    settings.EMIS_IMPORT_MAX_COLUMNS = 20
    assert "列" in rejected(("姓名,年级\r\n" + ",".join(["x"] * 30) + "\r\n").encode(), "学生.csv")


# Finding 7: bounded reports, workbooks, uploads and storage ---------------------------------------------------


@pytest.mark.django_db
def test_a_file_of_many_bad_rows_keeps_a_bounded_report_and_workbook(county, settings, login, tmp_path):
    settings.EMIS_IMPORT_MAX_REPORTED_ROWS = 50
    path = tmp_path / "many.xlsx"
    path.write_bytes(samples.many_rows(3000))
    batch = ImportBatch.objects.create(
        kind="students", file_name="many.xlsx", file=stored(path), user=county.users[Role.ADMIN], school_year=2024
    )
    service.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.counts["rejected"] == 3000
    assert len(batch.report["rejected_rows"]) == 50
    assert batch.report["rejected_rows_omitted"] == 2950
    assert len(batch.report["issues"]) <= 1000
    response = login(Role.ADMIN).get(reverse("core:import_errors", args=[batch.pk]))
    sheet = read_bytes_as_table(response.content, "errors.xlsx")
    rows = list(sheet.rows)
    assert len(rows) == 51
    assert "另有 2950 行错误未列出" in str(rows[-1][1][0])


@pytest.mark.django_db
def test_the_import_list_does_not_load_reports(county, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ImportBatch.objects.create(kind="students", file_name="a.xlsx", report={"rejected_rows": {"2": "x" * 1000}})
    with CaptureQueriesContext(connection) as queries:
        response = login(Role.ADMIN).get(reverse("core:import_list"))
    assert response.status_code == 200
    batch_queries = [q["sql"] for q in queries if "core_importbatch" in q["sql"]]
    assert batch_queries and not any('"report"' in sql for sql in batch_queries)


def test_the_default_upload_limit_is_at_most_100_mb(settings):
    from config.settings import base

    assert base.EMIS_IMPORT_MAX_UPLOAD_MB <= 100


def _multipart(fields: dict, file_bytes: bytes) -> tuple[bytes, str]:
    boundary = "BoUnDaRy"
    body = io.BytesIO()
    for key, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
    )
    body.write(file_bytes + f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
def test_an_oversized_upload_is_not_stored_and_gets_a_chinese_message(county, login, settings):
    settings.EMIS_IMPORT_MAX_UPLOAD_MB = 1
    data, content_type = _multipart({"kind": "students", "school_year": "2024"}, b"a" * (2 * 1024 * 1024))
    # Parsed the way Django parses a request: the oversized file part is skipped, the fields are kept.
    from django.core.files.uploadhandler import load_handler

    handlers = [load_handler(path) for path in settings.FILE_UPLOAD_HANDLERS]
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(data))}
    post, files = MultiPartParser(meta, io.BytesIO(data), handlers).parse()
    assert post["kind"] == "students" and "file" not in files
    response = login(Role.SCHOOL).post(reverse("core:import_list"), data=data, content_type=content_type)
    assert response.status_code == 413
    assert "文件超过 1 MB 上限" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_uploads_are_deleted_after_the_retention_period(county, login, settings):
    user = county.users[Role.ADMIN]
    with transaction.atomic():
        batch = service.import_batch_create(
            kind="students",
            upload=SimpleUploadedFile("old.xlsx", samples.many_rows(3)),
            school_year=2024,
            dry_run=True,
            acting_user=user,
        )
    batch.refresh_from_db()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.VALIDATED)
    batch.refresh_from_db()
    path = Path(files.upload_storage().path(batch.file.name))
    assert path.exists()
    old = time.time() - (settings.EMIS_IMPORT_RETENTION_DAYS + 1) * 86400
    os.utime(path, (old, old))
    out = io.StringIO()
    call_command("purge_imports", stdout=out)
    assert not path.exists()
    assert "deleted 1" in out.getvalue()
    page = login(Role.ADMIN).get(batch.get_absolute_url()).content.decode()
    assert "保留期限" in page
    with pytest.raises(service.BatchActionRefused, match="保留期限"):
        service.import_batch_commit(batch=batch, acting_user=user)


@pytest.mark.django_db
def test_a_batch_left_running_by_a_dead_worker_is_closed_by_the_purge(county, settings):
    batch = ImportBatch.objects.create(kind="students", file_name="a.xlsx", status=ImportStatus.RUNNING)
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.EMIS_IMPORT_STALE_HOURS + 1)
    )
    call_command("purge_imports", stdout=io.StringIO())
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "处理中断" in batch.error_message


def test_a_formula_in_a_prefixed_cell_is_refused_like_any_formula():
    rows = [
        samples.row_xml(1, samples.STUDENT_HEADER),
        '<x:row r="2" xmlns:x="urn:x"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>',
    ]
    assert "含有公式单元格" in rejected(samples.xlsx(samples.sheet_xml(rows, dimension=None)))
