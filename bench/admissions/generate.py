"""Synthetic senior-high admission rounds for the benchmark (and optionally as CSV files).

The shape: schools and junior schools are spread over regions (about 10 schools per region); school popularity
is skewed (a few sought-after schools); each applicant lists up to 10 distinct schools, mostly in their own region,
the popular ones more often; 5% list fewer. Seats cover about 60% of applicants (普高 places); the 30% most popular
schools are quality schools whose quota seats are 2/3 of the plan (rounded up), split among the junior schools of
their region by applicant count (largest remainder). Scores are integers and half points, so ties are frequent.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emis.rounds.solver.engine import NO_MIN, Instance, to_hundredths  # noqa: E402
from emis.rounds.solver.quota import allocate_quotas, quota_seats_for_plan  # noqa: E402


def schools_for(applicants: int) -> int:
    """50 schools for 5k applicants, 150 for 50k, 500 for 500k and more (about one per 333 applicants)."""
    return int(min(500, max(50, round(applicants / 333))))


def generate(applicants: int, schools: int | None = None, prefs: int = 10, seed: int = 1) -> Instance:
    rng = np.random.default_rng(seed)
    n = applicants
    s = schools or schools_for(n)
    regions = max(1, s // 10)
    juniors = max(regions, n // 400)
    school_region = np.sort(rng.integers(0, regions, s))
    school_region[:regions] = np.arange(regions)  # every region has a school
    school_region.sort()
    junior_region = rng.integers(0, regions, juniors)
    junior_region[:regions] = np.arange(regions)
    popularity = rng.pareto(1.5, s) + 0.2

    junior = rng.integers(0, juniors, n).astype(np.int32)
    region = junior_region[junior]

    # Candidates: 3 × prefs draws, 80% inside the applicant's region, weighted by popularity; keep the first
    # `prefs` distinct ones in draw order.
    draws = 3 * prefs
    weights = popularity / popularity.sum()
    cumulative = np.r_[0.0, np.cumsum(weights)]
    starts = np.searchsorted(school_region, np.arange(regions), side="left")
    ends = np.searchsorted(school_region, np.arange(regions), side="right")
    low = cumulative[starts[region]][:, None]
    high = cumulative[ends[region]][:, None]
    u = rng.random((n, draws))
    local = rng.random((n, draws)) < 0.8
    point = np.where(local, low + u * (high - low), u)
    candidates = np.minimum(np.searchsorted(cumulative, point, side="right") - 1, s - 1).astype(np.int16)
    del u, local, point, low, high
    by_value = np.argsort(candidates, axis=1, kind="stable")
    sorted_values = np.take_along_axis(candidates, by_value, axis=1)
    repeat = np.zeros_like(candidates, dtype=bool)
    repeat_sorted = np.zeros_like(repeat)
    repeat_sorted[:, 1:] = sorted_values[:, 1:] == sorted_values[:, :-1]
    np.put_along_axis(repeat, by_value, repeat_sorted, axis=1)
    position = np.where(repeat, draws + np.arange(draws), np.arange(draws))
    keep = np.argsort(position, axis=1, kind="stable")[:, :prefs]
    chosen = np.take_along_axis(candidates, keep, axis=1)
    chosen[np.take_along_axis(repeat, keep, axis=1)] = -1
    # 5% list fewer schools (blank after the last one).
    short = rng.random(n) < 0.05
    length = np.where(short, rng.integers(1, prefs + 1, n), prefs)
    chosen[np.arange(prefs)[None, :] >= length[:, None]] = -1
    # Blanks must come last: move any -1 left by duplicates to the end, keeping order.
    blanks_last = np.argsort(chosen < 0, axis=1, kind="stable")
    chosen = np.take_along_axis(chosen, blanks_last, axis=1)

    ability = rng.normal(0, 1, n)
    subject = lambda mean, sd, top: np.clip(np.round((mean + sd * (ability + rng.normal(0, 0.6, n))) * 2) / 2, 0, top)  # noqa: E731
    chinese = subject(85, 15, 120)
    math = subject(80, 22, 120)
    english = subject(82, 20, 120)
    others = subject(250, 50, 390)
    total = chinese + math + english + others
    scores = to_hundredths(np.stack([total, chinese, math, english], axis=1))

    demand = np.bincount(chosen[:, 0][chosen[:, 0] >= 0], minlength=s) + 1
    plan = np.maximum(10, np.round(0.6 * n * demand / demand.sum())).astype(np.int64)
    quality = popularity >= np.quantile(popularity, 0.7)
    quota_seats = np.array([quota_seats_for_plan(int(p)) if q else 0 for p, q in zip(plan, quality, strict=True)])
    graduates = np.bincount(junior, minlength=juniors)
    weights = np.where(school_region[:, None] == junior_region[None, :], graduates[None, :], 0)
    quotas = allocate_quotas(quota_seats, weights)
    quota_min = np.where(quality, int(to_hundredths(np.quantile(total, 0.4))), NO_MIN)
    return Instance(
        exam_no=np.char.add("25", np.char.zfill(rng.permutation(n).astype(str), 8)),
        junior=junior,
        scores=scores,
        prefs=chosen,
        school_codes=[f"H{i:04d}" for i in range(s)],
        junior_codes=[f"J{i:05d}" for i in range(juniors)],
        open_seats=plan - quota_seats,
        quota_seats=quota_seats,
        quota_min=quota_min,
        quotas=quotas,
    )


def save(instance: Instance, path: Path) -> None:
    np.savez(
        path,
        exam_no=instance.exam_no,
        junior=instance.junior,
        scores=instance.scores,
        prefs=instance.prefs,
        school_codes=np.array(instance.school_codes),
        junior_codes=np.array(instance.junior_codes),
        open_seats=instance.open_seats,
        quota_seats=instance.quota_seats,
        quota_min=instance.quota_min,
        quotas=instance.quotas,
    )


def load(path: Path) -> Instance:
    with np.load(path) as data:
        return Instance(
            exam_no=data["exam_no"],
            junior=data["junior"],
            scores=data["scores"],
            prefs=data["prefs"],
            school_codes=list(data["school_codes"]),
            junior_codes=list(data["junior_codes"]),
            open_seats=data["open_seats"],
            quota_seats=data["quota_seats"],
            quota_min=data["quota_min"],
            quotas=data["quotas"],
        )


def write_csv(instance: Instance, directory: Path) -> tuple[Path, Path, Path]:
    """A.csv, S.csv and Q.csv in the file interface's format (docs/admissions.md)."""
    from emis.rounds.solver.engine import format_score

    directory.mkdir(parents=True, exist_ok=True)
    a, s, q = directory / "A.csv", directory / "S.csv", directory / "Q.csv"
    k = instance.prefs.shape[1]
    codes = instance.school_codes
    with open(a, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        header = ["exam_no", "junior_school", "total", "chinese", "math", "english"]
        out.writerow(header + [f"pref{i + 1}" for i in range(k)])
        for i in range(instance.n):
            out.writerow(
                [instance.exam_no[i], instance.junior_codes[instance.junior[i]]]
                + [format_score(v) for v in instance.scores[i]]
                + [codes[p] if p >= 0 else "" for p in instance.prefs[i]]
            )
    with open(s, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["school", "open_seats", "quota_seats", "quota_min_score"])
        for i, code in enumerate(codes):
            minimum = "" if instance.quota_min[i] == NO_MIN else format_score(instance.quota_min[i])
            out.writerow([code, instance.open_seats[i], instance.quota_seats[i], minimum])
    with open(q, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["school", "junior_school", "seats"])
        for school, junior in zip(*np.nonzero(instance.quotas), strict=True):
            out.writerow([codes[school], instance.junior_codes[junior], instance.quotas[school, junior]])
    return a, s, q


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("applicants", type=int)
    parser.add_argument("--schools", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--npz", type=Path, help="write the instance as .npz")
    parser.add_argument("--csv", type=Path, help="write A.csv, S.csv, Q.csv into this directory")
    args = parser.parse_args()
    instance = generate(args.applicants, args.schools, seed=args.seed)
    if args.npz:
        save(instance, args.npz)
    if args.csv:
        print(*write_csv(instance, args.csv))


if __name__ == "__main__":
    main()
