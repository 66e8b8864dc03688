"""One measured run in its own process: migrate an empty database, generate the data in SQL, compute every
indicator for the 2020 county-year (or province-year) a few times, print one line of JSON."""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--pupils", type=int, required=True)
    parser.add_argument("--per-county", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["EMIS_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from generate import statements

    from emis.indicators.engine import evaluate

    call_command("migrate", verbosity=0)
    generated = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Foreign keys are not checked while loading (the generator keeps them consistent).
            cursor.execute("SET session_replication_role = replica")
        for label, sql in statements(connection.vendor, args.pupils, args.per_county):
            step = time.perf_counter()
            cursor.execute(sql)
            generated[label] = generated.get(label, 0) + time.perf_counter() - step
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    generate_seconds = time.perf_counter() - started

    runs, queries = [], []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            step = time.perf_counter()
            evaluation = evaluate(None, 2020)
            runs.append(time.perf_counter() - step)
        queries = [(float(q["time"]), q["sql"][:90]) for q in captured.captured_queries]
    step = time.perf_counter()
    evaluate(None, 2020, by=("township",))
    by_township = time.perf_counter() - step
    totals = {item.code: item.value for item in evaluation.values}
    print(
        json.dumps(
            {
                "pupils": args.pupils,
                "vendor": connection.vendor,
                "generate_seconds": generate_seconds,
                "generated": generated,
                "runs": runs,
                "best": min(runs),
                "by_township": by_township,
                "queries": len(queries),
                "slowest": sorted(queries, reverse=True)[:5],
                "check": {
                    code: str(totals[code])
                    for code in (
                        "kg_children",
                        "primary_pupils",
                        "primary_ner",
                        "large_class_ratio",
                        "compulsory_retention",
                    )
                },
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
