"""Indicator rules are dated configuration with a source (design §6): the rows valid on the census date apply."""

import datetime as dt
from decimal import Decimal

import pytest

from emis.core.models import ObjectChange
from emis.indicators.engine import evaluate
from emis.indicators.models import IndicatorRule
from emis.indicators.rules import DEFAULT_RULES, get_rules

pytestmark = pytest.mark.django_db


def test_todays_values_are_loaded_as_dated_rows_with_a_source():
    rows = IndicatorRule.objects.filter(valid_to__isnull=True)
    assert rows.count() == 20
    assert all(row.source for row in rows)
    assert rows.get(key="large_class_min").value == 56
    assert rows.get(key="thresholds.preschool_ger").value == ["≥", "85"]
    assert get_rules(on=dt.date(2020, 9, 1)) == get_rules(on=dt.date(2015, 9, 1)) == DEFAULT_RULES


def test_a_standard_is_read_on_the_census_date(ic):
    """A province lowers the large-class line from 2020-09-01: 2020 counts the new line, 2019 the old one."""
    IndicatorRule.objects.filter(key="large_class_min").update(valid_to=dt.date(2020, 8, 31))
    IndicatorRule.objects.create(
        key="large_class_min", value=4, valid_from=dt.date(2020, 9, 1), source="某省文件（测试）"
    )
    assert get_rules(on=dt.date(2020, 8, 31))["large_class_min"] == 56
    assert get_rules(on=dt.date(2020, 9, 1))["large_class_min"] == 4
    item = evaluate(None, 2020, codes=["large_class_ratio"]).get("large_class_ratio")
    # 4 or more: P1 一年级 55, P2 三年级 4, S12 七年级 56 (test_engine's configured-rules case, same figures).
    assert (item.value, item.numerator, item.denominator) == (Decimal("30.00"), 3, 10)
    assert evaluate(None, 2019, codes=["large_class_ratio"]).rules["large_class_min"] == 56


def test_a_nested_value_and_its_change_record():
    rule = IndicatorRule.objects.create(
        key="staffing_ratios.primary", value="18", valid_from=dt.date(2025, 1, 1), source="某省编制标准（测试）"
    )
    assert get_rules(on=dt.date(2025, 9, 1))["staffing_ratios"] == {**DEFAULT_RULES["staffing_ratios"], "primary": "18"}
    assert get_rules(on=dt.date(2024, 9, 1))["staffing_ratios"]["primary"] == "19"
    assert ObjectChange.objects.filter(object_id=rule.pk, content_type__model="indicatorrule").exists()
