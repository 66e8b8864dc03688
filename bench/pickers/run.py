"""Forms that open at county and province scale (issue 14, item 2): the 学籍记录 and 任职经历 forms and the picker's
endpoint over a registry of N pupils, each database made afresh in its own process.

    .venv/bin/python bench/pickers/run.py                                   # 100k pupils on SQLite
    .venv/bin/python bench/pickers/run.py --sqlite 100000 --dropdown        # also the forms as they were (slow)
    .venv/bin/python bench/pickers/run.py --sqlite --postgres 100000 8000000

The data: bench/indicators/generate.py (counties of 100,000 pupils, 316 schools each, one staff member per 15
pupils; 8M pupils = 80 counties), with names made of a surname and two given-name characters and their pinyin
initials. ID numbers are stored with a stand-in hash there, so the exact ID search finds nobody but runs its
indexed query. Through Django's test client (middleware, menu, templates: the whole request), after two warm-up
runs, p50 and p95 over --repeat runs and the bytes of the answer, for:

- baseline        GET /orgs/schoolyear/add/: the same generic form view and page without a picker field
- enrollment add  GET /students/enrollment/add/ as the administrator (every pupil in scope), a county's 股室 account
                  and a school's account; enrollment edit with its pupil and class chosen
- posting add     GET /staff/posting/add/ (every staff member in scope)
- pick ...        POST /core/pick/<model>/: the first 20 matches of a text inside the user's scope
- before ...      (--dropdown) the enrolment and posting forms with a dropdown of every pupil / staff member, as
                  before the picker (one run)

and the ratio of each p50 to the baseline's p50 of the same run. Target: a form with a picker opens in under 300 ms
at 8M pupils. No threshold is enforced; tests never assert timings. PostgreSQL runs create and drop a database at
127.0.0.1:5432 (user postgres); 8M pupils need about 12 GB of disk while they run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_ADMIN = ["-h", "127.0.0.1", "-U", "postgres"]


def database(kind: str):
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: [p.unlink(missing_ok=True) for p in path.parent.glob("bench.sqlite3*")]
    name = f"emis_bench_pickers_{uuid.uuid4().hex[:6]}"
    subprocess.run(["createdb", *PG_ADMIN, name], check=True)
    return (
        f"postgres://postgres@127.0.0.1:5432/{name}",
        lambda: subprocess.run(["dropdb", *PG_ADMIN, "--if-exists", name], check=False),
    )


def run_one(url: str, pupils: int, repeat: int, dropdown: bool, generated: bool = False) -> dict:
    command = [sys.executable, str(HERE / "run_one.py"), "--database-url", url, "--pupils", str(pupils)]
    command += ["--repeat", str(repeat)] + (["--dropdown"] if dropdown else []) + (["--generated"] if generated else [])
    output = subprocess.run(command, capture_output=True, text=True)
    if output.returncode != 0:
        raise SystemExit(output.stderr[-3000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", type=int, nargs="*", default=[100_000], help="pupil counts to run on SQLite")
    parser.add_argument("--postgres", type=int, nargs="*", default=[], help="pupil counts to run on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dropdown", action="store_true", help="also time the forms with full dropdowns (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases (their URLs are printed)")
    parser.add_argument("--reuse", metavar="URL", help="measure again on a kept database (with --postgres N: its size)")
    args = parser.parse_args()
    if args.reuse:
        report("postgres", run_one(args.reuse, args.postgres[0], args.repeat, args.dropdown, generated=True))
        return
    for kind, sizes in (("sqlite", args.sqlite), ("postgres", args.postgres)):
        for pupils in sizes:
            url, cleanup = database(kind)
            try:
                result = run_one(url, pupils, args.repeat, args.dropdown)
            finally:
                if args.keep and kind == "postgres":
                    print(f"kept: {url}")
                else:
                    cleanup()
            report(kind, result)


def report(kind: str, result: dict) -> None:
    print(
        f"\n{kind}: {result['pupils']:,} pupils, {result['staff']:,} staff, {result['schools']:,} schools "
        f"(generated in {result['generate_seconds']:.0f} s)"
    )
    print(f"  {'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>10} {'x baseline':>10}")
    rows = result["results"]
    base = next(value for label, value in rows.items() if label.startswith("baseline"))
    for label, value in rows.items():
        print(
            f"  {label:<48} {value['p50']:>8.1f} {value['p95']:>8.1f} {value['bytes']:>10,} "
            f"{value['p50'] / base['p50']:>10.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
