"""One benchmark measurement in a fresh process (so that its peak memory is its own); prints one JSON line.

run_one.py --npz ROUND.npz --mode solve      the two-phase solve (quota, then open)
run_one.py --npz ROUND.npz --mode open       the same round with every seat open (no quota phase)
run_one.py --npz ROUND.npz --mode matching   that open-only round with the `matching` package's
                                             HospitalResident (resident-optimal), checked against ours
"""

import argparse
import json
import resource
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import load  # noqa: E402

from emis.rounds.solver.engine import Instance, ranking, solve  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def open_only(instance: Instance) -> Instance:
    """Every seat open: the round the matching package can express (one seat pool per school)."""
    return Instance(
        exam_no=instance.exam_no,
        junior=instance.junior,
        scores=instance.scores,
        prefs=instance.prefs,
        school_codes=instance.school_codes,
        junior_codes=instance.junior_codes,
        open_seats=instance.open_seats + instance.quota_seats,
        quota_seats=np.zeros_like(instance.quota_seats),
        quota_min=instance.quota_min,
        quotas=np.zeros_like(instance.quotas) if instance.quotas is not None else None,
    )


def with_matching(instance: Instance) -> dict:
    from matching.games import HospitalResident

    ours = solve(instance)
    started = time.perf_counter()
    # The package needs each hospital's ranking of the residents who applied to it: our ranking (the tie-break
    # chain) restricted to its applicants. Building these inputs is counted in its time.
    order = ranking(instance)
    residents = {}
    for i, row in enumerate(instance.prefs.tolist()):
        prefs = [s for s in row if s >= 0]
        if prefs:
            residents[i] = prefs
    hospitals = {s: [] for s in range(len(instance.school_codes))}
    for i in order.tolist():
        for s in residents.get(i, ()):
            hospitals[s].append(i)
    capacities = {s: int(instance.open_seats[s]) for s in hospitals}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hospitals nobody chose, capacity 0
        game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
        built = time.perf_counter()
        matching = game.solve(optimal="resident")
    seconds = time.perf_counter() - started
    school = np.full(instance.n, -1)
    for hospital, matched in matching.items():
        for resident in matched:
            school[resident.name] = hospital.name
    return {
        "seconds": seconds,
        "solve_seconds": time.perf_counter() - built,
        "ours_seconds": sum(ours.timings.values()),
        "agree": bool((school == ours.school).all()),
        "peak_mb": peak_mb(),
    }


def in_big_stack(function, *args) -> dict:
    """Run in a thread with a 1 GB stack and a high recursion limit: the package deep-copies its players, which
    recurses once per linked player and exceeds Python's default limit from about 50k applicants."""
    outcome = {}

    def target():
        try:
            outcome.update(function(*args))
        except Exception as exc:  # reported, not raised: the run goes on with "—"
            outcome.update({"error": type(exc).__name__})

    sys.setrecursionlimit(10_000_000)
    threading.stack_size(1 << 30)
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--npz", type=Path, required=True)
    parser.add_argument("--mode", choices=["solve", "open", "matching"], required=True)
    args = parser.parse_args()
    instance = load(args.npz)
    if args.mode == "matching":
        print(json.dumps(in_big_stack(with_matching, open_only(instance))))
        return
    if args.mode == "open":
        instance = open_only(instance)
    started = time.perf_counter()
    result = solve(instance)
    seconds = time.perf_counter() - started
    counts = np.bincount(result.phase, minlength=3).tolist()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "timings": result.timings,
                "peak_mb": peak_mb(),
                "none": counts[0],
                "quota": counts[1],
                "open": counts[2],
            }
        )
    )


if __name__ == "__main__":
    main()
