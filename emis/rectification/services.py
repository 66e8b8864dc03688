"""The rectification notice's writes. Each step is a transition of the declared workflow, taken through the work
engine's one service (``emis.work.services.case_transition``: role, scope, level, state, version, audit, clocks);
what this app adds is the notice and its items: drafting them, the numbered .docx notice generated on 下发, the
school's answer per item with its photos, the issuer's verdict per item. A refused step raises TransitionRefused
with the reason in Chinese and writes nothing (everything here runs in one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core.audit import acting_as
from emis.work import attachments as attachment_store
from emis.work import documents
from emis.work.services import TransitionRefused, case_open, case_transition, refusal

from .models import SEVERITY_ORDER, Item, Notice, Severity, Verdict
from .workflows import NOTICE, RECTIFICATION

TEMPLATE_KIND = "rectification_notice"
DEFAULT_TEMPLATE = Path(__file__).parent / "docx" / "rectification_notice.docx"
# 文号代字 of a county's notices: its first character + 教督整 (通山县: 通教督整〔2022〕12号; 崇阳县: 崇教督整),
# numbered per county and year. A bureau whose 代字 differs sets it: EMIS_RECTIFICATION_SERIES = {"421224": "通教督整"}.
SERIES_SUFFIX = "教督整"


def series(school) -> str:
    """The document series of a notice to ``school``: its county's (one deployment serves many counties)."""
    from django.conf import settings

    county = school.township.parent
    configured = getattr(settings, "EMIS_RECTIFICATION_SERIES", {}) or {}
    if county is not None and county.code in configured:
        return configured[county.code]
    return f"{county.name[:1]}{SERIES_SUFFIX}" if county is not None else SERIES_SUFFIX


def county_code(school) -> str:
    """The code of the school's county, whose bureau's template and series its notices use."""
    county = school.township.parent
    return county.code if county is not None else ""


def _refuse(message: str, code: str = "requirements"):
    raise TransitionRefused(message, code=code)


def _check_files(uploads: Sequence) -> list:
    try:
        return attachment_store.check_uploads(uploads)
    except ValidationError as exc:
        raise TransitionRefused(exc.messages[0], code="bad_file") from exc


def _may(notice: Notice, transition: str, user) -> None:
    reason = refusal(notice.case, RECTIFICATION.transition(transition), user)
    if reason:
        _refuse(reason, "refused")


def _worst(severities) -> str:
    found = [s for s in severities if s in SEVERITY_ORDER]
    return max(found, key=SEVERITY_ORDER.get) if found else Severity.GENERAL


def _issuer_unit(school) -> str:
    county = school.township.parent
    return f"{county.name}教育局" if county is not None else _("教育局")


def _add_item(notice: Notice, user, *, number: int, severity: str, finding: str, requirement: str, photo, sniffed):
    stored = None
    if photo is not None:
        stored = attachment_store.store(notice.case, photo, user=user, sniffed=sniffed)
    return Item.objects.create(
        notice=notice, number=number, severity=severity, finding=finding, requirement=requirement, photo=stored
    )


def notice_draft(
    *,
    school,
    title: str,
    inspected_on: dt.date,
    responsible: str,
    acting_user,
    items: Sequence[dict],
    basis: str = "",
    days: int = 20,
    responsible_phone: str = "",
    today: dt.date | None = None,
) -> Notice:
    """A draft notice to ``school`` with its items ({severity, finding, requirement, photo: an upload or None}),
    opened as a case of the workflow (起草). The photos are checked by content before anything is written."""
    if not items:
        _refuse(_("整改通知书至少须列出一项存在问题。"))
    photos = [item.get("photo") for item in items]
    sniffed = _check_files([p for p in photos if p is not None])
    sniffed_iter = iter(sniffed)
    with acting_as(acting_user), transaction.atomic():
        case = case_open(
            workflow=RECTIFICATION.code,
            title=f"{school.name}：{title}"[:200],
            school=school,
            acting_user=acting_user,
            values={"days": days},
            today=today,
        )
        notice = Notice.objects.create(
            case=case,
            school=school,
            title=title,
            inspected_on=inspected_on,
            basis=basis,
            days=days,
            responsible=responsible,
            responsible_phone=responsible_phone,
            issuer_unit=_issuer_unit(school),
            issuer=acting_user,
            severity=_worst(item.get("severity") for item in items),
        )
        for number, item in enumerate(items, start=1):
            photo = item.get("photo")
            _add_item(
                notice,
                acting_user,
                number=number,
                severity=item.get("severity") or Severity.GENERAL,
                finding=item["finding"],
                requirement=item.get("requirement", ""),
                photo=photo,
                sniffed=next(sniffed_iter) if photo is not None else None,
            )
    return notice


def item_add(*, notice: Notice, acting_user, severity: str, finding: str, requirement: str = "", photo=None) -> Item:
    """One more finding on a draft notice (only its issuer's side may, while it is a draft)."""
    _may(notice, "issue", acting_user)
    if not finding.strip():
        _refuse(_("请填写存在问题。"))
    sniffed = _check_files([photo])[0] if photo is not None else None
    with acting_as(acting_user), transaction.atomic():
        number = (notice.items.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        item = _add_item(
            notice,
            acting_user,
            number=number,
            severity=severity,
            finding=finding,
            requirement=requirement,
            photo=photo,
            sniffed=sniffed,
        )
        notice.severity = _worst([*notice.items.values_list("severity", flat=True)])
        notice.save(update_fields=["severity", "updated_at"])
    return item


def item_remove(*, item: Item, acting_user) -> None:
    notice = item.notice
    _may(notice, "issue", acting_user)
    if notice.items.count() <= 1:
        _refuse(_("整改通知书至少须列出一项存在问题。"))
    with acting_as(acting_user), transaction.atomic():
        photo = item.photo
        item.delete()
        if photo is not None and photo.step_id is None:
            photo.delete()
        notice.severity = _worst(notice.items.values_list("severity", flat=True))
        notice.save(update_fields=["severity", "updated_at"])


def notice_context(notice: Notice) -> dict:
    """What the .docx template and the printable page show."""
    items = list(notice.items.order_by("number"))
    return {
        "issuer_unit": notice.issuer_unit,
        "school": notice.school.name,
        "title": notice.title,
        "inspected_on": f"{notice.inspected_on.year}年{notice.inspected_on.month}月{notice.inspected_on.day}日",
        "basis": notice.basis,
        "days": notice.days,
        "due_on": _date_cn(notice.case.due_on) if notice.case.due_on else "",
        "responsible": notice.responsible,
        "responsible_phone": notice.responsible_phone,
        "items": [
            {
                "no": item.number,
                "severity": item.get_severity_display(),
                "finding": item.finding,
                "requirement": item.requirement,
            }
            for item in items
        ],
        "signed_on": _date_cn(timezone.localdate()),
    }


def _date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notice_issue(*, notice: Notice, acting_user, version: int | None = None, today: dt.date | None = None) -> Notice:
    """下发: the numbered 整改通知书 is generated (.docx, from the bureau's template), stored with the case, and the
    notice is issued, its deadline (限期 in working days) starting today."""
    _may(notice, "issue", acting_user)
    today = today or timezone.localdate()
    if version is not None and notice.case.version != version:
        _refuse(_("办件已由他人办理，请刷新后查看最新情况再办理。"), "moved_on")
    with acting_as(acting_user), transaction.atomic():
        case = notice.case
        # The due date goes into the document: computed as the step will (the same calendar, the same days).
        from emis.work.calendar import CalendarUnknown, WorkCalendar

        try:
            due_on = WorkCalendar().add(today, notice.days, RECTIFICATION.clocks()["rectify"].limit.unit)
        except CalendarUnknown as exc:
            raise TransitionRefused(exc.messages[0], code="calendar_unknown") from exc
        context = notice_context(notice) | {"due_on": _date_cn(due_on), "signed_on": _date_cn(today)}
        numbered = documents.generate(
            case,
            document=NOTICE,
            series=series(notice.school),
            template=documents.template_for(TEMPLATE_KIND, DEFAULT_TEMPLATE, county_code=county_code(notice.school)),
            context=context,
            filename=f"整改通知书-{notice.school.name}",
            user=acting_user,
            year=today.year,
        )
        step = case_transition(
            case=case,
            transition="issue",
            acting_user=acting_user,
            version=version if version is not None else case.version,
            values={"days": notice.days, "document_number": numbered.text},
            today=today,
        )
        notice.case = step.case
        notice.document_number = numbered.text
        notice.issued_at = step.at
        notice.save(update_fields=["document_number", "issued_at", "updated_at"])
    return notice


def notice_step(
    *,
    notice: Notice,
    transition: str,
    acting_user,
    version: int | None = None,
    comment: str = "",
    values: dict | None = None,
    today: dt.date | None = None,
) -> Notice:
    """A step with nothing of the notice's own to write: 签收 (receive) or 撤销 (withdraw, with its reason)."""
    if transition not in ("receive", "withdraw"):
        _refuse(_("此环节须在整改通知书页面逐项办理。"), "unknown_transition")
    step = case_transition(
        case=notice.case,
        transition=transition,
        acting_user=acting_user,
        version=version,
        comment=comment,
        values=values or {},
        today=today,
    )
    notice.case = step.case
    return notice


def open_items(notice: Notice) -> list[Item]:
    """The items still to answer or verify: all but those already accepted."""
    return [item for item in notice.items.order_by("number") if item.verdict != Verdict.ACCEPTED]


def notice_report(
    *,
    notice: Notice,
    acting_user,
    answers: dict[int, dict],
    version: int | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> Notice:
    """报送整改: the school's answer to every item not yet accepted ({item id: {"answer": text, "photos": [uploads]}}),
    each with at least one photo (new, or kept from an earlier answer), sent in one step."""
    _may(notice, "report", acting_user)
    items = open_items(notice)
    uploads: list = []
    plan: list[tuple[Item, str, int]] = []
    for item in items:
        given = answers.get(item.pk) or {}
        text = (given.get("answer") or "").strip()
        photos = list(given.get("photos") or [])
        if not text:
            _refuse(_("第 {n} 项须填写整改情况。").format(n=item.number))
        if not photos and not item.answer_photos.exists():
            _refuse(_("第 {n} 项须上传至少一张整改后的照片。").format(n=item.number))
        plan.append((item, text, len(photos)))
        uploads += photos
    _check_files(uploads)
    with acting_as(acting_user), transaction.atomic():
        step = case_transition(
            case=notice.case,
            transition="report",
            acting_user=acting_user,
            version=version,
            comment=comment,
            values={"answers": [{"no": item.number, "answer": text} for item, text, _n in plan]},
            attachments=uploads,
            today=today,
        )
        # The step's own files, in the order sent (earlier uploads to the case came first and have lower ids).
        stored = list(step.attachments.order_by("id"))[-len(uploads) :] if uploads else []
        position = 0
        for item, text, count in plan:
            item.answer = text
            item.answered_at = step.at
            item.verdict = Verdict.PENDING
            item.save(update_fields=["answer", "answered_at", "verdict", "updated_at"])
            if count:
                item.answer_photos.set(stored[position : position + count])
            position += count
        notice.case = step.case
    return notice


def notice_verify(
    *,
    notice: Notice,
    acting_user,
    verdicts: dict[int, dict],
    version: int | None = None,
    comment: str = "",
    days: int | None = None,
    today: dt.date | None = None,
) -> Notice:
    """验收, item by item ({item id: {"accepted": bool, "note": text}}): every item accepted closes the notice
    (已验收); any item not accepted sends it back (退回重改, back to 整改中) with the reasons and a new limit of
    ``days`` working days (the notice's own limit when not given)."""
    _may(notice, "accept", acting_user)
    items = open_items(notice)
    plan = []
    for item in items:
        given = verdicts.get(item.pk)
        if given is None or given.get("accepted") is None:
            _refuse(_("第 {n} 项须给出验收结论。").format(n=item.number))
        note = (given.get("note") or "").strip()
        if not given["accepted"] and not note:
            _refuse(_("第 {n} 项未整改到位，须写明原因。").format(n=item.number))
        plan.append((item, bool(given["accepted"]), note))
    rejected = [(item, note) for item, accepted, note in plan if not accepted]
    values = {"verdicts": [{"no": item.number, "accepted": ok, "note": note} for item, ok, note in plan]}
    if rejected:
        transition = "send_back"
        reasons = "；".join(_("第 {n} 项：{note}").format(n=item.number, note=note) for item, note in rejected)
        comment = f"{comment.strip()}\n{reasons}".strip() if comment.strip() else reasons
        values["days"] = days if days is not None else notice.days
    else:
        transition = "accept"
    with acting_as(acting_user), transaction.atomic():
        step = case_transition(
            case=notice.case,
            transition=transition,
            acting_user=acting_user,
            version=version,
            comment=comment,
            values=values,
            today=today,
        )
        for item, accepted, note in plan:
            item.verdict = Verdict.ACCEPTED if accepted else Verdict.REJECTED
            item.verdict_note = note
            item.save(update_fields=["verdict", "verdict_note", "updated_at"])
        notice.case = step.case
    return notice
