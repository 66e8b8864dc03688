"""The baseline for bench/admissions: a plain pure-Python serial dictatorship with CSV in and out.

    python bench/admissions/reference_sd.py --applicants A.csv --schools S.csv [--quotas Q.csv] --out RESULT.csv

What a competent programmer would write in an afternoon with the standard library only (csv module, dicts,
sorted() with a key tuple, two loops), with the same rules as `emis admissions solve` (docs/admissions.md):

* applicants ranked by total, chinese+math+english, math, chinese, english (higher first), then exam number
  (smaller first, as text); scores compared in hundredths of a point;
* quota phase: in rank order each eligible applicant takes the first preference where their own junior school
  still has a quota seat and their total reaches the school's quota_min_score; a quota admission is final;
* open phase: the others, in the same order, take the first preference with a seat left; a school's open
  capacity is open_seats + quota_seats − quota seats taken;
* without Q, each school's quota_seats are split over junior schools by applicant count, largest remainder
  (ties: larger count, then smaller junior school code).

Input is assumed well formed (it checks nothing: the files come from generate.py). RESULT.csv is written like the
command's: UTF-8 with a BOM, `exam_no, school, phase, preference_rank`, one row per applicant in input order.
Prints one JSON line: seconds per stage and peak memory.
"""

import argparse
import csv
import json
import resource
import time

TRUE_WORDS = {"1", "是", "true", "yes", "y", ""}


def hundredths(text):
    return round(float(text) * 100)


def read_table(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader)]
        return header, [row for row in reader if any(cell.strip() for cell in row)]


def hamilton(total, weights):
    """Largest remainder: floor shares first, the seats left to the largest remainders (ties: larger weight,
    then earlier position)."""
    whole = sum(weights)
    if not whole or not total:
        return [0] * len(weights)
    seats = [total * w // whole for w in weights]
    left = total - sum(seats)
    order = sorted(range(len(weights)), key=lambda j: (-(total * weights[j] % whole), -weights[j], j))
    for j in order[:left]:
        seats[j] += 1
    return seats


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applicants", required=True)
    parser.add_argument("--schools", required=True)
    parser.add_argument("--quotas")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    stages = {}

    header, rows = read_table(args.schools)
    at = {name: k for k, name in enumerate(header)}
    open_seats, quota_seats, quota_min = {}, {}, {}
    for row in rows:
        school = row[at["school"]].strip()
        open_seats[school] = int(row[at["open_seats"]])
        quota_seats[school] = int(row[at["quota_seats"]] or 0)
        minimum = row[at["quota_min_score"]].strip()
        quota_min[school] = hundredths(minimum) if minimum else None

    header, rows = read_table(args.applicants)
    at = {name: k for k, name in enumerate(header)}
    pref_columns = [at[f"pref{k}"] for k in range(1, 1000) if f"pref{k}" in at]
    eligible_column = at.get("quota_eligible")
    applicants = []
    for row in rows:
        prefs = [row[k].strip() for k in pref_columns if k < len(row) and row[k].strip()]
        eligible = eligible_column is None or row[eligible_column].strip().lower() in TRUE_WORDS
        total, chinese, math, english = (hundredths(row[at[name]]) for name in ("total", "chinese", "math", "english"))
        applicants.append(
            {
                "exam_no": row[at["exam_no"]].strip(),
                "junior": row[at["junior_school"]].strip(),
                "total": total,
                "chinese": chinese,
                "math": math,
                "english": english,
                "prefs": prefs,
                "eligible": eligible,
            }
        )
    del rows

    pools = {}
    if args.quotas:
        header, rows = read_table(args.quotas)
        at = {name: k for k, name in enumerate(header)}
        for row in rows:
            pools[(row[at["school"]].strip(), row[at["junior_school"]].strip())] = int(row[at["seats"]])
    else:
        counts = {}
        for a in applicants:
            counts[a["junior"]] = counts.get(a["junior"], 0) + 1
        juniors = sorted(counts)
        for school, seats in quota_seats.items():
            for junior, share in zip(juniors, hamilton(seats, [counts[j] for j in juniors]), strict=True):
                if share:
                    pools[(school, junior)] = share
    stages["read"] = time.perf_counter() - started

    order = sorted(
        applicants,
        key=lambda a: (
            -a["total"],
            -(a["chinese"] + a["math"] + a["english"]),
            -a["math"],
            -a["chinese"],
            -a["english"],
            a["exam_no"],
        ),
    )
    stages["rank"] = time.perf_counter() - started - sum(stages.values())

    taken = dict.fromkeys(open_seats, 0)
    for a in order:
        a["school"], a["phase"], a["rank"] = "", "", ""
        if not a["eligible"]:
            continue
        for k, school in enumerate(a["prefs"]):
            pool = (school, a["junior"])
            minimum = quota_min[school]
            if pools.get(pool, 0) > 0 and (minimum is None or a["total"] >= minimum):
                pools[pool] -= 1
                taken[school] += 1
                a["school"], a["phase"], a["rank"] = school, "quota", k + 1
                break
    stages["quota"] = time.perf_counter() - started - sum(stages.values())

    capacity = {school: open_seats[school] + quota_seats[school] - taken[school] for school in open_seats}
    for a in order:
        if a["phase"]:
            continue
        for k, school in enumerate(a["prefs"]):
            if capacity[school] > 0:
                capacity[school] -= 1
                a["school"], a["phase"], a["rank"] = school, "open", k + 1
                break
    stages["open"] = time.perf_counter() - started - sum(stages.values())

    with open(args.out, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exam_no", "school", "phase", "preference_rank"])
        for a in applicants:
            writer.writerow([a["exam_no"], a["school"], a["phase"], a["rank"]])
    stages["write"] = time.perf_counter() - started - sum(stages.values())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - started, "stages": stages, "peak_mb": peak}))


if __name__ == "__main__":
    main()
