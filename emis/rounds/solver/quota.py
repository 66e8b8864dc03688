"""Quota seats (指标到校): how many of a quality school's places go to quota seats, and how they are split.

Default rule (docs/admissions.md, domain-rules 3.2):

* a quality school's quota seats are a share of its plan, rounded **up**: ``ceil(share × plan)``, the share being
  2/3 unless configured (``quota_seats_for_plan``);
* they are split among junior schools in proportion to a weight per junior school (graduating students; the
  file interface uses each junior school's applicant count), with largest-remainder (Hamilton) rounding
  (``hamilton`` and ``allocate_quotas``).

Largest remainder, exactly: junior school j gets ``floor(total × w_j / W)`` seats first (integer arithmetic, no
floating point), and the seats still left go one each to the junior schools with the largest remainders
``total × w_j mod W``. Ties in the remainder are broken deterministically: larger weight first, then the junior
school's position in the order given (the file interface passes junior schools sorted by code, so: smaller code
first). A junior school with weight 0 gets nothing.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

DEFAULT_QUOTA_SHARE = Fraction(2, 3)


def parse_share(text: str | float | Fraction) -> Fraction:
    """'2/3', '0.7', '70%' (or a number) as a Fraction in (0, 1]; ValueError otherwise."""
    if isinstance(text, Fraction):
        share = text
    elif isinstance(text, int | float):
        share = Fraction(str(text))
    else:
        raw = str(text).strip()
        if raw.endswith("%"):
            share = Fraction(raw[:-1].strip()) / 100
        else:
            share = Fraction(raw)
    if not 0 < share <= 1:
        raise ValueError(text)
    return share


def quota_seats_for_plan(plan: int, share: Fraction = DEFAULT_QUOTA_SHARE) -> int:
    """A quality school's quota seats: ``ceil(share × plan)`` (2/3 of 600 is 400; 2/3 of 100 is 67)."""
    if plan < 0:
        raise ValueError(plan)
    return math.ceil(Fraction(plan) * share)


def hamilton(total: int, weights) -> np.ndarray:
    """Split ``total`` seats in proportion to ``weights`` (non-negative integers), largest remainder.

    Returns an int64 array of the same length summing to ``total`` (or all zeros when every weight is 0).
    Ties in the remainder: larger weight first, then the earlier position.
    """
    w = np.asarray(weights, dtype=np.int64)
    if w.ndim != 1:
        raise ValueError("weights must be one-dimensional")
    if (w < 0).any() or total < 0:
        raise ValueError("weights and total must not be negative")
    whole = int(w.sum())
    if whole == 0 or total == 0:
        return np.zeros(len(w), dtype=np.int64)
    if total * int(w.max()) >= 2**62:
        raise ValueError("total × weight is too large")
    products = total * w
    seats = products // whole
    remainders = products % whole
    left = total - int(seats.sum())
    if left:
        positions = np.arange(len(w))
        # Largest remainder first, then larger weight, then earlier position (lexsort: last key is primary).
        order = np.lexsort((positions, -w, -remainders))
        seats[order[:left]] += 1
    return seats


def allocate_quotas(quota_seats, weights) -> np.ndarray:
    """Split each school's quota seats among junior schools: an (S, J) int64 matrix.

    ``quota_seats`` has one entry per senior-high school; ``weights`` is either one row (J,) used for every
    school (e.g. graduating students per junior school) or an (S, J) matrix (e.g. zero outside a school's area).
    """
    seats = np.asarray(quota_seats, dtype=np.int64)
    w = np.asarray(weights, dtype=np.int64)
    if w.ndim == 1:
        w = np.broadcast_to(w, (len(seats), len(w)))
    if w.shape[0] != len(seats):
        raise ValueError("weights must have one row per school")
    out = np.zeros(w.shape, dtype=np.int64)
    for s, total in enumerate(seats):
        if total:
            out[s] = hamilton(int(total), w[s])
    return out
