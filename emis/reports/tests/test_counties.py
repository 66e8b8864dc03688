"""Many counties in one deployment (issue 12): the base tables and the annual report of a 市 department are broken
down by county with the city's total summed from the counties' counts; a county's users see their county only.

Beside 通山县 of .data, each test builds 崇阳县 421223 (in 咸宁市 4212, like 通山县), counted by hand:

    天城镇 421223100
      CP 天城小学      primary       public   urban   一年级1班: 3 boys + 2 girls on the roll
      CK 天城幼儿园    kindergarten  private  rural   小班1班: 1 boy + 1 girl on the roll
    staff: two active (female 二级教师 at CP, male 一级教师 at CK)
"""

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document
from python_calamine import CalamineWorkbook

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.orgs.models import Division
from emis.reports import stats
from emis.reports.annual.selectors import annual_draft, scope_area
from emis.reports.annual.word import docx_bytes
from emis.reports.charts import missing_glyphs
from emis.reports.models import AnnualReport
from emis.reports.selectors import annual_reports, may_edit_annual_report, report_area
from emis.students.models import SchoolClass
from emis.testing import make_division, make_enrollment, make_school, make_staff, make_student, make_user

from .helpers import cells

TONGSHAN, CHONGYANG = "通山县", "崇阳县"
OPENED = dt.date(2000, 9, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pupils_in(school_class, boys: int, girls: int) -> None:
    for n, gender in enumerate([GENDER_MALE] * boys + [GENDER_FEMALE] * girls):
        student = make_student(
            f"崇阳{school_class.pk}-{n}", school_class.school, birth=dt.date(2014, 3, 1), gender=gender
        )
        make_enrollment(student, school_class)


def add_county(sc, code: str = "421223", name: str = CHONGYANG, school_prefix: str = "4142") -> Division:
    """A second county of the city with one township, a primary school and a kindergarten (see the docstring)."""
    county = make_division(code, name, "county", sc.county.parent)
    township = make_division(f"{code}100", f"{name[:2]}天城镇", "township", county)
    primary = make_school(
        f"2{school_prefix}00901", f"{name[:2]}天城小学", "primary", township, urban_rural="urban", opened_on=OPENED
    )
    kindergarten = make_school(
        f"1{school_prefix}00902",
        f"{name[:2]}天城幼儿园",
        "kindergarten",
        township,
        ownership="private",
        urban_rural="rural",
        opened_on=OPENED,
    )
    pupils_in(SchoolClass.objects.create(school=primary, school_year=sc.year, grade="P1", name="1班"), 3, 2)
    pupils_in(SchoolClass.objects.create(school=kindergarten, school_year=sc.year, grade="K1", name="1班"), 1, 1)
    make_staff(f"{name}甲", primary, birth=dt.date(1990, 1, 1), gender=GENDER_FEMALE, title="second")
    make_staff(f"{name}乙", kindergarten, birth=dt.date(1985, 1, 1), gender=GENDER_MALE, title="first")
    return county


@pytest.fixture
def city_user(sc):
    add_county(sc)
    return make_user("stats_city", Role.CITY, divisions=[sc.county.parent])


def section_values(tbl: dict, area: str) -> list:
    return [row["values"] for row in next(s for s in tbl["sections"] if s["area"] == area)["rows"]]


# The base tables ------------------------------------------------------------------------------------------------


def test_a_city_users_tables_have_each_county_and_the_citys_total(sc, city_user):
    report = stats.base_tables(city_user, 2020)
    assert report["scope"]["label"] == "咸宁市全市" and report["scope"]["by"] == "county"
    assert report["total_area"] == "全市" and report["part_label"] == "县（市、区）"
    assert report["parts"] == [{"code": "421223", "name": CHONGYANG}, {"code": "421224", "name": TONGSHAN}]
    county_report = stats.base_tables(sc.users["leader"], 2020)
    for tbl, county_tbl in zip(report["tables"], county_report["tables"], strict=True):
        assert [s["area"] for s in tbl["sections"]] == ["全市", CHONGYANG, TONGSHAN]
        # 通山县's section holds exactly the county leader's 全县 figures.
        if tbl["key"] != "staff":
            assert section_values(tbl, TONGSHAN) == section_values(county_tbl, "全县")

    pupils = stats.table(report, "pupils")
    assert cells(pupils, CHONGYANG, "合计") == {"合计": 7, "男": 4, "女": 3}
    assert cells(pupils, TONGSHAN, "合计") == {"合计": 318, "男": 164, "女": 154}
    assert cells(pupils, "全市", "合计") == {"合计": 325, "男": 168, "女": 157}
    schools = stats.table(report, "schools")
    assert cells(schools, CHONGYANG, "合计")["合计"] == 2
    assert cells(schools, "全市", "合计")["合计"] == cells(schools, TONGSHAN, "合计")["合计"] + 2
    # Every figure of the total is the sum of the counties' (shares recomputed from the summed counts).
    for tbl in report["tables"]:
        for (total, *_), (one, *_), (two, *_) in zip(
            *(section_values(tbl, area) for area in ("全市", CHONGYANG, TONGSHAN)), strict=True
        ):
            assert total == one + two, tbl["key"]
    classes = stats.table(report, "classes")
    row = cells(classes, "全市", "合计")
    large = "大班额（56人及以上）"
    assert row[f"{large}/占比"] == row[f"{large}/班数"] / row["班级数"]
    staff = stats.table(report, "staff")
    assert cells(staff, CHONGYANG)["合计"] == 2 and cells(staff, "全市")["合计"] == cells(staff, TONGSHAN)["合计"] + 2


def test_a_county_leaders_tables_hold_only_their_county(sc, city_user):
    report = stats.base_tables(sc.users["leader"], 2020)
    assert report["scope"]["label"] == "通山县全县" and report["scope"]["by"] == "township"
    assert [p["code"][:6] for p in report["parts"]] == ["421224", "421224"]
    assert cells(stats.table(report, "pupils"), "全县", "合计")["合计"] == 318
    assert all(CHONGYANG not in s["area"] for t in report["tables"] for s in t["sections"])


def test_the_administrator_of_a_city_deployment_gets_the_city(sc, city_user, settings):
    report = stats.base_tables(sc.users["admin"], 2020)
    assert report["scope"]["label"] == "咸宁市全市"
    assert [p["name"] for p in report["parts"]] == [CHONGYANG, TONGSHAN]
    # A deployment set up for one county keeps the county's tables.
    settings.EMIS_AREA_CODE = "421224"
    report = stats.base_tables(sc.users["admin"], 2020)
    assert report["scope"]["label"] == "通山县全县" and report["total_area"] == "全县"


def test_the_city_download_is_named_for_the_city_and_lists_the_counties(sc, city_user):
    response = client_for(city_user).get("/reports/stats/download/", {"year": 2020})
    assert response.status_code == 200
    assert "教育事业统计基表_2020-2021学年_咸宁市全市.xlsx" in unquote(response["Content-Disposition"])
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_name("在校生数").to_python()
    assert [r[:3] for r in rows if r[1] == "合计"][:3] == [
        ["全市", "合计", 325],
        [CHONGYANG, "合计", 7],
        [TONGSHAN, "合计", 318],
    ]
    cover = book.get_sheet_by_name("说明").to_python()
    assert ["包含县（市、区）", "2 个：崇阳县、通山县"] in [r[:2] for r in cover]
    page = client_for(city_user).get("/reports/stats/", {"year": 2020}).content.decode()
    assert "咸宁市全市" in page


def test_the_city_tables_take_as_many_queries_whatever_the_number_of_counties(sc, city_user):
    with CaptureQueriesContext(connection) as two:
        stats.base_tables(city_user, 2020)
    add_county(sc, "421221", "嘉鱼县", "4143")
    with CaptureQueriesContext(connection) as three:
        report = stats.base_tables(city_user, 2020)
    assert len(report["parts"]) == 3
    assert len(three.captured_queries) <= len(two.captured_queries) <= 12


# The annual report ----------------------------------------------------------------------------------------------


def test_the_annual_report_drafts_for_a_city(sc, city_user):
    area = scope_area(city_user)
    assert (area.kind, area.issuer, area.whole, area.label) == ("city", "咸宁市教育局", "全市", "咸宁市全市")
    draft = annual_draft(city_user, 2020)
    assert draft.title == "咸宁市教育局2020年度工作报告"
    headings = [section.heading for section in draft.sections]
    assert "三、分县（市、区）情况" in headings
    counts = next(t for t in draft.tables() if t.key == "county_counts")
    assert counts.header[0] == "县（市、区）"
    pupils = counts.header.index("小学在校生")
    assert [(row[0], row[pupils]) for row in counts.rows] == [(CHONGYANG, "5"), (TONGSHAN, "177"), ("合计", "182")]

    document = Document(io.BytesIO(docx_bytes(draft)))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    for expected in ("咸宁市", CHONGYANG, TONGSHAN, "全市", "各县（市、区）"):
        assert expected in text, expected
    assert "全县" not in text and "分乡镇" not in text
    assert missing_glyphs("".join(f.chart.all_text() for f in draft.figures())) == set()


def test_the_city_draft_downloads_and_its_annex_is_by_county(sc, city_user):
    client = client_for(city_user)
    response = client.get("/reports/annual/draft/", {"year": 2020, "baseline": "none"})
    assert response.status_code == 200
    assert "咸宁市教育局2020年度工作报告" in unquote(response["Content-Disposition"])
    Document(io.BytesIO(response.content))  # opens with python-docx
    annex = client.get("/reports/annual/annex/", {"year": 2020, "baseline": "none"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(annex.content))
    assert "分县（市、区）" in book.sheet_names
    rows = book.get_sheet_by_name("分县（市、区）").to_python()[1:]
    assert {row[4]: row[5] for row in rows if row[0] == "primary_pupils"} == {CHONGYANG: 5, TONGSHAN: 177}


def test_the_county_draft_is_unchanged_beside_another_county(sc, city_user):
    draft = annual_draft(sc.users["leader"], 2020)
    assert draft.title == "通山县教育局2020年度工作报告" and draft.area.label == "通山县全县"
    assert "三、分乡镇情况" in [section.heading for section in draft.sections]
    assert CHONGYANG not in "".join(draft.paragraphs())
    assert all(CHONGYANG not in cell for t in draft.tables() for row in t.rows for cell in row)


def test_a_city_user_reads_the_citys_report_but_may_not_upload_or_publish(sc, city_user):
    city = sc.county.parent
    assert report_area(city_user) == city and report_area(sc.users["leader"]) == sc.county
    assert report_area(sc.users["township"]) is None
    assert not may_edit_annual_report(city_user, city)
    client = client_for(city_user)
    page = client.get("/reports/annual/", {"year": 2020, "baseline": "none"}).content.decode()
    assert 'data-testid="annual-upload-form"' not in page and "咸宁市2020" in page
    upload = io.BytesIO(b"x")
    upload.name = "报告.docx"
    assert client.post("/reports/annual/upload/", {"year": 2020, "file": upload}).status_code == 404
    report = AnnualReport.objects.create(division=city, school_year=sc.year, file_name="a.docx")
    report.file.save("a.docx", ContentFile(b"x"))
    assert client.post(f"/reports/annual/{report.pk}/publish/").status_code == 404
    assert client.get(f"/reports/annual/{report.pk}/file/").status_code == 200
    # The administrator may write the city's report.
    assert may_edit_annual_report(sc.users["admin"], city)


def test_a_county_user_never_sees_another_countys_annual_reports(sc, city_user):
    chongyang = Division.objects.get(code="421223")
    theirs = AnnualReport.objects.create(division=chongyang, school_year=sc.year, file_name="c.docx")
    theirs.file.save("c.docx", ContentFile(b"x"))
    ours = AnnualReport.objects.create(division=sc.county, school_year=sc.year, file_name="t.docx")
    ours.file.save("t.docx", ContentFile(b"x"))
    leader = sc.users["leader"]
    assert list(annual_reports(leader)) == [ours]
    assert client_for(leader).get(f"/reports/annual/{theirs.pk}/file/").status_code == 404
    assert client_for(leader).get(f"/reports/annual/{ours.pk}/file/").status_code == 200
    assert set(annual_reports(city_user)) == {theirs, ours}
    # The city's report is not the county's to read either.
    city_report = AnnualReport.objects.create(division=sc.county.parent, school_year=sc.year_2019, file_name="s.docx")
    assert city_report not in annual_reports(leader)
