"""The report's prose: the Chinese sentences of section 一 (the year's achievements, one numbered paragraph per
level with each figure, its change since the baseline and its national standard) and of the closing notes.

Kept as Chinese sentence templates rather than gettext msgids: the bureau files the report in Chinese whatever
language the person downloading it reads (see emis.reports.annual), and a translated sentence would not be the
document it publishes.
"""

from __future__ import annotations

from emis.indicators.definitions import PERCENT, RATIO
from emis.indicators.figures import Figures
from emis.orgs.choices import SchoolCategory

from .blocks import Area, Paragraph
from .wording import CN_NUMBERS, cn_date, count_phrase, difference, fmt, plain_number, points_phrase, standard_phrase

# Categories that count as 初中学校 besides the 初级中学 itself, in the order the report names them.
JUNIOR_KINDS = (SchoolCategory.NINE_YEAR, SchoolCategory.TWELVE_YEAR, SchoolCategory.COMPLETE_SECONDARY)


def _paren(text: str) -> str:
    return f"（{text}）" if text else ""


def _join(*parts: str, sep: str = "，") -> str:
    return sep.join(part for part in parts if part)


def _points_text(f: Figures, code: str) -> str:
    return points_phrase(f.value(code), f.base(code), f.baseline)


def _change_text(f: Figures, code: str, unit: str) -> str:
    return count_phrase(f.value(code), f.base(code), f.baseline, unit)


def _standard_text(f: Figures, code: str) -> str:
    return standard_phrase(f.now, code, f.value(code))


def _pct_text(f: Figures, code: str) -> str:
    return fmt(f.value(code), PERCENT)


def _number(items: list) -> str:
    return f"（{CN_NUMBERS[len(items)]}）"


def achievements(f: Figures, area: Area, junior_kinds: dict[str, int]) -> list[Paragraph]:
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
    delta = difference(f.value(code), f.base(code))
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
            if (f.base("large_class_ratio") is not None and difference(large.value, f.base("large_class_ratio")) < 0)
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
            + f"（编制标准分别为{'、'.join(f'{plain_number(standards[level])}:1' for _, _, level in ratios)}）"
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


def notes(f: Figures, area: Area) -> list[Paragraph]:
    census = cn_date(f.now.census_date)
    notes = [
        Paragraph(
            f"本报告数据由县域教育管理信息系统根据{f.now.year}—{f.now.year + 1}学年统计时点（{census}）的学校、学籍、"
            f"教职工和适龄人口登记记录计算，统计范围为{area.label}。"
        ),
        Paragraph(
            f"各项指标的计算公式、分子分母和分{area.part_label}数据见附件《指标明细》；比率均保留两位小数，"
            "与上年或基准年的比较以百分点计。"
        ),
        Paragraph("本稿为系统生成的数据稿，请核对数据、补充工作情况后上传修改稿，经审核后发布。"),
    ]
    if area.part == "county":
        notes.insert(
            1,
            Paragraph(
                f"{area.whole}数据为各县（市、区）数据的汇总：比率由各县（市、区）的分子、分母分别相加后计算，"
                "不是各县（市、区）比率的平均。"
            ),
        )
    if f.baseline:
        notes.insert(1, Paragraph(f"对比基准为{f.baseline}学年统计时点的数据；基准年未录入的学段不作比较。"))
    return notes
