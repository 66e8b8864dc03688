"""Setting up a county (ADR 0012): `emis setup-county` and the 设立县区 page, one service (county_setup); and a
school of a second county imported beside the first."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from emis.core.access import Role
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import AuditEvent, ObjectChange
from emis.orgs.models import Division, School, SchoolYear
from emis.testing import assert_rejected, last_change_id, make_division, response_text, write_table_file


def setup(*args) -> str:
    out = StringIO()
    call_command("setup_county", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_creates_the_division_chain_and_the_school_years():
    out = setup("421224", "--name", "通山县", "--years", "2015-2021", "--current", "2020", "--city-name", "咸宁市")
    chain = {d.code: (d.name, d.level, d.parent.code if d.parent else None) for d in Division.objects.all()}
    assert chain == {
        "42": ("湖北省", "province", None),
        "4212": ("咸宁市", "city", "42"),
        "421224": ("通山县", "county", "4212"),
    }
    years = list(SchoolYear.objects.order_by("start_year").values_list("start_year", "census_date", "is_current"))
    assert years == [(y, dt.date(y, 9, 1), y == 2020) for y in range(2015, 2022)]
    assert "已设立" in out
    assert ObjectChange.objects.filter(content_type__model="schoolyear").count() >= 7  # change-logged
    assert AuditEvent.objects.filter(event="orgs.county_setup", division_code="421224").count() == 1


@pytest.mark.django_db
def test_running_it_twice_changes_nothing_and_says_so():
    setup("421224", "--name", "通山县", "--years", "2019-2020", "--city-name", "咸宁市")
    since = last_change_id()
    out = setup("421224", "--name", "通山县", "--years", "2019-2020", "--city-name", "咸宁市")
    assert "没有改动" in out
    assert last_change_id() == since
    assert AuditEvent.objects.filter(event="orgs.county_setup").count() == 1


@pytest.mark.django_db
def test_without_current_the_latest_begun_year_becomes_current_only_when_none_is():
    setup("421224", "--name", "通山县", "--years", "2019-2020", "--city-name", "咸宁市")
    assert SchoolYear.objects.get(is_current=True).start_year == 2020
    setup("421223", "--name", "崇阳县", "--years", "2021")  # a current year exists: it stays
    assert SchoolYear.objects.get(is_current=True).start_year == 2020
    assert SchoolYear.objects.filter(start_year=2021).exists()


@pytest.mark.django_db
def test_a_city_with_no_name_is_named_by_its_code_with_a_warning_and_renamed_later():
    out = setup("421224", "--name", "通山县", "--years", "2020")
    assert "未给出市级区划 4212 的名称" in out
    assert Division.objects.get(code="4212").name == "4212"
    setup("421224", "--name", "通山县", "--years", "2020", "--city-name", "咸宁市")
    assert Division.objects.get(code="4212").name == "咸宁市"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("42122", "县级区划代码应为6位数字"),
        ("4212a4", "县级区划代码应为6位数字"),
        ("421200", "不是县级区划代码"),
        ("991224", "不是省级区划代码"),
    ],
)
def test_bad_codes_are_refused(code, message):
    with pytest.raises(CommandError, match=message):
        setup(code, "--name", "某县", "--years", "2020")
    assert not Division.objects.exists() and not SchoolYear.objects.exists()


@pytest.mark.django_db
@override_settings(EMIS_AREA_CODE="4212")
def test_a_county_outside_the_deployments_area_is_refused():
    with pytest.raises(CommandError, match="区划代码 420102 不在本系统服务地区"):
        setup("420102", "--name", "江岸区", "--years", "2020")
    assert not Division.objects.exists()


@pytest.mark.django_db
def test_bad_years_and_a_renamed_county_are_refused():
    with pytest.raises(CommandError, match="--years 无法识别“20x0”"):
        setup("421224", "--name", "通山县", "--years", "20x0")
    setup("421224", "--name", "通山县", "--years", "2020")
    with pytest.raises(CommandError, match="已设立为“通山县”"):
        setup("421224", "--name", "崇阳县", "--years", "2020")


# The page ---------------------------------------------------------------------------------------------------


def test_the_page_sets_up_a_county_for_the_administrator(county, login):
    client = login(Role.ADMIN)
    url = reverse("orgs:county_setup")
    assert url == "/orgs/county/setup/"
    assert "设立县区" in response_text(client.get(reverse("orgs:division_list")))
    response = client.post(url, {"code": "421223", "name": "崇阳县", "years": "2023-2025"})
    assert response.status_code == 302 and response["Location"] == reverse("orgs:division_list")
    chongyang = Division.objects.get(code="421223")
    assert (chongyang.name, chongyang.parent_id) == ("崇阳县", county.city.pk)
    assert SchoolYear.objects.filter(start_year__in=[2023, 2024, 2025]).count() == 3
    assert SchoolYear.objects.get(is_current=True).start_year == 2024  # kept: one was current already
    again = client.post(url, {"code": "421223", "name": "崇阳县", "years": "2023-2025"}, follow=True)
    assert "没有改动" in response_text(again)


def test_the_page_shows_validation_messages_in_chinese(county, login):
    client = login(Role.ADMIN)
    response = client.post(reverse("orgs:county_setup"), {"code": "421200", "name": "", "years": "abc"})
    text = response_text(response)
    assert response.status_code == 200
    assert "无法识别“abc”" in text
    assert not Division.objects.filter(code="421200").exists()
    response = client.post(reverse("orgs:county_setup"), {"code": "421200", "name": "咸宁", "years": "2020"})
    assert "不是县级区划代码" in response_text(response)


@pytest.mark.parametrize("role", [Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR])
def test_the_page_is_404_for_other_roles_and_not_linked(role, county, login):
    client = login(role)
    assert client.get(reverse("orgs:county_setup")).status_code == 404
    response = client.post(reverse("orgs:county_setup"), {"code": "421223", "name": "崇阳县", "years": "2020"})
    assert response.status_code == 404
    assert not Division.objects.filter(code="421223").exists()
    assert "设立县区" not in response_text(client.get(reverse("orgs:division_list")))


def test_anonymous_is_sent_to_log_in(county):
    response = Client().get(reverse("orgs:county_setup"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# A school of a second county -------------------------------------------------------------------------------

SCHOOL_HEADER = ["学校标识码", "学校名称", "办学类型", "办别", "城乡分类", "所在乡镇代码"]


def test_an_administrator_imports_a_school_of_a_second_county(county, tmp_path):
    chongyang = make_division("421223", "崇阳县", "county", county.city)
    tiancheng = make_division("421223100", "天城镇", "township", chongyang)
    rows = [["2142009901", "天城镇中心小学", "小学", "公办", "城区", "421223100"]]
    path = write_table_file(tmp_path, SCHOOL_HEADER, rows)
    report = run_import(get_spec("schools"), path, user=county.users[Role.ADMIN], school_year=2024, dry_run=False)
    assert report.committed, report.issues
    assert School.objects.get(code="2142009901").township_id == tiancheng.pk


@override_settings(EMIS_AREA_CODE="421224")
def test_a_school_outside_a_county_deployment_is_refused(county, tmp_path):
    chongyang = make_division("421223", "崇阳县", "county", county.city)
    make_division("421223100", "天城镇", "township", chongyang)
    rows = [["2142009901", "天城镇中心小学", "小学", "公办", "城区", "421223100"]]
    path = write_table_file(tmp_path, SCHOOL_HEADER, rows)
    report = run_import(get_spec("schools"), path, user=county.users[Role.ADMIN], school_year=2024)
    assert_rejected(report, 2, "所在乡镇代码", "区划代码 421223100 不在本系统服务地区（通山县 421224）内。")


@pytest.mark.django_db
def test_division_codes_carry_a_fine_histogram_for_the_planner():
    """Orgs migration 0002: every scope and area filter is a code prefix; with the default histogram PostgreSQL
    guessed one division for a province's last county (bench/province) and chose a plan fifteen times too slow."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statistics targets")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'orgs_division'::regclass AND attname = 'code'"
        )
        assert cursor.fetchone()[0] == 1000
