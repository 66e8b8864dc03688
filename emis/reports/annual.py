"""The annual report (年度工作报告) drafted from the data: the year's achievements in figures, in the style of the
bureau's own reports (一、二、(一)…, formal prose), with tables, charts and an xlsx annex.

    draft = annual_draft(user, 2020, baseline=2015)     # evaluations in the user's scope -> AnnualDraft
    write_docx(draft, "report.docx")                     # Word (python-docx), charts drawn by emis.reports.charts
    write_annex(draft, "annex.xlsx")                     # every indicator: total and by township

`build_draft(now, then, ...)` is the pure part: it turns indicator evaluations (emis.indicators.engine) into a
structured draft (sections of paragraphs, tables and charts) and reads nothing from the database, so the writers
and the web page share one draft.

The report body is Chinese content, not interface text: the bureau files it in Chinese whatever language the
person downloading it reads, like the statistical forms (emis.reports.stats). Its prose is therefore kept as
Chinese sentence templates here rather than gettext msgids (a translated sentence would not be the document the
bureau publishes, and an English catalogue of report phrasing would only drift), and indicator names are read
under translation.override("zh-hans").
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation

from emis.core.access import covers, scope_of
from emis.indicators.definitions import COUNT, PERCENT, RATIO, REGISTRY, UNITS
from emis.indicators.engine import Evaluation, evaluate
from emis.indicators.figures import Figures
from emis.orgs.choices import SchoolCategory
from emis.orgs.models import Division, School, SchoolYear

from .charts import Chart, render_png

REPORT_LANGUAGE = "zh-hans"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BASELINE_GAP = 5  # the default baseline: five years earlier (the previous plan's base year)

# Indicators whose baseline is not compared: they mix every level's pupils and staff, so a baseline year whose
# records hold only some levels (the demo county's 2015) gives a figure that means nothing.
NOT_COMPARED = {"staffing_gap", "place_utilisation"}
# Categories that count as 初中学校 besides the 初级中学 itself, in the order the report names them.
JUNIOR_KINDS = (SchoolCategory.NINE_YEAR, SchoolCategory.TWELVE_YEAR, SchoolCategory.COMPLETE_SECONDARY)
CN_NUMBERS = "一二三四五六七八九十"


# The draft ----------------------------------------------------------------------------------------------------


@dataclass
class Paragraph:
    text: str
    lead: str = ""  # the bold opening phrase of a 二级 paragraph: "（一）学前教育普及普惠水平稳步提高。"

    @property
    def full_text(self) -> str:
        return self.lead + self.text


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    unit: str = ""
    notes: list[str] = field(default_factory=list)
    total_rows: int = 0  # the last n rows are totals (shown bold)


@dataclass
class Figure:
    key: str
    title: str
    chart: Chart


@dataclass
class Section:
    heading: str
    blocks: list = field(default_factory=list)


@dataclass
class Area:
    """What the report covers: the county (its bureau issues it), a township, or schools."""

    name: str
    kind: str  # county / township / schools
    issuer: str
    whole: str  # how the prose says "all of it": 全县, 全镇, 全乡, 辖区, 本校
    division: Division | None = None

    @property
    def label(self) -> str:
        return f"{self.name}全县" if self.kind == "county" else self.name


@dataclass
class AnnualDraft:
    title: str
    subtitle: str
    year: int
    baseline: int | None
    census_date: dt.date
    area: Area
    sections: list[Section]
    now: Evaluation
    then: Evaluation | None
    generated_at: dt.datetime

    @property
    def meta_line(self) -> str:
        parts = [f"统计时点：{_cn_date(self.census_date)}", f"统计范围：{self.area.label}"]
        if self.baseline:
            parts.append(f"对比基准：{self.baseline}年")
        return "　".join(parts)

    def paragraphs(self) -> list[str]:
        return [
            block.full_text for section in self.sections for block in section.blocks if isinstance(block, Paragraph)
        ]

    def tables(self) -> list[Table]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Table)]

    def figures(self) -> list[Figure]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Figure)]

    @property
    def file_stem(self) -> str:
        return f"{self.title}（草稿）"


# Formatting ---------------------------------------------------------------------------------------------------


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _plain(number) -> str:
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


def _points(now, then) -> Decimal | None:
    if now is None or then is None:
        return None
    return Decimal(now) - Decimal(then)


def points_phrase(now, then, baseline: int | None) -> str:
    """比2015年提高6.05个百分点 / 下降… / 与2015年持平; "" without a baseline value."""
    delta = _points(now, then)
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


def _paren(text: str) -> str:
    return f"（{text}）" if text else ""


def _join(*parts: str, sep: str = "，") -> str:
    return sep.join(part for part in parts if part)


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
            return f"低于国家规定的{_plain(limit)}%"
        return f"高于国家规定的{_plain(limit)}%，仍需加大化解力度"
    if value >= limit:
        return f"达到国家{_plain(limit)}%以上的标准"
    return f"距国家{_plain(limit)}%的标准尚差{limit - value:.2f}个百分点"


# Reading evaluations -----------------------------------------------------------------------------------------


def _points_text(f: Figures, code: str) -> str:
    return points_phrase(f.value(code), f.base(code), f.baseline)


def _change_text(f: Figures, code: str, unit: str) -> str:
    return count_phrase(f.value(code), f.base(code), f.baseline, unit)


def _standard_text(f: Figures, code: str) -> str:
    return standard_phrase(f.now, code, f.value(code))


def _pct_text(f: Figures, code: str) -> str:
    return fmt(f.value(code), PERCENT)


# Building the draft -----------------------------------------------------------------------------------------


def build_draft(
    now: Evaluation,
    then: Evaluation | None,
    *,
    area: Area,
    junior_kinds: dict[str, int] | None = None,
    generated_at: dt.datetime | None = None,
) -> AnnualDraft:
    """The structured draft from the year's evaluation (`now`, broken down by township) and the baseline's
    (`then`, totals; None: no comparison). `junior_kinds` is {category: schools offering 初中} for the year."""
    f = Figures(now, then, not_compared=NOT_COMPARED)
    year = now.year
    title = f"{area.issuer}{year}年度工作报告"
    subtitle = f"——{year}年教育事业发展主要成就（数据稿）"
    sections = [
        Section(f"一、{year}年教育事业发展主要成就", _achievements(f, area, junior_kinds or {})),
        Section("二、主要指标完成情况", _indicator_tables(f, area)),
    ]
    townships = _township_blocks(f)
    if townships:
        sections.append(Section("三、分乡镇情况", townships))
    sections.append(Section(f"{CN_NUMBERS[len(sections)]}、有关说明", _notes(f, area)))
    return AnnualDraft(
        title=title,
        subtitle=subtitle,
        year=year,
        baseline=f.baseline,
        census_date=now.census_date,
        area=area,
        sections=sections,
        now=now,
        then=then,
        generated_at=generated_at or timezone.now(),
    )


def _number(items: list) -> str:
    return f"（{CN_NUMBERS[len(items)]}）"


def _achievements(f: Figures, area: Area, junior_kinds: dict[str, int]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    for build in (_preschool, _compulsory, _upper_secondary, _staff, _places):
        paragraph = build(f, area, junior_kinds)
        if paragraph is not None:
            paragraph.lead = _number(paragraphs) + paragraph.lead
            paragraphs.append(paragraph)
    if not paragraphs:
        paragraphs.append(Paragraph(f"{area.name}在{f.now.year}学年统计时点没有可用于统计的学校和在校生记录。"))
    return paragraphs


def _rose(f: Figures, code: str) -> bool:
    delta = _points(f.value(code), f.base(code))
    return delta is not None and delta > 0


def _preschool(f: Figures, area: Area, _kinds) -> Paragraph | None:
    if not f.has("kg_count", "kg_children"):
        return None
    year = f.now.year
    first = _join(
        f"{year}年秋，{area.whole}共有幼儿园{f.value('kg_count')}所",
        f"其中公办幼儿园{f.value('kg_public_count')}所{_paren(_change_text(f, 'kg_public_count', '所'))}",
        f"民办幼儿园{f.value('kg_private_count')}所{_paren(_change_text(f, 'kg_private_count', '所'))}",
        f"公办及普惠性民办幼儿园共计{f.value('kg_inclusive_count')}所",
        f"在园幼儿{f.value('kg_children')}人{_paren(_change_text(f, 'kg_children', '人'))}",
        f"学前三年毛入园率达到{_pct_text(f, 'preschool_ger')}" if f.value("preschool_ger") is not None else "",
        _points_text(f, "preschool_ger"),
        _standard_text(f, "preschool_ger"),
    )
    second = _join(
        _join(f"普惠性幼儿园覆盖率为{_pct_text(f, 'inclusive_kg_coverage')}", _points_text(f, "inclusive_kg_coverage"))
        if f.value("inclusive_kg_coverage") is not None
        else "",
        _join(f"公办园在园幼儿占比为{_pct_text(f, 'public_kg_share')}", _points_text(f, "public_kg_share"))
        if f.value("public_kg_share") is not None
        else "",
        sep="；",
    )
    lead = "学前教育普及普惠水平稳步提高。" if _rose(f, "preschool_ger") else "学前教育发展情况。"
    text = first + "。" + (second + "。" if second else "")
    return Paragraph(text, lead)


def _junior_kinds_phrase(kinds: dict[str, int]) -> str:
    labels = dict(SchoolCategory.choices)
    named = [f"{labels[kind]}{kinds[kind]}所" for kind in JUNIOR_KINDS if kinds.get(kind)]
    return f"（含{'、'.join(named)}）" if named else ""


def _compulsory(f: Figures, area: Area, kinds: dict[str, int]) -> Paragraph | None:
    if not f.has("primary_school_count", "primary_pupils", "junior_school_count", "junior_students"):
        return None
    points = f.value("teaching_point_count")
    primary = ""
    if f.has("primary_school_count", "primary_pupils"):
        primary = (
            f"{area.whole}共有小学{f.value('primary_school_count')}所"
            + (f"（另有教学点{points}个）" if points else "")
            + f"，学生{f.value('primary_pupils')}人{_paren(_change_text(f, 'primary_pupils', '人'))}"
        )
    junior = ""
    if f.has("junior_school_count", "junior_students"):
        junior = (
            ("" if primary else f"{area.whole}共有")
            + f"初中学校{f.value('junior_school_count')}所{_junior_kinds_phrase(kinds)}"
            + f"，学生{f.value('junior_students')}人{_paren(_change_text(f, 'junior_students', '人'))}"
        )
    sentences = [_join(primary, junior, sep="；")]
    rates = [
        (code, label)
        for code, label in (
            ("primary_ner", "小学学龄儿童净入学率"),
            ("junior_ner", "初中净入学率"),
            ("compulsory_enrolment_rate", "义务教育适龄儿童少年入学率"),
            ("compulsory_retention", "九年义务教育巩固率"),
        )
        if f.value(code) is not None
    ]
    if rates:
        sentences.append(
            _join(*(_join(f"{label}为{_pct_text(f, code)}", _points_text(f, code)) for code, label in rates))
        )
    large = f.get("large_class_ratio")
    if large is not None and large.value is not None:
        rules = f.now.rules
        verb = (
            "降至"
            if (f.base("large_class_ratio") is not None and _points(large.value, f.base("large_class_ratio")) < 0)
            else "为"
        )
        sentence = _join(
            f"义务教育大班额与班额总量之比{verb}{fmt(large.value, PERCENT)}"
            f"（{rules['large_class_min']}人及以上的大班额{large.numerator}个，教学班共{large.denominator}个）",
            _points_text(f, "large_class_ratio"),
            _standard_text(f, "large_class_ratio"),
        )
        super_large = f.get("super_large_class_ratio")
        if super_large is not None and super_large.value is not None:
            if super_large.numerator == 0:
                sentence += f"，无{rules['super_large_class_min']}人及以上的超大班额"
            else:
                sentence += f"，超大班额占比{fmt(super_large.value, PERCENT)}"
        sentences.append(sentence)
    lead = (
        "义务教育均衡发展。"
        if large is not None and _standard_text(f, "large_class_ratio").startswith("低于")
        else "义务教育发展情况。"
    )
    return Paragraph("。".join(sentences) + "。", lead)


def _grew(f: Figures, code: str, label: str, unit: str) -> str:
    """高中阶段在校学生人数由2015年的4816人增长到7551人 / 高中阶段在校学生7551人."""
    now, then = f.value(code), f.base(code)
    if then is None:
        return f"{label}{now}{unit}"
    if now > then:
        verb = "增长到"
    elif now < then:
        verb = "减少到"
    else:
        return f"{label}人数与{f.baseline}年持平，为{now}{unit}"
    return f"{label}人数由{f.baseline}年的{then}{unit}{verb}{now}{unit}"


def _upper_secondary(f: Figures, area: Area, _kinds) -> Paragraph | None:
    if not f.has("upper_secondary_students"):
        return None
    general = _join(
        _grew(f, "upper_secondary_students", "高中阶段在校学生", "人"),
        f"高中阶段教育毛入学率达到{_pct_text(f, 'upper_secondary_ger')}"
        if f.value("upper_secondary_ger") is not None
        else "",
        _points_text(f, "upper_secondary_ger"),
        _standard_text(f, "upper_secondary_ger"),
    )
    vocational = ""
    if f.has("vocational_students"):
        vocational = _join(
            _grew(f, "vocational_students", "中职在校学生", "人"),
            f"中职毛入学率达到{_pct_text(f, 'vocational_ger')}" if f.value("vocational_ger") is not None else "",
            _points_text(f, "vocational_ger"),
        )
    text = _join(general, vocational, sep="；") + "。"
    if f.value("general_vocational_ratio") is not None:
        text += f"普通高中与中职在校生之比（普职比）为{fmt(f.value('general_vocational_ratio'), RATIO)}。"
    lead = "高中阶段教育普及水平持续提高。" if _rose(f, "upper_secondary_ger") else "高中阶段教育发展情况。"
    return Paragraph(text, lead)


def _staff(f: Figures, area: Area, _kinds) -> Paragraph | None:
    ratios = [
        (code, label, level)
        for code, label, level in (
            ("pupil_teacher_ratio_primary", "小学", "primary"),
            ("pupil_teacher_ratio_junior", "初中", "junior"),
            ("pupil_teacher_ratio_senior", "普通高中", "senior"),
        )
        if f.value(code) is not None
    ]
    gap = f.get("staffing_gap")
    has_gap = gap is not None and bool(gap.numerator)
    if not ratios and not has_gap:
        return None
    sentences = []
    if ratios:
        standards = f.now.rules["staffing_ratios"]
        sentences.append(
            "按统计时点在岗教职工计算，"
            + "，".join(f"{label}生师比为{fmt(f.value(code), RATIO)}" for code, label, _ in ratios)
            + f"（编制标准分别为{'、'.join(f'{_plain(standards[level])}:1' for _, _, level in ratios)}）"
        )
    if has_gap:
        need, staffed, value = gap.numerator, gap.denominator, gap.value
        if value > 0:
            state = f"缺编{value}人"
        elif value < 0:
            state = f"超编{-value}人"
        else:
            state = "编制与在岗人数持平"
        sentences.append(f"按编制标准核算，{area.whole}公办中小学需配备教职工{need}人，在岗{staffed}人，{state}")
    return Paragraph("。".join(sentences) + "。", "教师队伍配备情况。")


def _places(f: Figures, area: Area, _kinds) -> Paragraph | None:
    item = f.get("place_utilisation")
    if item is None or item.value is None:
        return None
    text = (
        f"填报学位数的学校共有学位{item.denominator}个，在校生{item.numerator}人，"
        f"学位使用率为{fmt(item.value, PERCENT)}"
    )
    text += "，学位总体不足，需加快扩容。" if item.value > 100 else "。"
    return Paragraph(text, "学位供给情况。")


# Tables and charts --------------------------------------------------------------------------------------------

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
    return f"{found[0]['comparator']}{_plain(found[0]['value'])}{unit}"


def _indicator_tables(f: Figures, area: Area) -> list:
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


def township_list(evaluation: Evaluation) -> list[tuple[str, str]]:
    """[(code, name)] of the townships in the evaluation's breakdown, by code."""
    found = {}
    for item in evaluation.values:
        if item.dimension == "township":
            found[item.dimensions["township"]] = item.label
    return sorted(((code, name or "（未填乡镇）") for code, name in found.items()), key=lambda pair: str(pair[0]))


def _township_blocks(f: Figures) -> list:
    townships = township_list(f.now)
    if not townships:
        return []
    now = f.now
    total_label = "合计"
    rate_rows = [
        [name, *(fmt(now.value(code, township=key), PERCENT) for code, _ in TOWNSHIP_RATES)] for key, name in townships
    ]
    rate_rows.append([total_label, *(fmt(now.value(code), PERCENT) for code, _ in TOWNSHIP_RATES)])
    count_rows = [
        [name, *(fmt(now.value(code, township=key) or 0, COUNT) for code, _ in TOWNSHIP_COUNTS)]
        for key, name in townships
    ]
    count_rows.append([total_label, *(fmt(now.value(code) or 0, COUNT) for code, _ in TOWNSHIP_COUNTS)])
    blocks: list = [
        Table(
            "township_rates",
            "表4　分乡镇主要比率指标",
            ["乡镇", *(label for _, label in TOWNSHIP_RATES)],
            rate_rows,
            unit="%",
            total_rows=1,
            notes=[
                "学前三年毛入园率、净入学率的分子按学校所在乡镇、分母按户籍乡镇统计，"
                "县城所在乡镇接收外乡镇学生，比率可能超过100%。",
                "大班额比例为班额56人及以上的义务教育教学班占教学班总数的比例。",
            ],
        ),
        Table(
            "township_counts",
            "表5　分乡镇学校和在校生",
            ["乡镇", *(label for _, label in TOWNSHIP_COUNTS)],
            count_rows,
            unit="所、个、人",
            total_rows=1,
        ),
    ]
    if len(townships) >= 2:
        number = 2
        for code, label, title in (
            ("preschool_ger", "学前三年毛入园率", "各乡镇学前三年毛入园率"),
            ("large_class_ratio", "大班额比例", "各乡镇义务教育大班额比例"),
        ):
            values = [_float(now.value(code, township=key)) for key, _ in townships]
            if all(value is None for value in values):
                continue
            found = REGISTRY[code].thresholds(now.rules)
            threshold = float(found[0]["value"]) if found else None
            blocks.append(
                Figure(
                    f"township_{code}",
                    f"图{number}　{title}",
                    Chart(
                        f"township_{code}",
                        f"{title}（%）",
                        [name for _, name in townships],
                        [(label, values)],
                        threshold=threshold,
                        threshold_label=f"国家标准 {found[0]['comparator']}{_plain(found[0]['value'])}%"
                        if found
                        else "",
                    ),
                )
            )
            number += 1
    return blocks


def _notes(f: Figures, area: Area) -> list[Paragraph]:
    census = _cn_date(f.now.census_date)
    notes = [
        Paragraph(
            f"本报告数据由县域教育管理信息系统根据{f.now.year}—{f.now.year + 1}学年统计时点（{census}）的学校、学籍、"
            f"教职工和适龄人口登记记录计算，统计范围为{area.label}。"
        ),
        Paragraph(
            "各项指标的计算公式、分子分母和分乡镇数据见附件《指标明细》；比率均保留两位小数，"
            "与上年或基准年的比较以百分点计。"
        ),
        Paragraph("本稿为系统生成的数据稿，请核对数据、补充工作情况后上传修改稿，经审核后发布。"),
    ]
    if f.baseline:
        notes.insert(1, Paragraph(f"对比基准为{f.baseline}学年统计时点的数据；基准年未录入的学段不作比较。"))
    return notes


# Scope and evaluation ------------------------------------------------------------------------------------------


def _whole(name: str) -> str:
    if name.endswith("镇"):
        return "全镇"
    if name.endswith("乡"):
        return "全乡"
    return "辖区"


def scope_area(user) -> Area:
    """The area the user's scope covers: the county for administrators and county-wide users, else their
    township(s) or school(s)."""
    county_code = settings.EMIS_COUNTY_CODE
    school_ids, codes = scope_of(user)
    if covers(user, division=county_code):
        county = Division.objects.filter(code=county_code).first()
        name = county.name if county else county_code
        return Area(name, "county", f"{name}教育局", "全县", county)
    divisions = list(Division.objects.filter(code__in=codes).order_by("code"))
    if divisions and not school_ids:
        name = "、".join(d.name for d in divisions)
        whole = _whole(divisions[0].name) if len(divisions) == 1 else "辖区"
        return Area(name, "township", name, whole, divisions[0] if len(divisions) == 1 else None)
    schools = list(
        School.objects.filter(id__in=school_ids, parent__isnull=True).order_by("code").values_list("name", flat=True)
    )
    if not schools:
        schools = list(School.objects.filter(id__in=school_ids).order_by("code").values_list("name", flat=True))
    if not schools:
        return Area("（无管辖范围）", "schools", "", "辖区")
    name = "、".join(schools[:3]) + (f"等{len(schools)}所学校" if len(schools) > 3 else "")
    return Area(name, "schools", name, "本校" if len(schools) == 1 else "所辖学校")


def default_baseline(user, year: int) -> int | None:
    """Five years earlier when that school year exists (the plan's base year: 2015 for 2020)."""
    wanted = year - BASELINE_GAP
    return wanted if SchoolYear.objects.for_user(user).filter(start_year=wanted).exists() else None


def annual_draft(user, year: int, *, baseline: int | None = None) -> AnnualDraft:
    """The draft for `year` in the user's scope, compared with `baseline` (None: no comparison). Raises
    SchoolYear.DoesNotExist for a year that is not there."""
    with translation.override(REPORT_LANGUAGE):
        now = evaluate(user, year, by=("township",))
        kinds = evaluate(user, year, codes=["junior_school_count"], by=("category",))
        junior_kinds = {
            item.dimensions["category"]: item.value for item in kinds.rows("junior_school_count", "category")
        }
        then = evaluate(user, baseline) if baseline else None
        return build_draft(now, then, area=scope_area(user), junior_kinds=junior_kinds)


# Word ----------------------------------------------------------------------------------------------------------

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
LEAD_FONT = "楷体_GB2312"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def _run(paragraph, text: str, east_asian: str, *, size=None, bold=None):
    from docx.oxml.ns import qn

    run = paragraph.add_run(text)
    run.font.name = LATIN_FONT
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    return run


def _setup_document(document) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    heading = document.styles["Heading 1"]
    heading.font.name = LATIN_FONT
    heading.font.size = Pt(16)
    heading.font.bold = False
    heading.font.color.rgb = RGBColor(0, 0, 0)
    heading.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)
    heading.paragraph_format.first_line_indent = Pt(32)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.space_after = Pt(0)
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    heading.paragraph_format.line_spacing = Pt(28)


TABLE_STYLE = "报表表格文字"
TEXT_WIDTH_CM = 15.6  # A4 less the 2.8 cm and 2.6 cm side margins


def _table_style(document):
    """A paragraph style for table cells and notes (9 pt 宋体, single spacing), so that empty cells are as
    low as full ones."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if TABLE_STYLE in [style.name for style in document.styles]:
        return document.styles[TABLE_STYLE]
    style = document.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(9)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TABLE_FONT)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    style.paragraph_format.first_line_indent = Pt(0)
    return style


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _add_table(document, table: Table) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    style = _table_style(document)
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(10)
    caption.paragraph_format.keep_with_next = True
    _run(caption, table.title, HEADING_FONT, size=Pt(12))
    if table.unit:
        unit = document.add_paragraph(style=style)
        unit.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        unit.paragraph_format.keep_with_next = True
        _run(unit, f"单位：{table.unit}", TABLE_FONT)
    columns = len(table.header)
    first = TEXT_WIDTH_CM * (0.34 if columns <= 5 else 0.22)
    widths = [Cm(first)] + [Cm((TEXT_WIDTH_CM - first) / (columns - 1))] * (columns - 1)
    grid = document.add_table(rows=1 + len(table.rows), cols=columns)
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    _repeat_header(grid.rows[0])
    totals_from = len(table.rows) - table.total_rows
    for row_index, values in enumerate([table.header, *table.rows]):
        header = row_index == 0
        total = not header and row_index - 1 >= totals_from
        for col, value in enumerate(values):
            cell = grid.cell(row_index, col)
            cell.width = widths[col]
            paragraph = cell.paragraphs[0]
            paragraph.style = style
            if header:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif col > 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(paragraph, value, HEADING_FONT if header else TABLE_FONT, bold=total or None)
    for number, note in enumerate(table.notes, start=1):
        paragraph = document.add_paragraph(style=style)
        _run(paragraph, f"{'注：' if number == 1 else '　　'}{number}. {note}", TABLE_FONT)


def _add_figure(document, figure: Figure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Cm, Pt

    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    picture.paragraph_format.space_before = Pt(10)
    picture.add_run().add_picture(io.BytesIO(render_png(figure.chart)), width=Cm(15))
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(caption, figure.title, HEADING_FONT, size=Pt(12))


def docx_bytes(draft: AnnualDraft) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    _setup_document(document)
    properties = document.core_properties
    properties.title = draft.title
    properties.author = draft.area.issuer or "County EMIS"
    properties.subject = draft.subtitle.lstrip("—")
    properties.comments = draft.meta_line

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(36)
    _run(title, draft.title, TITLE_FONT, size=Pt(22))
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(subtitle, draft.subtitle, LEAD_FONT)
    meta = document.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta.paragraph_format.space_after = Pt(12)
    _run(meta, draft.meta_line, BODY_FONT, size=Pt(12))

    for section in draft.sections:
        document.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.first_line_indent = Pt(32)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
                if block.lead:
                    _run(paragraph, block.lead, LEAD_FONT, bold=True)
                _run(paragraph, block.text, BODY_FONT)
            elif isinstance(block, Table):
                _add_table(document, block)
            elif isinstance(block, Figure):
                _add_figure(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(draft: AnnualDraft, path) -> None:
    Path(path).write_bytes(docx_bytes(draft))


# The xlsx annex ----------------------------------------------------------------------------------------------


def _cell(sheet, row: int, col: int, value, formats: dict) -> None:
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), formats["two"])
    elif isinstance(value, int):
        sheet.write_number(row, col, value, formats["whole"])
    else:
        sheet.write(row, col, value)


def annex_bytes(draft: AnnualDraft) -> bytes:
    """附件《指标明细》: every indicator's total (with the baseline and the change) and its value by township,
    each with numerator and denominator, plus the definitions."""
    from emis.core.safe_export import safe_workbook

    buffer = io.BytesIO()
    workbook = safe_workbook(buffer, in_memory=True)
    formats = {
        "bold": workbook.add_format({"bold": True, "bg_color": "#f1f5fb", "border": 1}),
        "two": workbook.add_format({"num_format": "0.00"}),
        "whole": workbook.add_format({"num_format": "0"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }
    now, then = draft.now, draft.then
    year, baseline = draft.year, draft.baseline
    f = Figures(now, then, not_compared=NOT_COMPARED)
    with translation.override(REPORT_LANGUAGE):
        totals = workbook.add_worksheet("指标汇总")
        header = ["代码", "指标", "单位", f"{year}年值", "分子", "分母"]
        if baseline:
            header += [f"{baseline}年值", f"{baseline}年分子", f"{baseline}年分母", "变化"]
        totals.write_row(0, 0, header, formats["bold"])
        for row, (code, item) in enumerate(now.totals().items(), start=1):
            totals.write_row(row, 0, [code, item.name, UNITS[item.unit]])
            for col, value in ((3, item.value), (4, item.numerator), (5, item.denominator)):
                _cell(totals, row, col, value, formats)
            if baseline:
                base = then.get(code) if then is not None else None
                if base is not None:
                    for col, value in ((6, base.value), (7, base.numerator), (8, base.denominator)):
                        _cell(totals, row, col, value, formats)
                delta = _points(item.value, f.base(code))
                _cell(totals, row, 9, None if delta is None else (int(delta) if item.unit == COUNT else delta), formats)
        totals.set_column(0, 0, 30)
        totals.set_column(1, 1, 26)
        totals.set_column(2, 2, 6)
        totals.set_column(3, 9, 12)
        totals.freeze_panes(1, 2)

        townships = workbook.add_worksheet("分乡镇")
        townships.write_row(0, 0, ["代码", "指标", "单位", "乡镇代码", "乡镇", "值", "分子", "分母"], formats["bold"])
        order = {code: index for index, code in enumerate(REGISTRY)}
        rows = sorted(
            (item for item in now.values if item.dimension == "township"),
            key=lambda item: (order.get(item.code, 999), str(item.dimensions["township"])),
        )
        for row, item in enumerate(rows, start=1):
            townships.write_row(
                row, 0, [item.code, item.name, UNITS[item.unit], str(item.dimensions["township"] or ""), item.label]
            )
            for col, value in ((5, item.value), (6, item.numerator), (7, item.denominator)):
                _cell(townships, row, col, value, formats)
        townships.set_column(0, 0, 30)
        townships.set_column(1, 1, 26)
        townships.set_column(3, 4, 14)
        townships.set_column(5, 7, 12)
        townships.freeze_panes(1, 2)

        definitions = workbook.add_worksheet("指标定义")
        definitions.write_row(
            0, 0, ["代码", "指标", "单位", "计算公式与口径", "分子", "分母", "依据", "国家标准"], formats["bold"]
        )
        for row, (code, indicator) in enumerate(REGISTRY.items(), start=1):
            standard = "; ".join(
                f"{t['comparator']}{_plain(t['value'])} ({t['basis']})" for t in indicator.thresholds(now.rules)
            )
            definitions.write_row(
                row,
                0,
                [
                    code,
                    str(indicator.name),
                    UNITS[indicator.unit],
                    indicator.formula_text(now.rules),
                    indicator.numerator_text(now.rules),
                    indicator.denominator_text(now.rules),
                    indicator.source,
                    standard,
                ],
            )
        definitions.set_column(0, 0, 30)
        definitions.set_column(1, 1, 26)
        definitions.set_column(3, 3, 80)
        definitions.set_column(4, 5, 36)
        definitions.set_column(6, 7, 24)

        about = workbook.add_worksheet("说明")
        about.write(0, 0, f"{draft.title} 附件：指标明细", formats["title"])
        lines = [
            ("统计范围", draft.area.label),
            ("学年", f"{year}-{year + 1}"),
            ("统计时点", draft.census_date.isoformat()),
            ("对比基准年", str(baseline) if baseline else "无"),
            ("生成时间", timezone.localtime(draft.generated_at).strftime("%Y-%m-%d %H:%M")),
            ("说明", "值为空表示没有数据（分母为零）；比率为百分数，保留两位小数；变化一栏中比率以百分点计。"),
        ]
        for row, (label, value) in enumerate(lines, start=2):
            about.write(row, 0, label, formats["bold"])
            about.write(row, 1, value)
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 90)
    workbook.close()
    return buffer.getvalue()


def write_annex(draft: AnnualDraft, path) -> None:
    Path(path).write_bytes(annex_bytes(draft))
