"""The report's tables and charts: 表1 (every indicator against the baseline and the national standard) with 图1,
the kindergarten and level tables, and section 三's tables and charts by township (by county for a city or a
province). Pure: reads the figures only."""

from __future__ import annotations

from decimal import Decimal

from emis.indicators.definitions import COUNT, PERCENT, RATIO, REGISTRY, UNITS
from emis.indicators.engine import Evaluation
from emis.indicators.figures import Figures

from ..charts import Chart
from .blocks import Area, Figure, Table
from .wording import fmt, plain_number

KEY_RATES = (
    "preschool_ger",
    "inclusive_kg_coverage",
    "public_kg_share",
    "primary_ner",
    "junior_ner",
    "compulsory_enrolment_rate",
    "compulsory_retention",
    "large_class_ratio",
    "upper_secondary_ger",
    "vocational_ger",
)


def _change_cell(f: Figures, code: str) -> str:
    now, then = f.value(code), f.base(code)
    if now is None or then is None:
        return "—"
    unit = REGISTRY[code].unit
    delta = Decimal(now) - Decimal(then)
    sign = "+" if delta > 0 else ""
    if unit == PERCENT:
        return f"{sign}{delta:.2f}个百分点"
    if unit == RATIO:
        return f"{sign}{delta:.2f}"
    return f"{sign}{int(delta)}"


def _standard_cell(f: Figures, code: str) -> str:
    found = REGISTRY[code].thresholds(f.now.rules)
    if not found:
        return ""
    unit = UNITS[REGISTRY[code].unit]
    return f"{found[0]['comparator']}{plain_number(found[0]['value'])}{unit}"


def indicator_tables(f: Figures, area: Area) -> list:
    blocks: list = []
    baseline = f.baseline
    header = ["指标", f"{baseline}年" if baseline else "基准年", f"{f.now.year}年", "变化", "国家标准"]
    rows = []
    for code, indicator in REGISTRY.items():
        if code == "compulsory_retention_aggregate":
            continue
        now, then = f.value(code), f.base(code)
        if now is None and then is None:
            continue
        unit = indicator.unit
        rows.append(
            [str(indicator.name), fmt(then, unit), fmt(now, unit), _change_cell(f, code), _standard_cell(f, code)]
        )
    blocks.append(
        Table(
            "indicators",
            "表1　主要指标完成情况",
            header,
            rows,
            notes=[
                "比率保留两位小数；“变化”一栏中比率以百分点计。",
                "“—”表示该年没有可比数据（如基准年未录入该学段的学籍）。",
            ],
        )
    )
    rates = [code for code in KEY_RATES if f.value(code) is not None]
    if rates:
        series = []
        if baseline and any(f.base(code) is not None for code in rates):
            series.append((f"{baseline}年", [_float(f.base(code)) for code in rates]))
        series.append((f"{f.now.year}年", [_float(f.value(code)) for code in rates]))
        blocks.append(
            Figure(
                "rates",
                f"图1　主要比率指标{'对比' if len(series) > 1 else ''}",
                Chart(
                    "rates",
                    f"主要比率指标（%）{f'：{baseline}年与{f.now.year}年' if len(series) > 1 else ''}",
                    [str(REGISTRY[code].name) for code in rates],
                    series,
                ),
            )
        )
    if f.has("kg_count"):
        blocks.append(_kindergarten_table(f))
    if f.has("kg_count", "primary_school_count", "junior_school_count", "upper_secondary_students"):
        blocks.append(_levels_table(f))
    return blocks


def _float(value) -> float | None:
    return None if value is None else float(value)


def _share(part, whole) -> str:
    if not whole or part is None:
        return "—"
    return f"{Decimal(part) * 100 / Decimal(whole):.2f}%"


def _kindergarten_table(f: Figures) -> Table:
    children = f.value("kg_children") or 0
    public_children = f.numerator("public_kg_share") or 0
    inclusive_children = f.numerator("inclusive_kg_coverage") or 0

    def base_count(code):
        return f.base(code)

    public, private, inclusive = (f.value(c) for c in ("kg_public_count", "kg_private_count", "kg_inclusive_count"))
    rows_spec = [
        ("公办幼儿园", public, base_count("kg_public_count"), public_children),
        ("民办幼儿园", private, base_count("kg_private_count"), children - public_children),
        (
            "　其中：普惠性民办幼儿园",
            inclusive - public,
            None
            if base_count("kg_inclusive_count") is None
            else base_count("kg_inclusive_count") - base_count("kg_public_count"),
            inclusive_children - public_children,
        ),
        ("公办及普惠性民办幼儿园", inclusive, base_count("kg_inclusive_count"), inclusive_children),
        ("合计", f.value("kg_count"), base_count("kg_count"), children),
    ]
    baseline = f.baseline
    header = [
        "类别",
        "幼儿园（所）",
        f"{baseline}年（所）" if baseline else "基准年（所）",
        "增减（所）",
        "在园幼儿（人）",
        "占在园幼儿",
    ]
    rows = []
    for label, now, then, kids in rows_spec:
        change = "—" if then is None else f"{'+' if now - then > 0 else ''}{now - then}"
        rows.append([label, str(now), fmt(then, COUNT), change, str(kids), _share(kids, children)])
    return Table(
        "kindergartens",
        "表2　幼儿园基本情况（按办别）",
        header,
        rows,
        total_rows=1,
        notes=["普惠性幼儿园含公办幼儿园和认定为普惠性的民办幼儿园。"],
    )


def _levels_table(f: Figures) -> Table:
    baseline = f.baseline
    vocational = f.value("vocational_students") or 0
    upper = f.value("upper_secondary_students") or 0
    upper_base, vocational_base = f.base("upper_secondary_students"), f.base("vocational_students")
    general_base = None if upper_base is None or vocational_base is None else upper_base - vocational_base
    spec = [
        ("幼儿园", f.value("kg_count"), f.value("kg_children"), f.base("kg_children")),
        ("小学", f.value("primary_school_count"), f.value("primary_pupils"), f.base("primary_pupils")),
        ("　教学点", f.value("teaching_point_count"), None, None),
        ("初中", f.value("junior_school_count"), f.value("junior_students"), f.base("junior_students")),
        ("高中阶段", None, upper, upper_base),
        ("　其中：普通高中", None, upper - vocational, general_base),
        ("　　　　中等职业教育", None, vocational, vocational_base),
    ]
    header = [
        "学段",
        "学校（所）",
        "在校生（人）",
        f"{baseline}年在校生（人）" if baseline else "基准年在校生（人）",
        "增减（人）",
    ]
    rows = []
    for label, schools, pupils, then in spec:
        change = "—" if then is None or pupils is None else f"{'+' if pupils - then > 0 else ''}{pupils - then}"
        rows.append([label, fmt(schools, COUNT), fmt(pupils, COUNT), fmt(then, COUNT), change])
    return Table(
        "levels",
        "表3　各级各类学校和在校生",
        header,
        rows,
        notes=[
            "教学点附属于小学，不计校数，其学生计入小学在校生。",
            "初中学校按设初中学段计，含九年一贯制、十二年一贯制学校和完全中学。",
            "在校生为统计时点在籍在读学生，休学者不计。",
        ],
    )


TOWNSHIP_RATES = (
    ("preschool_ger", "学前三年毛入园率"),
    ("inclusive_kg_coverage", "普惠性幼儿园覆盖率"),
    ("public_kg_share", "公办园在园幼儿占比"),
    ("primary_ner", "小学净入学率"),
    ("junior_ner", "初中净入学率"),
    ("large_class_ratio", "大班额比例"),
)
TOWNSHIP_COUNTS = (
    ("kg_count", "幼儿园"),
    ("kg_children", "在园幼儿"),
    ("primary_school_count", "小学"),
    ("teaching_point_count", "教学点"),
    ("primary_pupils", "小学在校生"),
    ("junior_school_count", "初中学校"),
    ("junior_students", "初中在校生"),
)


def part_list(evaluation: Evaluation, dimension: str = "township") -> list[tuple[str, str]]:
    """[(code, name)] of the parts (townships, or counties) in the evaluation's breakdown, by code."""
    found = {}
    for item in evaluation.values:
        if item.dimension == dimension:
            found[item.dimensions[dimension]] = item.label
    unnamed = "（未填乡镇）" if dimension == "township" else "（未填县）"
    return sorted(((code, name or unnamed) for code, name in found.items()), key=lambda pair: str(pair[0]))


def township_list(evaluation: Evaluation) -> list[tuple[str, str]]:
    return part_list(evaluation, "township")


def part_blocks(f: Figures, area: Area | None = None) -> list:
    """Section 三: the rates and counts of each part of the area (each township; each county of a city or a
    province), with the area's total, and charts comparing the parts."""
    dimension = area.part if area is not None else "township"
    part_label = area.part_label if area is not None else "乡镇"
    parts = part_list(f.now, dimension)
    if not parts:
        return []
    now = f.now

    def at(code: str, key):
        return now.value(code, **{dimension: key})

    total_label = "合计"
    rate_rows = [[name, *(fmt(at(code, key), PERCENT) for code, _ in TOWNSHIP_RATES)] for key, name in parts]
    rate_rows.append([total_label, *(fmt(now.value(code), PERCENT) for code, _ in TOWNSHIP_RATES)])
    count_rows = [[name, *(fmt(at(code, key) or 0, COUNT) for code, _ in TOWNSHIP_COUNTS)] for key, name in parts]
    count_rows.append([total_label, *(fmt(now.value(code) or 0, COUNT) for code, _ in TOWNSHIP_COUNTS)])
    if dimension == "county":
        rate_note = (
            "学前三年毛入园率、净入学率的分子按学校所在县（市、区）、分母按户籍所在县（市、区）统计，"
            "跨县就读较多的县（市、区）比率可能超过100%；合计行由各县（市、区）的分子、分母汇总计算，不是各县比率的平均。"
        )
    else:
        rate_note = (
            "学前三年毛入园率、净入学率的分子按学校所在乡镇、分母按户籍乡镇统计，"
            "县城所在乡镇接收外乡镇学生，比率可能超过100%。"
        )
    blocks: list = [
        Table(
            f"{dimension}_rates",
            f"表4　分{part_label}主要比率指标",
            [part_label, *(label for _, label in TOWNSHIP_RATES)],
            rate_rows,
            unit="%",
            total_rows=1,
            notes=[rate_note, "大班额比例为班额56人及以上的义务教育教学班占教学班总数的比例。"],
        ),
        Table(
            f"{dimension}_counts",
            f"表5　分{part_label}学校和在校生",
            [part_label, *(label for _, label in TOWNSHIP_COUNTS)],
            count_rows,
            unit="所、个、人",
            total_rows=1,
        ),
    ]
    if len(parts) >= 2:
        number = 2
        for code, label, title in (
            ("preschool_ger", "学前三年毛入园率", f"各{part_label}学前三年毛入园率"),
            ("large_class_ratio", "大班额比例", f"各{part_label}义务教育大班额比例"),
        ):
            values = [_float(at(code, key)) for key, _ in parts]
            if all(value is None for value in values):
                continue
            found = REGISTRY[code].thresholds(now.rules)
            threshold = float(found[0]["value"]) if found else None
            blocks.append(
                Figure(
                    f"{dimension}_{code}",
                    f"图{number}　{title}",
                    Chart(
                        f"{dimension}_{code}",
                        f"{title}（%）",
                        [name for _, name in parts],
                        [(label, values)],
                        threshold=threshold,
                        threshold_label=f"国家标准 {found[0]['comparator']}{plain_number(found[0]['value'])}%"
                        if found
                        else "",
                    ),
                )
            )
            number += 1
    return blocks


def township_blocks(f: Figures) -> list:
    return part_blocks(f)
