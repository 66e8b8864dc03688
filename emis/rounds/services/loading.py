"""The load step: a round's applicants replaced by those of an uploaded file, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from emis.core import files

from ..choices import RoundStatus
from ..models import AdmissionRound
from . import bulk, workflow
from .applicant_file import read_applicant_file


@dataclass
class LoadResult:
    created: int
    replaced: int


@transaction.atomic
def round_load_applicants(*, admission_round: AdmissionRound, upload, acting_user=None) -> LoadResult:
    """Replace the round's applicants with those of an uploaded A.csv/.xlsx (docs/admissions.md: exam_no,
    junior_school (学校标识码), total, chinese, math, english, pref1 … prefN, optional quota_eligible, name,
    id_number). Every row is checked first; one bad row and nothing is written. The round goes back to draft."""
    admission_round = workflow.locked_round(admission_round)
    workflow.require(admission_round, "load")
    size = getattr(upload, "size", None)
    limit = settings.EMIS_IMPORT_MAX_UPLOAD_MB * 1024 * 1024
    if size is not None and size > limit:
        raise workflow.RoundRefused(_("文件超过 {mb} MB 上限。").format(mb=settings.EMIS_IMPORT_MAX_UPLOAD_MB))
    file_name = Path(getattr(upload, "name", "") or "A.csv").name
    # Read once, here, and not kept: the applicants' rows are the record (docs/adr/0009).
    with files.local_copy(upload, file_name) as path:
        parsed = read_applicant_file(admission_round, path)
    workflow.refuse_when_appealed(admission_round)
    replaced = bulk.delete_applicants(admission_round)
    created = bulk.insert_applicants(admission_round, parsed)
    workflow.set_status(admission_round, RoundStatus.DRAFT)
    workflow.event("admissions.applicants_loaded", admission_round, file=file_name, created=created, replaced=replaced)
    return LoadResult(created=created, replaced=replaced)
