"""Official documents generated from templates (公文: a 整改通知书 first), numbered per series and year.

``generate(case, ...)`` renders a Word template (docxtpl: Jinja tags inside a .docx the bureau can edit in Word),
gives it the next number of its series in the year (通教督整〔2022〕12号), and stores it with the case as an Attachment
of kind ``document`` (so ``Requires(document=...)`` of a transition sees it, and the case page lists it). The number
is taken in the caller's transaction: a step that fails after generating rolls the number back, so numbers have no
gaps from refused steps. Two generators racing for the same number: the unique constraint of ``DocumentNumber``
refuses the second, which takes the next one (a savepoint and a retry; the same on SQLite and PostgreSQL).

Templates: each kind of document has a default template in its app; a deployment replaces it by a path in the
setting ``EMIS_WORK_DOCUMENT_TEMPLATES = {"rectification_notice": "/srv/emis/templates/整改通知书.docx"}``
(``template_for``). A template sees the context its app gives, plus ``document_number``.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from emis.core.audit import record_event

from . import attachments as attachment_store
from .models import AttachmentKind, Case, DocumentNumber

NUMBER_RETRIES = 5


def template_for(kind: str, default: str | Path) -> Path:
    """The template of a kind of document: the deployment's (setting EMIS_WORK_DOCUMENT_TEMPLATES) or the app's."""
    configured = getattr(settings, "EMIS_WORK_DOCUMENT_TEMPLATES", {}).get(kind)
    path = Path(configured or default)
    if not path.is_file():
        raise ImproperlyConfigured(f"document template for {kind!r} not found: {path}")
    return path


def render_docx(template: str | Path, context: dict) -> bytes:
    """The template rendered with ``context`` (values are escaped for Word's XML), as .docx bytes."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(str(template))
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def number_text(series: str, year: int, number: int) -> str:
    return f"{series}〔{year}〕{number}号"


def last_number(series: str, year: int) -> int:
    return DocumentNumber.objects.filter(series=series, year=year).aggregate(n=Max("number"))["n"] or 0


def take_number(*, series: str, year: int, case: Case, document: str) -> DocumentNumber:
    """The next number of ``series`` in ``year``, recorded for ``case`` (inside the caller's transaction)."""
    for _attempt in range(NUMBER_RETRIES):
        last = last_number(series, year)
        try:
            with transaction.atomic():
                return DocumentNumber.objects.create(
                    series=series, year=year, number=last + 1, case=case, document=document
                )
        except IntegrityError:
            continue  # someone took that number first: take the next
    raise IntegrityError(f"no free number in {series} {year} after {NUMBER_RETRIES} attempts")


def generate(
    case: Case,
    *,
    document: str,
    series: str,
    template: str | Path,
    context: dict,
    filename: str,
    user=None,
    year: int | None = None,
) -> DocumentNumber:
    """Number, render and store one document of ``case``; returns its DocumentNumber (``.attachment`` the file).

    Call it inside the transaction of the step that needs it (the number is given back if the step fails)."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        numbered = take_number(series=series, year=year, case=case, document=document)
        content = render_docx(template, {**context, "document_number": numbered.text})
        upload = ContentFile(content, name=f"{filename}.docx")
        upload.content_type = attachment_store.DOCX
        stored = attachment_store.store(case, upload, user=user, kind=AttachmentKind.DOCUMENT, document=document)
        numbered.attachment = stored
        numbered.save(update_fields=["attachment"])
        record_event(
            "work.document.generated",
            data={"case": case.pk, "document": document, "number": numbered.text, "attachment": stored.pk},
            school_id=case.school_id,
            division_code=case.division_code,
        )
    return numbered
