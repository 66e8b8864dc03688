"""Imports run as background tasks: through the database backend's queue and through Redis (RQ) workers."""

import io
import os
import uuid

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings

from emis.core.imports.service import import_batch_create
from emis.core.models import ImportBatch, ImportStatus
from emis.students.models import Student
from emis.testing import build_county, id_for

HEADERS = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号"]


def roster(county, count: int) -> SimpleUploadedFile:
    import datetime as dt

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for row in range(1, count + 1):
        birth = dt.date(2016, 1, 1) + dt.timedelta(days=row)
        sheet.write_row(
            row, 0, [county.school_a1.code, "三年级", "9班", f"任务{row}", "男", birth.isoformat(), id_for(birth, "1")]
        )
    workbook.close()
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


def _redis_available() -> bool:
    try:
        import redis
    except ImportError:  # the optional rq extra is not installed
        return False
    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return False


@pytest.mark.django_db(transaction=True)
def test_import_queued_on_redis_is_run_by_an_rq_worker(settings):
    """EMIS_TASKS=rq: the upload's task goes to Redis, and an RQ worker (as on many machines) runs it."""
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis must answer on 127.0.0.1:6379 and the rq extra be installed in CI")
        pytest.skip("no Redis on 127.0.0.1:6379, or the rq extra (pip install -e '.[rq]') is not installed")
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue_name = f"emis-test-{uuid.uuid4().hex[:8]}"
    rq_queues = {queue_name: {"URL": "redis://127.0.0.1:6379/0"}, "default": {"URL": "redis://127.0.0.1:6379/0"}}
    tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue_name]}}
    county = build_county()
    from emis.core import tasks as core_tasks

    with override_settings(RQ_QUEUES=rq_queues, TASKS=tasks):
        original = core_tasks.import_run_task
        core_tasks.import_run_task = original.using(queue_name=queue_name)
        try:
            with transaction.atomic():
                batch = import_batch_create(
                    kind="students",
                    upload=roster(county, 5),
                    school_year=2024,
                    dry_run=False,
                    acting_user=county.users["admin"],
                )
            assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING  # queued, not run inline
            queue = django_rq.get_queue(queue_name, job_class=Job)
            assert queue.count == 1
            SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        finally:
            core_tasks.import_run_task = original
            queue = django_rq.get_queue(queue_name)
            queue.empty()
            queue.delete(delete_jobs=True)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED, batch.error_message
    assert batch.counts["new"] == 5
    assert Student.objects.filter(name__startswith="任务").count() == 5


@pytest.mark.django_db(transaction=True)
def test_import_queued_in_the_database_is_run_by_the_db_worker():
    """The default backend: the upload's task waits in the database until `manage.py db_worker` runs it."""
    from django.core.management import call_command

    county = build_county()
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=tasks):
        with transaction.atomic():
            batch = import_batch_create(
                kind="students",
                upload=roster(county, 3),
                school_year=2024,
                dry_run=True,
                acting_user=county.users["admin"],
            )
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED, batch.error_message
    assert batch.counts["new"] == 3
    assert not Student.objects.filter(name__startswith="任务").exists()  # a dry run writes nothing
