"""The solve step's task on the default backend: the run waits in the database until `manage.py db_worker` runs it.
Apart from the other tests of the module-scoped county: this one commits."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from emis.rounds.choices import RoundStatus, SolveStatus
from emis.rounds.models import Applicant, SolveRun
from emis.testing import build_county, build_rounds

from .test_solve_task import admin_client, solved_back_to_allocated

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_a_run_queued_in_the_database_is_run_by_the_db_worker():
    """The default backend: the run waits in the database until `manage.py db_worker` runs it."""
    county = build_county()
    build_rounds(county)
    round_ = solved_back_to_allocated(county)
    client = admin_client(county)
    with override_settings(TASKS=DB_TASKS):
        with transaction.atomic():  # as a page's request would be, committing before the task is queued
            response = client.post(reverse("rounds:round_solve", args=[round_.pk]))
        assert response.status_code == 302
        assert SolveRun.objects.get().status == SolveStatus.QUEUED
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    run = SolveRun.objects.get()
    assert run.status == SolveStatus.DONE, run.messages
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SOLVED
    assert Applicant.objects.get(round=round_, exam_no="2024001").result_school_id == county.senior_school.pk
