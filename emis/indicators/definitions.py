"""The indicator definitions: code, names, formula (with the variant chosen), numerator, denominator, unit, source
and national thresholds, each with a compute function over the facts of emis.indicators.queries.

A compute function takes a Context and a dimension (None for the total) and returns {key: (numerator,
denominator)}; the engine turns that into values (percent with two decimals, ratio x:1 with two decimals, or an
integer count) and answers "no data" (None) for a zero denominator. Formula texts are translatable and carry
%(name)s placeholders filled from the rules (emis.indicators.rules), so the text always states the configured
age band, class-size threshold or staffing ratio. docs/indicators.md lists them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .queries import TOTAL, Context

PERCENT, COUNT, RATIO = "percent", "count", "ratio"
UNITS = {PERCENT: "%", COUNT: "", RATIO: ":1"}

SCHOOL_DIMS = ("county", "township", "category", "ownership", "urban_rural")
PUPIL_DIMS = (*SCHOOL_DIMS, "gender", "school")
CLASS_DIMS = (*SCHOOL_DIMS, "school")
ROW_DIMS = (*SCHOOL_DIMS, "school")
POPULATION_DIMS = ("county", "township", "gender")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: object  # lazy translation
    unit: str
    formula: object
    numerator: object
    denominator: object | None
    source: str
    compute: Callable[[Context, str | None], dict]
    dimensions: tuple[str, ...] = ()
    difference: bool = False  # value = numerator - denominator (the 编制 gap)
    cap: Decimal | None = None  # a percentage capped at this value (aggregate 巩固率: 100)
    threshold: Callable[[dict], tuple[str, Decimal, object] | None] | None = None
    # Raised whenever the definition changes what is counted; a snapshot frozen under another revision does not
    # stand for today's definition (figures.revised_codes).
    revision: int = 1

    def formula_text(self, rules: dict) -> str:
        return str(self.formula) % formula_params(rules)

    def numerator_text(self, rules: dict) -> str:
        return str(self.numerator) % formula_params(rules)

    def denominator_text(self, rules: dict) -> str:
        return "" if self.denominator is None else str(self.denominator) % formula_params(rules)

    @property
    def source_text(self) -> str:
        """Where the definition comes from, in words (``source`` keeps the section of the design documents)."""
        return source_text(self.source)

    def thresholds(self, rules: dict) -> list[dict]:
        """[{"comparator": "≥", "value": Decimal, "basis": text}] national thresholds, where they exist."""
        if self.threshold is None:
            return []
        found = self.threshold(rules)
        if found is None:
            return []
        comparator, value, basis = found
        return [{"comparator": comparator, "value": value, "basis": str(basis)}]


# The sections of the design documents an indicator's ``source`` names ("domain-rules 1.1, 1.7", "design 4"), in words.
SOURCE_SECTIONS = {
    "1.1": _("教育统计报表填报口径（统计时点为学年初 9 月 1 日，年龄按周岁计）"),
    "1.2": _("学前三年毛入园率的统计口径（在园幼儿数不分年龄，含学前班）"),
    "1.3": _("小学、初中净入学率与毛入学率的统计口径（湖北 6-3 学制）"),
    "1.4a": _("九年义务教育巩固率：按学籍追踪同一届学生"),
    "1.4b": _("九年义务教育巩固率：县域督导常用的汇总算法（毕业生数 ÷ 入学时招生数，计转入转出）"),
    "1.5": _("高中阶段毛入学率的统计口径（普通高中、成人高中与中职在校生 ÷ 15–17 周岁人口）"),
    "1.6": _("中职在校生 ÷ 15–17 周岁人口（本县自定口径，非国家标准指标）"),
    "1.7": _("学前教育法第二十三条与《县域学前教育普及普惠督导评估办法》（2020）"),
    "1.8": _("国发〔2016〕40 号：班额 56 人以上为大班额、66 人以上为超大班额"),
    "1.9": _("中央编办发〔2014〕72 号：中小学教职工编制标准（生师比）"),
    "design": _("本系统学校台账：教学点附属于小学，不计校数，学位数取学校核定规模"),
    "4": _("控辍保学“四查三比对”：户籍与学籍比对，县外就读经核实的计为在校"),
}
_SECTION = re.compile(r"(\d\.\d)(?: \(([ab])\))?")


def source_text(source: str) -> str:
    """ "domain-rules 1.1, 1.7" → the sections' descriptions in words, joined by "；"."""
    keys = [number + letter for number, letter in _SECTION.findall(source or "")]
    if "design" in (source or ""):
        keys.append("design")
    if "控辍保学" in (source or ""):  # section 4
        keys.append("4")
    found = [str(SOURCE_SECTIONS[key]) for key in dict.fromkeys(keys) if key in SOURCE_SECTIONS]
    return "；".join(found) or str(_("本系统统计口径"))


def formula_params(rules: dict) -> dict:
    params = {}
    bands = rules["age_bands"]
    for band, (low, high) in bands.items():
        params[band] = f"{low}–{high}"
    params["compulsory"] = f"{bands['primary'][0]}–{bands['junior'][1]}"
    params["large"] = rules["large_class_min"]
    params["super_large"] = rules["super_large_class_min"]
    for level, value in rules["staffing_ratios"].items():
        params[f"ratio_{level}"] = value
    params["rounding"] = str(_("向上取整") if rules["staffing_rounding"] == "ceil" else _("四舍五入"))
    return params


# Compute helpers ---------------------------------------------------------------------------------------------


def _value(row: dict | None, names) -> int | Decimal:
    if not row:
        return 0
    if isinstance(names, str):
        names = (names,)
    return sum((row.get(name) or 0 for name in names), 0)


def count(fact: str, names) -> Callable:
    def compute(ctx: Context, dim):
        rows = ctx.fact(fact, dim)
        if dim is TOTAL:
            return {TOTAL: (_value(rows.get(TOTAL), names), None)}
        return {key: (_value(row, names), None) for key, row in rows.items()}

    return compute


def fraction(numerator_fact: str, numerator, denominator_fact: str, denominator) -> Callable:
    """{key: (numerator, denominator)} over the union of the keys of both facts (a missing side counts 0)."""

    def compute(ctx: Context, dim):
        top, bottom = ctx.fact(numerator_fact, dim), ctx.fact(denominator_fact, dim)
        keys = [TOTAL] if dim is TOTAL else sorted(set(top) | set(bottom), key=_sort_key)
        return {key: (_value(top.get(key), numerator), _value(bottom.get(key), denominator)) for key in keys}

    return compute


def _sort_key(key):
    return (key is None, str(key))


def _cohort(ctx: Context, dim):
    rows = ctx.fact("cohort", dim)
    keys = [TOTAL] if dim is TOTAL else sorted(rows, key=_sort_key)
    return {
        key: (_value(rows.get(key), "retained"), _value(rows.get(key), "entrants") - _value(rows.get(key), "left"))
        for key in keys
    }


def _cohort_aggregate(ctx: Context, dim):
    rows = ctx.fact("cohort_flows", dim)
    keys = [TOTAL] if dim is TOTAL else sorted(rows, key=_sort_key)
    result = {}
    for key in keys:
        row = rows.get(key)
        base = _value(row, ("entrants", "transfers_in")) - _value(row, ("transfers_out", "deaths"))
        result[key] = (_value(row, "graduating"), base)
    return result


def _staffing_gap(ctx: Context, dim):
    rows = ctx.fact("school_totals", dim)
    keys = (
        [TOTAL] if dim is TOTAL else sorted((k for k, row in rows.items() if row.get("staffed_schools")), key=_sort_key)
    )
    return {key: (int(_value(rows.get(key), "need")), int(_value(rows.get(key), "staff_staffed"))) for key in keys}


def _threshold_from_rules(code: str, basis) -> Callable:
    def threshold(rules: dict):
        found = rules.get("thresholds", {}).get(code)
        if not found:
            return None
        comparator, value = found
        return comparator, Decimal(str(value)), basis

    return threshold


def _staffing_threshold(level: str) -> Callable:
    def threshold(rules: dict):
        return "≤", Decimal(str(rules["staffing_ratios"][level])), _("2014 年城乡统一中小学教职工编制标准")

    return threshold


# The registry --------------------------------------------------------------------------------------------------

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        code="kg_count",
        name=_("幼儿园数"),
        unit=COUNT,
        formula=_("统计时点存续的幼儿园所数（设立、撤并、撤销日期取自学校沿革）"),
        numerator=_("统计时点存续的幼儿园所数"),
        denominator=None,
        source="domain-rules 1.1, 1.7",
        compute=count("schools", "kg"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="kg_public_count",
        name=_("公办幼儿园数"),
        unit=COUNT,
        formula=_("统计时点存续的公办幼儿园所数"),
        numerator=_("统计时点存续的公办幼儿园所数"),
        denominator=None,
        source="domain-rules 1.7",
        compute=count("schools", "kg_public"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="kg_private_count",
        name=_("民办幼儿园数"),
        unit=COUNT,
        formula=_("统计时点存续的民办幼儿园所数"),
        numerator=_("统计时点存续的民办幼儿园所数"),
        denominator=None,
        source="domain-rules 1.7",
        compute=count("schools", "kg_private"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="kg_inclusive_count",
        name=_("普惠性幼儿园数"),
        unit=COUNT,
        formula=_("公办幼儿园所数 + 认定为普惠性的民办幼儿园所数（学前教育法第二十三条）"),
        numerator=_("公办幼儿园和普惠性民办幼儿园所数"),
        denominator=None,
        source="domain-rules 1.7",
        compute=count("schools", "kg_inclusive"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="kg_children",
        name=_("在园幼儿数"),
        unit=COUNT,
        formula=_("学前教育阶段（小班、中班、大班，含学前班）在籍在园幼儿数，不分年龄；休学、转出、辍学者不计"),
        numerator=_("在园幼儿数"),
        denominator=None,
        source="domain-rules 1.2",
        compute=count("enrolments", "preschool"),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="preschool_ger",
        name=_("学前三年毛入园率"),
        unit=PERCENT,
        formula=_(
            "在园幼儿数（不分年龄）÷ 适龄人口登记中 %(preschool)s 周岁人口数 × 100%%；"
            "分乡镇时分子按幼儿园所在乡镇，分母按户籍乡镇"
        ),
        numerator=_("在园幼儿数（不分年龄）"),
        denominator=_("%(preschool)s 周岁人口数（统计时点周岁）"),
        source="domain-rules 1.2",
        compute=fraction("enrolments", "preschool", "population", "preschool"),
        dimensions=POPULATION_DIMS,
        threshold=_threshold_from_rules("preschool_ger", _("县域学前教育普及普惠督导评估办法（2020）")),
    ),
    Indicator(
        code="inclusive_kg_coverage",
        name=_("普惠性幼儿园覆盖率"),
        unit=PERCENT,
        formula=_("（公办园在园幼儿 + 普惠性民办园在园幼儿）÷ 在园幼儿总数 × 100%%，按幼儿数而非园数计算"),
        numerator=_("公办园和普惠性民办园在园幼儿数"),
        denominator=_("在园幼儿数"),
        source="domain-rules 1.7",
        compute=fraction("enrolments", "preschool_inclusive", "enrolments", "preschool"),
        dimensions=PUPIL_DIMS,
        threshold=_threshold_from_rules("inclusive_kg_coverage", _("县域学前教育普及普惠督导评估办法（2020）")),
    ),
    Indicator(
        code="public_kg_share",
        name=_("公办园在园幼儿占比"),
        unit=PERCENT,
        formula=_("公办园在园幼儿数 ÷ 在园幼儿总数 × 100%%"),
        numerator=_("公办园在园幼儿数"),
        denominator=_("在园幼儿数"),
        source="domain-rules 1.7",
        compute=fraction("enrolments", "preschool_public", "enrolments", "preschool"),
        dimensions=PUPIL_DIMS,
        threshold=_threshold_from_rules("public_kg_share", _("县域学前教育普及普惠督导评估办法（2020）")),
    ),
    Indicator(
        code="primary_school_count",
        name=_("小学数"),
        unit=COUNT,
        formula=_("统计时点存续的小学所数；教学点不计校数"),
        numerator=_("小学所数（不含教学点）"),
        denominator=None,
        source="domain-rules 1.1; design 4",
        compute=count("schools", "primary"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="teaching_point_count",
        name=_("教学点数"),
        unit=COUNT,
        formula=_("统计时点存续的教学点个数（附属于小学，不计校数）"),
        numerator=_("教学点个数"),
        denominator=None,
        source="design 4",
        compute=count("schools", "teaching_point"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="primary_pupils",
        name=_("小学在校生数"),
        unit=COUNT,
        formula=_("小学阶段（一至六年级）在籍在读学生数，含教学点和九年一贯制等学校的小学段；休学者不计"),
        numerator=_("小学在校生数"),
        denominator=None,
        source="domain-rules 1.1",
        compute=count("enrolments", "primary"),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="junior_school_count",
        name=_("初中学校数"),
        unit=COUNT,
        formula=_("统计时点存续的设初中学段的学校数：初级中学、九年一贯制、十二年一贯制学校和完全中学"),
        numerator=_("设初中学段的学校数"),
        denominator=None,
        source="domain-rules 1.1",
        compute=count("schools", "junior"),
        dimensions=SCHOOL_DIMS,
    ),
    Indicator(
        code="junior_students",
        name=_("初中在校生数"),
        unit=COUNT,
        formula=_("初中阶段（七至九年级）在籍在读学生数；休学者不计"),
        numerator=_("初中在校生数"),
        denominator=None,
        source="domain-rules 1.1",
        compute=count("enrolments", "junior"),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="primary_ner",
        name=_("小学学龄儿童净入学率"),
        unit=PERCENT,
        formula=_(
            "统计口径：各校统计时点在校生中 %(primary)s 周岁、就读小学及以上学段的人数 ÷ 适龄人口登记中 "
            "%(primary)s 周岁人口数 × 100%%；分子按学校学籍计（含外县户籍的随迁子女，不含县外就读的本县儿童），"
            "提前就读初中的学龄儿童计入，休学者不计；分乡镇时分子按学校所在乡镇，分母按户籍乡镇"
        ),
        numerator=_("在校生中 %(primary)s 周岁、就读小学及以上学段的人数"),
        denominator=_("%(primary)s 周岁人口数"),
        source="domain-rules 1.3",
        compute=fraction("enrolments", "net_primary", "population", "primary"),
        dimensions=POPULATION_DIMS,
        revision=2,
    ),
    Indicator(
        code="primary_ger",
        name=_("小学毛入学率"),
        unit=PERCENT,
        formula=_(
            "小学在校生数（不分年龄）÷ %(primary)s 周岁人口数 × 100%%，可超过 100%%；"
            "分乡镇时分子按学校所在乡镇，分母按户籍乡镇"
        ),
        numerator=_("小学在校生数（不分年龄）"),
        denominator=_("%(primary)s 周岁人口数"),
        source="domain-rules 1.3",
        compute=fraction("enrolments", "primary", "population", "primary"),
        dimensions=POPULATION_DIMS,
    ),
    Indicator(
        code="junior_ner",
        name=_("初中净入学率"),
        unit=PERCENT,
        formula=_(
            "统计口径：各校统计时点在校生中 %(junior)s 周岁、就读初中及以上学段的人数 ÷ 适龄人口登记中 "
            "%(junior)s 周岁人口数 × 100%%；分子按学校学籍计（含外县户籍的随迁子女，不含县外就读的本县儿童），"
            "休学者不计；分乡镇时分子按学校所在乡镇，分母按户籍乡镇"
        ),
        numerator=_("在校生中 %(junior)s 周岁、就读初中及以上学段的人数"),
        denominator=_("%(junior)s 周岁人口数"),
        source="domain-rules 1.3",
        compute=fraction("enrolments", "net_junior", "population", "junior"),
        dimensions=POPULATION_DIMS,
        revision=2,
    ),
    Indicator(
        code="junior_ger",
        name=_("初中毛入学率"),
        unit=PERCENT,
        formula=_(
            "初中在校生数（不分年龄）÷ %(junior)s 周岁人口数 × 100%%，可超过 100%%；"
            "分乡镇时分子按学校所在乡镇，分母按户籍乡镇"
        ),
        numerator=_("初中在校生数（不分年龄）"),
        denominator=_("%(junior)s 周岁人口数"),
        source="domain-rules 1.3",
        compute=fraction("enrolments", "junior", "population", "junior"),
        dimensions=POPULATION_DIMS,
    ),
    Indicator(
        code="compulsory_enrolment_rate",
        name=_("义务教育适龄儿童少年入学率（户籍比对）"),
        unit=PERCENT,
        formula=_(
            "控辍保学口径：适龄人口登记中 %(compulsory)s 周岁儿童里在校者 ÷ %(compulsory)s 周岁人口数 × 100%%；"
            "在校指按身份证号匹配到本县任一学校当学年在籍在读（任一学段，休学、辍学不计），"
            "或列入当学年县外就读核实名单；每名儿童只计一次，不含外县户籍的随迁子女；分乡镇按户籍乡镇"
        ),
        numerator=_("%(compulsory)s 周岁人口中在本县学籍在读或经核实县外就读的人数"),
        denominator=_("%(compulsory)s 周岁人口数"),
        source="domain-rules 1.3, 4 (控辍保学)",
        compute=fraction("register_matches", "in_school", "population", "compulsory"),
        dimensions=POPULATION_DIMS,
        revision=2,
    ),
    Indicator(
        code="compulsory_retention",
        name=_("九年义务教育巩固率"),
        unit=PERCENT,
        formula=_(
            "队列法：N−8 学年首次注册一年级的学生中，N 学年在读或已毕业的九年级学生数 ÷ "
            "（该届一年级人数 − 期间转出县外或死亡且 N 学年不在本县学籍者）× 100%%；"
            "期间转入者不进入该届队列"
        ),
        numerator=_("该届学生中 N 学年在读九年级（或已毕业）的人数"),
        denominator=_("N−8 学年首次注册一年级人数减去转出县外、死亡人数"),
        source="domain-rules 1.4 (a)",
        compute=_cohort,
        dimensions=PUPIL_DIMS,
        threshold=_threshold_from_rules("compulsory_retention", _("国家中长期教育改革和发展规划纲要（2020 年目标）")),
    ),
    Indicator(
        code="compulsory_retention_aggregate",
        name=_("九年义务教育巩固率（汇总法）"),
        unit=PERCENT,
        formula=_(
            "汇总法：N 学年九年级在校生数 ÷（N−8 学年一年级在读新生数 + 期间自县外转入 − 转出 − 死亡）× 100%%，"
            "流动按该届当年所在年级计，最高 100%%"
        ),
        numerator=_("N 学年九年级在校生数"),
        denominator=_("N−8 学年一年级新生数 + 转入 − 转出 − 死亡"),
        source="domain-rules 1.4 (b)",
        compute=_cohort_aggregate,
        dimensions=POPULATION_DIMS,
        cap=Decimal(100),
        threshold=_threshold_from_rules(
            "compulsory_retention_aggregate", _("国家中长期教育改革和发展规划纲要（2020 年目标）")
        ),
    ),
    Indicator(
        code="large_class_ratio",
        name=_("大班额比例"),
        unit=PERCENT,
        formula=_(
            "义务教育阶段班额 %(large)s 人及以上的教学班数（含超大班额）÷ 义务教育阶段教学班总数 × 100%%；"
            "班额为班内在读学生数，无在读学生的班级不计"
        ),
        numerator=_("班额 %(large)s 人及以上的义务教育教学班数"),
        denominator=_("义务教育阶段教学班数"),
        source="domain-rules 1.8",
        compute=fraction("classes", "large", "classes", "classes"),
        dimensions=CLASS_DIMS,
        threshold=_threshold_from_rules("large_class_ratio", _("国发〔2016〕40号（2020 年底目标）")),
    ),
    Indicator(
        code="super_large_class_ratio",
        name=_("超大班额比例"),
        unit=PERCENT,
        formula=_("义务教育阶段班额 %(super_large)s 人及以上的教学班数 ÷ 义务教育阶段教学班总数 × 100%%"),
        numerator=_("班额 %(super_large)s 人及以上的义务教育教学班数"),
        denominator=_("义务教育阶段教学班数"),
        source="domain-rules 1.8",
        compute=fraction("classes", "super_large", "classes", "classes"),
        dimensions=CLASS_DIMS,
        threshold=_threshold_from_rules("super_large_class_ratio", _("国发〔2016〕40号（2018 年底目标）")),
    ),
    Indicator(
        code="upper_secondary_students",
        name=_("高中阶段在校生数"),
        unit=COUNT,
        formula=_("普通高中在校生数 + 中等职业教育在校生数"),
        numerator=_("高中阶段在校生数"),
        denominator=None,
        source="domain-rules 1.5",
        compute=count("enrolments", ("senior", "vocational")),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="vocational_students",
        name=_("中职在校生数"),
        unit=COUNT,
        formula=_("中等职业教育在校生数（本系统学籍；技工学校须另行录入）"),
        numerator=_("中职在校生数"),
        denominator=None,
        source="domain-rules 1.5",
        compute=count("enrolments", "vocational"),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="upper_secondary_ger",
        name=_("高中阶段毛入学率"),
        unit=PERCENT,
        formula=_(
            "高中阶段在校生数（普通高中 + 中职，不分年龄）÷ %(upper_secondary)s 周岁人口数 × 100%%；"
            "本县学籍在校生 / 本县户籍人口口径"
        ),
        numerator=_("高中阶段在校生数（不分年龄）"),
        denominator=_("%(upper_secondary)s 周岁人口数"),
        source="domain-rules 1.5",
        compute=fraction("enrolments", ("senior", "vocational"), "population", "upper_secondary"),
        dimensions=POPULATION_DIMS,
        threshold=_threshold_from_rules("upper_secondary_ger", _("高中阶段教育普及攻坚计划（2020 年目标）")),
    ),
    Indicator(
        code="vocational_ger",
        name=_("中职毛入学率"),
        unit=PERCENT,
        formula=_("中职在校生数 ÷ %(upper_secondary)s 周岁人口数 × 100%%（地方口径，非国家标准指标）"),
        numerator=_("中职在校生数（不分年龄）"),
        denominator=_("%(upper_secondary)s 周岁人口数"),
        source="domain-rules 1.6 [D]",
        compute=fraction("enrolments", "vocational", "population", "upper_secondary"),
        dimensions=POPULATION_DIMS,
    ),
    Indicator(
        code="general_vocational_ratio",
        name=_("普职比"),
        unit=RATIO,
        formula=_("普通高中在校生数 ÷ 中职在校生数，记为 x:1（按在校生，非招生数）"),
        numerator=_("普通高中在校生数"),
        denominator=_("中职在校生数"),
        source="domain-rules 1.6",
        compute=fraction("enrolments", "senior", "enrolments", "vocational"),
        dimensions=PUPIL_DIMS,
    ),
    Indicator(
        code="pupil_teacher_ratio_primary",
        name=_("小学生师比"),
        unit=RATIO,
        formula=_(
            "小学在校生数 ÷ 小学教职工数，记为 x:1；教职工为统计时点在岗人员（任职经历覆盖该日），教学点计入所属小学；"
            "多学段学校的教职工按各学段学生数 ÷ 编制标准（1:%(ratio_preschool)s、1:%(ratio_primary)s、"
            "1:%(ratio_junior)s、1:%(ratio_senior)s、1:%(ratio_vocational)s）的比例分摊"
        ),
        numerator=_("小学在校生数"),
        denominator=_("分摊到小学学段的教职工数"),
        source="domain-rules 1.9",
        compute=fraction("school_totals", "pupils:primary", "school_totals", "staff:primary"),
        dimensions=ROW_DIMS,
        threshold=_staffing_threshold("primary"),
    ),
    Indicator(
        code="pupil_teacher_ratio_junior",
        name=_("初中生师比"),
        unit=RATIO,
        formula=_(
            "初中在校生数 ÷ 初中教职工数，记为 x:1；多学段学校的教职工按各学段学生数 ÷ 编制标准的比例分摊"
            "（初中 1:%(ratio_junior)s）"
        ),
        numerator=_("初中在校生数"),
        denominator=_("分摊到初中学段的教职工数"),
        source="domain-rules 1.9",
        compute=fraction("school_totals", "pupils:junior", "school_totals", "staff:junior"),
        dimensions=ROW_DIMS,
        threshold=_staffing_threshold("junior"),
    ),
    Indicator(
        code="pupil_teacher_ratio_senior",
        name=_("普通高中生师比"),
        unit=RATIO,
        formula=_(
            "普通高中在校生数 ÷ 普通高中教职工数，记为 x:1；多学段学校的教职工按各学段学生数 ÷ 编制标准的比例分摊"
            "（高中 1:%(ratio_senior)s）"
        ),
        numerator=_("普通高中在校生数"),
        denominator=_("分摊到普通高中学段的教职工数"),
        source="domain-rules 1.9",
        compute=fraction("school_totals", "pupils:senior", "school_totals", "staff:senior"),
        dimensions=ROW_DIMS,
        threshold=_staffing_threshold("senior"),
    ),
    Indicator(
        code="staffing_gap",
        name=_("教职工编制缺口"),
        unit=COUNT,
        formula=_(
            "按校核定编制数 − 统计时点在岗教职工数（正数为缺编，负数为超编）；编制数 = Σ 各学段在校生 ÷ 标准比"
            "（小学 1:%(ratio_primary)s、初中 1:%(ratio_junior)s、高中 1:%(ratio_senior)s），每校%(rounding)s；"
            "限公办中小学，教学点计入所属小学"
        ),
        numerator=_("按标准核定的编制数"),
        denominator=_("统计时点在岗教职工数"),
        source="domain-rules 1.9",
        compute=_staffing_gap,
        dimensions=ROW_DIMS,
        difference=True,
    ),
    Indicator(
        code="place_utilisation",
        name=_("学位使用率"),
        unit=PERCENT,
        formula=_("在校生数 ÷ 学位数 × 100%%，超过 100%% 即学位不足；只计填报了学位数的学校，教学点计入所属小学"),
        numerator=_("填报了学位数的学校的在校生数"),
        denominator=_("学位数"),
        source="design 4 (School.capacity)",
        compute=fraction("school_totals", "pupils_at_capacity", "school_totals", "capacity"),
        dimensions=ROW_DIMS,
    ),
)

REGISTRY: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
CODES = tuple(REGISTRY)


def get(code: str) -> Indicator:
    return REGISTRY[code]


# The pupil records (enrolments, by level) each indicator reads. A school year whose registry holds no enrolment of
# one of these levels while another year does (the demo's 2015 kept only preschool and upper-secondary pupils) has
# no data for the indicator: its value is "—", never a count of 0 or a rate over the records that were kept.
_P, _PR, _J, _S, _V = "preschool", "primary", "junior", "senior", "vocational"
LEVELS_READ: dict[str, tuple[str, ...]] = {
    "kg_children": (_P,),
    "preschool_ger": (_P,),
    "inclusive_kg_coverage": (_P,),
    "public_kg_share": (_P,),
    "primary_pupils": (_PR,),
    "primary_ner": (_PR,),
    "primary_ger": (_PR,),
    "pupil_teacher_ratio_primary": (_PR,),
    "junior_students": (_J,),
    "junior_ner": (_J,),
    "junior_ger": (_J,),
    "pupil_teacher_ratio_junior": (_J,),
    "compulsory_enrolment_rate": (_PR, _J),
    "compulsory_retention": (_PR, _J),
    "compulsory_retention_aggregate": (_PR, _J),
    "large_class_ratio": (_PR, _J),
    "super_large_class_ratio": (_PR, _J),
    "upper_secondary_students": (_S, _V),
    "upper_secondary_ger": (_S, _V),
    "general_vocational_ratio": (_S, _V),
    "vocational_students": (_V,),
    "vocational_ger": (_V,),
    "pupil_teacher_ratio_senior": (_S,),
    "staffing_gap": (_PR, _J, _S),
    "place_utilisation": (_P, _PR, _J, _S, _V),
}
