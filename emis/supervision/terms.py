"""Terms (学期) as the 挂牌督导 plan counts them: the autumn term's months are September to December of its year,
the spring term's March to June. A month is counted once it is over (the current month is 进行中)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

AUTUMN, SPRING = "autumn", "spring"
TERMS = {AUTUMN: _("秋季学期"), SPRING: _("春季学期")}
MONTHS = {AUTUMN: (9, 10, 11, 12), SPRING: (3, 4, 5, 6)}


def term_months(year: int, term: str) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in MONTHS[term]]


def term_bounds(year: int, term: str) -> tuple[dt.date, dt.date]:
    months = term_months(year, term)
    last = months[-1]
    following = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return months[0], following - dt.timedelta(days=1)


def term_of(day: dt.date) -> tuple[int, str]:
    """The term a day falls in, or the last one before it (January, February, July and August: the one ended)."""
    if day.month >= 9:
        return day.year, AUTUMN
    if day.month >= 3 and day.month <= 6:
        return day.year, SPRING
    if day.month <= 2:
        return day.year - 1, AUTUMN
    return day.year, SPRING


def term_label(year: int, term: str) -> str:
    return f"{year}年{TERMS[term]}"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)
