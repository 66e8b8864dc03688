"""Campus safety's writes: the registers (facts, guards, buildings, appraisals, buses, drivers) through one checked
save, a driver's conditions, and the expiry alerts on the work engine (the sweep opens one case per coming expiry,
never twice; the school records what was done). Every step of an alert goes through emis.work.services."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import files as core_files
from emis.core.audit import acting_as, record_event
from emis.core.writes import Refused
from emis.work import attachments as attachment_store
from emis.work.services import case_open, case_transition

from .models import AlertKind, Appraisal, Bus, BusStatus, Driver, Evidence, ExpiryAlert, Guard, SafetyFact
from .workflows import SAFETY_EXPIRY

# Days ahead of an expiry the sweep opens its alert (SAFETY_ALERT_LEAD_DAYS in settings overrides any of them).
DEFAULT_LEAD_DAYS = {
    AlertKind.BUS_INSPECTION: 30,
    AlertKind.INSURANCE: 30,
    AlertKind.LICENCE: 60,
    AlertKind.AGE: 90,
}
DRIVER_MIN_AGE, DRIVER_MAX_AGE, DRIVER_MIN_YEARS = 25, 60, 3

# Evidence files of the registers: photos and scans, checked by content (emis.work.attachments.sniff).
EVIDENCE_TYPES = {attachment_store.JPEG: ".jpg", attachment_store.PNG: ".png", attachment_store.PDF: ".pdf"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # SAFETY_EVIDENCE_MAX_BYTES in settings overrides it
EVIDENCE_FOLDER = "safety"
EVIDENCE_DOWNLOADED = "safety.evidence.downloaded"
# Which field of Evidence holds each register's row.
EVIDENCE_PARENTS = {SafetyFact: "fact", Appraisal: "appraisal", Guard: "guard"}

core_files.delete_with_rows(Evidence, "file")
core_files.delete_with_rows(Evidence, "thumbnail")


def lead_days() -> dict[str, int]:
    """How many days ahead each kind of alert opens (a setting; a read)."""
    return {**DEFAULT_LEAD_DAYS, **getattr(settings, "SAFETY_ALERT_LEAD_DAYS", {})}


def years_between(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (an age; a computation)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def birthday(birth: dt.date, years: int) -> dt.date:
    """The day one born on ``birth`` turns ``years`` (29 February: 1 March in other years; a computation)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def record_save(*, obj, acting_user=None):
    """Save a row of the registers (a fact, guard, building, appraisal, bus) after its checks."""
    obj.full_clean()
    obj.save()
    return obj


def driver_save(*, driver: Driver, acting_user=None, today: dt.date | None = None) -> Driver:
    """A driver in post must be 25 to 60, have driven three years or more and have a clean record."""
    today = today or timezone.localdate()
    driver.full_clean()
    if driver.active:
        problems = []
        age = years_between(driver.birth_date, today)
        if not DRIVER_MIN_AGE <= age < DRIVER_MAX_AGE:
            problems.append(_("校车驾驶人年龄须在25周岁以上、60周岁以下（现为{age}周岁）。").format(age=age))
        if years_between(driver.driving_since, today) < DRIVER_MIN_YEARS:
            problems.append(_("校车驾驶人须有3年以上驾驶经历。"))
        if not driver.record_clean:
            problems.append(_("有不良驾驶记录的不得驾驶校车。"))
        if driver.licence_expires < today:
            problems.append(_("驾驶证已过有效期。"))
        if problems:
            raise Refused(*problems)
    driver.save()
    return driver


def _due(today: dt.date) -> list[tuple[str, object, dt.date]]:
    """(kind, bus or driver, expiry date) of everything whose alert falls due by ``today``."""
    lead = lead_days()
    found = []
    buses = Bus.objects.exclude(status=BusStatus.RETIRED).select_related("school", "school__township")
    for bus in buses.filter(inspection_due__lte=today + dt.timedelta(days=lead[AlertKind.BUS_INSPECTION])):
        found.append((AlertKind.BUS_INSPECTION, bus, bus.inspection_due))
    for bus in buses.filter(insurance_expires__lte=today + dt.timedelta(days=lead[AlertKind.INSURANCE])):
        found.append((AlertKind.INSURANCE, bus, bus.insurance_expires))
    drivers = Driver.objects.filter(active=True).select_related("school", "school__township")
    for driver in drivers.filter(licence_expires__lte=today + dt.timedelta(days=lead[AlertKind.LICENCE])):
        found.append((AlertKind.LICENCE, driver, driver.licence_expires))
    latest_birth = birthday(today + dt.timedelta(days=lead[AlertKind.AGE]), -DRIVER_MAX_AGE)
    for driver in drivers.filter(birth_date__lte=latest_birth):
        found.append((AlertKind.AGE, driver, birthday(driver.birth_date, DRIVER_MAX_AGE)))
    return found


def _key(kind: str, thing, expires_on: dt.date) -> str:
    return f"{kind}:{'bus' if isinstance(thing, Bus) else 'driver'}{thing.pk}:{expires_on.isoformat()}"


def expiry_sweep(*, acting_user, today: dt.date | None = None) -> list[ExpiryAlert]:
    """Open one alert (a "safety_expiry" case, due on the expiry date) for each coming expiry whose lead date has
    come: a bus's safety inspection, its insurance, a driver's licence, a driver turning 60. A thing already alerted
    for the same date is skipped, so a second sweep opens nothing."""
    today = today or timezone.localdate()
    due = _due(today)
    keys = {_key(*item): item for item in due}
    taken = set(ExpiryAlert.objects.filter(key__in=keys).values_list("key", flat=True))
    opened = []
    for key, (kind, thing, expires_on) in sorted(keys.items(), key=lambda kv: (kv[1][2], kv[0])):
        if key in taken:
            continue
        label = AlertKind(kind).label
        title = _("{thing} {kind}（{date}）").format(thing=thing, kind=label, date=expires_on.isoformat())
        with transaction.atomic():
            case = case_open(
                workflow=SAFETY_EXPIRY.code,
                title=title[:200],
                school=thing.school,
                subject=thing,
                acting_user=acting_user,
                values={"days": max(0, (expires_on - today).days), "expires_on": expires_on.isoformat()},
                today=today,
            )
            opened.append(
                ExpiryAlert.objects.create(
                    case=case,
                    school=thing.school,
                    kind=kind,
                    bus=thing if isinstance(thing, Bus) else None,
                    driver=thing if isinstance(thing, Driver) else None,
                    expires_on=expires_on,
                    opened_on=today,
                    key=key,
                )
            )
    return opened


def alert_handle(
    *, alert: ExpiryAlert, acting_user, comment: str, version: int | None = None, today: dt.date | None = None
) -> ExpiryAlert:
    """Record what was done about an alert (the bus inspected, the insurance renewed, a new driver): closes it."""
    case_transition(
        case=alert.case_id,
        version=alert.case.version if version is None else version,
        transition="handle",
        acting_user=acting_user,
        comment=comment,
        today=today,
    )
    alert.case.refresh_from_db()
    return alert


def evidence_max_bytes() -> int:
    """The largest evidence file accepted (a setting; a read)."""
    return getattr(settings, "SAFETY_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES)


def _school_of(row):
    return row.building.school if isinstance(row, Appraisal) else row.school


def _evidence_name(name: str, suffix: str) -> str:
    """The user's file name with the suffix of what the file really is (a PDF named .jpg is kept as .pdf)."""
    path = PurePath(name or f"file{suffix}")
    if path.suffix.lower() == suffix or (suffix == ".jpg" and path.suffix.lower() == ".jpeg"):
        return path.name[-255:]
    stem = path.stem if path.suffix else path.name
    return f"{stem[: 255 - len(suffix)]}{suffix}"


def _evidence_checked(upload) -> tuple[str, int, str, str]:
    """(name, size, content type, suffix) of an acceptable evidence file; Refused (naming the file) otherwise."""
    name = getattr(upload, "name", "") or _("未命名文件")
    size = upload.size or 0
    if size > evidence_max_bytes():
        raise Refused(
            _("文件“{name}”大小为 {size}，超过上限 {limit}。").format(
                name=name, size=filesizeformat(size), limit=filesizeformat(evidence_max_bytes())
            )
        )
    refused = _("文件“{name}”不是可接受的类型：佐证材料只接受照片（JPEG、PNG）和 PDF 文件。").format(name=name)
    try:
        sniffed = attachment_store.sniff(upload)
    except ValidationError as exc:
        raise Refused(refused if exc.code == "bad_type" else exc.messages[0]) from exc
    suffix = EVIDENCE_TYPES.get(sniffed.content_type)
    if suffix is None:
        raise Refused(refused)
    return name, size, sniffed.content_type, suffix


def evidence_add(*, row, upload=None, uploads=(), acting_user) -> list[Evidence]:
    """Keep photos or scans (JPEG, PNG or PDF, judged by their content, each at most ``evidence_max_bytes``) as
    evidence of a safety fact, an appraisal or a guard: ``upload`` (one) and/or ``uploads`` (several). Every file is
    checked before any is kept: one refused (named in the message) keeps none, and nothing is written."""
    field = EVIDENCE_PARENTS.get(type(row))
    if field is None:
        raise Refused(_("该记录不能上传佐证文件。"))
    uploads = [*([upload] if upload is not None else []), *uploads]
    checked = [(item, *_evidence_checked(item)) for item in uploads]
    stored, added = [], []
    try:
        with acting_as(acting_user), transaction.atomic():
            for item, name, size, content_type, suffix in checked:
                digest = hashlib.sha256()
                for chunk in item.chunks():
                    digest.update(chunk)
                item.seek(0)
                thumbnail = ""
                if content_type in attachment_store.IMAGE_TYPES:
                    thumb = attachment_store.make_thumbnail(item)
                    if thumb is not None:
                        thumbnail = core_files.save(thumb, folder=f"{EVIDENCE_FOLDER}/thumbs", suffix=".jpg")
                        stored.append(thumbnail)
                path = core_files.save(item, folder=EVIDENCE_FOLDER, suffix=suffix)
                stored.append(path)
                evidence = Evidence(
                    school=_school_of(row),
                    name=_evidence_name(name, suffix),
                    file=path,
                    thumbnail=thumbnail,
                    content_type=content_type,
                    size=size,
                    sha256=digest.hexdigest(),
                    uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                    **{field: row},
                )
                evidence.full_clean()
                evidence.save()
                added.append(evidence)
    except BaseException:
        for name_stored in stored:  # nothing kept of a write that failed
            core_files.delete(name_stored)
        raise
    return added


def evidence_delete(*, evidence: Evidence, acting_user) -> None:
    """Remove an evidence file (its row, change-logged; the stored file goes after the commit)."""
    with acting_as(acting_user), transaction.atomic():
        evidence.delete()


def evidence_downloaded(*, evidence: Evidence, acting_user=None) -> None:
    """Every download of an evidence file goes to the audit trail, filed under its school and township."""
    school = evidence.school
    with acting_as(acting_user):
        record_event(
            EVIDENCE_DOWNLOADED,
            data={"evidence": evidence.pk, "sha256": evidence.sha256, "name": evidence.name},
            school_id=school.pk,
            division_code=school.township.code if school.township_id else "",
        )
