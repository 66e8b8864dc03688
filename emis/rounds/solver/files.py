"""The file interface (docs/admissions.md): read A/S/Q tables (.csv or .xlsx), check every row, write results.

Input files are opened with the project's table reader (emis.core.imports.reader: python-calamine for xlsx, csv in
UTF-8/UTF-8-BOM/GBK), imported when a file is read, so that this module itself loads without Django. Every problem
is collected as a ``Problem`` (file, row, column, reason, in Chinese) and ``load_round`` raises ``InputError`` with
all of them (up to ``MAX_PROBLEMS``) before anything is solved or written. Rows are numbered as a spreadsheet shows
them: the header is row 1. A clean UTF-8 applicant CSV is first tried by a fast path (polars, at the end of this
module) that reports nothing and steps aside at the first doubt.

Outputs are written to a temporary file next to the target and renamed into place, so a failed run leaves no
partial file. CSV is UTF-8 with a BOM (for Excel), xlsx is written with XlsxWriter in constant-memory mode.
"""

from __future__ import annotations

import csv
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from emis.core.gcpause import young_garbage_collection_only

from .engine import NO_MIN, PHASE_NAMES, SCORE_COLUMNS, SCORE_SCALE, Instance, Result, exam_keys
from .explain import cutoff_rows, iter_explanation_tuples
from .i18n import _
from .quota import quota_seats_for_plan

APPLICANT_COLUMNS = ("exam_no", "junior_school", "total", "chinese", "math", "english")
SCHOOL_COLUMNS = ("school", "open_seats", "quota_seats", "quota_min_score")
QUOTA_COLUMNS = ("school", "junior_school", "seats")
RESULT_COLUMNS = ("exam_no", "school", "phase", "preference_rank")
EXPLAIN_COLUMNS = ("exam_no", "preference_rank", "school", "outcome", "reason")
ELIGIBLE_COLUMN = "quota_eligible"
SUFFIXES = (".csv", ".xlsx")
MAX_PROBLEMS = 100
XLSX_MAX_ROWS = 1_048_576
PREF = re.compile(r"^pref(\d+)$")
TRUE_WORDS = {"1", "是", "true", "yes", "y"}
FALSE_WORDS = {"0", "否", "false", "no", "n"}


@dataclass
class Problem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return _("{file}：{reason}").format(file=self.file, reason=self.reason)
        if self.column is None:
            return _("{file} 第 {row} 行：{reason}").format(file=self.file, row=self.row, reason=self.reason)
        return _("{file} 第 {row} 行，{column} 列：{reason}").format(
            file=self.file, row=self.row, column=self.column, reason=self.reason
        )


class InputError(Exception):
    """Bad input: ``problems`` lists each one (file, row, column, reason)."""

    def __init__(self, problems: list[Problem], more: bool = False):
        self.problems = problems
        self.more = more
        super().__init__("\n".join(str(p) for p in problems))


class Problems:
    """The problems found so far, in file order; adding one past ``MAX_PROBLEMS`` raises InputError at once."""

    def __init__(self):
        self.items: list[Problem] = []
        self.more = False

    def add(self, file, row, column, reason) -> None:
        if len(self.items) >= MAX_PROBLEMS:
            self.more = True
            raise InputError(self.items, more=True)
        self.items.append(Problem(file, row, column, reason))

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items, self.more)


@dataclass
class Loaded:
    instance: Instance
    warnings: list[str] = field(default_factory=list)
    quotas_given: bool = False


def check_output_path(path: str | Path, label: str) -> str | None:
    """A reason why ``path`` cannot be written (suffix, missing directory), or None."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return _("{label} 应以 .csv 或 .xlsx 结尾：{path}").format(label=label, path=path)
    if not path.parent.exists():
        return _("目录 {path} 不存在。").format(path=path.parent)
    return None


# --- reading -------------------------------------------------------------------------------------------


def _text(cell) -> str:
    """A cell as text: xlsx numbers that are whole (2025001.0) lose the '.0'."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float):
        if math.isfinite(cell) and cell.is_integer():
            return str(int(cell))
        return repr(cell)
    return str(cell).strip()


def _open(path: Path, problems: Problems):
    """(headers, rows) through the project's reader, or None after recording why the file cannot be read."""
    from emis.core.imports.reader import FileRejected, open_table

    name = path.name
    if not path.exists():
        problems.add(name, None, None, _("文件不存在。"))
        return None
    if path.suffix.lower() not in SUFFIXES:
        problems.add(name, None, None, _("文件应为 .csv 或 .xlsx。"))
        return None
    try:
        table = open_table(path)
    except FileRejected as exc:
        problems.add(name, None, None, str(exc))
        return None
    headers = [str(h).strip().lower() for h in table.headers]
    return headers, _guarded(table.rows, name, problems)


def _guarded(rows, name: str, problems: Problems):
    """The reader's rows; a file that turns out unreadable half-way is recorded as a problem."""
    from emis.core.imports.reader import FileRejected

    try:
        yield from rows
    except FileRejected as exc:
        problems.add(name, None, None, str(exc))


def _positions(name: str, headers: list[str], required, problems: Problems) -> dict[str, int] | None:
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        if header in positions:
            problems.add(name, 1, header, _("列名重复。"))
        elif header:
            positions[header] = index
    missing = [column for column in required if column not in positions]
    for column in missing:
        problems.add(name, None, None, _("缺少列 {column}。").format(column=column))
    return None if missing else positions


def _score(value: str) -> int | str:
    """Points as text → hundredths, or a reason (str) why not."""
    if value == "":
        return _("必填项不能为空。")
    try:
        number = float(value)
    except ValueError:
        return _("“{value}”不是数字。").format(value=value)
    if not math.isfinite(number):
        return _("“{value}”不是数字。").format(value=value)
    if number < 0:
        return _("“{value}”不能为负数。").format(value=value)
    scaled = round(number * SCORE_SCALE)
    if abs(number * SCORE_SCALE - scaled) > 1e-6:
        return _("“{value}”最多保留两位小数。").format(value=value)
    return scaled


def _count(value: str) -> int | str:
    """A non-negative integer as text, or a reason."""
    if value == "":
        return _("必填项不能为空。")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        return _("“{value}”应为不小于0的整数。").format(value=value)
    return int(number)


def _cell(row, index: int) -> str:
    return _text(row[index]) if index < len(row) else ""


def _read_schools(path: Path, problems: Problems):
    opened = _open(path, problems)
    if opened is None:
        return None
    headers, rows = opened
    name = path.name
    positions = _positions(name, headers, SCHOOL_COLUMNS, problems)
    if positions is None:
        return None
    codes, open_seats, quota_seats, quota_min, seen = [], [], [], [], {}
    for number, raw in rows:
        code = _cell(raw, positions["school"])
        values = {}
        if not code:
            problems.add(name, number, "school", _("必填项不能为空。"))
        elif code in seen:
            problems.add(
                name, number, "school", _("学校 {value} 重复（第 {row} 行已有）。").format(value=code, row=seen[code])
            )
        else:
            seen[code] = number
        for column in ("open_seats", "quota_seats"):
            value = _count(_cell(raw, positions[column]))
            if isinstance(value, str):
                problems.add(name, number, column, value)
            values[column] = value
        minimum = _cell(raw, positions["quota_min_score"])
        if minimum == "":
            values["quota_min_score"] = NO_MIN
        else:
            value = _score(minimum)
            if isinstance(value, str):
                problems.add(name, number, "quota_min_score", value)
            values["quota_min_score"] = value
        codes.append(code)
        open_seats.append(values["open_seats"])
        quota_seats.append(values["quota_seats"])
        quota_min.append(values["quota_min_score"])
    return codes, open_seats, quota_seats, quota_min, seen


def _check_preferences(
    name: str, number: int, codes: list[str], school_index, problems: Problems, unknown_school: str
) -> list[int]:
    """The slow path for a row's preferences: each problem recorded; school indices (-1 where blank/unknown)."""
    out = [-1] * len(codes)
    blank_at = None
    chosen: dict[str, int] = {}
    for k, code in enumerate(codes):
        column = f"pref{k + 1}"
        if not code:
            if blank_at is None:
                blank_at = column
            continue
        if blank_at is not None:
            problems.add(
                name,
                number,
                column,
                _("志愿应从 pref1 起连续填写：{blank} 为空，其后不应再填志愿。").format(blank=blank_at),
            )
        if code in chosen:
            reason = _("志愿学校 {value} 重复填报（pref{k} 已填）。").format(value=code, k=chosen[code])
            problems.add(name, number, column, reason)
        chosen.setdefault(code, k + 1)
        if school_index is not None:
            index = school_index.get(code)
            if index is None:
                problems.add(name, number, column, unknown_school.format(value=code))
            else:
                out[k] = index
    return out


@dataclass
class ApplicantRows:
    """An applicant file (A.csv/.xlsx) read and checked, one entry per row in file order."""

    row_numbers: list[int]  # as a spreadsheet shows them (the header is row 1)
    exam_nos: list[str]
    juniors: list[str]  # junior school codes as written
    scores: np.ndarray  # (N, 4) total, chinese, math, english in hundredths
    prefs: np.ndarray  # (N, width) indices into the school codes, -1 where blank
    width: int  # the number of pref columns
    eligible: np.ndarray | None  # quota_eligible, None when the file has no such column
    extra: dict[str, list[str]]  # the optional columns asked for ("" where absent or blank)


def read_applicants(
    path: str | Path,
    school_index: dict[str, int] | None,
    problems: Problems,
    *,
    extra_columns: tuple[str, ...] = (),
    unknown_school: str | None = None,
) -> ApplicantRows | None:
    """Read and check an applicant file against ``school_index`` (school code → index; None: not checked).

    Every problem goes to ``problems`` (file, row, column and reason, in Chinese); None when the file cannot be
    read at all (missing, unreadable, required columns absent). ``extra_columns`` are optional columns read as
    text (name, id_number). ``unknown_school`` is the reason given for a preference that is not in
    ``school_index`` ("{value}": the code); by default "not in the school file"."""
    path = Path(path)
    fast = _fast_applicants(path, school_index, extra_columns)
    if fast is not None:
        row_numbers = list(range(2, fast.n + 2))  # the fast path takes no file with skipped rows
        exam_nos, juniors = fast.exam_no.tolist(), fast.junior.to_list()
        return ApplicantRows(
            row_numbers, exam_nos, juniors, fast.scores, fast.prefs, fast.width, fast.eligible, fast.extra
        )
    return _read_applicants(path, school_index, problems, extra_columns, unknown_school)


def _read_applicants(path: Path, school_index, problems: Problems, extra_columns, unknown_school):
    """The checking reader: every cell in Python, every problem recorded with its row and column."""
    opened = _open(path, problems)
    if opened is None:
        return None
    headers, rows = opened
    name = path.name
    positions = _positions(name, headers, APPLICANT_COLUMNS + ("pref1",), problems)
    if positions is None:
        return None
    numbers = sorted(int(m.group(1)) for h in positions if (m := PREF.match(h)))
    width = numbers[-1]
    for k in range(1, width + 1):
        if k not in numbers:
            problems.add(name, None, None, _("志愿列应从 pref1 起连续编号：缺少列 pref{k}。").format(k=k))
    if len(numbers) != width:
        return None
    pref_positions = [positions[f"pref{k}"] for k in range(1, width + 1)]
    unknown = unknown_school or _("志愿学校 {value} 不在学校文件中。")

    reader = _ApplicantChunks(name, len(headers), width, positions, pref_positions, school_index, problems, unknown)
    extra_at = {column: positions.get(column) for column in extra_columns}
    extra: dict[str, list[str]] = {column: [] for column in extra_columns}
    row_numbers: list[int] = []
    chunk_rows: list = []
    chunk_numbers: list[int] = []
    for number, raw in rows:
        chunk_rows.append(raw)
        chunk_numbers.append(number)
        for column, at in extra_at.items():
            extra[column].append(_cell(raw, at) if at is not None else "")
        if len(chunk_rows) == CHUNK_ROWS:
            reader.add(chunk_rows, chunk_numbers)
            row_numbers += chunk_numbers
            chunk_rows, chunk_numbers = [], []
    if chunk_rows:
        reader.add(chunk_rows, chunk_numbers)
        row_numbers += chunk_numbers
    exam_nos, juniors, scores, prefs, width, eligible = reader.finish()
    return ApplicantRows(row_numbers, exam_nos, juniors, scores, prefs, width, eligible, extra)


CHUNK_ROWS = 50_000


class _ApplicantChunks:
    """Parse and check applicant rows a chunk at a time, column by column (numpy where it can)."""

    def __init__(
        self, name, columns, width, positions, pref_positions, school_index, problems: Problems, unknown_school: str
    ):
        self.name = name
        self.unknown_school = unknown_school
        self.columns = columns
        self.width = width
        self.positions = positions
        self.pref_positions = pref_positions
        self.school_index = school_index
        self.lookup = dict(school_index or {})
        self.lookup[""] = -1
        self.problems = problems
        self.seen: dict[str, int] = {}
        self.exam_nos: list[str] = []
        self.juniors: list[str] = []
        self.scores: list[np.ndarray] = []
        self.prefs: list[np.ndarray] = []
        self.eligible: list[np.ndarray] | None = [] if ELIGIBLE_COLUMN in positions else None

    def _column(self, table, index: int) -> list[str]:
        try:
            return list(map(str.strip, table[index]))  # csv: all text
        except TypeError:  # xlsx: numbers, dates, empty cells
            return [c.strip() if c.__class__ is str else _text(c) for c in table[index]]

    def add(self, raw_rows: list, numbers: list[int]) -> None:
        name, problems, columns = self.name, self.problems, self.columns
        pad = [""] * columns
        padded = [r if len(r) >= columns else list(r) + pad[len(r) :] for r in raw_rows]
        table = list(zip(*padded, strict=False))
        b = len(padded)

        exam_nos = self._column(table, self.positions["exam_no"])
        seen = self.seen
        if "" not in exam_nos and len(set(exam_nos)) == b and seen.keys().isdisjoint(exam_nos):
            seen.update(zip(exam_nos, numbers, strict=True))  # the usual case, checked at C speed
        else:
            for exam_no, number in zip(exam_nos, numbers, strict=True):
                if exam_no and exam_no not in seen:
                    seen[exam_no] = number
                elif not exam_no:
                    problems.add(name, number, "exam_no", _("必填项不能为空。"))
                else:
                    reason = _("考号 {value} 重复（第 {row} 行已有）。").format(value=exam_no, row=seen[exam_no])
                    problems.add(name, number, "exam_no", reason)
        juniors = self._column(table, self.positions["junior_school"])
        if "" in juniors:
            for junior, number in zip(juniors, numbers, strict=True):
                if not junior:
                    problems.add(name, number, "junior_school", _("必填项不能为空。"))

        scores = np.zeros((b, 4), dtype=np.int64)
        for c, column in enumerate(("total", "chinese", "math", "english")):
            texts = self._column(table, self.positions[column])
            try:
                values = np.fromiter(map(float, texts), dtype=np.float64, count=b)
                scaled = np.rint(values * SCORE_SCALE)
                good = np.isfinite(values) & (values >= 0) & (np.abs(values * SCORE_SCALE - scaled) <= 1e-6)
                scores[:, c] = np.where(good, scaled, 0).astype(np.int64)
                bad = np.flatnonzero(~good).tolist()
            except ValueError:
                bad = range(b)
            for i in bad:
                value = _score(texts[i])
                if isinstance(value, str):
                    problems.add(name, numbers[i], column, value)
                else:
                    scores[i, c] = value

        prefs = np.empty((b, self.width), dtype=np.int32)
        codes_by_column = []
        for k, at in enumerate(self.pref_positions):
            codes = self._column(table, at)
            codes_by_column.append(codes)
            lookup = self.lookup
            try:
                prefs[:, k] = np.fromiter(map(lookup.__getitem__, codes), dtype=np.int32, count=b)
            except KeyError:  # an unknown school: marked -2, reported below
                prefs[:, k] = [lookup.get(code, -2) for code in codes]
        blank = prefs == -1
        wrong = (prefs == -2).any(axis=1)
        wrong |= (np.maximum.accumulate(blank, axis=1) & ~blank).any(axis=1)
        ordered = np.sort(prefs, axis=1)
        wrong |= ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any(axis=1)
        for i in np.flatnonzero(wrong).tolist():
            codes = [column[i] for column in codes_by_column]
            prefs[i] = _check_preferences(name, numbers[i], codes, self.school_index, problems, self.unknown_school)

        if self.eligible is not None:
            flags = self._column(table, self.positions[ELIGIBLE_COLUMN])
            eligible = np.zeros(b, dtype=bool)
            for i, flag in enumerate(flags):
                flag = flag.lower()
                if flag in TRUE_WORDS or flag == "":
                    eligible[i] = True
                elif flag not in FALSE_WORDS:
                    reason = _("“{value}”应为 1 或 0（是或否）。").format(value=flag)
                    problems.add(name, numbers[i], ELIGIBLE_COLUMN, reason)
            self.eligible.append(eligible)

        self.exam_nos.extend(exam_nos)
        self.juniors.extend(juniors)
        self.scores.append(scores)
        self.prefs.append(prefs)

    def finish(self):
        n = len(self.exam_nos)
        scores = np.concatenate(self.scores) if self.scores else np.zeros((0, 4), dtype=np.int64)
        prefs = np.concatenate(self.prefs) if self.prefs else np.zeros((0, self.width), dtype=np.int32)
        eligible = None
        if self.eligible is not None:
            eligible = np.concatenate(self.eligible) if self.eligible else np.zeros(0, dtype=bool)
        assert len(scores) == n
        return self.exam_nos, self.juniors, scores, prefs, self.width, eligible


def _read_quotas(path: Path, school_index, quota_seats, problems: Problems):
    opened = _open(path, problems)
    if opened is None:
        return None
    headers, rows = opened
    name = path.name
    positions = _positions(name, headers, QUOTA_COLUMNS, problems)
    if positions is None:
        return None
    entries: dict[tuple[int, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    totals: dict[int, int] = {}
    for number, raw in rows:
        code = _cell(raw, positions["school"])
        junior = _cell(raw, positions["junior_school"])
        seats = _count(_cell(raw, positions["seats"]))
        school = None
        if not code:
            problems.add(name, number, "school", _("必填项不能为空。"))
        elif school_index is not None:
            school = school_index.get(code)
            if school is None:
                problems.add(name, number, "school", _("学校 {value} 不在学校文件中。").format(value=code))
        if not junior:
            problems.add(name, number, "junior_school", _("必填项不能为空。"))
        if isinstance(seats, str):
            problems.add(name, number, "seats", seats)
            continue
        if not code or not junior:
            continue
        if (code, junior) in seen:
            problems.add(
                name,
                number,
                "junior_school",
                _("学校 {value} 与初中学校 {junior} 的组合重复（第 {row} 行已有）。").format(
                    value=code, junior=junior, row=seen[(code, junior)]
                ),
            )
            continue
        seen[(code, junior)] = number
        if school is None:
            continue
        entries[(school, junior)] = seats
        before = totals.get(school, 0)
        totals[school] = before + seats
        limit = quota_seats[school]
        if isinstance(limit, int) and before <= limit < totals[school]:
            problems.add(
                name,
                number,
                "seats",
                _("学校 {value} 的指标合计已达 {total}，超过学校文件中的 quota_seats {seats}。").format(
                    value=code, total=totals[school], seats=limit
                ),
            )
    return entries


def load_round(applicants, schools, quotas=None, *, quota_share: Fraction | None = None) -> Loaded:
    """Read and check A (applicants), S (schools) and optionally Q (quotas). Raises InputError.

    With ``quota_share``, each school with quota seats in S (a quality school) gets ``ceil(share × plan)`` quota
    seats, plan = open_seats + quota_seats, and the rest as open seats; the quota file is checked against those.
    """
    # Millions of short-lived row lists: the cyclic collector would only slow the reading down.
    with young_garbage_collection_only():
        return _load_round(applicants, schools, quotas, quota_share)


def _load_round(applicants, schools, quotas, quota_share) -> Loaded:
    problems = Problems()
    warnings: list[str] = []
    applicants, schools = Path(applicants), Path(schools)
    quotas = Path(quotas) if quotas else None
    school_data = _read_schools(schools, problems)
    school_index = None
    if school_data is not None:
        codes, open_seats, quota_seats, quota_min, seen = school_data
        if not seen and not problems.items:
            problems.add(schools.name, None, None, _("文件中没有学校。"))
        school_index = {code: i for i, code in enumerate(codes)}
        if quota_share is not None and all(isinstance(v, int) for v in open_seats + quota_seats):
            for i, quota in enumerate(quota_seats):
                if quota:
                    plan = open_seats[i] + quota
                    quota_seats[i] = quota_seats_for_plan(plan, quota_share)
                    open_seats[i] = plan - quota_seats[i]
    fast = _fast_applicants(applicants, school_index)
    applicant_data = None
    if fast is None:
        applicant_data = _read_applicants(applicants, school_index, problems, (), None)
    entries = None
    if quotas is not None:
        entries = _read_quotas(quotas, school_index, quota_seats if school_data else None, problems)
    problems.raise_if_any()

    if fast is not None:
        present = set(fast.junior.unique().to_list())
        scores, prefs, eligible = fast.scores, fast.prefs, fast.eligible
    else:
        present = set(applicant_data.juniors)
        scores, prefs, eligible = applicant_data.scores, applicant_data.prefs, applicant_data.eligible
    junior_codes = sorted(present | ({junior for _, junior in entries} if entries else set()))
    junior_index = {code: j for j, code in enumerate(junior_codes)}
    if fast is not None:
        exam_no = fast.exam_no
        junior = fast.junior.replace_strict(junior_index, return_dtype=_polars().Int32).to_numpy()
    else:
        exam_nos = applicant_data.exam_nos
        exam_no = np.array(exam_nos, dtype=str) if exam_nos else np.zeros(0, dtype=str)
        junior = np.array([junior_index[j] for j in applicant_data.juniors], dtype=np.int32)
    matrix = None
    if entries is not None:
        matrix = np.zeros((len(codes), len(junior_codes)), dtype=np.int64)
        absent = sorted({junior for _, junior in entries if junior not in present})
        for (school, junior_code), seats in entries.items():
            matrix[school, junior_index[junior_code]] = seats
        for junior_code in absent:
            warnings.append(
                _("{file}：初中学校 {value} 在考生文件中没有考生，分给它的指标将转入统招。").format(
                    file=quotas.name, value=junior_code
                )
            )
    instance = Instance(
        exam_no=exam_no,
        junior=junior,
        scores=scores,
        prefs=prefs,
        school_codes=codes,
        junior_codes=junior_codes,
        open_seats=open_seats,
        quota_seats=quota_seats,
        quota_min=quota_min,
        quotas=matrix,
        quota_eligible=eligible,
    )
    return Loaded(instance, warnings, quotas_given=entries is not None)


# --- writing -------------------------------------------------------------------------------------------


def result_rows(result: Result):
    instance = result.instance
    codes = instance.school_codes
    school = result.school.tolist()
    phase = result.phase.tolist()
    rank = result.preference_rank.tolist()
    for i, exam_no in enumerate(instance.exam_no.tolist()):
        s = school[i]
        yield (exam_no, codes[s] if s >= 0 else "", PHASE_NAMES[phase[i]], rank[i] if rank[i] else "")


def explanation_rows(result: Result):
    for exam_no, rank, school, outcome, _phase, reason in iter_explanation_tuples(result):
        yield (exam_no, rank or "", school, outcome, reason)


def cutoff_table(result: Result) -> tuple[tuple, list]:
    rows = cutoff_rows(result)
    header = ("school", "phase", "junior_school", "seats", "admitted", "total") + tuple(
        name for name in result.tie_break if name != "total"
    )
    return header, [tuple(row[h] for h in header) for row in rows]


def write_results(path: str | Path, result: Result) -> int:
    """RESULT (.csv or .xlsx) atomically; a CSV whose cells need neither quotes nor a formula guard is written
    by polars in one go (the same bytes as write_table's, in a fraction of the time)."""
    path = Path(path)
    frame = _result_frame(result) if path.suffix.lower() == ".csv" else None
    if frame is None:
        return write_table(path, RESULT_COLUMNS, result_rows(result))

    def write(filename: str) -> int:
        with open(filename, "wb") as out:
            out.write(b"\xef\xbb\xbf")
            frame.write_csv(out, include_header=True, line_terminator="\r\n", quote_style="necessary")
        return frame.height

    return _atomic(path, write)


def _result_frame(result: Result):
    """RESULT as a polars frame (blank cells as nulls), or None when a cell would need the csv module's care."""
    try:
        import polars as pl
    except ImportError:
        return None
    from emis.core.safe_export import csv_text

    instance = result.instance
    codes = [str(code) for code in instance.school_codes]
    special = re.compile(r'[,"\r\n]')
    if any(special.search(code) or csv_text(code) != code for code in codes):
        return None
    exam_no = pl.Series("exam_no", instance.exam_no, dtype=pl.String)
    if exam_no.str.contains(r'[,"\r\n]|^[=+\-@\t]').any():
        return None
    admitted = result.school >= 0
    school = pl.Series("school", result.school.astype(np.int32))
    school = school.replace_strict(list(range(len(codes))), codes, default=None, return_dtype=pl.String)
    phase = pl.Series("phase", result.phase.astype(np.int8)).replace_strict(
        list(PHASE_NAMES), [PHASE_NAMES[p] or None for p in PHASE_NAMES], return_dtype=pl.String
    )
    rank = pl.Series("preference_rank", np.where(admitted, result.preference_rank, 0).astype(np.int32))
    rank = rank.replace(0, None)
    return pl.DataFrame([exam_no, school, phase, rank])


def write_table(path: str | Path, header, rows) -> int:
    """Write header + rows to .csv or .xlsx atomically; returns the number of data rows. An xlsx with more rows
    than a worksheet holds continues on further worksheets, each with the header."""
    from emis.core.safe_export import csv_row

    path = Path(path)

    def write(filename: str) -> int:
        if path.suffix.lower() == ".xlsx":
            return _write_xlsx(filename, header, rows)
        with open(filename, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(csv_row(header))
            count = 0
            for row in rows:
                writer.writerow(csv_row(row))
                count += 1
        return count

    return _atomic(path, write)


def _atomic(path: Path, write) -> int:
    """``write(filename)`` into a temporary file next to ``path``, renamed into place once complete."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed into place below)
        dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix, delete=False
    )
    handle.close()
    try:
        count = write(handle.name)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # a temporary file is private; the result is an ordinary file
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return count


def _write_xlsx(filename: str, header, rows) -> int:
    from emis.core.safe_export import safe_workbook

    workbook = safe_workbook(filename, constant_memory=True)
    try:
        sheet = None
        line = XLSX_MAX_ROWS
        count = 0
        for row in rows:
            if line >= XLSX_MAX_ROWS:
                sheet = workbook.add_worksheet()
                sheet.write_row(0, 0, header)
                line = 1
            sheet.write_row(line, 0, row)
            line += 1
            count += 1
        if sheet is None:
            workbook.add_worksheet().write_row(0, 0, header)
    finally:
        workbook.close()
    return count


# --- the fast path for a clean CSV -------------------------------------------------------------------------
#
# A county's A.csv has a million rows; the checking reader above handles every cell in Python (tens of seconds).
# A clean UTF-8 CSV is read with polars instead and checked column by column in Rust/numpy. The fast path never
# reports a problem: at the first doubt (an encoding other than UTF-8, quotes, a bad or unusual cell, a duplicate,
# ...) it gives up and the checking reader reads the file, so every message, row number and rule stays the one
# documented (docs/adr/0053-admissions-csv-fast-path.md).

_PLAIN_NUMBER = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"  # what float() reads exactly, ≥ 0, at most two decimals
_EDGE_SPACE = r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$"  # what str.strip() would remove (Python's isspace)


@dataclass
class _FastApplicants:
    n: int
    exam_no: np.ndarray  # str
    junior: object  # polars Series (String)
    scores: np.ndarray
    prefs: np.ndarray
    width: int
    eligible: np.ndarray | None
    extra: dict[str, list[str]]


def _polars():
    import polars

    return polars


def _fast_csv_frame(path: Path, required: tuple[str, ...]):
    """(headers, frame of String columns named by position) for a plain UTF-8 CSV, or None to use the reader."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    try:
        import polars as pl
    except ImportError:
        return None
    from emis.core.imports import guard
    from emis.core.imports.reader import MAX_CSV_LINE

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or b'"' in data or b"\x00" in data:
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # a lone \r ends a row for the csv module
        return None
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if len(data) > MAX_CSV_LINE:
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        if len(ends) and (np.diff(ends).max(initial=0) > MAX_CSV_LINE or ends[0] > MAX_CSV_LINE):
            return None
        if len(data) - (ends[-1] if len(ends) else 0) > MAX_CSV_LINE:
            return None
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header = next(csv.reader([first.decode("utf-8")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return None
    from emis.core.imports.reader import _clean_header

    headers = [_clean_header(h).strip().lower() for h in header]
    if len(headers) > guard.Limits.from_settings().max_columns or len(set(headers)) != len(headers):
        return None
    if "" in headers or any(column not in headers for column in required):
        return None
    names = [f"c{i}" for i in range(len(headers))]
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_rows=1,
            schema=dict.fromkeys(names, pl.String),
            quote_char=None,
            encoding="utf8",
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except Exception:  # noqa: BLE001 (polars' errors differ by version; the checking reader says what is wrong)
        return None
    if frame.height != lines - 1:
        return None
    if frame.null_count().sum_horizontal().item():  # short rows: their missing cells are blank
        frame = frame.fill_null("")
    return headers, frame


def _text_array(series) -> np.ndarray:
    """A polars String column as a numpy str array. ASCII text (exam numbers) goes through one padded byte
    string, several times faster than a million Python strings."""
    width = series.str.len_bytes().max() or 0
    if width and series.str.contains(r"^[\x01-\x7f]*$").all():
        padded = series.str.pad_end(width, "\x00").str.join("").item().encode("ascii")
        if len(padded) == width * len(series):
            return np.frombuffer(padded, dtype=f"S{width}").astype(f"U{width}")
    return series.to_numpy().astype(str)


def _fast_applicants(path: Path, school_index, extra_columns=()) -> _FastApplicants | None:
    if school_index is None or "" in school_index:
        return None
    opened = _fast_csv_frame(path, APPLICANT_COLUMNS + ("pref1",))
    if opened is None:
        return None
    import polars as pl

    headers, frame = opened
    at = {h: f"c{i}" for i, h in enumerate(headers)}
    numbers = sorted(int(m.group(1)) for h in at if (m := PREF.match(h)))
    width = numbers[-1]
    if numbers != list(range(1, width + 1)):
        return None
    n = frame.height
    if not n:
        return None
    plain_cells = [at["exam_no"], at["junior_school"]]
    checks = [
        *(pl.col(c).str.len_bytes().min().eq(0).alias(f"empty_{c}") for c in plain_cells),
        *(pl.col(c).str.contains(_EDGE_SPACE).any().alias(f"space_{c}") for c in plain_cells),
        *(
            pl.col(at[column]).str.contains(_PLAIN_NUMBER).not_().any().alias(f"score_{column}")
            for column in SCORE_COLUMNS
        ),
    ]
    if ELIGIBLE_COLUMN in at:
        words = sorted(TRUE_WORDS | FALSE_WORDS | {""})
        checks.append(pl.col(at[ELIGIBLE_COLUMN]).str.to_lowercase().is_in(words).not_().any().alias("eligible"))
    if any(frame.select(checks).row(0)):
        return None

    scores = np.empty((n, 4), dtype=np.int64)
    for c, column in enumerate(SCORE_COLUMNS):
        values = frame.get_column(at[column]).cast(pl.Float64).to_numpy()
        scores[:, c] = np.rint(values * SCORE_SCALE)
    # School codes as an Enum in school index order, "" last: its physical codes are the school indices, and a
    # code not in S fails the cast (the checking reader then names it).
    if list(school_index.values()) != list(range(len(school_index))):
        return None
    schools = pl.Enum([*school_index, ""])
    prefs = np.empty((n, width), dtype=np.int32)
    try:
        for k in range(width):
            prefs[:, k] = frame.get_column(at[f"pref{k + 1}"]).cast(schools).to_physical().to_numpy()
    except pl.exceptions.PolarsError:
        return None
    prefs[prefs == len(school_index)] = -1
    blank = prefs == -1
    if (np.maximum.accumulate(blank, axis=1) & ~blank).any():
        return None
    ordered = np.sort(prefs, axis=1)
    if ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any():
        return None
    eligible = None
    if ELIGIBLE_COLUMN in at:
        flags = frame.get_column(at[ELIGIBLE_COLUMN]).str.to_lowercase()
        eligible = flags.is_in(sorted(TRUE_WORDS | {""})).to_numpy()
    extra = {
        column: [cell.strip() for cell in frame.get_column(at[column]).to_list()] if column in at else [""] * n
        for column in extra_columns
    }
    exam_no = _text_array(frame.get_column(at["exam_no"]))
    keys = exam_keys(exam_no)
    if keys is None:
        if frame.get_column(at["exam_no"]).n_unique() != n:
            return None
    else:
        keys.sort()
        if (keys[1:] == keys[:-1]).any():
            return None
    return _FastApplicants(n, exam_no, frame.get_column(at["junior_school"]), scores, prefs, width, eligible, extra)
