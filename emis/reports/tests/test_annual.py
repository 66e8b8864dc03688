"""The annual report: the CJK font of its charts, its phrasing, the command's errors, and the pages (draft and
annex downloads in each role's scope; upload, publish and lock of the county's edited version).

The web tests run on the small two-township county of emis.testing (years 2023 and 2024); the published
figures of the demo county are checked in emis/demo/tests/tongshan/test_annual_demo.py.
"""

import io
import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from python_calamine import CalamineWorkbook

from emis.core.access import Role
from emis.core.models import AuditEvent, ObjectChange
from emis.indicators.apps import DOMAIN as INDICATORS_DOMAIN
from emis.reports.annual.wording import count_phrase, points_phrase
from emis.reports.charts import FONT_FAMILY, Chart, font_file, missing_glyphs, render_png, resolved_font
from emis.reports.models import AnnualReport, AnnualReportStatus

PAGE, DRAFT, ANNEX, UPLOAD = (
    "/reports/annual/",
    "/reports/annual/draft/",
    "/reports/annual/annex/",
    "/reports/annual/upload/",
)


# The font --------------------------------------------------------------------------------------------------


def test_the_chart_font_is_the_packaged_noto_sans_cjk_sc():
    from matplotlib import font_manager

    entry = resolved_font()
    assert Path(entry.path) == font_file() and entry.face_index == 2  # the SC face of the collection
    assert "site-packages" in entry.path  # installed with the project, not a system font
    assert font_manager.get_font(entry).family_name == FONT_FAMILY


def test_every_character_of_the_report_labels_has_a_glyph():
    assert missing_glyphs("学前三年毛入园率大班额比例普惠性幼儿园覆盖率各乡镇（%）：≥≤2015年与2020年国家标准") == set()
    # The check can fail: an emoji is in no CJK font.
    assert missing_glyphs("入园😀") == {"😀"}


def test_a_rendered_chart_uses_the_font_without_tofu():
    chart = Chart(
        "t",
        "各乡镇学前三年毛入园率（%）",
        ["通羊镇", "南林桥镇", "九宫山自然保护管理局"],
        [("2015年", [85.0, None, 60.5]), ("2020年", [91.05, 67.93, 88.82])],
        threshold=85,
        threshold_label="国家标准 ≥85%",
    )
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" when it falls back to a font without the character.
        warnings.simplefilter("error")
        png = render_png(chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert missing_glyphs(chart.all_text()) == set()


# Phrasing --------------------------------------------------------------------------------------------------


def test_changes_in_percentage_points():
    assert points_phrase(Decimal("91.05"), Decimal("85.00"), 2015) == "比2015年提高6.05个百分点"
    assert points_phrase(Decimal("3.65"), Decimal("5.10"), 2015) == "比2015年下降1.45个百分点"
    assert points_phrase(Decimal("98.00"), Decimal("98.00"), 2015) == "与2015年持平"
    assert points_phrase(Decimal("98.00"), None, 2015) == ""
    assert points_phrase(None, Decimal("98.00"), 2015) == ""


def test_changes_in_counts():
    assert count_phrase(29, 21, 2015, "所") == "比2015年增加8所"
    assert count_phrase(21, 29, 2015, "所") == "比2015年减少8所"
    assert count_phrase(29, 29, 2015, "所") == "与2015年持平"
    assert count_phrase(44684, 0, 2015, "人") == ""  # no records of that kind in the baseline year
    assert count_phrase(44684, None, 2015, "人") == ""


# The command -----------------------------------------------------------------------------------------------


def test_command_refuses_bad_arguments(county, tmp_path):
    with pytest.raises(CommandError, match="应以 .docx 结尾"):
        call_command("report", "annual", "--year", "2024", "--out", str(tmp_path / "r.doc"))
    with pytest.raises(CommandError, match="没有 1999 学年"):
        call_command("report", "annual", "--year", "1999", "--out", str(tmp_path / "r.docx"))
    with pytest.raises(CommandError, match="应早于"):
        call_command("report", "annual", "--year", "2024", "--baseline", "2024", "--out", str(tmp_path / "r.docx"))
    with pytest.raises(CommandError, match="不存在"):
        call_command("report", "annual", "--year", "2024", "--out", str(tmp_path / "no" / "r.docx"))
    with pytest.raises(CommandError, match="用户 nobody"):
        call_command("report", "annual", "--year", "2024", "--as", "nobody", "--out", str(tmp_path / "r.docx"))


def test_command_in_a_users_scope(county, tmp_path):
    out = tmp_path / "r.docx"
    stdout = io.StringIO()
    call_command(
        "report",
        "annual",
        "--year",
        "2024",
        "--baseline",
        "2023",
        "--as",
        "township_a",
        "--out",
        str(out),
        stdout=stdout,
    )
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "通羊镇2024年度工作报告" in text
    assert "全镇共有小学1所（另有教学点1个），学生2人；初中学校1所，学生1人" in text


# Pages -----------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def docx_upload(text: str = "修改后的报告", name: str = "通山县2024年度工作报告（修改稿）.docx") -> SimpleUploadedFile:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def upload(client, file, year: int = 2024):
    return client.post(UPLOAD, {"year": year, "file": file})


def first_line(report) -> str:
    with report.file.open("rb") as handle:
        return Document(handle).paragraphs[0].text


def report_changes(report):
    return ObjectChange.objects.filter(object_id=report.pk, content_type__model="annualreport")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_page_shows_the_draft_in_every_scope(county):
    for role, title in (
        (Role.ADMIN, "通山县教育局2024年度工作报告"),
        (Role.LEADER, "通山县教育局2024年度工作报告"),
        (Role.TOWNSHIP, "通羊镇2024年度工作报告"),
        (Role.SCHOOL, "通羊镇中心小学2024年度工作报告"),
    ):
        response = client_for(county.users[role]).get(PAGE)
        assert response.status_code == 200, role
        page = response.content.decode()
        assert title in page, role
        assert ("审核与发布" in page) and ('data-testid="annual-preview"' in page)
        county_wide = role in (Role.ADMIN, Role.LEADER)
        assert ('data-testid="annual-not-county"' in page) is not county_wide, role
        assert ('data-testid="annual-upload-form"' in page) is (role == Role.ADMIN), role


@pytest.fixture
def built(monkeypatch) -> list:
    """The drafts drafted during the test (one entry per call of annual_draft)."""
    from emis.reports.annual import services

    calls = []
    real = services.annual_draft

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "annual_draft", counting)
    return calls


def test_the_draft_is_kept_until_the_data_changes(county, built):
    from emis.testing import make_school

    client = client_for(county.users[Role.ADMIN])
    first = client.get(PAGE).content.decode()
    assert client.get(PAGE).status_code == 200 and client.get(DRAFT).status_code == 200
    assert len(built) == 1  # the page twice and the Word download: drafted once
    assert client_for(county.users[Role.TOWNSHIP]).get(PAGE).status_code == 200
    assert len(built) == 2  # another scope has its own draft
    make_school("1142000998", "新建幼儿园", "kindergarten", county.township_a)  # a recorded change
    again = client.get(PAGE).content.decode()
    assert len(built) == 3
    assert first != again  # the new kindergarten is counted


def test_the_page_link_downloads_the_draft_it_showed_after_the_data_changed(county, built):
    """An import committed between the page and the click changes the data's version: the page's link still
    downloads the draft the page showed (no second drafting, no redirect back to a new job), for that user only."""
    from emis.testing import make_school

    client = client_for(county.users[Role.ADMIN])
    page = client.get(PAGE)
    draft_url, annex_url = page.context["draft_url"], page.context["annex_url"]
    assert "&v=" in draft_url and "&v=" in annex_url and len(built) == 1
    make_school("1142000997", "又一所幼儿园", "kindergarten", county.township_a)  # the data change
    response = client.get(draft_url)
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get(annex_url).content[:2] == b"PK"
    assert len(built) == 1  # the draft shown, not a new one
    # Another user's copy of the link: their own draft of today's data (their scope), never the admin's.
    township = client_for(county.users[Role.TOWNSHIP]).get(draft_url)
    assert Document(io.BytesIO(township.content)).paragraphs[0].text == "通羊镇2024年度工作报告"
    assert len(built) == 2
    # Without the version, the download is of today's data: drafted again.
    assert client.get(DRAFT, {"year": "2024"}).status_code == 200 and len(built) == 3


def test_a_schools_download_link_tells_nothing_of_the_deployments_writes(county, built):
    """The data version is the deployment's last change record, a counter of every school's and county's writes: the
    links a school's page carries name it only as an opaque token, which still follows the data."""
    from emis.indicators.services import data_version
    from emis.testing import make_school

    client = client_for(county.users[Role.SCHOOL])
    last_change = ObjectChange.objects.order_by("-id").values_list("id", flat=True).first()
    page = client.get(PAGE)
    html = page.content.decode()
    token = page.context["draft_url"].split("&v=")[1]
    for secret in (data_version(), f"c{last_change}", str(last_change)):
        assert secret not in token and secret not in html.split('data-testid="annual-draft"')[1].split(">")[0]
    assert client.get(page.context["draft_url"]).content[:2] == b"PK"
    make_school("1142000996", "另一所幼儿园", "kindergarten", county.township_a)  # a write elsewhere
    assert client.get(PAGE).context["draft_url"].split("&v=")[1] != token  # the token follows the data


def test_unknown_year_or_baseline_is_404(county):
    client = client_for(county.users[Role.LEADER])
    assert client.get(PAGE, {"year": "1999"}).status_code == 404
    assert client.get(PAGE, {"year": "2024", "baseline": "2024"}).status_code == 404
    assert client.get(DRAFT, {"year": "2024", "baseline": "abc"}).status_code == 404
    assert client.get(PAGE, {"year": "2024", "baseline": "2023"}).status_code == 200


def test_draft_download_is_the_users_scope(county):
    response = client_for(county.users[Role.TOWNSHIP]).get(DRAFT, {"year": "2024", "baseline": "2023"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text == "通羊镇2024年度工作报告"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "南林桥镇" not in text  # the other township's figures are not in a township user's draft
    assert "对比基准：2023年" in text


def test_annex_download(county):
    response = client_for(county.users[Role.ADMIN]).get(ANNEX, {"year": "2024"})
    assert response.status_code == 200
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert workbook.sheet_names == ["指标汇总", "分乡镇", "指标定义", "说明"]
    totals = {row[0]: row for row in workbook.get_sheet_by_name("指标汇总").to_python()[1:]}
    assert totals["primary_pupils"][3] == 4 and totals["junior_students"][3] == 1
    townships = workbook.get_sheet_by_name("分乡镇").to_python()[1:]
    pupils = {row[4]: row[5] for row in townships if row[0] == "primary_pupils"}
    assert pupils == {"通羊镇": 2, "南林桥镇": 2}


def test_upload_creates_a_draft_and_audits_it(county):
    admin = county.users[Role.ADMIN]
    client = client_for(admin)
    response = upload(client, docx_upload())
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?year=2024"
    report = AnnualReport.objects.get()
    assert (report.division, report.school_year, report.status) == (county.county, county.year, "draft")
    assert report.file_name == "通山县2024年度工作报告（修改稿）.docx" and report.uploaded_by == admin
    assert report.file.name.startswith("reports/annual/421224/2024/")
    assert first_line(report) == "修改后的报告"
    change = report_changes(report).get()
    assert change.action == "create" and change.changes["file_name"][1] == report.file_name
    assert change.division_code == "421224" and "file" not in change.changes
    event = AuditEvent.objects.get(event="annual_report.uploaded")
    assert event.data["year"] == 2024 and event.data["created"] is True and event.username == admin.username

    # A second upload replaces the file of the same report (one report per county and year), change-logged.
    first = report.file_sha256
    assert upload(client, docx_upload("第二稿")).status_code == 302
    report.refresh_from_db()
    assert AnnualReport.objects.count() == 1 and report.file_sha256 != first
    assert first_line(report) == "第二稿"
    update = report_changes(report).get(action="update")
    assert update.changes["file_sha256"] == [first, report.file_sha256]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("报告.txt", b"text"), "请上传 Word 文档（.docx）"),
        (SimpleUploadedFile("报告.doc", b"\xd0\xcf\x11\xe0"), "请上传 Word 文档（.docx）"),
        (SimpleUploadedFile("报告.docx", b"not a zip at all"), "不是有效的 Word 文档"),
        (SimpleUploadedFile("报告.docx", b""), "空文件"),
    ],
)
def test_upload_refuses_what_is_not_a_docx(county, file, message):
    response = upload(client_for(county.users[Role.ADMIN]), file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_upload_refuses_a_zip_that_is_not_a_word_document(county):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    response = upload(client_for(county.users[Role.ADMIN]), SimpleUploadedFile("表.docx", buffer.getvalue()))
    assert "不是有效的 Word 文档" in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_who_may_upload(county):
    for role in (Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR):
        assert upload(client_for(county.users[role]), docx_upload()).status_code == 404, role
    assert not AnnualReport.objects.exists()
    # 股室人员 who write the indicators domain do; the county is in their scope.
    section = county.users[Role.SECTION]
    section.domains = [*section.domains, INDICATORS_DOMAIN]
    section.save()
    assert upload(client_for(section), docx_upload()).status_code == 302
    assert AnnualReport.objects.get().uploaded_by == section


def test_publish_locks_the_year(county):
    admin = county.users[Role.ADMIN]
    client = client_for(admin)
    upload(client, docx_upload())
    report = AnnualReport.objects.get()
    publish = f"/reports/annual/{report.pk}/publish/"
    assert client.get(publish).status_code == 405
    assert client_for(county.users[Role.LEADER]).post(publish).status_code == 404
    response = client.post(publish, follow=True)
    assert "已发布，不能再上传修改稿" in " ".join(messages_of(response))
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.PUBLISHED and report.published_by == admin and report.published_at
    assert AuditEvent.objects.filter(event="annual_report.published", data__report=report.pk).count() == 1
    assert report_changes(report).get(action="update").changes["status"] == ["draft", "published"]

    # Locked: no more uploads for that year, and publishing again changes nothing.
    sha = report.file_sha256
    response = upload(client, docx_upload("晚来的修改"))
    assert response.status_code == 200 and "2024年度工作报告已发布，不能再上传修改稿" in response.content.decode()
    response = client.post(publish, follow=True)
    assert any("已于" in m for m in messages_of(response))
    report.refresh_from_db()
    assert report.file_sha256 == sha and AuditEvent.objects.filter(event="annual_report.published").count() == 1
    page = client.get(PAGE, {"year": "2024"}).content.decode()
    assert 'data-testid="annual-published"' in page and 'data-testid="annual-upload-form"' not in page
    # The report answers for the year's newest indicator snapshot (the fixture's version 1).
    assert report.snapshot.school_year_id == report.school_year_id and report.snapshot.version == 1
    assert 'data-testid="annual-snapshot"' in page
    # Another year is still open.
    assert upload(client, docx_upload(), year=2023).status_code == 302


def test_published_file_is_downloadable_inside_the_county_scope(county):
    upload(client_for(county.users[Role.ADMIN]), docx_upload("定稿"))
    report = AnnualReport.objects.get()
    client_for(county.users[Role.ADMIN]).post(f"/reports/annual/{report.pk}/publish/")
    url = f"/reports/annual/{report.pk}/file/"
    for role in (Role.ADMIN, Role.LEADER, Role.SECTION):
        response = client_for(county.users[role]).get(url)
        assert response.status_code == 200, role
        body = b"".join(response.streaming_content)
        assert Document(io.BytesIO(body)).paragraphs[0].text == "定稿"
        assert "attachment" in response["Content-Disposition"]
    for role in (Role.TOWNSHIP, Role.SCHOOL, Role.INSPECTOR):
        assert client_for(county.users[role]).get(url).status_code == 404, role
    assert Client().get(url).status_code == 302


def test_publishing_a_year_without_a_snapshot_publishes_its_figures(county):
    from emis.indicators.models import IndicatorSnapshot

    admin = county.users[Role.ADMIN]
    client = client_for(admin)
    assert upload(client, docx_upload(), year=2023).status_code == 302
    report = AnnualReport.objects.get(school_year__start_year=2023)
    assert not IndicatorSnapshot.objects.filter(school_year=report.school_year).exists()
    client.post(f"/reports/annual/{report.pk}/publish/")
    report.refresh_from_db()
    snapshot = IndicatorSnapshot.objects.get(school_year=report.school_year)
    assert report.is_published and report.snapshot == snapshot
    assert snapshot.division_code == report.division.code and snapshot.published_by == admin
    assert any(v["code"] == "kg_count" for v in snapshot.values["values"])
