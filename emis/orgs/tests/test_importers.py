"""Imports of divisions and schools: counts of a dry run, commit with its change log, idempotent re-import,
one test per rejection reason (row number, column and Chinese reason), nothing written on any rejection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeAction, ChangeSource, ImportStatus, ObjectChange
from emis.orgs.apps import DOMAIN as ORGS_DOMAIN
from emis.orgs.models import Division, School
from emis.testing import (
    assert_rejected,
    import_changes,
    make_school,
    make_user,
    report_counts,
    write_table_file,
)

# Fixtures and helpers -------------------------------------------------------------------------------------


@pytest.fixture
def admin(county):
    return county.users[Role.ADMIN]


@pytest.fixture
def orgs_section(county):
    """A section user (股室) responsible for divisions and schools across the county."""
    return make_user("orgs_section", Role.SECTION, divisions=[county.county], domains=[ORGS_DOMAIN])


def run(kind: str, path: Path, user, *, dry_run: bool = True, year: int = 2024):
    return run_import(get_spec(kind), path, user=user, school_year=year, dry_run=dry_run)


def run_batch(kind: str, path: Path, user, *, dry_run: bool, year: int = 2024):
    """Through the service, as the pages and the task worker do: the batch id lands on the change log."""
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(kind=kind, upload=upload, school_year=year, dry_run=dry_run, acting_user=user)
    return service.import_batch_run(batch_id=batch.pk)


# Divisions ------------------------------------------------------------------------------------------------

DIVISION_HEADER = ["区划代码", "名称", "级别", "上级区划代码"]
DIVISION_ROWS = [
    ["421224102", "大畈镇", "乡", "421224"],  # new
    ["421224102001", "大畈村", "村", "421224102"],  # new, its township defined by the row above
    ["421224100", "通羊镇（新名）", "乡", "421224"],  # changed: renamed
    ["421224101", "南林桥镇", "乡镇", "421224"],  # unchanged
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_division_dry_run_counts_and_writes_nothing(fmt, county, admin, tmp_path):
    before = Division.objects.count()
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, DIVISION_ROWS, fmt), admin)
    assert report.ok and not report.committed
    assert report_counts(report) == (2, 1, 0 + 1, 0)
    assert report.samples == [{"row": 4, "changes": {"name": ["通羊镇", "通羊镇（新名）"]}}]
    assert Division.objects.count() == before
    assert not import_changes().exists()


def test_division_commit_writes_audits_and_reimport_changes_nothing(county, orgs_section, tmp_path):
    path = write_table_file(tmp_path, DIVISION_HEADER, DIVISION_ROWS)
    batch = run_batch("divisions", path, orgs_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    township = Division.objects.get(code="421224102")
    village = Division.objects.get(code="421224102001")
    assert (township.level, township.parent_id) == ("township", county.county.pk)
    assert (village.level, village.parent_id, village.name) == ("village", township.pk, "大畈村")
    assert Division.objects.get(code="421224100").name == "通羊镇（新名）"

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert changes.count() == 3
    assert set(changes.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    assert set(changes.values_list("username", flat=True)) == {"orgs_section"}
    created = {c.object_id: c for c in changes.filter(action=ChangeAction.CREATE)}
    assert set(created) == {township.pk, village.pk}
    assert created[village.pk].changes["parent"] == [None, township.pk]
    assert created[village.pk].division_code == "421224102001"
    update = changes.get(action=ChangeAction.UPDATE)
    assert (update.object_id, update.changes) == (county.township_a.pk, {"name": ["通羊镇", "通羊镇（新名）"]})

    logged = ObjectChange.objects.count()
    again = run("divisions", path, orgs_section, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 4, 0)
    assert ObjectChange.objects.count() == logged


def test_division_batch_rolls_back_children_first(county, admin, tmp_path):
    batch = run_batch("divisions", write_table_file(tmp_path, DIVISION_HEADER, DIVISION_ROWS), admin, dry_run=False)
    service.import_batch_rollback(batch=batch, acting_user=admin)
    assert not Division.objects.filter(code__in=["421224102", "421224102001"]).exists()
    assert Division.objects.get(code="421224100").name == "通羊镇"


def test_division_english_headers(county, admin, tmp_path):
    header = ["code", "name", "level", "parent_code"]
    report = run("divisions", write_table_file(tmp_path, header, DIVISION_ROWS), admin)
    assert report_counts(report) == (2, 1, 1, 0)


def test_division_gb2260_and_padded_statistical_codes_are_stored_unpadded(county, admin, tmp_path):
    """ADR 0003: GB/T 2260's six digits (420000, 421200) and the 12-digit 统计用区划代码 are read as 42, 4212, ..."""
    rows = [
        ["420000", "湖北省", "省", ""],
        ["421200", "咸宁市", "市", "420000"],
        ["421224000000", "通山县", "县", "421200000000"],
        ["421224103000", "新镇", "乡", "421224000000"],
        ["421224103001", "新村", "村", "421224103000"],
    ]
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, rows), admin, dry_run=False)
    assert report.committed, report.issues
    assert report_counts(report) == (2, 0, 3, 0)  # province, city and county are the stored ones, unchanged
    township = Division.objects.get(code="421224103")
    assert (township.level, township.parent_id) == ("township", county.county.pk)
    assert Division.objects.get(code="421224103001").parent_id == township.pk
    assert not Division.objects.filter(code__in=["420000", "421200", "421224000000", "421224103000"]).exists()


def test_division_six_digits_that_are_not_padding_are_still_refused(county, admin, tmp_path):
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, [["420100", "武汉市", "省", ""]]), admin)
    assert_rejected(report, 2, "区划代码", "省级区划代码应为2位数字，“420100”是6位")


VALID_DIVISION = ["421224102", "大畈镇", "乡", "421224"]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (["4212241020", "某镇", "乡", "421224"], "区划代码", "乡级区划代码应为9位数字"),
        (["42122410A", "某镇", "乡", "421224"], "区划代码", "区划代码应全部为数字"),
        (["421224103", "某镇", "区县", "421224"], "级别", "级别“区县”不在可选值中"),
        (["421224103", "", "乡", "421224"], "名称", "必填项不能为空"),
        (["421224103", "某镇", "乡", ""], "上级区划代码", "乡级区划必须填写上级区划代码"),
        (["43", "湖南省", "省", "42"], "上级区划代码", "省级区划不填写上级区划代码"),
        (["421224103001", "某村", "村", "421224103"], "上级区划代码", "上级区划代码 421224103 不存在"),
        (["421224100002", "某村", "村", "421224"], "上级区划代码", "村级区划的上级应为乡级，421224 是县级"),
        (
            ["421224101002", "某村", "村", "421224100"],
            "上级区划代码",
            "区划代码 421224101002 不以上级区划代码 421224100 开头",
        ),
        (["421224102", "大畈镇", "乡", "421224"], "区划代码", "区划代码在文件中重复出现（第2行已有）"),
    ],
    ids=[
        "length",
        "digits",
        "level",
        "name",
        "no-parent",
        "province-parent",
        "unknown-parent",
        "parent-level",
        "not-under-parent",
        "duplicate",
    ],
)
def test_division_rejections(row, column, fragment, county, admin, tmp_path):
    before = Division.objects.count()
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, [VALID_DIVISION, row]), admin, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report)[3] == 1
    assert Division.objects.count() == before
    assert not import_changes().exists()


def test_division_child_before_its_parent_is_rejected(county, admin, tmp_path):
    rows = [["421224102001", "大畈村", "村", "421224102"], VALID_DIVISION]
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, rows), admin, dry_run=False)
    assert_rejected(report, 2, "上级区划代码", "在本文件中先于下级出现")
    assert not Division.objects.filter(code="421224102").exists()


def test_division_outside_the_users_scope_is_rejected(county, orgs_section, tmp_path):
    rows = [VALID_DIVISION, ["4213", "随州市", "市", "42"]]
    report = run("divisions", write_table_file(tmp_path, DIVISION_HEADER, rows), orgs_section, dry_run=False)
    assert_rejected(report, 3, "区划代码", "该区划不在您的管辖范围内")
    assert not Division.objects.filter(code__in=["421224102", "4213"]).exists()


@pytest.mark.parametrize("role", [Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.LEADER])
def test_division_import_needs_the_orgs_domain(role, county, tmp_path):
    report = run(
        "divisions", write_table_file(tmp_path, DIVISION_HEADER, DIVISION_ROWS), county.users[role], dry_run=False
    )
    assert report.file_error == "您的角色无权导入行政区划数据。"
    assert not Division.objects.filter(code="421224102").exists()


# Schools --------------------------------------------------------------------------------------------------

SCHOOL_HEADER = [
    "学校标识码",
    "学校名称",
    "办学类型",
    "办别",
    "是否普惠",
    "城乡分类",
    "所在乡镇代码",
    "上级学校标识码",
    "学位数",
]
SCHOOL_ROWS = [
    ["2142000401", "南林桥镇第二小学", "小学", "公办", "否", "乡村", "421224101", "", "500"],  # new
    ["2142000402", "南林桥镇石门教学点", "教学点", "公办", "否", "乡村", "421224101", "2142000401", "30"],  # new
    ["1142000501", "通羊镇阳光幼儿园", "幼儿园", "民办", "是", "城区", "421224100", "", "120"],  # new
    ["2142000101", "通羊镇第一小学", "小学", "公办", "否", "城区", "421224100", "", "300"],  # changed: name
    ["2142000301", "南林桥镇中心小学", "小学", "公办", "否", "乡村", "421224101", "", "300"],  # unchanged
    ["2142000102", "通羊镇畈上教学点", "教学点", "公办", "", "乡村", "421224100", "2142000101", ""],  # unchanged
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_school_dry_run_counts_and_writes_nothing(fmt, county, admin, tmp_path):
    before = School.objects.count()
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, SCHOOL_ROWS, fmt), admin)
    assert report.ok, report.issues
    assert report_counts(report) == (3, 1, 2, 0)
    assert report.samples == [{"row": 5, "changes": {"name": ["通羊镇中心小学", "通羊镇第一小学"]}}]
    assert School.objects.count() == before


def test_school_commit_writes_audits_and_reimport_changes_nothing(county, orgs_section, tmp_path):
    path = write_table_file(tmp_path, SCHOOL_HEADER, SCHOOL_ROWS)
    batch = run_batch("schools", path, orgs_section, dry_run=False)
    assert batch.status == ImportStatus.COMMITTED, batch.report
    primary = School.objects.get(code="2142000401")
    point = School.objects.get(code="2142000402")
    kindergarten = School.objects.get(code="1142000501")
    assert (primary.category, primary.township_id, primary.capacity) == ("primary", county.township_b.pk, 500)
    assert (point.category, point.parent_id, point.urban_rural) == ("teaching_point", primary.pk, "rural")
    assert (kindergarten.ownership, kindergarten.inclusive) == ("private", True)
    assert School.objects.get(code="2142000101").name == "通羊镇第一小学"
    assert School.objects.get(code="2142000102").capacity == 300  # an empty 学位数 keeps the stored value

    changes = ObjectChange.objects.filter(batch_id=batch.pk)
    assert changes.count() == 4
    assert set(changes.values_list("source", flat=True)) == {ChangeSource.IMPORT}
    created = {c.object_id: c for c in changes.filter(action=ChangeAction.CREATE)}
    assert set(created) == {primary.pk, point.pk, kindergarten.pk}
    assert created[point.pk].changes["parent"] == [None, primary.pk]
    assert (created[point.pk].school_id, created[point.pk].division_code) == (point.pk, "421224101")
    update = changes.get(action=ChangeAction.UPDATE)
    assert update.changes == {"name": ["通羊镇中心小学", "通羊镇第一小学"]}

    logged = ObjectChange.objects.count()
    again = run("schools", path, orgs_section, dry_run=False)
    assert again.committed and report_counts(again) == (0, 0, 6, 0)
    assert ObjectChange.objects.count() == logged

    service.import_batch_rollback(batch=batch, acting_user=orgs_section)  # teaching point before its school
    assert not School.objects.filter(code__in=["2142000401", "2142000402", "1142000501"]).exists()
    assert School.objects.get(code="2142000101").name == "通羊镇中心小学"


def test_school_moved_to_another_township_and_made_a_teaching_point(county, admin, tmp_path):
    rows = [["2142000301", "南林桥镇中心小学", "教学点", "公办", "否", "乡村", "421224100", "2142000101", "80"]]
    make_school("2142000399", "空校", "primary", county.township_b)
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, rows), admin, dry_run=False)
    assert report.committed and report_counts(report) == (0, 1, 0, 0)
    school = School.objects.get(code="2142000301")
    assert (school.category, school.parent_id, school.township_id, school.capacity) == (
        "teaching_point",
        county.school_a1.pk,
        county.township_a.pk,
        80,
    )
    change = import_changes().get(object_id=school.pk)
    assert change.changes["parent"] == [None, county.school_a1.pk]
    assert change.changes["township"] == [county.township_b.pk, county.township_a.pk]


VALID_SCHOOL = SCHOOL_ROWS[0]


def _school(**overrides) -> list:
    keys = ["code", "name", "category", "ownership", "inclusive", "urban_rural", "township", "parent", "capacity"]
    values = dict(zip(keys, ["2142000403", "新校", "小学", "公办", "否", "乡村", "421224101", "", "100"], strict=True))
    values.update(overrides)
    return [values[key] for key in keys]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (_school(code="2142"), "学校标识码", "学校标识码“2142”应为10位数字"),
        (_school(code="2143000403"), "学校标识码", "应为所在省代码 42"),
        (_school(code="2142000401"), "学校标识码", "学校标识码在文件中重复出现（第2行已有）"),
        (_school(name=""), "学校名称", "必填项不能为空"),
        (_school(category="大学"), "办学类型", "办学类型“大学”不在可选值中"),
        (_school(ownership="私立"), "办别", "办别“私立”不在可选值中"),
        (_school(urban_rural="郊区"), "城乡分类", "城乡分类“郊区”不在可选值中"),
        (_school(inclusive="也许"), "是否普惠", "应填“是”或“否”"),
        (_school(inclusive="是"), "是否普惠", "“普惠性”仅适用于民办幼儿园"),
        (_school(township="421223100"), "所在乡镇代码", "421223 尚未在本系统设立"),
        (_school(township="421224199"), "所在乡镇代码", "乡镇代码 421224199 不存在"),
        (_school(township="421224100001"), "所在乡镇代码", "乡镇代码 421224100001 应为9位数字"),
        (_school(category="教学点"), "上级学校标识码", "教学点必须填写所属小学的学校标识码"),
        (
            _school(category="教学点", parent="3142000201"),
            "上级学校标识码",
            "教学点只能附属于小学，3142000201 是初级中学",
        ),
        (_school(category="教学点", parent="2142000499"), "上级学校标识码", "上级学校标识码 2142000499 不存在"),
        (_school(category="教学点", parent="2142000102"), "上级学校标识码", "教学点只能附属于小学"),
        (_school(parent="2142000101"), "上级学校标识码", "只有教学点需要填写上级学校"),
        (_school(capacity="-5"), "学位数", "应为不小于0的整数"),
        (_school(capacity="很多"), "学位数", "应为不小于0的整数"),
        (
            _school(code="2142000101", name="通羊镇中心小学", category="初级中学", township="421224100"),
            "办学类型",
            "该小学下设有教学点，不能改为其他办学类型",
        ),
    ],
    ids=[
        "code-format",
        "code-province",
        "duplicate",
        "name",
        "category",
        "ownership",
        "urban-rural",
        "bool",
        "inclusive",
        "other-county",
        "unknown-township",
        "village-as-township",
        "point-without-parent",
        "point-parent-junior",
        "point-parent-unknown",
        "point-parent-point",
        "parent-for-primary",
        "capacity-negative",
        "capacity-text",
        "primary-with-points",
    ],
)
def test_school_rejections(row, column, fragment, county, admin, tmp_path):
    before = School.objects.count()
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, [VALID_SCHOOL, row]), admin, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert report_counts(report)[3] == 1
    assert School.objects.count() == before
    assert not import_changes().exists()


def test_school_teaching_point_before_its_primary_school_is_rejected(county, admin, tmp_path):
    rows = [SCHOOL_ROWS[1], SCHOOL_ROWS[0]]
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, rows), admin, dry_run=False)
    assert_rejected(report, 2, "上级学校标识码", "须已在系统中，或在本文件中先于教学点出现")
    assert not School.objects.filter(code__in=["2142000401", "2142000402"]).exists()


def test_school_scope_township_and_existing_school(county, tmp_path):
    user = make_user("orgs_a", Role.SECTION, divisions=[county.township_a], domains=[ORGS_DOMAIN])
    rows = [
        _school(code="2142000404", township="421224100"),  # a new school in 通羊镇: allowed
        _school(code="2142000405", township="421224101"),  # 南林桥镇: outside the user's scope
        ["2142000301", "南林桥镇中心小学", "小学", "公办", "否", "乡村", "421224100", "", "300"],  # B1, not the user's
    ]
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, rows), user, dry_run=False)
    assert report_counts(report) == (1, 0, 0, 2)
    assert_rejected(report, 3, "所在乡镇代码", "该乡镇不在您的管辖范围内")
    assert_rejected(report, 4, "学校标识码", "该学校不在您的管辖范围内")
    assert not School.objects.filter(code="2142000404").exists()
    assert School.objects.get(code="2142000301").township_id == county.township_b.pk


@pytest.mark.parametrize("role", [Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR])
def test_school_import_needs_the_orgs_domain(role, county, tmp_path):
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, SCHOOL_ROWS), county.users[role], dry_run=False)
    assert report.file_error == "您的角色无权导入学校数据。"


def test_school_english_headers_and_codes(county, admin, tmp_path):
    header = [
        "code",
        "name",
        "category",
        "ownership",
        "inclusive",
        "urban_rural",
        "township_code",
        "parent_code",
        "capacity",
    ]
    rows = [["2142000401", "南林桥镇第二小学", "primary", "public", "no", "rural", "421224101", "", 500]]
    report = run("schools", write_table_file(tmp_path, header, rows), admin, dry_run=False)
    assert report.committed and report_counts(report) == (1, 0, 0, 0)
    assert School.objects.get(code="2142000401").capacity == 500


def test_school_dates_are_not_needed_and_opened_on_stays_empty(county, admin, tmp_path):
    report = run("schools", write_table_file(tmp_path, SCHOOL_HEADER, SCHOOL_ROWS[:1]), admin, dry_run=False)
    assert report.committed
    school = School.objects.get(code="2142000401")
    assert school.opened_on is None and School.objects.existing_on(dt.date(2024, 9, 1)).filter(pk=school.pk).exists()


# Chunks and query counts ----------------------------------------------------------------------------------


def test_parents_defined_in_an_earlier_chunk(county, admin, tmp_path):
    divisions = run_import(
        get_spec("divisions"),
        write_table_file(tmp_path, DIVISION_HEADER, DIVISION_ROWS),
        user=admin,
        dry_run=False,
        chunk_size=1,
    )
    assert divisions.committed and report_counts(divisions) == (2, 1, 1, 0)
    schools = run_import(
        get_spec("schools"),
        write_table_file(tmp_path, SCHOOL_HEADER, SCHOOL_ROWS),
        user=admin,
        dry_run=False,
        chunk_size=1,
    )
    assert schools.committed and report_counts(schools) == (3, 1, 2, 0)
    assert School.objects.get(code="2142000402").parent.code == "2142000401"


def _queries(kind, path, user, dry_run) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        report = run(kind, path, user, dry_run=dry_run)
    assert report.ok and report.committed != dry_run, report.issues
    return len(captured)


@pytest.mark.parametrize("dry_run", [True, False])
def test_query_count_does_not_grow_with_rows(dry_run, county, admin, tmp_path):
    def villages(n):
        return [[f"421224100{100 + i:03d}", f"村{i}", "村", "421224100"] for i in range(n)]

    def schools(n):
        return [_school(code=f"21420050{i:02d}", name=f"学校{i}") for i in range(n)]

    for kind, header, make in (("divisions", DIVISION_HEADER, villages), ("schools", SCHOOL_HEADER, schools)):
        few = _queries(kind, write_table_file(tmp_path, header, make(3)), admin, dry_run)
        (Division if kind == "divisions" else School).objects.filter(code__in=[row[0] for row in make(3)]).delete()
        many = _queries(kind, write_table_file(tmp_path, header, make(40)), admin, dry_run)
        assert many == few, (kind, few, many)
