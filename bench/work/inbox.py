"""Time the 待办 inbox and a school's answer over N open cases (issue 13 item 10: 100k cases, at most 300 ms at the
95th percentile, with a number of queries that does not grow with the data).

    .venv/bin/python bench/work/inbox.py                      # SQLite (a fresh temporary file), 100k cases
    .venv/bin/python bench/work/inbox.py --postgres postgres://postgres@127.0.0.1:5432/emis_bench_notify
    .venv/bin/python bench/work/inbox.py --cases 100000 --repeat 40 --sqlite --postgres URL

Each database is made afresh in its own process (the PostgreSQL one is dropped and created again), migrated, given
the small test county (emis.testing.build_county) plus 296 more schools over its two townships, and N cases of the
engine's 整改-shaped test workflow written by one INSERT ... SELECT (no ORM, no Python loop): spread over the schools
and the open states, due dates over 60 days around the day, one in twenty paused. Then, through Django's test client
(the whole request: middleware, menu with its counts, the bell, templates):

- baseline  GET /            the home page of the same county user: a page that draws the same menu and bell
- inbox     GET /work/       the 待办 of a county 股室 account of the workflow's domain, for whom every open case
                             waits (it may withdraw any): the worst inbox, N rows to count and sort
- school    GET /work/       the 待办 of a school's account (A1, about N/300 cases)
- answer    POST /work/case/<pk>/step/receive/   a school signs for an issued notice (a step through the one service:
                             row lock, step, audit event, change log, the notifications of who must act next)

For each: p50 and p95 over --repeat runs (after two warm-up runs), the queries of one run, and the ratio of the p50
to the baseline's measured in the same run. No threshold is enforced; tests never assert timings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DAY = "2021-09-30"  # the fixture county's dates; working-day clocks need a year chinesecalendar knows


def fresh_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("postgres"):
        name = parsed.path.lstrip("/")
        admin = [
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
        ]
        subprocess.run(["dropdb", *admin, "--if-exists", name], check=True)
        subprocess.run(["createdb", *admin, name], check=True)


CASES_SQL = {
    # Columns: the case table's own (emis.work.models.Case); :n cases over the extra schools, ids :first..:last.
    "postgresql": """
        INSERT INTO work_case (created_at, updated_at, workflow, title, state, version, level, school_id,
            division_code, township_code, county_code, data, due_on, due_soon_on, clock_paused, urgency,
            escalated_to, escalate_on)
        SELECT now(), now(), %(workflow)s, '整改通知 ' || i,
            (ARRAY['draft', 'issued', 'rectifying', 'rectifying', 'rectifying', 'waiting', 'reported',
                'reported'])[i %% 8 + 1],
            2, 'school', %(first)s + i %% %(schools)s,
            CASE WHEN (i %% %(schools)s) %% 2 = 0 THEN '421224100' ELSE '421224101' END,
            CASE WHEN (i %% %(schools)s) %% 2 = 0 THEN '421224100' ELSE '421224101' END,
            '421224', '{}'::jsonb,
            %(day)s::date + (i %% 60 - 30), %(day)s::date + (i %% 60 - 33), i %% 20 = 0,
            CASE WHEN i %% 60 < 30 THEN 'overdue' WHEN i %% 60 < 33 THEN 'due_soon' ELSE 'normal' END,
            CASE WHEN i %% 60 < 30 THEN 'township' ELSE '' END, %(day)s::date + (i %% 60 - 23)
        FROM generate_series(1, %(n)s) AS i
    """,
    "sqlite": """
        WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %(n)s)
        INSERT INTO work_case (created_at, updated_at, workflow, title, state, version, level, school_id,
            division_code, township_code, county_code, data, due_on, due_soon_on, clock_paused, urgency,
            escalated_to, escalate_on)
        SELECT datetime('now'), datetime('now'), %(workflow)s, '整改通知 ' || i,
            CASE i %% 8 WHEN 0 THEN 'draft' WHEN 1 THEN 'issued' WHEN 5 THEN 'waiting' WHEN 6 THEN 'reported'
                WHEN 7 THEN 'reported' ELSE 'rectifying' END,
            2, 'school', %(first)s + i %% %(schools)s,
            CASE WHEN (i %% %(schools)s) %% 2 = 0 THEN '421224100' ELSE '421224101' END,
            CASE WHEN (i %% %(schools)s) %% 2 = 0 THEN '421224100' ELSE '421224101' END,
            '421224', '{}',
            date(%(day)s, (i %% 60 - 30) || ' days'), date(%(day)s, (i %% 60 - 33) || ' days'), i %% 20 = 0,
            CASE WHEN i %% 60 < 30 THEN 'overdue' WHEN i %% 60 < 33 THEN 'due_soon' ELSE 'normal' END,
            CASE WHEN i %% 60 < 30 THEN 'township' ELSE '' END, date(%(day)s, (i %% 60 - 23) || ' days')
        FROM seq
    """,
}


def run_one(url: str, n: int, repeat: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    os.environ.setdefault("EMIS_NOTIFICATION_BACKENDS", "emis.notifications.backends.EmailBackend")
    fresh_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from emis.core import registry
    from emis.core.access import Role
    from emis.core.audit import audit_context
    from emis.orgs.models import School
    from emis.testing import build_county, make_school, make_user
    from emis.work import declaration
    from emis.work.models import Case
    from emis.work.tests.workflows import DOMAIN, TEST_REGISTRATION, TEST_WORKFLOW

    setup_test_environment()  # the test client's response.context; mail to locmem
    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    # The workflow and its rights for the whole run (the stack is kept: a dropped context manager would undo them).
    stack = ExitStack()
    stack.enter_context(declaration.override(TEST_WORKFLOW))
    stack.enter_context(registry.override(TEST_REGISTRATION))

    started = time.perf_counter()
    county = build_county()
    schools = 296
    with audit_context():
        for k in range(schools):
            township = county.township_a if k % 2 == 0 else county.township_b
            make_school(f"21429{k + 10:05d}", f"第{k + 1}小学", "primary", township)
    extra = list(School.objects.order_by("id").values_list("id", flat=True))[-schools:]
    assert extra[-1] - extra[0] == schools - 1, "the extra schools' ids are contiguous"
    # Township parity in SQL must match the township given above.
    assert School.objects.get(pk=extra[0]).township_id == county.township_a.pk
    section = make_user("bench_section", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
    school_user = county.users[Role.SCHOOL]
    with connection.cursor() as cursor:
        params = {"workflow": TEST_WORKFLOW.code, "first": extra[0], "schools": schools, "day": DAY, "n": n}
        cursor.execute(CASES_SQL[connection.vendor], params)
        # The school's own: issued notices to sign for (one per POST) and a few hundred more in its inbox.
        answers = repeat + 2
        params = {**params, "first": county.school_a1.pk, "schools": 1, "n": answers + 300}
        cursor.execute(CASES_SQL[connection.vendor], params)
        cursor.execute(
            "UPDATE work_case SET state = 'issued', urgency = 'normal' WHERE school_id = %s AND id IN "
            "(SELECT id FROM work_case WHERE school_id = %s ORDER BY id LIMIT %s)",
            [county.school_a1.pk, county.school_a1.pk, answers],
        )
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    generate = time.perf_counter() - started
    to_answer = list(
        Case.objects.filter(school=county.school_a1, state="issued").order_by("id").values_list("id", "version")
    )

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    county_client, school_client = client_for(section), client_for(school_user)

    def measure(name, request):
        times = []
        for run in range(repeat + 2):
            began = time.perf_counter()
            response = request(run)
            elapsed = time.perf_counter() - began
            assert response.status_code in (200, 302), (name, response.status_code)
            if run >= 2:
                times.append(elapsed * 1000)
        with CaptureQueriesContext(connection) as captured:
            request(None)
        times.sort()
        return {
            "p50": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "queries": len(captured.captured_queries),
            "slowest": sorted(((float(q["time"]), q["sql"][:120]) for q in captured.captured_queries), reverse=True)[
                :3
            ],
        }

    first_page = county_client.get("/work/")
    assert first_page.context["table"].paginator.count >= n, "the county's 待办 holds every open case"
    results = {
        "baseline": measure("baseline", lambda run: county_client.get("/")),
        "inbox": measure("inbox", lambda run: county_client.get("/work/")),
        "school": measure("school", lambda run: school_client.get("/work/")),
    }
    spare = to_answer.pop()  # the query count's run answers one more

    def answer(run):
        pk, version = spare if run is None else to_answer[run]
        return school_client.post(f"/work/case/{pk}/step/receive/", {"version": version})

    results["answer"] = measure("answer", answer)
    moved = Case.objects.filter(school=county.school_a1, state="rectifying", version=3).count()
    assert moved == repeat + 3, f"{moved} notices signed for, expected {repeat + 3}"
    inbox_rows = Case.objects.filter(closed_at__isnull=True).count()
    stack.close()
    return {
        "vendor": connection.vendor,
        "cases": inbox_rows,
        "generate_seconds": generate,
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true", help="run on a fresh SQLite file (the default)")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (dropped and created)")
    parser.add_argument("--one", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.cases, args.repeat), ensure_ascii=False))
        return
    urls = []
    if args.sqlite or not args.postgres:
        urls.append(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    if args.postgres:
        urls.append(args.postgres)
    print(f"{'db':>10} {'cases':>7} {'page':>9} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'vs base':>7}")
    for url in urls:
        out = subprocess.run(
            [sys.executable, __file__, "--one", url, "--cases", str(args.cases), "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise SystemExit(out.stderr[-4000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        base = result["results"]["baseline"]["p50"]
        for page, r in result["results"].items():
            print(
                f"{result['vendor']:>10} {result['cases']:>7} {page:>9} {r['p50']:>8.1f} {r['p95']:>8.1f} "
                f"{r['queries']:>7} {r['p50'] / base:>7.2f}",
                flush=True,
            )
        print(f"           generated in {result['generate_seconds']:.1f} s; slowest queries of the county inbox:")
        for seconds, sql in result["results"]["inbox"]["slowest"]:
            print(f"             {seconds * 1000:7.1f} ms  {sql}")


if __name__ == "__main__":
    main()
