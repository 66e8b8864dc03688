"""The `tutoring_institutions` import (所在乡镇代码, 机构名称 and the registry's columns) through the import engine:
rows found by township and name; an empty cell keeps what is stored; the registry's rules (学科类 is non-profit, the
licence expires after it is issued) refuse a row in Chinese naming its row and column; nothing is written when a row
is refused; the same file again changes nothing; a township imports its own township's institutions only; the batch
rolls back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from emis.core.access import Role
from emis.core.imports import service
from emis.core.imports.engine import run_import
from emis.core.imports.registry import get_spec
from emis.core.models import ChangeSource, ObjectChange
from emis.testing import assert_rejected, make_user, report_counts, write_table_file
from emis.tutoring.apps import DOMAIN
from emis.tutoring.models import Institution

from .conftest import make_institution

pytestmark = pytest.mark.django_db
HEADER = ["所在乡镇代码", "机构名称", "法人类型", "培训类别", "办学地址", "发证日期", "许可证有效期至", "黑白名单"]


def run(path, user, *, dry_run=True, **kwargs):
    return run_import(get_spec("tutoring_institutions"), path, user=user, dry_run=dry_run, **kwargs)


def rows():
    return [
        ["421224100", "通羊启航培训学校", "非营利性（民办非企业单位）", "学科类", "通羊镇府前路8号", "2021-10-15",
         "2026-10-14", ""],
        ["421224101", "南林桥童心美术培训中心", "营利性（企业）", "非学科类", "南林桥镇新街2号", "", "", "白名单"],
    ]  # fmt: skip


def test_dry_run_then_commit_then_the_same_file_changes_nothing(county, desk, tmp_path):
    path = write_table_file(tmp_path, HEADER, rows())
    report = run(path, desk)
    assert report_counts(report) == (2, 0, 0, 0) and not Institution.objects.exists()
    report = run(path, desk, dry_run=False)
    assert report.committed
    qihang = Institution.objects.get(name="通羊启航培训学校")
    assert (qihang.township, qihang.kind, qihang.legal_form) == (county.township_a, "academic", "nonprofit")
    assert (qihang.licence_issued, qihang.licence_expires) == (dt.date(2021, 10, 15), dt.date(2026, 10, 14))
    tongxin = Institution.objects.get(name="南林桥童心美术培训中心")
    assert (tongxin.township, tongxin.list_mark, tongxin.status) == (county.township_b, "white", "active")
    again = run(path, desk, dry_run=False)
    assert report_counts(again) == (0, 0, 2, 0)
    assert Institution.objects.count() == 2


def test_a_changed_cell_updates_and_an_empty_one_keeps_what_is_stored(county, desk, tmp_path):
    stored = make_institution(county, name="通羊学而思培训学校", phone="0715-1111111")
    header = ["所在乡镇代码", "机构名称", "联系电话", "办学地址", "黑白名单"]
    path = write_table_file(tmp_path, header, [["421224100", stored.name, "", "通羊镇新址9号", "黑名单"]])
    report = run(path, desk, dry_run=False)
    assert report_counts(report) == (0, 1, 0, 0)
    stored.refresh_from_db()
    assert (stored.address, stored.list_mark, stored.phone) == ("通羊镇新址9号", "black", "0715-1111111")
    change = ObjectChange.objects.filter(object_id=str(stored.pk), source=ChangeSource.IMPORT).latest("pk")
    assert set(change.changes) == {"address", "list_mark"}


@pytest.mark.parametrize(
    ("row", "cell", "value", "column", "fragment"),
    [
        (0, 0, "421224199", "所在乡镇代码", "不存在"),
        (0, 2, "营利性（企业）", "机构名称", "非营利性"),  # 学科类 must be non-profit (the registry's rule)
        (0, 3, "兴趣类", "培训类别", "无法识别"),
        (0, 6, "2020-01-01", "机构名称", "有效期不能早于发证日期"),
        (1, 7, "灰名单", "黑白名单", "无法识别"),
        (1, 2, "", "法人类型", "新增机构须填写法人类型"),
    ],
)
def test_row_errors_name_row_column_and_reason_and_nothing_is_written(
    county, desk, tmp_path, row, cell, value, column, fragment
):
    data = rows()
    data[row][cell] = value
    report = run(write_table_file(tmp_path, HEADER, data), desk, dry_run=False)
    assert_rejected(report, 2 + row, column, fragment)
    assert not Institution.objects.exists()  # atomic: the good row is not written either


def test_the_same_institution_twice_in_a_file(county, desk, tmp_path):
    data = rows()
    data.append(list(data[0]))
    report = run(write_table_file(tmp_path, HEADER, data), desk, dry_run=False)
    assert_rejected(report, 4, "机构名称", "重复")


def test_a_desk_scoped_to_a_township_imports_its_own_institutions_only(county, tmp_path):
    desk_a = make_user("section_tutoring_a", Role.SECTION, divisions=[county.township_a], domains=[DOMAIN])
    other = make_institution(county, name="南林桥育才培训学校", township=county.township_b)
    data = rows()
    report = run(write_table_file(tmp_path, HEADER, data), desk_a, dry_run=False)
    assert_rejected(report, 3, "所在乡镇代码", "不在您的管辖范围内")
    header = ["所在乡镇代码", "机构名称", "联系电话"]
    report = run(write_table_file(tmp_path, header, [["421224101", other.name, "110"]]), desk_a)
    assert_rejected(report, 2, "所在乡镇代码", "不在您的管辖范围内")
    report = run(write_table_file(tmp_path, HEADER, data[:1]), desk_a, dry_run=False)
    assert report.committed and Institution.objects.filter(township=county.township_a).count() == 1


@pytest.mark.parametrize("role", [Role.SCHOOL, Role.TOWNSHIP])
def test_schools_and_townships_may_not_import_the_registry(county, tmp_path, role):
    report = run(write_table_file(tmp_path, HEADER, rows()), county.users[role])
    assert "无权导入校外培训机构名录" in report.file_error


def test_the_batch_rolls_back(county, desk, tmp_path):
    stored = make_institution(county, name="通羊学而思培训学校")
    data = [*rows(), ["421224100", stored.name, "", "", "通羊镇新址9号", "", "", ""]]
    path = write_table_file(tmp_path, HEADER, data)
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = service.import_batch_create(
        kind="tutoring_institutions", upload=upload, school_year=None, dry_run=False, acting_user=desk
    )
    batch = service.import_batch_run(batch_id=batch.pk)
    assert (batch.counts["new"], batch.counts["changed"]) == (2, 1), batch.report
    assert Institution.objects.count() == 3
    service.import_batch_rollback(batch=batch, acting_user=desk)
    assert list(Institution.objects.values_list("name", "address")) == [(stored.name, stored.address)]


def test_the_list_links_to_the_import_and_its_template_downloads(county, desk, tmp_path):
    from django.test import Client
    from django.urls import reverse

    from emis.testing import response_text, xlsx_rows

    client = Client()
    client.force_login(desk)
    page = response_text(client.get(reverse("tutoring:institution_list")))
    assert "导入机构名录" in page
    upload_page = client.get(reverse("core:import_list"), {"kind": "tutoring_institutions"})
    assert upload_page.status_code == 200 and "校外培训机构名录" in response_text(upload_page)
    template = xlsx_rows(client.get(reverse("core:import_template", args=["tutoring_institutions"])))
    assert template[0][:2] == ["所在乡镇代码", "机构名称"]
    # The template's example row imports as it is (a township of the demo county's code).
    example = [template[0], *[row for row in template[1:] if row and row[0] == "421224100"][:1]]
    assert len(example) == 2, template
    report = run(write_table_file(tmp_path, example[0], example[1:]), desk)
    assert report_counts(report) == (1, 0, 0, 0), [(i.row, i.column, i.reason) for i in report.issues]
    # A township account sees no import link: it may not import the registry.
    township = Client()
    township.force_login(county.users[Role.TOWNSHIP])
    assert "导入机构名录" not in response_text(township.get(reverse("tutoring:institution_list")))
