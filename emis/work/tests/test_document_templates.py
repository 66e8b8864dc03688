"""公文模板: a county bureau replaces the 整改通知书 template with its own; the file is checked by content and by
filling it with the kind's sample (a broken tag or a misspelt field is refused by name, nothing stored); the notices
of that county then use it, the other county's keep the default; going back restores the default. Rights: the
county's writers of the kind's domain and the administrator; the city reads; townships and schools never reach it."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from emis.core.access import Role
from emis.core.models import AuditEvent
from emis.rectification import services as rectification
from emis.rectification.services import DEFAULT_TEMPLATE, TEMPLATE_KIND
from emis.rectification.tests.conftest import draft
from emis.testing import make_neighbour_county, make_user
from emis.work import documents
from emis.work.models import DocumentTemplate

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 9, 30)
PAGE = reverse("work:document_templates")


def docx_with(*paragraphs: str) -> bytes:
    """The default template with paragraphs added at the end (what a clerk does in Word)."""
    document = Document(str(DEFAULT_TEMPLATE))
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(content: bytes, name="通山县整改通知书.docx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def text_of(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture
def issuer(county):
    from emis.rectification.apps import DOMAIN

    return make_user("section_tpl", Role.SECTION, divisions=[county.county], domains=[DOMAIN])


@pytest.fixture
def kind():
    return documents.kind(TEMPLATE_KIND)


def post_upload(client, content: bytes, county_code="421224", name="通山县整改通知书.docx"):
    url = reverse("work:document_template_upload", args=[TEMPLATE_KIND, county_code])
    field = f"{TEMPLATE_KIND}-{county_code}-file"
    return client.post(url, {field: upload(content, name)})


def test_a_county_template_is_used_for_its_notices_only(county, issuer, client):
    neighbour = make_neighbour_county(county)
    client.force_login(issuer)
    response = post_upload(client, docx_with("通山县教育局督导室（红头）", "联系电话：{{ responsible_phone }}"))
    assert response.status_code == 302
    stored = DocumentTemplate.objects.get(kind=TEMPLATE_KIND, county_code="421224")
    assert stored.uploaded_by == issuer and stored.file_name == "通山县整改通知书.docx"
    assert AuditEvent.objects.filter(event="work.document_template.uploaded").count() == 1

    ours = rectification.notice_issue(notice=draft(county, issuer), acting_user=issuer, today=DAY)
    with ours.case.attachments.get(kind="document").file.open("rb") as handle:
        assert "通山县教育局督导室（红头）" in text_of(handle.read())

    admin = county.users[Role.ADMIN]
    theirs = rectification.notice_issue(
        notice=draft(county, admin, school=neighbour.school), acting_user=admin, today=DAY
    )
    with theirs.case.attachments.get(kind="document").file.open("rb") as handle:
        text = text_of(handle.read())
    assert "红头" not in text and "天城镇中心小学" in text  # the default, filled in

    page = client.get(PAGE)
    assert page.status_code == 200
    assert "本县模板" in page.content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just some text", "a.docx", "请上传 Word 文档"),
        (b"", "a.docx", "空文件"),
        (docx_with("{{ shcool }}"), "a.docx", "shcool"),
        (docx_with("{{ school "), "a.docx", "标记有误"),
        (docx_with("{% for x in items %}{{ x.no }}"), "a.docx", "标记有误"),
    ],
    ids=["not-a-docx", "empty", "misspelt-field", "unclosed-tag", "unclosed-loop"],
)
def test_a_bad_template_is_refused_with_its_reason_and_nothing_stored(county, issuer, client, content, name, message):
    client.force_login(issuer)
    response = post_upload(client, content, name=name)
    assert response.status_code == 400
    # The page lists every registered kind (other apps' too): the row of the kind posted.
    row = next(r for r in response.context["rows"] if r["kind"].code == TEMPLATE_KIND)
    errors = [e.text_content() if hasattr(e, "text_content") else e for e in row["form"].errors["file"]]
    assert any(message in str(e) for e in errors), errors
    assert not DocumentTemplate.objects.exists()
    assert not AuditEvent.objects.filter(event="work.document_template.uploaded").exists()


def test_the_unknown_field_message_names_the_fields_one_may_use(kind):
    with pytest.raises(Exception) as refused:
        documents.check_template(kind, upload(docx_with("{{ shcool }}")))
    message = " ".join(refused.value.messages)
    assert "shcool" in message and "school" in message and "document_number" in message


def test_a_template_too_large_is_refused(kind, settings, monkeypatch):
    monkeypatch.setattr(documents, "TEMPLATE_MAX_BYTES", 1000)
    with pytest.raises(Exception) as refused:
        documents.check_template(kind, upload(docx_with("x")))
    assert "MB" in " ".join(refused.value.messages)


def test_a_zip_bomb_is_refused_before_it_is_parsed(kind):
    """A hostile .docx: a few hundred kilobytes that unpack to 200 MB. Refused on the zip's own sizes, unread."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_with("x"))) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item.filename))
        bomb.writestr("word/media/padding.bin", b"\0" * (200 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(Exception) as refused:
        documents.check_template(kind, upload(out.getvalue()))
    assert "解压后超过" in " ".join(refused.value.messages)


def test_replacing_twice_keeps_one_row_and_revert_brings_the_default_back(county, issuer, client, kind):
    client.force_login(issuer)
    assert post_upload(client, docx_with("第一版")).status_code == 302
    first = DocumentTemplate.objects.get().file.name
    assert post_upload(client, docx_with("第二版")).status_code == 302
    row = DocumentTemplate.objects.get()
    assert row.file.name != first
    current = client.get(reverse("work:document_template_download", args=[TEMPLATE_KIND, "421224", "current"]))
    assert "第二版" in text_of(current.content)

    sample = client.get(reverse("work:document_template_download", args=[TEMPLATE_KIND, "421224", "sample"]))
    assert sample.status_code == 200
    sample_text = text_of(sample.content)
    assert "第二版" in sample_text and "消防通道堆放杂物" in sample_text and "示例〔" in sample_text

    response = client.post(reverse("work:document_template_revert", args=[TEMPLATE_KIND, "421224"]))
    assert response.status_code == 302
    assert not DocumentTemplate.objects.exists()
    assert AuditEvent.objects.filter(event="work.document_template.reverted").count() == 1
    current = client.get(reverse("work:document_template_download", args=[TEMPLATE_KIND, "421224", "current"]))
    assert current.content == DEFAULT_TEMPLATE.read_bytes()
    assert AuditEvent.objects.filter(event="work.document_template.downloaded").count() == 3


def test_who_reaches_the_page_and_who_may_replace(county, issuer, client):
    neighbour = make_neighbour_county(county)
    upload_ours = reverse("work:document_template_upload", args=[TEMPLATE_KIND, "421224"])
    upload_theirs = reverse("work:document_template_upload", args=[TEMPLATE_KIND, neighbour.county.code])
    download_theirs = reverse("work:document_template_download", args=[TEMPLATE_KIND, neighbour.county.code, "current"])

    for role in (Role.SCHOOL, Role.TOWNSHIP):  # no county in reach: the page does not exist for them
        client.force_login(county.users[role])
        assert client.get(PAGE).status_code == 404
        assert post_upload(client, docx_with("x")).status_code == 404
        assert client.get(download_theirs).status_code == 404

    client.force_login(issuer)  # their county only
    page = client.get(PAGE).content.decode()
    assert "通山县" in page and "崇阳县" not in page
    assert (
        client.post(
            upload_theirs, {f"{TEMPLATE_KIND}-{neighbour.county.code}-file": upload(docx_with("x"))}
        ).status_code
        == 404
    )
    assert client.get(download_theirs).status_code == 404

    client.force_login(county.users[Role.CITY])  # reads both counties, replaces none
    page = client.get(PAGE)
    assert page.status_code == 200 and all(row["form"] is None for row in page.context["rows"])
    assert {row["county"].code for row in page.context["rows"]} == {"421224", neighbour.county.code}
    assert client.post(upload_ours, {f"{TEMPLATE_KIND}-421224-file": upload(docx_with("x"))}).status_code == 404
    assert client.get(download_theirs).status_code == 200

    client.force_login(county.users[Role.ADMIN])
    assert (
        client.post(
            upload_theirs, {f"{TEMPLATE_KIND}-{neighbour.county.code}-file": upload(docx_with("崇阳"))}
        ).status_code
        == 302
    )
    assert not DocumentTemplate.objects.filter(county_code="421224").exists()
    assert not DocumentTemplate.objects.filter(county_code="421224").exists()
    assert (
        client.get(reverse("work:document_template_download", args=["no-such-kind", "421224", "current"])).status_code
        == 404
    )
