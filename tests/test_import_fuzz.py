"""The import reader against thousands of mutated and crafted files (issue 10, hostile files).

Every file must either open with sane rows or be refused with FileRejected: no other exception, no crash,
and the process's peak memory may grow by at most MEMORY_BOUND over the whole run. The corpus is seeded,
so a failure reproduces; hypothesis adds its own shrinking mutations on top, with a bounded example count.
"""

from __future__ import annotations

import io
import random
import resource
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from emis.core.imports import samples
from emis.core.imports.reader import FileRejected, read_bytes_as_table

FIXTURES = Path(__file__).parent / "fixtures"
MEMORY_BOUND_MB = 200
SEED = 20261202


def valid_xlsx(rows: int = 12) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = workbook.add_worksheet("学生")
    sheet.write_row(0, 0, samples.STUDENT_HEADER)
    for r in range(1, rows + 1):
        sheet.write_row(r, 0, ["2142000101", "一年级", "1班", f"学生{r}", "男", "2018-03-04", f"4212242018030{r:05d}"])
    workbook.close()
    return output.getvalue()


def valid_csv(encoding: str = "utf-8") -> bytes:
    lines = [",".join(samples.STUDENT_HEADER)]
    lines += [f"2142000101,一年级,1班,学生{r},男,2018-03-04,42122420180304{r:04d}" for r in range(12)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def read(data: bytes, name: str) -> None:
    """Open and read to the end; anything but sane rows or FileRejected fails the test."""
    try:
        table = read_bytes_as_table(data, name)
        assert all(isinstance(h, str) for h in table.headers)
        previous = 1
        for number, row in table.rows:
            assert isinstance(number, int) and number > previous
            assert isinstance(row, list) and len(row) <= 200
            previous = number
    except FileRejected as exc:
        assert str(exc)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        operation = rng.random()
        at = rng.randrange(len(buffer)) if buffer else 0
        if operation < 0.4 and buffer:
            buffer[at] = rng.randrange(256)
        elif operation < 0.6:
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif operation < 0.8 and buffer:
            del buffer[at : at + rng.randint(1, 64)]
        else:
            buffer = buffer[: max(1, at)]  # truncated upload
    return bytes(buffer)


XML_MUTATIONS = [
    (b'r="A', b'r="XFD'),
    (b'r="B', b'r="ZZZZZZZ'),
    (b'r="2"', b'r="1048576"'),
    (b'r="3"', b'r="4294967297"'),
    (b"<c ", b"<c>"),
    (b"</row>", b""),
    (b"</c>", b"<c><v>1</v></c></c>"),
    (b"<sheetData>", b"<sheetData>" + b"<x>" * 5000),
    (b"<sheetData>", b'<sheetData><row r="999999"><c r="A999999"><v>1</v></c></row>'),
    (b'<dimension ref="', b'<dimension ref="A1:XFD1048576'),
    (b"<v>", b"<v>99999999999999999999999999999"),
    (b'count="', b'uniqueCount="99999999999'),
    (b"<?xml", b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><?xml'),
]


def mutate_xml_part(data: bytes, rng: random.Random) -> bytes:
    """Re-zip a valid workbook with one part's XML edited the way an attacker would."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = rng.choice([n for n in source.namelist() if n.endswith(".xml")])
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            content = source.read(name)
            if name == target or name.startswith("xl/worksheets/"):
                for _ in range(rng.randint(1, 3)):
                    old, new = rng.choice(XML_MUTATIONS)
                    content = content.replace(old, new, rng.randint(1, 3))
            archive.writestr(name, content)
    return output.getvalue()


def crafted() -> list[tuple[bytes, str]]:
    corpus = [
        (samples.header_and_far_cell(), "far.xlsx"),
        (samples.header_and_far_cell("B1048576"), "tall.xlsx"),
        (samples.header_and_far_cell("XFD2", dimension="A1:XFD2"), "wide.xlsx"),
        (samples.huge_shared_string_count(), "sst.xlsx"),
        (samples.billion_laughs(), "laughs.xlsx"),
        (samples.deep_nesting(50_000), "deep.xlsx"),
        (samples.lying_zip_directory(4 * 1024 * 1024), "lying.xlsx"),
        (samples.compression_bomb(4 * 1024 * 1024), "bomb.xlsx"),
        (samples.many_rows(500), "many.xlsx"),
        # Wrong types and names.
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "photo.xlsx"),
        (valid_xlsx(), "学生.csv"),
        (valid_xlsx(), "学生.xls"),
        ((FIXTURES / "calamine-date.xls").read_bytes(), "学生.xlsx"),
        (valid_csv(), "学生.xlsx"),
        (b"PK\x03\x04" + bytes(100), "empty-zip.xlsx"),
        (b"PK\x05\x06" + bytes(18), "only-end.xlsx"),
        (valid_csv("gb18030")[:-1], "cut.csv"),
        (b"\xef\xbb\xbf" + b"a," * 300 + b"\r\n", "wide.csv"),
        (b'"' + b"x" * 300_000 + b'"\r\n', "quoted.csv"),
        (b"\x00" * 5000, "zeros.csv"),
    ]
    return corpus


@pytest.fixture(autouse=True)
def modest_limits(settings):
    # A grid within the limits is allowed to take memory (32 bytes a cell); the bound below is meaningful
    # for a deployment whose cell limit is this one.
    settings.EMIS_IMPORT_MAX_CELLS = 1_000_000
    # The in-process scan is what is fuzzed: without the child-process probe, a file the scan let through to
    # an aborting calamine would end this test run.
    settings.EMIS_IMPORT_PROBE_XLSX = False


def test_crafted_and_mutated_files_open_sanely_or_are_refused_within_fixed_memory():
    rng = random.Random(SEED)
    xlsx_seed, csv_seed = valid_xlsx(), valid_csv()
    gbk_seed = valid_csv("gb18030")
    xls_seed = (FIXTURES / "calamine-date.xls").read_bytes()
    files = crafted()
    for _ in range(1200):
        files.append((mutate_bytes(xlsx_seed, rng), "学生.xlsx"))
    for _ in range(600):
        files.append((mutate_xml_part(xlsx_seed, rng), "学生.xlsx"))
    for _ in range(500):
        files.append((mutate_bytes(rng.choice([csv_seed, gbk_seed]), rng), "学生.csv"))
    # Each .xls is first opened in a child process, so fewer of them.
    for _ in range(40):
        files.append((mutate_bytes(xls_seed, rng), "学生.xls"))
    before = peak_rss_mb()
    for data, name in files:
        read(data, name)
    growth = peak_rss_mb() - before
    assert len(files) >= 2000
    assert growth < MEMORY_BOUND_MB, f"peak memory grew by {growth:.0f} MB"


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["学生.xlsx", "学生.csv"]),
)
def test_hypothesis_splices_never_escape_the_reader(splices, name):
    data = bytearray(valid_xlsx(3) if name.endswith(".xlsx") else valid_csv())
    for at, chunk in splices:
        at %= len(data) or 1
        data[at : at + len(chunk)] = chunk
    read(bytes(data), name)


@pytest.mark.parametrize(("old", "new"), XML_MUTATIONS)
def test_each_attack_on_the_sheet_xml(old, new):
    """Every XML mutation applied alone to every part, so each one is certainly exercised."""
    source = zipfile.ZipFile(io.BytesIO(valid_xlsx()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.namelist():
            archive.writestr(part, source.read(part).replace(old, new))
    read(output.getvalue(), "学生.xlsx")
