"""Generated documents: a docxtpl template rendered with a case's context, numbered per series and year, stored as the
case's document attachment; a number taken by someone else in between is skipped; the template is replaceable."""

import io

import pytest
from docx import Document

from emis.core.access import Role
from emis.work import documents
from emis.work.models import AttachmentKind, DocumentNumber
from emis.work.services import case_open

from .workflows import TEST_WORKFLOW

pytestmark = pytest.mark.django_db


def _template(path, text):
    document = Document()
    document.add_paragraph(text)
    document.save(path)
    return path


def _text(attachment) -> str:
    with attachment.file.open("rb") as handle:
        return "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)


@pytest.fixture
def case(county):
    return case_open(
        workflow=TEST_WORKFLOW.code, title="整改", school=county.school_a1, acting_user=county.users[Role.TOWNSHIP]
    )


def test_generate_numbers_renders_and_stores(case, tmp_path):
    template = _template(tmp_path / "t.docx", "{{ document_number }} 致{{ school }}：<{{ note }}>")
    first = documents.generate(
        case,
        document="notice",
        series="通教督整",
        template=template,
        context={"school": "通羊镇中心小学", "note": "a & b"},
        filename="通知",
        year=2022,
    )
    second = documents.generate(
        case, document="notice", series="通教督整", template=template, context={}, filename="通知", year=2022
    )
    other_year = documents.generate(
        case, document="notice", series="通教督整", template=template, context={}, filename="通知", year=2023
    )
    assert [first.text, second.text, other_year.text] == [
        "通教督整〔2022〕1号",
        "通教督整〔2022〕2号",
        "通教督整〔2023〕1号",
    ]
    assert first.attachment.kind == AttachmentKind.DOCUMENT and first.attachment.document == "notice"
    assert first.attachment.name == "通知.docx" and first.attachment.content_type == documents.attachment_store.DOCX
    assert _text(first.attachment) == "通教督整〔2022〕1号 致通羊镇中心小学：<a & b>"


def test_a_number_taken_in_between_is_skipped(case, tmp_path, monkeypatch):
    template = _template(tmp_path / "t.docx", "{{ document_number }}")
    DocumentNumber.objects.create(series="S", year=2022, number=1, case=case, document="notice")
    # The first read misses the number 1 another generator has just taken: the insert fails the constraint (inside a
    # savepoint) and the next read takes 2.
    real = documents.last_number
    calls = []

    def racing(series, year):
        calls.append(1)
        return 0 if len(calls) == 1 else real(series, year)

    monkeypatch.setattr(documents, "last_number", racing)
    numbered = documents.generate(
        case, document="notice", series="S", template=template, context={}, filename="n", year=2022
    )
    assert numbered.number == 2 and len(calls) == 2


def test_the_template_is_replaced_by_a_setting(tmp_path, settings):
    default = _template(tmp_path / "default.docx", "default")
    ours = _template(tmp_path / "ours.docx", "ours")
    assert documents.template_for("notice_kind", default) == default
    settings.EMIS_WORK_DOCUMENT_TEMPLATES = {"notice_kind": str(ours)}
    assert documents.template_for("notice_kind", default) == ours
    settings.EMIS_WORK_DOCUMENT_TEMPLATES = {"notice_kind": str(tmp_path / "missing.docx")}
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        documents.template_for("notice_kind", default)
