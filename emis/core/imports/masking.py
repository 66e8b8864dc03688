"""ID numbers in import reports and error workbooks, as the reader's role may see them.

A batch's report and its uploaded file hold ID numbers and 学籍号 in full: in the value of a rejected cell, in
the changes of a sample, in a reason, in any column of the file. Batches are read by roles that see ID numbers
masked (局领导, 督学, by settings EMIS_ROLES_SEEING_FULL_ID), so every value shown passes through here: cells
of the spec's sensitive columns are masked whatever they hold, and anything shaped like an ID number or a
学籍号 elsewhere (a reason, an unknown column, a note) is masked where it stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from emis.common.idnumbers import mask_id_number
from emis.core import access

# 18-character ID numbers, with or without the G/J/L of a 学籍号, standing alone in a text.
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[GJLgjl]?\d{17}[\dXx](?![0-9A-Za-z])")


def _mask_text(value):
    if isinstance(value, str):
        return ID_LIKE.sub(lambda match: mask_id_number(match.group(0)), value)
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e14:
        return mask_id_number(str(int(value)))  # an ID number typed into a number cell
    return value


def _mask_field(value):
    return mask_id_number(str(value)) if value not in (None, "") else value


def sensitive_keys(spec) -> set[str]:
    """Column keys (and model field names) of the spec that hold ID numbers."""
    model = getattr(spec, "model", None)
    return set(getattr(model, "sensitive_fields", ()) or ())


def report_for(user, report: dict, spec) -> dict:
    """The report as the user may read it: unchanged for roles that see ID numbers, masked for the rest."""
    if access.may_see_full_ids(user) or not report:
        return report
    keys = sensitive_keys(spec)
    headers = {column.header for column in spec.columns if column.key in keys}
    shown = dict(report)
    shown["issues"] = [
        {
            **issue,
            "value": (_mask_field if issue.get("column") in headers else _mask_text)(issue.get("value")),
            "reason": _mask_text(issue.get("reason")),
        }
        for issue in report.get("issues") or []
    ]
    shown["samples"] = [
        {
            **sample,
            "changes": {
                name: [(_mask_field if name in keys else _mask_text)(value) for value in values]
                for name, values in (sample.get("changes") or {}).items()
            },
        }
        for sample in report.get("samples") or []
    ]
    shown["rejected_rows"] = {row: _mask_text(reason) for row, reason in (report.get("rejected_rows") or {}).items()}
    shown["file_warnings"] = [_mask_text(warning) for warning in report.get("file_warnings") or []]
    shown["file_error"] = _mask_text(report.get("file_error") or "")
    return shown


def cell_masker(user, spec, headers: list) -> Callable[[int, object], object]:
    """mask(position, value) for the cells of an uploaded file shown back to the user (the error workbook)."""
    if access.may_see_full_ids(user):
        return lambda _position, value: value
    from .engine import normalise_header

    keys = sensitive_keys(spec)
    index = spec.header_index()
    sensitive = {
        position
        for position, header in enumerate(headers)
        if header and (column := index.get(normalise_header(header))) is not None and column.key in keys
    }

    def mask(position: int, value):
        if position in sensitive:
            return _mask_field(value if not hasattr(value, "isoformat") else value.isoformat())
        return _mask_text(value)

    return mask


def text_masker(user) -> Callable[[object], object]:
    """mask(text) for free text shown to the user (a reason in the error workbook)."""
    return (lambda value: value) if access.may_see_full_ids(user) else _mask_text
