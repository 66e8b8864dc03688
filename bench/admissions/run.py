"""Admission solver benchmark: time and peak memory per size, and the ratio to the `matching` package.

For each size a round is generated (generate.py: 10 preferences, 50 to 500 schools, quota seats for the quality
schools) into a temporary directory, then measured in fresh processes (run_one.py), so that each peak memory
(getrusage max RSS, which includes the loaded round) belongs to one run:

* solve:    the full two-phase solve (quota phase, then open phase);
* open:     the same round with every seat open (the problem the `matching` package can express);
* matching: that open round with matching 1.4.3's HospitalResident (resident-optimal deferred acceptance),
            stopped after --matching-timeout seconds ("—" then); its result is checked against ours.

ratio = matching seconds / our open-only seconds, both measured in this run. Timing is never asserted in tests.

Then the file interface end to end (end_to_end.py): `emis admissions solve` on A.csv/S.csv/Q.csv against a plain
pure-Python serial dictatorship (reference_sd.py) on the same files, with the ratio and a byte-for-byte check of the
two RESULT.csv files (--files-only: only that table; --no-files: only the first).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import end_to_end

HERE = Path(__file__).resolve().parent
SIZES = {5_000: 50, 50_000: 150, 500_000: 500, 1_000_000: 500}


def run(*args: str, timeout: float | None = None) -> dict | None:
    try:
        output = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if output.returncode != 0:
        raise SystemExit(output.stderr[-3000:])
    lines = output.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--matching-timeout", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument("--matching-max", type=int, default=50_000, help="skip matching above this size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files-only", action="store_true", help="only the end-to-end table")
    parser.add_argument("--no-files", action="store_true", help="skip the end-to-end table")
    args = parser.parse_args()
    if not args.files_only:
        solve_table(args)
    if not args.no_files:
        end_to_end.run_all(args.sizes, args.seed)


def solve_table(args) -> None:
    print(
        f"{'applicants':>10} {'schools':>7} {'solve s':>8} {'peak MB':>8} {'quota':>8} {'open':>8} {'none':>8} "
        f"{'open-only s':>11} {'matching s':>10} {'ratio':>8} {'agree':>5}"
    )
    with tempfile.TemporaryDirectory(prefix="emis-admissions-bench-") as directory:
        for n in args.sizes:
            schools = SIZES.get(n) or min(500, max(50, round(n / 333)))
            npz = Path(directory) / f"round-{n}.npz"
            seed = str(args.seed)
            run(str(HERE / "generate.py"), str(n), "--schools", str(schools), "--seed", seed, "--npz", str(npz))
            full = run(str(HERE / "run_one.py"), "--npz", str(npz), "--mode", "solve")
            open_only = run(str(HERE / "run_one.py"), "--npz", str(npz), "--mode", "open")
            baseline, note = None, f"skipped above {args.matching_max} applicants"
            if n <= args.matching_max:
                baseline = run(
                    str(HERE / "run_one.py"), "--npz", str(npz), "--mode", "matching", timeout=args.matching_timeout
                )
                if baseline is None:
                    note = f"stopped after the {args.matching_timeout:.0f} s timeout"
                elif "error" in baseline:
                    note, baseline = f"failed with {baseline['error']}", None
                else:
                    note = ""
            if baseline:
                matching = f"{baseline['seconds']:>10.2f}"
                ratio = f"{baseline['seconds'] / open_only['seconds']:>7.0f}x"
                agree = "yes" if baseline["agree"] else "NO"
            else:
                matching, ratio, agree = f"{'—':>10}", f"{'—':>8}", f"{'—':>5}"
            print(
                f"{n:>10} {schools:>7} {full['seconds']:>8.2f} {full['peak_mb']:>8.0f} {full['quota']:>8} "
                f"{full['open']:>8} {full['none']:>8} {open_only['seconds']:>11.3f} {matching} {ratio} {agree:>5}",
                flush=True,
            )
            stages = ", ".join(f"{k} {v:.2f}" for k, v in full["timings"].items())
            why = f"; matching: {note}" if note else ""
            print(f"{'':>10} solve stages (s): {stages}{why}", flush=True)
            npz.unlink()


if __name__ == "__main__":
    main()
