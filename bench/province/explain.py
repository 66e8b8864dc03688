"""EXPLAIN ANALYZE of the slowest queries of each page bench/province/run.py times, on the database it generated.

    .venv/bin/python bench/province/explain.py --postgres postgres://postgres@127.0.0.1:5432/emis_province

Each page is requested once through the test client (as the county user and the province user run.py made); its
two slowest queries are explained (ANALYZE, BUFFERS) and the plan printed, trimmed to --lines lines.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", required=True, metavar="URL")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--pages", default="list,name,initials,township,school")
    parser.add_argument("--users", default="county,province")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.postgres
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from emis.accounts.models import User
    from emis.orgs.models import Division, School
    from emis.students.models import Student

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    county = Division.objects.filter(level="county").order_by("code").first()
    township = Division.objects.filter(level="township", code__startswith=county.code).order_by("code")[3]
    school = School.objects.filter(township__code__startswith=county.code, category="junior").order_by("code").first()
    sample = Student.objects.filter(county_code=county.code).order_by("id")[1234]
    pages = {
        "list": ("/students/student/", None),
        "name": ("/students/student/", {"q": sample.name}),
        "initials": ("/students/student/", {"q": sample.name_initials}),
        "township": ("/students/student/", {"township": township.pk}),
        "school": (school.get_absolute_url(), None),
    }
    for label in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=f"bench_{label}"))
        for page in args.pages.split(","):
            path, params = pages[page]
            client.get(path, params or {})
            with CaptureQueriesContext(connection) as captured:
                client.get(path, params or {})
            # Only reads can be explained; a COMMIT (the session's write) is named with its time.
            queries = captured.captured_queries

            def is_read(sql: str) -> bool:
                return sql.lstrip().upper().startswith(("SELECT", "WITH "))

            for q in queries:
                if not is_read(q["sql"]):
                    print(f"\n=== {label}/{page}: {float(q['time']) * 1000:.0f} ms {q['sql'][:80]}")
            reads = [q for q in queries if is_read(q["sql"])]
            slow = sorted(reads, key=lambda q: float(q["time"]), reverse=True)[:2]
            for q in slow:
                print(f"\n=== {label}/{page}: {float(q['time']) * 1000:.0f} ms\n{q['sql'][:1500]}")
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                    plan = [row[0] for row in cursor.fetchall()]
                print("\n".join(plan[: args.lines]))


if __name__ == "__main__":
    main()
