"""The senior-high admission round's workflow (中考录取): load applicants, allocate quotas, solve, publish, appeals.

Every service is atomic, refuses with Chinese messages (``RoundRefused``), and is audited: rows are change-logged
(in bulk for the applicants of a round, which can number tens of thousands: ``insert_rows``/``update_rows`` plus
``record_changes_bulk``, as the importers do), and each step writes a named ``AuditEvent``.

Status: draft → allocated → solved → published (choices.ROUND_ACTIONS). A change to what a step used sends
the round back to that step (``round_changed``); a published round is locked — every change to it, its schools,
allocations and applicants is refused — and only appeals are recorded and decided.

The solving itself is ``emis.rounds.solver`` (numpy, see docs/admissions.md); the applicant file is read and
checked with the solver's file reader, with the same row/column messages as ``emis admissions solve``.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from emis.common.idnumbers import normalize_id_number, validate_id_number
from emis.common.text import pinyin_initials
from emis.core.audit import record_changes_bulk, record_event
from emis.core.bulk import allocate_ids, insert_rows, update_rows
from emis.core.models import ChangeAction
from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES
from emis.orgs.models import School

from .choices import (
    APPEAL_DECISIONS,
    ROUND_ACTIONS,
    STATUS_ORDER,
    Phase,
    QuotaRule,
    RoundStatus,
)
from .models import AdmissionRound, Appeal, Applicant, QuotaAllocation, RoundSchool, locked_message
from .solver import files as solver_files
from .solver.engine import PHASE_OPEN, PHASE_QUOTA, SCORE_SCALE, TOTAL, Instance, solve
from .solver.explain import iter_explanation_tuples
from .solver.quota import allocate_quotas, parse_share, quota_seats_for_plan

SHOWN_PROBLEMS = 50


class RoundRefused(Exception):
    """A workflow step that may not run, or bad input: ``messages`` in Chinese (row and column for file problems)."""

    def __init__(self, *messages, more: bool = False):
        self.messages = [str(m) for m in messages]
        self.more = more
        super().__init__("；".join(self.messages))


def _action_label(action: str) -> str:
    return {
        "load": _("导入考生"),
        "allocate": _("分配指标"),
        "solve": _("录取"),
        "publish": _("发布"),
    }[action]


def _locked_round(admission_round: AdmissionRound) -> AdmissionRound:
    """The round re-read under a row lock, so that two steps of one round never run at once."""
    return AdmissionRound.objects.select_for_update().select_related("school_year").get(pk=admission_round.pk)


def _require(admission_round: AdmissionRound, action: str) -> None:
    allowed, _after = ROUND_ACTIONS[action]
    if admission_round.is_locked:
        raise RoundRefused(locked_message(admission_round))
    if admission_round.status not in allowed:
        raise RoundRefused(
            _("“{name}”当前状态为“{status}”，不能{action}。").format(
                name=admission_round.name,
                status=admission_round.get_status_display(),
                action=_action_label(action),
            )
        )


def _set_status(admission_round: AdmissionRound, status: str) -> None:
    if admission_round.status != status:
        admission_round.status = status
        admission_round.save()


def _event(name: str, admission_round: AdmissionRound, **data) -> None:
    record_event(
        name,
        data={"round": admission_round.pk, "name": admission_round.name, **data},
        division_code=admission_round.division_code,
    )


def applicant_stage(admission_round: AdmissionRound) -> str:
    """The step a change to the applicants sends the round back to: allocating again when quotas follow the
    applicant counts, else solving again."""
    return RoundStatus.DRAFT if admission_round.quota_rule == QuotaRule.APPLICANTS else RoundStatus.ALLOCATED


@transaction.atomic
def round_changed(*, admission_round: AdmissionRound, back_to: str) -> AdmissionRound:
    """Something a step used has changed (a plan, an allocation, an applicant, a setting): send the round back to
    ``back_to`` when it is past it, so that the stale step is run again. Refused once published."""
    locked = _locked_round(admission_round)
    if locked.is_locked:
        raise RoundRefused(locked_message(locked))
    if STATUS_ORDER.index(locked.status) > STATUS_ORDER.index(back_to):
        _set_status(locked, back_to)
    admission_round.status = locked.status
    return locked


def ensure_unlocked(admission_round: AdmissionRound) -> None:
    if AdmissionRound.objects.filter(pk=admission_round.pk, status=RoundStatus.PUBLISHED).exists():
        raise RoundRefused(locked_message(admission_round))


# --- loading applicants -----------------------------------------------------------------------------------------


@dataclass
class ParsedApplicants:
    exam_nos: list[str]
    names: list[str]
    id_numbers: list[str]
    junior_ids: list[int]
    scores: np.ndarray  # (N, 4) hundredths
    preferences: list[list[str]]
    eligible: list[bool]


@dataclass
class LoadResult:
    created: int
    replaced: int


def _unknown_school_rewriter():
    """The solver says a preference is "not in the school file"; on the web the schools are the round's plans."""
    template = _("志愿学校 {value} 不在学校文件中。")
    prefix, _sep, suffix = template.partition("{value}")

    def rewrite(reason: str) -> str:
        if prefix and reason.startswith(prefix) and reason.endswith(suffix):
            value = reason[len(prefix) : len(reason) - len(suffix)]
            return _("志愿学校 {value} 不在本批次的招生学校中。").format(value=value)
        return reason

    return rewrite


def _read_applicant_file(admission_round: AdmissionRound, path: Path) -> ParsedApplicants:
    """Read and check an A.csv/.xlsx (docs/admissions.md) against the round: the solver's reader and messages, plus
    the round's own rules (junior schools of the county, the number of preferences, optional name and ID number).
    Raises RoundRefused with every problem (up to the solver's limit)."""
    problems = solver_files._Problems()
    name = path.name
    try:
        plans = list(
            RoundSchool.objects.filter(round=admission_round).select_related("school").order_by("school__code")
        )
        if not plans:
            problems.add(name, None, None, _("本批次尚未设置招生学校，请先添加高中招生计划。"))
            problems.raise_if_any()
        codes = [plan.school.code for plan in plans]
        school_index = {code: i for i, code in enumerate(codes)}
        opened = solver_files._open(path, problems)
        if opened is None:
            problems.raise_if_any()
        headers, rows = opened
        positions = solver_files._positions(name, headers, solver_files.APPLICANT_COLUMNS + ("pref1",), problems)
        if positions is None:
            problems.raise_if_any()
        numbers = sorted(int(m.group(1)) for h in positions if (m := solver_files.PREF.match(h)))
        width = numbers[-1]
        for k in range(1, width + 1):
            if k not in numbers:
                problems.add(name, None, None, _("志愿列应从 pref1 起连续编号：缺少列 pref{k}。").format(k=k))
        problems.raise_if_any()
        pref_positions = [positions[f"pref{k}"] for k in range(1, width + 1)]
        reader = solver_files._ApplicantChunks(
            name, len(headers), width, positions, pref_positions, school_index, problems
        )
        name_at, id_at = positions.get("name"), positions.get("id_number")
        row_numbers: list[int] = []
        names: list[str] = []
        id_numbers: list[str] = []
        chunk_rows: list = []
        chunk_numbers: list[int] = []
        for number, raw in rows:
            chunk_rows.append(raw)
            chunk_numbers.append(number)
            names.append(solver_files._cell(raw, name_at) if name_at is not None else "")
            id_numbers.append(solver_files._cell(raw, id_at) if id_at is not None else "")
            if len(chunk_rows) == solver_files.CHUNK_ROWS:
                reader.add(chunk_rows, chunk_numbers)
                row_numbers += chunk_numbers
                chunk_rows, chunk_numbers = [], []
        if chunk_rows:
            reader.add(chunk_rows, chunk_numbers)
            row_numbers += chunk_numbers
        exam_nos, juniors, scores, prefs, width, eligible = reader.finish()
        if not exam_nos and not problems.items:
            problems.add(name, None, None, _("文件中没有考生。"))
        rewrite = _unknown_school_rewriter()
        for problem in problems.items:
            problem.reason = rewrite(problem.reason)

        junior_ids = _junior_school_ids(admission_round, set(juniors))
        limit = admission_round.preference_count
        too_many = np.flatnonzero((prefs[:, limit:] >= 0).any(axis=1)) if width > limit else []
        for i in range(len(exam_nos)):
            number = row_numbers[i]
            if juniors[i] and juniors[i] not in junior_ids:
                problems.add(
                    name,
                    number,
                    "junior_school",
                    _("初中学校 {value} 不是本县的初中学校（应填学校标识码）。").format(value=juniors[i]),
                )
            if len(names[i]) > 64:
                problems.add(name, number, "name", _("姓名不能超过64个字符。"))
            if id_numbers[i]:
                id_numbers[i] = normalize_id_number(id_numbers[i])
                try:
                    validate_id_number(id_numbers[i])
                except ValidationError as exc:  # the messages never repeat the number itself
                    problems.add(name, number, "id_number", "；".join(exc.messages))
            if len(exam_nos[i]) > 32:
                problems.add(name, number, "exam_no", _("考号不能超过32个字符。"))
        for i in too_many:
            column = int(np.flatnonzero(prefs[i, limit:] >= 0)[0]) + limit + 1
            problems.add(name, row_numbers[i], f"pref{column}", _("本批次最多填报 {n} 个志愿。").format(n=limit))
        for i, column in zip(*np.nonzero(scores >= 10**6), strict=True):
            problems.add(name, row_numbers[i], solver_files.APPLICANT_COLUMNS[2 + column], _("分数过大。"))
        problems.raise_if_any()
    except solver_files.InputError as exc:
        raise RoundRefused(*[str(p) for p in exc.problems], more=exc.more) from None

    preferences = [[codes[s] for s in row if s >= 0] for row in prefs.tolist()]
    return ParsedApplicants(
        exam_nos=list(exam_nos),
        names=names,
        id_numbers=id_numbers,
        junior_ids=[junior_ids[j] for j in juniors],
        scores=scores,
        preferences=preferences,
        eligible=eligible.tolist() if eligible is not None else [True] * len(exam_nos),
    )


def _junior_school_ids(admission_round: AdmissionRound, codes: set[str]) -> dict[str, int]:
    """Junior school code → id, for the junior schools of the round's county."""
    return dict(
        School.objects.filter(
            code__in=list(codes),
            category__in=JUNIOR_SCHOOL_CATEGORIES,
            township__code__startswith=admission_round.division_code,
        ).values_list("code", "id")
    )


def _points(hundredths: int) -> Decimal:
    """Hundredths of a point as the Decimal a score field holds (two places, so that diffs compare equal)."""
    return (Decimal(int(hundredths)) / SCORE_SCALE).quantize(Decimal("0.01"))


def _decimal_json(value: Decimal | None):
    return None if value is None else str(value.quantize(Decimal("0.01")))


def _delete_applicants(admission_round: AdmissionRound) -> int:
    """Delete a round's applicants in one statement, with a change record each."""
    rows = list(
        Applicant.objects.filter(round=admission_round).values_list("id", "exam_no", "name", "junior_school_id")
    )
    if not rows:
        return 0
    if Appeal.objects.filter(applicant__round=admission_round).exists():
        raise RoundRefused(_("已有申诉的考生不能删除。"))
    table = connection.ops.quote_name(Applicant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [admission_round.pk])
    code = admission_round.division_code
    record_changes_bulk(
        [
            (
                (Applicant, pk),
                ChangeAction.DELETE,
                {"exam_no": [exam_no, None], "name": [name, None], "junior_school": [junior, None]},
                (junior, code),
                f"{exam_no} {name}".strip(),
            )
            for pk, exam_no, name, junior in rows
        ]
    )
    return len(rows)


def _insert_applicants(admission_round: AdmissionRound, parsed: ParsedApplicants) -> int:
    n = len(parsed.exam_nos)
    if not n:
        return 0
    pks = allocate_ids(Applicant, n)
    columns = (
        "id",
        "round_id",
        "exam_no",
        "name",
        "name_initials",
        "id_number",
        "junior_school_id",
        "total",
        "chinese",
        "math",
        "english",
        "preferences",
        "eligible",
        "result_phase",
        "explanation",
    )
    scores = parsed.scores.tolist()
    rows = []
    audit = []
    code = admission_round.division_code
    for i, pk in enumerate(pks):
        total, chinese, math, english = (_points(v) for v in scores[i])
        preferences = parsed.preferences[i]
        rows.append(
            (
                pk,
                admission_round.pk,
                parsed.exam_nos[i],
                parsed.names[i],
                pinyin_initials(parsed.names[i]),
                parsed.id_numbers[i],
                parsed.junior_ids[i],
                total,
                chinese,
                math,
                english,
                json.dumps(preferences, ensure_ascii=False),
                parsed.eligible[i],
                "",
                "",
            )
        )
        audit.append(
            (
                (Applicant, pk),
                ChangeAction.CREATE,
                {
                    "round": [None, admission_round.pk],
                    "exam_no": [None, parsed.exam_nos[i]],
                    "name": [None, parsed.names[i]],
                    "id_number": [None, parsed.id_numbers[i]],
                    "junior_school": [None, parsed.junior_ids[i]],
                    "total": [None, _decimal_json(total)],
                    "chinese": [None, _decimal_json(chinese)],
                    "math": [None, _decimal_json(math)],
                    "english": [None, _decimal_json(english)],
                    "preferences": [None, preferences],
                    "eligible": [None, parsed.eligible[i]],
                },
                (parsed.junior_ids[i], code),
                f"{parsed.exam_nos[i]} {parsed.names[i]}".strip(),
            )
        )
    insert_rows(Applicant, columns, rows, prepared=("preferences",))
    record_changes_bulk(audit)
    return n


@transaction.atomic
def round_load_applicants(*, admission_round: AdmissionRound, upload, acting_user=None) -> LoadResult:
    """Replace the round's applicants with those of an uploaded A.csv/.xlsx (docs/admissions.md: exam_no,
    junior_school (学校标识码), total, chinese, math, english, pref1 … prefN, optional quota_eligible, name,
    id_number). Every row is checked first; one bad row and nothing is written. The round goes back to draft."""
    admission_round = _locked_round(admission_round)
    _require(admission_round, "load")
    size = getattr(upload, "size", None)
    limit = settings.EMIS_IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    if size is not None and size > limit:
        raise RoundRefused(_("文件超过 {mb} MB 上限。").format(mb=settings.EMIS_IMPORT_MAX_UPLOAD_MB))
    file_name = Path(getattr(upload, "name", "") or "A.csv").name
    with tempfile.TemporaryDirectory(prefix="emis-round-") as directory:
        path = Path(directory) / file_name
        with open(path, "wb") as out:
            if hasattr(upload, "chunks"):
                for chunk in upload.chunks():
                    out.write(chunk)
            else:
                out.write(upload.read())
        parsed = _read_applicant_file(admission_round, path)
    replaced = _delete_applicants(admission_round)
    created = _insert_applicants(admission_round, parsed)
    _set_status(admission_round, RoundStatus.DRAFT)
    _event("admissions.applicants_loaded", admission_round, file=file_name, created=created, replaced=replaced)
    return LoadResult(created=created, replaced=replaced)


# --- quota allocation -----------------------------------------------------------------------------------------


@dataclass
class AllocationResult:
    rule: str
    quota_seats: int
    allocated: int
    pools: int
    juniors: int


def _junior_weights(admission_round: AdmissionRound) -> dict[int, int]:
    """Weight per junior school id for the round's rule: its applicants, or its 九年级 pupils on roll the year
    before the round's school year (the graduating class)."""
    if admission_round.quota_rule == QuotaRule.GRADUATES:
        from emis.students.choices import ON_ROLL_STATUSES
        from emis.students.models import Enrollment

        rows = (
            Enrollment.objects.filter(
                school_year__start_year=admission_round.school_year.start_year - 1,
                grade="J3",
                is_current=True,
                status__in=ON_ROLL_STATUSES,
                school__category__in=JUNIOR_SCHOOL_CATEGORIES,
                school__township__code__startswith=admission_round.division_code,
            )
            .order_by()
            .values_list("school_id")
            .annotate(n=Count("id"))
        )
        weights = dict(rows)
        if not weights:
            raise RoundRefused(_("学籍中没有上一学年九年级在读学生，无法按九年级人数分配指标。"))
        return weights
    weights = dict(
        Applicant.objects.filter(round=admission_round)
        .order_by()
        .values_list("junior_school_id")
        .annotate(n=Count("id"))
    )
    if not weights:
        raise RoundRefused(_("请先导入考生：按报考人数分配指标需要考生名单。"))
    return weights


def _delete_ids(model, ids: list[int], chunk: int = 500) -> None:
    """DELETE by primary key without loading the rows (the caller records the changes)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part)


def _write_allocations(admission_round: AdmissionRound, wanted: dict[tuple[int, int], int]) -> None:
    """Make the round's allocations equal ``wanted`` ((school id, junior id) → seats): update, insert and delete
    in bulk, each change recorded."""
    existing = {
        (school, junior): (pk, seats)
        for pk, school, junior, seats in QuotaAllocation.objects.filter(round=admission_round).values_list(
            "id", "school_id", "junior_school_id", "seats"
        )
    }
    names = dict(
        School.objects.filter(pk__in={k for key in set(wanted) | set(existing) for k in key}).values_list("id", "name")
    )
    code = admission_round.division_code
    audit, updates, inserts, deletes = [], [], [], []
    for key, seats in wanted.items():
        label = f"{names.get(key[0], key[0])} → {names.get(key[1], key[1])}"
        if key in existing:
            pk, before = existing[key]
            if before != seats:
                updates.append((seats, pk))
                audit.append(
                    ((QuotaAllocation, pk), ChangeAction.UPDATE, {"seats": [before, seats]}, (key[0], code), label)
                )
        else:
            inserts.append((key, seats, label))
    for key, (pk, seats) in existing.items():
        if key not in wanted:
            deletes.append(pk)
            label = f"{names.get(key[0], key[0])} → {names.get(key[1], key[1])}"
            audit.append(
                (
                    (QuotaAllocation, pk),
                    ChangeAction.DELETE,
                    {"school": [key[0], None], "junior_school": [key[1], None], "seats": [seats, None]},
                    (key[0], code),
                    label,
                )
            )
    if updates:
        update_rows(QuotaAllocation, ("seats",), updates)
    if deletes:
        _delete_ids(QuotaAllocation, deletes)
    if inserts:
        pks = allocate_ids(QuotaAllocation, len(inserts))
        insert_rows(
            QuotaAllocation,
            ("id", "round_id", "school_id", "junior_school_id", "seats"),
            [
                (pk, admission_round.pk, key[0], key[1], seats)
                for pk, (key, seats, _label) in zip(pks, inserts, strict=True)
            ],
        )
        for pk, (key, seats, label) in zip(pks, inserts, strict=True):
            audit.append(
                (
                    (QuotaAllocation, pk),
                    ChangeAction.CREATE,
                    {
                        "round": [None, admission_round.pk],
                        "school": [None, key[0]],
                        "junior_school": [None, key[1]],
                        "seats": [None, seats],
                    },
                    (key[0], code),
                    label,
                )
            )
    record_changes_bulk(audit)


@transaction.atomic
def round_allocate_quotas(*, admission_round: AdmissionRound, acting_user=None) -> AllocationResult:
    """The default quota rule (docs/admissions.md) over the round's plans: each quality school's quota seats become
    ``ceil(share × plan)`` (the rest open seats), split among junior schools in proportion to their applicants
    (or 九年级 pupils) by largest remainder, junior schools ordered by code. With the manual rule the allocations
    entered by hand are only checked against the quota seats. Allowed in draft and allocated."""
    admission_round = _locked_round(admission_round)
    _require(admission_round, "allocate")
    plans = list(
        RoundSchool.objects.filter(round=admission_round).select_related("school", "round").order_by("school__code")
    )
    if not plans:
        raise RoundRefused(_("本批次尚未设置招生学校，请先添加高中招生计划。"))
    share = parse_share(admission_round.quota_share)
    for plan in plans:
        if plan.is_quality:
            total = plan.plan
            quota = quota_seats_for_plan(total, share)
            if (plan.open_seats, plan.quota_seats) != (total - quota, quota):
                plan.open_seats, plan.quota_seats = total - quota, quota
                plan.save()
    quality = [plan for plan in plans if plan.is_quality and plan.quota_seats]
    if admission_round.quota_rule == QuotaRule.MANUAL:
        sums: dict[int, int] = defaultdict(int)
        for school_id, seats in QuotaAllocation.objects.filter(round=admission_round).values_list("school_id", "seats"):
            sums[school_id] += seats
        by_school = {plan.school_id: plan for plan in plans}
        problems = []
        for school_id, seats in sums.items():
            plan = by_school.get(school_id)
            if plan is None or not plan.is_quality:
                problems.append(_("指标分配中的学校不是本批次的优质高中。"))
            elif seats > plan.quota_seats:
                problems.append(
                    _("{school} 的指标分配合计 {total}，超过其指标到校名额 {seats}。").format(
                        school=plan.school.name, total=seats, seats=plan.quota_seats
                    )
                )
        if problems:
            raise RoundRefused(*problems)
        allocated, pools = sum(sums.values()), QuotaAllocation.objects.filter(round=admission_round).count()
        juniors = QuotaAllocation.objects.filter(round=admission_round).values("junior_school").distinct().count()
    else:
        weights = _junior_weights(admission_round)
        junior_codes = dict(School.objects.filter(pk__in=list(weights)).values_list("id", "code"))
        juniors_sorted = sorted(weights, key=lambda pk: junior_codes.get(pk, ""))
        matrix = (
            allocate_quotas([plan.quota_seats for plan in quality], [weights[pk] for pk in juniors_sorted])
            if quality
            else np.zeros((0, len(juniors_sorted)), dtype=np.int64)
        )
        wanted = {
            (quality[s].school_id, juniors_sorted[j]): int(matrix[s, j])
            for s, j in zip(*np.nonzero(matrix), strict=True)
        }
        _write_allocations(admission_round, wanted)
        allocated, pools, juniors = sum(wanted.values()), len(wanted), len({j for _s, j in wanted})
    _set_status(admission_round, RoundStatus.ALLOCATED)
    result = AllocationResult(
        rule=admission_round.quota_rule,
        quota_seats=sum(plan.quota_seats for plan in quality),
        allocated=allocated,
        pools=pools,
        juniors=juniors,
    )
    _event(
        "admissions.quotas_allocated",
        admission_round,
        rule=result.rule,
        share=admission_round.quota_share,
        quota_seats=result.quota_seats,
        allocated=result.allocated,
        pools=result.pools,
    )
    return result


# --- solving ---------------------------------------------------------------------------------------------------


@dataclass
class SolveResult:
    applicants: int
    quota: int
    open: int
    not_admitted: int
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


def _hundredths(value: Decimal | None) -> int:
    return int((Decimal(value) * SCORE_SCALE).to_integral_value())


@transaction.atomic
def round_solve(*, admission_round: AdmissionRound, acting_user=None) -> SolveResult:
    """Run the solver (quota phase, then open phase; docs/admissions.md) over the round's plans, allocations and
    applicants; store each applicant's result and explanation (in Chinese) and each school's and pool's admitted
    counts and cut-offs. Re-runnable until published."""
    admission_round = _locked_round(admission_round)
    _require(admission_round, "solve")
    plans = list(RoundSchool.objects.filter(round=admission_round).select_related("school").order_by("school__code"))
    if not plans:
        raise RoundRefused(_("本批次尚未设置招生学校，请先添加高中招生计划。"))
    rows = list(
        Applicant.objects.filter(round=admission_round)
        .order_by("id")
        .values_list(
            "id",
            "exam_no",
            "name",
            "junior_school_id",
            "total",
            "chinese",
            "math",
            "english",
            "preferences",
            "eligible",
            "result_school_id",
            "result_phase",
            "result_preference_rank",
        )
    )
    if not rows:
        raise RoundRefused(_("本批次没有考生，请先导入考生。"))
    allocations = list(
        QuotaAllocation.objects.filter(round=admission_round).values_list(
            "id", "school_id", "junior_school_id", "seats", "admitted", "cutoff"
        )
    )
    school_index = {plan.school.code: i for i, plan in enumerate(plans)}
    plan_of_school = {plan.school_id: i for i, plan in enumerate(plans)}
    junior_ids = {row[3] for row in rows} | {row[2] for row in allocations}
    juniors = sorted(
        School.objects.filter(pk__in=list(junior_ids)).values_list("id", "code", "name"), key=lambda r: r[1]
    )
    junior_index = {pk: j for j, (pk, _code, _name) in enumerate(juniors)}

    problems = []
    width = max([len(row[8] or []) for row in rows] + [1])
    prefs = np.full((len(rows), width), -1, dtype=np.int32)
    for i, row in enumerate(rows):
        for k, code in enumerate(row[8] or []):
            s = school_index.get(code)
            if s is None:
                if len(problems) < SHOWN_PROBLEMS:
                    problems.append(
                        _("考号 {exam_no} 的第 {k} 志愿 {value} 不在本批次的招生学校中。").format(
                            exam_no=row[1], k=k + 1, value=code
                        )
                    )
            else:
                prefs[i, k] = s
    quotas = np.zeros((len(plans), len(juniors)), dtype=np.int64)
    for _pk, school_id, junior_id, seats, _admitted, _cutoff in allocations:
        s = plan_of_school.get(school_id)
        if s is None:
            problems.append(_("指标分配中的学校不是本批次的招生学校，请重新分配指标。"))
            break
        quotas[s, junior_index[junior_id]] = seats
    for s, plan in enumerate(plans):
        if quotas[s].sum() > plan.quota_seats:
            problems.append(
                _("{school} 的指标分配合计 {total}，超过其指标到校名额 {seats}。").format(
                    school=plan.school.name, total=int(quotas[s].sum()), seats=plan.quota_seats
                )
            )
    if problems:
        raise RoundRefused(*problems)

    started = timezone.now()
    scores = np.array([[_hundredths(v) for v in row[4:8]] for row in rows], dtype=np.int64).reshape(-1, 4)
    instance = Instance(
        exam_no=np.array([row[1] for row in rows], dtype=str),
        junior=np.array([junior_index[row[3]] for row in rows], dtype=np.int32),
        scores=scores,
        prefs=prefs,
        school_codes=[plan.school.name for plan in plans],
        junior_codes=[name for _pk, _code, name in juniors],
        open_seats=[plan.open_seats for plan in plans],
        quota_seats=[plan.quota_seats for plan in plans],
        quota_min=[-1 if plan.quota_min_score is None else _hundredths(plan.quota_min_score) for plan in plans],
        quotas=quotas,
        quota_eligible=np.array([bool(row[9]) for row in rows], dtype=bool),
    )
    result = solve(instance, admission_round.tie_break)

    # Explanations are stored in Chinese, whatever the language of the person running the round.
    with translation.override("zh-hans"):
        explanations: list[list[str]] = [[] for _row in rows]
        position = 0
        exam_nos = instance.exam_no.tolist()
        for exam_no, _rank, _school, _outcome, _phase, reason in iter_explanation_tuples(result):
            while exam_nos[position] != exam_no:
                position += 1
            explanations[position].append(reason)

    phase_names = {PHASE_QUOTA: Phase.QUOTA, PHASE_OPEN: Phase.OPEN}
    code = admission_round.division_code
    school_of = result.school.tolist()
    phase_of = result.phase.tolist()
    rank_of = result.preference_rank.tolist()
    updates, audit = [], []
    for i, row in enumerate(rows):
        s = school_of[i]
        school_id = plans[s].school_id if s >= 0 else None
        phase = phase_names.get(phase_of[i], "")
        rank = rank_of[i] or None
        updates.append((school_id, phase, rank, "\n".join(explanations[i]), row[0]))
        before = {"result_school": row[10], "result_phase": row[11], "result_preference_rank": row[12]}
        after = {"result_school": school_id, "result_phase": phase, "result_preference_rank": rank}
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            audit.append(
                ((Applicant, row[0]), ChangeAction.UPDATE, changes, (row[3], code), f"{row[1]} {row[2]}".strip())
            )
    update_rows(Applicant, ("result_school_id", "result_phase", "result_preference_rank", "explanation"), updates)
    record_changes_bulk(audit)

    totals = instance.scores[:, TOTAL]

    def cutoff(applicant: int):
        return None if applicant < 0 else _points(totals[applicant])

    for s, plan in enumerate(plans):
        plan.quota_admitted = int(result.quota_admitted[s])
        plan.open_capacity = int(result.open_capacity[s])
        plan.open_admitted = int(result.open_admitted[s])
        plan.open_cutoff = cutoff(int(result.open_cutoff[s]))
        plan.round = admission_round
        plan.save(update_fields=["quota_admitted", "open_capacity", "open_admitted", "open_cutoff", "updated_at"])
    pool_results = {
        (int(result.pool_school[p]), int(result.pool_junior[p])): (
            int(result.pool_admitted[p]),
            cutoff(int(result.pool_cutoff[p])),
        )
        for p in range(len(result.pool_seats))
    }
    allocation_updates, allocation_audit = [], []
    for pk, school_id, junior_id, _seats, before_admitted, before_cutoff in allocations:
        admitted, cut = pool_results.get((plan_of_school[school_id], junior_index[junior_id]), (0, None))
        allocation_updates.append((admitted, cut, pk))
        changes = {}
        if before_admitted != admitted:
            changes["admitted"] = [before_admitted, admitted]
        if before_cutoff != cut:
            changes["cutoff"] = [_decimal_json(before_cutoff), _decimal_json(cut)]
        if changes:
            allocation_audit.append(((QuotaAllocation, pk), ChangeAction.UPDATE, changes, (school_id, code), str(pk)))
    if allocation_updates:
        update_rows(QuotaAllocation, ("admitted", "cutoff"), allocation_updates)
    record_changes_bulk(allocation_audit)

    _set_status(admission_round, RoundStatus.SOLVED)
    counts = {phase: int((result.phase == phase).sum()) for phase in (PHASE_QUOTA, PHASE_OPEN)}
    outcome = SolveResult(
        applicants=len(rows),
        quota=counts[PHASE_QUOTA],
        open=counts[PHASE_OPEN],
        not_admitted=len(rows) - counts[PHASE_QUOTA] - counts[PHASE_OPEN],
        seconds=(timezone.now() - started).total_seconds(),
        timings=result.timings,
    )
    _event(
        "admissions.round_solved",
        admission_round,
        applicants=outcome.applicants,
        quota=outcome.quota,
        open=outcome.open,
        not_admitted=outcome.not_admitted,
        tie_break=admission_round.tie_break,
    )
    return outcome


# --- publication and appeals -------------------------------------------------------------------------------------


@transaction.atomic
def round_publish(*, admission_round: AdmissionRound, acting_user=None) -> AdmissionRound:
    """Publish a solved round: from now on it, its schools, allocations and applicants are locked."""
    admission_round = _locked_round(admission_round)
    _require(admission_round, "publish")
    admission_round.status = RoundStatus.PUBLISHED
    admission_round.published_at = timezone.now()
    admission_round.published_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    admission_round.save()
    counts = dict(
        Applicant.objects.filter(round=admission_round).order_by().values_list("result_phase").annotate(n=Count("id"))
    )
    _event(
        "admissions.round_published",
        admission_round,
        quota=counts.get(Phase.QUOTA, 0),
        open=counts.get(Phase.OPEN, 0),
        not_admitted=counts.get("", 0),
    )
    return admission_round


@transaction.atomic
def round_appeal_record(*, applicant: Applicant, received_on, reason: str, acting_user=None) -> Appeal:
    """Record an applicant's appeal against a published result."""
    applicant = Applicant.objects.select_related("round").get(pk=applicant.pk)
    if applicant.round.status != RoundStatus.PUBLISHED:
        raise RoundRefused(_("录取结果发布后方可登记申诉。"))
    if not (reason or "").strip():
        raise RoundRefused(_("请填写申诉理由。"))
    appeal = Appeal.objects.create(applicant=applicant, received_on=received_on, reason=reason.strip())
    record_event(
        "admissions.appeal_received",
        data={"appeal": appeal.pk, "round": applicant.round_id, "exam_no": applicant.exam_no},
        school_id=applicant.junior_school_id,
        division_code=applicant.round.division_code,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, status: str, decision: str, acting_user=None) -> Appeal:
    """Decide an appeal once: upheld or dismissed, with the decision's text. The published round stays locked."""
    appeal = Appeal.objects.select_for_update().select_related("applicant__round").get(pk=appeal.pk)
    if appeal.is_decided:
        raise RoundRefused(_("该申诉已处理（{status}），不能再次处理。").format(status=appeal.get_status_display()))
    if status not in APPEAL_DECISIONS:
        raise RoundRefused(_("请选择处理结果：申诉成立或申诉不成立。"))
    if not (decision or "").strip():
        raise RoundRefused(_("请填写处理意见。"))
    appeal.status = status
    appeal.decision = decision.strip()
    appeal.decided_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    appeal.decided_at = timezone.now()
    appeal.save()
    record_event(
        "admissions.appeal_decided",
        data={"appeal": appeal.pk, "round": appeal.applicant.round_id, "status": status},
        school_id=appeal.applicant.junior_school_id,
        division_code=appeal.applicant.round.division_code,
    )
    return appeal


# --- deleting ----------------------------------------------------------------------------------------------------


@transaction.atomic
def round_object_delete(*, obj, acting_user=None) -> None:
    """Delete a round, or one of its plans, allocations or applicants, or an appeal, with the round's rules: nothing
    of a published round (appeals only until decided); deleting a plan deletes its allocations; the round goes back
    to the step the row was used in."""
    if isinstance(obj, Appeal):
        obj = Appeal.objects.select_for_update().get(pk=obj.pk)
        if obj.is_decided:
            raise RoundRefused(_("申诉已处理，不能删除。"))
        obj.delete()
        return
    admission_round = obj if isinstance(obj, AdmissionRound) else obj.round
    admission_round = _locked_round(admission_round)
    if admission_round.is_locked:
        raise RoundRefused(locked_message(admission_round))
    if isinstance(obj, AdmissionRound):
        _delete_applicants(admission_round)
        _write_allocations(admission_round, {})
        for plan in RoundSchool.objects.filter(round=admission_round).select_related("school", "round"):
            plan.delete()
        admission_round.delete()
        return
    if isinstance(obj, RoundSchool):
        for allocation in QuotaAllocation.objects.filter(round=admission_round, school_id=obj.school_id):
            allocation.delete()
        obj.delete()
        round_changed(admission_round=admission_round, back_to=RoundStatus.DRAFT)
    elif isinstance(obj, QuotaAllocation):
        obj.delete()
        round_changed(admission_round=admission_round, back_to=RoundStatus.ALLOCATED)
    elif isinstance(obj, Applicant):
        obj.delete()
        round_changed(admission_round=admission_round, back_to=applicant_stage(admission_round))
    else:  # pragma: no cover - the views only pass the models above
        raise TypeError(type(obj))
