"""The file interface end to end: `emis admissions solve` against a plain pure-Python serial dictatorship.

For each size a round is generated (generate.py) and written as A.csv, S.csv and Q.csv; then, each in a fresh
process and one after the other on the same files:

* ours:      `manage.py admissions solve --applicants A.csv --schools S.csv --quotas Q.csv --out RESULT.csv`
             (Django start-up, reading and checking the three files, the two-phase solve, RESULT.csv written);
* reference: reference_sd.py on the same files (csv module, sorted() with a key tuple, two plain loops).

Printed per size: wall seconds and CPU seconds (user + system) of each process, peak memory (max RSS of the
process), the ratios ours / reference of wall time (the target is ≤ 0.3) and of CPU time, and whether both
RESULT.csv files are equal byte for byte. With --repeat N each is run N times, alternately, and the fastest run of
each is shown. The stages of our run come from the command's own output (读入 … 求解 …). Timing is never asserted in
tests; the machine is shared, so the load average is printed with the figures.
"""

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SIZES = {5_000: 50, 50_000: 150, 500_000: 500, 1_000_000: 500}


def measured(command: list[str], env: dict | None = None) -> dict:
    """Run ``command`` to completion; wall and CPU seconds, peak MB and output of that process alone."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-3000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "stdout": stdout,
    }


def stages(stdout: str) -> str:
    """The command's own line: 读入 X 秒，求解 Y 秒，共 Z 秒."""
    for line in stdout.splitlines():
        if "读入" in line:
            return line.split("；", 1)[-1].strip()
    return ""


def best(runs: list[dict]) -> dict:
    """The run with the least wall time: on a shared machine the others were slowed by someone else's work."""
    return min(runs, key=lambda run: run["wall"])


def measure(n: int, schools: int, seed: int, directory: Path, repeat: int = 1) -> dict:
    folder = directory / f"round-{n}"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(n), "--schools", str(schools), "--seed", str(seed)]
        + ["--csv", str(folder)],
        check=True,
        capture_output=True,
    )
    a, s, q = (str(folder / name) for name in ("A.csv", "S.csv", "Q.csv"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local")}
    ours_runs, reference_runs = [], []
    for _ in range(repeat):  # alternated, so that a burst of load elsewhere hits both alike
        ours_runs.append(
            measured(
                [sys.executable, str(ROOT / "manage.py"), "admissions", "solve", "--applicants", a, "--schools", s]
                + ["--quotas", q, "--out", str(folder / "RESULT.csv")],
                env,
            )
        )
        reference_runs.append(
            measured(
                [sys.executable, str(HERE / "reference_sd.py"), "--applicants", a, "--schools", s, "--quotas", q]
                + ["--out", str(folder / "RESULT-reference.csv")]
            )
        )
    ours, reference = best(ours_runs), best(reference_runs)
    agree = filecmp.cmp(folder / "RESULT.csv", folder / "RESULT-reference.csv", shallow=False)
    megabytes = (folder / "A.csv").stat().st_size / 1e6
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    return {"ours": ours, "reference": reference, "agree": agree, "a_mb": megabytes}


HEADER = (
    f"{'applicants':>10} {'schools':>7} {'A.csv MB':>8} {'ours s':>7} {'cpu s':>6} {'peak MB':>7} "
    f"{'ref s':>7} {'cpu s':>6} {'peak MB':>7} {'ours/ref':>8} {'cpu o/r':>7} {'agree':>5}"
)


def row(n: int, schools: int, m: dict) -> str:
    ours, ref = m["ours"], m["reference"]
    return (
        f"{n:>10} {schools:>7} {m['a_mb']:>8.0f} {ours['wall']:>7.2f} {ours['cpu']:>6.2f} {ours['peak_mb']:>7.0f} "
        f"{ref['wall']:>7.2f} {ref['cpu']:>6.2f} {ref['peak_mb']:>7.0f} {ours['wall'] / ref['wall']:>8.2f} "
        f"{ours['cpu'] / ref['cpu']:>7.2f} {'yes' if m['agree'] else 'NO':>5}"
    )


def run_all(sizes, seed: int, repeat: int = 1) -> None:
    print("End to end (CSV in, checks, solve, RESULT.csv out; fresh processes):", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="emis-admissions-files-") as directory:
        for n in sizes:
            schools = SIZES.get(n) or min(500, max(50, round(n / 333)))
            m = measure(n, schools, seed, Path(directory), repeat)
            print(row(n, schools, m), flush=True)
            print(f"{'':>10} ours: {stages(m['ours']['stdout'])}  load {os.getloadavg()[0]:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternated; the fastest is shown")
    args = parser.parse_args()
    run_all(args.sizes, args.seed, args.repeat)


if __name__ == "__main__":
    main()
