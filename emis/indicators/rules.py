"""The configurable values behind the indicator formulas (domain-rules §1 marks them [M] or gives variants).

They are dated configuration with a source (design §6: standards differ by province and change over time):
`IndicatorRule` rows, one per key ("large_class_min", "staffing_ratios.primary", "thresholds.preschool_ger"),
each valid from one date to another. `get_rules(on=census_date)` starts from DEFAULT_RULES (the values the
rows were first loaded with, migration indicators 0003), applies the rows valid on that date, then a
deployment's settings override, merged key by key:

    EMIS_INDICATOR_RULES = {"large_class_min": 56, "staffing_ratios": {"primary": "19"}}

An `Evaluation` records the effective values, so a frozen snapshot says which rules produced it.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

# The values before any dated row, and for a key no row names.
DEFAULT_RULES: dict = {
    # Age bands in full years (周岁) on the census date, Hubei's 6-3 system entering at 6 (domain-rules 1.3 [M]).
    "age_bands": {
        "preschool": (3, 5),  # 学前三年 (1.2)
        "primary": (6, 11),  # 小学学龄 (1.3)
        "junior": (12, 14),  # 初中学龄 (1.3)
        "upper_secondary": (15, 17),  # 高中阶段 (1.5; some provinces use 15-18)
    },
    # Class-size thresholds (1.8): 大班额 is 56 or more, super-large classes included; 超大班额 66 or more.
    "large_class_min": 56,
    "super_large_class_min": 66,
    # Pupils per staff member (教职工:学生 = 1:n). Primary, junior and senior: the 2014 unified urban-rural
    # standard (中央编办发〔2014〕72号, 1.9). Preschool (1:7, 《幼儿园教职工配备标准》 2013, full-day, [M]) and
    # vocational (1:20, 《中等职业学校设置标准》, [M]) are used only to apportion the staff of a school that
    # teaches several levels; the 编制 gap counts primary, junior and senior schools.
    "staffing_ratios": {
        "preschool": "7",
        "primary": "19",
        "junior": "13.5",
        "senior": "12.5",
        "vocational": "20",
    },
    # How a school's 编制 need is rounded to whole posts (provincial rule, [M]): "ceil" or "half_up".
    "staffing_rounding": "ceil",
    # National thresholds shown next to the values (1.2, 1.4, 1.5, 1.7, 1.8).
    "thresholds": {
        "preschool_ger": ("≥", "85"),
        "inclusive_kg_coverage": ("≥", "80"),
        "public_kg_share": ("≥", "50"),
        "compulsory_retention": ("≥", "95"),
        "compulsory_retention_aggregate": ("≥", "95"),
        "large_class_ratio": ("≤", "5"),
        "super_large_class_ratio": ("≤", "2"),
        "upper_secondary_ger": ("≥", "90"),
    },
}

ROUNDINGS = ("ceil", "half_up")


def _merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def dated_rules(on: dt.date) -> dict:
    """The `IndicatorRule` values valid on the date, nested like DEFAULT_RULES (the latest start wins)."""
    from .models import IndicatorRule

    found: dict = {}
    rows = (
        IndicatorRule.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("key", "valid_from")
        .values_list("key", "value")
    )
    for key, value in rows:
        *parents, leaf = key.split(".")
        node = found
        for part in parents:
            node = node.setdefault(part, {})
        # JSON has no tuples: the age bands and thresholds are pairs in DEFAULT_RULES.
        node[leaf] = tuple(value) if isinstance(value, list) else value
    return found


def get_rules(override: dict | None = None, *, on: dt.date | None = None) -> dict:
    """The effective rules on a date (a census date; today if None): defaults, the dated rows valid then,
    settings.EMIS_INDICATOR_RULES, then `override` (for tests, what-ifs)."""
    rules = _merge(DEFAULT_RULES, dated_rules(on or timezone.localdate()))
    rules = _merge(rules, getattr(settings, "EMIS_INDICATOR_RULES", None) or {})
    if override:
        rules = _merge(rules, override)
    check_rules(rules)
    return rules


def check_rules(rules: dict) -> None:
    bands = rules["age_bands"]
    for name in DEFAULT_RULES["age_bands"]:
        low, high = bands[name]
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
            raise ImproperlyConfigured(f"EMIS_INDICATOR_RULES age band {name!r} must be (min, max) ages: {bands[name]}")
    if not 0 < rules["large_class_min"] <= rules["super_large_class_min"]:
        raise ImproperlyConfigured("EMIS_INDICATOR_RULES: need 0 < large_class_min <= super_large_class_min")
    for level, ratio in rules["staffing_ratios"].items():
        if Decimal(str(ratio)) <= 0:
            raise ImproperlyConfigured(f"EMIS_INDICATOR_RULES staffing ratio for {level!r} must be positive")
    if rules["staffing_rounding"] not in ROUNDINGS:
        raise ImproperlyConfigured(f"EMIS_INDICATOR_RULES staffing_rounding must be one of {ROUNDINGS}")


def ratio(rules: dict, level: str) -> Decimal:
    return Decimal(str(rules["staffing_ratios"][level]))


def json_rules(rules: dict) -> dict:
    """The rules as plain JSON values (tuples as lists), for freezing next to computed values."""
    return _jsonable(rules)


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
