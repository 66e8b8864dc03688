"""Evidence and generated documents stored with a case.

Files go through the storage module (emis/core/files.py: Django's storage API, a local directory or S3 by setting)
under work/<case id>/ with a random name, a size limit and a SHA-256. Evidence a user uploads is checked by its
content, never by its name (``sniff``): a JPEG, PNG or WebP photo that Pillow can read, a PDF, a Word .docx or an
Excel .xlsx (a zip holding the part that makes it one, and no macros); anything else is refused with a Chinese
message. A photo gets a small JPEG thumbnail (turned upright by its EXIF orientation). Files are served only by the
views of emis.work.views and emis.work.api, which look the row up in the user's scope (404 otherwise) and record each
download in the audit trail (``record_download``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from emis.core import files as core_files
from emis.core.audit import record_event

from .models import Attachment, AttachmentKind

core_files.delete_with_rows(Attachment, "file")
core_files.delete_with_rows(Attachment, "thumbnail")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_FILES = 20
# A photo larger than this (in pixels) is refused rather than decoded: a "decompression bomb" of a few KB can
# claim gigabytes of memory. 50 megapixels is more than any phone camera takes.
MAX_IMAGE_PIXELS = 50_000_000
THUMBNAIL_SIZE = (320, 320)
DOWNLOAD_EVENT = "work.attachment.downloaded"

JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMAGE_TYPES = frozenset({JPEG, PNG, WEBP})
SUFFIXES = {JPEG: ".jpg", PNG: ".png", WEBP: ".webp", PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx"}
# What a file input offers (the browser's hint; the server decides by content).
ACCEPT = "image/*,.pdf,.docx,.xlsx"


def max_bytes() -> int:
    return getattr(settings, "EMIS_WORK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_files() -> int:
    """At most this many files with one step or one upload."""
    return getattr(settings, "EMIS_WORK_ATTACHMENT_MAX_FILES", DEFAULT_MAX_FILES)


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    suffix: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def _head(upload, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _zip_kind(upload) -> str | None:
    """DOCX or XLSX when the zip holds the parts that make it one (and no macros), else None."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _image_ok(upload) -> bool:
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return False
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a broken or hostile image
        return False
    finally:
        upload.seek(0)


def content_type_of(upload) -> str | None:
    """The file's type read from its content (magic bytes, and the inner part of a zip), None when not allowed."""
    head = _head(upload)
    if head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = WEBP
    elif head.startswith(b"%PDF-"):
        return PDF
    elif head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    else:
        return None
    return kind if _image_ok(upload) else None


def sniff(upload) -> Sniffed:
    """Check one uploaded evidence file: size and type by content. Raises ValidationError (Chinese) when refused."""
    name = getattr(upload, "name", "") or _("未命名文件")
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(
            _("文件“{name}”大小为 {size}，超过上限 {limit}。").format(
                name=name, size=filesizeformat(size), limit=filesizeformat(max_bytes())
            ),
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("文件“{name}”是空文件。").format(name=name), code="empty")
    content_type = content_type_of(upload)
    if content_type is None:
        message = _("文件“{name}”不是可接受的类型：只接受照片（JPEG、PNG、WebP）、PDF、Word 和 Excel（.docx、.xlsx）。")
        raise ValidationError(message.format(name=name), code="bad_type")
    return Sniffed(content_type, SUFFIXES[content_type])


def check_uploads(uploads) -> list[Sniffed]:
    """Check every file of one step or upload before anything is written."""
    uploads = list(uploads)
    if len(uploads) > max_files():
        raise ValidationError(_("一次最多上传 {n} 个文件。").format(n=max_files()), code="too_many")
    return [sniff(upload) for upload in uploads]


def _display_name(name: str, suffix: str) -> str:
    """The user's file name, with the suffix of what the file really is (a PDF named .jpg downloads as .pdf)."""
    path = PurePath(name or f"file{suffix}")
    stem = path.stem if path.suffix else path.name
    if path.suffix.lower() in (suffix, ".jpeg" if suffix == ".jpg" else suffix):
        return path.name[:255]
    return f"{stem[: 255 - len(suffix)]}{suffix}"


def make_thumbnail(upload) -> ContentFile | None:
    """A JPEG of at most THUMBNAIL_SIZE, upright by the photo's EXIF orientation (None when Pillow cannot)."""
    from PIL import Image, ImageOps

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            if image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
    except Exception:  # noqa: BLE001
        return None
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def store(
    case,
    upload,
    *,
    user=None,
    step=None,
    kind: str = AttachmentKind.EVIDENCE,
    document: str = "",
    sniffed: Sniffed | None = None,
) -> Attachment:
    """Save one uploaded file (a Django File/UploadedFile) with the case and return its Attachment row.

    Evidence is checked by content (``sniff``; ValidationError when refused); a generated document (kind
    DOCUMENT) is the system's own and is stored as given."""
    if kind == AttachmentKind.EVIDENCE:
        sniffed = sniffed or sniff(upload)
        suffix, content_type = sniffed.suffix, sniffed.content_type
        name = _display_name(upload.name or "", suffix)
    else:
        size = upload.size or 0
        if size > max_bytes():
            raise ValidationError(_("文件过大。"), code="too_large")
        suffix = PurePath(upload.name or "").suffix.lower()[:10]
        content_type = getattr(upload, "content_type", "") or ""
        name = (upload.name or "")[:255]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    thumbnail = ""
    if kind == AttachmentKind.EVIDENCE and sniffed.is_image:
        thumb = make_thumbnail(upload)
        if thumb is not None:
            thumbnail = core_files.save(thumb, folder=f"work/{case.pk}/thumbs", suffix=".jpg")
    # The stored name is ours (no user-chosen path); the user's name is kept on the row for display.
    path = core_files.save(upload, folder=f"work/{case.pk}", suffix=suffix)
    return Attachment.objects.create(
        case=case,
        step=step,
        kind=kind,
        document=document,
        name=name or path,
        file=path,
        thumbnail=thumbnail,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def record_download(attachment: Attachment, *, via: str = "page") -> None:
    """Every download of a stored file goes to the audit trail, filed under the case's school and division."""
    case = attachment.case
    record_event(
        DOWNLOAD_EVENT,
        data={
            "case": attachment.case_id,
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "sha256": attachment.sha256,
            "via": via,
        },
        school_id=case.school_id,
        division_code=case.division_code,
    )


INLINE_TYPES = IMAGE_TYPES | {PDF}

FILE_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
    '<rect x="18" y="8" width="60" height="80" rx="6" fill="#eef3fb" stroke="#3b6db3" stroke-width="2"/>'
    '<text x="48" y="56" text-anchor="middle" font-family="sans-serif" font-size="16" fill="#3b6db3">{label}</text>'
    "</svg>"
)


def icon_response(attachment: Attachment):
    """A file's tile where it has no thumbnail (a PDF, a Word or Excel file, a generated notice): its kind."""
    from xml.sax.saxutils import escape

    from django.http import HttpResponse

    label = (PurePath(attachment.name).suffix.lstrip(".") or "file").upper()[:5]
    response = HttpResponse(FILE_ICON.format(label=escape(label)), content_type="image/svg+xml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def file_response(attachment: Attachment, *, thumbnail: bool = False):
    """The stored file (or its thumbnail) as a response: photos and PDFs shown in the browser, the rest downloaded.
    Http404 when the file is gone."""
    from django.http import FileResponse, Http404

    field = attachment.thumbnail if thumbnail else attachment.file
    if not field:
        raise Http404("no file")
    try:
        handle = field.open("rb")
    except OSError:
        raise Http404("file missing") from None
    content_type = JPEG if thumbnail else (attachment.content_type or "application/octet-stream")
    inline = thumbnail or content_type in INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
