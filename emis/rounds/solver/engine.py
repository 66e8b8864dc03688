"""Senior-high admission with quota seats (指标到校): a quota phase, then an open phase (统招).

Pure Python + numpy, no Django, so that it can be benchmarked and used stand-alone (docs/admissions.md).

* **Ranking.** All applicants are ranked once by the tie-break chain (default: total, then chinese+math+english,
  then math, then chinese, then english — all higher first — then exam number ascending as text). Exam numbers
  are unique, so the ranking is a strict total order that depends only on the data, never on input order.
* **Quota phase.** The seat pools are the (school, junior school) pairs with quota seats. An applicant may take a
  quota seat only at a school on their own preference list, only in their own junior school's pool there, only
  if eligible and with a total at or above the school's quota minimum. Applicants are taken in rank order and
  each gets the first preference (in their order) whose pool still has a seat: 分数优先、遵循志愿 within the quota
  batch (domain-rules 3.3). An applicant admitted here is admitted, finally, and does not enter the open phase
  (domain-rules 3.2: 单独批次、单独录取).
* **Open phase.** Each school's open capacity is its open seats plus its quota seats not taken in the quota
  phase (unfilled or unallocated quota seats return to open admission). The applicants not admitted in the
  quota phase are taken in the same rank order, and each gets the first preference with a seat left.
* No school ever takes more than open_seats + quota_seats, and no pool more than its quota.

Serial dictatorship with one common ranking equals student-proposing deferred acceptance, and that is how the
walk is computed fast: applicants are taken in rank order in chunks; everything before a chunk is final, and
within a chunk deferred acceptance runs vectorised (every applicant points at their first still-possible choice;
each school keeps the best of those pointing at it up to its remaining seats; the rest move on) until nobody is
rejected. Schools only fill up, so a rejection is final, and each chunk takes a few numpy passes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .quota import allocate_quotas

#: Scores are held as integers in hundredths of a point, so sums and comparisons are exact.
SCORE_SCALE = 100

TOTAL, CHINESE, MATH, ENGLISH = 0, 1, 2, 3
SCORE_COLUMNS = ("total", "chinese", "math", "english")

CME = "chinese+math+english"
EXAM_NO = "exam_no"
TIE_BREAK_KEYS = ("total", CME, "math", "chinese", "english", EXAM_NO)
DEFAULT_TIE_BREAK = ("total", CME, "math", "chinese", "english", EXAM_NO)
TIE_BREAK_ALIASES = {
    "total": "total",
    "总分": "total",
    CME: CME,
    "cme": CME,
    "chinese_math_english": CME,
    "语数外": CME,
    "语数外合计": CME,
    "math": "math",
    "数学": "math",
    "chinese": "chinese",
    "语文": "chinese",
    "english": "english",
    "外语": "english",
    "英语": "english",
    EXAM_NO: EXAM_NO,
    "考号": EXAM_NO,
}

NO_MIN = -1

PHASE_NONE, PHASE_QUOTA, PHASE_OPEN = 0, 1, 2
PHASE_NAMES = {PHASE_NONE: "", PHASE_QUOTA: "quota", PHASE_OPEN: "open"}


def parse_tie_break(chain) -> tuple[str, ...]:
    """'total,chinese+math+english,math' or a sequence of names → the chain, ending with exam_no.

    Names are those of TIE_BREAK_KEYS or their aliases (总分, 语数外, 数学, 语文, 外语, 考号). Score keys rank higher
    first; exam_no ranks the smaller number (as text) first. exam_no is appended when missing so that the order is
    strict; it must be last when given. ValueError names the offending item.
    """
    if isinstance(chain, str):
        items = [part.strip() for part in chain.replace("，", ",").split(",")]
    else:
        items = [str(part).strip() for part in chain]
    items = [item for item in items if item]
    names: list[str] = []
    for item in items:
        name = TIE_BREAK_ALIASES.get(item.lower()) or TIE_BREAK_ALIASES.get(item)
        if name is None:
            raise ValueError(item)
        if name in names:
            raise ValueError(item)
        names.append(name)
    if not names:
        raise ValueError("")
    if EXAM_NO in names and names[-1] != EXAM_NO:
        raise ValueError(EXAM_NO)
    if EXAM_NO not in names:
        names.append(EXAM_NO)
    return tuple(names)


def to_hundredths(values) -> np.ndarray:
    """Scores in points (floats or ints) → int64 hundredths of a point."""
    return np.rint(np.asarray(values, dtype=np.float64) * SCORE_SCALE).astype(np.int64)


def format_score(hundredths: int) -> str:
    """61250 → '612.5'; 61200 → '612'."""
    value = int(hundredths)
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), SCORE_SCALE)
    if not part:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{part:02d}".rstrip("0")


@dataclass
class Instance:
    """One admission round, as arrays.

    exam_no       (N,) str: unique exam numbers
    junior        (N,) int: index into junior_codes
    scores        (N, 4) int64: total, chinese, math, english in hundredths of a point (SCORE_SCALE)
    prefs         (N, K) int: school index per preference, -1 after the last one
    school_codes  (S,) the schools' codes; open_seats, quota_seats (S,) int; quota_min (S,) hundredths or NO_MIN
    junior_codes  (J,) the junior schools' codes
    quotas        (S, J) quota seats per school and junior school, or None for the default rule (quota seats
                  split by applicant count per junior school, largest remainder)
    quota_eligible (N,) bool or None (everyone eligible)
    """

    exam_no: np.ndarray
    junior: np.ndarray
    scores: np.ndarray
    prefs: np.ndarray
    school_codes: list
    junior_codes: list
    open_seats: np.ndarray
    quota_seats: np.ndarray
    quota_min: np.ndarray
    quotas: np.ndarray | None = None
    quota_eligible: np.ndarray | None = None

    def __post_init__(self):
        self.exam_no = np.asarray(self.exam_no)
        self.junior = np.asarray(self.junior, dtype=np.int32)
        self.scores = np.asarray(self.scores, dtype=np.int64).reshape(-1, 4)
        prefs = np.asarray(self.prefs)
        if prefs.ndim != 2:
            prefs = prefs.reshape(len(self.exam_no), -1)
        self.prefs = prefs.astype(np.int16 if len(self.school_codes) < 2**15 else np.int32, copy=False)
        self.open_seats = np.asarray(self.open_seats, dtype=np.int64)
        self.quota_seats = np.asarray(self.quota_seats, dtype=np.int64)
        self.quota_min = np.asarray(self.quota_min, dtype=np.int64)
        if self.quota_eligible is not None:
            self.quota_eligible = np.asarray(self.quota_eligible, dtype=bool)
        if self.quotas is not None:
            self.quotas = np.asarray(self.quotas, dtype=np.int64)
        self.check()

    @cached_property
    def exam_keys(self) -> np.ndarray | None:
        """exam_keys(exam_no), computed once (the check and the ranking both sort by it)."""
        return exam_keys(self.exam_no)

    @property
    def n(self) -> int:
        return len(self.exam_no)

    def check(self) -> None:
        """Shape and range checks (ValueError). Files are checked row by row with messages in files.py."""
        n, s, j = len(self.exam_no), len(self.school_codes), len(self.junior_codes)
        if self.junior.shape != (n,) or self.scores.shape != (n, 4) or self.prefs.shape[0] != n:
            raise ValueError("applicant arrays differ in length")
        if n and (self.junior.min() < 0 or self.junior.max() >= j):
            raise ValueError("junior school index out of range")
        if self.prefs.size and (self.prefs.min() < -1 or self.prefs.max() >= s):
            raise ValueError("preference school index out of range")
        if (self.scores < 0).any():
            raise ValueError("negative score")
        for name in ("open_seats", "quota_seats", "quota_min"):
            if getattr(self, name).shape != (s,):
                raise ValueError(f"{name} must have one entry per school")
        if (self.open_seats < 0).any() or (self.quota_seats < 0).any():
            raise ValueError("negative seats")
        keys = self.exam_keys
        ordered = np.sort(keys if keys is not None else self.exam_no)
        if n and (ordered[1:] == ordered[:-1]).any():
            raise ValueError("duplicate exam number")
        if self.quota_eligible is not None and self.quota_eligible.shape != (n,):
            raise ValueError("quota_eligible must have one entry per applicant")
        if self.quotas is not None:
            if self.quotas.shape != (s, j):
                raise ValueError("quotas must be (schools, junior schools)")
            if (self.quotas < 0).any() or (self.quotas.sum(axis=1) > self.quota_seats).any():
                raise ValueError("quota seats allocated beyond a school's quota_seats")

    def effective_quotas(self) -> np.ndarray:
        """The (S, J) quota matrix: as given, or the default rule over applicant counts per junior school."""
        if self.quotas is not None:
            return self.quotas
        weights = np.bincount(self.junior, minlength=len(self.junior_codes))
        return allocate_quotas(self.quota_seats, weights)

    @classmethod
    def from_records(cls, applicants, schools, quotas=None) -> Instance:
        """Build from plain records (tests, small scripts).

        applicants: dicts with exam_no, junior_school, total, chinese, math, english (points), prefs (school codes)
        and optionally quota_eligible; schools: dicts with school, open_seats, quota_seats, quota_min_score (None:
        no minimum); quotas: {(school, junior_school): seats} or None for the default rule.
        """
        school_codes = [str(row["school"]) for row in schools]
        school_index = {code: i for i, code in enumerate(school_codes)}
        junior_codes = sorted({str(row["junior_school"]) for row in applicants} | {str(j) for _, j in (quotas or {})})
        junior_index = {code: i for i, code in enumerate(junior_codes)}
        width = max([len(row["prefs"]) for row in applicants] + [1])
        prefs = np.full((len(applicants), width), -1, dtype=np.int32)
        for i, row in enumerate(applicants):
            for k, code in enumerate(row["prefs"]):
                prefs[i, k] = school_index[str(code)]
        scores = np.array([[row[name] for name in SCORE_COLUMNS] for row in applicants], dtype=np.float64).reshape(
            -1, 4
        )
        matrix = None
        if quotas is not None:
            matrix = np.zeros((len(school_codes), len(junior_codes)), dtype=np.int64)
            for (school, junior), seats in quotas.items():
                matrix[school_index[str(school)], junior_index[str(junior)]] = seats
        eligible = None
        if any("quota_eligible" in row for row in applicants):
            eligible = np.array([bool(row.get("quota_eligible", True)) for row in applicants], dtype=bool)
        return cls(
            exam_no=np.array([str(row["exam_no"]) for row in applicants], dtype=str),
            junior=np.array([junior_index[str(row["junior_school"])] for row in applicants], dtype=np.int32),
            scores=to_hundredths(scores),
            prefs=prefs,
            school_codes=school_codes,
            junior_codes=junior_codes,
            open_seats=[int(row["open_seats"]) for row in schools],
            quota_seats=[int(row.get("quota_seats") or 0) for row in schools],
            quota_min=[
                NO_MIN if row.get("quota_min_score") in (None, "") else int(to_hundredths(row["quota_min_score"]))
                for row in schools
            ],
            quotas=matrix,
            quota_eligible=eligible,
        )


def exam_keys(exam_no: np.ndarray) -> np.ndarray | None:
    """Exam numbers made of digits (at most 18) as int64 keys in the same order as the text, else None.

    Sorting a million strings costs seconds; their integer keys sort in a fraction of that. Each character
    becomes a base-11 digit (1–10 for '0'–'9', 0 for numpy's padding after a shorter number), so "0010" < "009"
    and "12" < "123" as in text order."""
    exam_no = np.asarray(exam_no)
    if exam_no.dtype.kind != "U" or not exam_no.size:
        return None
    width = exam_no.dtype.itemsize // 4
    if not 0 < width <= 18:
        return None
    chars = np.ascontiguousarray(exam_no).view(np.uint32).reshape(len(exam_no), width)
    keys = np.zeros(len(exam_no), dtype=np.int64)
    for column in range(width):
        char = chars[:, column]
        digit = char - np.uint32(ord("0"))  # wraps round below '0'
        padding = char == 0
        if not ((digit <= 9) | padding).all():
            return None
        keys *= 11
        keys += np.where(padding, 0, digit + 1)
    return keys


def key_values(instance: Instance, name: str) -> np.ndarray:
    """One tie-break key's values (int64, hundredths for scores)."""
    scores = instance.scores
    if name == "total":
        return scores[:, TOTAL]
    if name == CME:
        return scores[:, CHINESE] + scores[:, MATH] + scores[:, ENGLISH]
    if name in ("chinese", "math", "english"):
        return scores[:, SCORE_COLUMNS.index(name)]
    raise KeyError(name)


def _descending_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense codes in descending order of ``values`` (the highest value 0, equal values one code), and the
    largest code. Scores take a few thousand distinct values, so their codes need far fewer bits than the
    scores themselves, and the whole score chain usually packs into one int64 word."""
    low = int(values.min())
    span = int(values.max()) - low
    if span <= 1 << 22:
        present = np.zeros(span + 1, dtype=bool)
        present[values - low] = True
        table = (np.cumsum(present[::-1]) - 1)[::-1]
        return table[values - low], int(present.sum()) - 1
    distinct, inverse = np.unique(values, return_inverse=True)
    return len(distinct) - 1 - inverse.reshape(-1), len(distinct) - 1


def ranking(instance: Instance, tie_break=DEFAULT_TIE_BREAK) -> np.ndarray:
    """Applicant indices, best first, by the tie-break chain (a strict order: exam numbers are unique)."""
    chain = parse_tie_break(tie_break)
    n = instance.n
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = instance.exam_keys
    by_exam_no = np.argsort(keys if keys is not None else instance.exam_no)  # unique: no ties to keep stable
    # The score keys as dense codes, smaller first, packed into as few int64 words as fit.
    words = []
    word = np.zeros(n, dtype=np.int64)
    used = 0
    for name in chain:
        if name == EXAM_NO:
            break
        codes, largest = _descending_codes(key_values(instance, name))
        bits = max(int(largest).bit_length(), 1)
        if used + bits > 62:
            words.append(word)
            word = np.zeros(n, dtype=np.int64)
            used = 0
        word = (word << bits) | codes
        used += bits
    words.append(word)
    if len(words) == 1:
        # Within equal scores, exam number order: a stable sort of the applicants taken in exam number order.
        return by_exam_no[np.argsort(words[0][by_exam_no], kind="stable")]
    exam_rank = np.empty(n, dtype=np.int64)
    exam_rank[by_exam_no] = np.arange(n)
    return np.lexsort([exam_rank, *words[::-1]])


def serial_dictatorship(order: np.ndarray, choices: np.ndarray, capacity, *, chunk: int = 8192) -> np.ndarray:
    """Serial dictatorship: applicants in ``order`` each take their first choice with a seat left.

    choices   (N, K) int: seat-pool index per preference column, -1 where that preference is not open to them
    capacity  (M,) seats per pool
    Returns (N,) int8: the column taken, -1 when none (and for applicants not in ``order``).

    Computed chunk by chunk in ``order``: all applicants before a chunk are final; inside the chunk, deferred
    acceptance with the common ranking (same result, vectorised) decides.
    """
    n, k = choices.shape
    if k > 127:
        raise ValueError("at most 127 preferences")
    remaining = np.array(capacity, dtype=np.int64, copy=True)
    if (remaining < 0).any():
        raise ValueError("negative capacity")
    taken = np.full(n, -1, dtype=np.int8)
    order = np.asarray(order, dtype=np.int64)
    if k == 0 or len(order) == 0 or len(remaining) == 0:
        return taken
    for start in range(0, len(order), chunk):
        idx = order[start : start + chunk]
        block = choices[idx].astype(np.int64)
        open_ = block >= 0
        open_[open_] = remaining[block[open_]] > 0
        live = open_.any(axis=1)
        if not live.any():
            continue
        idx, block, open_ = idx[live], block[live], open_[live]
        pointer = open_.argmax(axis=1)
        active = np.ones(len(idx), dtype=bool)
        while True:
            rows = np.flatnonzero(active)  # ascending = rank order
            target = block[rows, pointer[rows]]
            by_pool = np.argsort(target, kind="stable")  # within a pool still in rank order
            pools = target[by_pool]
            starts = np.flatnonzero(np.r_[True, pools[1:] != pools[:-1]])
            occurrence = np.arange(len(pools)) - np.repeat(starts, np.diff(np.r_[starts, len(pools)]))
            over = occurrence >= remaining[pools]
            if not over.any():
                break
            rejected = rows[by_pool[over]]
            open_[rejected, pointer[rejected]] = False
            still = open_[rejected]
            pointer[rejected] = still.argmax(axis=1)
            active[rejected[~still.any(axis=1)]] = False
        rows = np.flatnonzero(active)
        taken[idx[rows]] = pointer[rows]
        remaining -= np.bincount(block[rows, pointer[rows]], minlength=len(remaining))
    return taken


class PoolIndex:
    """(school, junior school) → quota pool index, or -1 where that pair has no quota seats.

    A dense lookup table when schools × junior schools is small enough (random access into a table is several
    times faster than a binary search over a million pools), a binary search over the sorted pool keys otherwise.
    """

    DENSE_LIMIT = 32_000_000

    def __init__(self, pool_school: np.ndarray, pool_junior: np.ndarray, schools: int, juniors: int):
        self.juniors = juniors
        self.keys = pool_school.astype(np.int64) * juniors + pool_junior  # ascending (row-major nonzero)
        self.table = None
        if schools * juniors <= self.DENSE_LIMIT:
            self.table = np.full(schools * juniors, -1, dtype=np.int32)
            self.table[self.keys] = np.arange(len(self.keys), dtype=np.int32)

    def lookup(self, school, junior) -> np.ndarray:
        school = np.asarray(school, dtype=np.int64)
        valid = school >= 0
        key = np.where(valid, school * self.juniors + np.asarray(junior, dtype=np.int64), 0)
        if not len(self.keys):
            return np.full(key.shape, -1, dtype=np.int64)
        if self.table is not None:
            return np.where(valid, self.table[key], -1).astype(np.int64)
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(valid & (self.keys[pos] == key), pos, -1)


@dataclass
class Result:
    """The outcome of ``solve``. Per applicant (input order):

    school (N,) admitted school index or -1; phase (N,) PHASE_*; preference_rank (N,) 1-based, 0 when not admitted;
    rank (N,) position in the ranking (0 = best); quota_pool (N,) the pool of a quota admission or -1.

    Per quota pool p (the (school, junior) pairs with quota seats): pool_school, pool_junior, pool_seats,
    pool_admitted, pool_cutoff (the lowest-ranked admitted applicant, -1 when none).
    Per school s: quota_admitted, open_capacity (open seats + quota seats not taken), open_admitted,
    open_cutoff (the lowest-ranked applicant admitted in the open phase, -1 when none).
    """

    instance: Instance
    tie_break: tuple
    order: np.ndarray
    rank: np.ndarray
    quotas: np.ndarray
    school: np.ndarray
    phase: np.ndarray
    preference_rank: np.ndarray
    quota_pool: np.ndarray
    pool_school: np.ndarray
    pool_junior: np.ndarray
    pool_seats: np.ndarray
    pool_admitted: np.ndarray
    pool_cutoff: np.ndarray
    quota_admitted: np.ndarray
    open_capacity: np.ndarray
    open_admitted: np.ndarray
    open_cutoff: np.ndarray
    pools: PoolIndex | None = None
    timings: dict = field(default_factory=dict)

    def pool_of(self, school: int, junior: int) -> int:
        """The quota pool index of (school, junior school), or -1 when it has no quota seats."""
        return int(self.pools.lookup(school, junior))

    def explain(self, applicant: int):
        """Why each preference above the admitted one failed: see explain.explain_applicant."""
        from .explain import explain_applicant

        return explain_applicant(self, applicant)

    def cutoffs(self):
        """Rows per (school, phase[, junior school]): see explain.cutoff_rows."""
        from .explain import cutoff_rows

        return cutoff_rows(self)


def _quota_choices(instance: Instance, pools: PoolIndex) -> np.ndarray:
    """(N, K) pool index per preference where the applicant may take a quota seat there, else -1."""
    n, k = instance.prefs.shape
    choices = np.full((n, k), -1, dtype=np.int32)
    if not len(pools.keys) or not n:
        return choices
    total = instance.scores[:, TOTAL]
    eligible = instance.quota_eligible
    # Per school (and a last entry for the -1 of a blank preference): has quota pools at all, and its minimum.
    # Most preferences name a school without quota seats or miss its minimum; only the rest are looked up.
    with_pools = np.zeros(len(instance.school_codes) + 1, dtype=bool)
    with_pools[pools.keys // pools.juniors] = True
    minimum = np.r_[instance.quota_min, NO_MIN]
    for col in range(k):
        school = instance.prefs[:, col]
        ok = with_pools[school] & (total >= minimum[school])
        if eligible is not None:
            ok &= eligible
        rows = np.flatnonzero(ok)
        if len(rows):
            choices[rows, col] = pools.lookup(school[rows], instance.junior[rows])
    return choices


def _cutoff(groups: np.ndarray, ranks: np.ndarray, size: int, order: np.ndarray) -> np.ndarray:
    """Per group, the lowest-ranked member (an applicant index), -1 for an empty group."""
    worst = np.full(size, -1, dtype=np.int64)
    if len(groups):
        np.maximum.at(worst, groups, ranks)
    if not len(order):
        return worst
    return np.where(worst >= 0, order[np.maximum(worst, 0)], -1)


def solve(instance: Instance, tie_break=DEFAULT_TIE_BREAK) -> Result:
    """Run the quota phase, then the open phase (see the module docstring)."""
    clock = time.perf_counter()
    timings = {}
    chain = parse_tie_break(tie_break)
    n = instance.n
    s = len(instance.school_codes)
    j = len(instance.junior_codes)
    order = ranking(instance, chain)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    timings["rank"] = time.perf_counter() - clock

    quotas = instance.effective_quotas()
    pool_school, pool_junior = np.nonzero(quotas)  # row-major, so pool keys ascend
    pool_seats = quotas[pool_school, pool_junior]
    pools = PoolIndex(pool_school, pool_junior, s, j)
    choices = _quota_choices(instance, pools)
    # Only applicants with a quota seat open to them take part (in a county most have none): fewer chunks to walk.
    candidates = (choices >= 0).any(axis=1)
    quota_col = serial_dictatorship(order[candidates[order]], choices, pool_seats)
    rows = np.arange(n)
    in_quota = quota_col >= 0
    quota_pool = np.where(in_quota, choices[rows, np.maximum(quota_col, 0)], -1)
    del choices
    pool_admitted = np.bincount(quota_pool[in_quota], minlength=len(pool_seats))
    quota_admitted = np.bincount(pool_school, weights=pool_admitted, minlength=s).astype(np.int64)
    timings["quota"] = time.perf_counter() - clock - sum(timings.values())

    open_capacity = instance.open_seats + instance.quota_seats - quota_admitted
    open_order = order[~in_quota[order]]
    open_col = serial_dictatorship(open_order, instance.prefs, open_capacity)
    in_open = open_col >= 0
    timings["open"] = time.perf_counter() - clock - sum(timings.values())

    column = np.where(in_quota, quota_col, open_col).astype(np.int64)
    admitted = column >= 0
    school = np.where(admitted, instance.prefs[rows, np.maximum(column, 0)], -1).astype(np.int32)
    phase = np.where(in_quota, PHASE_QUOTA, np.where(in_open, PHASE_OPEN, PHASE_NONE)).astype(np.int8)
    open_admitted = np.bincount(school[in_open], minlength=s)
    result = Result(
        instance=instance,
        tie_break=chain,
        order=order,
        rank=rank,
        quotas=quotas,
        school=school,
        phase=phase,
        preference_rank=np.where(admitted, column + 1, 0).astype(np.int8),
        quota_pool=quota_pool.astype(np.int32),
        pool_school=pool_school.astype(np.int32),
        pool_junior=pool_junior.astype(np.int32),
        pool_seats=pool_seats,
        pool_admitted=pool_admitted,
        pool_cutoff=_cutoff(quota_pool[in_quota], rank[in_quota], len(pool_seats), order),
        quota_admitted=quota_admitted,
        open_capacity=open_capacity,
        open_admitted=open_admitted,
        open_cutoff=_cutoff(school[in_open], rank[in_open], s, order),
        pools=pools,
    )
    timings["results"] = time.perf_counter() - clock - sum(timings.values())
    result.timings = timings
    return result
