"""The workbook: opens with python-calamine, sheet names, headers, totals, scope, and its page setup."""

import io
import re
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from emis.reports import stats, xlsx

SHEETS = ["说明", "学校数", "在校生数", "班级班额", "教职工"]


def open_workbook(data: bytes) -> dict[str, list[list]]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: workbook.get_sheet_by_name(name).to_python() for name in workbook.sheet_names}


def body(rows: list[list]) -> list[list]:
    """Data rows: from row 5 (title, subtitle, two header rows) up to the blank line before the notes."""
    data = rows[xlsx.DATA_FIRST_ROW :]
    return data[: next(i for i, row in enumerate(data) if not any(row))]


def find(rows: list[list], *start) -> list:
    return next(row for row in body(rows) if tuple(row[: len(start)]) == start)


@pytest.fixture
def county_book(sc):
    return xlsx.workbook_bytes(stats.base_tables(sc.users["admin"], 2020))


@pytest.fixture
def township_book(sc):
    return xlsx.workbook_bytes(stats.base_tables(sc.users["township"], 2020))


def test_sheets_titles_and_headers(county_book):
    book = open_workbook(county_book)
    assert list(book) == SHEETS
    schools = book["学校数"]
    assert schools[0][0] == "表一 学校（机构）数（按办学类型、办别、城乡分类）"
    assert "2020-2021学年" in schools[1][0] and "统计时点：2020年9月1日" in schools[1][0]
    assert "统计范围：通山县全县" in schools[1][0] and "单位：所" in schools[1][0]
    assert schools[2] == ["区域", "办学类型", "合计", "公办", "", "", "", "民办", "", "", ""]
    assert schools[3] == ["", "", "", "小计", "城区", "镇区", "乡村", "小计", "城区", "镇区", "乡村"]
    classes = book["班级班额"]
    assert classes[3][3:13] == [
        "25及以下",
        "26-30",
        "31-35",
        "36-40",
        "41-45",
        "46-50",
        "51-55",
        "56-60",
        "61-65",
        "66及以上",
    ]
    assert classes[2][13] == "大班额（56人及以上）" and classes[2][15] == "超大班额（66人及以上）"
    assert book["教职工"][2][:3] == ["区域", "合计", "其中：女"]
    assert book["教职工"][3][3] == "正高级教师"


def test_totals_rows(county_book):
    book = open_workbook(county_book)
    # The first data row of every table is the county total.
    assert body(book["学校数"])[0] == ["全县", "合计", 4, 3, 1, 1, 1, 1, 0, 1, 0]
    teaching_points = find(book["学校数"], "全县", "附：教学点（不计校数）")
    assert teaching_points[2:] == [1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert find(book["学校数"], "通羊镇", "合计")[2] == 3
    assert find(book["学校数"], "南林桥镇", "合计")[2] == 1
    assert body(book["在校生数"])[0] == ["全县", "合计", 318, 164, 154]
    assert find(book["在校生数"], "通羊镇", "合计") == ["通羊镇", "合计", 253, 129, 124]
    assert find(book["在校生数"], "南林桥镇", "三年级") == ["南林桥镇", "三年级", 65, 35, 30]
    assert body(book["班级班额"])[0] == ["全县", "合计", 8, 3, 1, 0, 0, 0, 0, 1, 1, 1, 1, 3, 0.375, 1, 0.125]
    assert find(book["班级班额"], "南林桥镇", "合计")[2:] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1.0, 0, 0.0]
    assert find(book["班级班额"], "南林桥镇", "初中")[-4:] == [0, "", 0, ""]  # no classes: blank shares
    staff = body(book["教职工"])
    assert [row[0] for row in staff] == ["全县", "通羊镇", "南林桥镇"]
    assert staff[0][:3] == ["全县", 6, 4]
    assert staff[1][:3] == ["通羊镇", 5, 3] and staff[2][:3] == ["南林桥镇", 1, 1]
    # Every table's township sections add up to the county total.
    for name in SHEETS[1:]:
        rows = body(book[name])
        first_value = 1 if name == "教职工" else 2
        totals = [row for row in rows if name == "教职工" or row[1] == "合计"]
        assert totals[0][first_value] == sum(row[first_value] for row in totals[1:])


def test_cover_sheet_says_what_the_file_covers(county_book):
    cover = dict((row[0], row[1]) for row in open_workbook(county_book)["说明"] if row[0])
    assert cover["学年"] == "2020-2021学年"
    assert cover["统计时点"] == "2020年9月1日"
    assert cover["统计范围"] == "通山县全县"
    assert cover["包含乡镇"] == "2 个：通羊镇、南林桥镇"
    assert cover["生成人"] == "stats_admin"


def test_township_workbook_holds_only_that_township(township_book):
    book = open_workbook(township_book)
    assert list(book) == SHEETS
    text = "\n".join(str(cell) for rows in book.values() for row in rows for cell in row)
    assert "南林桥" not in text
    cover = dict((row[0], row[1]) for row in book["说明"] if row[0])
    assert cover["统计范围"] == "通羊镇"
    for name in SHEETS[1:]:
        assert {row[0] for row in body(book[name])} == {"合计", "通羊镇"}
    assert body(book["在校生数"])[0] == ["合计", "合计", 253, 129, 124]


def test_page_setup_panes_and_outline(county_book):
    """Read the sheet XML: landscape A4 fitted to one page wide, frozen header and area columns, header rows
    repeated when printing, outline groups with summary rows above, an autofilter."""
    with zipfile.ZipFile(io.BytesIO(county_book)) as archive:
        schools = archive.read("xl/worksheets/sheet2.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    assert 'orientation="landscape"' in schools and 'paperSize="9"' in schools
    assert 'fitToPage="1"' in schools and 'fitToHeight="0"' in schools  # fitToWidth 1 is the default
    assert re.search(r'<pane xSplit="2" ySplit="4" topLeftCell="C5"', schools)
    assert 'outlineLevel="1"' in schools and 'summaryBelow="0"' in schools
    assert "<autoFilter" in schools
    assert "<mergeCell " in schools
    assert "学校数!$3:$4" in workbook  # print titles
    assert "第 &amp;P 页，共 &amp;N 页" in schools


def test_filename(sc):
    report = stats.base_tables(sc.users["township"], 2020)
    assert xlsx.filename(report) == "教育事业统计基表_2020-2021学年_通羊镇.xlsx"
    report["scope"]["label"] = 'a/b:c*"d'
    assert xlsx.filename(report) == "教育事业统计基表_2020-2021学年_a_b_c_d.xlsx"


def test_writes_to_a_path(sc, tmp_path):
    path = tmp_path / "stats.xlsx"
    xlsx.write_workbook(stats.base_tables(sc.users["admin"], 2020), path)
    assert list(open_workbook(path.read_bytes())) == SHEETS
