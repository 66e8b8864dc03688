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

import re

import xlsxwriter

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
