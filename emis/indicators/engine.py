"""Compute indicators for a school year, in the acting user's scope: `evaluate(user, 2020, by=("township",))`.

The result is an `Evaluation`: the year, census date, area, the effective rules, and a flat list of
`IndicatorValue`s, one per indicator for the total (dimensions == {}) and one per indicator and dimension value
for each breakdown asked for ({"township": "421224101", "township_name": "南林桥镇"}). Each value carries its
numerator and denominator, so a snapshot can freeze `evaluation.as_dict()` as it is and a dashboard or report can
read `evaluation.value("preschool_ger")` or `evaluation.rows("preschool_ger", "township")`.

Rates are Decimal percentages with two decimals (ROUND_HALF_UP, 91.05), ratios Decimal x:1 with two decimals,
counts ints; a zero denominator gives value None ("no data"), never an error. So does a year whose registry
holds no pupils of a level the indicator reads while another year holds them (`unrecorded_levels`): the demo's 2015
kept only preschool and upper-secondary pupils, so its primary pupils are "—", not 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from emis.common.models import Gender
from emis.orgs.area import COUNTY_LENGTH
from emis.orgs.choices import Ownership, SchoolCategory, UrbanRural
from emis.orgs.models import Division, School, SchoolYear
from emis.students.models import Enrollment

from .definitions import COUNT, LEVELS_READ, PERCENT, REGISTRY, Indicator
from .queries import COHORT_YEARS, DIMENSIONS, TOTAL, Context
from .rules import get_rules, json_rules

CENT = Decimal("0.01")


class UnknownIndicator(ValueError):
    pass


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    value: int | Decimal | None
    numerator: int | Decimal | None
    denominator: int | Decimal | None
    dimensions: dict = field(default_factory=dict)

    @property
    def indicator(self) -> Indicator:
        return REGISTRY[self.code]

    @property
    def name(self) -> str:
        return str(self.indicator.name)

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def dimension(self) -> str | None:
        """The breakdown this value belongs to ("township", ...), None for the total."""
        return next((key for key in self.dimensions if key in DIMENSIONS), None)

    @property
    def label(self) -> str:
        """What the value is for: the township's, school's or category's name; "" for the total."""
        dim = self.dimension
        if dim is None:
            return ""
        return str(self.dimensions.get(f"{dim}_name") or self.dimensions[dim])

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "unit": self.unit,
            "dimensions": dict(self.dimensions),
        }


@dataclass
class Evaluation:
    year: int
    census_date: dt.date
    division: str | None
    by: tuple[str, ...]
    rules: dict
    values: list[IndicatorValue]
    computed_at: dt.datetime
    _index: dict | None = field(default=None, repr=False, compare=False)

    def get(self, code: str, **dimensions) -> IndicatorValue | None:
        """The value of `code` for the total (no keyword) or one dimension value (township="421224101")."""
        if self._index is None:
            self._index = {(item.code, _identity(item.dimensions)): item for item in self.values}
        return self._index.get((code, _identity(dimensions)))

    def value(self, code: str, **dimensions):
        item = self.get(code, **dimensions)
        return None if item is None else item.value

    def totals(self) -> dict[str, IndicatorValue]:
        return {item.code: item for item in self.values if not item.dimensions}

    def rows(self, code: str, dimension: str) -> list[IndicatorValue]:
        """The breakdown of `code` by `dimension`, in key order."""
        return [item for item in self.values if item.code == code and item.dimension == dimension]

    def rows_for(self, dimension: str, key) -> list[IndicatorValue]:
        """Every indicator's value for one dimension value (one township's column of a dashboard)."""
        return [item for item in self.values if item.dimension == dimension and item.dimensions[dimension] == key]

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "census_date": self.census_date.isoformat(),
            "division": self.division,
            "by": list(self.by),
            "rules": json_rules(self.rules),
            "computed_at": self.computed_at.isoformat(),
            # The revision of each definition computed, so that a snapshot frozen under an earlier definition of an
            # indicator is known for what it is (figures.revised_codes).
            "revisions": {code: REGISTRY[code].revision for code in dict.fromkeys(item.code for item in self.values)},
            "values": [item.as_dict() for item in self.values],
        }


def _identity(dimensions: dict) -> tuple:
    return tuple(sorted((key, value) for key, value in dimensions.items() if key in DIMENSIONS))


def evaluate(
    user,
    year: SchoolYear | int,
    *,
    codes: Iterable[str] | None = None,
    by: str | Iterable[str] = (),
    division: str | None = None,
    rules: dict | None = None,
) -> Evaluation:
    """Compute the indicators `codes` (all when None) for the total and for each dimension in `by` (township,
    category, ownership, urban_rural, gender, school; an indicator is broken down only by the dimensions its
    definition allows). `division` narrows the area to a division code prefix (a county, a township) inside the
    user's scope; user None computes over everything (a system computation)."""
    chosen = list(REGISTRY) if codes is None else list(codes)
    unknown = [code for code in chosen if code not in REGISTRY]
    if unknown:
        raise UnknownIndicator(f"unknown indicator codes: {unknown}")
    by = (by,) if isinstance(by, str) else tuple(by)
    wrong = [dim for dim in by if dim not in DIMENSIONS]
    if wrong:
        raise ValueError(f"cannot break down by {wrong}; choose from {DIMENSIONS}")
    start = year.start_year if isinstance(year, SchoolYear) else int(year)
    years_q = SchoolYear.objects.all() if user is None else SchoolYear.objects.for_user(user)
    years = {y.start_year: y for y in years_q.filter(start_year__gte=start - COHORT_YEARS, start_year__lte=start)}
    if start not in years:
        raise SchoolYear.DoesNotExist(f"no school year {start}")
    the_year = years[start]
    effective = get_rules(rules, on=the_year.census_date)  # the standards in force on the census date
    ctx = Context(user, the_year, years=years, division=division, rules=effective, by=by)
    values: list[IndicatorValue] = []
    missing = unrecorded_levels(the_year, division)
    for dim in (TOTAL, *by):
        parts_by_code = {}
        for code in chosen:
            indicator = REGISTRY[code]
            if dim is TOTAL or dim in indicator.dimensions:
                parts_by_code[code] = indicator.compute(ctx, dim)
        labels = _labels(dim, {key for parts in parts_by_code.values() for key in parts})
        for code, parts in parts_by_code.items():
            indicator = REGISTRY[code]
            for key, (numerator, denominator) in parts.items():
                dimensions = {} if dim is TOTAL else {dim: key, f"{dim}_name": labels.get(key, key)}
                if missing.intersection(LEVELS_READ.get(code, ())):
                    values.append(IndicatorValue(code, None, None, None, dimensions))
                else:
                    values.append(_make_value(indicator, numerator, denominator, dimensions))
    return Evaluation(
        year=the_year.start_year,
        census_date=the_year.census_date,
        division=division,
        by=by,
        rules=effective,
        values=values,
        computed_at=timezone.now(),
    )


def unrecorded_levels(year: SchoolYear | int, division: str | None = None) -> set[str]:
    """The levels whose pupils the registry does not hold for the school year while it holds them for another year
    (in the division's county; everywhere when no division or a wider one is given): a year without data for those
    levels, as when only some levels' records were imported for a past year.

    A fact about what was recorded, not about anyone's pupils: it reads no rows, only whether any exist, and is the
    same for every user (a primary school's 初中在校生数 is 0, not "—", because the county keeps junior pupils).
    A level never recorded in any year (a county with no vocational school) is not missing."""
    start = year.start_year if isinstance(year, SchoolYear) else int(year)
    rows = Enrollment.objects.all()
    if division:
        rows = rows.filter(school__township__code__startswith=division[:COUNTY_LENGTH])
    levels = sorted({level for codes in LEVELS_READ.values() for level in codes})
    # One query: per school year, whether any enrolment of each level exists (an index seek each).
    held = {
        row.pop("start_year"): {level for level, found in row.items() if found}
        for row in SchoolYear.objects.order_by()
        .annotate(**{f"has_{level}": Exists(rows.filter(school_year=OuterRef("pk"), level=level)) for level in levels})
        .values("start_year", *(f"has_{level}" for level in levels))
    }
    if start not in held:
        return set()
    elsewhere = set().union(*(found for y, found in held.items() if y != start))
    return {level for level in levels if f"has_{level}" in elsewhere and f"has_{level}" not in held[start]}


def blank_unrecorded(evaluation: Evaluation, missing: set[str]) -> Evaluation:
    """The evaluation with the values that read a missing level as no data (a snapshot frozen before this rule)."""
    if not missing:
        return evaluation
    evaluation.values = [
        IndicatorValue(item.code, None, None, None, item.dimensions)
        if missing.intersection(LEVELS_READ.get(item.code, ()))
        else item
        for item in evaluation.values
    ]
    evaluation._index = None
    return evaluation


def _make_value(indicator: Indicator, numerator, denominator, dimensions: dict) -> IndicatorValue:
    """The value from the exact numerator and denominator; these are shown rounded (apportioned staff)."""
    if indicator.unit == COUNT:
        value = _number(numerator - denominator if indicator.difference else numerator)
    elif not denominator:
        value = None
    else:
        value = Decimal(numerator) / Decimal(denominator)
        if indicator.unit == PERCENT:
            value *= 100
        value = value.quantize(CENT, rounding=ROUND_HALF_UP)
        if indicator.cap is not None and value > indicator.cap:
            value = indicator.cap.quantize(CENT)
    return IndicatorValue(indicator.code, value, _number(numerator), _number(denominator), dimensions)


def _number(value):
    """Whole numbers as int; fractional ones (apportioned staff) as Decimal with two decimals."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(value)


_CHOICE_LABELS = {
    "category": SchoolCategory,
    "ownership": Ownership,
    "urban_rural": UrbanRural,
    "gender": Gender,
}


def _labels(dim: str | None, keys: set) -> dict:
    """{key: display name} for a dimension's values (one query for townships or schools, none otherwise)."""
    keys = {key for key in keys if key is not None}
    if dim is TOTAL or not keys:
        return {}
    if dim in _CHOICE_LABELS:
        choices = dict(_CHOICE_LABELS[dim].choices)
        return {key: str(choices.get(key, key)) for key in keys}
    if dim in ("county", "township"):
        return dict(Division.objects.filter(code__in=keys).values_list("code", "name"))
    if dim == "school":
        return dict(School.objects.filter(code__in=keys).values_list("code", "name"))
    return {}
