"""Cell parsers for imports. Each takes the raw cell value and returns a Python value or raises CellError."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from emis.common.idnumbers import normalize_id_number


class CellError(Exception):
    """A cell's value cannot be used; the message says why, in Chinese."""


EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "无"}


def text(value) -> str:
    """A cell as trimmed text; integral floats from Excel lose their '.0' (codes typed as numbers)."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def parse_text(value) -> str:
    return text(value)


def parse_date(value) -> dt.date | None:
    """2014-09-01, 2014/9/1, 20140901, 2014年9月1日 and Excel date cells (or serial numbers)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 100000 and float(value).is_integer() and value > 10000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raw = text(value)
    else:
        raw = text(value)
    for pattern in DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(_("“{value}”不是有效日期。").format(value=raw)) from None
    raise CellError(_("日期“{value}”无法识别：请使用 2014-09-01、2014/9/1 或 20140901 格式。").format(value=raw))


def parse_bool(value) -> bool:
    raw = text(value).lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise CellError(_("“{value}”应填“是”或“否”。").format(value=text(value)))


def parse_optional_bool(value) -> bool | None:
    """是/否, or None for an empty cell, so that an importer can keep what is stored."""
    if value is None or text(value) == "":
        return None
    return parse_bool(value)


# A masked number as this system's exports show it to roles that may not see it in full (421224************).
MASK_CHARACTER = "*"


def parse_id_number(value) -> str:
    if value.__class__ is str:  # nearly every cell: ID numbers are text in both exports
        value = value.strip().upper()
    else:
        value = normalize_id_number(text(value))
    if MASK_CHARACTER in value:
        # Never matched nor written: a masked number names nobody (and must not replace the stored one).
        raise CellError(
            _("证件号已隐去部分数字（含“*”），不能用于导入：请用可查看完整证件号的账号导出，或填写完整号码。")
        )
    return value


def choice_parser(mapping: dict[str, str], label: str):
    """Parser accepting the Chinese labels (and the codes) of a choice set. A bad value's message lists the labels in
    the mapping's order (a choice set's own: 小班 … 一年级、二年级 …), never sorted by code point."""
    lookup = {str(key).strip(): code for key, code in mapping.items()}

    def parse(value):
        raw = text(value)
        if raw == "":
            return ""
        if raw in lookup:
            return lookup[raw]
        raise CellError(
            _("{label}“{value}”不在可选值中：{options}。").format(
                label=label, value=raw, options="、".join(k for k in mapping if not k.isascii())
            )
        )

    return parse


GENDER_VALUES = {"男": "1", "女": "2", "1": "1", "2": "2", "M": "1", "F": "2"}
parse_gender = choice_parser(GENDER_VALUES, "性别")
