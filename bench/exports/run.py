"""Export benchmark (issue 14, item 4): the full county pupil list (93k rows by default) exported the old way and
the new way, each step in its own process, with time, peak memory and the ratio to a baseline measured in the same
run (the same rows read with values_list and written by the csv module: no export can be much faster).

    .venv/bin/python bench/exports/run.py                     # 93,000 pupils, SQLite
    .venv/bin/python bench/exports/run.py --pupils 20000 93000 --postgres --tracemalloc

Memory: `peak RSS` is the process's high-water mark, `growth` that mark less the resident size before the export
began (Django loaded, user read), i.e. what the export itself took; with --tracemalloc a second run of each step
reports Python's own peak allocation (slower: not timed). No threshold is enforced; tests never assert timings.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("baseline", "old", "xlsx", "csv")
LABELS = {
    "baseline": "csv of values_list (baseline)",
    "old": "old: main d75d293, xlsx in memory",
    "xlsx": "new: background job, xlsx",
    "csv": "new: background job, csv",
}
PG_ADMIN = ["-h", "127.0.0.1", "-U", "postgres"]


def run_one(*args: str) -> dict:
    output = subprocess.run([sys.executable, str(HERE / "run_one.py"), *args], capture_output=True, text=True)
    if output.returncode != 0:
        raise SystemExit(output.stderr[-3000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def database(kind: str):
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    name = f"emis_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *PG_ADMIN, name], check=True)
    return (
        f"postgres://postgres@127.0.0.1:5432/{name}",
        lambda: subprocess.run(["dropdb", *PG_ADMIN, "--if-exists", name], check=False),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, nargs="+", default=[93_000])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    args = parser.parse_args()
    print(
        f"{'pupils':>7} {'step':<36} {'rows':>7} {'seconds':>8} {'/baseline':>9} {'MB':>6} {'peak RSS':>9} "
        f"{'growth':>7} {'traced':>7}"
    )
    for pupils in args.pupils:
        url, cleanup = database("postgres" if args.postgres else "sqlite")
        try:
            setup = run_one("--database-url", url, "--mode", "setup", "--pupils", str(pupils))
            print(f"{pupils:>7} {'(setup: generate + seal IDs)':<36} {setup['pupils']:>7} {setup['seconds']:>8.1f}")
            base = None
            for mode in ("baseline", *[m for m in args.modes if m != "baseline"]):
                result = run_one("--database-url", url, "--mode", mode)
                traced = ""
                if args.tracemalloc:
                    traced = run_one("--database-url", url, "--mode", mode, "--tracemalloc")["peak_traced_mb"]
                    traced = f"{traced:.0f}"
                base = base or result["seconds"]
                print(
                    f"{pupils:>7} {LABELS[mode]:<36} {result['rows']:>7} {result['seconds']:>8.2f} "
                    f"{result['seconds'] / base:>9.2f} {result['bytes'] / 2**20:>6.1f} {result['peak_rss_mb']:>9.0f} "
                    f"{result['peak_rss_mb'] - result['rss_before_mb']:>7.0f} {traced:>7}"
                )
        finally:
            cleanup()


if __name__ == "__main__":
    main()
