"""Province scale on PostgreSQL (issue 17 item 2): generate a province, then time the pages a county user and a
province user open most, a county's xlsx export and the indicators.

    .venv/bin/python bench/province/run.py --postgres postgres://postgres@127.0.0.1:5432/emis_province \
        --counties 10 --pupils-per-county 80000          # generate (the database is dropped and created), time
    .venv/bin/python bench/province/run.py --postgres URL --reuse   # time the database generated before

The full scale is 100 counties of 80,000 pupils (8M, the default; about 40 GB of disk and hours to write);
generate.py describes the data. Then, through Django's test client (the whole request), signed in as a county's
局领导 (the county) and as the province department (the province), p50 / p95 over --repeat requests after two
warm-ups and the queries of one request:

- baseline  GET /                                    the home page of the same user: the site frame alone
- list      GET /students/student/                   the first page of pupils in school, by pinyin
- name      GET /students/student/?q=<a full name>
- initials  GET /students/student/?q=<initials>      pinyin initials of that name (e.g. "zw")
- township  GET /students/student/?township=<pk>     one township of the county
- school    GET /orgs/school/<pk>/                   a junior school's page

then a county's xlsx export (emis.core.exports: the rows of the county user's list written by write_xlsx, as the
background job writes them) and evaluate() of every indicator for the province by county and for one county.
Targets from the issue are printed beside the figures; nothing is asserted (tests never assert timings).
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGETS = {"list": 300, "name": 300, "initials": 300, "township": 300, "school": 300}


def fresh_database(url: str) -> None:
    parsed = urlparse(url)
    admin = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    name = parsed.path.lstrip("/")
    subprocess.run(["dropdb", *admin, "--if-exists", name], check=True)
    subprocess.run(["createdb", *admin, name], check=True)


def load() -> str:
    return open("/proc/loadavg").read().split(" ")[:3].__str__()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", required=True, metavar="URL")
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--pupils-per-county", type=int, default=80_000)
    parser.add_argument("--reuse", action="store_true", help="time the province already in the database")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: pages,export,indicators")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not args.reuse:
        fresh_database(args.postgres)
    os.environ["DATABASE_URL"] = args.postgres
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    import django

    django.setup()
    import generate
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from emis.accounts.models import User
    from emis.core.access import Role
    from emis.orgs.models import Division, School
    from emis.students.models import Student

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if not args.reuse:
        call_command("migrate", verbosity=0)
        print(f"generating {args.counties} counties x {args.pupils_per_county:,} pupils (load {load()})", flush=True)
        counts = generate.build(args.counties, args.pupils_per_county)
        started = time.perf_counter()
        generate.analyze()
        print(f"written: {counts}; VACUUM ANALYZE {time.perf_counter() - started:.0f} s", flush=True)
    province = Division.objects.get(level="province")
    county = Division.objects.filter(level="county").order_by("code").first()
    users = {}
    for username, role, division in (
        ("bench_county", Role.LEADER, county),
        ("bench_province", Role.PROVINCE, province),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "display_name": username})
        user.role = role
        user.save()
        user.divisions.set([division])
        users[username] = user
    n_students = Student.objects.count()
    n_counties = Division.objects.filter(level="county").count()
    print(f"scale: {n_counties} counties, {n_students:,} pupils; load {load()}", flush=True)

    township = Division.objects.filter(level="township", code__startswith=county.code).order_by("code")[3]
    school = School.objects.filter(township__code__startswith=county.code, category="junior").order_by("code").first()
    county_pupils = Student.objects.filter(county_code=county.code).order_by("id")
    sample = county_pupils[min(1234, county_pupils.count() - 1)]  # a pupil well inside the county (small runs too)
    name, initials = sample.name, sample.name_initials

    def measure(client, path, params=None):
        times = []
        for run in range(args.repeat + 2):
            began = time.perf_counter()
            response = client.get(path, params or {})
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, (path, response.status_code)
            if run >= 2:
                times.append(elapsed * 1000)
        with CaptureQueriesContext(connection) as captured:
            client.get(path, params or {})
        times.sort()
        slow = sorted(((float(q["time"]), q["sql"]) for q in captured.captured_queries), reverse=True)[:2]
        return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], len(captured), slow

    slowest = []
    if "pages" not in skip:
        print(f"\n{'user':>9} {'page':>9} {'p50 ms':>8} {'p95 ms':>8} {'target':>7} {'queries':>7} {'vs base':>7}")
        for label, user in (("county", users["bench_county"]), ("province", users["bench_province"])):
            client = Client()
            client.force_login(user)
            pages = {
                "baseline": ("/", None),
                "list": ("/students/student/", None),
                "name": ("/students/student/", {"q": name}),
                "initials": ("/students/student/", {"q": initials}),
                "township": ("/students/student/", {"township": township.pk}),
                "school": (school.get_absolute_url(), None),
            }
            base = None
            for page, (path, params) in pages.items():
                p50, p95, queries, slow = measure(client, path, params)
                base = base or p50
                target = TARGETS.get(page, "")
                print(
                    f"{label:>9} {page:>9} {p50:>8.0f} {p95:>8.0f} {target:>7} {queries:>7} {p50 / base:>7.1f}",
                    flush=True,
                )
                slowest += [(s, label, page, sql) for s, sql in slow]
        print(f"load {load()}; name searched: {len(name)} characters, initials {len(initials)} letters")
        print("slowest queries:")
        for seconds, label, page, sql in sorted(slowest, reverse=True)[:8]:
            print(f"  {seconds * 1000:8.0f} ms {label}/{page}: {sql[:300]}")

    if "export" not in skip:
        from emis.core import exports
        from emis.students.ui import StudentUI

        # As a web process that has served before: the apps' pages loaded.
        Client().get("/accounts/login/")
        began = time.perf_counter()
        table = exports.export_table(StudentUI, exports.filter_request(users["bench_county"], ""))
        with tempfile.TemporaryFile() as handle:
            rows = exports.write_xlsx(handle, table)
            size = handle.tell()
        print(
            f"\nxlsx export of the county's pupils: {rows:,} rows, {size / 1e6:.1f} MB in "
            f"{time.perf_counter() - began:.1f} s (target 15 s for 100k); load {load()}",
            flush=True,
        )

    if "indicators" not in skip:
        from emis.indicators.engine import evaluate

        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            evaluate(None, generate.YEAR, by=("county",))
            seconds = time.perf_counter() - began
        print(
            f"indicators, province by county: {seconds:.1f} s, {len(captured)} queries (target 60 s); load {load()}",
            flush=True,
        )
        # Three counties, the first right after the province's computation (whose reads push the county's rows out
        # of the caches), then the two others: a county's staff open their own figures, not after a province run.
        counties = [county, *Division.objects.filter(level="county").exclude(pk=county.pk).order_by("-code")[:2]]
        for each in counties:
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                evaluate(None, generate.YEAR, division=each.code)
                seconds = time.perf_counter() - began
            print(
                f"indicators, one county ({each.code}): {seconds:.1f} s, {len(captured)} queries (target 2 s); "
                f"load {load()}",
                flush=True,
            )
        slow = sorted(((float(q["time"]), q["sql"]) for q in captured.captured_queries), reverse=True)[:3]
        for s, sql in slow:
            print(f"  {s * 1000:8.0f} ms {sql[:300]}")


if __name__ == "__main__":
    main()
