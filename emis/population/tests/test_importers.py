"""Imports of the yearly population register and of children verified as enrolled outside the county (县外就读),
and the pages and API of the latter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from emis.common.idnumbers import GENDER_FEMALE, GENDER_MALE
from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeAction, ChangeSource, ImportStatus, ObjectChange
from emis.population.apps import DOMAIN as POPULATION_DOMAIN
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.testing import (
    assert_rejected,
    id_for,
    import_changes,
    last_change_id,
    make_user,
    report_counts,
    rows_without_timestamps,
    write_table_file,
)

# Fixtures and helpers -------------------------------------------------------------------------------------


@pytest.fixture
def admin(county):
    return county.users[Role.ADMIN]


@pytest.fixture
def township_a(county):
    return county.users[Role.TOWNSHIP]  # 通羊镇 (421224100)


@pytest.fixture
def population_section(county):
    """A county-level section user responsible for the population register."""
    return make_user("pop_section", Role.SECTION, divisions=[county.county], domains=[POPULATION_DOMAIN])


def run(kind: str, path: Path, user, *, dry_run: bool = True, year: int = 2024):
    return run_import(get_spec(kind), path, user=user, school_year=year, dry_run=dry_run)


def run_batch(kind: str, path: Path, user, *, dry_run: bool, year: int = 2024):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(kind=kind, upload=upload, school_year=year, dry_run=dry_run, acting_user=user)
    return service.import_batch_run(batch_id=batch.pk)


# The register ---------------------------------------------------------------------------------------------

HEADER = ["身份证件号", "姓名", "性别", "出生日期", "户籍乡镇代码", "户籍村代码"]
NEW_BIRTH = dt.date(2019, 5, 5)
NEW_ID = id_for(NEW_BIRTH, GENDER_MALE, sequence=601)


def register(county) -> list[list]:
    zhang, zhao, qian = (county.population[name] for name in ("张三丰", "赵思飞", "钱多多"))
    return [
        [NEW_ID, "周小新", "男", "2019-05-05", "421224100", "421224100001"],  # new
        [zhang.id_number, "张三峰", "男", "2018-03-05", "421224100", "421224100001"],  # changed: name
        [zhao.id_number, "赵思飞", "男", "2018-01-20", "421224101", "421224101001"],  # unchanged
        [qian.id_number, "钱多多", "女", "2019-04-04", "421224101", ""],  # unchanged
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_register_dry_run_counts_and_writes_nothing(fmt, county, admin, tmp_path):
    before = PopulationRecord.objects.count()
    report = run("population", write_table_file(tmp_path, HEADER, register(county), fmt), admin)
    assert report.ok, report.issues
    assert report_counts(report) == (1, 1, 2, 0)
    assert report.samples == [{"row": 3, "changes": {"name": ["张三丰", "张三峰"]}}]
    assert PopulationRecord.objects.count() == before


def test_register_commit_writes_audits_and_reimport_changes_nothing(county, population_section, tmp_path):
    path = write_table_file(tmp_path, HEADER, register(county))
    batch = run_batch("population", path, population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = PopulationRecord.objects.get(id_number=NEW_ID)
    assert (new.school_year_id, new.name_initials, new.hukou_township_id, new.hukou_village_id, new.source) == (
        county.year.pk,
        "zxx",
        county.township_a.pk,
        county.village_a.pk,
        "police",
    )
    zhang = PopulationRecord.objects.get(pk=county.population["张三丰"].pk)
    assert (zhang.name, zhang.name_initials) == ("张三峰", "zsf")

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert changes.count() == 2
    assert set(changes.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    created = changes.get(action=ChangeAction.CREATE)
    assert (created.object_id, created.division_code) == (new.pk, "421224100")
    assert created.changes["birth_date"] == [None, "2019-05-05"]
    assert changes.get(action=ChangeAction.UPDATE).changes == {"name": ["张三丰", "张三峰"]}

    logged = ObjectChange.objects.count()
    again = run("population", path, population_section, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 4, 0)
    assert ObjectChange.objects.count() == logged


def test_records_belong_to_the_batchs_school_year(county, admin, tmp_path):
    path = write_table_file(tmp_path, HEADER, register(county))
    report = run("population", path, admin, dry_run=False, year=2023)
    assert report.committed and report_counts(report) == (4, 0, 0, 0)
    assert PopulationRecord.objects.filter(school_year=county.year_2023).count() == 4
    assert PopulationRecord.objects.get(school_year=county.year, pk=county.population["张三丰"].pk).name == "张三丰"


def test_an_empty_village_keeps_the_stored_one(county, township_a, tmp_path):
    zhang = county.population["张三丰"]
    rows = [[zhang.id_number, "张三丰", "男", "2018-03-05", "421224100", ""]]
    report = run("population", write_table_file(tmp_path, HEADER, rows), township_a, dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0)
    assert PopulationRecord.objects.get(pk=zhang.pk).hukou_village_id == county.village_a.pk


def test_english_headers(county, admin, tmp_path):
    header = ["id_number", "name", "gender", "birth_date", "hukou_township", "hukou_village"]
    report = run("population", write_table_file(tmp_path, header, register(county)), admin)
    assert report_counts(report) == (1, 1, 2, 0)


def _person(**overrides) -> list:
    keys = ["id", "name", "gender", "birth", "township", "village"]
    values = dict(
        zip(
            keys,
            [
                id_for(dt.date(2017, 8, 9), GENDER_FEMALE, sequence=603),
                "吴小红",
                "女",
                "2017-08-09",
                "421224100",
                "421224100001",
            ],
            strict=True,
        )
    )
    values.update(overrides)
    return [values[key] for key in keys]


def _bad_check_digit() -> str:
    good = id_for(dt.date(2017, 8, 9), GENDER_FEMALE, sequence=603)
    return good[:17] + ("0" if good[17] != "0" else "1")


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (_person(id=_bad_check_digit()), "身份证件号", "身份证号校验位错误"),
        (
            _person(id=NEW_ID, name="周小新", gender="男", birth="2019-05-05"),
            "身份证件号",
            "身份证件号在文件中重复出现",
        ),
        (_person(birth="2017-08-10"), "出生日期", "与身份证号中的出生日期 2017-08-09 不一致"),
        (_person(gender="男"), "性别", "性别与身份证号第17位"),
        (_person(name=""), "姓名", "必填项不能为空"),
        (_person(township=""), "户籍乡镇代码", "必填项不能为空"),
        (
            _person(township="421223100", village=""),
            "户籍乡镇代码",
            "县区 421223 尚未在本系统设立",
        ),
        (_person(township="421224199", village=""), "户籍乡镇代码", "乡镇代码 421224199 不存在"),
        (_person(township="421224101", village=""), "户籍乡镇代码", "该乡镇不在您的管辖范围内"),
        (_person(village="421223100001"), "户籍村代码", "emis setup-county 421223 --name 县名"),
        (_person(village="421224100099"), "户籍村代码", "村/社区代码 421224100099 不存在"),
        (_person(village="421224101001"), "户籍村代码", "村/社区 421224101001 不属于户籍乡镇 421224100"),
    ],
    ids=[
        "check-digit",
        "duplicate",
        "birth-mismatch",
        "gender-mismatch",
        "name",
        "township-empty",
        "other-county",
        "unknown-township",
        "out-of-scope-township",
        "village-other-county",
        "unknown-village",
        "village-of-another-township",
    ],
)
def test_register_rejections(row, column, fragment, county, township_a, tmp_path):
    first = [NEW_ID, "周小新", "男", "2019-05-05", "421224100", "421224100001"]
    before = PopulationRecord.objects.count()
    report = run("population", write_table_file(tmp_path, HEADER, [first, row]), township_a, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (1, 0, 0, 1)
    assert PopulationRecord.objects.count() == before
    assert not import_changes().exists()


def test_a_person_registered_in_another_township_is_not_moved(county, township_a, tmp_path):
    zhao = county.population["赵思飞"]  # 南林桥镇, outside 通羊镇's scope
    rows = [[zhao.id_number, "赵思飞", "男", "2018-01-20", "421224100", ""]]
    report = run("population", write_table_file(tmp_path, HEADER, rows), township_a, dry_run=False)
    assert_rejected(report, 2, "身份证件号", "此人本学年的登记不在您的管辖范围内")
    assert PopulationRecord.objects.get(pk=zhao.pk).hukou_township_id == county.township_b.pk


def test_an_unknown_school_year_rejects_the_file(county, admin, tmp_path):
    report = run("population", write_table_file(tmp_path, HEADER, register(county)), admin, year=2030)
    assert report.file_error == (
        "学年 2030 不存在。学年由系统管理员建立：运行 emis setup-county 县级区划代码 --name 县名 --years 2030"
        "（已设立的县再次运行只补建学年），或在“区划与学校 → 行政区划 → 设立县区”页面填写学年。"
    )


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.LEADER, Role.INSPECTOR, Role.SECTION])
def test_roles_without_the_population_domain_cannot_import(role, county, tmp_path):
    report = run("population", write_table_file(tmp_path, HEADER, register(county)), county.users[role])
    assert report.file_error == "您的角色无权导入适龄人口数据。"


# Children enrolled outside the county ---------------------------------------------------------------------

OUTSIDE_HEADER = ["身份证件号", "姓名", "就读学校名称", "就读地区", "年级"]
UNREGISTERED_ID = id_for(dt.date(2016, 2, 2), GENDER_FEMALE, sequence=701)


def outside_rows(county) -> list[list]:
    qian, zhang = county.population["钱多多"], county.population["张三丰"]
    wu, zheng = county.outside["A"], county.outside["B"]
    return [
        [qian.id_number, "钱多多", "武汉市育才幼儿园", "湖北省武汉市", "大班"],  # new, 南林桥镇 from the register
        [UNREGISTERED_ID, "何县外", "长沙市实验小学", "湖南省长沙市", "三年级"],  # new, not on the register: the county
        [zhang.id_number, "张三丰", "武汉市育才小学", "湖北省武汉市", "一年级"],  # new; on roll at A1: a warning
        [wu.id_number, "吴外读", "武汉市育才小学", "湖北省武汉市", ""],  # unchanged (empty grade keeps the stored one)
        [zheng.id_number, "郑外读", "武汉市育才小学", "湖北省武汉市", "三年级"],  # changed: grade
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_outside_dry_run_counts_and_warnings(fmt, county, admin, tmp_path):
    before = OutsideEnrollment.objects.count()
    report = run("outside", write_table_file(tmp_path, OUTSIDE_HEADER, outside_rows(county), fmt), admin)
    assert report.ok, report.issues
    assert report_counts(report) == (3, 1, 1, 0)
    assert report.counts["warnings"] == 1
    warning = next(i for i in report.issues if i.level == "warning")
    assert (warning.row, warning.column) == (4, "身份证件号")
    assert "本县学校（通羊镇中心小学）在读" in warning.reason
    assert report.samples == [{"row": 6, "changes": {"grade": ["", "三年级"]}}]
    assert OutsideEnrollment.objects.count() == before


def test_outside_commit_resolves_the_township_audits_and_reimport_changes_nothing(county, population_section, tmp_path):
    path = write_table_file(tmp_path, OUTSIDE_HEADER, outside_rows(county))
    batch = run_batch("outside", path, population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    year = county.year
    qian = OutsideEnrollment.objects.get(school_year=year, id_number=county.population["钱多多"].id_number)
    unregistered = OutsideEnrollment.objects.get(school_year=year, id_number=UNREGISTERED_ID)
    zhang = OutsideEnrollment.objects.get(school_year=year, id_number=county.population["张三丰"].id_number)
    assert (qian.hukou_township_id, qian.county_code, qian.grade, qian.name_initials) == (
        county.township_b.pk,
        "421224",
        "大班",
        "qdd",
    )
    assert (unregistered.hukou_township_id, unregistered.county_code, unregistered.region) == (
        None,
        "421224",
        "湖南省长沙市",
    )
    assert zhang.hukou_township_id == county.township_a.pk
    assert OutsideEnrollment.objects.get(pk=county.outside["B"].pk).grade == "三年级"

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert set(changes.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    assert {(c.action, c.object_id, c.division_code) for c in changes} == {
        (ChangeAction.CREATE, qian.pk, "421224101"),
        (ChangeAction.CREATE, unregistered.pk, "421224"),
        (ChangeAction.CREATE, zhang.pk, "421224100"),
        (ChangeAction.UPDATE, county.outside["B"].pk, "421224101"),
    }

    logged = ObjectChange.objects.count()
    again = run("outside", path, population_section, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 5, 0)
    assert ObjectChange.objects.count() == logged


def test_outside_optional_columns_and_english_headers(county, admin, tmp_path):
    header = ["id_number", "name", "school_name", "region", "grade", "verified_on", "note"]
    rows = [[UNREGISTERED_ID, "何县外", "长沙市实验小学", "湖南省长沙市", "三年级", "2024/9/20", "学籍系统查询"]]
    report = run("outside", write_table_file(tmp_path, header, rows), admin, dry_run=False)
    assert report.committed and report_counts(report) == (1, 0, 0, 0)
    record = OutsideEnrollment.objects.get(id_number=UNREGISTERED_ID)
    assert (record.verified_on, record.note) == (dt.date(2024, 9, 20), "学籍系统查询")


def test_a_name_differing_from_the_register_is_a_warning(county, admin, tmp_path):
    qian = county.population["钱多多"]
    rows = [[qian.id_number, "钱朵朵", "武汉市育才幼儿园", "湖北省武汉市", "大班"]]
    report = run("outside", write_table_file(tmp_path, OUTSIDE_HEADER, rows), admin, dry_run=False)
    assert report.committed and report.counts["warnings"] == 1
    assert "适龄人口登记中的“钱多多”不一致" in report.issues[0].reason


def test_outside_scope_for_a_township_user(county, township_a, tmp_path):
    qian, zhang, zheng = county.population["钱多多"], county.population["张三丰"], county.outside["B"]
    rows = [
        [zhang.id_number, "张三丰", "武汉市育才小学", "湖北省武汉市", "一年级"],  # 通羊镇: allowed
        [qian.id_number, "钱多多", "武汉市育才幼儿园", "湖北省武汉市", "大班"],  # registered in 南林桥镇
        [UNREGISTERED_ID, "何县外", "长沙市实验小学", "湖南省长沙市", "三年级"],  # nobody's township: the county's
        [zheng.id_number, "郑外读", "武汉市育才小学", "湖北省武汉市", "三年级"],  # stored under 南林桥镇
    ]
    before = OutsideEnrollment.objects.count()
    report = run("outside", write_table_file(tmp_path, OUTSIDE_HEADER, rows), township_a, dry_run=False)
    assert report_counts(report) == (1, 0, 0, 3)
    assert_rejected(report, 3, "身份证件号", "此人本学年的登记不在您的管辖范围内")
    assert_rejected(report, 4, "身份证件号", "只有县级用户可以导入")
    assert_rejected(report, 5, "身份证件号", "此人本学年的登记不在您的管辖范围内")
    assert OutsideEnrollment.objects.count() == before


def _outside(**overrides) -> list:
    keys = ["id", "name", "school", "region", "grade", "verified"]
    values = dict(zip(keys, [UNREGISTERED_ID, "何县外", "长沙市实验小学", "湖南省长沙市", "三年级", ""], strict=True))
    values.update(overrides)
    return [values[key] for key in keys]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (_outside(id=UNREGISTERED_ID[:17] + ("0" if UNREGISTERED_ID[17] != "0" else "1")), "身份证件号", "校验位错误"),
        (_outside(id="4212242016"), "身份证件号", "格式不正确"),
        (_outside(id=""), "身份证件号", "必填项不能为空"),
        (_outside(name=""), "姓名", "必填项不能为空"),
        (_outside(school=""), "就读学校名称", "必填项不能为空"),
        (_outside(region=""), "就读地区", "必填项不能为空"),
        (_outside(verified="2099-01-01"), "核实日期", "核实日期晚于今天"),
        (_outside(verified="九月"), "核实日期", "无法识别"),
    ],
    ids=["check-digit", "id-format", "id-empty", "name", "school", "region", "verified-future", "verified-format"],
)
def test_outside_rejections(row, column, fragment, county, admin, tmp_path):
    header = [*OUTSIDE_HEADER, "核实日期"]
    first = [county.population["钱多多"].id_number, "钱多多", "武汉市育才幼儿园", "湖北省武汉市", "大班", "2024-09-20"]
    before = OutsideEnrollment.objects.count()
    report = run("outside", write_table_file(tmp_path, header, [first, row]), admin, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (1, 0, 0, 1)
    assert OutsideEnrollment.objects.count() == before
    assert not import_changes().exists()


def test_outside_duplicate_in_file(county, admin, tmp_path):
    rows = [_outside()[:5], _outside(name="何县外二")[:5]]
    report = run("outside", write_table_file(tmp_path, OUTSIDE_HEADER, rows), admin, dry_run=False)
    assert_rejected(report, 3, "身份证件号", "身份证件号在文件中重复出现")
    assert not OutsideEnrollment.objects.filter(id_number=UNREGISTERED_ID).exists()


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.LEADER, Role.SECTION])
def test_outside_import_needs_the_population_domain(role, county, tmp_path):
    report = run("outside", write_table_file(tmp_path, OUTSIDE_HEADER, outside_rows(county)), county.users[role])
    assert report.file_error == "您的角色无权导入县外就读数据。"


# Pages and API of OutsideEnrollment -----------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_outside_pages_follow_the_scope(county, township_a, admin):
    url = reverse("population:outsideenrollment_list")
    listed = _client(township_a).get(url, {"per_page": 200})
    assert {row.record.name for row in listed.context["table"].paginated_rows} == {"吴外读"}
    everything = _client(county.users[Role.SECTION]).get(url, {"per_page": 200})
    assert {row.record.name for row in everything.context["table"].paginated_rows} == {"吴外读", "郑外读", "冯外读"}
    detail = reverse("population:outsideenrollment_detail", args=[county.outside["B"].pk])
    assert _client(township_a).get(detail).status_code == 404
    assert _client(admin).get(detail).status_code == 200
    home = _client(township_a).get(reverse("home")).content.decode()
    assert url in home and "县外就读" in home


def test_outside_add_page_and_search(county, township_a):
    client = _client(township_a)
    data = {
        "school_year": county.year.pk,
        "name": "何县外",
        "id_number": UNREGISTERED_ID.lower(),
        "hukou_township": county.township_a.pk,
        "school_name": "长沙市实验小学",
        "region": "湖南省长沙市",
        "grade": "三年级",
        "verified_on": "2024-09-20",
        "note": "",
    }
    response = client.post(reverse("population:outsideenrollment_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = OutsideEnrollment.objects.get(id_number=UNREGISTERED_ID)
    assert (record.county_code, record.name_initials, record.hukou_township_id) == (
        "421224",
        "hxw",
        county.township_a.pk,
    )
    change = ObjectChange.objects.get(object_id=record.pk, content_type__model="outsideenrollment")
    assert change.division_code == "421224100"
    found = client.get(reverse("population:outsideenrollment_list"), {"q": "hxw"})
    assert [row.record.pk for row in found.context["table"].paginated_rows] == [record.pk]
    bad = dict(data, id_number=UNREGISTERED_ID[:17] + ("0" if UNREGISTERED_ID[17] != "0" else "1"))
    response = client.post(reverse("population:outsideenrollment_add"), bad)
    assert response.status_code == 200 and "校验位错误" in response.content.decode()


def test_outside_api_lists_within_scope_and_masks_ids(county):
    def get(role):
        token = county.tokens[role]
        return Client(headers={"authorization": f"Token {token}"}).get("/api/outside-enrollments/").json()

    township = get(Role.TOWNSHIP)
    assert [item["name"] for item in township["results"]] == ["吴外读"]
    assert township["results"][0]["id_number"] == county.outside["A"].id_number
    leader = get(Role.LEADER)
    assert {item["name"] for item in leader["results"]} == {"吴外读", "郑外读", "冯外读"}
    assert all("*" in item["id_number"] for item in leader["results"])


# Query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("kind", ["population", "outside"])
def test_query_count_does_not_grow_with_rows(kind, dry_run, county, admin, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(n, offset):
        result = []
        for i in range(n):
            birth = dt.date(2017, 1, 1) + dt.timedelta(days=offset + i)
            id_number = id_for(birth, GENDER_MALE, sequence=21)
            if kind == "population":
                result.append([id_number, f"儿童{i}", "男", birth.isoformat(), "421224100", "421224100001"])
            else:
                result.append([id_number, f"儿童{i}", "外县小学", "外县", "一年级"])
        return result

    header = HEADER if kind == "population" else OUTSIDE_HEADER
    measured = []
    for n, offset in ((3, 0), (40, 100)):
        with CaptureQueriesContext(connection) as captured:
            report = run(kind, write_table_file(tmp_path, header, rows(n, offset)), admin, dry_run=dry_run)
        assert report.ok and report_counts(report) == (n, 0, 0, 0), report.issues
        measured.append(len(captured))
    assert measured[0] == measured[1], measured


# Re-import, kept values, rollback, scope, change records --------------------------------------------------


def on_register(county, name: str, /, **overrides) -> list:
    """A register row (HEADER order) for one of the county's records exactly as the fixture stored it."""
    record = county.population[name]
    values = {
        "id": record.id_number,
        "name": record.name,
        "gender": "男" if record.gender == GENDER_MALE else "女",
        "birth": record.birth_date.isoformat(),
        "township": record.hukou_township.code,
        "village": record.hukou_village.code if record.hukou_village_id else "",
    }
    values.update(overrides)
    return [values[key] for key in ("id", "name", "gender", "birth", "township", "village")]


OUTSIDE_FULL_HEADER = [*OUTSIDE_HEADER, "核实日期", "核实来源"]


def outside_stored(pk: int, /, **overrides) -> list:
    """An outside row (OUTSIDE_FULL_HEADER order) for a stored record as it is in the database now."""
    record = OutsideEnrollment.objects.get(pk=pk)
    values = {
        "id": record.id_number,
        "name": record.name,
        "school": record.school_name,
        "region": record.region,
        "grade": record.grade,
        "verified": record.verified_on.isoformat() if record.verified_on else "",
        "note": record.note,
    }
    values.update(overrides)
    return [values[k] for k in ("id", "name", "school", "region", "grade", "verified", "note")]


def population_tables() -> tuple[list, list]:
    return rows_without_timestamps(PopulationRecord), rows_without_timestamps(OutsideEnrollment)


def _verified_wu(county) -> OutsideEnrollment:
    """吴外读 (通羊镇) with every optional field filled."""
    wu = county.outside["A"]
    OutsideEnrollment.objects.filter(pk=wu.pk).update(
        grade="三年级", verified_on=dt.date(2024, 9, 20), note="学籍系统查询"
    )
    return OutsideEnrollment.objects.get(pk=wu.pk)


def test_a_file_of_the_stored_register_changes_nothing(county, population_section, tmp_path):
    before, logged = population_tables(), ObjectChange.objects.count()
    rows = [on_register(county, name) for name in ("张三丰", "赵思飞", "钱多多")]
    batch = run_batch("population", write_table_file(tmp_path, HEADER, rows), population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (0, 0, 3)
    assert population_tables() == before
    assert ObjectChange.objects.count() == logged


def test_a_missing_village_column_keeps_the_stored_village(county, township_a, tmp_path):
    zhang = county.population["张三丰"]
    path = write_table_file(tmp_path, HEADER[:5], [on_register(county, "张三丰")[:5]])
    report = run("population", path, township_a, dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0), report.samples
    assert PopulationRecord.objects.get(pk=zhang.pk).hukou_village_id == county.village_a.pk
    assert not import_changes().exists()


def test_an_empty_village_in_a_changed_row_is_neither_written_nor_logged(county, township_a, tmp_path):
    zhang = county.population["张三丰"]
    row = on_register(county, "张三丰", name="张三峰", village="")
    batch = run_batch("population", write_table_file(tmp_path, HEADER, [row]), township_a, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    record = PopulationRecord.objects.get(pk=zhang.pk)
    assert (record.name, record.hukou_village_id) == ("张三峰", county.village_a.pk)
    assert ObjectChange.objects.get(batch_id=batch.pk).changes == {"name": ["张三丰", "张三峰"]}


@pytest.mark.parametrize("village", ["421224101001", ""], ids=["with-village", "village-empty"])
def test_rollback_of_a_move_to_another_township_restores_township_and_village(
    village, county, population_section, tmp_path
):
    zhang = county.population["张三丰"]  # 通羊镇, 城东社区
    before = population_tables()
    row = on_register(county, "张三丰", township="421224101", village=village)
    batch = run_batch("population", write_table_file(tmp_path, HEADER, [row]), population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new_village = county.village_b.pk if village else None  # a village of the old township no longer fits
    moved = PopulationRecord.objects.get(pk=zhang.pk)
    assert (moved.hukou_township_id, moved.hukou_village_id) == (county.township_b.pk, new_village)
    change = ObjectChange.objects.get(batch_id=batch.pk)
    # Logged as stored ids (not the file's codes), filed under the township the record now belongs to.
    assert change.changes == {
        "hukou_township": [county.township_a.pk, county.township_b.pk],
        "hukou_village": [county.village_a.pk, new_village],
    }
    assert change.division_code == "421224101"

    service.import_batch_rollback(batch=batch, acting_user=population_section)
    assert population_tables() == before


@pytest.mark.parametrize(
    ("township", "column", "fragment"),
    [
        ("421224100", "身份证件号", "此人本学年的登记不在您的管辖范围内"),
        ("421224101", "户籍乡镇代码", "该乡镇不在您的管辖范围内"),
    ],
    ids=["moved-into-the-users-township", "left-in-its-own-township"],
)
def test_a_row_for_a_person_of_another_township_changes_nothing(
    township, column, fragment, county, township_a, tmp_path
):
    before = population_tables()
    rows = [
        on_register(county, "张三丰", name="张三峰"),  # a good row first
        on_register(county, "赵思飞", name="赵思非", township=township, village=""),  # 南林桥镇's
    ]
    report = run("population", write_table_file(tmp_path, HEADER, rows), township_a, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report) == (0, 1, 0, 1)
    assert population_tables() == before
    assert not import_changes().exists()


def test_register_change_records_carry_the_batch_and_the_importing_user(county, population_section, tmp_path):
    zhang = county.population["张三丰"]
    since = last_change_id()
    rows = [
        [NEW_ID, "周小新", "男", "2019-05-05", "421224100", "421224100001"],
        on_register(county, "张三丰", township="421224101", village=""),
    ]
    batch = run_batch("population", write_table_file(tmp_path, HEADER, rows), population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    new = PopulationRecord.objects.get(school_year=county.year, id_number=NEW_ID)
    written = ObjectChange.objects.filter(id__gt=since)
    assert {(c.batch_id, c.user_id, c.username, c.source) for c in written} == {
        (batch.pk, population_section.pk, "pop_section", ChangeSource.IMPORT)
    }
    assert sorted((c.action, c.object_id, c.school_id, c.division_code) for c in written) == sorted(
        [
            (ChangeAction.CREATE, new.pk, None, "421224100"),
            (ChangeAction.UPDATE, zhang.pk, None, "421224101"),
        ]
    )
    created = written.get(action=ChangeAction.CREATE)
    assert (created.changes["hukou_township"], created.changes["hukou_village"]) == (
        [None, county.township_a.pk],
        [None, county.village_a.pk],
    )


def test_a_file_of_the_stored_outside_list_changes_nothing(county, population_section, tmp_path):
    _verified_wu(county)
    before, logged = population_tables(), ObjectChange.objects.count()
    rows = [outside_stored(county.outside[key].pk) for key in ("A", "B", "county")]
    path = write_table_file(tmp_path, OUTSIDE_FULL_HEADER, rows)
    batch = run_batch("outside", path, population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (0, 0, 3)
    assert population_tables() == before
    assert ObjectChange.objects.count() == logged


@pytest.mark.parametrize("cells", ["empty", "missing"])
def test_empty_or_missing_optional_outside_cells_keep_the_stored_values(cells, county, township_a, tmp_path):
    wu = _verified_wu(county)
    row = outside_stored(wu.pk, grade="", verified="", note="")
    header = OUTSIDE_FULL_HEADER if cells == "empty" else OUTSIDE_FULL_HEADER[:4]
    path = write_table_file(tmp_path, header, [row[: len(header)]])
    report = run("outside", path, township_a, dry_run=False)
    assert report.committed and report_counts(report) == (0, 0, 1, 0), report.samples
    kept = OutsideEnrollment.objects.get(pk=wu.pk)
    assert (kept.grade, kept.verified_on, kept.note) == ("三年级", dt.date(2024, 9, 20), "学籍系统查询")
    assert not import_changes().exists()


@pytest.mark.parametrize("key", ["B", "county"])
def test_rollback_of_an_outside_record_moved_by_the_register_restores_its_township(
    key, county, population_section, tmp_path
):
    """郑外读 (stored under 南林桥镇) and 冯外读 (the county's) now appear on 通羊镇's register."""
    record = county.outside[key]
    old_township = record.hukou_township_id
    PopulationRecord.objects.create(
        school_year=county.year,
        id_number=record.id_number,
        name=record.name,
        gender=GENDER_MALE,
        birth_date=dt.date(2016, 6, 6),
        hukou_township=county.township_a,
    )
    before, since = population_tables(), last_change_id()
    path = write_table_file(tmp_path, OUTSIDE_FULL_HEADER, [outside_stored(record.pk)])
    batch = run_batch("outside", path, population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert OutsideEnrollment.objects.get(pk=record.pk).hukou_township_id == county.township_a.pk
    [change] = ObjectChange.objects.filter(id__gt=since)
    assert (change.batch_id, change.user_id, change.username, change.source, change.division_code) == (
        batch.pk,
        population_section.pk,
        "pop_section",
        ChangeSource.IMPORT,
        "421224100",
    )
    assert change.changes == {"hukou_township": [old_township, county.township_a.pk]}

    service.import_batch_rollback(batch=batch, acting_user=population_section)
    assert population_tables() == before
    assert OutsideEnrollment.objects.get(pk=record.pk).hukou_township_id == old_township


def test_an_outside_record_of_the_users_township_registered_elsewhere_changes_nothing(county, township_a, tmp_path):
    wu = county.outside["A"]  # stored under 通羊镇, now on 南林桥镇's register
    PopulationRecord.objects.create(
        school_year=county.year,
        id_number=wu.id_number,
        name=wu.name,
        gender=GENDER_MALE,
        birth_date=dt.date(2016, 6, 6),
        hukou_township=county.township_b,
    )
    before = population_tables()
    zhang = county.population["张三丰"]
    rows = [
        [zhang.id_number, "张三丰", "武汉市育才小学", "湖北省武汉市", "一年级", "", ""],  # a good row first
        outside_stored(wu.pk, grade="四年级"),
    ]
    report = run("outside", write_table_file(tmp_path, OUTSIDE_FULL_HEADER, rows), township_a, dry_run=False)
    assert_rejected(report, 3, "身份证件号", "此人本学年的登记不在您的管辖范围内")
    assert report_counts(report) == (1, 0, 0, 1)
    assert population_tables() == before
    assert not import_changes().exists()


@pytest.mark.parametrize("kind", ["population", "outside"])
def test_rollback_of_a_renamed_record_restores_the_pinyin_key(kind, county, population_section, tmp_path):
    if kind == "population":
        record, model = county.population["张三丰"], PopulationRecord
        path = write_table_file(tmp_path, HEADER, [on_register(county, "张三丰", name="李三丰")])
        renamed, initials = "lsf", "zsf"
    else:
        record, model = county.outside["A"], OutsideEnrollment
        path = write_table_file(tmp_path, OUTSIDE_FULL_HEADER, [outside_stored(record.pk, name="胡外读")])
        renamed, initials = "hwd", "wwd"
    batch = run_batch(kind, path, population_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    assert model.objects.get(pk=record.pk).name_initials == renamed
    service.import_batch_rollback(batch=batch, acting_user=population_section)
    restored = model.objects.get(pk=record.pk)
    assert restored.name == record.name
    assert restored.name_initials == initials  # found again by the initials of the restored name
