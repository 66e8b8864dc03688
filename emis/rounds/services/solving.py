"""The solve step: run the solver over a round and store its results (re-runnable until published). Run by the
task worker (tasks.round_solve_task), which reports its progress; tests and the command line call it directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..choices import RoundStatus
from ..models import AdmissionRound
from ..solver.engine import PHASE_OPEN, PHASE_QUOTA, solve
from . import solve_adapter, workflow


@dataclass
class SolveResult:
    applicants: int
    quota: int
    open: int
    not_admitted: int
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


@transaction.atomic
def round_solve(
    *, admission_round: AdmissionRound, acting_user=None, progress: Callable[[int], None] | None = None
) -> SolveResult:
    """Run the solver (quota phase, then open phase; docs/admissions.md) over the round's plans, allocations and
    applicants; store each applicant's result and explanation (in Chinese) and each school's and pool's admitted
    counts and cut-offs. Re-runnable until published. ``progress(percent)`` is told how far it got."""
    report = progress or (lambda percent: None)
    admission_round = workflow.locked_round(admission_round)
    workflow.require(admission_round, "solve")
    report(5)
    solve_input = solve_adapter.read_round(admission_round)
    report(25)
    started = timezone.now()
    result = solve(solve_input.instance, admission_round.tie_break)
    report(60)
    solve_adapter.store_results(admission_round, solve_input, result, report)
    workflow.set_status(admission_round, RoundStatus.SOLVED)
    counts = {phase: int((result.phase == phase).sum()) for phase in (PHASE_QUOTA, PHASE_OPEN)}
    applicants = len(solve_input.applicants)
    outcome = SolveResult(
        applicants=applicants,
        quota=counts[PHASE_QUOTA],
        open=counts[PHASE_OPEN],
        not_admitted=applicants - counts[PHASE_QUOTA] - counts[PHASE_OPEN],
        seconds=(timezone.now() - started).total_seconds(),
        timings=result.timings,
    )
    workflow.event(
        "admissions.round_solved",
        admission_round,
        applicants=outcome.applicants,
        quota=outcome.quota,
        open=outcome.open,
        not_admitted=outcome.not_admitted,
        tie_break=admission_round.tie_break,
    )
    return outcome
