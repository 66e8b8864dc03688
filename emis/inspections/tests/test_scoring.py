"""Every item kind's pass rule, the score and the result (incl. 一票否决)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from emis.core.writes import Refused
from emis.inspections import scoring


def item(kind, **kw):
    return SimpleNamespace(
        kind=kind,
        text="项目",
        weight=kw.pop("weight", 1),
        threshold=kw.pop("threshold", None),
        threshold_op=kw.pop("op", ">="),
        choices=kw.pop("choices", []),
        critical=kw.pop("critical", False),
    )


def judge(i, raw):
    return scoring.passes(i, scoring.clean_value(i, raw))


def test_yes_no():
    i = item("yes_no")
    assert judge(i, "yes") is True and judge(i, "是") is True and judge(i, True) is True
    assert judge(i, "no") is False and judge(i, False) is False
    assert judge(i, "") is None
    with pytest.raises(Refused):
        scoring.clean_value(i, "maybe")


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (">=", "16", True),
        (">=", "15.9", False),
        (">", "16", False),
        (">", "17", True),
        ("<=", "16", True),
        ("<=", "16.5", False),
        ("<", "15", True),
        ("<", "16", False),
        ("==", "16.0", True),
        ("==", "15", False),
    ],
)
def test_number_thresholds(op, value, expected):
    assert judge(item("number", threshold=Decimal(16), op=op), value) is expected


def test_number_without_threshold_is_recorded_not_judged():
    assert judge(item("number"), "3") is None
    with pytest.raises(Refused):
        scoring.clean_value(item("number"), "three")
    with pytest.raises(Refused):
        scoring.clean_value(item("number"), "NaN")


def test_choice():
    i = item("choice", choices=[{"value": "a", "passes": True}, {"value": "b", "passes": False}])
    assert judge(i, "a") is True and judge(i, "b") is False
    with pytest.raises(Refused):
        scoring.clean_value(i, "c")


def test_text_and_photo_are_not_judged():
    assert judge(item("text"), "有情况") is None
    assert judge(item("photo"), "x") is None


def _j(*pairs):
    return [(item("yes_no", weight=w, critical=c), ok) for w, ok, c in pairs]


def test_score_is_weighted():
    assert scoring.score(_j((2, True, False), (1, False, False))) == Decimal("66.7")
    assert scoring.score([]) is None


def test_results_with_both_scores():
    judged = _j((9, True, False), (1, False, False))  # 90
    assert scoring.result(judged, pass_score=60, good_score=85) == (Decimal("90.0"), "pass")
    assert scoring.result(judged, pass_score=60, good_score=95)[1] == "fair"
    assert scoring.result(judged, pass_score=91, good_score=95)[1] == "fail"


def test_results_with_one_score_or_none():
    judged = _j((9, True, False), (1, False, False))
    assert scoring.result(judged, pass_score=90)[1] == "pass"
    assert scoring.result(judged, pass_score=91)[1] == "fail"
    assert scoring.result(judged)[1] == "fail"
    assert scoring.result(_j((1, True, False)))[1] == "pass"


def test_a_failed_critical_item_fails():
    judged = _j((99, True, False), (1, False, True))
    assert scoring.result(judged, pass_score=60, good_score=85) == (Decimal("99.0"), "fail")
