"""Background entry points of the rounds: load by id, call a service, nothing else."""

from django_tasks import task


@task()
def round_solve_task(run_id: int) -> None:
    from .services.solving import round_solve_run

    round_solve_run(run_id=run_id)
