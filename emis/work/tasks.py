"""Background entry points: the daily deadline sweep (run by `emis work_sweep` from cron, or enqueued)."""

from django_tasks import task


@task()
def sweep_deadlines_task() -> dict:
    from .deadlines import sweep

    return sweep()
