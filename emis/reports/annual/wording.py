"""How the report writes numbers, dates and changes: 91.05%, 2.17:1, 2020年9月1日, 比2015年提高6.05个百分点,
达到国家85%以上的标准. Shared by the prose, the tables and the annex; reads nothing from the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from emis.indicators.definitions import PERCENT, RATIO, REGISTRY
from emis.indicators.engine import Evaluation

# The report body is Chinese content, not interface text (see emis.reports.annual): indicator names and labels
# are read under this language whatever language the person downloading it reads.
REPORT_LANGUAGE = "zh-hans"
CN_NUMBERS = "一二三四五六七八九十"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def plain_number(number) -> str:
    """A threshold or ratio as written: 85, 13.5 (no trailing zeros, no exponent)."""
    text = format(Decimal(str(number)).normalize(), "f")
    return text


def fmt(value, unit: str) -> str:
    """A value as the report writes it: 91.05%, 2.17:1, 16266; "—" for no data."""
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value:.2f}%"
    if unit == RATIO:
        return f"{value:.2f}:1"
    return f"{value}" if isinstance(value, int) else f"{value:.2f}"


def difference(now, then) -> Decimal | None:
    """now − then (in percentage points for rates); None when either is missing."""
    if now is None or then is None:
        return None
    return Decimal(now) - Decimal(then)


def points_phrase(now, then, baseline: int | None) -> str:
    """比2015年提高6.05个百分点 / 下降… / 与2015年持平; "" without a baseline value."""
    delta = difference(now, then)
    if delta is None or baseline is None:
        return ""
    if delta > 0:
        return f"比{baseline}年提高{delta:.2f}个百分点"
    if delta < 0:
        return f"比{baseline}年下降{-delta:.2f}个百分点"
    return f"与{baseline}年持平"


def count_phrase(now, then, baseline: int | None, unit: str) -> str:
    """比2015年增加8所 / 减少… / 与2015年持平; "" when the baseline has no such records."""
    if now is None or not then or baseline is None:
        return ""
    delta = now - then
    if delta > 0:
        return f"比{baseline}年增加{delta}{unit}"
    if delta < 0:
        return f"比{baseline}年减少{-delta}{unit}"
    return f"与{baseline}年持平"


def standard_phrase(evaluation: Evaluation, code: str, value) -> str:
    """How the value stands against the national threshold: 低于国家规定的5% / 达到国家标准（≥85%） / 距…尚差."""
    if value is None:
        return ""
    found = REGISTRY[code].thresholds(evaluation.rules)
    if not found:
        return ""
    comparator, limit = found[0]["comparator"], found[0]["value"]
    value = Decimal(value)
    if comparator == "≤":
        if value <= limit:
            return f"低于国家规定的{plain_number(limit)}%"
        return f"高于国家规定的{plain_number(limit)}%，仍需加大化解力度"
    if value >= limit:
        return f"达到国家{plain_number(limit)}%以上的标准"
    return f"距国家{plain_number(limit)}%的标准尚差{limit - value:.2f}个百分点"
