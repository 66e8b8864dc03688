"""Background entry points of the reports app: load by id, call a service, nothing else."""

from django_tasks import task


@task()
def annual_draft_task(user_id: int, year: int, baseline: int | None, language: str, key: str) -> None:
    from emis.reports.annual.services import annual_draft_run

    annual_draft_run(user_id=user_id, year=year, baseline=baseline, language=language, key=key)
