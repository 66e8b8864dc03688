"""Quota seats (指标到校): the share of the plan and the largest-remainder split (domain-rules 3.2)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emis.rounds.solver.quota import allocate_quotas, hamilton, parse_share, quota_seats_for_plan


def test_worked_example_from_the_domain_rules():
    # H has a plan of 600 and a 50% quota of 300; graduates A 420, B 180, C 95, D 130, E 45.
    assert hamilton(300, [420, 180, 95, 130, 45]).tolist() == [145, 62, 33, 45, 15]


def test_small_split_by_hand():
    # 7 seats: exact shares 3.379, 1.448, 0.764, 1.046, 0.362 → floors 3, 1, 0, 1, 0 (5 seats);
    # the 2 left go to the largest remainders, C (0.764) then B (0.448).
    assert hamilton(7, [420, 180, 95, 130, 45]).tolist() == [3, 2, 1, 1, 0]


def test_equal_remainders_go_to_the_larger_weight_then_the_earlier_position():
    # 1 seat over weights 1 and 3 (total 4): shares 0.25 and 0.75 → the larger remainder.
    assert hamilton(1, [1, 3]).tolist() == [0, 1]
    # 2 seats over 1, 2, 1, 2 (total 6): shares 1/3, 2/3, 1/3, 2/3; remainders 2, 4, 2, 4 (of 6).
    assert hamilton(2, [1, 2, 1, 2]).tolist() == [0, 1, 0, 1]
    # 1 seat over 2, 2, 2: all remainders equal, equal weights → the first position.
    assert hamilton(1, [2, 2, 2]).tolist() == [1, 0, 0]
    # 3 seats over 1, 3, 2 (total 6): floors 0, 1, 1; remainders 3, 3, 0 (of 6) tie → the larger weight (3).
    assert hamilton(3, [1, 3, 2]).tolist() == [0, 2, 1]


def test_zero_weights_and_zero_seats():
    assert hamilton(5, [0, 0]).tolist() == [0, 0]
    assert hamilton(0, [3, 4]).tolist() == [0, 0]
    assert hamilton(3, [0, 5]).tolist() == [0, 3]


def test_bad_arguments():
    with pytest.raises(ValueError):
        hamilton(3, [-1, 2])
    with pytest.raises(ValueError):
        hamilton(-1, [1])


@given(st.integers(0, 2000), st.lists(st.integers(0, 500), min_size=1, max_size=30))
def test_hamilton_sums_and_stays_within_one_seat_of_the_exact_share(total, weights):
    seats = hamilton(total, weights)
    whole = sum(weights)
    if whole == 0:
        assert seats.sum() == 0
        return
    assert seats.sum() == total
    for seat, weight in zip(seats.tolist(), weights, strict=True):
        exact = Fraction(total * weight, whole)
        assert exact - 1 < seat < exact + 1
        if weight == 0:
            assert seat == 0


def test_quota_seats_are_a_share_of_the_plan_rounded_up():
    assert quota_seats_for_plan(600) == 400
    assert quota_seats_for_plan(100) == 67  # 66.67 rounded up
    assert quota_seats_for_plan(0) == 0
    assert quota_seats_for_plan(101, Fraction(1, 2)) == 51


def test_parse_share():
    assert parse_share("2/3") == Fraction(2, 3)
    assert parse_share("0.7") == Fraction(7, 10)
    assert parse_share("70%") == Fraction(7, 10)
    assert parse_share(1) == 1
    for bad in ("0", "1.5", "-1/3", "abc", "0%"):
        with pytest.raises((ValueError, ZeroDivisionError)):
            parse_share(bad)


def test_allocate_quotas_per_school_and_per_area():
    matrix = allocate_quotas([300, 7, 0], [420, 180, 95, 130, 45])
    assert matrix.tolist() == [[145, 62, 33, 45, 15], [3, 2, 1, 1, 0], [0, 0, 0, 0, 0]]
    # Weights per school: school 0 serves only the first two junior schools.
    area = np.array([[10, 30, 0], [1, 1, 1]])
    assert allocate_quotas([4, 3], area).tolist() == [[1, 3, 0], [1, 1, 1]]
