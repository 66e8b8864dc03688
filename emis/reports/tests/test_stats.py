"""The four base tables on the hand-made county of .data: exact counts, band boundaries, scope."""

import datetime as dt

import pytest

from emis.orgs.models import SchoolYear
from emis.reports import stats
from emis.testing import make_division, make_school, make_staff

from .data import CENSUS, add_class
from .helpers import cells, row_labels

A, B = "通羊镇", "南林桥镇"
BANDS = ["25及以下", "26-30", "31-35", "36-40", "41-45", "46-50", "51-55", "56-60", "61-65", "66及以上"]
LARGE, SUPER = "大班额（56人及以上）", "超大班额（66人及以上）"


@pytest.fixture
def report(sc):
    return stats.base_tables(sc.users["admin"], 2020)


def schools(values):
    keys = ["合计"] + [f"{o}/{a}" for o in ("公办", "民办") for a in ("小计", "城区", "镇区", "乡村")]
    return dict(zip(keys, values, strict=True))


def classes(total, bands: dict, large, large_share, super_large, super_share):
    row = {"班级数": total}
    row.update({f"按班额分组（人）/{label}": bands.get(label, 0) for label in BANDS})
    row.update({f"{LARGE}/班数": large, f"{LARGE}/占比": large_share})
    row.update({f"{SUPER}/班数": super_large, f"{SUPER}/占比": super_share})
    return row


def test_report_header(report):
    assert report["year"] == 2020
    assert report["year_label"] == "2020-2021学年"
    assert report["title"] == "2020-2021学年教育事业统计基础基表"
    assert report["census_date"] == CENSUS
    assert report["scope"]["label"] == "通山县全县" and report["scope"]["county_wide"]
    assert report["total_area"] == "全县"
    assert report["parts"] == [{"code": "421224100", "name": A}, {"code": "421224101", "name": B}]
    assert [t["key"] for t in report["tables"]] == ["schools", "pupils", "classes", "staff"]
    for tbl in report["tables"]:
        assert [s["area"] for s in tbl["sections"]] == ["全县", A, B]


def test_schools_by_category_ownership_and_urban_rural(report):
    tbl = stats.table(report, "schools")
    assert row_labels(tbl, "全县") == [
        "合计",
        "幼儿园",
        "小学",
        "初级中学",
        "九年一贯制学校",
        "十二年一贯制学校",
        "完全中学",
        "高级中学",
        "中等职业学校",
        "特殊教育学校",
        "附：教学点（不计校数）",
    ]
    # PA, KA, JA, PB; the closed KC and the not yet opened KD are not counted, the teaching point is apart.
    assert cells(tbl, "全县", "合计") == schools([4, 3, 1, 1, 1, 1, 0, 1, 0])
    assert cells(tbl, "全县", "小学") == schools([2, 2, 1, 0, 1, 0, 0, 0, 0])
    assert cells(tbl, "全县", "幼儿园") == schools([1, 0, 0, 0, 0, 1, 0, 1, 0])
    assert cells(tbl, "全县", "初级中学") == schools([1, 1, 0, 1, 0, 0, 0, 0, 0])
    assert cells(tbl, "全县", "高级中学") == schools([0] * 9)
    assert cells(tbl, "全县", "附：教学点（不计校数）") == schools([1, 1, 0, 0, 1, 0, 0, 0, 0])
    assert cells(tbl, A, "合计") == schools([3, 2, 1, 1, 0, 1, 0, 1, 0])
    assert cells(tbl, A, "附：教学点（不计校数）")["合计"] == 1
    assert cells(tbl, B, "合计") == schools([1, 1, 0, 0, 1, 0, 0, 0, 0])
    assert cells(tbl, B, "幼儿园")["合计"] == 0
    assert cells(tbl, B, "附：教学点（不计校数）")["合计"] == 0


def test_schools_follow_the_census_date_of_the_year(sc):
    report = stats.base_tables(sc.users["admin"], 2019)
    tbl = stats.table(report, "schools")
    # On 2019-09-01 the kindergarten KC (closed 2020-07-01) still existed; KD (opened 2021) did not.
    assert cells(tbl, "全县", "合计")["合计"] == 5
    assert cells(tbl, B, "幼儿园") == schools([1, 1, 0, 0, 1, 0, 0, 0, 0])


def test_pupils_by_grade_and_gender(report):
    tbl = stats.table(report, "pupils")
    # Only levels with pupils are listed (no 普通高中, 中等职业教育).
    assert row_labels(tbl, "全县") == [
        "合计",
        "学前教育",
        "小班",
        "中班",
        "大班",
        "小学",
        "一年级",
        "二年级",
        "三年级",
        "四年级",
        "五年级",
        "六年级",
        "初中",
        "七年级",
        "八年级",
        "九年级",
    ]
    total = {label: list(cells(tbl, "全县", label).values()) for label in row_labels(tbl, "全县")}
    assert total["合计"] == [318, 164, 154]
    assert total["学前教育"] == [20, 10, 10]
    assert total["小班"] == [20, 10, 10]
    assert total["中班"] == [0, 0, 0]
    assert total["小学"] == [177, 96, 81]
    assert total["一年级"] == [56, 31, 25]  # PA 25 + 26, TP 5; the suspended, dropped-out and closed rows left out
    assert total["二年级"] == [56, 30, 26]
    assert total["三年级"] == [65, 35, 30]
    assert total["四年级"] == [0, 0, 0]  # only suspended pupils
    assert total["初中"] == [121, 58, 63]
    assert total["七年级"] == [121, 58, 63]  # transferred-in pupils are on the roll
    assert list(cells(tbl, A, "合计").values()) == [253, 129, 124]
    assert list(cells(tbl, B, "合计").values()) == [65, 35, 30]
    assert list(cells(tbl, B, "一年级").values()) == [0, 0, 0]


def test_classes_by_size_band(report):
    tbl = stats.table(report, "classes")
    assert [c["label"] for c in tbl["columns"]][1:11] == BANDS
    assert row_labels(tbl, "全县") == ["合计", "学前教育", "小学", "初中"]
    # Sizes 25, 26, 56, 5, 20, 55, 66, 65; the class with only suspended pupils is not a teaching class.
    assert cells(tbl, "全县", "合计") == classes(
        8, {"25及以下": 3, "26-30": 1, "51-55": 1, "56-60": 1, "61-65": 1, "66及以上": 1}, 3, 0.375, 1, 0.125
    )
    assert cells(tbl, "全县", "学前教育") == classes(1, {"25及以下": 1}, 0, 0.0, 0, 0.0)
    assert cells(tbl, "全县", "小学") == classes(5, {"25及以下": 2, "26-30": 1, "56-60": 1, "61-65": 1}, 2, 0.4, 0, 0.0)
    assert cells(tbl, "全县", "初中") == classes(2, {"51-55": 1, "66及以上": 1}, 1, 0.5, 1, 0.5)
    assert cells(tbl, A, "合计") == classes(
        7, {"25及以下": 3, "26-30": 1, "51-55": 1, "56-60": 1, "66及以上": 1}, 2, 2 / 7, 1, 1 / 7
    )
    assert cells(tbl, B, "合计") == classes(1, {"61-65": 1}, 1, 1.0, 0, 0.0)
    assert cells(tbl, B, "初中") == classes(0, {}, 0, None, 0, None)  # no classes: no share


@pytest.mark.parametrize(
    ("size", "band", "large", "super_large"),
    [
        (1, "25及以下", 0, 0),
        (25, "25及以下", 0, 0),
        (26, "26-30", 0, 0),
        (30, "26-30", 0, 0),
        (31, "31-35", 0, 0),
        (45, "41-45", 0, 0),
        (55, "51-55", 0, 0),
        (56, "56-60", 1, 0),
        (60, "56-60", 1, 0),
        (61, "61-65", 1, 0),
        (65, "61-65", 1, 0),
        (66, "66及以上", 1, 1),
        (90, "66及以上", 1, 1),
    ],
)
def test_class_size_band_boundaries(sc, size, band, large, super_large):
    year = SchoolYear.objects.create(start_year=2030, census_date=dt.date(2030, 9, 1))
    add_class(sc.schools["PB"], year, "P1", "1班", size, 0)
    report = stats.base_tables(sc.users["admin"], year)
    row = cells(stats.table(report, "classes"), "全县", "合计")
    assert row["班级数"] == 1
    assert {label for label in BANDS if row[f"按班额分组（人）/{label}"]} == {band}
    assert (row[f"{LARGE}/班数"], row[f"{SUPER}/班数"]) == (large, super_large)


def test_staff_by_title_qualification_and_age(report):
    tbl = stats.table(report, "staff")
    assert tbl["item_header"] is None  # one row per area
    county = cells(tbl, "全县")
    assert county["合计"] == 6 and county["其中：女"] == 4  # S6 is not active
    assert {k.split("/")[1]: v for k, v in county.items() if k.startswith("专业技术职务/")} == {
        "正高级教师": 1,
        "高级教师": 1,
        "一级教师": 1,
        "二级教师": 1,
        "三级教师": 1,
        "未定职级": 1,
    }
    assert {k.split("/")[1]: v for k, v in county.items() if k.startswith("最高学历/")} == {
        "研究生": 1,
        "本科": 2,
        "专科": 1,
        "高中（中专）": 1,
        "高中以下": 1,
    }
    assert {k.split("/")[1]: v for k, v in county.items() if k.startswith("年龄（统计时点周岁）/")} == {
        "25岁以下": 1,
        "25-29岁": 2,
        "30-34岁": 0,
        "35-39岁": 0,
        "40-44岁": 1,
        "45-49岁": 0,
        "50-54岁": 0,
        "55-59岁": 1,
        "60岁及以上": 1,
    }
    township_a, township_b = cells(tbl, A), cells(tbl, B)
    assert (township_a["合计"], township_a["其中：女"]) == (5, 3)
    assert (township_b["合计"], township_b["其中：女"]) == (1, 1)
    assert township_b["专业技术职务/正高级教师"] == 1 and township_b["年龄（统计时点周岁）/55-59岁"] == 1
    assert township_a["年龄（统计时点周岁）/60岁及以上"] == 1  # S4 at the teaching point, 60 on the census date


@pytest.mark.parametrize(
    ("birth", "band"),
    [
        (dt.date(1995, 9, 2), "25岁以下"),  # 24 on 2020-09-01
        (dt.date(1995, 9, 1), "25-29岁"),  # 25 on the day
        (dt.date(1990, 9, 2), "25-29岁"),
        (dt.date(1990, 9, 1), "30-34岁"),
        (dt.date(1960, 9, 2), "55-59岁"),
        (dt.date(1960, 9, 1), "60岁及以上"),
    ],
)
def test_staff_age_band_boundaries(sc, birth, band):
    township = make_division("421224102", "大畈镇", "township", sc.county)
    school = make_school("2142000301", "大畈小学", "primary", township, opened_on=dt.date(2000, 9, 1))
    make_staff("新教师", school, birth=birth)
    tbl = stats.table(stats.base_tables(sc.users["admin"], 2020), "staff")
    row = cells(tbl, "大畈镇")
    assert {k.split("/")[1] for k, v in row.items() if k.startswith("年龄") and v} == {band}


def test_leader_sees_the_county(sc, report):
    leader = stats.base_tables(sc.users["leader"], 2020)
    assert leader["scope"]["label"] == "通山县全县"
    assert leader["tables"] == report["tables"]


def test_township_user_gets_only_their_township(sc, report):
    mine = stats.base_tables(sc.users["township"], 2020)
    assert mine["scope"] == {
        "label": A,
        "county_wide": False,
        "whole": "合计",
        "division_codes": ["421224100"],
        "by": "township",
    }
    assert mine["parts"] == [{"code": "421224100", "name": A}]
    assert mine["total_area"] == "合计"
    for tbl, county_tbl in zip(mine["tables"], report["tables"], strict=True):
        assert [s["area"] for s in tbl["sections"]] == ["合计", A]
        # The scope total and the township section both hold exactly the county report's 通羊镇 numbers.
        expected = next(s for s in county_tbl["sections"] if s["area"] == A)["rows"]
        for section in tbl["sections"]:
            assert [r["values"] for r in section["rows"]] == [r["values"] for r in expected]
    assert cells(stats.table(mine, "pupils"), "合计", "合计") == {"合计": 253, "男": 129, "女": 124}


def test_school_user_gets_only_their_school(sc):
    mine = stats.base_tables(sc.users["school"], 2020)
    assert mine["scope"]["label"] == "学校：南林桥小学"
    assert mine["parts"] == [{"code": "421224101", "name": B}]
    assert cells(stats.table(mine, "schools"), "合计", "合计")["合计"] == 1
    assert cells(stats.table(mine, "pupils"), B, "合计")["合计"] == 65
    assert cells(stats.table(mine, "staff"), B)["合计"] == 1


def test_a_township_without_rows_is_listed_with_zeros(sc):
    make_division("421224102", "大畈镇", "township", sc.county)
    report = stats.base_tables(sc.users["leader"], 2020)
    assert [t["name"] for t in report["parts"]] == [A, B, "大畈镇"]
    assert cells(stats.table(report, "pupils"), "大畈镇", "合计") == {"合计": 0, "男": 0, "女": 0}


def test_unknown_year(sc):
    with pytest.raises(SchoolYear.DoesNotExist):
        stats.base_tables(sc.users["admin"], 1999)


def test_totals_agree_with_the_shared_selectors(sc, report):
    """The county totals match emis.students.selectors, which counts the same things another way."""
    from emis.students import selectors

    admin = sc.users["admin"]
    pupils = cells(stats.table(report, "pupils"), "全县", "合计")["合计"]
    assert pupils == selectors.on_roll_total(admin, school_year=2020)
    bands = selectors.class_size_bands(admin, school_year=2020)
    row = cells(stats.table(report, "classes"), "全县", "合计")
    assert row["班级数"] == bands["classes"]
    assert [row[f"按班额分组（人）/{label}"] for label in BANDS] == [b["classes"] for b in bands["bands"]]
