"""Between the database and the solver: a round's plans, allocations and applicants become the solver's arrays
(``read_round``), and the solver's result becomes each applicant's result and explanation, each school's and
each quota pool's admitted counts and cut-offs (``store_results``). The solver itself (``emis.rounds.solver``,
numpy, no Django) knows nothing of rows and ids."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.utils import translation
from django.utils.translation import gettext as _

from emis.orgs.models import School

from ..choices import Phase
from ..models import AdmissionRound, Applicant, QuotaAllocation, RoundSchool
from ..solver.engine import PHASE_OPEN, PHASE_QUOTA, SCORE_SCALE, TOTAL, Instance, Result
from ..solver.explain import iter_explanation_tuples
from . import bulk
from .workflow import SHOWN_PROBLEMS, RoundRefused

APPLICANT_FIELDS = (
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
ALLOCATION_FIELDS = ("id", "school_id", "junior_school_id", "seats", "admitted", "cutoff")


@dataclass
class SolveInput:
    """A round as the solver sees it, with what is needed to write the result back: the plans (school index s is
    ``plans[s]``), the applicant and allocation rows as read (their order is the instance's), the junior schools'
    index by id."""

    plans: list[RoundSchool]
    applicants: list[tuple]  # APPLICANT_FIELDS
    allocations: list[tuple]  # ALLOCATION_FIELDS
    plan_of_school: dict[int, int]
    junior_index: dict[int, int]
    instance: Instance


def hundredths(value: Decimal | None) -> int:
    return int((Decimal(value) * SCORE_SCALE).to_integral_value())


def read_round(admission_round: AdmissionRound) -> SolveInput:
    """The round's rows as the solver's instance. Refused (RoundRefused, every problem named) when there are no
    plans or applicants, a preference is not a school of the round, or the allocations do not fit the plans."""
    plans = list(RoundSchool.objects.filter(round=admission_round).select_related("school").order_by("school__code"))
    if not plans:
        raise RoundRefused(_("本批次尚未设置招生学校，请先添加高中招生计划。"))
    rows = list(Applicant.objects.filter(round=admission_round).order_by("id").values_list(*APPLICANT_FIELDS))
    if not rows:
        raise RoundRefused(_("本批次没有考生，请先导入考生。"))
    allocations = list(QuotaAllocation.objects.filter(round=admission_round).values_list(*ALLOCATION_FIELDS))
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

    scores = np.array([[hundredths(v) for v in row[4:8]] for row in rows], dtype=np.int64).reshape(-1, 4)
    instance = Instance(
        exam_no=np.array([row[1] for row in rows], dtype=str),
        junior=np.array([junior_index[row[3]] for row in rows], dtype=np.int32),
        scores=scores,
        prefs=prefs,
        school_codes=[plan.school.name for plan in plans],
        junior_codes=[name for _pk, _code, name in juniors],
        open_seats=[plan.open_seats for plan in plans],
        quota_seats=[plan.quota_seats for plan in plans],
        quota_min=[-1 if plan.quota_min_score is None else hundredths(plan.quota_min_score) for plan in plans],
        quotas=quotas,
        quota_eligible=np.array([bool(row[9]) for row in rows], dtype=bool),
    )
    return SolveInput(plans, rows, allocations, plan_of_school, junior_index, instance)


def explanations(solve_input: SolveInput, result: Result) -> list[str]:
    """Each applicant's explanation (one line per preference), in Chinese whatever the language of the person
    running the round: they are stored."""
    with translation.override("zh-hans"):
        lines: list[list[str]] = [[] for _row in solve_input.applicants]
        position = 0
        exam_nos = solve_input.instance.exam_no.tolist()
        for exam_no, _rank, _school, _outcome, _phase, reason in iter_explanation_tuples(result):
            while exam_nos[position] != exam_no:
                position += 1
            lines[position].append(reason)
    return ["\n".join(applicant_lines) for applicant_lines in lines]


def store_results(
    admission_round: AdmissionRound,
    solve_input: SolveInput,
    result: Result,
    progress: Callable[[int], None] = lambda percent: None,
) -> None:
    """Write the solver's result back: applicants (in bulk, change-logged), the schools' plans and the pools."""
    plans = solve_input.plans
    texts = explanations(solve_input, result)
    progress(75)
    phase_names = {PHASE_QUOTA: Phase.QUOTA, PHASE_OPEN: Phase.OPEN}
    school_of = result.school.tolist()
    phase_of = result.phase.tolist()
    rank_of = result.preference_rank.tolist()
    applicant_rows = []
    for i, row in enumerate(solve_input.applicants):
        s = school_of[i]
        after = (plans[s].school_id if s >= 0 else None, phase_names.get(phase_of[i], ""), rank_of[i] or None)
        applicant_rows.append((row[0], row[1], row[2], row[3], tuple(row[10:13]), after, texts[i]))
    bulk.update_applicant_results(admission_round, applicant_rows)
    progress(90)

    totals = solve_input.instance.scores[:, TOTAL]

    def cutoff(applicant: int):
        return None if applicant < 0 else bulk.points(totals[applicant])

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
    allocation_rows = []
    for pk, school_id, junior_id, _seats, before_admitted, before_cutoff in solve_input.allocations:
        key = (solve_input.plan_of_school[school_id], solve_input.junior_index[junior_id])
        allocation_rows.append((pk, school_id, (before_admitted, before_cutoff), pool_results.get(key, (0, None))))
    bulk.update_allocation_results(admission_round, allocation_rows)
