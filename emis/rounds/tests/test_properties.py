"""Properties of the solver on random small rounds (hypothesis): stability per phase and seat pool, no plan
exceeded, quota seats only to the school's own eligible applicants at or above the minimum, independence of input
order, and equality with student-proposing deferred acceptance."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emis.rounds.solver.engine import NO_MIN, PHASE_OPEN, PHASE_QUOTA, TOTAL, Instance, solve

from .reference import deferred_acceptance, priority_key, reference_solve

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def rounds(draw, quotas=True, max_applicants=24):
    s = draw(st.integers(1, 5))
    j = draw(st.integers(1, 3))
    n = draw(st.integers(0, max_applicants))
    k = draw(st.integers(1, 4))
    open_seats = draw(st.lists(st.integers(0, 4), min_size=s, max_size=s))
    quota_seats = draw(st.lists(st.integers(0, 3), min_size=s, max_size=s)) if quotas else [0] * s
    quota_min = draw(st.lists(st.sampled_from([NO_MIN, 0, 300, 500, 700]), min_size=s, max_size=s))
    matrix = None
    if quotas and draw(st.booleans()):
        matrix = np.zeros((s, j), dtype=np.int64)
        for school, seats in enumerate(quota_seats):
            for _ in range(draw(st.integers(0, seats))):
                matrix[school, draw(st.integers(0, j - 1))] += 1
    exam = draw(st.lists(st.integers(0, 999), min_size=n, max_size=n, unique=True))
    junior = draw(st.lists(st.integers(0, j - 1), min_size=n, max_size=n))
    # Coarse scores (whole points 0..9 in hundredths) so that ties are frequent.
    scores = []
    for _ in range(n):
        chinese, math, english = (draw(st.integers(0, 2)) * 100 for _ in range(3))
        scores.append([draw(st.integers(0, 9)) * 100, chinese, math, english])
    prefs = np.full((n, k), -1, dtype=np.int32)
    for i in range(n):
        chosen = draw(st.lists(st.integers(0, s - 1), max_size=k, unique=True))
        prefs[i, : len(chosen)] = chosen
    eligible = None
    if draw(st.booleans()):
        eligible = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return Instance(
        exam_no=np.array([f"{e:03d}" for e in exam], dtype=str) if n else np.zeros(0, dtype=str),
        junior=junior,
        scores=np.array(scores, dtype=np.int64).reshape(n, 4),
        prefs=prefs,
        school_codes=[f"S{i}" for i in range(s)],
        junior_codes=[f"J{i}" for i in range(j)],
        open_seats=open_seats,
        quota_seats=quota_seats,
        quota_min=quota_min,
        quotas=matrix,
        quota_eligible=eligible,
    )


def by_exam_no(result):
    instance = result.instance
    return {
        str(instance.exam_no[i]): (
            instance.school_codes[result.school[i]] if result.school[i] >= 0 else "",
            int(result.phase[i]),
            int(result.preference_rank[i]),
        )
        for i in range(instance.n)
    }


def quota_pool_open_to(instance, quotas, i, school):
    """May applicant i take a quota seat at school (own junior school's pool, eligible, minimum met)?"""
    eligible = instance.quota_eligible is None or bool(instance.quota_eligible[i])
    minimum = int(instance.quota_min[school])
    return (
        eligible
        and quotas[school, instance.junior[i]] > 0
        and (minimum == NO_MIN or int(instance.scores[i, TOTAL]) >= minimum)
    )


@SETTINGS
@given(rounds())
def test_no_plan_is_exceeded(instance):
    result = solve(instance)
    s = len(instance.school_codes)
    admitted = np.bincount(result.school[result.school >= 0], minlength=s)
    assert (admitted <= instance.open_seats + instance.quota_seats).all()
    quota = result.phase == PHASE_QUOTA
    assert (np.bincount(result.school[quota], minlength=s) <= instance.quota_seats).all()
    assert (np.bincount(result.school[result.phase == PHASE_OPEN], minlength=s) <= result.open_capacity).all()
    assert (result.pool_admitted <= result.pool_seats).all()
    assert (result.open_capacity == instance.open_seats + instance.quota_seats - result.quota_admitted).all()


@SETTINGS
@given(rounds())
def test_quota_seats_go_only_to_the_schools_own_eligible_applicants_at_or_above_the_minimum(instance):
    result = solve(instance)
    quotas = result.quotas
    for i in np.flatnonzero(result.phase == PHASE_QUOTA):
        school = int(result.school[i])
        assert quota_pool_open_to(instance, quotas, i, school)
        assert instance.prefs[i, result.preference_rank[i] - 1] == school
        pool = int(result.quota_pool[i])
        assert result.pool_school[pool] == school and result.pool_junior[pool] == instance.junior[i]
    # Per pool: never more than the junior school's quota there.
    for p in range(len(result.pool_seats)):
        members = np.flatnonzero(result.quota_pool == p)
        assert len(members) <= result.pool_seats[p]
        assert (instance.junior[members] == result.pool_junior[p]).all()


@SETTINGS
@given(rounds())
def test_stability_in_each_phase_and_seat_pool(instance):
    """Nobody prefers a seat pool that admitted someone ranked below them in the same phase, and a preferred pool
    they could use was full (no seat wasted on their way)."""
    result = solve(instance)
    rank = result.rank
    quotas = result.quotas
    k = instance.prefs.shape[1]
    for i in range(instance.n):
        listed = [int(s) for s in instance.prefs[i] if s >= 0]
        taken = int(result.preference_rank[i]) - 1  # -1 when not admitted
        quota_admitted = result.phase[i] == PHASE_QUOTA
        # Quota phase: every pool of i's before the quota admission (all of them when not admitted there).
        stop = taken if quota_admitted else k
        for school in listed[:stop]:
            if not quota_pool_open_to(instance, quotas, i, school):
                continue
            pool = result.pool_of(school, int(instance.junior[i]))
            members = np.flatnonzero(result.quota_pool == pool)
            assert len(members) == result.pool_seats[pool]
            assert (rank[members] < rank[i]).all()
        if quota_admitted:
            continue
        # Open phase: every school before the open admission (all when not admitted).
        stop = taken if taken >= 0 else k
        for school in listed[:stop]:
            members = np.flatnonzero((result.school == school) & (result.phase == PHASE_OPEN))
            assert len(members) == result.open_capacity[school]
            assert (rank[members] < rank[i]).all()


@SETTINGS
@given(rounds(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_input_order(instance, random):
    permutation = list(range(instance.n))
    random.shuffle(permutation)
    schools = list(range(len(instance.school_codes)))
    random.shuffle(schools)  # schools listed in another order too
    position = {old: new for new, old in enumerate(schools)}
    prefs = np.vectorize(lambda s: position[int(s)] if s >= 0 else -1, otypes=[np.int32])(instance.prefs)
    shuffled = Instance(
        exam_no=instance.exam_no[permutation],
        junior=instance.junior[permutation],
        scores=instance.scores[permutation],
        prefs=prefs[permutation] if instance.n else prefs,
        school_codes=[instance.school_codes[s] for s in schools],
        junior_codes=instance.junior_codes,
        open_seats=instance.open_seats[schools],
        quota_seats=instance.quota_seats[schools],
        quota_min=instance.quota_min[schools],
        quotas=instance.quotas[schools] if instance.quotas is not None else None,
        quota_eligible=instance.quota_eligible[permutation] if instance.quota_eligible is not None else None,
    )
    assert by_exam_no(solve(shuffled)) == by_exam_no(solve(instance))


@SETTINGS
@given(rounds(quotas=False))
def test_without_quotas_it_equals_student_proposing_deferred_acceptance(instance):
    """Every school ranks by the same score (the tie-break chain), so serial dictatorship = DA."""
    result = solve(instance)
    priority = [priority_key(instance, i) for i in range(instance.n)]
    lists = [[int(s) for s in row if s >= 0] for row in instance.prefs]
    capacity = (instance.open_seats + instance.quota_seats).tolist()
    position = deferred_acceptance(lists, priority, capacity)
    assert [p + 1 for p in position] == result.preference_rank.tolist()
    expected = [lists[i][p] if p >= 0 else -1 for i, p in enumerate(position)]
    assert expected == result.school.tolist()


@SETTINGS
@given(rounds())
def test_both_phases_equal_deferred_acceptance_phase_by_phase(instance):
    result = solve(instance)
    names = {1: "quota", 2: "open", 0: ""}
    got = [
        (instance.school_codes[s] if s >= 0 else "", names[int(p)], int(r))
        for s, p, r in zip(result.school, result.phase, result.preference_rank, strict=True)
    ]
    assert got == reference_solve(instance)


@SETTINGS
@given(rounds())
def test_every_failed_preference_is_explained(instance):
    result = solve(instance)
    lines = list(result.explain(i) for i in range(instance.n))
    for i, explanation in enumerate(lines):
        listed = int((instance.prefs[i] >= 0).sum())
        rank = int(result.preference_rank[i])
        rejected = [line for line in explanation if line.outcome == "rejected"]
        assert [line.preference_rank for line in rejected] == list(range(1, (rank or listed + 1)))
        assert all(line.reason for line in explanation)
        assert explanation[-1].outcome == ("admitted" if rank else "not_admitted")
