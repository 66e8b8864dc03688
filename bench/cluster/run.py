"""The distributed set-up under a mixed load, on one machine (127.0.0.1 only).

    .venv/bin/python bench/cluster/run.py                      # ~60 s of mixed load, then the worker kill
    .venv/bin/python bench/cluster/run.py --seconds 30 --users 16
    .venv/bin/python bench/cluster/run.py --keep-template      # keep the loaded county for the next runs
    .venv/bin/python bench/cluster/run.py --template cluster_bench_template

Starts: a fresh PostgreSQL database (migrated, the demo county 通山县 loaded, or copied from --template), moto's S3
server (uploads through django-storages), gunicorn (--web-workers, static files by WhiteNoise), --rq-workers RQ
workers on Redis (tasks and cache), all with config.settings.production. Then:

1. baseline: page views only, against one gunicorn worker; then the same against the cluster (the ratio);
2. mixed load for --seconds: viewers of every role, offices importing rosters (upload, dry run, commit),
   annual-report drafts (docx by a worker), indicator snapshots; then waits for the work asked for to finish;
3. checks: every job ended (done or failed), every committed batch wrote all its rows, every failed one none;
4. a worker killed (SIGKILL, with its work horse) in the middle of a large import's commit: what the batch says,
   what was written, and the same file committed again on the remaining workers.

Prints the summary with the load average; tears everything down (processes, the database, the Redis db).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import load  # noqa: E402
from stack import Stack, free_redis_db, say  # noqa: E402

VIEWER_ROLES = ["leader", "section", "township", "school", "inspector", "admin"]


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def page_views(base: str, users: int, seconds: float, think: float) -> tuple[load.Record, float]:
    record = load.Record()
    ready = threading.Barrier(users + 1)
    threads = [
        threading.Thread(
            target=load.run_viewer,
            args=(load.User(base, VIEWER_ROLES[i % len(VIEWER_ROLES)], record, f"viewer{i}"), seconds, think, ready),
        )
        for i in range(users)
    ]
    for t in threads:
        t.start()
    ready.wait()  # signed in: the window starts
    started = time.monotonic()
    for t in threads:
        t.join()
    return record, time.monotonic() - started


def count_views(record: load.Record) -> int:
    return sum(len(v) for k, v in record.latencies.items() if k in ("home", "list", "detail", "dashboard", "static"))


def views_p95(record: load.Record) -> float:
    return p95([x for k, v in record.latencies.items() if k in ("home", "list", "detail", "dashboard") for x in v])


class RowNumbers:
    """Hands each roster a block of row numbers, so that ID numbers are unique across the run's imports."""

    def __init__(self):
        self.next, self.lock = 0, threading.Lock()

    def __call__(self, rows: int) -> int:
        with self.lock:
            first, self.next = self.next, self.next + rows + 1
            return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="mixed load duration (default 60)")
    parser.add_argument("--baseline-seconds", type=float, default=20, help="each page-view-only phase (default 20)")
    parser.add_argument("--users", type=int, default=24, help="simulated page viewers (default 24)")
    parser.add_argument("--importers", type=int, default=3)
    parser.add_argument("--drafters", type=int, default=2)
    parser.add_argument("--import-rows", type=int, default=300)
    parser.add_argument("--kill-rows", type=int, default=20000, help="rows of the import killed mid-commit")
    parser.add_argument("--think", type=float, default=0.2, help="mean pause between a viewer's pages (s)")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--rq-workers", type=int, default=3)
    parser.add_argument("--template", help="copy this database instead of migrating and loading the demo")
    parser.add_argument(
        "--keep-template", action="store_true", help="keep the loaded database as cluster_bench_template"
    )
    parser.add_argument("--keep", action="store_true", help="leave the database (not the processes) for a look")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="emis-cluster-"))
    stack = Stack(db_name=f"cluster_bench_{uuid.uuid4().hex[:8]}", tmp=tmp, redis_db=free_redis_db())
    try:
        summary = run(stack, args)
    finally:
        say("tearing down")
        stack.stop_all()
        try:
            import redis

            redis.Redis(host="127.0.0.1", port=6379, db=stack.redis_db).flushdb()
        except Exception as exc:  # noqa: BLE001
            say(f"could not empty Redis db {stack.redis_db}: {exc}")
        if not args.keep:
            from django.db import connections

            connections.close_all()
            stack.drop_database()
    print(summary)


def run(stack: Stack, args) -> str:
    timings = {}
    stack.start_s3()
    os.environ.update(stack.env)
    import django

    django.setup()
    started = time.monotonic()
    if args.template:
        say(f"database {stack.db_name} from template {args.template}")
        stack.create_database(template=args.template)
        stack.manage("migrate", "-v0")
        loaded = f"copied from {args.template}"
    else:
        say(f"database {stack.db_name}: migrate, load the demo county 通山县 (several minutes)")
        stack.create_database()
        stack.manage("migrate", "-v0")
        stack.manage("load_demo", "tongshan")
        loaded = "demo county 通山县 (emis load_demo tongshan)"
        if args.keep_template:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "cluster_bench_template"')
                conn.execute(f'CREATE DATABASE "cluster_bench_template" TEMPLATE "{stack.db_name}"')
            say("kept the loaded county as database cluster_bench_template")
    timings["setup (db, migrate, load)"] = time.monotonic() - started
    stack.manage("collectstatic", "--noinput", "-v0")

    from django.contrib.contenttypes.models import ContentType

    from emis.accounts.models import User
    from emis.core.imports.service import batch_progress
    from emis.core.models import ChangeAction, ImportBatch, ObjectChange
    from emis.indicators.models import IndicatorSnapshot
    from emis.students.models import Student

    # The demo's passwords are published: every page asks to change them first. The bench's users skip that.
    User.objects.filter(username__in=VIEWER_ROLES).update(must_change_password=False)
    school = User.objects.get(username="school").schools.first()
    say(f"S3 on :{stack.s3_port}, Redis db {stack.redis_db}; starting gunicorn and RQ workers")

    # 1. Baseline: one gunicorn worker, page views only.
    port1 = stack.start_gunicorn("gunicorn-1", 1)
    base1 = f"http://127.0.0.1:{port1}"
    say(f"baseline: {args.users} viewers for {args.baseline_seconds:.0f} s against 1 gunicorn worker")
    base_record, base_elapsed = page_views(base1, args.users, args.baseline_seconds, args.think)
    stack.kill("gunicorn-1")

    port = stack.start_gunicorn("gunicorn", args.web_workers)
    base = f"http://127.0.0.1:{port}"
    for i in range(args.rq_workers):
        stack.start_rq_worker(f"rq-{i}")
    say(f"cluster: {args.users} viewers for {args.baseline_seconds:.0f} s against {args.web_workers} gunicorn workers")
    cl_record, cl_elapsed = page_views(base, args.users, args.baseline_seconds, args.think)

    # 2. Mixed load.
    record = load.Record()
    numbers = RowNumbers()

    def status_of(pk: int) -> str:
        return ImportBatch.objects.values_list("status", flat=True).get(pk=pk)

    students_before = Student.objects.count()
    snapshots_before = IndicatorSnapshot.objects.count()
    ready = threading.Barrier(args.users + 1)
    viewers = []
    for i in range(args.users):
        user = load.User(base, VIEWER_ROLES[i % len(VIEWER_ROLES)], record, f"viewer{i}")
        viewers.append(threading.Thread(target=load.run_viewer, args=(user, args.seconds, args.think, ready)))
    for t in viewers:
        t.start()
    ready.wait()
    until = time.monotonic() + args.seconds
    drain_until = until + 180
    threads = []
    # Each importing office is its own account's session; the per-user queue limit is 3 batches.
    for i in range(args.importers):
        username = ["school", "section", "admin"][i % 3]
        importer = load.Importer(
            load.User(base, username, record, f"importer{i}"), school.code, numbers, args.import_rows, status_of
        )
        threads.append(threading.Thread(target=importer.run, args=(until, drain_until)))
    for i in range(args.drafters):
        user = load.User(base, ["leader", "section"][i % 2], record, f"drafter{i}")
        threads.append(threading.Thread(target=load.run_drafter, args=(user, until, drain_until)))
    threads.append(
        threading.Thread(target=load.run_publisher, args=(load.User(base, "section", record, "publisher"), until, 5.0))
    )
    say(f"mixed load for {args.seconds:.0f} s: {len(threads)} simulated users")
    mixed_started = time.monotonic()
    load_samples = []
    for t in threads:
        t.start()
    threads += viewers
    while any(t.is_alive() for t in threads):
        load_samples.append(os.getloadavg()[0])
        time.sleep(5)
        for t in threads:
            t.join(timeout=0)
    for t in threads:
        t.join()
    mixed_elapsed = time.monotonic() - mixed_started
    loadavg_mixed = os.getloadavg()

    # 3. Lost work: every job ended; committed batches wrote all their rows, the others none.
    student_type = ContentType.objects.get_for_model(Student)
    lost, half_written, rows_committed = [], [], 0
    for job in record.jobs:
        if job["kind"].startswith("import"):
            batch = ImportBatch.objects.get(pk=job["id"])
            job["state"] = batch.status
            created = ObjectChange.objects.filter(
                batch_id=batch.pk, action=ChangeAction.CREATE, content_type=student_type
            ).values_list("object_id", flat=True)
            present = Student.objects.filter(pk__in=list(created)).count()
            if batch.status in ("pending", "running"):
                lost.append(f"import batch {batch.pk} still {batch.status}")
            elif batch.status == "committed":
                rows_committed += present
                if not (present == len(created) == batch.counts.get("new", -1) == job["rows"]):
                    half_written.append(f"batch {batch.pk}: {present} of {job['rows']} rows")
            elif present or created:
                half_written.append(f"batch {batch.pk} ({batch.status}) wrote {present} rows")
        elif job.get("state") is None:
            lost.append(f"{job['kind']} {job['id']} never ended")
    snapshots_posted = sum(1 for j in record.jobs if j["kind"] == "indicator snapshot" and j["state"] == "posted")
    snapshots_made = IndicatorSnapshot.objects.count() - snapshots_before
    if snapshots_made != snapshots_posted:
        lost.append(f"{snapshots_posted} snapshots published, {snapshots_made} stored")
    students_added = Student.objects.count() - students_before
    if students_added != rows_committed:
        half_written.append(f"{students_added} pupils added, {rows_committed} by committed batches")

    # 4. A worker killed mid-import.
    kill_lines = kill_mid_import(stack, args, base, school.code, numbers, status_of, batch_progress)

    # The summary.
    lines = []
    lines.append("")
    lines.append("bench/cluster: the distributed set-up on one machine (127.0.0.1)")
    lines.append(
        f"  machine: {os.cpu_count()} cores; data: {loaded}; setup took {timings['setup (db, migrate, load)']:.0f} s"
    )
    lines.append(
        f"  stack: PostgreSQL 15 (fresh db), Redis (cache + RQ), {args.web_workers} gunicorn workers (WhiteNoise "
        f"static), {args.rq_workers} RQ workers, moto S3 server (django-storages), config.settings.production"
    )
    lines.append("")
    b_rate, c_rate = count_views(base_record) / base_elapsed, count_views(cl_record) / cl_elapsed
    ratio = f"{c_rate / b_rate:.2f}x" if b_rate else "n/a (no baseline page)"
    lines.append(f"Page views only, {args.users} users, {args.baseline_seconds:.0f} s each (think {args.think} s):")
    lines.append(f"  {'':32}{'pages/s':>9}{'p95 ms':>9}{'errors':>8}")
    lines.append(
        f"  {'baseline: 1 gunicorn worker':32}{b_rate:9.1f}{views_p95(base_record) * 1000:9.0f}"
        f"{sum(base_record.errors.values()):8d}"
    )
    lines.append(
        f"  {f'cluster: {args.web_workers} gunicorn workers':32}{c_rate:9.1f}{views_p95(cl_record) * 1000:9.0f}"
        f"{sum(cl_record.errors.values()):8d}"
    )
    lines.append(f"  ratio cluster/baseline: {ratio} pages/s")
    lines.append("")
    total = sum(len(v) for v in record.latencies.values())
    lines.append(
        f"Mixed load: {args.seconds:.0f} s of requests + drain, {mixed_elapsed:.0f} s in all; "
        f"{args.users} viewers, {args.importers} importers, {args.drafters} report drafters, 1 snapshot publisher"
    )
    lines.append(f"  throughput: {total / mixed_elapsed:.1f} requests/s ({total} requests)")
    lines.append(f"  {'request kind':22}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for kind in sorted(set(record.latencies) | set(record.errors)):
        values = record.latencies.get(kind, [])
        median = statistics.median(values) * 1000 if values else float("nan")
        lines.append(
            f"  {kind:22}{len(values):7d}{median:9.0f}{p95(values) * 1000:9.0f}{record.errors.get(kind, 0):8d}"
        )
    lines.append(f"  {'background job':22}{'count':>7}{'p50 s':>9}{'p95 s':>9}  states")
    for kind in ("import dry run", "import commit", "report draft", "indicator snapshot"):
        jobs = [j for j in record.jobs if j["kind"] == kind]
        seconds = [j["seconds"] for j in jobs if "seconds" in j]
        states = {}
        for j in jobs:
            states[j.get("state") or "unfinished"] = states.get(j.get("state") or "unfinished", 0) + 1
        median = statistics.median(seconds) if seconds else float("nan")
        state_text = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
        lines.append(f"  {kind:22}{len(jobs):7d}{median:9.1f}{p95(seconds):9.1f}  {state_text}")
    lines.append(f"  pupils written by committed imports: {rows_committed} (added to the register: {students_added})")
    lines.append(
        f"  errors: {sum(record.errors.values())}" + (f"  e.g. {record.error_samples[:5]}" if record.errors else "")
    )
    lines.append(f"  lost work: {len(lost)}" + (f"  {lost[:5]}" if lost else ""))
    lines.append(f"  half-written imports: {len(half_written)}" + (f"  {half_written[:5]}" if half_written else ""))
    lines.append(
        f"  load average during the mixed load: mean of 1-min samples {statistics.mean(load_samples or [0]):.2f}, "
        f"at its end {loadavg_mixed[0]:.2f} {loadavg_mixed[1]:.2f} {loadavg_mixed[2]:.2f}"
    )
    lines.append("")
    lines += kill_lines
    uptime = os.getloadavg()
    lines.append("")
    lines.append(f"load average at the end: {uptime[0]:.2f} {uptime[1]:.2f} {uptime[2]:.2f}")
    return "\n".join(lines)


def kill_mid_import(stack: Stack, args, base: str, school_code: str, numbers, status_of, batch_progress) -> list[str]:
    """Commit a large roster, SIGKILL the RQ worker running it and its work horse once
    rows are being written, and look: the batch's state, the rows written, then the same file committed again."""
    from django.contrib.contenttypes.models import ContentType

    from emis.core.models import ImportBatch, ObjectChange
    from emis.students.models import Student

    lines = ["Worker killed mid-import:"]
    record = load.Record()
    importer = load.Importer(
        load.User(base, "section", record, "kill"), school_code, numbers, args.kill_rows, status_of
    )
    if not importer.user.login():
        return lines + ["  could not sign in"]
    say(f"kill test: {args.kill_rows}-row roster, dry run")
    dry = importer.submit()
    if dry is None or importer.wait(dry, time.monotonic() + 600, poll=1.0) != "validated":
        why = ""
        if dry is not None:
            batch = ImportBatch.objects.get(pk=dry["id"])
            why = f"{batch.error_message} {list((batch.report or {}).get('rejected_rows', {}).values())[:2]}"
        return lines + [f"  the dry run did not pass: {dry and dry.get('state')} {why} {record.error_samples[:3]}"]
    students_before = Student.objects.count()
    committed = importer.commit(dry)
    if committed is None:
        return lines + [f"  the commit was refused: {record.error_samples[:3]}"]
    pk = committed["id"]
    # Wait until its first chunk (5,000 rows) is checked and written, in the still open transaction.
    deadline = time.monotonic() + 600
    done = 0
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=pk)
        done, total = batch_progress(batch)
        if batch.status == "running" and done >= min(5000, args.kill_rows // 2):
            break
        if batch.status not in ("pending", "running"):
            return lines + [f"  the import ended ({batch.status}) before it could be killed: use more --kill-rows"]
        time.sleep(0.1)
    worker = running_worker(stack, pk)
    say(f"kill test: SIGKILL {worker} at {done} of {args.kill_rows} rows")
    # RQ's work horse runs in a session of its own (rq calls setsid in it): killed apart from the worker's group.
    horses = children(stack.procs[worker].pid)
    killed_at = time.monotonic()
    os.killpg(stack.procs[worker].pid, signal.SIGKILL)
    for pid in horses:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            os.kill(pid, signal.SIGKILL)
    stack.procs[worker].wait()
    del stack.procs[worker]
    # The user's page keeps polling the batch, as the browser does.
    state, seconds = None, None
    while time.monotonic() < killed_at + 120:
        importer.user.get("import poll", f"/core/imports/{pk}/", headers={"HX-Request": "true"})
        state = status_of(pk)
        if state not in ("pending", "running"):
            seconds = time.monotonic() - killed_at
            break
        time.sleep(0.5)
    batch = ImportBatch.objects.get(pk=pk)
    written = ObjectChange.objects.filter(batch_id=pk, content_type=ContentType.objects.get_for_model(Student)).count()
    added = Student.objects.count() - students_before
    lines.append(
        f"  {args.kill_rows}-row roster committed; {worker} and its work horse (pid {horses}) SIGKILLed at {done} rows"
    )
    if seconds is None:
        lines.append(f"  batch {pk}: still {state} 120 s after the kill")
    else:
        lines.append(f"  batch {pk}: {state} {seconds:.1f} s after the kill; message: {batch.error_message}")
    lines.append(f"  rows of that batch in the register: {added} pupils added, {written} change records (0 expected)")
    rq_state = rq_job_state(stack, pk)
    lines.append(f"  RQ's view of the job: {rq_state}")
    # The office commits the same (validated) file again; the remaining workers run it.
    again = importer.commit(dry)
    final = importer.wait(again, time.monotonic() + 600, poll=1.0) if again else None
    added = Student.objects.count() - students_before
    lines.append(
        f"  committed again on the {args.rq_workers - 1} remaining workers: {final}, "
        f"{added} pupils added ({args.kill_rows} expected), {again and round(again.get('seconds', 0))} s"
    )
    return lines


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running_worker(stack: Stack, batch_pk: int) -> str:
    """The bench's name of the RQ worker whose current job runs this batch."""
    import django_rq
    from rq import Worker

    connection = django_rq.get_connection("default")
    for _ in range(100):
        for worker in Worker.all(connection=connection):
            job = worker.get_current_job()
            # django-tasks-rq queues the task's own function with its arguments.
            if job is not None and "import_run" in (job.func_name or "") and batch_pk in (job.args or ()):
                return worker.name.rsplit("-", 1)[0]
        time.sleep(0.1)
    raise SystemExit(f"no RQ worker runs batch {batch_pk}")


def rq_job_state(stack: Stack, batch_pk: int) -> str:
    import django_rq
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    queue = django_rq.get_queue("default")
    started = len(StartedJobRegistry(queue=queue).get_job_ids())
    failed = len(FailedJobRegistry(queue=queue).get_job_ids())
    return f"{started} job(s) in its started registry, {failed} in its failed registry"


if __name__ == "__main__":
    main()
