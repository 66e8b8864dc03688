"""Import benchmark: parse-only vs full validated import vs re-import, SQLite and PostgreSQL, with peak memory.

Prints figures and ratios measured in the same run (the parse-only time is the baseline). No thresholds
are enforced here; compare with the targets in the README.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402

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


def stage_line(stages: dict, total: float) -> str:
    """Seconds per stage (emis.core.stages), nested ones taken out of their parent so that the parts add up:
    validation = check - lookups; writes are per table (INSERT/COPY and UPDATE, with the index maintenance each
    statement does), with encryption and the building of change records apart; other = what no stage covers."""
    stages = dict(stages)
    lookups = stages.get("lookups", 0.0)
    writes = {name: seconds for name, seconds in stages.items() if name.split(" ")[0] in ("insert", "update")}
    encrypt = stages.get("encrypt", 0.0)
    records = stages.get("change records", 0.0)
    parts = {
        "open": stages.get("open", 0.0),
        "read": stages.get("read", 0.0),
        "parse": stages.get("parse", 0.0),
        "validation": stages.get("check", 0.0) - lookups,
        "lookups": lookups,
    }
    if "write" in stages:
        inner = sum(writes.values()) + records
        # Lookups made while writing (classes) are inside "write" too.
        parts["write (python)"] = stages["write"] - inner
    parts |= {name.replace("insert ", "ins ").replace("update ", "upd "): s for name, s in writes.items()}
    for name in list(parts):
        if name.startswith("ins ") and encrypt and name.endswith("student"):
            parts[name] -= encrypt  # encryption runs inside the student INSERT's row stream
    parts["encrypt"] = encrypt
    parts["change records"] = records
    parts["analyze"] = stages.get("analyze", 0.0)
    # ADR 0020: the plain indexes dropped before a big load and built once at its end.
    parts["set aside indexes"] = stages.get("set aside indexes", 0.0)
    parts["rebuild indexes"] = stages.get("rebuild indexes", 0.0)
    # ADR 0022: on PostgreSQL the foreign keys set aside with them, checked again by one join each.
    parts["foreign keys"] = stages.get("foreign keys", 0.0)
    parts["commit"] = stages.get("commit", 0.0)
    parts["other"] = total - sum(parts.values())
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in parts.items() if abs(seconds) >= 0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()
    print(
        f"{'rows':>9} {'db':>8} {'parse s':>8} {'parse r/s':>10} {'import s':>9} {'import r/s':>10} "
        f"{'import/parse':>12} {'again s':>8} {'again/first':>11} {'again writes':>12} {'peak MB':>8} "
        f"{'floor s':>8} {'(parse+floor)/parse':>19}"
    )
    for rows in args.rows:
        path = HERE / "data" / f"students-{rows}.{args.format}"
        if not path.exists():
            write(path, rows)
        parsed = run_one("--database-url", "none", "--file", str(path), "--mode", "parse")
        for kind in args.db:
            url, cleanup = database(kind)
            try:
                result = run_one("--database-url", url, "--file", str(path), "--mode", "import")
            finally:
                cleanup()
            url, cleanup = database(kind)
            try:
                floor = run_one("--database-url", url, "--file", str(path), "--mode", "floor")
            finally:
                cleanup()
            url, cleanup = database(kind)
            try:
                full_floor = run_one("--database-url", url, "--file", str(path), "--mode", "floor", "--records", "full")
            finally:
                cleanup()
            if result["file_error"]:
                raise SystemExit(result["file_error"])
            print(
                f"{rows:>9} {kind:>8} {parsed['seconds']:>8.2f} {rows / parsed['seconds']:>10.0f} "
                f"{result['first_seconds']:>9.2f} {rows / result['first_seconds']:>10.0f} "
                f"{result['first_seconds'] / parsed['seconds']:>12.2f} {result['second_seconds']:>8.2f} "
                f"{result['second_seconds'] / result['first_seconds']:>11.2f} {result['second_writes']:>12} "
                f"{result['peak_mb']:>8.0f} {floor['seconds']:>8.2f} "
                f"{(parsed['seconds'] + floor['seconds']) / parsed['seconds']:>19.2f}"
            )
            print(f"          first: {result['first_counts']}  again: {result['second_counts']}")
            print(
                f"          floor with full change records (the definition before ADR 0016): "
                f"{full_floor['seconds']:.2f} s; compact: {floor['seconds']:.2f} s"
            )
            print(f"          first import by stage: {stage_line(result['first_stages'], result['first_seconds'])}")
            print(f"          re-import by stage:    {stage_line(result['second_stages'], result['second_seconds'])}")
            print(f"          floor by stage:        {stage_line(floor['stages'], floor['seconds'])}")


if __name__ == "__main__":
    main()
