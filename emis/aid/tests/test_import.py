"""The `aid_eligibility` import (身份证件号, 姓名, 资助对象类别, 认定日期, 认定来源) through the import engine:
row errors in Chinese naming row, column and reason; dry run writes nothing; atomic; re-importing the same file
changes nothing; a changed date is an update; a township cannot import; the record is filed under the pupil's
township."""

from __future__ import annotations

import datetime as dt

import pytest

from emis.aid.models import Recognition
from emis.core.access import Role
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.testing import assert_rejected, id_for, report_counts, write_table_file

pytestmark = pytest.mark.django_db
HEADER = ["身份证件号", "姓名", "资助对象类别", "认定日期", "认定来源"]


def run(path, user, *, dry_run=True):
    return run_import(get_spec("aid_eligibility"), path, user=user, school_year=2024, dry_run=dry_run)


def rows(county):
    a1, b1 = county.students["张三丰"], county.students["赵思飞"]
    return [
        [a1.id_number, a1.name, "脱贫家庭", dt.date(2024, 9, 10), "乡村振兴"],
        [a1.id_number, a1.name, "低保", dt.date(2024, 9, 12), "民政"],
        [b1.id_number, b1.name, "残疾学生", dt.date(2024, 9, 1), "残联"],
    ]


def test_dry_run_then_commit_then_idempotent(county, aid_staff, tmp_path):
    path = write_table_file(tmp_path, HEADER, rows(county))
    report = run(path, aid_staff)
    assert report_counts(report) == (3, 0, 0, 0) and not Recognition.objects.exists()
    report = run(path, aid_staff, dry_run=False)
    assert report.committed and Recognition.objects.count() == 3
    a1 = Recognition.objects.get(id_number=county.students["张三丰"].id_number, category="poverty")
    assert (a1.township_code, a1.county_code, a1.source) == ("421224100", "421224", "rural")
    assert Recognition.objects.get(category="disabled").township_code == "421224101"
    again = run(path, aid_staff, dry_run=False)
    assert report_counts(again) == (0, 0, 3, 0)
    assert Recognition.objects.count() == 3

    changed = rows(county)
    changed[0][3] = dt.date(2024, 9, 20)
    report = run(write_table_file(tmp_path, HEADER, changed, fmt="csv"), aid_staff, dry_run=False)
    assert report_counts(report) == (0, 1, 2, 0)
    a1.refresh_from_db()
    assert a1.recognised_on == dt.date(2024, 9, 20)


@pytest.mark.parametrize(
    ("cell", "value", "column", "fragment"),
    [
        (0, "bad check digit", "身份证件号", "校验"),
        (2, "贫困户", "资助对象类别", "未知的资助对象类别"),
        (4, "扶贫办", "认定来源", "未知的认定来源"),
        (3, dt.date(2099, 1, 1), "认定日期", "晚于今天"),
    ],
)
def test_row_errors_name_row_column_and_reason_and_nothing_is_written(
    county, aid_staff, tmp_path, cell, value, column, fragment
):
    data = rows(county)
    if value == "bad check digit":
        valid = data[1][0]
        value = valid[:-1] + ("1" if valid[-1] == "0" else "0")
    data[1][cell] = value
    report = run(write_table_file(tmp_path, HEADER, data), aid_staff, dry_run=False)
    assert_rejected(report, 3, column, fragment)
    assert not Recognition.objects.exists()  # atomic: the good rows are not written either


def test_the_same_child_and_category_twice_in_a_file(county, aid_staff, tmp_path):
    data = rows(county)
    data.append(list(data[0]))
    report = run(write_table_file(tmp_path, HEADER, data), aid_staff)
    assert_rejected(report, 5, "资助对象类别", "重复")


def test_a_child_unknown_to_the_county_is_filed_under_the_importers_county(county, aid_staff, tmp_path):
    stranger = id_for(dt.date(2015, 5, 5), "1")
    report = run(
        write_table_file(tmp_path, HEADER, [[stranger, "外来生", "孤儿", dt.date(2024, 9, 1), "民政"]]),
        aid_staff,
        dry_run=False,
    )
    assert report.committed
    record = Recognition.objects.get(category="orphan")
    assert (record.county_code, record.township_code) == ("421224", "")


def test_only_the_county_imports(county, tmp_path):
    path = write_table_file(tmp_path, HEADER, rows(county))
    for role in (Role.TOWNSHIP, Role.SCHOOL, Role.LEADER):
        report = run(path, county.users[role])
        assert "无权导入资助对象认定" in report.file_error
