"""The senior-high admission round's workflow (中考录取): load applicants, allocate quotas, solve, publish, appeals.

Every service is atomic, refuses with Chinese messages (``RoundRefused``), and is audited: rows are change-logged
(in bulk for the applicants of a round, which can number tens of thousands), and each step writes a named
``AuditEvent``. One module per concern:

workflow        the state machine: statuses, which step may run when, sending a round back, publishing, deleting
applicant_file  reading and checking an applicant file (the solver's public file reader plus the round's rules)
loading         the load step (replace the applicants)
allocation      the allocate step (quota seats split among junior schools)
solve_adapter   database rows → the solver's arrays, and its result → rows
solving         the solve step, run as a task (tasks.py) with its progress
bulk            the bulk writes (and their change records) the steps use
appeals         appeals against a published result

The solving itself is ``emis.rounds.solver`` (numpy, no Django; docs/admissions.md).
"""

from .allocation import AllocationResult, round_allocate_quotas
from .appeals import appeal_decide, round_appeal_record
from .loading import LoadResult, round_load_applicants
from .solving import (
    SolveResult,
    active_run,
    round_solve,
    round_solve_request,
    round_solve_run,
    run_progress,
    runs_to_announce,
)
from .workflow import (
    SHOWN_PROBLEMS,
    RoundRefused,
    applicant_stage,
    ensure_unlocked,
    round_changed,
    round_object_delete,
    round_publish,
    round_row_save,
)

__all__ = [
    "SHOWN_PROBLEMS",
    "AllocationResult",
    "LoadResult",
    "RoundRefused",
    "SolveResult",
    "appeal_decide",
    "applicant_stage",
    "ensure_unlocked",
    "round_allocate_quotas",
    "round_appeal_record",
    "round_changed",
    "round_load_applicants",
    "round_object_delete",
    "round_publish",
    "round_row_save",
    "round_solve",
    "round_solve_request",
    "round_solve_run",
    "run_progress",
    "runs_to_announce",
    "active_run",
]
