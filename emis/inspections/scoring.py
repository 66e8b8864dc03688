"""The pass rules, without the database: whether an answer passes its item, an inspection's score and result.

- yes/no: 是 passes, 否 fails.
- number: passes when ``value <op> threshold`` holds (op one of >=, >, <=, <, ==); without a threshold it is recorded,
  not judged.
- choice: the chosen option's ``passes``.
- text, photo: recorded, not judged.

score = Σ weights of passed items / Σ weights of judged items × 100 (one decimal); a failed critical item (一票否决)
makes the result 不合格 whatever the score. With good_score and pass_score: score ≥ good → 合格, ≥ pass → 基本合格,
else 不合格; with one of them: ≥ → 合格 else 不合格; with neither: every judged item passed → 合格, else 不合格.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from emis.core.writes import Refused

from .models import ItemKind, Result

YES = ("yes", "true", "1", "是", "on")
NO = ("no", "false", "0", "否", "off")


def empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


NUMBER_LIMIT = Decimal("1e12")


def clean_value(item, value):
    """The answer as stored (JSON): bool for yes/no, a decimal string for numbers, the option's value for choices,
    text for text; refused (in Chinese) when it cannot be read. None for an empty answer."""
    if empty(value):
        return None
    if item.kind == ItemKind.YES_NO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise Refused(_("“{item}”须填“是”或“否”。").format(item=item.text))
    if item.kind == ItemKind.NUMBER:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise Refused(_("“{item}”须填数字。").format(item=item.text)) from None
        if not number.is_finite():
            raise Refused(_("“{item}”须填数字。").format(item=item.text))
        if abs(number) >= NUMBER_LIMIT or number.as_tuple().exponent < -6:
            # 1e999 or four hundred nines: no count or measure on a checklist is that large or that fine.
            raise Refused(_("“{item}”的数值超出合理范围。").format(item=item.text))
        return str(number)
    if item.kind == ItemKind.CHOICE:
        text = str(value).strip()
        if text not in {str(choice.get("value")) for choice in item.choices or []}:
            raise Refused(_("“{item}”的选项无效。").format(item=item.text))
        return text
    return str(value).strip()


def _compare(number: Decimal, op: str, threshold: Decimal) -> bool:
    return {
        ">=": number >= threshold,
        ">": number > threshold,
        "<=": number <= threshold,
        "<": number < threshold,
        "==": number == threshold,
    }[op]


def passes(item, value) -> bool | None:
    """Does the (cleaned) answer pass the item? None: not judged (not answered, or a kind that is only recorded)."""
    if value is None:
        return None
    if item.kind == ItemKind.YES_NO:
        return bool(value)
    if item.kind == ItemKind.NUMBER:
        if item.threshold is None:
            return None
        return _compare(Decimal(str(value)), item.threshold_op or ">=", Decimal(str(item.threshold)))
    if item.kind == ItemKind.CHOICE:
        for choice in item.choices or []:
            if str(choice.get("value")) == str(value):
                return bool(choice.get("passes"))
        return None
    return None


def score(judged: list[tuple[object, bool]]) -> Decimal | None:
    """[(item, passed)] of the judged items → the score out of 100 (None when nothing was judged or weighs)."""
    total = sum((Decimal(item.weight) for item, _passed in judged), Decimal(0))
    if not total:
        return None
    got = sum((Decimal(item.weight) for item, ok in judged if ok), Decimal(0))
    return (got * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def result(judged: list[tuple[object, bool]], *, pass_score=None, good_score=None) -> tuple[Decimal | None, str]:
    """(score, result) of an inspection from its judged items and its version's scores."""
    value = score(judged)
    if any(item.critical and not ok for item, ok in judged):
        return value, Result.FAIL
    if pass_score is None and good_score is None:
        return value, Result.PASS if all(ok for _item, ok in judged) else Result.FAIL
    if value is None:
        return value, Result.PASS
    if pass_score is not None and good_score is not None:
        if value >= Decimal(good_score):
            return value, Result.PASS
        return value, Result.FAIR if value >= Decimal(pass_score) else Result.FAIL
    line = Decimal(pass_score if pass_score is not None else good_score)
    return value, Result.PASS if value >= line else Result.FAIL
