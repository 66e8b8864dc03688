"""Time the pupil list (/students/student/) at county scale: the demo county 通山县 (93,091 pupils, 88,210 of them in
school in 2020), loaded as `emis load_demo tongshan` loads it (issue 14, item 3: a clerk's roster).

    .venv/bin/python bench/lists/pupils.py                      # SQLite (a fresh temporary file)
    .venv/bin/python bench/lists/pupils.py --postgres postgres://postgres@127.0.0.1:5432/emis_bench_lists
    .venv/bin/python bench/lists/pupils.py --repeat 30 --sqlite --postgres URL

Each database is made afresh in its own process (the PostgreSQL one is dropped and created again), migrated and
given the demo county; then, through Django's test client (the whole request: middleware, menu, filters, the table
and its page of rows), signed in as the county's 局领导 (the widest scope, every pupil) and as a school's account:

- baseline  GET /                                       the home page of the same user: the same site frame
- default   GET /students/student/                      pupils in school, by pinyin, 25 a page
- filtered  GET /students/student/?township=..&grade=P3  one township's 三年级
- pinyin    GET /students/student/?q=zhangwei           a full-pinyin search (the name index cannot serve it)
- size500   GET /students/student/?per_page=500         a page of 500 rows
- everyone  GET /students/student/?roll=                all pupils ever enrolled (the switch)
- school    GET /students/student/                      a school's account: its own pupils in school
- roster    GET /students/school/<pk>/roster/           the school's printable 花名册 (every class)

For each: p50 and p95 over --repeat runs (after two warm-up runs), the queries of one run (constant: the list asserts
it in tests), the rows counted, and the ratio of the p50 to the baseline's measured in the same run. No threshold is
enforced; tests never assert timings.
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
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


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


def run_one(url: str, repeat: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    fresh_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from emis.accounts.models import User
    from emis.demo import loader
    from emis.orgs.models import Division, School

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    loader.load_county(loader.TONGSHAN)
    loader.ensure_demo_accounts()
    generate = time.perf_counter() - started

    def client_for(username):
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    leader, school_user = client_for("leader"), client_for("school")
    school = school_user.get("/students/student/").context["table"].data.data.first().current_school
    township = Division.objects.filter(level="township", code__startswith="421224").order_by("code").first()
    biggest = School.objects.get(pk=school.pk)

    def measure(client, path, params=None):
        times = []
        for run in range(repeat + 2):
            began = time.perf_counter()
            response = client.get(path, params or {})
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, (path, response.status_code)
            if run >= 2:
                times.append(elapsed * 1000)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, params or {})
        table = response.context.get("table") if response.context else None
        times.sort()
        return {
            "p50": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "queries": len(captured.captured_queries),
            "rows": table.paginator.count if table is not None else None,
            "slowest": sorted(((float(q["time"]), q["sql"][:160]) for q in captured.captured_queries), reverse=True)[
                :2
            ],
        }

    url = "/students/student/"
    results = {"baseline": measure(leader, "/")}
    results["default"] = measure(leader, url, {"per_page": 25})
    results["filtered"] = measure(leader, url, {"township": township.pk, "grade": "P3"})
    results["pinyin"] = measure(leader, url, {"q": "zhangwei"})
    results["size500"] = measure(leader, url, {"per_page": 500})
    results["everyone"] = measure(leader, url, {"roll": "", "per_page": 25})
    results["school"] = measure(school_user, url, {"per_page": 25})
    results["roster"] = measure(school_user, f"/students/school/{biggest.pk}/roster/")
    return {"vendor": connection.vendor, "generate_seconds": generate, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="run on a fresh SQLite file (the default)")
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database (dropped and created)")
    parser.add_argument("--one", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.repeat), ensure_ascii=False))
        return
    urls = []
    if args.sqlite or not args.postgres:
        urls.append(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    if args.postgres:
        urls.append(args.postgres)
    print(f"{'db':>10} {'page':>9} {'rows':>7} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'vs base':>7}")
    for url in urls:
        out = subprocess.run(
            [sys.executable, __file__, "--one", url, "--repeat", str(args.repeat)], capture_output=True, text=True
        )
        if out.returncode != 0:
            raise SystemExit(out.stderr[-4000:])
        result = json.loads(out.stdout.strip().splitlines()[-1])
        base = result["results"]["baseline"]["p50"]
        for page, r in result["results"].items():
            rows = "" if r["rows"] is None else r["rows"]
            print(
                f"{result['vendor']:>10} {page:>9} {rows:>7} {r['p50']:>8.1f} {r['p95']:>8.1f} "
                f"{r['queries']:>7} {r['p50'] / base:>7.2f}",
                flush=True,
            )
        print(f"           demo county loaded in {result['generate_seconds']:.1f} s; slowest queries:")
        for page in ("default", "pinyin", "size500"):
            for seconds, sql in result["results"][page]["slowest"]:
                print(f"             {page:>8} {seconds * 1000:7.1f} ms  {sql}")


if __name__ == "__main__":
    main()
