"""Imports in a deployment of several counties (ADR 0012): a row of a second county inside the area is refused to
a user of the first (not in scope) and imported by a user covering both or an administrator; rows outside the
deployment's area or of a county not set up are refused with the reason; a 县外就读 record takes its county from
its township, or, with none, from the importing user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.testing import assert_rejected, id_for, make_division, make_population, make_user, write_table_file

HEADER = ["身份证件号", "姓名", "性别", "出生日期", "户籍乡镇代码", "户籍村代码"]
OUTSIDE_HEADER = ["身份证件号", "姓名", "就读学校名称", "就读地区", "年级"]
BIRTH = dt.date(2019, 5, 5)
OURS = id_for(BIRTH, GENDER_MALE, sequence=811)
THEIRS = id_for(BIRTH, GENDER_FEMALE, area="421223", sequence=812)


@pytest.fixture
def chongyang(county):
    """崇阳县 421223, a second county of 咸宁市, with one township and village."""
    division = make_division("421223", "崇阳县", "county", county.city)
    township = make_division("421223100", "天城镇", "township", division)
    village = make_division("421223100001", "城关社区", "village", township)
    return division, township, village


def run(kind, rows, user, tmp_path, *, header=HEADER, dry_run=False):
    path = write_table_file(tmp_path, header, rows)
    return run_import(get_spec(kind), path, user=user, school_year=2024, dry_run=dry_run)


def two_counties_rows():
    return [
        [OURS, "周通山", "男", "2019-05-05", "421224100", "421224100001"],
        [THEIRS, "吴崇阳", "女", "2019-05-05", "421223100", "421223100001"],
    ]


def test_a_county_user_is_refused_the_other_countys_row(county, chongyang, tmp_path):
    user = make_user("pop_tongshan", Role.SECTION, divisions=[county.county], domains=[POPULATION_DOMAIN])
    report = run("population", two_counties_rows(), user, tmp_path)
    assert_rejected(report, 3, "户籍乡镇代码", "该乡镇不在您的管辖范围内")
    assert not PopulationRecord.objects.filter(name__in=["周通山", "吴崇阳"]).exists()


@pytest.mark.parametrize("who", ["both", "admin"])
def test_a_user_covering_both_counties_or_an_administrator_imports_both(who, county, chongyang, tmp_path):
    if who == "admin":
        user = county.users[Role.ADMIN]
    else:
        user = make_user("pop_both", Role.SECTION, divisions=[county.county, chongyang[0]], domains=[POPULATION_DOMAIN])
    report = run("population", two_counties_rows(), user, tmp_path)
    assert report.committed, report.issues
    theirs = PopulationRecord.objects.get(school_year=county.year, name="吴崇阳")
    assert (theirs.hukou_township_id, theirs.hukou_village_id) == (chongyang[1].pk, chongyang[2].pk)


@override_settings(EMIS_AREA_CODE="4212")
def test_a_row_outside_the_deployments_area_is_refused(county, chongyang, tmp_path):
    rows = [[OURS, "周武汉", "男", "2019-05-05", "420102100", ""]]
    report = run("population", rows, county.users[Role.ADMIN], tmp_path)
    assert_rejected(report, 2, "户籍乡镇代码", "区划代码 420102100 不在本系统服务地区（咸宁市 4212）内。")


def test_a_row_of_a_county_not_set_up_names_the_command_and_the_page(county, tmp_path):
    rows = [[OURS, "周赤壁", "男", "2019-05-05", "421281100", ""]]
    report = run("population", rows, county.users[Role.ADMIN], tmp_path)
    assert_rejected(report, 2, "户籍乡镇代码", "所属的县区 421281 尚未在本系统设立")
    assert_rejected(report, 2, "户籍乡镇代码", "emis setup-county 421281 --name 县名 --years")
    assert_rejected(report, 2, "户籍乡镇代码", "设立县区")


def test_an_unknown_township_of_the_second_county_is_named(county, chongyang, tmp_path):
    rows = [[OURS, "周崇阳", "男", "2019-05-05", "421223199", ""]]
    report = run("population", rows, county.users[Role.ADMIN], tmp_path)
    assert_rejected(report, 2, "户籍乡镇代码", "乡镇代码 421223199 不存在：崇阳县（421223）没有这个乡镇")


# 县外就读: the county of the record ---------------------------------------------------------------------------


def outside(id_number, name):
    return [id_number, name, "武汉市育才小学", "湖北省武汉市", "一年级"]


def test_an_outside_enrollment_takes_the_county_of_its_registered_township(county, chongyang, tmp_path):
    make_population("吴崇阳", county.year, chongyang[1], birth=BIRTH, gender=GENDER_FEMALE, id_number=THEIRS)
    report = run("outside", [outside(THEIRS, "吴崇阳")], county.users[Role.ADMIN], tmp_path, header=OUTSIDE_HEADER)
    assert report.committed, report.issues
    record = OutsideEnrollment.objects.get(school_year=county.year, name="吴崇阳")
    assert (record.hukou_township_id, record.county_code) == (chongyang[1].pk, "421223")


def test_an_unregistered_child_takes_the_county_of_a_one_county_user(county, chongyang, tmp_path):
    user = make_user("pop_chongyang", Role.SECTION, divisions=[chongyang[0]], domains=[POPULATION_DOMAIN])
    report = run("outside", [outside(THEIRS, "吴未登")], user, tmp_path, header=OUTSIDE_HEADER)
    assert report.committed, report.issues
    record = OutsideEnrollment.objects.get(school_year=county.year, name="吴未登")
    assert (record.hukou_township_id, record.county_code) == (None, "421223")


def test_an_unregistered_child_is_refused_to_an_administrator_of_two_counties(county, chongyang, tmp_path):
    report = run("outside", [outside(THEIRS, "吴未登")], county.users[Role.ADMIN], tmp_path, header=OUTSIDE_HEADER)
    assert_rejected(report, 2, "身份证件号", "无法确定所属县")


def test_a_record_entered_on_the_page_takes_its_townships_county(county, chongyang):
    record = OutsideEnrollment(
        school_year=county.year,
        id_number=THEIRS,
        name="吴页面",
        hukou_township=chongyang[1],
        school_name="武汉市育才小学",
        region="湖北省武汉市",
    )
    record.save()
    assert OutsideEnrollment.objects.get(pk=record.pk).county_code == "421223"
