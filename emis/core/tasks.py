"""Background entry points: load by id, call a service, nothing else."""

from django_tasks import task


@task()
def import_run_task(batch_id: int) -> None:
    from emis.core.imports.service import import_batch_run

    import_batch_run(batch_id=batch_id)


@task()
def export_run_task(job_id: int) -> None:
    from emis.core.exports import export_job_run

    export_job_run(job_id=job_id)
