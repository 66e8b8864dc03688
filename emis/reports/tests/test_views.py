"""The page, the download, the command, and the number of queries as rows are added."""

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from emis.accounts.models import User
from emis.reports import stats
from emis.testing import make_division, make_school, make_staff

from .data import add_class, add_pupils

PAGE, DOWNLOAD = "/reports/stats/", "/reports/stats/download/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_rows(data: bytes, name: str) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()


def add_rows(sc) -> None:
    """More of everything: a new township with schools, classes, pupils and staff, and more in the old ones."""
    township = make_division("421224102", "大畈镇", "township", sc.county)
    opened = dt.date(2000, 9, 1)
    new_schools = [
        make_school("2142000301", "大畈小学", "primary", township, opened_on=opened),
        make_school("1142000302", "大畈幼儿园", "kindergarten", township, ownership="private", opened_on=opened),
        make_school("3142000303", "大畈初中", "junior", sc.township_a, urban_rural="rural", opened_on=opened),
    ]
    for i, school in enumerate([*new_schools, sc.schools["PA"], sc.schools["PB"]]):
        grade = {"kindergarten": "K2", "junior": "J2"}.get(school.category, "P5")
        for n in range(3):
            school_class = add_class(school, sc.year, grade, f"新{n}班", 20 + 7 * n + i, 18 + n)
            add_pupils(school_class, 1, 0, status="transferred_in")
        for n in range(4):
            make_staff(f"新{i}-{n}", school, birth=dt.date(1970 + 5 * n, 3, 1), title="second")


# The page ---------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(sc):
    for url in (PAGE, DOWNLOAD):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_page_shows_the_scope_summary_tables(sc):
    response = client_for(sc.users["leader"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2020-2021学年教育事业统计基础基表" in html
    assert "通山县全县" in html and "2020-09-01" in html
    for key in ("schools", "pupils", "classes", "staff"):
        assert f'data-testid="table-{key}"' in html
    assert "表三 教学班数及班额情况（按学段）" in html and "37.5%" in html and "12.5%" in html
    assert "<td>318</td>" in html
    assert f'href="{DOWNLOAD}?year=2020"' in html
    assert 'value="2019"' in html and 'value="2020" selected' in html
    assert 'href="/reports/stats/"' in html  # the menu entry
    assert "统计报表" in html


def test_page_for_another_year_and_unknown_years(sc):
    client = client_for(sc.users["leader"])
    response = client.get(PAGE, {"year": 2019})
    assert response.status_code == 200
    assert "2019-2020学年教育事业统计基础基表" in response.content.decode()
    assert client.get(PAGE, {"year": 1999}).status_code == 404
    assert client.get(PAGE, {"year": "abc"}).status_code == 404
    assert client.get(DOWNLOAD, {"year": 1999}).status_code == 404


def test_township_page_shows_only_its_township(sc):
    html = client_for(sc.users["township"]).get(PAGE).content.decode()
    scope = html.split('data-testid="report-scope"', 1)[1].split("</div>", 1)[0]
    assert "统计范围：通羊镇" in scope
    assert "南林桥" not in html
    assert "<td>253</td>" in html


# The download -----------------------------------------------------------------------------------------------


def test_download_is_an_xlsx_named_for_year_and_scope(sc):
    response = client_for(sc.users["leader"]).get(DOWNLOAD, {"year": 2020})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment;")
    assert "教育事业统计基表_2020-2021学年_通山县全县.xlsx" in disposition
    rows = sheet_rows(response.content, "在校生数")
    assert rows[4] == ["全县", "合计", 318, 164, 154]


def test_download_defaults_to_the_current_year(sc):
    response = client_for(sc.users["admin"]).get(DOWNLOAD)
    assert response.status_code == 200
    assert "2020-2021学年" in unquote(response["Content-Disposition"])


def test_township_download_holds_only_its_township(sc):
    response = client_for(sc.users["township"]).get(DOWNLOAD, {"year": 2020})
    assert response.status_code == 200
    assert "通羊镇" in unquote(response["Content-Disposition"])
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    text = "".join(str(c) for n in book.sheet_names for row in book.get_sheet_by_name(n).to_python() for c in row)
    assert "通羊镇" in text and "南林桥" not in text
    assert sheet_rows(response.content, "在校生数")[4] == ["合计", "合计", 253, 129, 124]


def test_download_answers_get_only(sc):
    assert client_for(sc.users["leader"]).post(DOWNLOAD).status_code == 405


# Queries do not grow with rows -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "leader", "township", "school"])
def test_query_count_does_not_grow_with_rows(sc, who, django_assert_max_num_queries):
    def fresh_user():  # no cached scope: each run pays for it
        return User.objects.get(pk=sc.users[who].pk)

    with CaptureQueriesContext(connection) as before:
        small = stats.base_tables(fresh_user(), 2020)
    add_rows(sc)
    with django_assert_max_num_queries(len(before.captured_queries)):
        large = stats.base_tables(fresh_user(), 2020)
    assert len(before.captured_queries) <= 12
    if who != "school":
        assert small["tables"] != large["tables"]  # rows were added inside the scope


def test_download_query_count_does_not_grow_with_rows(sc, django_assert_max_num_queries):
    client = client_for(sc.users["leader"])
    with CaptureQueriesContext(connection) as before:
        client.get(DOWNLOAD, {"year": 2020})
    add_rows(sc)
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(DOWNLOAD, {"year": 2020})
    assert sheet_rows(response.content, "在校生数")[4][2] > 318
    assert "大畈镇" in [row[0] for row in sheet_rows(response.content, "在校生数")]


def test_page_query_count_does_not_grow_with_rows(sc, django_assert_max_num_queries):
    client = client_for(sc.users["township"])
    with CaptureQueriesContext(connection) as before:
        client.get(PAGE)
    add_rows(sc)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(PAGE).status_code == 200


# The command ------------------------------------------------------------------------------------------------


def test_command_exports_as_the_first_superuser(sc, tmp_path):
    out = io.StringIO()
    path = tmp_path / "stats.xlsx"
    call_command("export_stats", "--year", "2020", "--out", str(path), stdout=out)
    text = out.getvalue()
    assert "通山县全县" in text and "学校 4 所，在校生 318 人，教学班 8 个，教职工 6 人" in text
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["说明", "学校数", "在校生数", "班级班额", "教职工"]
    assert book.get_sheet_by_name("学校数").to_python()[4][:3] == ["全县", "合计", 4]


def test_command_as_a_township_user(sc, tmp_path):
    out = io.StringIO()
    path = tmp_path / "township.xlsx"
    call_command("export_stats", "--year", "2020", "--out", str(path), "--as", "stats_township", stdout=out)
    assert "统计范围：通羊镇（1 个乡镇）" in out.getvalue()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("在校生数").to_python()
    assert {row[0] for row in rows[4:] if row and row[0] and not str(row[0]).startswith(("注", "　"))} == {
        "合计",
        "通羊镇",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999", "--out", "{tmp}/a.xlsx"], "没有 1999 学年"),
        (["--year", "2020", "--out", "{tmp}/a.csv"], ".xlsx"),
        (["--year", "2020", "--out", "{tmp}/missing/a.xlsx"], "不存在"),
        (["--year", "2020", "--out", "{tmp}/a.xlsx", "--as", "nobody"], "用户 nobody 不存在"),
    ],
)
def test_command_errors(sc, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_stats", *[a.format(tmp=tmp_path) for a in args])


def test_command_without_a_superuser(sc, tmp_path):
    User.objects.filter(is_superuser=True).update(is_superuser=False)
    with pytest.raises(CommandError, match="--as"):
        call_command("export_stats", "--year", "2020", "--out", str(tmp_path / "a.xlsx"))
