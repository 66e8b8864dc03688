"""ID numbers in import reports and error workbooks: sealed at rest, opened and masked as the reader may see them.

A batch's report and its uploaded file hold ID numbers and 学籍号 in full: in the value of a rejected cell, in
the changes of a sample, in a reason, in any column of the file. Batches are read by roles that see ID numbers
masked (局领导, 督学, by settings EMIS_ROLES_SEEING_FULL_ID), so every value shown passes through here: cells
of the spec's sensitive columns are masked whatever they hold, and anything shaped like an ID number or a
学籍号 elsewhere (a reason, an unknown column, a note) is masked where it stands.

At rest the report holds none of them (issue 10, item 6): `seal_report` replaces the same values (the sensitive
columns' cells whatever they hold, anything ID-shaped anywhere else) by crypto's tokens, each between the marks
⟦ ⟧, when the batch's report is stored; `open_report` and `open_text` put the numbers back for display, before
any masking. The marks find a token inside a reason, and keep a cell that merely holds a "$" (or anything else a
file may say) from being taken for one: only what opens with a data key is opened, the rest is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from emis.common.idnumbers import mask_id_number
from emis.core import access, crypto

# 18-character ID numbers, with or without the G/J/L of a 学籍号, standing alone in a text.
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[GJLgjl]?\d{17}[\dXx](?![0-9A-Za-z])")


OPEN_MARK, CLOSE_MARK = "\u27e6", "\u27e7"  # ⟦ ⟧
SEALED = re.compile(OPEN_MARK + r"([A-Za-z0-9_-]{1,16}\$[A-Za-z0-9_-]{1,200})" + CLOSE_MARK)


def _is_id_number_cell(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e14


def _sealed(plain: str) -> str:
    return OPEN_MARK + crypto.encrypt(plain) + CLOSE_MARK


def _seal_text(value):
    if isinstance(value, str):
        return ID_LIKE.sub(lambda match: _sealed(match.group(0)), value)
    if _is_id_number_cell(value):
        return _sealed(str(int(value)))
    return value


def _seal_field(value):
    if value in (None, "") or (isinstance(value, str) and SEALED.fullmatch(value)):
        return value
    return _sealed(value if isinstance(value, str) else str(value))


def _open_token(match) -> str:
    try:
        return crypto.decrypt(match.group(1))
    except crypto.DecryptionError:
        return match.group(0)  # not one of ours (text of the file), or a key no longer configured


def open_text(value):
    """A stored text (a reason, a cell's value, the file's error) with its sealed numbers opened, unmasked."""
    if isinstance(value, str) and OPEN_MARK in value:
        return SEALED.sub(_open_token, value)
    return value


def _walk(value, convert):
    """convert() applied to every string and number in a JSON value, dictionary keys included."""
    if isinstance(value, dict):
        return {convert(key): _walk(item, convert) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item, convert) for item in value]
    return convert(value)


def _sensitive(spec) -> tuple[set[str], set[str]]:
    keys = sensitive_keys(spec) if spec is not None else set()
    headers = {column.header for column in getattr(spec, "columns", ()) if column.key in keys}
    return keys, headers


def seal_report(report: dict, spec=None) -> dict:
    """The report as it is stored: every ID number and 学籍号 in it sealed (see the module's docstring).

    Sealing an already sealed report changes nothing. A token is about 3.5 times the length of its number, so
    the stored report stays bounded by the engine's limits (rows, issues and samples kept, text clipped)."""
    if not report:
        return report
    keys, headers = _sensitive(spec)
    sealed = _walk(report, _seal_text)
    if "issues" in report:
        sealed["issues"] = [
            {
                **_walk(issue, _seal_text),
                "value": (_seal_field if issue.get("column") in headers else _seal_text)(issue.get("value")),
            }
            for issue in report.get("issues") or []
        ]
    if "samples" in report:
        sealed["samples"] = [
            {
                **_walk(sample, _seal_text),
                "changes": {
                    name: [(_seal_field if name in keys else _seal_text)(value) for value in values]
                    for name, values in (sample.get("changes") or {}).items()
                },
            }
            for sample in report.get("samples") or []
        ]
    return sealed


def reseal_report(report, current: str):
    """(report, tokens rewritten): every sealed number not under the data key `current` sealed again under it
    (emis rotate_data_key). A mark around something no key opens is text of the file, left as it is."""
    rewritten = 0

    def reseal(match):
        nonlocal rewritten
        token = match.group(1)
        if crypto.token_key_id(token) == current:
            return match.group(0)
        try:
            plain = crypto.decrypt(token)
        except crypto.DecryptionError:
            return match.group(0)
        rewritten += 1
        return _sealed(plain)

    def convert(value):
        return SEALED.sub(reseal, value) if isinstance(value, str) and OPEN_MARK in value else value

    return _walk(report, convert), rewritten


def open_report(report: dict) -> dict:
    """A stored report with its numbers opened, in full: only for report_for and the error workbook to mask."""
    return _walk(report, open_text) if report else report


def _mask_text(value):
    if isinstance(value, str):
        return ID_LIKE.sub(lambda match: mask_id_number(match.group(0)), value)
    if _is_id_number_cell(value):
        return mask_id_number(str(int(value)))  # an ID number typed into a number cell
    return value


def _mask_field(value):
    return mask_id_number(str(value)) if value not in (None, "") else value


def sensitive_keys(spec) -> set[str]:
    """Column keys (and model field names) of the spec that hold ID numbers."""
    model = getattr(spec, "model", None)
    return set(getattr(model, "sensitive_fields", ()) or ())


def report_for(user, report: dict, spec) -> dict:
    """The stored report as the user may read it: opened, and masked for roles that see ID numbers masked.
    Every page that shows a batch's report reads it through here."""
    report = open_report(report)
    if access.may_see_full_ids(user) or not report:
        return report
    keys, headers = _sensitive(spec)
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
    # A file without its header row makes its first row the "unknown columns".
    shown["unknown_columns"] = [_mask_text(name) for name in report.get("unknown_columns") or []]
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
    """mask(text) for stored text shown to the user (a reason in the error workbook, the batch's error): opened,
    then masked for roles that see ID numbers masked. Without a user, opened only (the command line's reader)."""
    if user is None or access.may_see_full_ids(user):
        return open_text
    return lambda value: _mask_text(open_text(value))
