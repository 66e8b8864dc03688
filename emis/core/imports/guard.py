"""Limits a workbook must meet before calamine allocates anything for it.

calamine builds a dense grid spanning every cell it reads: one cell at XFD1048576 asks for 16384 x 1048576
slots (512 GB) and the allocation failure aborts the whole process, which no `except` can catch. So before
calamine sees an .xlsx, its zip directory and every XML part are checked here, streaming and without a DOM:
member count, declared and actual decompressed sizes, compression ratio, DTDs, the shared-string count
calamine reserves room for, the sheets' declared <dimension> and the extent of the cells themselves,
worked out the way calamine places them (cells and rows without an r attribute follow the previous one).
An .xls file is parsed whole by calamine as soon as it is opened, so it is bounded by its file size.

calamine itself runs only in a child process with a memory and CPU ceiling (SheetStream, ADR 0019): it parses
the workbook once and streams the rows here as JSON frames, each checked before use.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import subprocess
import sys
import weakref
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
READ_CHUNK = 1 << 20
# No legitimate start tag in a worksheet is this long; a longer one would make the scanner buffer grow.
MAX_TAG_BYTES = 64 * 1024

# The opening of a tag that decides where calamine puts cells; the rest of the tag is matched from there,
# with quoted attribute values (which may hold ">") as units, as quick-xml reads it. Each tag is matched
# once and the search goes on after its end, so the scan stays linear whatever the input.
TAG_NAME = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|dimension|sst)(?=[\s/>])")
TAG_REST = re.compile(rb"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
# The fast path, for parts where every cell names its position (Excel, WPS, xlsxwriter and openpyxl write
# <c r="..."): cell tags are counted and every r attribute in the part is taken into the extent, a superset
# of the cells calamine places. It uses only substring counts and literal-led patterns (C speed); anything
# unusual (prefixed or r-less cells, other spellings of r) sends the whole part through the exact scan.
WHITESPACE_TO_SPACE = bytes.maketrans(b"\t\n\r", b"   ")
UNUSUAL = (b"<c>", b"<c/", b":c ", b":c>", b":c/", b" r =", b" r= ", b" r='")
R_ROW = re.compile(rb' r="[A-Za-z]*([0-9]+)"')
R_COLUMN = re.compile(rb' r="([A-Za-z]+)')
RARE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(dimension|sst)(?=[\s/>])")
ATTR = re.compile(rb"\s(r|ref|uniqueCount)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


class LimitExceeded(Exception):
    """Raised with the Chinese message; reader.py turns it into FileRejected."""


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_columns: int
    max_cells: int
    max_unzipped_bytes: int
    max_zip_ratio: int
    max_zip_members: int
    probe_memory_bytes: int
    probe_xlsx: bool = True

    @classmethod
    def from_settings(cls) -> Limits:
        def setting(name: str, default: int) -> int:
            # The admissions solver also reads files through here, sometimes without Django settings.
            return getattr(settings, name, default) if settings.configured else default

        return cls(
            max_rows=setting("EMIS_IMPORT_MAX_ROWS", 2_000_000),
            max_columns=setting("EMIS_IMPORT_MAX_COLUMNS", 200),
            max_cells=setting("EMIS_IMPORT_MAX_CELLS", 5_000_000),
            max_unzipped_bytes=setting("EMIS_IMPORT_MAX_UNZIPPED_MB", 500) * MB,
            max_zip_ratio=setting("EMIS_IMPORT_MAX_ZIP_RATIO", 200),
            max_zip_members=setting("EMIS_IMPORT_MAX_ZIP_MEMBERS", 1000),
            probe_memory_bytes=setting("EMIS_IMPORT_PROBE_MEMORY_MB", 2048) * MB,
            probe_xlsx=bool(setting("EMIS_IMPORT_PROBE_XLSX", True)),
        )


def check_extent(limits: Limits, rows: int, columns: int, where: str) -> None:
    """`rows` counts the header row; the row limit is on data rows."""
    if rows - 1 > limits.max_rows:
        raise LimitExceeded(
            _("{where}有 {rows} 行数据，超过上限 {limit} 行：请拆分文件后分批导入。").format(
                where=where, rows=rows - 1, limit=limits.max_rows
            )
        )
    if columns > limits.max_columns:
        raise LimitExceeded(
            _("{where}有 {columns} 列，超过上限 {limit} 列：请删除多余的列后再上传。").format(
                where=where, columns=columns, limit=limits.max_columns
            )
        )
    if rows * columns > limits.max_cells:
        raise LimitExceeded(
            _("{where}有 {cells} 个单元格（{rows} 行 × {columns} 列），超过上限 {limit} 个：请拆分后分批导入。").format(
                where=where, cells=rows * columns, rows=rows, columns=columns, limit=limits.max_cells
            )
        )


def _damaged() -> LimitExceeded:
    return LimitExceeded(_("文件已损坏或上传不完整（工作簿的压缩结构无法读取）。"))


# .xlsx ----------------------------------------------------------------------------------------------------


def _central_directory_entries(handle) -> int:
    """Entry count from the end-of-central-directory record, read before zipfile builds one object per entry."""
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(max(0, size - 65_557))
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _damaged()
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return entries


def check_xlsx(path: Path, limits: Limits) -> list[str]:
    """Refuses the workbook (LimitExceeded) or returns the names of its worksheet parts holding formula cells,
    found on the way (calamine would read only their cached values)."""
    import zipfile

    with open(path, "rb") as handle:
        entries = _central_directory_entries(handle)
        if entries >= limits.max_zip_members:
            raise LimitExceeded(
                _("工作簿内含 {n} 个部件，超过上限 {limit} 个。").format(n=entries, limit=limits.max_zip_members)
            )
        try:
            archive = zipfile.ZipFile(handle)
        except Exception as exc:  # zipfile raises assorted errors on a damaged directory; all are the file's
            raise _damaged() from exc
        members = archive.infolist()
        if len(members) >= limits.max_zip_members:
            raise LimitExceeded(
                _("工作簿内含 {n} 个部件，超过上限 {limit} 个。").format(n=len(members), limit=limits.max_zip_members)
            )
        declared = sum(member.file_size for member in members)
        if declared > limits.max_unzipped_bytes:
            raise LimitExceeded(
                _("工作簿解压后有 {size} MB，超过上限 {limit} MB：请拆分文件后分批导入。").format(
                    size=declared // MB, limit=limits.max_unzipped_bytes // MB
                )
            )
        formulas = []
        for member in members:
            try:
                if _check_member(handle, member, limits):
                    formulas.append(member.filename)
            except (OSError, ValueError, OverflowError, EOFError, struct.error) as exc:
                raise _damaged() from exc
        return formulas


def _check_member(handle, member, limits: Limits) -> bool:
    """Scans one part; True when it is a worksheet holding formula cells."""
    import zipfile

    if member.flag_bits & 0x1:
        raise LimitExceeded(_("工作簿已加密：请取消密码保护后再上传。"))
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise LimitExceeded(_("工作簿使用了不支持的压缩方式。"))
    # Tiny parts compress far better than the ratio allows without being a threat; bombs are large.
    ratio = member.file_size / max(1, member.compress_size)
    if member.file_size > MB and ratio > limits.max_zip_ratio:
        raise LimitExceeded(
            _("工作簿的部件“{name}”压缩比为 {ratio}:1，超过上限 {limit}:1（疑似压缩炸弹）。").format(
                name=member.filename[:80], ratio=int(ratio), limit=limits.max_zip_ratio
            )
        )
    # calamine finds the sheet through the package's relationships, whatever its name: a part not named .xml
    # is scanned too when its content starts like XML (images and binaries do not).
    sniff = not member.filename.lower().endswith((".xml", ".rels"))
    scanner = _XmlScanner(member.filename, limits, sniff=sniff)
    try:
        _inflate(handle, member, scanner)
    except _NeedsExactScan:
        scanner = _XmlScanner(member.filename, limits, fast=False, sniff=sniff)
        _inflate(handle, member, scanner)
    return scanner.formulas


def _inflate(handle, member, scanner: _XmlScanner | None) -> None:
    import zipfile

    # The data is inflated here, from the offsets calamine's zip reader uses, rather than trusting the sizes
    # in the directory: a stream that inflates to more than it declares is refused, whatever its CRC says.
    handle.seek(member.header_offset)
    local = handle.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise _damaged()
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(member.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
    remaining, produced, crc = member.compress_size, 0, 0
    while remaining > 0:
        raw = handle.read(min(READ_CHUNK, remaining))
        if not raw:
            raise _damaged()
        remaining -= len(raw)
        pending = raw
        while pending:
            if inflater is None:
                data, pending = pending, b""
            else:
                try:
                    data = inflater.decompress(pending, READ_CHUNK)
                except zlib.error as exc:
                    raise _damaged() from exc
                pending = inflater.unconsumed_tail
            produced += len(data)
            if produced > member.file_size:
                raise LimitExceeded(
                    _("工作簿的部件“{name}”解压后比声明的大小更大（疑似压缩炸弹）。").format(name=member.filename[:80])
                )
            crc = zlib.crc32(data, crc)
            if scanner is not None:
                scanner.feed(data)
            if inflater is not None and inflater.eof:
                break
    if produced != member.file_size or crc != member.CRC or (inflater is not None and not inflater.eof):
        raise _damaged()
    if scanner is not None:
        scanner.close()


def _cell_position(ref: bytes) -> tuple[int, int | None] | None:
    """(row, column), 0-based, as calamine reads an A1 reference; None where calamine would fail."""
    match = re.fullmatch(rb"([A-Za-z]{0,7})([0-9]{1,9})", ref)
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + letter - 64
    row = int(match.group(2))
    if row == 0:
        return None
    return row - 1, (column - 1 if column else None)


class _NeedsExactScan(Exception):
    pass


class _XmlScanner:
    """Streams one XML part, tracking where calamine would put each cell and refusing what it must not read."""

    def __init__(self, name: str, limits: Limits, *, fast: bool = True, sniff: bool = False):
        self.fast = fast
        self.sniff = sniff
        self.off = False
        self.name = name
        self.limits = limits
        self.buffer = b""
        self.row = 0
        self.column = 0
        self.cells = 0
        self.min_row = self.min_column = None
        self.max_row = self.max_column = -1
        self.where = _("工作簿的部件“{name}”").format(name=name[:80])
        # Formula cells are looked for in the worksheet parts (as reader.py always has): a tag cut by a chunk's
        # end is kept whole for the next chunk (feed), so the pattern sees every tag.
        self.look_for_formulas = name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
        self.formulas = False

    def feed(self, data: bytes) -> None:
        if self.off:
            return
        if self.sniff:
            head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if not head:
                return
            self.sniff = False
            if head != b"<":
                self.off = True
                return
            data = data[data.index(b"<") :]
        buffer = self.buffer + data if self.buffer else data
        cut = buffer.rfind(b"<")
        if cut < 0 or buffer.find(b">", cut) >= 0:
            self._scan(buffer)
            self.buffer = b""
            return
        # The last tag is cut by the chunk boundary: keep it for the next chunk.
        self._scan(buffer[:cut])
        self.buffer = buffer[cut:]
        if len(self.buffer) > MAX_TAG_BYTES:
            raise LimitExceeded(_("{where}含有过长的 XML 标签。").format(where=self.where))

    def close(self) -> None:
        if self.off:
            return
        self._scan(self.buffer)
        self.buffer = b""
        self._check()

    def _scan(self, text: bytes) -> None:
        # A prefixed tag needs a colon: one memchr for it spares the two-byte searches in most chunks.
        colon = b":" in text
        if (
            self.look_for_formulas
            and not self.formulas
            and (b"<f" in text or (colon and b":f" in text))
            and FORMULA_TAG.search(text)
        ):
            self.formulas = True
        if DTD.search(text):
            raise LimitExceeded(
                _("{where}含有 DOCTYPE 或实体声明：工作簿不应包含这类内容，已拒绝。").format(where=self.where)
            )
        if self.fast:
            self._scan_fast(text, colon)
        else:
            self._scan_exact(text)

    def _scan_fast(self, text: bytes, colon: bool = True) -> None:
        text = text.translate(WHITESPACE_TO_SPACE)
        cells = text.count(b'<c r="')
        # Two counts settle most chunks; the slower look for unusual forms runs only where they differ
        # (a chunk holding <cols>, <conditionalFormatting>, or a text " r").
        if (
            text.count(b"<c") != cells or text.count(b" r") != text.count(b' r="') or (colon and b":c" in text)
        ) and any(form in text for form in UNUSUAL):
            raise _NeedsExactScan
        if text.count(b"<c ") != cells:
            raise _NeedsExactScan
        if b"dimension" in text or b"sst" in text:
            for match in RARE_TAG.finditer(text):
                self._element(match.group(1), self._attributes(text, match))
        rows = R_ROW.findall(text)
        if len(rows) != text.count(b' r="'):
            raise _NeedsExactScan
        if not rows:
            return
        row_numbers = [int(digits) for digits in set(rows)]
        if min(row_numbers) == 0:
            raise _NeedsExactScan
        column_numbers = []
        for letters in set(R_COLUMN.findall(text)):
            number = 0
            for letter in letters.upper():
                number = number * 26 + letter - 64
            column_numbers.append(number - 1)
        self.cells += cells
        first_row, last_row = min(row_numbers) - 1, max(row_numbers) - 1
        self.min_row = first_row if self.min_row is None else min(self.min_row, first_row)
        self.max_row = max(self.max_row, last_row)
        first, last = (min(column_numbers), max(column_numbers)) if column_numbers else (0, 0)
        self.min_column = first if self.min_column is None else min(self.min_column, first)
        self.max_column = max(self.max_column, last)
        self._check()

    def _scan_exact(self, text: bytes) -> None:
        position = 0
        while match := TAG_NAME.search(text, position):
            rest = TAG_REST.match(text, match.end(), min(len(text), match.end() + MAX_TAG_BYTES))
            if rest is None:
                raise LimitExceeded(_("{where}的 XML 结构异常（标签不完整或过长）。").format(where=self.where))
            position = rest.end()
            closing, element = match.group(1), match.group(2)
            if closing:
                if element == b"row":
                    self.row += 1
                    self.column = 0
                continue
            attributes = text[match.end() : position - 1]
            refs = self._refs(attributes)
            self_closing = attributes.endswith(b"/")
            if element == b"c":
                ref = refs.get(b"r")
                if ref is not None:
                    cell = _cell_position(ref.strip())
                    if cell is None or cell[1] is None:
                        raise LimitExceeded(
                            _("{where}含有无效的单元格引用“{ref}”。").format(
                                where=self.where, ref=ref[:20].decode("latin-1")
                            )
                        )
                    row, column = cell
                else:
                    row, column = self.row, self.column
                # calamine keeps only cells with a value; an empty element <c .../> never has one.
                if not self_closing:
                    self._cell(row, column)
                self.column = column + 1
            elif element == b"row":
                ref = refs.get(b"r")
                if ref is not None:
                    cell = _cell_position(ref.strip())
                    if cell is None:
                        raise LimitExceeded(
                            _("{where}含有无效的行号“{ref}”。").format(where=self.where, ref=ref[:20].decode("latin-1"))
                        )
                    self.row = cell[0]
                if self_closing:
                    self.row += 1
                    self.column = 0
            else:
                self._element(element, attributes)

    def _attributes(self, text: bytes, match) -> bytes:
        rest = TAG_REST.match(text, match.end(), min(len(text), match.end() + MAX_TAG_BYTES))
        if rest is None:
            raise LimitExceeded(_("{where}的 XML 结构异常（标签不完整或过长）。").format(where=self.where))
        return text[match.end() : rest.end() - 1]

    def _refs(self, attributes: bytes) -> dict:
        refs = {}
        for match in ATTR.finditer(attributes):
            # Readers disagree on which of two same-named attributes counts (calamine takes the first here,
            # the last there), so a repeated one is refused rather than guessed.
            if match.group(1) in refs:
                raise LimitExceeded(_("{where}的 XML 标签含有重复的属性。").format(where=self.where))
            refs[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
        return refs

    def _element(self, element: bytes, attributes: bytes) -> None:
        refs = self._refs(attributes)
        if element == b"dimension":
            self._dimension(refs.get(b"ref") or b"")
        elif element == b"sst":
            count = refs.get(b"uniqueCount") or b""
            # calamine reserves room for this many strings before reading one.
            if count.isdigit() and int(count) > self.limits.max_cells:
                raise LimitExceeded(
                    _("工作簿声明了 {n} 个不同的文本，超过上限 {limit} 个。").format(
                        n=int(count), limit=self.limits.max_cells
                    )
                )

    def _cell(self, row: int, column: int) -> None:
        self.cells += 1
        self.min_row = row if self.min_row is None else min(self.min_row, row)
        self.min_column = column if self.min_column is None else min(self.min_column, column)
        self.max_row = max(self.max_row, row)
        self.max_column = max(self.max_column, column)
        if self.cells & 0xFFFF == 0 or row >= EXCEL_MAX_ROWS or column >= EXCEL_MAX_COLUMNS:
            self._check()

    def _check(self) -> None:
        if self.min_row is None:
            return
        if self.cells > self.limits.max_cells:
            raise LimitExceeded(
                _("{where}的单元格超过上限 {limit} 个：请拆分文件后分批导入。").format(
                    where=self.where, limit=self.limits.max_cells
                )
            )
        rows = self.max_row - self.min_row + 1
        columns = self.max_column - self.min_column + 1
        if self.max_row >= EXCEL_MAX_ROWS or self.max_column >= EXCEL_MAX_COLUMNS:
            raise LimitExceeded(_("{where}含有超出 Excel 范围的单元格。").format(where=self.where))
        check_extent(self.limits, rows, columns, _("工作表"))

    def _dimension(self, ref: bytes) -> None:
        parts = [_cell_position(part.strip()) for part in ref.split(b":")]
        if not ref or len(parts) > 2 or any(p is None or p[1] is None for p in parts):
            raise LimitExceeded(
                _("{where}声明的范围“{ref}”无效。").format(where=self.where, ref=ref[:40].decode("latin-1"))
            )
        (first_row, first_column), (last_row, last_column) = parts[0], parts[-1]
        rows = abs(last_row - first_row) + 1
        columns = abs(last_column - first_column) + 1
        check_extent(self.limits, rows, columns, _("工作表声明的范围（{ref}）").format(ref=ref.decode("latin-1")))


# .xls -----------------------------------------------------------------------------------------------------


def check_xls(path: Path, limits: Limits) -> None:
    """An .xls is parsed whole as soon as calamine opens it: bounded by its size here, then opened only in the
    guard's child (SheetStream), under a memory ceiling."""
    size = path.stat().st_size
    if size > limits.max_unzipped_bytes:
        raise LimitExceeded(
            _(".xls 文件有 {size} MB，超过上限 {limit} MB：请另存为 .xlsx 或拆分后分批导入。").format(
                size=size // MB, limit=limits.max_unzipped_bytes // MB
            )
        )


# The child: one process opens and parses the workbook, once ----------------------------------------------

CHILD_SOURCE = (Path(__file__).with_name("sheetchild.py")).read_text(encoding="utf-8")
# The frames' bounds (emis.core.imports.sheetchild writes them): a longer line is refused unread.
MAX_FRAME_BYTES = 64 << 20
META_TIMEOUT_SECONDS = 300
PIPE_BYTES = 4 << 20
CHILD_CPU_SECONDS = 120  # CPU time: a child waiting for the worker to take its rows spends none
PLAIN_CELLS = frozenset((str, int, float, bool, type(None)))
NON_FINITE = frozenset(("nan", "inf", "-inf"))


def _microseconds(text: str) -> dt.timedelta:
    if not text.lstrip("-").isdigit() or len(text) > 24:
        raise ValueError(text)
    return dt.timedelta(microseconds=int(text))


def _non_finite(text: str) -> float:
    if text not in NON_FINITE:
        raise ValueError(text)
    return float(text)


CELL_DECODERS = {
    "d": dt.date.fromisoformat,
    "dt": dt.datetime.fromisoformat,
    "t": dt.time.fromisoformat,
    "td": _microseconds,
    "f": _non_finite,
    "s": str,
}


class MalformedStream(LimitExceeded):
    """The child wrote something that is not a well-formed frame: the file is refused, nothing is taken from it."""


def _malformed() -> MalformedStream:
    return MalformedStream(_("读取工作簿的子进程返回了无法识别的数据，已拒绝该文件。"))


def decode_cell(tag, text):
    """A tagged cell of a "rows" frame (sheetchild.tagged), as calamine gave it to the child."""
    decoder = CELL_DECODERS.get(tag) if tag.__class__ is str else None
    if decoder is None or text.__class__ is not str or len(text) > 64 and tag != "s":
        raise _malformed()
    try:
        return decoder(text)
    except (ValueError, OverflowError) as exc:
        raise _malformed() from exc


def _widen_pipe(pipe) -> None:
    """Room in the pipe for a few frames (64 KB by default on Linux): the child writes ahead while the worker is
    busy, and the two are not woken for every 64 KB (on a machine whose other core is taken, each wake-up waits
    for a time slice)."""
    import fcntl

    try:
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, min(limit, PIPE_BYTES))
    except (OSError, ValueError, AttributeError):  # another system, or a lower limit: the default pipe works too
        pass


def _end_child(child: subprocess.Popen, stderr) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    if child.stdout is not None:
        child.stdout.close()
    stderr.close()


class SheetStream:
    """The workbook opened and parsed once, in a child process under resource limits (address space, CPU), its
    rows streamed to this process as JSON frames (emis.core.imports.sheetchild) and read lazily: the child parses
    ahead while this process checks and writes the rows already read, on the other core.

    Every frame is checked before anything in it is used (shape, types, row numbers within the extent the
    child declared and this process accepted, cell counts); a child that dies, is killed by its limits or
    writes anything else makes the file refused, at whatever row, so the import writing it rolls back."""

    def __init__(self, path: Path, file_format: str, limits: Limits):
        import tempfile

        self.limits = limits
        # stderr to a file, not a pipe: a child writing much there could never block on it while this
        # process waits for its rows.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self.child = subprocess.Popen(  # noqa: S603 (our own interpreter and code; the path is an argument)
            [
                sys.executable,
                "-I",
                "-c",
                CHILD_SOURCE,
                str(path),
                str(limits.probe_memory_bytes),
                file_format,
                str(CHILD_CPU_SECONDS),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=1 << 20,
        )
        self.height = self.width = 0
        _widen_pipe(self.child.stdout)
        # However the stream is left (rows never asked for, an iterator dropped half way), the child ends with it.
        self._finalizer = weakref.finalize(self, _end_child, self.child, self._stderr)

    def stop(self) -> None:
        """End the child (killed when still running) and release its pipe and file; safe to call again."""
        self._finalizer()

    def _frame(self):
        line = self.child.stdout.readline(MAX_FRAME_BYTES + 1)
        if not line:
            return None
        if len(line) > MAX_FRAME_BYTES or not line.endswith(b"\n"):
            raise _malformed()
        import orjson

        try:
            frame = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise _malformed() from exc
        if frame.__class__ is not list or not frame or frame[0] not in ("meta", "rows", "end"):
            raise _malformed()
        return frame

    def _failure(self) -> Exception:
        """Why the child stopped writing before its last frame."""
        try:
            self.child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read()
        if self.child.returncode < 0 or b"memory allocation" in stderr or b"MemoryError" in stderr:
            # Killed by a signal: calamine aborted on a failed allocation, or the CPU limit ran out.
            return LimitExceeded(_("读取工作簿时超出内存上限：文件过大或结构异常，已拒绝。"))
        if b"ModuleNotFoundError" in stderr:
            return RuntimeError(f"the workbook reader cannot start: {stderr[-300:]!r}")
        if self.child.returncode == 0:
            return _malformed()  # ended cleanly without its last frame
        return LimitExceeded(_("无法读取工作簿：文件已损坏或上传不完整。"))

    def meta(self) -> dict:
        """The workbook's shape, once the child has parsed it: every worksheet's extent is checked here against
        the limits (as the probe did) before any row is read."""
        import select

        ready, _w, _x = select.select([self.child.stdout], [], [], META_TIMEOUT_SECONDS)
        if not ready:
            self.stop()
            raise LimitExceeded(_("读取工作簿超时：文件过大或结构异常。"))
        frame = self._frame()
        if frame is None:
            raise self._failure()
        if frame[0] != "meta" or len(frame) != 2 or frame[1].__class__ is not dict:
            raise _malformed()
        meta = frame[1]
        extents = meta.get("extents")
        if extents.__class__ is not list:
            raise _malformed()
        for extent in extents:
            if extent.__class__ is not list or len(extent) != 2 or any(n.__class__ is not int or n < 0 for n in extent):
                raise _malformed()
            check_extent(self.limits, extent[0], extent[1], _("工作表"))
        if meta.get("hidden").__class__ is not list or not all(n.__class__ is str for n in meta["hidden"]):
            raise _malformed()
        if meta.get("worksheets").__class__ is not int or meta["worksheets"] != len(extents):
            raise _malformed()
        if extents and not meta["hidden"] and meta["worksheets"] == 1:
            header = meta.get("header")
            if (
                meta.get("merged_header").__class__ is not bool
                or meta.get("merged").__class__ is not bool
                or meta.get("sheet").__class__ is not str
                or meta.get("total_height").__class__ is not int
                or not (header is None or header.__class__ is list)
                or (header is not None and not all(h is None or h.__class__ is str for h in header))
                or (header is not None and len(header) > extents[0][1])
            ):
                raise _malformed()
            self.height, self.width = extents[0]
        return meta

    def rows(self):
        """(row number, cells) of every data row, read frame by frame as the caller asks for them; the child is
        stopped however the caller ends (exhausted, an exception, or closing the iterator early)."""
        try:
            yield from self._rows()
        finally:
            self.stop()

    def _rows(self):
        last, count, allowed = 1, 0, PLAIN_CELLS.issuperset
        height, width = self.height, self.width
        while True:
            frame = self._frame()
            if frame is None:
                raise self._failure()
            if frame[0] == "end":
                if len(frame) != 2 or frame[1] != count or self._frame() is not None:
                    raise _malformed()
                self.child.wait()
                if self.child.returncode != 0:
                    raise self._failure()
                return
            if frame[0] != "rows" or len(frame) != 3:
                raise _malformed()
            items, typed = frame[1], frame[2]
            if items.__class__ is not list or typed.__class__ is not list:
                raise _malformed()
            for item in items:
                if item.__class__ is not list or len(item) != 2:
                    raise _malformed()
                number, cells = item
                if (
                    number.__class__ is not int
                    or not last < number <= height + 1
                    or cells.__class__ is not list
                    or len(cells) > width
                    or not allowed(map(type, cells))
                ):
                    raise _malformed()
                last = number
            for entry in typed:
                if entry.__class__ is not list or len(entry) != 4:
                    raise _malformed()
                index, column, tag, text = entry
                if (
                    index.__class__ is not int
                    or column.__class__ is not int
                    or not 0 <= index < len(items)
                    or not 0 <= column < len(items[index][1])
                    or items[index][1][column] is not None
                ):
                    raise _malformed()
                items[index][1][column] = decode_cell(tag, text)
            count += len(items)
            for number, cells in items:
                yield number, cells
