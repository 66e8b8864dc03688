"""Official documents generated from templates (公文: a 整改通知书 first), numbered per series and year.

``generate(case, ...)`` renders a Word template (docxtpl: Jinja tags inside a .docx the bureau can edit in Word),
gives it the next number of its series in the year (通教督整〔2022〕12号), and stores it with the case as an Attachment
of kind ``document`` (so ``Requires(document=...)`` of a transition sees it, and the case page lists it). The number
is taken in the caller's transaction: a step that fails after generating rolls the number back, so numbers have no
gaps from refused steps. Two generators racing for the same number: the unique constraint of ``DocumentNumber``
refuses the second, which takes the next one (a savepoint and a retry; the same on SQLite and PostgreSQL).

Templates: each kind of document is registered by its app (``register_kind``: its Chinese name, its default
template, the fields a template may use and a sample to try a template on). A county bureau replaces the default on
the page 公文模板 (``template_upload``: the file is checked by rendering it with the sample, and a field the
kind does not know is refused by name); a deployment may also name one file for every county in the setting
``EMIS_WORK_DOCUMENT_TEMPLATES = {"rectification_notice": "/srv/emis/templates/整改通知书.docx"}``.
``template_for(kind, default, county_code=...)`` picks the county's upload, else the setting's file, else the
default. A template sees the context its app gives, plus ``document_number``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import files
from emis.core.audit import record_event

from . import attachments as attachment_store
from .models import AttachmentKind, Case, DocumentNumber, DocumentTemplate

NUMBER_RETRIES = 5


TEMPLATE_MAX_BYTES = 10 * 1024 * 1024
# A .docx is a zip: a small file may unpack to gigabytes (a zip bomb) and stall the parser; the parts together may
# hold at most this much.
TEMPLATE_MAX_UNPACKED = 50 * 1024 * 1024


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document an app generates. ``fields``: {name a template may use: what it holds (Chinese)};
    ``sample``: a context to try an uploaded template on (every field given a plausible value); ``domain``: the data
    domain whose writers (at county level) may replace the county's template."""

    code: str
    label: object
    default: Path
    domain: str
    fields: dict = field(default_factory=dict)
    sample: dict = field(default_factory=dict)


_KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Declare a kind of document (from the app's plugin.py); registering the same code again replaces it."""
    _KINDS[kind.code] = kind
    return kind


def kinds() -> list[DocumentKind]:
    return sorted(_KINDS.values(), key=lambda k: k.code)


def kind(code: str) -> DocumentKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(code) from None


def template_for(kind: str, default: str | Path, *, county_code: str = "") -> Path | io.BytesIO:
    """The template of a kind of document for a county's cases: the county's own upload (page 公文模板), else the
    deployment's file (setting EMIS_WORK_DOCUMENT_TEMPLATES), else the app's default."""
    if county_code:
        uploaded = DocumentTemplate.objects.filter(kind=kind, county_code=county_code).first()
        if uploaded is not None:
            with uploaded.file.open("rb") as handle:
                return io.BytesIO(handle.read())
    configured = getattr(settings, "EMIS_WORK_DOCUMENT_TEMPLATES", {}).get(kind)
    path = Path(configured or default)
    if not path.is_file():
        raise ImproperlyConfigured(f"document template for {kind!r} not found: {path}")
    return path


def template_source(kind: DocumentKind, county_code: str) -> DocumentTemplate | None:
    """The county's uploaded template of ``kind`` (None: the default or the deployment's file is used)."""
    return DocumentTemplate.objects.filter(kind=kind.code, county_code=county_code).first()


def may_replace_template(user, kind: DocumentKind, county_code: str) -> bool:
    """Replace a county's template: a role that writes the kind's domain, covering the whole county (a county's
    section staff or an administrator; a township or school never, the 市 and 省 departments read only)."""
    from emis.core.access import CHANGE, covers, role_may

    return bool(county_code) and role_may(user, kind.domain, CHANGE) and covers(user, division=county_code)


def may_read_templates(user, kind: DocumentKind, county_code: str) -> bool:
    from emis.core.access import VIEW, covers, role_may

    return bool(county_code) and role_may(user, kind.domain, VIEW) and covers(user, division=county_code)


def check_template(kind: DocumentKind, upload) -> None:
    """Refuse (ValidationError, in Chinese) a file that is not a usable template of ``kind``: not a .docx by its
    content, too large, a tag Word or docxtpl cannot read, a field the kind does not know (a misspelt
    {{ shcool }} would print nothing), or a template that fails when filled with the kind's sample."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    size = upload.size or 0
    if not size:
        raise ValidationError(_("文件是空的。"), code="empty")
    if size > TEMPLATE_MAX_BYTES:
        raise ValidationError(_("文件超过 {mb} MB 上限。").format(mb=TEMPLATE_MAX_BYTES // (1024 * 1024)), code="size")
    if attachment_store.content_type_of(upload) != attachment_store.DOCX:
        raise ValidationError(
            _("请上传 Word 文档（.docx）；.doc、.wps 等格式请先在 Word 中另存为 .docx。"), code="type"
        )
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > TEMPLATE_MAX_UNPACKED:
        raise ValidationError(
            _("文件解压后超过 {mb} MB，不是正常的公文模板。").format(mb=TEMPLATE_MAX_UNPACKED // (1024 * 1024)),
            code="unpacked_size",
        )
    known = set(kind.fields) | {"document_number"}
    try:
        probe = io.BytesIO(content)
        document = DocxTemplate(probe)
        probe.seek(0)  # the check opens the package again from the same stream
        unknown = document.get_undeclared_template_variables() - known
    except TemplateError as exc:
        raise ValidationError(
            _("模板中的标记有误，无法读取：{error}（第 {line} 处）。请检查 {{{{ }}}} 与 {{% %}} 是否成对。").format(
                error=getattr(exc, "message", None) or str(exc), line=getattr(exc, "lineno", "?")
            ),
            code="syntax",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for a broken package
        raise ValidationError(_("文件不是有效的 Word 文档（.docx），无法打开。"), code="invalid") from exc
    if unknown:
        raise ValidationError(
            _("模板中有本类公文没有的字段：{unknown}。可用的字段：{known}。").format(
                unknown="、".join(sorted(unknown)), known="、".join(sorted(known))
            ),
            code="unknown_fields",
        )
    try:
        render_docx(io.BytesIO(content), {**kind.sample, "document_number": number_text("示例", 2026, 1)})
    except Exception as exc:  # noqa: BLE001 - a template fails to fill in many ways; the clerk needs the reason
        raise ValidationError(
            _("用示例内容填写模板时出错：{error}").format(error=getattr(exc, "message", None) or str(exc)),
            code="render",
        ) from exc


def sample_document(kind: DocumentKind, county_code: str) -> bytes:
    """The county's current template filled with the kind's sample (样张): what a notice will look like."""
    template = template_for(kind.code, kind.default, county_code=county_code)
    return render_docx(template, {**kind.sample, "document_number": number_text("示例", timezone.localdate().year, 1)})


@transaction.atomic
def template_upload(*, kind: DocumentKind, county_code: str, upload, acting_user) -> DocumentTemplate:
    """Replace ``county_code``'s template of ``kind`` with the uploaded file, once checked (``check_template``)."""
    if not may_replace_template(acting_user, kind, county_code):
        raise PermissionDenied(_("您无权更换该县的公文模板。"))
    check_template(kind, upload)
    digest = hashlib.sha256()
    upload.seek(0)
    digest.update(upload.read())
    upload.seek(0)
    existing = DocumentTemplate.objects.select_for_update().filter(kind=kind.code, county_code=county_code).first()
    template = existing or DocumentTemplate(kind=kind.code, county_code=county_code)
    previous = existing.file_sha256 if existing else None
    old_file = existing.file.name if existing else ""
    template.file_name = (getattr(upload, "name", "") or "template.docx")[-255:]
    template.file_sha256 = digest.hexdigest()
    template.file_size = upload.size
    template.uploaded_at = timezone.now()
    template.uploaded_by = acting_user
    template.file.save("template.docx", upload, save=False)
    template.save()
    if old_file and old_file != template.file.name:
        transaction.on_commit(lambda: files.delete(old_file))
    record_event(
        "work.document_template.uploaded",
        data={
            "kind": kind.code,
            "county": county_code,
            "file_name": template.file_name,
            "sha256": template.file_sha256,
            "previous_sha256": previous,
        },
        division_code=county_code,
    )
    return template


@transaction.atomic
def template_revert(*, kind: DocumentKind, county_code: str, acting_user) -> None:
    """Go back to the default template (or the deployment's file) for ``county_code``'s documents of ``kind``."""
    if not may_replace_template(acting_user, kind, county_code):
        raise PermissionDenied(_("您无权更换该县的公文模板。"))
    existing = DocumentTemplate.objects.filter(kind=kind.code, county_code=county_code).first()
    if existing is None:
        return
    name = existing.file.name
    existing.delete()
    transaction.on_commit(lambda: files.delete(name))
    record_event(
        "work.document_template.reverted",
        data={"kind": kind.code, "county": county_code, "sha256": existing.file_sha256},
        division_code=county_code,
    )


def render_docx(template: str | Path | io.BytesIO, context: dict) -> bytes:
    """The template rendered with ``context`` (values are escaped for Word's XML), as .docx bytes."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(template if hasattr(template, "read") else str(template))
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
    template: str | Path | io.BytesIO,
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
