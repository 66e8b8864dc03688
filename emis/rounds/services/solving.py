"""The solve step: run the solver over a round and store its results (re-runnable until published).

A page asks for a run (``round_solve_request``: a ``SolveRun`` queued, the task enqueued once the request's
transaction commits); the task worker runs it (``round_solve_run`` → ``round_solve``), telling its percentage
through the shared cache (as imports do: the run's own transaction is not visible until it ends), and records how
it ended: done with the counts, or failed with the reasons in Chinese. The round page shows the run while it is
queued or running and tells the user who asked how it ended (``runs_to_announce``). Tests and scripts may call
``round_solve`` directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import audit_context
from emis.core.models import ChangeSource

from ..choices import ACTIVE_SOLVE_STATUSES, RoundStatus, SolveStatus
from ..models import AdmissionRound, SolveRun
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


# --- the solve step as a task ------------------------------------------------------------------------------------

# A run still queued or running after this long is taken as lost (a worker stopped): it no longer blocks a new one.
STALE_AFTER = timedelta(hours=3)


def _progress_key(run_id: int) -> str:
    return f"emis:round-solve-progress:{run_id}"


def active_run(admission_round: AdmissionRound) -> SolveRun | None:
    """The round's run that is queued or running, if any."""
    return (
        SolveRun.objects.filter(
            round=admission_round,
            status__in=ACTIVE_SOLVE_STATUSES,
            created_at__gte=timezone.now() - STALE_AFTER,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def run_progress(run: SolveRun) -> int:
    """How far a run got, in percent: from the worker while it runs, 100 once done."""
    if run.status == SolveStatus.DONE:
        return 100
    if run.status == SolveStatus.RUNNING:
        return cache.get(_progress_key(run.pk), 0)
    return 0


def round_solve_request(*, admission_round: AdmissionRound, acting_user) -> SolveRun:
    """Queue a solve run of the round. Refused at once (RoundRefused) when the round's status does not allow
    solving or a run of it is already queued or running; the rest is checked by the run itself."""
    workflow.require(admission_round, "solve")
    if active_run(admission_round) is not None:
        raise workflow.RoundRefused(_("本批次正在录取计算，请等待完成。"))
    run = SolveRun.objects.create(
        round=admission_round,
        requested_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: _enqueue(run))
    return run


def _enqueue(run: SolveRun) -> None:
    from ..tasks import round_solve_task

    round_solve_task.enqueue(run.pk)


def round_solve_run(*, run_id: int) -> SolveRun:
    """Run one queued solve run (called by the task worker): running, then done with the counts or failed with
    the reasons. The changes are logged as made on the web by the user who asked for the run."""
    run = SolveRun.objects.select_related("round", "requested_by").get(pk=run_id)
    if run.status != SolveStatus.QUEUED:
        return run
    SolveRun.objects.filter(pk=run.pk).update(status=SolveStatus.RUNNING, started_at=timezone.now())
    run.status = SolveStatus.RUNNING

    def progress(percent: int) -> None:
        cache.set(_progress_key(run.pk), percent, timeout=3600)

    try:
        with audit_context(user=run.requested_by, source=ChangeSource.WEB):
            outcome = round_solve(admission_round=run.round, acting_user=run.requested_by, progress=progress)
    except workflow.RoundRefused as exc:
        run.status, run.messages, run.more = SolveStatus.FAILED, exc.messages, exc.more
    except Exception as exc:  # the run must end in a visible state whatever went wrong; the worker logs it
        run.status = SolveStatus.FAILED
        run.messages = [_("录取计算出错（{error}），请重试或联系系统管理员。").format(error=exc.__class__.__name__)]
        _finish(run)
        raise
    else:
        run.status = SolveStatus.DONE
        run.counts = {key: value for key, value in asdict(outcome).items() if key != "timings"}
    _finish(run)
    return run


def _finish(run: SolveRun) -> None:
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "messages", "more", "counts", "finished_at"])
    cache.delete(_progress_key(run.pk))


def runs_to_announce(admission_round: AdmissionRound, user) -> list[SolveRun]:
    """The user's runs of the round that have ended since the user last looked, marked as told."""
    runs = list(
        SolveRun.objects.filter(
            round=admission_round,
            requested_by_id=user.pk,
            announced=False,
            status__in=(SolveStatus.DONE, SolveStatus.FAILED),
        ).order_by("created_at", "id")
    )
    if runs:
        SolveRun.objects.filter(pk__in=[run.pk for run in runs]).update(announced=True)
    return runs
