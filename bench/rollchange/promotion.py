"""Time a county-wide 学年升级 over the demo county (通山县: about 88,000 pupils on the roll in 2020).

    .venv/bin/python bench/rollchange/promotion.py                 # SQLite (a fresh temporary file)
    .venv/bin/python bench/rollchange/promotion.py --postgres postgres://postgres@127.0.0.1:5432/emis_bench_roll

A fresh database is migrated and the demo county loaded (`emis load_demo tongshan`, its roll changes included).
Then, as the demo 股室 account (county-wide):

- baseline   reading the year's current enrolments of the county (the rows a 升级 must read at least once)
- preview    promotion_plan: counts per grade and the exceptions (what the preview page computes)
- commit     promotion_request + promotion_run (the task body): every pupil's next-year row, the graduates, the
             classes, a change record per row, the lines
- refusal    undo_refusal of the committed 升级 (what its page and the history list ask)
- undo       rollchange_undo of it as one unit

Each figure: seconds, queries, and the ratio to the baseline measured in the same run. No threshold; tests never
assert timings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="")
    parser.add_argument("--profile", action="store_true", help="print where the commit and the undo spend their time")
    args = parser.parse_args()
    if args.postgres:
        parsed = urlparse(args.postgres)
        admin = [
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
        ]
        name = parsed.path.lstrip("/")
        subprocess.run(["dropdb", *admin, "--if-exists", name], check=True)
        subprocess.run(["createdb", *admin, name], check=True)
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo", "tongshan", stdout=open(os.devnull, "w"))
    print(f"demo loaded in {time.perf_counter() - started:.1f}s ({connection.vendor})")

    from emis.accounts.models import User
    from emis.core.audit import audit_context
    from emis.orgs.models import Division, SchoolYear
    from emis.students import rollchanges as rc
    from emis.students.models import Enrollment

    section = User.objects.get(username="section")
    county = Division.objects.get(code="421224")
    year = SchoolYear.objects.get(start_year=2020)

    def timed(label, fn):
        import cProfile
        import pstats

        profile = cProfile.Profile() if args.profile and label in ("commit", "undo") else None
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            if profile is not None:
                profile.enable()
            result = fn()
            if profile is not None:
                profile.disable()
            seconds = time.perf_counter() - start
        if profile is not None:
            print(f"--- {label}")
            pstats.Stats(profile).sort_stats("tottime").print_stats(12)
        return label, seconds, len(queries), result

    rows = []
    rows.append(
        timed(
            "baseline",
            lambda: len(
                list(
                    Enrollment.objects.filter(school_year=year, is_current=True).values_list(
                        "pk", "student_id", "school_id", "grade", "school_class_id", "status"
                    )
                )
            ),
        )
    )
    rows.append(timed("preview", lambda: rc.promotion_plan(section, school_year=year, division=county)))
    import datetime as dt

    with audit_context(user=section):
        rows.append(
            timed(
                "commit",
                lambda: rc.promotion_request(
                    school_year=year,
                    division=county,
                    promote_date=dt.date(2021, 9, 1),
                    graduate_date=dt.date(2021, 7, 1),
                    acting_user=section,
                ),
            )
        )
        change = rows[-1][3]
        rows.append(timed("refusal", lambda: rc.undo_refusal(change, section)))
        rows.append(timed("undo", lambda: rc.rollchange_undo(roll_change=change, acting_user=section)))
    base = rows[0][1]
    plan = rows[1][3]
    print(f"pupils on the roll: {plan.totals['on_roll']:,}; moved: {len(plan.moves):,}; totals {plan.totals}")
    print(f"commit state: {change.state} {change.message}")
    print(f"{'step':<10}{'seconds':>10}{'queries':>10}{'ratio':>10}")
    for label, seconds, queries, _result in rows:
        print(f"{label:<10}{seconds:>10.2f}{queries:>10}{seconds / base:>10.1f}")


if __name__ == "__main__":
    main()
