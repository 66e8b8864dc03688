"""Developer text shown in words (issue 14, item 5): import templates and batch headers, the admission round's
tie-break rule, indicator sources and data versions, and the filters' 「全部」."""

from __future__ import annotations

from urllib.parse import unquote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from emis.core.access import Role


def test_import_templates_carry_chinese_names_on_the_page_and_in_the_download(county):
    client = Client()
    client.force_login(county.users[Role.SCHOOL])
    page = client.get("/core/imports/").content.decode()
    assert "学生学籍导入模板.xlsx" in page and "适龄人口登记导入模板.xlsx" in page and "学校导入模板.xlsx" in page
    assert ">students.xlsx<" not in page and ">outside.xlsx<" not in page
    response = client.get("/core/imports/template/students.xlsx")
    assert response.status_code == 200
    assert "学生学籍导入模板.xlsx" in unquote(response["Content-Disposition"])


def test_a_batch_header_names_kind_year_and_place_and_keeps_the_fingerprint_folded(county):
    from emis.core.imports import service
    from emis.core.imports.registry import get_spec
    from emis.core.imports.templates import template_workbook

    user = county.users[Role.SCHOOL]
    upload = SimpleUploadedFile("学生.xlsx", template_workbook(get_spec("students")))
    batch = service.import_batch_create(
        kind="students", upload=upload, school_year=2024, dry_run=True, acting_user=user
    )
    batch.refresh_from_db()
    client = Client()
    client.force_login(user)
    body = client.get(batch.get_absolute_url()).content.decode()
    assert "预检 · 学生（学籍系统导出） · 2024-2025 学年 · 通羊镇中心小学" in body
    assert "SHA-256" not in body and "· students ·" not in body
    if batch.sha256:
        assert "<summary>文件指纹</summary>" in body
    listing = client.get("/core/imports/").content.decode()
    assert "<td>学生（学籍系统导出）</td>" in listing


def test_the_tie_break_rule_is_chosen_and_shown_in_words(county):
    from emis.rounds.choices import describe_tie_break
    from emis.rounds.forms import AdmissionRoundForm

    admin = county.users[Role.ADMIN]
    form = AdmissionRoundForm(user=admin)
    html = str(form["tie_break"])
    assert "第 1 项" in html and ">总分<" in html and ">语数外合计<" in html and "考号（小者在前）" in html
    assert "exam_no" not in html.replace('value="exam_no"', "") and "chinese+math+english," not in html
    data = {
        "school_year": county.year.pk,
        "name": "2025年中考",
        "quota_share": "2/3",
        "quota_rule": "applicants",
        "preference_count": 10,
        "tie_break_0": "total",
        "tie_break_1": "math",
        "tie_break_2": "",
        "tie_break_3": "",
        "tie_break_4": "",
        "note": "",
    }
    form = AdmissionRoundForm(data, user=admin)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tie_break"] == "total,math,exam_no"
    repeated = AdmissionRoundForm({**data, "tie_break_2": "math"}, user=admin)
    assert not repeated.is_valid()
    assert repeated.errors["tie_break"][0].startswith("“数学”无法识别或重复")
    assert (
        describe_tie_break("total,chinese+math+english,math,exam_no") == "总分 → 语数外合计 → 数学 → 考号（小者在前）"
    )


def test_indicator_sources_are_described_in_words():
    from emis.indicators.definitions import INDICATORS

    for indicator in INDICATORS:
        assert "domain-rules" not in indicator.source_text and "design" not in indicator.source_text
        assert indicator.source_text


def test_every_filter_offers_all_as_its_unset_choice(county):
    client = Client()
    client.force_login(county.users[Role.ADMIN])
    for url in ("/orgs/school/", "/students/student/", "/work/case/", "/core/objectchange/", "/accounts/user/"):
        body = client.get(url).content.decode()
        assert "---------" not in body, url
        assert ">全部</option>" in body, url
