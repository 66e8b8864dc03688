"""A workbook parsed once, in the guard's child, its rows streamed to the importing process (ADR 0019).

The frames carry every kind of cell unchanged; a child that dies, is killed by its limits or writes anything but
well-formed frames makes the file refused at whatever row, and an import reading it writes nothing; the history and
the rollback of a streamed import are exact.

Some tests stand in for the child with a script that writes prepared bytes (guard.CHILD_SOURCE replaced): what a
compromised or broken child could send.
"""

from __future__ import annotations

import datetime as dt
import gc
import subprocess
import sys

import orjson
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.imports import guard, service, sheetchild
from emis.core.imports.engine import run_import
from emis.core.imports.reader import FileRejected, open_table
from emis.core.imports.registry import get_spec
from emis.core.models import ImportStatus, ObjectChange
from emis.students.models import Enrollment, SchoolClass, Student
from emis.testing import ROSTER_BIRTH, ROSTER_HEADER, roster_row

# A child that writes the bytes of the file it is given, then ends as the test says (argv: path, memory, format, cpu).
ECHO = """
import os, signal, sys
data = open(sys.argv[1], "rb").read()[4:]  # after the zip magic that lets the parent take the file for an .xlsx
body, _, ending = data.partition(b"\\n#ENDING ")
sys.stdout.buffer.write(body)
sys.stdout.buffer.flush()
ending = ending.strip()
if ending == b"kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif ending == b"memory":
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))
    hoard = bytearray(1 << 30)
elif ending == b"fail":
    sys.exit(1)
"""

ODD_TEXT = [
    "张三丰",
    "第一行\n第二行",
    "回车\r\n换行",
    '["end", 0]',
    '"]],[[',
    "\\n 不是换行",
    "\u2028\u2029",
    "#ENDING kill",
    "  前后空格  ",
    "𠀀𪚥",  # outside the BMP
]


def as_file(body: bytes, ending: str = "") -> bytes:
    """What ECHO reads: the zip magic (the parent takes the file for an .xlsx), the frames, how the child ends."""
    return b"PK\x03\x04" + body + (f"\n#ENDING {ending}\n".encode() if ending else b"")


def frame(*items) -> bytes:
    return orjson.dumps(list(items)) + b"\n"


def meta(height: int = 3, width: int = 2, **overrides) -> dict:
    values = {
        "extents": [[height, width]],
        "hidden": [],
        "worksheets": 1,
        "merged_header": False,
        "merged": False,
        "sheet": "Sheet1",
        "total_height": height,
        "header": ["a", "b"][:width],
    }
    values.update(overrides)
    return values


@pytest.fixture
def echo_child(monkeypatch, tmp_path):
    """Opens `body` (frames as the child would write them) through open_table, with the child replaced by ECHO."""
    monkeypatch.setattr(guard, "CHILD_SOURCE", ECHO)
    monkeypatch.setattr(guard, "check_xlsx", lambda path, limits: None)

    def open_frames(body: bytes, ending: str = "", *, name: str = "data.xlsx"):
        path = tmp_path / name
        path.write_bytes(as_file(body, ending))
        return open_table(path, name)

    return open_frames


def read_all(table) -> list:
    return list(table.rows)


def workbook(path, rows: list[list], header=("a", "b", "c")) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}))
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


def in_process(settings, path) -> list:
    """The same file read by calamine in this process (the child switched off): what the stream must equal."""
    settings.EMIS_IMPORT_PROBE_XLSX = False
    try:
        return read_all(open_table(path))
    finally:
        settings.EMIS_IMPORT_PROBE_XLSX = True


def typed(rows) -> list:
    return [(number, [(cell.__class__, cell) for cell in cells]) for number, cells in rows]


# Round trip -------------------------------------------------------------------------------------------------


def test_odd_cells_come_through_the_stream_as_calamine_reads_them(settings, tmp_path):
    rows = [[text, None, index] for index, text in enumerate(ODD_TEXT)]
    rows += [
        [dt.date(2018, 3, 4), dt.datetime(2020, 9, 1, 7, 30, 15), 0.1],
        [True, False, -12345678901],
        [1e300, -0.0, 3.0],
        ["", None, "x"],  # one cell holds a value: kept
        [None, None, None],  # blank: left out, as in process
        ["尾行", 42, "完"],
    ]
    path = tmp_path / "odd.xlsx"
    workbook(path, rows)
    settings.EMIS_IMPORT_PROBE_XLSX = True
    streamed = read_all(open_table(path))
    assert typed(streamed) == typed(in_process(settings, path))
    assert streamed[1][1][0] == "第一行\n第二行"
    assert streamed[len(ODD_TEXT)][1][:2] == [dt.date(2018, 3, 4), dt.datetime(2020, 9, 1, 7, 30, 15)]
    assert [number for number, _ in streamed][-1] == len(rows) + 1  # row numbers as in the sheet


def test_every_tagged_value_decodes_to_what_the_child_encoded():
    values = [
        dt.date(1999, 12, 31),
        dt.datetime(2021, 1, 2, 3, 4, 5, 6),
        dt.time(23, 59, 58, 999),
        dt.timedelta(days=10, seconds=54610, microseconds=7),
        dt.timedelta(days=-2, seconds=5),
        float("inf"),
        float("-inf"),
    ]
    for value in values:
        assert guard.decode_cell(*sheetchild.tagged(value)) == value
    nan = guard.decode_cell(*sheetchild.tagged(float("nan")))
    assert nan != nan  # noqa: PLR0124 (NaN is the one value unequal to itself)


def test_a_frame_of_tagged_cells_goes_through_the_parents_checks(echo_child):
    batch = [(2, ["文本", dt.date(2018, 3, 4)]), (4, [float("nan"), dt.timedelta(seconds=90)])]
    body = frame("meta", meta(height=4)) + sheetchild.rows_frame(orjson.dumps, batch) + frame("end", 2)
    rows = read_all(echo_child(body))
    assert rows[0] == (2, ["文本", dt.date(2018, 3, 4)])
    assert rows[1][0] == 4 and rows[1][1][0] != rows[1][1][0] and rows[1][1][1] == dt.timedelta(seconds=90)


def test_a_real_childs_frames_are_lines_of_json(tmp_path):
    path = tmp_path / "odd.xlsx"
    workbook(path, [[text, 1, dt.date(2018, 3, 4)] for text in ODD_TEXT])
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-c", guard.CHILD_SOURCE, str(path), str(2048 << 20), "xlsx", "60"],
        capture_output=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert [orjson.loads(line)[0] for line in lines] == ["meta", "rows", "end"]
    assert orjson.loads(lines[-1]) == ["end", len(ODD_TEXT)]


# A child that fails or lies ---------------------------------------------------------------------------------


GOOD = frame("meta", meta()) + frame("rows", [[2, ["x", 1]], [3, ["y", 2.5]]], []) + frame("end", 2)


def test_the_echo_child_reads_as_a_good_stream(echo_child):
    assert read_all(echo_child(GOOD)) == [(2, ["x", 1]), (3, ["y", 2.5])]


@pytest.mark.parametrize(
    "body",
    [
        b"not json\n",
        b'{"meta": 1}\n',
        frame("meta", meta())[:-1],  # no line end
        frame("hello", 1),
        frame("meta", meta()) + b'["rows", [[2, ["x", 1]]], []\n',  # cut JSON
        frame("meta", meta()) + frame("rows", [[2, ["x", 1]], [2, ["y", 1]]], []) + frame("end", 2),  # same row twice
        frame("meta", meta()) + frame("rows", [[3, ["x", 1]], [2, ["y", 1]]], []) + frame("end", 2),  # backwards
        frame("meta", meta()) + frame("rows", [[9, ["x", 1]]], []) + frame("end", 1),  # past the declared height
        frame("meta", meta()) + frame("rows", [[2, ["x", 1, 2]]], []) + frame("end", 1),  # wider than declared
        frame("meta", meta()) + frame("rows", [[2, ["x", {"a": 1}]]], []) + frame("end", 1),  # an object as a cell
        frame("meta", meta()) + frame("rows", [[2, ["x", [1]]]], []) + frame("end", 1),  # a list as a cell
        frame("meta", meta()) + frame("rows", [[True, ["x", 1]]], []) + frame("end", 1),  # a boolean row number
        frame("meta", meta()) + frame("rows", [[2, ["x", None]]], [[0, 1, "pickle", "x"]]) + frame("end", 1),
        frame("meta", meta()) + frame("rows", [[2, ["x", None]]], [[0, 1, "d", "2018-02-30"]]) + frame("end", 1),
        frame("meta", meta()) + frame("rows", [[2, ["x", None]]], [[1, 1, "d", "2018-02-03"]]) + frame("end", 1),
        frame("meta", meta()) + frame("rows", [[2, ["x", 5]]], [[0, 1, "d", "2018-02-03"]]) + frame("end", 1),
        frame("meta", meta()) + frame("rows", [[2, ["x", None]]], [[0, 1, "f", "1e5"]]) + frame("end", 1),
        frame("meta", meta()) + frame("rows", [[2, ["x", 1]]], []) + frame("end", 5),  # a count that does not add up
        GOOD + frame("rows", [[3, ["z", 1]]], []),  # anything after the end
        frame("meta", meta()) + frame("rows", [[2, ["x", 1]]], []),  # stops cleanly without its end
        frame("meta", {**meta(), "extents": [["3", 2]]}),
        frame("meta", {**meta(), "header": [1, 2]}),
        frame("meta", {**meta(), "extents": []}),  # one worksheet, but no extent for it
        frame("meta", {**meta(), "worksheets": 2}),
        frame("meta", meta()) + frame("meta", meta()),
    ],
)
def test_a_malformed_stream_refuses_the_file(echo_child, body):
    with pytest.raises(FileRejected) as caught:
        read_all(echo_child(body))
    assert "被拒绝" in str(caught.value) or "损坏" in str(caught.value)


def test_an_overlong_frame_is_refused_unread(echo_child, monkeypatch):
    monkeypatch.setattr(guard, "MAX_FRAME_BYTES", 200)
    body = frame("meta", meta()) + frame("rows", [[2, ["x" * 300, 1]]], []) + frame("end", 1)
    with pytest.raises(FileRejected, match="无法识别的数据"):
        read_all(echo_child(body))


def test_a_declared_extent_over_the_limits_is_refused_before_any_row(echo_child, settings):
    settings.EMIS_IMPORT_MAX_ROWS = 10
    with pytest.raises(FileRejected, match="超过上限 10 行"):
        echo_child(frame("meta", meta(height=500)) + frame("rows", [[2, ["x", 1]]], []) + frame("end", 1))


@pytest.mark.parametrize(("ending", "fragment"), [("kill", "内存上限"), ("memory", "内存上限"), ("fail", "损坏")])
def test_a_child_ending_mid_stream_refuses_the_file(echo_child, ending, fragment):
    body = frame("meta", meta()) + frame("rows", [[2, ["x", 1]]], [])
    table = echo_child(body, ending)
    rows = iter(table.rows)
    assert next(rows) == (2, ["x", 1])  # the first frame arrived before the child ended
    with pytest.raises(FileRejected, match=fragment):
        next(rows)


def test_a_child_that_dies_before_its_first_frame_refuses_the_file(echo_child):
    with pytest.raises(FileRejected, match="内存上限"):
        echo_child(b"", "kill")


@pytest.mark.parametrize("how", ["closed", "dropped"])
def test_a_stream_left_half_read_ends_its_child(echo_child, monkeypatch, how):
    children = []
    started = guard.SheetStream.__init__

    def spy(self, *args, **kwargs):
        started(self, *args, **kwargs)
        children.append(self.child)

    monkeypatch.setattr(guard.SheetStream, "__init__", spy)
    table = echo_child(GOOD)
    rows = iter(table.rows)
    next(rows)
    if how == "closed":
        rows.close()
    else:
        del rows, table
        gc.collect()
    assert children[0].poll() is not None


# Imports through the stream ---------------------------------------------------------------------------------

HEADER = ROSTER_HEADER


def pupil(n: int, *, gender: str = GENDER_MALE, name: str | None = None) -> list:
    """A roster row whose birth date is a date cell (the stream carries it tagged)."""
    return roster_row(n, gender=gender, name=name, birth_cell=ROSTER_BIRTH)


def child_frames(path) -> list[bytes]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-c", guard.CHILD_SOURCE, str(path), str(2048 << 20), "xlsx", "60"],
        capture_output=True,
        check=True,
    )
    return done.stdout.splitlines(keepends=True)


@pytest.mark.parametrize("ending", ["kill", "memory", "malformed"])
def test_an_import_whose_child_fails_after_rows_were_written_writes_nothing(county, tmp_path, monkeypatch, ending):
    admin = county.users[Role.ADMIN]
    source = tmp_path / "source.xlsx"
    workbook(source, [pupil(n) for n in range(6)], header=HEADER)
    meta_line, rows_line, _end = child_frames(source)
    body = meta_line + rows_line + (b'["rows", 5]\n' if ending == "malformed" else b"")
    fake = tmp_path / "stream.xlsx"
    fake.write_bytes(as_file(body, "" if ending == "malformed" else ending))
    monkeypatch.setattr(guard, "CHILD_SOURCE", ECHO)
    monkeypatch.setattr(guard, "check_xlsx", lambda path, limits: None)
    written = []
    spec = get_spec("students")
    write_chunk = spec.write_chunk

    def spy(rows, ctx):
        write_chunk(rows, ctx)
        written.append(len(rows))

    monkeypatch.setattr(spec, "write_chunk", spy)
    students, changes = Student.objects.count(), ObjectChange.objects.count()
    report = run_import(spec, fake, user=admin, school_year=2024, dry_run=False, chunk_size=2)
    assert sum(written) == 6  # every row was written before the stream failed
    assert report.file_error and not report.committed
    assert (Student.objects.count(), ObjectChange.objects.count()) == (students, changes)


def snapshot() -> dict:
    return {
        "students": sorted(Student.objects.values_list("pk", "name", "gender", "birth_date", "current_school_id")),
        "enrolments": sorted(
            Enrollment.objects.values_list("pk", "student_id", "school_id", "grade", "school_class_id", "is_current")
        ),
        "classes": sorted(SchoolClass.objects.values_list("pk", "school_id", "grade", "name")),
    }


def test_a_streamed_import_has_exact_history_and_rolls_back_exactly(county, tmp_path, monkeypatch):
    section = county.users[Role.SECTION]
    zhang = county.students["张三丰"]
    streamed = []
    rows_of = guard.SheetStream.rows

    def spy(self):
        streamed.append(self)
        return rows_of(self)

    monkeypatch.setattr(guard.SheetStream, "rows", spy)
    enrolment = county.enrollments["张三丰"]
    renamed = [
        enrolment.school.code,
        "一年级",
        enrolment.school_class.name,
        "张三峰",
        "男" if zhang.gender == GENDER_MALE else "女",
        zhang.birth_date,
        zhang.id_number,
        "",
    ]
    third = pupil(3)
    third[2] = "9班"  # a class that does not exist yet
    rows = [pupil(1), pupil(2, gender=GENDER_FEMALE, name="李新\n月"), third, renamed]
    path = tmp_path / "students.xlsx"
    workbook(path, rows, header=HEADER)
    before = snapshot()
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=False, acting_user=section
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert streamed, "the file was not read through the child's stream"
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"]) == (3, 1)
    assert Student.objects.get(pk=zhang.pk).name == "张三峰"
    assert Student.objects.filter(name="李新\n月").exists()
    history = ObjectChange.objects.filter(batch_id=batch.pk)
    created = {change.object_repr for change in history.filter(action="create", content_type__model="student")}
    assert created == {"新生1号", "李新\n月", "新生3号"}
    rename = history.get(action="update", content_type__model="student")
    assert (rename.object_id, rename.changes["name"]) == (zhang.pk, ["张三丰", "张三峰"])
    assert history.filter(action="create", content_type__model="schoolclass").count() == 1  # 9班

    service.import_batch_rollback(batch=batch, acting_user=section)
    assert snapshot() == before
