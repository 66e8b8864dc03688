"""Finding 6 through the queue: the database worker takes the 1.7 KB hostile file, then a valid one.

Before the fix the worker process (here, the test process) aborted on the first file. In a module of its
own because it needs real transactions, which the module-scoped county of the other tests cannot share.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from emis.core.imports import samples, service
from emis.core.models import ImportStatus


@pytest.mark.django_db(transaction=True)
def test_the_worker_marks_the_hostile_batch_rejected_and_runs_the_next_one():
    """The attack through the queue: the database worker takes the 1.7 KB file, then a valid one."""
    from emis.testing import build_county

    county = build_county()
    user = county.users["admin"]
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    good = samples.xlsx(
        samples.sheet_xml(
            [
                samples.row_xml(1, samples.STUDENT_HEADER),
                samples.row_xml(2, [county.school_a1.code, "三年级", "9班", "队列", "男", "2016-01-02", ""]),
            ],
            dimension=None,
        )
    )
    with override_settings(TASKS=tasks):
        with transaction.atomic():
            hostile = service.import_batch_create(
                kind="students",
                upload=SimpleUploadedFile("far.xlsx", samples.header_and_far_cell()),
                school_year=2024,
                dry_run=True,
                acting_user=user,
            )
            after = service.import_batch_create(
                kind="students",
                upload=SimpleUploadedFile("ok.xlsx", good),
                school_year=2024,
                dry_run=True,
                acting_user=user,
            )
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    hostile.refresh_from_db()
    after.refresh_from_db()
    assert hostile.status == ImportStatus.REJECTED
    assert "上限" in hostile.error_message
    assert after.status not in (ImportStatus.PENDING, ImportStatus.RUNNING)
