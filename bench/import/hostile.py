"""Hostile files (issue 10, findings 6 and 7): how long the reader takes to refuse or read them, and at what
peak memory. Each measurement runs in its own process; nothing is asserted.

    .venv/bin/python bench/import/hostile.py              # 300k rows x 8 cells, as in the finding
    .venv/bin/python bench/import/hostile.py --rows 100000

Prints, per file: size, the guard's verdict and time (zip directory, inflate and scan), the time to read
every row when accepted, the error workbook for a batch of all-rejected rows, and peak RSS.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def measure(path: str, workbook: bool, max_rows: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["EMIS_IMPORT_MAX_ROWS"] = max_rows
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files import File

    from emis.core import files
    from emis.core.imports import guard
    from emis.core.imports.reader import FileRejected, open_table
    from emis.core.imports.service import error_workbook
    from emis.core.models import ImportBatch

    figures: dict = {"size_kb": round(Path(path).stat().st_size / 1024, 1)}
    started = time.perf_counter()
    try:
        if path.endswith(".xlsx"):
            guard.check_xlsx(Path(path), guard.Limits.from_settings())
        figures["guard"] = "accepted"
    except guard.LimitExceeded as exc:
        figures["guard"] = f"refused: {exc}"
    figures["guard_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    try:
        table = open_table(path, max_rows=int(max_rows))
        figures["rows"] = sum(1 for _ in table.rows)
    except FileRejected as exc:
        figures["rows"] = f"refused: {exc}"
    figures["read_seconds"] = round(time.perf_counter() - started, 2)
    if workbook and isinstance(figures["rows"], int):
        # A batch whose every row was rejected, as the engine now stores it: the first 1,000 reasons kept.
        reasons = {str(n): "学校标识码：不是本县学校。" for n in range(2, 1002)}
        with open(path, "rb") as handle:
            stored = files.save(File(handle), folder="imports", suffix=Path(path).suffix)
        batch = ImportBatch(
            file=stored,
            file_name=Path(path).name,
            report={"rejected_rows": reasons, "rejected_rows_omitted": figures["rows"] - 1000},
        )
        started = time.perf_counter()
        try:
            figures["errors_xlsx_kb"] = round(len(error_workbook(batch)) / 1024, 1)
        finally:
            files.delete(stored)
        figures["errors_xlsx_seconds"] = round(time.perf_counter() - started, 2)
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def peak_rss_mb() -> int:
    # VmHWM belongs to this process's memory map; ru_maxrss would carry the parent's peak across fork and exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--workbook", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--max-rows", default="2000000", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.workbook, args.max_rows), ensure_ascii=False))
        return
    sys.path.insert(0, str(ROOT))
    from emis.core.imports import samples

    DATA.mkdir(exist_ok=True)
    files = {
        "far cell XFD1048576": (samples.header_and_far_cell(), "far.xlsx"),
        "shared-string count 10^12": (samples.huge_shared_string_count(), "sst.xlsx"),
        "lying zip directory": (samples.lying_zip_directory(), "lying.xlsx"),
        f"{args.rows:,} rows x 8 cells": (samples.many_rows(args.rows), f"rows-{args.rows}.xlsx"),
    }
    for label, (data, name) in files.items():
        path = DATA / name
        path.write_bytes(data)
        runs = [("default limits", "2000000")]
        if "rows" in label:
            runs.append(("EMIS_IMPORT_MAX_ROWS=100000", "100000"))
        for limit_label, max_rows in runs:
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), "--workbook", "--max-rows", max_rows],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
            result = done.stdout.strip() or done.stderr.strip()[-400:]
            print(f"{label} ({limit_label}): {result}")


if __name__ == "__main__":
    main()
