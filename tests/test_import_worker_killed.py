"""A task worker killed mid-import (SIGKILL, out of memory, a restart): its batch is told failed at once, and the
import's open transaction died with its database session, so nothing of it was written (PostgreSQL only: the
claim is a session's advisory lock; bench/cluster shows the same with real RQ workers)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from emis.core.imports import service
from emis.core.models import ImportBatch, ImportStatus
from emis.students.models import Student
from emis.testing import build_county

# The "worker": its own database session claims the batch as import_batch_run does, marks it running, and writes
# part of an import in its still open transaction; then it waits to be killed.
WORKER = """
import json, os, sys, time
import psycopg
p = json.loads(os.environ["CLAIM_PARAMS"])
conn = psycopg.connect(dbname=p["dbname"], user=p["user"], host=p["host"], port=p["port"], password=p["password"])
conn.autocommit = True
conn.execute("SELECT pg_advisory_lock(%s, %s)", (p["namespace"], p["batch"]))
conn.execute("UPDATE core_importbatch SET status = 'running' WHERE id = %s", (p["batch"],))
conn.autocommit = False
conn.execute("UPDATE students_student SET name = '写了一半' WHERE id = %s", (p["student"],))
print("ready", flush=True)
time.sleep(600)
"""


def _claim_params(batch, student) -> dict:
    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "user": db["USER"] or "postgres",
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "password": db["PASSWORD"] or None,
        "namespace": service._CLAIM_NAMESPACE,
        "batch": batch.pk,
        "student": student.pk,
    }


def _committed_batch(user, **fields) -> ImportBatch:
    """A students batch whose commit was asked for (not a dry run), as the task worker receives it."""
    return ImportBatch.objects.create(
        kind="students",
        file_name="roster.xlsx",
        file="imports/roster.xlsx",
        sha256="",
        user=user,
        username=user.username,
        school_year=2024,
        dry_run=False,
        **fields,
    )


@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_worker_is_killed_is_failed_at_once_with_nothing_written():
    if connection.vendor != "postgresql":
        pytest.skip("the worker's claim is a PostgreSQL session lock; SQLite relies on EMIS_IMPORT_STALE_HOURS")
    county = build_county()
    admin = county.users["admin"]
    student = Student.objects.first()
    name_before = student.name
    batch = _committed_batch(admin)
    env = {**os.environ, "CLAIM_PARAMS": json.dumps(_claim_params(batch, student))}
    worker = subprocess.Popen([sys.executable, "-c", WORKER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "ready"
        # Alive: the sweeps leave its batch running, and a second delivery of the same job does not run it again.
        service.purge_expired_imports()
        assert service.import_batch_run(batch_id=batch.pk).status == ImportStatus.RUNNING
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.RUNNING
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    # The server ends the session when it sees the socket closed: a moment, not the hours of the age rule.
    deadline = time.monotonic() + 30
    while ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.RUNNING and time.monotonic() < deadline:
        service.purge_expired_imports()
        time.sleep(0.2)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "意外退出" in batch.error_message and batch.finished_at is not None
    student.refresh_from_db()
    assert student.name == name_before  # the killed transaction's write is gone


@pytest.mark.django_db(transaction=True)
def test_a_worker_sweeping_after_its_batch_leaves_its_own_batch_alone():
    """Advisory locks are re-entrant within a session: the purge that runs inside import_batch_run (while its
    batch is still marked running) must not take that batch for abandoned."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    county = build_county()
    admin = county.users["admin"]
    batch = _committed_batch(admin, status=ImportStatus.RUNNING)
    with service.worker_claim(batch.pk) as claimed:
        assert claimed
        assert service.fail_abandoned_batches() == 0
        assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.RUNNING
    assert service.fail_abandoned_batches() == 1  # released and still marked running: abandoned
