"""Indicator benchmark: every indicator for one school year over 100k pupils on SQLite and 1M, 4M, 8M pupils on
PostgreSQL, each in a fresh database, printing the time and its ratio to the 1M run (or the first run).

    .venv/bin/python bench/indicators/run.py                              # 100k SQLite, 1M PostgreSQL
    .venv/bin/python bench/indicators/run.py --sqlite 100000 --postgres 1000000 4000000 8000000

Targets (issue 4): 100k pupils in 2 s or less on SQLite; on PostgreSQL the time grows no faster than the data
(8M within 8 times 1M). No thresholds are enforced here. PostgreSQL runs create and drop a database at
127.0.0.1:5432 (user postgres).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
PG_ADMIN = ["-h", "127.0.0.1", "-U", "postgres"]


def run_one(url: str, pupils: int, repeat: int) -> dict:
    output = subprocess.run(
        [
            sys.executable,
            str(HERE / "run_one.py"),
            "--database-url",
            url,
            "--pupils",
            str(pupils),
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        raise SystemExit(output.stderr[-3000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def database(kind: str):
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: [p.unlink(missing_ok=True) for p in path.parent.glob("bench.sqlite3*")]
    name = f"emis_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *PG_ADMIN, name], check=True)
    return (
        f"postgres://postgres@127.0.0.1:5432/{name}",
        lambda: subprocess.run(["dropdb", *PG_ADMIN, "--if-exists", name], check=False),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", type=int, nargs="*", default=[100_000], help="pupil counts to run on SQLite")
    parser.add_argument("--postgres", type=int, nargs="*", default=[1_000_000], help="pupil counts on PostgreSQL")
    parser.add_argument("--repeat", type=int, default=3, help="computations per database (the best is reported)")
    args = parser.parse_args()
    print(
        f"{'pupils':>9} {'db':>8} {'generate s':>10} {'best s':>7} {'runs s':>20} {'by township s':>13} "
        f"{'queries':>7} {'vs base':>7} {'size ratio':>10}"
    )
    for kind, sizes in (("sqlite", args.sqlite), ("postgres", args.postgres)):
        base = None
        for pupils in sizes:
            url, cleanup = database(kind)
            try:
                result = run_one(url, pupils, args.repeat)
            finally:
                cleanup()
            if base is None or pupils == 1_000_000:
                base = base if base and base["pupils"] == 1_000_000 else result
            runs = " ".join(f"{seconds:.2f}" for seconds in result["runs"])
            print(
                f"{pupils:>9} {kind:>8} {result['generate_seconds']:>10.1f} {result['best']:>7.2f} {runs:>20} "
                f"{result['by_township']:>13.2f} {result['queries']:>7} {result['best'] / base['best']:>7.2f} "
                f"{pupils / base['pupils']:>10.2f}",
                flush=True,
            )
            print(f"          slowest queries: {[(round(t, 2), sql[:60]) for t, sql in result['slowest'][:3]]}")
            print(
                f"          check: {result['check']}  generate: "
                f"{ {k: round(v, 1) for k, v in result['generated'].items()} }  peak {result['peak_mb']:.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
