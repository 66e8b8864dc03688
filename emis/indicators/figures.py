"""A year's indicator values as dashboards and reports read them: one class for the frozen and the live.

`Figures` wraps an `Evaluation` computed now (`engine.evaluate`) or rebuilt from a published snapshot, and
optionally the baseline year's evaluation a report compares against. Reads go by indicator code: the total
(`value`, `get`), a breakdown (`rows`), the baseline (`base`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .definitions import COUNT, REGISTRY
from .engine import Evaluation, IndicatorValue, blank_unrecorded, unrecorded_levels


def as_number(value):
    """Snapshot JSON holds Decimals as text: back to the int or Decimal the engine computed."""
    if value is None or isinstance(value, int | Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else Decimal(text)


def evaluation_from_snapshot(data: dict) -> Evaluation:
    """The `Evaluation` a snapshot froze (`Evaluation.as_dict()`), with its numbers as the engine gave them."""

    def when(key, parse):
        return parse(data[key]) if data.get(key) else None

    return Evaluation(
        year=data["year"],
        census_date=when("census_date", dt.date.fromisoformat),
        division=data.get("division"),
        by=tuple(data.get("by") or ()),
        rules=data.get("rules") or {},
        values=[
            IndicatorValue(
                code=item["code"],
                value=as_number(item.get("value")),
                numerator=as_number(item.get("numerator")),
                denominator=as_number(item.get("denominator")),
                dimensions=dict(item.get("dimensions") or {}),
            )
            for item in data["values"]
        ],
        computed_at=when("computed_at", dt.datetime.fromisoformat),
    )


def revised_codes(data: dict) -> set[str]:
    """The indicators a snapshot froze under another revision of their definition than today's (a snapshot from
    before revisions were recorded froze revision 1): its values of them do not stand for today's definition."""
    frozen = data.get("revisions") or {}
    codes = {item["code"] for item in data.get("values") or ()}
    return {code for code in codes if code in REGISTRY and int(frozen.get(code, 1)) != REGISTRY[code].revision}


def blank_codes(evaluation: Evaluation, codes: set[str]) -> Evaluation:
    """The evaluation with the values of `codes` as no data."""
    if not codes:
        return evaluation
    evaluation.values = [
        IndicatorValue(item.code, None, None, None, item.dimensions) if item.code in codes else item
        for item in evaluation.values
    ]
    evaluation._index = None
    return evaluation


class Figures:
    """One year's values (`now`), frozen in `snapshot` or live, and the baseline year's (`then`) if compared."""

    def __init__(
        self,
        now: Evaluation,
        then: Evaluation | None = None,
        *,
        snapshot=None,
        division: str | None = None,
        not_compared: frozenset[str] | set[str] = frozenset(),
        revised: frozenset[str] | set[str] = frozenset(),
    ):
        self.now, self.then, self.snapshot = now, then, snapshot
        # Indicators whose definition changed since the snapshot was published: no data until it is republished.
        self.revised = revised
        self.year = now.year
        self.division = division if division is not None else now.division
        self.baseline = then.year if then is not None else None
        self.not_compared = not_compared

    @classmethod
    def from_snapshot(cls, snapshot, division: str | None = None) -> Figures:
        """The snapshot's frozen values; those that read pupils the registry does not hold for that year (frozen
        as 0 before the engine said "no data") read as no data, and so do those frozen under an earlier definition
        of their indicator (`revised`: the old figure answers another question than the page's formula states)."""
        evaluation = evaluation_from_snapshot(snapshot.values)
        missing = unrecorded_levels(snapshot.school_year, snapshot.division_code)
        revised = revised_codes(snapshot.values)
        evaluation = blank_codes(blank_unrecorded(evaluation, missing), revised)
        return cls(evaluation, snapshot=snapshot, division=division, revised=frozenset(revised))

    @property
    def published(self) -> bool:
        return self.snapshot is not None

    @property
    def values(self) -> list[IndicatorValue]:
        return self.now.values

    def get(self, code: str) -> IndicatorValue | None:
        """The total of `code` (no breakdown)."""
        return self.now.get(code)

    total = get

    def value(self, code: str):
        return self.now.value(code)

    def numerator(self, code: str):
        item = self.get(code)
        return None if item is None else item.numerator

    def denominator(self, code: str):
        item = self.get(code)
        return None if item is None else item.denominator

    def rows(self, code: str, dimension: str) -> list[IndicatorValue]:
        return self.now.rows(code, dimension)

    def base(self, code: str):
        """The baseline year's total, or None where there is nothing to compare."""
        if self.then is None or code in self.not_compared:
            return None
        value = self.then.value(code)
        # A count of zero in the baseline year means no records of that kind were kept then (not a county with no
        # pupils), so it is not compared.
        if REGISTRY[code].unit == COUNT and not value:
            return None
        return value

    def has(self, *codes: str) -> bool:
        """Any of the codes has a value other than no data or zero."""
        return any(self.value(code) for code in codes)
