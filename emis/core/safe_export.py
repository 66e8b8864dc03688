"""Spreadsheet output that writes data as data: the one way this project makes an xlsx workbook or a csv cell.

A name typed as ``=HYPERLINK("http://x","y")`` must reach the reader as that text, never as a formula Excel or WPS
evaluates (formula or CSV injection, OWASP). XlsxWriter by default turns strings starting with ``=`` into
formulas, strings that look like URLs into hyperlinks and (optionally) numeric strings into numbers, so every
workbook is made by ``safe_workbook`` with those conversions off. CSV has no cell types: a spreadsheet program
reads a cell starting with ``= + - @``, tab or carriage return as a formula, so ``csv_text`` prefixes such text
with a single quote, as OWASP advises. Numbers (and text that is just a signed number) are left as they are.

No Django import here: the admissions solver writes its files without Django loaded.
"""

from __future__ import annotations

import math
import re

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# The conversions that would let cell text become something other than text.
_TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_workbook(target, **options) -> xlsxwriter.Workbook:
    """An ``xlsxwriter.Workbook`` on ``target`` (a path or a binary file object) that writes strings as text.

    ``options`` are XlsxWriter's workbook options (``constant_memory=True``, ``in_memory=True``, ...); the three
    text conversions cannot be turned back on. Formulas the code writes itself (``write_formula``) still work."""
    unsafe = {name for name in _TEXT_AS_TEXT if options.get(name)}
    if unsafe:
        raise ValueError(f"safe_workbook keeps {', '.join(sorted(unsafe))} off")
    return xlsxwriter.Workbook(str(target) if hasattr(target, "__fspath__") else target, {**options, **_TEXT_AS_TEXT})


def csv_text(value):
    """A csv cell value that a spreadsheet program shows as the same text instead of evaluating it."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS) and not _SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values) -> list:
    return [csv_text(value) for value in values]


# Text rows in constant memory, fast ---------------------------------------------------------------------------

_EXCEL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")  # a literal "_x0041_" in a text keeps its meaning
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XML_SPECIAL = re.compile("[&<>]")
_LONG_TEXT = 8000  # longer texts go through XlsxWriter's own path (its 32,767-unit limit and truncation)


def _text_xml(value: str) -> str:
    if "_x" in value:
        value = _EXCEL_ESCAPE.sub(r"_x005F\1", value)
    if _CONTROL.search(value):
        value = _CONTROL.sub(lambda match: f"_x{ord(match.group(0)):04X}_", value)
    if _XML_SPECIAL.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


class TextRowWorksheet(Worksheet):
    """A worksheet with ``write_text_row``: one row of text and numbers written straight to the sheet's XML in
    constant_memory mode, about three times faster than ``write_row`` cell by cell (a county's pupils are 1.8 million
    cells). Every string is an inline string, escaped as XlsxWriter escapes one, so it is text whatever it holds
    (never a formula, a link or rich-text markup); numbers are numbers; None and "" leave the cell empty. Cells take
    their column's format (``set_column``). Outside constant_memory mode it is ``write_row``."""

    _columns: list[str] | None = None

    def write_text_row(self, row: int, values: list) -> int:
        if not values:
            return 0
        if not self.constant_memory or any(isinstance(v, str) and len(v) > _LONG_TEXT for v in values):
            return self.write_row(row, 0, values)
        last = len(values) - 1
        if self._check_dimensions(row, 0) or self._check_dimensions(row, last):
            return -1
        if row > self.previous_row:
            self._write_single_row(row)  # the rows XlsxWriter still holds (the header) go first
        if self._columns is None or len(self._columns) <= last:
            self._columns = [self._column_prefix(col) for col in range(len(values))]
        number = row + 1
        cells = [f'<row r="{number}">']
        append = cells.append
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                append(f'{self._columns[col]}{number}" t="inlineStr"><is><t{space}>{_text_xml(value)}</t></is></c>')
            elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                append(f'{self._columns[col]}{number}"><v>{value:.16G}</v></c>')
            else:
                append(f'{self._columns[col]}{number}" t="inlineStr"><is><t>{_text_xml(str(value))}</t></is></c>')
        append("</row>")
        self.fh.write("".join(cells))
        return 0

    def _column_prefix(self, col: int) -> str:
        """'<c s="3" r="B' for column 1: the cell's opening up to its row number (its column's format, if any)."""
        info = self.col_info.get(col)
        column_format = info.column_format if info is not None else None
        style = f' s="{column_format._get_xf_index()}"' if column_format is not None else ""
        return f'<c{style} r="{xl_col_to_name(col)}'
