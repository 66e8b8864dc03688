"""The inspection engine's writes: publishing a checklist (a new version only when its content changed), creating a
campaign over schools or registered subjects, submitting an inspection (idempotent by the browser's client token),
sending it back, and signing it off (scored; its failed items become findings and ONE 整改 notice whose deadline is
set by the worst severity). Each inspection is a case of the "inspection" workflow, moved only through
emis.work.services; a refused write raises Refused / TransitionRefused with the reason in Chinese and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import acting_as
from emis.core.writes import Refused
from emis.work import attachments as attachment_store
from emis.work.services import TransitionRefused, case_open, case_transition

from . import scoring
from .apps import DOMAIN
from .models import (
    SCHOOL_KIND,
    SEVERITY_ORDER,
    Answer,
    Campaign,
    Finding,
    Inspection,
    ItemDef,
    ItemKind,
    Purpose,
    Section,
    Severity,
    Target,
    Template,
    TemplateVersion,
)
from .targets import kind_of
from .targets import target_kind as registered_kind
from .workflows import INSPECTION

# Working days a 整改 notice gives, by the worst severity of its findings (settings.EMIS_INSPECTION_RECTIFY_DAYS
# replaces any of them).
RECTIFY_DAYS = {Severity.GENERAL: 20, Severity.SERIOUS: 10, Severity.CRITICAL: 5}


def rectify_days(severity: str) -> int:
    configured = getattr(settings, "EMIS_INSPECTION_RECTIFY_DAYS", None) or {}
    return int(configured.get(severity, RECTIFY_DAYS.get(severity, RECTIFY_DAYS[Severity.GENERAL])))


def worst(severities: Iterable[str]) -> str:
    found = [s for s in severities if s in SEVERITY_ORDER]
    return max(found, key=SEVERITY_ORDER.get) if found else Severity.GENERAL


def _require(user, action: str = access.ADD) -> None:
    if not access.role_may(user, DOMAIN, action):
        raise Refused(_("您的账号无权维护检查表和检查活动。"))


# Templates ---------------------------------------------------------------------------------------------------------

ITEM_DEFAULTS = {
    "kind": ItemKind.YES_NO,
    "weight": 1,
    "threshold": None,
    "threshold_op": ">=",
    "choices": [],
    "photo_required": False,
    "required": True,
    "critical": False,
    "severity": Severity.GENERAL,
    "guidance": "",
}


def _num(value) -> str | None:
    if value is None or value == "":
        return None
    return str(Decimal(str(value)).normalize())


def _normalised(sections: Sequence[Mapping], pass_score, good_score) -> dict:
    """The content as plain data, with defaults filled in: what the fingerprint is taken of, and what is written."""
    out = []
    codes: set[str] = set()
    for section in sections:
        title = str(section.get("title") or "").strip()
        if not title:
            raise Refused(_("每个部分须有标题。"))
        items = []
        for raw in section.get("items") or []:
            item = ITEM_DEFAULTS | dict(raw)
            code = str(item.get("code") or "").strip()
            text = str(item.get("text") or "").strip()
            if not code or not text:
                raise Refused(_("每个检查项目须有编号和内容。"))
            if code in codes:
                raise Refused(_("检查项目编号“{code}”重复。").format(code=code))
            codes.add(code)
            if item["kind"] not in ItemKind.values:
                raise Refused(_("检查项目“{code}”的类型无效。").format(code=code))
            if item["severity"] not in Severity.values:
                raise Refused(_("检查项目“{code}”的严重程度无效。").format(code=code))
            if item["threshold_op"] not in (">=", ">", "<=", "<", "=="):
                raise Refused(_("检查项目“{code}”的比较方式无效。").format(code=code))
            choices = [
                {
                    "value": str(c.get("value")),
                    "label": str(c.get("label") or c.get("value")),
                    "passes": bool(c.get("passes")),
                }
                for c in item.get("choices") or []
            ]
            if item["kind"] == ItemKind.CHOICE and not choices:
                raise Refused(_("选项类检查项目“{code}”须列出选项。").format(code=code))
            try:
                weight = _num(item["weight"]) or "0"
                threshold = _num(item["threshold"])
            except ArithmeticError:
                raise Refused(_("检查项目“{code}”的分值或标准值须为数字。").format(code=code)) from None
            if Decimal(weight) < 0:
                raise Refused(_("检查项目“{code}”的分值不能为负数。").format(code=code))
            items.append(
                {
                    "code": code,
                    "text": text,
                    "kind": item["kind"],
                    "weight": weight,
                    "threshold": threshold,
                    "threshold_op": item["threshold_op"],
                    "choices": choices if item["kind"] == ItemKind.CHOICE else [],
                    "photo_required": bool(item["photo_required"]) or item["kind"] == ItemKind.PHOTO,
                    "required": bool(item["required"]),
                    "critical": bool(item["critical"]),
                    "severity": item["severity"],
                    "guidance": str(item.get("guidance") or "").strip(),
                }
            )
        out.append({"title": title, "items": items})
    if not codes:
        raise Refused(_("检查表至少须有一个检查项目。"))
    try:
        return {"sections": out, "pass_score": _num(pass_score), "good_score": _num(good_score)}
    except ArithmeticError:
        raise Refused(_("合格分须为数字。")) from None


def _fingerprint(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def version_content(version: TemplateVersion) -> dict:
    """A published version's content in the shape template_publish takes (for the edit page and copies)."""
    sections = []
    for section in version.sections.prefetch_related("items").order_by("order"):
        sections.append(
            {
                "title": section.title,
                "items": [
                    {
                        "code": i.code,
                        "text": i.text,
                        "kind": i.kind,
                        "weight": _num(i.weight),
                        "threshold": _num(i.threshold),
                        "threshold_op": i.threshold_op,
                        "choices": i.choices,
                        "photo_required": i.photo_required,
                        "required": i.required,
                        "critical": i.critical,
                        "severity": i.severity,
                        "guidance": i.guidance,
                    }
                    for i in section.items.all()
                ],
            }
        )
    return {"sections": sections, "pass_score": _num(version.pass_score), "good_score": _num(version.good_score)}


def template_publish(
    *,
    code: str,
    name: str,
    purpose: str,
    target_kind: str = SCHOOL_KIND,
    applies_to: Sequence[str] = (),
    sections: Sequence[Mapping],
    pass_score=None,
    good_score=None,
    acting_user,
    note: str | None = None,
) -> TemplateVersion:
    """Publish the checklist ``code``: its name, purpose and kinds are updated in place; its content (sections, items,
    scores) becomes a new version only when it differs from the current one (else the current one is returned)."""
    _require(acting_user)
    if purpose not in Purpose.values:
        raise Refused(_("检查表用途无效。"))
    if target_kind != SCHOOL_KIND and registered_kind(target_kind) is None:
        raise Refused(_("检查对象类型无效。"))
    if not str(name).strip():
        raise Refused(_("请填写检查表名称。"))
    content = _normalised(sections, pass_score, good_score)
    if (
        content["pass_score"]
        and content["good_score"]
        and Decimal(content["pass_score"]) > Decimal(content["good_score"])
    ):
        raise Refused(_("基本合格分不能高于合格分。"))
    fingerprint = _fingerprint(content)
    with acting_as(acting_user), transaction.atomic():
        template = Template.objects.select_for_update().filter(code=code).first()
        if template is None:
            template = Template.objects.create(
                code=code,
                name=name,
                purpose=purpose,
                target_kind=target_kind,
                applies_to=list(applies_to),
                note=note or "",
            )
        else:
            changed = {
                "name": name,
                "purpose": purpose,
                "target_kind": target_kind,
                "applies_to": list(applies_to),
            } | ({"note": note} if note is not None else {})
            dirty = [field for field, value in changed.items() if getattr(template, field) != value]
            for field in dirty:
                setattr(template, field, changed[field])
            if dirty:
                template.save(update_fields=[*dirty, "updated_at"])
        current = template.versions.order_by("-number").first()
        if current is not None and current.fingerprint == fingerprint:
            return current
        version = TemplateVersion.objects.create(
            template=template,
            number=(current.number + 1) if current else 1,
            published_at=timezone.now(),
            published_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            pass_score=content["pass_score"],
            good_score=content["good_score"],
            fingerprint=fingerprint,
        )
        for s_order, section in enumerate(content["sections"], start=1):
            row = Section.objects.create(version=version, order=s_order, title=section["title"])
            ItemDef.objects.bulk_create(
                ItemDef(section=row, order=i_order, **item) for i_order, item in enumerate(section["items"], start=1)
            )
    return version


# Campaigns ---------------------------------------------------------------------------------------------------------


def _target_fields(obj) -> dict:
    kind = kind_of(obj)
    if kind == SCHOOL_KIND:
        return {"kind": kind, "school": obj, "division_code": obj.township.code, "name": obj.name}
    registered = registered_kind(kind)
    return {
        "kind": kind,
        "subject_type": ContentType.objects.get_for_model(obj),
        "subject_id": obj.pk,
        "division_code": registered.division_code_of(obj),
        "name": registered.name_of(obj)[:200],
    }


def _check_target(obj, template: Template, user) -> dict:
    fields = _target_fields(obj)
    if fields["kind"] != template.target_kind:
        raise Refused(_("“{name}”不是本检查表适用的检查对象。").format(name=fields["name"]))
    if fields["kind"] == SCHOOL_KIND:
        if template.applies_to and obj.category not in template.applies_to:
            raise Refused(_("“{name}”的办学类型不在本检查表适用范围内。").format(name=fields["name"]))
        if not access.covers(user, school=obj):
            raise Refused(_("“{name}”不在您的管辖范围内。").format(name=fields["name"]))
    elif not access.covers(user, division=fields["division_code"]):
        raise Refused(_("“{name}”不在您的管辖范围内。").format(name=fields["name"]))
    return fields


def _county_of(user, fields: list[dict]) -> str:
    if fields:
        return fields[0]["division_code"][:6]
    return access.narrowest_area(user)[1][:6]


def campaign_create(
    *,
    name: str,
    kind: str,
    version: TemplateVersion,
    targets: Iterable,
    starts_on: dt.date,
    ends_on: dt.date,
    inspectors: Iterable = (),
    acting_user,
    note: str = "",
) -> Campaign:
    """A campaign applying ``version`` to ``targets`` (schools, or rows of a registered target kind) in the period,
    each target with the ``inspectors`` (users) named."""
    _require(acting_user)
    if kind not in Purpose.values:
        raise Refused(_("检查活动类型无效。"))
    if not str(name).strip():
        raise Refused(_("请填写检查活动名称。"))
    if ends_on < starts_on:
        raise Refused(_("结束日期不能早于开始日期。"))
    template = version.template
    fields = []
    seen = set()
    for obj in targets:
        key = (type(obj), obj.pk)
        if key in seen:
            continue
        seen.add(key)
        fields.append(_check_target(obj, template, acting_user))
    inspectors = list(inspectors)
    with acting_as(acting_user), transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            kind=kind,
            version=version,
            county_code=_county_of(acting_user, fields),
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        for row in fields:
            target = Target.objects.create(campaign=campaign, **row)
            if inspectors:
                target.inspectors.set(inspectors)
    return campaign


def targets_add(*, campaign: Campaign, targets: Iterable, inspectors: Iterable = (), acting_user) -> list[Target]:
    """More targets for a campaign (those already in it are left as they are)."""
    _require(acting_user, access.CHANGE)
    template = campaign.version.template
    existing_schools = set(campaign.targets.exclude(school=None).values_list("school_id", flat=True))
    existing_subjects = set(campaign.targets.exclude(subject_id=None).values_list("subject_type_id", "subject_id"))
    inspectors = list(inspectors)
    made = []
    with acting_as(acting_user), transaction.atomic():
        for obj in targets:
            fields = _check_target(obj, template, acting_user)
            if fields["kind"] == SCHOOL_KIND and obj.pk in existing_schools:
                continue
            if fields["kind"] != SCHOOL_KIND and (fields["subject_type"].pk, obj.pk) in existing_subjects:
                continue
            target = Target.objects.create(campaign=campaign, **fields)
            if inspectors:
                target.inspectors.set(inspectors)
            made.append(target)
            if fields["kind"] == SCHOOL_KIND:
                existing_schools.add(obj.pk)
            else:
                existing_subjects.add((fields["subject_type"].pk, obj.pk))
    return made


def target_remove(*, target: Target, acting_user) -> None:
    """A target not inspected yet leaves its campaign."""
    _require(acting_user, access.CHANGE)
    if Inspection.objects.filter(target=target).exists():
        raise Refused(_("已提交检查记录的对象不能移出检查活动。"))
    with acting_as(acting_user), transaction.atomic():
        target.delete()


# Inspections -------------------------------------------------------------------------------------------------------


def items_of(version: TemplateVersion) -> list[ItemDef]:
    return list(
        ItemDef.objects.filter(section__version=version).select_related("section").order_by("section__order", "order")
    )


def may_fill(target: Target, user) -> str | None:
    """Why the user may not fill this target's checklist (None: they may)."""
    if not Target.objects.for_user(user).filter(pk=target.pk).exists():
        return _("该检查对象不在您的管辖范围内。")
    if user.role == access.Role.SCHOOL and target.campaign.kind != Purpose.SELF_CHECK:
        return _("学校账号只能填报本校自查。")
    return None


def _plan_answers(items, answers, photos, notes, existing_photos=frozenset()):
    """[(item, value, passed, note, uploads)] checked against the items; refused in Chinese on the first problem."""
    plan = []
    for item in items:
        value = scoring.clean_value(item, answers.get(item.code))
        uploads = list(photos.get(item.code) or [])
        note = str(notes.get(item.code) or "").strip()
        has_photo = bool(uploads) or item.code in existing_photos
        if item.kind == ItemKind.PHOTO:
            value = None
        if item.required and item.kind != ItemKind.PHOTO and value is None:
            raise Refused(_("请填写“{item}”。").format(item=item.text))
        if item.photo_required and not has_photo:
            raise Refused(_("“{item}”须拍照上传。").format(item=item.text))
        plan.append((item, value, scoring.passes(item, value), note, uploads))
    return plan


def _write_answers(inspection: Inspection, plan, user, sniffed_iter) -> None:
    existing = {answer.item_id: answer for answer in inspection.answers.all()}
    for item, value, passed, note, uploads in plan:
        answer = existing.get(item.pk)
        if answer is None:
            answer = Answer.objects.create(inspection=inspection, item=item, value=value, passed=passed, note=note)
        else:
            answer.value, answer.passed, answer.note = value, passed, note
            answer.save(update_fields=["value", "passed", "note", "updated_at"])
        stored = [
            attachment_store.store(inspection.case, upload, user=user, sniffed=next(sniffed_iter)) for upload in uploads
        ]
        if stored:
            answer.photos.add(*stored)


def inspection_submit(
    *,
    target: Target,
    answers: Mapping,
    photos: Mapping | None = None,
    notes: Mapping | None = None,
    client_token: str,
    inspected_on: dt.date,
    acting_user,
    summary: str = "",
    today: dt.date | None = None,
) -> Inspection:
    """Send a target's filled checklist ({item code: value}, {item code: [uploads]}, {item code: note}).

    Idempotent by ``client_token`` (made in the browser and kept with the draft): the same token again returns the
    inspection it made and writes nothing. A target has one inspection: after 退回重填 the next send updates it."""
    photos = photos or {}
    notes = notes or {}
    client_token = str(client_token or "").strip()[:64]
    if not client_token:
        raise Refused(_("提交标识缺失，请刷新页面后重新提交。"))
    done = Inspection.objects.filter(client_token=client_token).first()
    if done is not None:
        if done.target_id != target.pk:
            # A token of another target (forged, or a draft copied across): never that target's inspection.
            raise Refused(_("提交标识无效，请刷新页面后重新提交。"))
        return done
    reason = may_fill(target, acting_user)
    if reason:
        raise TransitionRefused(reason, code="refused")
    today = today or timezone.localdate()
    if inspected_on > today:
        raise Refused(_("检查日期不能晚于今天。"))
    current = Inspection.objects.filter(target=target).select_related("case").first()
    if current is not None and current.case.state != "filling":
        raise Refused(_("该对象的检查记录已提交，不能重复提交。"))
    version = current.version if current is not None else target.campaign.version
    items = items_of(version)
    kept = set()
    if current is not None:
        kept = {
            code
            for code in Answer.objects.filter(inspection=current, photos__isnull=False).values_list(
                "item__code", flat=True
            )
        }
    plan = _plan_answers(items, answers, photos, notes, kept)
    try:
        sniffed = attachment_store.check_uploads([u for *_rest, uploads in plan for u in uploads])
    except ValidationError as exc:
        raise Refused(exc.messages[0]) from exc
    try:
        with acting_as(acting_user), transaction.atomic():
            if current is None:
                case = case_open(
                    workflow=INSPECTION.code,
                    title=f"{target.name}：{target.campaign.name}",
                    school=target.school,
                    division_code=target.division_code,
                    acting_user=acting_user,
                    today=today,
                )
                inspection = Inspection.objects.create(
                    target=target,
                    version=version,
                    case=case,
                    client_token=client_token,
                    inspected_on=inspected_on,
                    inspector=acting_user,
                    summary=summary,
                )
            else:
                step = case_transition(case=current.case, transition="resubmit", acting_user=acting_user, today=today)
                inspection = current
                inspection.case = step.case
                inspection.client_token = client_token
                inspection.inspected_on = inspected_on
                inspection.inspector = acting_user
                inspection.summary = summary
                inspection.save(update_fields=["client_token", "inspected_on", "inspector", "summary", "updated_at"])
            _write_answers(inspection, plan, acting_user, iter(sniffed))
    except IntegrityError:
        # The same token sent twice at once: the other request made it.
        done = Inspection.objects.filter(client_token=client_token).first()
        if done is None:
            raise Refused(_("该对象的检查记录已提交，不能重复提交。")) from None
        return done
    return inspection


def inspection_send_back(
    *, inspection: Inspection, acting_user, comment: str, version: int | None = None, today: dt.date | None = None
) -> Inspection:
    """退回重填 with the reason: the inspector fills it again and sends it with a new token."""
    with acting_as(acting_user), transaction.atomic():
        step = case_transition(
            case=inspection.case,
            transition="send_back",
            acting_user=acting_user,
            version=version,
            comment=comment,
            today=today,
        )
        inspection.case = step.case
    return inspection


def answer_display(answer: Answer) -> str:
    item = answer.item
    if answer.value is None:
        return _("已拍照") if item.kind == ItemKind.PHOTO else _("未填写")
    if item.kind == ItemKind.YES_NO:
        return _("是") if answer.value else _("否")
    if item.kind == ItemKind.CHOICE:
        for choice in item.choices or []:
            if str(choice.get("value")) == str(answer.value):
                return str(choice.get("label"))
    return str(answer.value)


def finding_text(answer: Answer) -> str:
    item = answer.item
    text = _("{item}（检查结果：{value}）").format(item=item.text, value=answer_display(answer))
    if answer.note:
        text = f"{text}{answer.note}"
    return text


def _photo_copies(answer: Answer) -> list:
    """The first photo of a failed item, copied for the notice (which stores its own evidence)."""
    for attachment in answer.photos.order_by("id")[:1]:
        with attachment.file.open("rb") as handle:
            return [ContentFile(handle.read(), name=attachment.name)]
    return []


def inspection_sign_off(
    *, inspection: Inspection, acting_user, today: dt.date | None = None, version: int | None = None
) -> Inspection:
    """签发: the inspection is scored (合格 / 基本合格 / 不合格), each failed item becomes a finding, and the findings
    go into ONE 整改 notice, issued at once with the working days of the worst severity (a school's through
    emis.rectification; another kind's through its registered ``rectify``)."""
    today = today or timezone.localdate()
    answers = list(
        inspection.answers.select_related("item", "item__section").order_by("item__section__order", "item__order")
    )
    judged = [(a.item, a.passed) for a in answers if a.passed is not None]
    score, result = scoring.result(
        judged, pass_score=inspection.version.pass_score, good_score=inspection.version.good_score
    )
    failed = [a for a in answers if a.passed is False]
    target = inspection.target
    with acting_as(acting_user), transaction.atomic():
        step = case_transition(
            case=inspection.case, transition="sign_off", acting_user=acting_user, version=version, today=today
        )
        inspection.case = step.case
        inspection.score = score
        inspection.result = result
        inspection.signed_by = acting_user
        inspection.signed_at = step.at
        findings = [
            Finding.objects.create(
                inspection=inspection,
                item=a.item,
                severity=a.item.severity,
                text=finding_text(a),
                requirement=a.item.guidance or _("限期整改到位。"),
            )
            for a in failed
        ]
        if findings:
            severity = worst(f.severity for f in findings)
            days = rectify_days(severity)
            if target.kind == SCHOOL_KIND:
                _rectify_school(inspection, findings, failed, days, acting_user, today)
            else:
                kind = registered_kind(target.kind)
                case = kind.rectify(inspection, findings, acting_user) if kind and kind.rectify else None
                if case is not None:
                    inspection.rectify_case = case
                    for finding in findings:
                        finding.case = case
                        finding.save(update_fields=["case", "updated_at"])
        inspection.save(
            update_fields=["score", "result", "signed_by", "signed_at", "notice", "rectify_case", "updated_at"]
        )
    return inspection


def _rectify_school(inspection, findings, failed, days, acting_user, today) -> None:
    from emis.rectification import services as rectification

    campaign = inspection.target.campaign
    notice = rectification.notice_draft(
        school=inspection.target.school,
        title=campaign.name,
        inspected_on=inspection.inspected_on,
        basis=_("根据{campaign}的安排，县教育局于{day}对你校进行了检查，发现以下问题，").format(
            campaign=campaign.name,
            day=f"{inspection.inspected_on.year}年{inspection.inspected_on.month}月{inspection.inspected_on.day}日",
        ),
        responsible=_("学校主要负责人"),
        days=days,
        acting_user=acting_user,
        items=[
            {
                "severity": finding.severity,
                "finding": finding.text,
                "requirement": finding.requirement,
                "photo": (_photo_copies(answer) or [None])[0],
            }
            for finding, answer in zip(findings, failed, strict=True)
        ],
        today=today,
    )
    notice = rectification.notice_issue(notice=notice, acting_user=acting_user, today=today)
    items = list(notice.items.order_by("number"))
    for finding, item in zip(findings, items, strict=True):
        finding.notice_item = item
        finding.case = notice.case
        finding.save(update_fields=["notice_item", "case", "updated_at"])
    inspection.notice = notice
    inspection.rectify_case = notice.case
