"""Evidence and generated documents stored with a case (a thin adapter).

Files go through issue 11's storage module (emis/core/files.py: Django's storage API, a local directory or S3 by
setting) under work/<case id>/ with a random name, a size limit and a SHA-256. Type checks by
content, thumbnails and audited, scoped downloads are item 4 of issue 13 (later round).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from emis.core import files as core_files

from .models import Attachment, AttachmentKind

core_files.delete_with_rows(Attachment, "file")

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes() -> int:
    return getattr(settings, "EMIS_WORK_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def store(case, upload, *, user=None, step=None, kind: str = AttachmentKind.EVIDENCE, document: str = "") -> Attachment:
    """Save one uploaded file (a Django File/UploadedFile) with the case and return its Attachment row."""
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(
            _("文件“{name}”大小为 {size}，超过上限 {limit}。").format(
                name=upload.name, size=filesizeformat(size), limit=filesizeformat(max_bytes())
            ),
            code="too_large",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    suffix = PurePath(upload.name or "").suffix.lower()[:10]
    # The stored name is ours (no user-chosen path); the user's name is kept on the row for display.
    path = core_files.save(upload, folder=f"work/{case.pk}", suffix=suffix)
    return Attachment.objects.create(
        case=case,
        step=step,
        kind=kind,
        document=document,
        name=(upload.name or path)[:255],
        file=path,
        content_type=getattr(upload, "content_type", "") or "",
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
