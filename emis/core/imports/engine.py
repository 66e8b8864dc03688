"""Run an import: map headers, parse and check every row, report, and commit atomically.

The engine knows nothing of students or schools. A domain app supplies an ImportSpec whose
`check_chunk` classifies parsed rows (new / changed / unchanged, with issues) against the database
and whose `write_chunk` writes them. Rows stream through in chunks, so a million-row file is never
held in memory; the commit runs in one transaction, so one rejected row anywhere writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import audit_context, record_event
from emis.core.bulk import IndexesSetAside, analyze_tables
from emis.core.crypto import blind_indexes_remembered
from emis.core.gcpause import young_garbage_collection_only
from emis.core.models import ChangeSource, ImportBatch, ImportStatus, ObjectChange
from emis.core.stages import timed

from .cells import CellError, parse_text, text
from .reader import FileRejected, open_table

NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"
SAMPLE_LIMIT = 200
# The mark ending the header of a read-only column that an export writes after the template's columns
# (emis.core.exports): the importer skips such columns without reporting them as unknown.
READ_ONLY_MARK = "（只读）"


@dataclass
class Column:
    """One importable column: its Chinese header, accepted aliases, and how a cell becomes a value."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Callable = parse_text
    note: str = ""
    example: str = ""


@dataclass
class Issue:
    row: int
    column: str
    value: str
    reason: str
    level: str = "error"


@dataclass
class Row:
    """A parsed data row: values by column key, its issues, and how it compares with the database."""

    number: int
    raw: list
    values: dict
    issues: list[Issue] = field(default_factory=list)
    action: str = ""
    changes: dict = field(default_factory=dict)
    payload: object = None

    @property
    def rejected(self) -> bool:
        return any(issue.level == "error" for issue in self.issues)

    def error(self, column: str, reason: str, value="") -> None:
        self.issues.append(Issue(self.number, str(column), text(value), str(reason)))

    def warn(self, column: str, reason: str, value="") -> None:
        self.issues.append(Issue(self.number, str(column), text(value), str(reason), "warning"))


class ImportSpec:
    """Subclass per import kind. `check_chunk` and `write_chunk` receive whole chunks to keep SQL set-based."""

    kind = ""
    label = ""
    # The blank template's name as a clerk sees it (the link and the downloaded file, without ".xlsx");
    # "<label>导入模板" unless the kind names it.
    template_name = ""
    model = None
    # Tables whose planner statistics the engine refreshes as a large import grows them (PostgreSQL).
    written_models: tuple = ()
    columns: list[Column] = []

    @classmethod
    def template_title(cls) -> str:
        return str(cls.template_name or _("{label}导入模板").format(label=cls.label))

    def begin(self, ctx: ImportContext) -> None:
        """Load lookups that fit in memory (schools in scope, divisions) before the first chunk."""

    def check_chunk(self, rows: list[Row], ctx: ImportContext) -> None:
        raise NotImplementedError

    def write_chunk(self, rows: list[Row], ctx: ImportContext) -> None:
        raise NotImplementedError

    # Export (emis.core.exports): the list's rows written as this template's columns, so that an exported file can be
    # corrected and imported back. `export_extras` are (key, header) of read-only columns written after them.
    export_extras: tuple[tuple[str, str], ...] = ()

    def export_chunks(self, queryset, *, user, options: dict) -> Iterator[list[dict]]:
        """Chunks of rows of `queryset` (the list's scoped, filtered rows), each {column or extra key: value}.

        Values are written as the importer reads them: choice labels, codes, dates and booleans as they are (the
        writer turns them into 2014-09-01 and 是/否); ID numbers in full (the writer masks them for the user).
        `options` holds what the list's filters say beyond the rows (the school year). None: not exportable."""
        raise NotImplementedError

    def export_options(self, filter_data) -> dict:
        """What the export needs besides the rows, read from the list's filter parameters (a school year)."""
        return {}

    def header_index(self) -> dict[str, Column]:
        index = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                index[normalise_header(name)] = column
        return index


def is_read_only_header(name) -> bool:
    """A column an export added after the template's (marked 「（只读）」): ignored on import, and not reported."""
    return isinstance(name, str) and name.strip().endswith(READ_ONLY_MARK)


def normalise_header(name: str) -> str:
    return "".join(str(name).split()).replace("*", "").lower()


@dataclass
class ImportContext:
    user: object
    school_year: int | None
    dry_run: bool
    batch: ImportBatch | None = None
    cache: dict = field(default_factory=dict)
    seen_keys: set = field(default_factory=set)


@dataclass
class ImportReport:
    kind: str
    file_name: str
    sha256: str
    dry_run: bool
    counts: dict = field(default_factory=lambda: {NEW: 0, CHANGED: 0, UNCHANGED: 0, REJECTED: 0, "warnings": 0})
    issues: list[Issue] = field(default_factory=list)
    issue_total: int = 0
    samples: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    file_warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    rows_total: int = 0
    duration_seconds: float = 0.0
    committed: bool = False
    batch_id: int | None = None
    rejected_rows: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.file_error and self.counts[REJECTED] == 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "counts": self.counts,
            "issues": [issue.__dict__ for issue in self.issues],
            "issue_total": self.issue_total,
            "samples": self.samples,
            "unknown_columns": self.unknown_columns,
            "file_warnings": self.file_warnings,
            "file_error": self.file_error,
            "rows_total": self.rows_total,
            "duration_seconds": round(self.duration_seconds, 3),
            "committed": self.committed,
            # Reasons per rejected row feed the downloadable error workbook; _tally keeps the first few.
            "rejected_rows": {str(k): v for k, v in self.rejected_rows.items()},
            "rejected_rows_omitted": max(0, self.counts[REJECTED] - len(self.rejected_rows)),
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def map_headers(headers: list[str], spec: ImportSpec) -> tuple[dict[str, int], list[str]]:
    """Column key -> position; unknown headers are returned (ignored but reported)."""
    index = spec.header_index()
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        if not header or is_read_only_header(header):
            continue
        column = index.get(normalise_header(header))
        if column is None:
            unknown.append(header)
        elif column.key in positions:
            raise FileRejected(_("列“{header}”出现了不止一次。").format(header=header))
        else:
            positions[column.key] = position
    missing = [c.header for c in spec.columns if c.required and c.key not in positions]
    if missing:
        raise FileRejected(_("缺少必需的列：{columns}。请下载模板核对表头。").format(columns="、".join(missing)))
    return positions, unknown


class _BadCell:
    """A cell's parse failure, kept in the per-chunk memo like a parsed value."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


# Cells that key a memo as they are: a text equals only the same text, None only None (unlike True, 1 and 1.0).
_TEXT_OR_BLANK = frozenset((str, type(None)))


def parse_chunk(chunk: list[tuple[int, list]], positions: dict[str, int], spec: ImportSpec) -> list[Row]:
    """Parse a chunk column by column. Most columns repeat few values (school, grade, class, gender,
    status, dates), so each distinct cell is parsed once per chunk and the result reused; rows are
    visited again only in a column that holds a bad or missing value."""
    rows = [Row(number=number, raw=raw, values={}) for number, raw in chunk]
    width = max(positions.values(), default=-1) + 1
    raws = [raw if len(raw) >= width else [*raw, *([None] * (width - len(raw)))] for _, raw in chunk]
    by_position = list(zip(*raws, strict=False)) if raws else []
    keys, parsed_columns = [], []
    for column in spec.columns:
        position = positions.get(column.key)
        cells = by_position[position] if position is not None else [None] * len(rows)
        parse = column.parse
        any_bad = False
        # Cells key the memo as they are when the column holds only text and blanks (the usual column); otherwise
        # with their type, since True, 1 and 1.0 are equal as dict keys but not as cells.
        text = _TEXT_OR_BLANK.issuperset(map(type, cells))
        if text:
            keys_of_cells, memo = cells, dict.fromkeys(cells)
        else:
            keys_of_cells = [cell if cell.__class__ is str else (cell.__class__, cell) for cell in cells]
            memo = dict(zip(keys_of_cells, cells, strict=True))
        # Each distinct cell parsed once; then the column filled from the memo in C.
        for key in memo:
            try:
                memo[key] = parse(key if text else memo[key])
            except CellError as exc:
                memo[key] = _BadCell(str(exc))
                any_bad = True
        parsed = list(map(memo.__getitem__, keys_of_cells))
        if any_bad or (column.required and (None in parsed or "" in parsed)):
            _column_issues(rows, cells, parsed, column)
        keys.append(column.key)
        parsed_columns.append(parsed)
    for row, values in zip(rows, zip(*parsed_columns, strict=True), strict=True):
        row.values = dict(zip(keys, values, strict=True))
    return rows


def _column_issues(rows: list[Row], cells, parsed: list, column: Column) -> None:
    required_message = _("必填项不能为空。")
    for index, value in enumerate(parsed):
        if value.__class__ is _BadCell:
            rows[index].issues.append(Issue(rows[index].number, column.header, text(cells[index]), value.reason))
            parsed[index] = None
        elif column.required and (value is None or value == ""):
            rows[index].issues.append(Issue(rows[index].number, column.header, "", required_message))


def chunked(iterator: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(iterator, size)):
        yield chunk


class _Rollback(Exception):
    pass


def run_import(
    spec: ImportSpec,
    path: str | Path,
    *,
    user,
    file_name: str | None = None,
    school_year: int | None = None,
    dry_run: bool = True,
    batch: ImportBatch | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 5000,
) -> ImportReport:
    """Validate (and unless dry_run, commit) one file. Never writes when any row is rejected."""
    started = time.perf_counter()
    path = Path(path)
    file_name = file_name or path.name
    report = ImportReport(kind=spec.kind, file_name=file_name, sha256=sha256_of(path), dry_run=dry_run)
    ctx = ImportContext(user=user, school_year=school_year, dry_run=dry_run, batch=batch)
    try:
        with timed("open"):
            table = open_table(path, file_name, max_rows=getattr(settings, "EMIS_IMPORT_MAX_ROWS", 2_000_000))
        report.file_warnings = table.warnings
        positions, report.unknown_columns = map_headers(table.headers, spec)
        with timed("begin"):
            spec.begin(ctx)
        # Fresh statistics before the first lookup: a table grown by an earlier import may not have been
        # analysed yet, and key lookups planned for an empty table would scan it once per chunk.
        with timed("analyze"):
            analyze_tables(*spec.written_models)
        committing = contextlib.ExitStack()
        with (
            committing,
            young_garbage_collection_only() as collect_young,
            transaction.atomic(),
            audit_context(user=user, source=ChangeSource.IMPORT, batch_id=batch.pk if batch else None),
        ):
            chunks = chunked(table.rows, chunk_size)
            unanalysed = False
            indexes = IndexesSetAside()
            loading = False  # whether the tables' plain indexes were weighed for a big load yet
            for number in itertools.count(1):
                with timed("read"):
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                with timed("parse"):
                    rows = parse_chunk(chunk, positions, spec)
                with blind_indexes_remembered():  # the chunk's numbers hashed once, for its lookups and its writes
                    with timed("check"):
                        spec.check_chunk(rows, ctx)
                    _tally(report, rows)
                    if not dry_run and report.counts[REJECTED] == 0:
                        written = [row for row in rows if row.action in (NEW, CHANGED)]
                        new = sum(row.action == NEW for row in written)
                        if new and not loading:
                            # The first chunk that creates rows tells how many the file will: as many in proportion.
                            loading = True
                            coming = new * max(table.total_hint, report.rows_total) // len(rows)
                            indexes.set_aside((*spec.written_models, ObjectChange), coming)
                        with timed("write"):
                            spec.write_chunk(written, ctx)
                        unanalysed |= bool(written)
                # Chunks 1, 2, 4, 8...: each time the tables may have doubled. A file imported again writes
                # nothing, and the statistics taken before the first chunk still hold.
                if unanalysed and number & (number - 1) == 0:
                    unanalysed = False
                    with timed("analyze"):
                        analyze_tables(*spec.written_models)
                if progress:
                    progress(report.rows_total, max(table.total_hint, report.rows_total))
                # Collected with the chunk released, so that only what outlives it is walked.
                del chunk, rows
                collect_young()
            if report.rows_total == 0:
                raise FileRejected(_("文件只有表头，没有数据行。"))
            if dry_run or report.counts[REJECTED]:
                raise _Rollback
            indexes.restore()
            report.committed = True
            # Timed from here to the end of transaction.atomic() (exits run last to first): the COMMIT itself.
            committing.enter_context(timed("commit"))
            record_event(
                "import.committed",
                data={
                    "kind": spec.kind,
                    "file": file_name,
                    "sha256": report.sha256,
                    "counts": report.counts,
                    "batch": batch.pk if batch else None,
                },
                # Filed with the batch, so that whoever may see the batch sees that it was committed.
                school_id=batch.school_id if batch else None,
                division_code=batch.division_code if batch else "",
            )
    except _Rollback:
        pass
    except FileRejected as exc:
        report.file_error = str(exc)
    report.duration_seconds = time.perf_counter() - started
    return report


# A stored report stays small whatever the file: cell values and reasons are cut to this many characters.
REPORT_TEXT_LIMIT = 200


def _clip(value: str, limit: int = REPORT_TEXT_LIMIT) -> str:
    if len(value) <= limit:
        return value
    head = value[: limit - 1]
    if value[limit - 1].isascii() and value[limit - 1].isalnum():
        # Not the first 17 characters of an ID number cut in two: too short to be sealed or masked as one.
        head = _CUT_WORD.sub("", head)
    return head + "…"


_CUT_WORD = re.compile(r"[0-9A-Za-z]{1,18}$")


def _tally(report: ImportReport, rows: list[Row]) -> None:
    # At most this many rows' reasons are kept (report, page, error workbook); the rest are only counted.
    keep = getattr(settings, "EMIS_IMPORT_MAX_REPORTED_ROWS", 1000)
    for row in rows:
        report.rows_total += 1
        if row.rejected:
            report.counts[REJECTED] += 1
            row.action = REJECTED
            if len(report.rejected_rows) < keep:
                report.rejected_rows[row.number] = _clip(
                    "；".join(f"{issue.column}：{issue.reason}" for issue in row.issues if issue.level == "error"),
                    4 * REPORT_TEXT_LIMIT,
                )
        else:
            report.counts[row.action or UNCHANGED] += 1
        for issue in row.issues:
            report.issue_total += 1
            if issue.level == "warning":
                report.counts["warnings"] += 1
            if len(report.issues) < SAMPLE_LIMIT * 5:
                issue.value, issue.reason = _clip(issue.value), _clip(issue.reason, 2 * REPORT_TEXT_LIMIT)
                report.issues.append(issue)
        if row.action == CHANGED and len(report.samples) < SAMPLE_LIMIT:
            # Samples end up in ImportBatch.report (JSON): dates and decimals in a spec's changes become text.
            changes = json.loads(json.dumps(row.changes, cls=DjangoJSONEncoder))
            report.samples.append({"row": row.number, "changes": changes})


def finish_batch(batch: ImportBatch, report: ImportReport) -> ImportBatch:
    """Store a report on its batch row (outside the import's transaction, so it survives a rollback).

    ID numbers and 学籍号 in it are stored sealed (masking.seal_report); pages open them through
    masking.report_for, the error workbook through masking.text_masker."""
    from . import masking
    from .registry import get_spec

    batch.counts = report.counts
    batch.report = masking.seal_report(report.as_dict(), get_spec(report.kind))
    batch.sha256 = report.sha256
    batch.duration_seconds = report.duration_seconds
    batch.progress_done = report.rows_total
    batch.progress_total = report.rows_total
    batch.error_message = masking.seal_report({"error": report.file_error})["error"]
    if report.file_error or report.counts[REJECTED]:
        batch.status = ImportStatus.REJECTED
    elif report.committed:
        batch.status = ImportStatus.COMMITTED
    else:
        batch.status = ImportStatus.VALIDATED
    batch.finished_at = timezone.now()
    batch.save()
    return batch
