"""Open an uploaded table file (.xlsx, .xls, .csv in UTF-8/UTF-8-BOM/GBK/GB18030) and stream its rows.

Everything that makes a file unusable as a whole is raised here as FileRejected with a Chinese
message: wrong type, empty, truncated, hidden sheets, merged or missing header cells, formula cells.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine
from django.utils.translation import gettext as _

from . import guard

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")
# A csv line longer than this is refused before the csv module splits it (a line of commas is a list of
# millions of cells otherwise).
MAX_CSV_LINE = 1 << 20


class FileRejected(Exception):
    """The file as a whole cannot be imported; nothing is read further and nothing is written."""


@dataclass
class TableFile:
    """A header row and an iterator over the data rows (each a list of cell values), 1-based row numbers."""

    file_format: str
    headers: list[str]
    rows: Iterator[tuple[int, list]]
    sheet_name: str = ""
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    total_hint: int = 0


def sniff_format(head: bytes, filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in (".xlsx", ".xls", ".csv", ".txt"):
        # A .docx or .zip starts like an .xlsx; name the real problem rather than a "damaged workbook".
        raise FileRejected(_("不支持的文件类型“{suffix}”：请上传 .xlsx、.xls 或 .csv 文件。").format(suffix=suffix))
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    if suffix in (".xlsx", ".xls"):
        raise FileRejected(
            _("文件“{name}”的扩展名是 {suffix}，但内容不是 Excel 工作簿（文件可能已损坏或上传不完整）。").format(
                name=filename, suffix=suffix
            )
        )
    if suffix in (".csv", ".txt") or not suffix:
        if b"\x00" in head[:4096]:
            raise FileRejected(_("文件“{name}”不是文本格式的 CSV 文件。").format(name=filename))
        return "csv"
    raise FileRejected(
        _("不支持的文件类型“{suffix}”：请上传 .xlsx、.xls 或 .csv 文件。").format(suffix=suffix or filename)
    )


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by a truncated upload still counts as UTF-8.
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        # Likewise the 1 MB sample (or a truncated upload) may end inside a two- or four-byte GBK character.
        if exc.start >= len(data) - 3 and exc.reason == "incomplete multibyte sequence":
            return "gb18030"
        raise FileRejected(_("无法识别 CSV 文件的字符编码：请另存为 UTF-8 或 GBK 编码。")) from exc


def _clean_header(value) -> str:
    return re.sub(r"\s+", "", str(value if value is not None else "")).replace("*", "")


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise FileRejected(_("第1行是空行：第1行必须是表头（列名）。"))


def open_table(path: str | Path, filename: str | None = None, *, max_rows: int | None = None) -> TableFile:
    path = Path(path)
    filename = filename or path.name
    if path.stat().st_size == 0:
        raise FileRejected(_("文件“{name}”是空文件。").format(name=filename))
    with open(path, "rb") as handle:
        head = handle.read(8192)
    file_format = sniff_format(head, filename)
    limits = guard.Limits.from_settings()
    # A workbook is parsed once, in the guard's child (guard.SheetStream), which streams its rows here; only an
    # .xlsx with the child switched off (EMIS_IMPORT_PROBE_XLSX) is opened in this process, after the scan.
    stream = None
    try:
        try:
            if file_format == "xls":
                guard.check_xls(path, limits)
            if _streamed(file_format, limits):
                stream = guard.SheetStream(path, file_format, limits)
            formulas = None
            if file_format == "xlsx":
                # The child and the archive scan read the file side by side (two cores); nothing of the child's is
                # read before the scan has passed the file.
                formulas = guard.check_xlsx(path, limits)
            meta = stream.meta() if stream is not None else None
        except guard.LimitExceeded as exc:
            raise FileRejected(_("文件“{name}”被拒绝：{reason}").format(name=filename, reason=exc)) from None
        if file_format == "csv":
            table = _open_csv(path, limits)
        elif stream is not None:
            table = _open_streamed(stream, meta, file_format, formulas, filename)
        else:
            table = _open_workbook(path, file_format, filename, formulas)
    except BaseException:
        if stream is not None:
            stream.stop()
        raise
    if max_rows is not None:
        table.rows = _limit_rows(table.rows, max_rows)
    return table


def _limit_rows(rows: Iterator[tuple[int, list]], max_rows: int) -> Iterator[tuple[int, list]]:
    for count, item in enumerate(rows, start=1):
        if count > max_rows:
            raise FileRejected(_("数据行超过上限 {limit} 行：请拆分文件后分批导入。").format(limit=max_rows))
        yield item


def _bounded_lines(text) -> Iterator[str]:
    while line := text.readline(MAX_CSV_LINE + 1):
        if len(line) > MAX_CSV_LINE:
            raise FileRejected(
                _("CSV 文件有一行超过 {limit} 个字符：文件格式异常，已拒绝。").format(limit=MAX_CSV_LINE)
            )
        yield line


def _bounded_rows(reader, limits: guard.Limits) -> Iterator[list]:
    for row in reader:
        if len(row) > limits.max_columns:
            raise FileRejected(
                _("CSV 文件第 {line} 行有 {n} 列，超过上限 {limit} 列。").format(
                    line=reader.line_num, n=len(row), limit=limits.max_columns
                )
            )
        yield row


def _open_csv(path: Path, limits: guard.Limits) -> TableFile:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    encoding = detect_encoding(sample)
    text = open(path, encoding=encoding, errors="strict", newline="")  # noqa: SIM115 (closed by the iterator)
    reader = _bounded_rows(csv.reader(_bounded_lines(text)), limits)
    try:
        header_row = next(reader)
    except StopIteration:
        text.close()
        raise FileRejected(_("文件没有内容。")) from None
    except UnicodeDecodeError as exc:
        text.close()
        raise FileRejected(_("文件字符编码不一致或文件不完整。")) from exc
    except (csv.Error, FileRejected) as exc:
        text.close()
        raise FileRejected(_("CSV 文件格式异常：{error}").format(error=exc)) from exc
    headers = [_clean_header(h) for h in header_row]
    _check_headers(headers)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for number, row in enumerate(reader, start=2):
                if any(cell.strip() for cell in row):
                    yield number, row
        except UnicodeDecodeError as exc:
            raise FileRejected(_("文件字符编码不一致或文件不完整（读到中途无法解码）。")) from exc
        except csv.Error as exc:
            raise FileRejected(_("CSV 文件格式异常：{error}").format(error=exc)) from exc
        finally:
            text.close()

    size = path.stat().st_size
    lines_in_sample = max(1, sample.count(b"\n"))
    estimate = int(size / max(1, len(sample) / lines_in_sample)) if size > len(sample) else lines_in_sample
    return TableFile(
        "csv", headers, rows(), encoding="GBK/GB18030" if encoding == "gb18030" else "UTF-8", total_hint=estimate
    )


def _xlsx_formula_sheets(path: Path) -> list[str]:
    """Names of worksheet parts holding formula cells (calamine reads only cached values)."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                with archive.open(name) as part:
                    tail = b""
                    while chunk := part.read(1 << 20):
                        window = tail + chunk
                        # Substring tests run at memchr speed; the regex runs only where a tag may be.
                        if (b"<f" in window or b":f" in window) and FORMULA_TAG.search(window):
                            found.append(name)
                            break
                        tail = chunk[-16:]
    return found


def _reraise_unless_parser_failure(exc: BaseException) -> None:
    """A Rust panic in calamine reaches Python as pyo3's PanicException, a BaseException: it is the file's
    fault, like any parse error. Interrupts and exits are not."""
    if isinstance(exc, Exception) or type(exc).__name__ == "PanicException":
        return
    raise exc


def _open_workbook(path: Path, file_format: str, filename: str, formulas: list | None = None) -> TableFile:
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, OSError, ValueError) as exc:
        raise FileRejected(_("无法读取文件“{name}”：文件已损坏或上传不完整。").format(name=filename)) from exc
    except BaseException as exc:  # calamine raises assorted errors on truncated archives, and a panic
        _reraise_unless_parser_failure(exc)
        raise FileRejected(_("无法读取文件“{name}”：文件已损坏或上传不完整。").format(name=filename)) from exc
    hidden = [m.name for m in workbook.sheets_metadata if m.visible != calamine.SheetVisibleEnum.Visible]
    if hidden:
        raise FileRejected(
            _("工作簿含有隐藏的工作表（{names}）：隐藏的数据不会被导入，请删除或取消隐藏后再上传。").format(
                names="、".join(hidden)
            )
        )
    visible = [m for m in workbook.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    if not visible:
        raise FileRejected(_("工作簿中没有工作表。"))
    if len(visible) > 1:
        raise FileRejected(_("工作簿有 {n} 个工作表：请只保留一个要导入的工作表。").format(n=len(visible)))
    if file_format == "xlsx":
        try:
            # The scan found them on its way (guard.check_xlsx); read here only when it did not run.
            if formulas if formulas is not None else _xlsx_formula_sheets(path):
                raise FileRejected(_("工作表含有公式单元格：请先“复制—选择性粘贴为数值”后再上传。"))
        except zipfile.BadZipFile as exc:
            raise FileRejected(_("无法读取文件“{name}”：文件已损坏或上传不完整。").format(name=filename)) from exc
    try:
        sheet = workbook.get_sheet_by_index(0)
        merged = sheet.merged_cell_ranges or []
    except BaseException as exc:
        _reraise_unless_parser_failure(exc)
        raise FileRejected(_("无法读取文件“{name}”：文件已损坏或上传不完整。").format(name=filename)) from exc
    if any(start[0] == 0 or end[0] == 0 for start, end in merged):
        raise FileRejected(_("表头（第1行）含有合并单元格：请取消合并，每列一个列名。"))
    try:
        iterator = iter(sheet.iter_rows())
        header_row = next(iterator)
    except StopIteration:
        raise FileRejected(_("工作表“{sheet}”没有内容。").format(sheet=sheet.name)) from None
    except BaseException as exc:
        _reraise_unless_parser_failure(exc)
        raise FileRejected(_("无法读取文件“{name}”：文件已损坏或上传不完整。").format(name=filename)) from exc
    headers = [_clean_header(h) for h in header_row]
    _check_headers(headers)
    warnings = []
    if merged:
        warnings.append(_("数据区含有合并单元格，合并区域只有左上角单元格有值。"))

    def rows() -> Iterator[tuple[int, list]]:
        for number, row in enumerate(iterator, start=2):
            # list.count runs in C; a row is blank when every cell is "" or None.
            if row.count("") + row.count(None) < len(row):
                yield number, row

    return TableFile(
        file_format,
        headers,
        rows(),
        sheet_name=sheet.name,
        warnings=warnings,
        total_hint=max(0, sheet.total_height - 1),
    )


def _streamed(file_format: str, limits: guard.Limits) -> bool:
    return file_format == "xls" or (file_format == "xlsx" and limits.probe_xlsx)


def _open_streamed(
    stream: guard.SheetStream, meta: dict, file_format: str, formulas: list | None, filename: str
) -> TableFile:
    """The checks of _open_workbook, on the shape the child reported (and the formula cells the scan found in an
    .xlsx); the rows come from the child's stream."""
    if meta["hidden"]:
        raise FileRejected(
            _("工作簿含有隐藏的工作表（{names}）：隐藏的数据不会被导入，请删除或取消隐藏后再上传。").format(
                names="、".join(meta["hidden"])
            )
        )
    if not meta["worksheets"]:
        raise FileRejected(_("工作簿中没有工作表。"))
    if meta["worksheets"] > 1:
        raise FileRejected(_("工作簿有 {n} 个工作表：请只保留一个要导入的工作表。").format(n=meta["worksheets"]))
    if formulas:
        raise FileRejected(_("工作表含有公式单元格：请先“复制—选择性粘贴为数值”后再上传。"))
    if meta["merged_header"]:
        raise FileRejected(_("表头（第1行）含有合并单元格：请取消合并，每列一个列名。"))
    if meta["header"] is None:
        raise FileRejected(_("工作表“{sheet}”没有内容。").format(sheet=meta["sheet"]))
    headers = [_clean_header(h) for h in meta["header"]]
    _check_headers(headers)
    warnings = []
    if meta["merged"]:
        warnings.append(_("数据区含有合并单元格，合并区域只有左上角单元格有值。"))

    def rows() -> Iterator[tuple[int, list]]:
        try:
            yield from stream.rows()
        except guard.LimitExceeded as exc:
            raise FileRejected(_("文件“{name}”被拒绝：{reason}").format(name=filename, reason=exc)) from None

    return TableFile(
        file_format,
        headers,
        rows(),
        sheet_name=meta["sheet"],
        warnings=warnings,
        total_hint=max(0, meta["total_height"] - 1),
    )


def read_bytes_as_table(data: bytes, filename: str, **kwargs) -> TableFile:
    """Convenience for tests: write bytes to a temporary file and open it."""
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=Path(filename).suffix, delete=False)  # noqa: SIM115
    handle.write(data)
    handle.close()
    return open_table(handle.name, filename, **kwargs)


__all__ = ["FileRejected", "TableFile", "detect_encoding", "open_table", "read_bytes_as_table", "sniff_format"]
