"""Time the deadline sweep over N open cases (issue 13 item 10: 1M cases in 30 s on PostgreSQL).

    DATABASE_URL=postgres://... python bench/work/sweep.py [N]

Needs a migrated database of its own: it empties work_case first. Cases are written by one INSERT ... SELECT over
generate_series (no ORM, no Python loop): due dates spread over 60 days around the sweep day, one in twenty paused,
two in three filed at school level. Prints the time of a first sweep and of a second one (which changes nothing),
each with its ratio to a baseline measured in the same run: the best of three `SELECT count(*)` over the same table
(one full scan), so a slower or faster machine shows in both.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout: config/ and emis/


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    import datetime as dt

    from django.db import connection

    from emis.work.deadlines import sweep

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (generate_series)")
    day = dt.date(2025, 6, 16)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE work_case CASCADE")
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO work_case (created_at, updated_at, workflow, title, state, version, level, division_code,
                township_code, county_code, data, due_on, due_soon_on, clock_paused, urgency, escalated_to, escalate_on)
            SELECT now(), now(), 'bench', 'case ' || i, 'rectifying', 2,
                CASE WHEN i %% 3 = 0 THEN 'township' ELSE 'school' END,
                '4212241' || lpad((i %% 14)::text, 2, '0'), '4212241' || lpad((i %% 14)::text, 2, '0'), '421224',
                '{}'::jsonb,
                %s::date + (i %% 60 - 30), %s::date + (i %% 60 - 33), i %% 20 = 0, 'normal', '',
                %s::date + (i %% 60 - 23)
            FROM generate_series(1, %s) AS i
            """,
            [day, day, day, n],
        )
        cursor.execute("ANALYZE work_case")
    print(f"{n} cases written in {time.perf_counter() - started:.1f} s")
    scans = []
    with connection.cursor() as cursor:
        for _run in range(3):
            started = time.perf_counter()
            cursor.execute("SELECT count(*) FROM work_case")
            cursor.fetchone()
            scans.append(time.perf_counter() - started)
    baseline = min(scans)
    print(f"baseline (count(*) over the table, best of 3): {baseline:.2f} s")
    for run in ("first", "second"):
        started = time.perf_counter()
        counts = sweep(day)
        seconds = time.perf_counter() - started
        print(f"{run} sweep: {seconds:.2f} s ({seconds / baseline:.1f} x baseline) {counts}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
