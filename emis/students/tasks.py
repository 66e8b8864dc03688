"""Background entry points of the students app: load by id, call a service, nothing else."""

from django_tasks import task


@task()
def promotion_task(roll_change_id: int) -> None:
    from .rollchanges import promotion_run

    promotion_run(roll_change_id=roll_change_id)
