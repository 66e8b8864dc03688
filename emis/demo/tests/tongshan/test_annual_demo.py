"""`emis report annual` on the 通山县 demo county states the published 2020 figures, in the right sentences.

The county is loaded once per run for this package (the `tongshan` fixture of conftest.py), and the report
and its annex are written once by the command itself; the tests read the .docx back with python-docx and the
annex with python-calamine. The figures are written out as literals from
shared/reference/tongshan-published-figures.md, not read from the generator.
"""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from docx import Document
from python_calamine import CalamineWorkbook

from emis.accounts.models import User
from emis.indicators.definitions import REGISTRY
from emis.reports.annual.draft import build_draft
from emis.reports.annual.selectors import annual_draft, scope_area
from emis.reports.charts import missing_glyphs


@pytest.fixture(scope="module")
def demo(tongshan):
    return tongshan.admin


@pytest.fixture(scope="module")
def written(demo, django_db_blocker, tmp_path_factory):
    """The report and annex as `emis report annual --year 2020 --out … --annex …` writes them (baseline: the
    default, five years earlier)."""
    directory = tmp_path_factory.mktemp("annual")
    out, annex = directory / "report.docx", directory / "annex.xlsx"
    stdout = io.StringIO()
    # In a savepoint rolled back at once: the other modules of the package see the county as loaded.
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("report", "annual", "--year", "2020", "--out", str(out), "--annex", str(annex), stdout=stdout)
        transaction.set_rollback(True)
    return {"docx": Document(str(out)), "annex": CalamineWorkbook.from_path(str(annex)), "stdout": stdout.getvalue()}


def paragraph_texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def sentence(document, *needles: str) -> str:
    """The one sentence (up to 。 or ；) of the report's body that contains every needle."""
    found = [
        part
        for text in paragraph_texts(document)
        for part in re.split(r"[。；]", text)
        if all(needle in part for needle in needles)
    ]
    assert len(found) == 1, f"{needles}: {found}"
    return found[0]


def table_rows(document, title: str) -> list[list[str]]:
    """The rows of the table whose caption (the paragraph before it) is `title`."""
    body = document.element.body
    captions = [p for p in document.paragraphs if p.text == title]
    assert captions, title
    element = captions[0]._p.getnext()
    while element is not None and element.tag.rsplit("}", 1)[-1] != "tbl":
        element = element.getnext()
    table = next(t for t in document.tables if t._tbl is element)
    assert table._tbl.getparent() is body
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_command_reports_what_it_wrote(written):
    assert "通山县教育局2020年度工作报告" in written["stdout"]
    assert "对比基准：2015年" in written["stdout"]
    assert written["stdout"].count("已写入") == 2


def test_title_and_headings_in_the_bureau_style(written):
    texts = paragraph_texts(written["docx"])
    assert texts[0] == "通山县教育局2020年度工作报告"
    assert "统计时点：2020年9月1日" in texts[2] and "统计范围：通山县全县" in texts[2]
    headings = [p.text for p in written["docx"].paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、2020年教育事业发展主要成就", "二、主要指标完成情况", "三、分乡镇情况", "四、有关说明"]
    leads = [text[:3] for text in texts if re.match(r"（[一二三四五]）", text)]
    assert leads == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_kindergartens_sentence(written):
    text = sentence(written["docx"], "幼儿园96所")
    assert text.startswith("2020年秋，全县共有幼儿园96所")
    assert "其中公办幼儿园29所（比2015年增加8所）" in text
    assert "民办幼儿园67所（比2015年增加10所）" in text
    assert "公办及普惠性民办幼儿园共计70所" in text
    assert "在园幼儿16266人" in text
    assert "学前三年毛入园率达到91.05%，比2015年提高6.05个百分点" in text


def test_compulsory_schools_sentence(written):
    primary = sentence(written["docx"], "小学73所")
    assert "全县共有小学73所（另有教学点112个），学生44684人" in primary
    junior = sentence(written["docx"], "初中学校28所")
    assert re.search(r"初中学校28所（含[^）]*十二年一贯制学校2所[^）]*），学生19709人", junior), junior


def test_large_classes_sentence(written):
    text = sentence(written["docx"], "大班额与班额总量之比")
    assert "义务教育大班额与班额总量之比为3.65%" in text
    assert "低于国家规定的5%" in text


def test_upper_secondary_sentences(written):
    upper = sentence(written["docx"], "高中阶段在校学生")
    assert "高中阶段在校学生人数由2015年的4816人增长到7551人" in upper
    assert "高中阶段教育毛入学率达到98.00%，比2015年提高6.14个百分点" in upper
    vocational = sentence(written["docx"], "中职在校学生")
    assert "中职在校学生人数由2015年的1274人增长到2383人" in vocational
    assert "中职毛入学率达到30.93%，比2015年提高6.63个百分点" in vocational


def test_tables(written):
    document = written["docx"]
    indicators = {row[0]: row[1:] for row in table_rows(document, "表1　主要指标完成情况")}
    assert indicators["学前三年毛入园率"] == ["85.00%", "91.05%", "+6.05个百分点", "≥85%"]
    assert indicators["高中阶段毛入学率"] == ["91.86%", "98.00%", "+6.14个百分点", "≥90%"]
    assert indicators["大班额比例"] == ["—", "3.65%", "—", "≤5%"]
    assert indicators["小学在校生数"][0] == "—"  # 2015 has no primary records in the demo: not compared
    kindergartens = {row[0].strip(): row[1:] for row in table_rows(document, "表2　幼儿园基本情况（按办别）")}
    assert kindergartens["公办幼儿园"][:3] == ["29", "21", "+8"]
    assert kindergartens["民办幼儿园"][:3] == ["67", "57", "+10"]
    assert kindergartens["公办及普惠性民办幼儿园"][0] == "70"
    assert kindergartens["合计"][:4] == ["96", "78", "+18", "16266"]
    levels = {row[0].strip(): row[1:] for row in table_rows(document, "表3　各级各类学校和在校生")}
    assert levels["小学"][:2] == ["73", "44684"]
    assert levels["教学点"][0] == "112"
    assert levels["初中"][:2] == ["28", "19709"]
    assert levels["高中阶段"][1:4] == ["7551", "4816", "+2735"]
    townships = table_rows(document, "表4　分乡镇主要比率指标")
    assert townships[0][0] == "乡镇" and townships[-1][0] == "合计"
    assert townships[-1][1] == "91.05%" and townships[-1][-1] == "3.65%"
    assert len(townships) == 1 + 14 + 1  # header, the demo's 14 townships, total
    counts = table_rows(document, "表5　分乡镇学校和在校生")
    assert counts[-1] == ["合计", "96", "16266", "73", "112", "44684", "28", "19709"]
    assert sum(int(row[1]) for row in counts[1:-1]) == 96


def test_charts_are_images_with_captions(written):
    document = written["docx"]
    assert len(document.inline_shapes) == 3
    captions = [p.text for p in document.paragraphs if re.match(r"图\d　", p.text)]
    assert captions == ["图1　主要比率指标对比", "图2　各乡镇学前三年毛入园率", "图3　各乡镇义务教育大班额比例"]
    images = [rel.target_part.blob for rel in document.part.rels.values() if "image" in rel.reltype]
    assert len(images) == 3 and all(blob.startswith(b"\x89PNG") for blob in images)


def test_annex_has_every_indicator_total_and_by_township(written):
    workbook = written["annex"]
    assert workbook.sheet_names == ["指标汇总", "分乡镇", "指标定义", "说明"]
    totals = workbook.get_sheet_by_name("指标汇总").to_python()
    header, rows = totals[0], {row[0]: row for row in totals[1:]}
    assert header[:6] == ["代码", "指标", "单位", "2020年值", "分子", "分母"]
    assert header[6:] == ["2015年值", "2015年分子", "2015年分母", "变化"]
    assert set(rows) == set(REGISTRY)
    assert rows["preschool_ger"][1:10] == ["学前三年毛入园率", "%", 91.05, 16266, 17865, 85.0, 14163, 16662, 6.05]
    assert rows["upper_secondary_ger"][3:6] == [98.0, 7551, 7705]
    assert rows["vocational_ger"][3:6] == [30.93, 2383, 7705]
    assert rows["vocational_ger"][9] == pytest.approx(6.63)
    assert rows["kg_count"][3] == 96 and rows["kg_count"][9] == 18
    assert rows["large_class_ratio"][3:6] == [3.65, 69, 1891]
    townships = workbook.get_sheet_by_name("分乡镇").to_python()
    assert townships[0] == ["代码", "指标", "单位", "乡镇代码", "乡镇", "值", "分子", "分母"]
    by_code: dict[str, list] = {}
    for row in townships[1:]:
        by_code.setdefault(row[0], []).append(row)
    # Every indicator with data has its township rows (the 巩固率 has no 2012 cohort in the demo, so no rows).
    assert set(by_code) == {code for code, row in rows.items() if row[4] or row[5]}
    assert len(by_code) >= len(REGISTRY) - 2
    assert sum(row[5] for row in by_code["kg_count"]) == 96
    assert sum(row[6] for row in by_code["preschool_ger"]) == 16266
    assert sum(row[7] for row in by_code["preschool_ger"]) == 17865
    assert {row[4] for row in by_code["kg_count"]} >= {"通羊镇", "南林桥镇", "开发区"}
    definitions = workbook.get_sheet_by_name("指标定义").to_python()
    assert len(definitions) == 1 + len(REGISTRY)


def test_chart_texts_have_glyphs_in_the_font(demo, db):
    draft = annual_draft(demo, 2020, baseline=2015)
    for figure in draft.figures():
        assert missing_glyphs(figure.chart.all_text()) == set(), figure.title


def test_township_user_gets_its_own_township(demo, db):
    user = User.objects.get(username="township")
    draft = annual_draft(user, 2020, baseline=2015)
    assert draft.title == "南林桥镇2020年度工作报告"
    text = "".join(draft.paragraphs())
    assert "全镇共有幼儿园6所" in text and "幼儿园96所" not in text
    assert "全镇共有小学6所（另有教学点10个），学生2819人" in text
    assert "学前三年毛入园率达到67.93%" in text


def test_school_user_gets_its_school_without_population_rates(demo, db):
    user = User.objects.get(username="school")
    draft = annual_draft(user, 2020)
    text = "".join(draft.paragraphs())
    assert draft.area.kind == "schools" and draft.area.whole == "本校"
    assert "本校共有小学1所" in text and "学生1748人" in text
    assert draft.paragraphs()[0].startswith("（一）义务教育")  # no kindergarten: no preschool paragraph
    assert "入园率" not in text  # no register in a school's scope: no population-based rate is stated


def test_without_a_baseline_nothing_is_compared(demo, db):
    draft = annual_draft(demo, 2020)
    assert draft.baseline is None
    text = "".join(draft.paragraphs())
    assert "比2015年" not in text and "由2015年" not in text
    assert "学前三年毛入园率达到91.05%，达到国家85%以上的标准" in text
    assert "高中阶段在校学生7551人" in text


def test_build_draft_is_pure(demo, db, django_assert_num_queries):
    from emis.indicators.engine import evaluate

    now, then = evaluate(demo, 2020, by=("township",)), evaluate(demo, 2015)
    area = scope_area(demo)
    with django_assert_num_queries(0):
        draft = build_draft(now, then, area=area, junior_kinds={"twelve_year": 2})
    assert draft.sections[0].blocks[1].text.count("十二年一贯制学校2所") == 1
    assert Decimal(str(now.value("preschool_ger"))) == Decimal("91.05")
