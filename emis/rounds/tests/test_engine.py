"""Hand-worked admission rounds: the tie-break chain, the quota phase, quota seats returning to open, the minimum
score, and the explanations (docs/admissions.md)."""

import numpy as np
import pytest
from django.utils import translation

from emis.rounds.solver.engine import (
    DEFAULT_TIE_BREAK,
    Instance,
    format_score,
    parse_tie_break,
    ranking,
    serial_dictatorship,
    solve,
)
from emis.rounds.solver.explain import choice_label

from .reference import serial_dictatorship_loop


def applicant(exam_no, junior, total, chinese=0, math=0, english=0, prefs=(), **extra):
    return dict(
        exam_no=exam_no,
        junior_school=junior,
        total=total,
        chinese=chinese,
        math=math,
        english=english,
        prefs=list(prefs),
        **extra,
    )


def school(code, open_seats, quota_seats=0, quota_min_score=None):
    return dict(school=code, open_seats=open_seats, quota_seats=quota_seats, quota_min_score=quota_min_score)


def outcome(result):
    """{exam_no: (school, phase, preference_rank)}"""
    instance = result.instance
    phases = {0: "", 1: "quota", 2: "open"}
    return {
        str(instance.exam_no[i]): (
            instance.school_codes[result.school[i]] if result.school[i] >= 0 else "",
            phases[int(result.phase[i])],
            int(result.preference_rank[i]),
        )
        for i in range(instance.n)
    }


def reasons(result, exam_no):
    i = list(result.instance.exam_no).index(exam_no)
    return [line.reason for line in result.explain(i)]


# --- tie-break chain ---------------------------------------------------------------------------------------

TIES = [
    #          exam    junior total  chinese math english
    applicant("A0001", "J1", 600, 100, 100, 100, ["S"]),  # 语数外 300
    applicant("B0002", "J1", 600, 90, 120, 95, ["S"]),  # 305, math 120
    applicant("C0003", "J1", 600, 95, 110, 100, ["S"]),  # 305, math 110, chinese 95
    applicant("D0004", "J1", 600, 100, 110, 95, ["S"]),  # 305, math 110, chinese 100
    applicant("E0005", "J1", 600, 100, 110, 95, ["S"]),  # as D, later exam number
    applicant("P0006", "J1", 601, 60, 60, 60, ["S"]),  # the highest total
]


FULL = "第一志愿 S 校统招已录满：录取线 600 分，本人 600 分，"


def test_ranking_follows_the_default_chain():
    instance = Instance.from_records(TIES, [school("S", 3)])
    order = [str(instance.exam_no[i]) for i in ranking(instance)]
    # total; then chinese+math+english (A last); then math (B first); then chinese (D, E before C);
    # then exam number (D before E).
    assert order == ["P0006", "B0002", "D0004", "E0005", "C0003", "A0001"]


def test_equal_totals_are_decided_and_explained_by_the_chain():
    result = solve(Instance.from_records(TIES, [school("S", 3)]))
    admitted = {e for e, (s, _, _) in outcome(result).items() if s}
    assert admitted == {"P0006", "B0002", "D0004"}
    # The cut-off applicant is D0004 (total 600, 语数外 305, math 110, chinese 100).
    assert reasons(result, "E0005")[0] == FULL + "各项同分，按考号顺序排位在后"
    assert reasons(result, "C0003")[0] == (FULL + "按语文比较排位在后（末位录取考生 100 分，本人 95 分）")
    assert reasons(result, "A0001")[0] == (FULL + "按语数外合计比较排位在后（末位录取考生 305 分，本人 300 分）")
    assert reasons(result, "A0001")[-1] == "所填志愿均未被录取"


def test_a_configured_chain():
    instance = Instance.from_records(TIES, [school("S", 2)])
    # English first (after total): C0003 and A0001 have 100.
    order = [str(instance.exam_no[i]) for i in ranking(instance, "total,english")]
    assert order == ["P0006", "A0001", "C0003", "B0002", "D0004", "E0005"]
    result = solve(instance, ("total", "english", "exam_no"))
    assert {e for e, (s, _, _) in outcome(result).items() if s} == {"P0006", "A0001"}
    assert reasons(result, "C0003")[0] == FULL + "各项同分，按考号顺序排位在后"


def test_exam_numbers_compare_as_text():
    rows = [applicant("009", "J1", 500, prefs=["S"]), applicant("0010", "J1", 500, prefs=["S"])]
    result = solve(Instance.from_records(rows, [school("S", 1)]))
    assert outcome(result)["0010"] == ("S", "open", 1)


def test_parse_tie_break():
    assert parse_tie_break(",".join(DEFAULT_TIE_BREAK)) == DEFAULT_TIE_BREAK
    assert parse_tie_break("总分，语数外,数学") == ("total", "chinese+math+english", "math", "exam_no")
    assert parse_tie_break(["math"]) == ("math", "exam_no")
    for bad in ("total,physics", "total,total", "exam_no,total", ""):
        with pytest.raises(ValueError):
            parse_tie_break(bad)


# --- quota phase -------------------------------------------------------------------------------------------


def test_unfilled_quota_seats_return_to_open_and_the_minimum_applies():
    schools = [school("X", 1, 2, 500), school("Y", 2)]
    quotas = {("X", "J1"): 1, ("X", "J2"): 1}
    rows = [
        applicant("a", "J1", 650, prefs=["X"]),  # J1's quota seat at X
        applicant("b", "J1", 640, prefs=["X", "Y"]),  # J1's pool is full: open seat at X
        applicant("c", "J2", 480, prefs=["X"]),  # below X's minimum 500: no quota seat, but J2's seat returns
        applicant("d", "J3", 630, prefs=["Y", "X"]),
        applicant("e", "J2", 600, prefs=["Y"]),  # X not among e's preferences: no quota seat there
    ]
    result = solve(Instance.from_records(rows, schools, quotas))
    assert outcome(result) == {
        "a": ("X", "quota", 1),
        "b": ("X", "open", 1),
        "c": ("X", "open", 1),  # X's open capacity is 1 + the unused J2 quota seat
        "d": ("Y", "open", 1),
        "e": ("Y", "open", 1),
    }
    x = result.instance.school_codes.index("X")
    assert int(result.open_capacity[x]) == 2
    assert int(result.quota_admitted[x]) == 1


def test_a_quota_admission_is_final():
    schools = [school("P", 1, 1), school("Q", 0, 1)]
    quotas = {("P", "J1"): 1, ("Q", "J1"): 1}
    rows = [
        applicant("g", "J1", 700, prefs=["P", "Q"]),
        applicant("h", "J1", 690, prefs=["P", "Q"]),  # P's J1 seat is taken: Q's J1 seat, and no open phase
        applicant("i", "J2", 600, prefs=["P"]),  # gets P's open seat although h scored higher
    ]
    result = solve(Instance.from_records(rows, schools, quotas))
    assert outcome(result) == {"g": ("P", "quota", 1), "h": ("Q", "quota", 2), "i": ("P", "open", 1)}
    assert reasons(result, "h") == [
        "第一志愿 P 校指标到校录取线 700 分，本人 690 分",
        "第二志愿 Q 校指标到校录取，不再参加统招录取",
    ]


def test_ineligible_not_own_school_and_no_open_seats():
    schools = [school("R", 0, 1), school("T", 1)]
    rows = [
        applicant("j", "J2", 700, prefs=["R", "T"]),
        applicant("k", "J1", 500, prefs=["R"]),
        applicant("l", "J1", 650, prefs=["R", "T"], quota_eligible=False),
    ]
    result = solve(Instance.from_records(rows, schools, {("R", "J1"): 1}))
    assert outcome(result) == {"j": ("T", "open", 2), "k": ("R", "quota", 1), "l": ("", "", 0)}
    assert reasons(result, "j") == [
        "第一志愿 R 校非本校指标生（本人初中 J2 未分得该校指标）；无统招名额",
        "第二志愿 T 校统招录取",
    ]
    assert reasons(result, "l") == [
        "第一志愿 R 校不具备指标生资格；无统招名额",
        "第二志愿 T 校统招录取线 700 分，本人 650 分",
        "所填志愿均未被录取",
    ]


def test_below_minimum_is_explained():
    schools = [school("X", 1, 1, 610)]
    rows = [applicant("m", "J1", 612, prefs=["X"]), applicant("n", "J1", 605, prefs=["X"])]
    result = solve(Instance.from_records(rows, schools))
    assert outcome(result) == {"m": ("X", "quota", 1), "n": ("X", "open", 1)}
    rows.append(applicant("o", "J1", 604.5, prefs=["X"]))
    result = solve(Instance.from_records(rows, schools))
    assert reasons(result, "o")[0] == (
        "第一志愿 X 校未达指标生最低控制线（控制线 610 分，本人 604.5 分）；统招录取线 605 分，本人 604.5 分"
    )


def test_default_quota_rule_uses_applicant_counts():
    # 3 quota seats; J1 has 3 applicants, J2 1, J3 2: shares 1.5, 0.5, 1 → 1, 0, 1 and the seat left goes to the
    # larger remainder; J1 and J2 tie (remainder 3 of 6) → the larger weight, J1.
    rows = [applicant(f"{j}{i}", j, 500, prefs=["S"]) for j, n in (("J1", 3), ("J2", 1), ("J3", 2)) for i in range(n)]
    instance = Instance.from_records(rows, [school("S", 0, 3)])
    assert instance.effective_quotas().tolist() == [[2, 0, 1]]
    result = solve(instance)
    assert sorted(result.pool_seats.tolist()) == [1, 2]
    assert int((result.phase == 1).sum()) == 3


def test_blank_preferences_and_empty_rounds():
    rows = [applicant("p", "J1", 500, prefs=[]), applicant("q", "J1", 400, prefs=["S"])]
    result = solve(Instance.from_records(rows, [school("S", 1)]))
    assert outcome(result) == {"p": ("", "", 0), "q": ("S", "open", 1)}
    assert reasons(result, "p") == ["未填报志愿"]
    empty = solve(Instance.from_records([], [school("S", 1)]))
    assert empty.school.tolist() == []


def test_cutoffs_per_school_and_phase():
    schools = [school("X", 1, 2, 500), school("Y", 2)]
    rows = [
        applicant("a", "J1", 650, 100, 100, 100, prefs=["X"]),
        applicant("b", "J1", 640, 90, 100, 100, prefs=["X", "Y"]),
        applicant("c", "J2", 480, 80, 80, 80, prefs=["X"]),
    ]
    result = solve(Instance.from_records(rows, schools, {("X", "J1"): 1, ("X", "J2"): 1}))
    rows = result.cutoffs()
    assert [(r["school"], r["phase"], r["junior_school"], r["seats"], r["admitted"], r["total"]) for r in rows] == [
        ("X", "quota", "J1", 1, 1, "650"),
        ("X", "quota", "J2", 1, 0, ""),
        ("X", "open", "", 2, 2, "480"),
        ("Y", "open", "", 2, 0, ""),
    ]
    assert rows[0]["exam_no"] == "a" and rows[0]["chinese+math+english"] == "300"


def test_instance_checks():
    good = [applicant("a", "J1", 500, prefs=["S"])]
    with pytest.raises(ValueError):
        Instance.from_records(good + good, [school("S", 1)])  # duplicate exam number
    with pytest.raises(ValueError):
        Instance.from_records(good, [school("S", 1, 1)], {("S", "J1"): 2})  # beyond quota_seats


def test_serial_dictatorship_matches_a_plain_loop():
    rng = np.random.default_rng(7)
    for _ in range(50):
        n, k, m = int(rng.integers(1, 400)), int(rng.integers(1, 6)), int(rng.integers(1, 12))
        choices = rng.integers(-1, m, (n, k))
        capacity = rng.integers(0, max(2, n // m), m)
        order = rng.permutation(n)
        got = serial_dictatorship(order, choices, capacity, chunk=int(rng.integers(1, 64)))
        assert got.tolist() == serial_dictatorship_loop(order, choices, capacity).tolist()


def test_scores_and_choices_formatting():
    assert format_score(61250) == "612.5"
    assert format_score(61200) == "612"
    assert format_score(61205) == "612.05"
    assert choice_label(1) == "第一志愿"
    assert choice_label(10) == "第十志愿"
    assert choice_label(12) == "第十二志愿"


def test_explanations_in_english():
    schools = [school("X", 1)]
    rows = [applicant("a", "J1", 612, prefs=["X"]), applicant("b", "J1", 605, prefs=["X"])]
    result = solve(Instance.from_records(rows, schools))
    with translation.override("en"):
        lines = reasons(result, "b")
    assert lines[0] == "Choice 1, school X: open admission cut-off 612, own score 605"
