"""`emis indicators` on the hand-made county: json, table and xlsx, scope (--as), area (--county), breakdowns."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from emis.testing import xlsx_rows

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_is_a_list_of_values(ic):
    data = json.loads(run("--year", "2020", "--format", "json"))
    assert len(data) == 32
    first = data[0]
    assert set(first) == {"code", "name", "value", "numerator", "denominator", "unit", "dimensions"}
    by_code = {row["code"]: row for row in data}
    assert by_code["preschool_ger"] == {
        "code": "preschool_ger",
        "name": "学前三年毛入园率",
        "value": 120.0,
        "numerator": 6,
        "denominator": 5,
        "unit": "percent",
        "dimensions": {},
    }
    assert by_code["kg_count"]["value"] == 3 and by_code["kg_count"]["denominator"] is None
    assert by_code["compulsory_retention_aggregate"]["value"] == 42.86


def test_json_by_township_for_a_township_user(ic):
    data = json.loads(
        run("--year", "2020", "--format", "json", "--by", "township", "--code", "kg_count", "--as", "ind_township_a")
    )
    assert data == [
        {
            "code": "kg_count",
            "name": "幼儿园数",
            "value": 1,
            "numerator": 1,
            "denominator": None,
            "unit": "count",
            "dimensions": {},
        },
        {
            "code": "kg_count",
            "name": "幼儿园数",
            "value": 1,
            "numerator": 1,
            "denominator": None,
            "unit": "count",
            "dimensions": {"township": "421224100", "township_name": "通羊镇"},
        },
    ]


def test_language_option(ic):
    data = json.loads(run("--year", "2020", "--format", "json", "--code", "kg_count", "--language", "en"))
    assert data[0]["name"] == "Kindergartens"


def test_county_option_and_table(ic):
    text = run("--year", "2020", "--county", "421224101", "--code", "kg_count", "--code", "preschool_ger")
    lines = text.splitlines()
    assert lines[0].split() == ["代码", "指标", "分组", "值", "单位", "分子", "分母"]
    assert lines[2].split() == ["kg_count", "幼儿园数", "合计", "2", "2", "—"]
    assert lines[3].split() == ["preschool_ger", "学前三年毛入园率", "合计", "150.00", "%", "3", "2"]


def test_xlsx(ic, tmp_path):
    path = tmp_path / "indicators.xlsx"
    call_command(
        "indicators", "--year", "2020", "--format", "xlsx", "--out", str(path), "--by", "school", stderr=io.StringIO()
    )
    rows = xlsx_rows(path.read_bytes())
    assert rows[0][:6] == ["代码", "指标", "分组维度", "分组代码", "分组", "值"]
    gap = [row for row in rows if row[0] == "staffing_gap" and row[3] == "2142000001"]
    assert gap == [["staffing_gap", "教职工编制缺口", "school", "2142000001", "P1学校", -1.0, "", 4.0, 5.0]]


def test_json_to_a_file(ic, tmp_path):
    path = tmp_path / "out.json"
    call_command("indicators", "--year", "2020", "--format", "json", "--out", str(path), stderr=io.StringIO())
    assert json.loads(path.read_text(encoding="utf-8"))[0]["code"] == "kg_count"


def test_errors(ic, tmp_path):
    with pytest.raises(CommandError, match="没有 1999 学年"):
        run("--year", "1999")
    with pytest.raises(CommandError, match="须用 --out"):
        run("--year", "2020", "--format", "xlsx")
    with pytest.raises(CommandError, match="不存在"):
        run("--year", "2020", "--as", "nobody")
    with pytest.raises(CommandError, match="目录"):
        run("--year", "2020", "--out", str(tmp_path / "missing" / "x.json"))
