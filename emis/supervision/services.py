"""教育督导's writes: the 督学 registry, their 责任区 (assigning or ending a school updates the 督学's account scope,
``user.schools``, change-logged), the term's 挂牌督导 plan, visit records with findings, the 整改通知书 for what
must change (through emis.rectification.services), and the leaders' 挂点包片."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import files
from emis.core.access import Role
from emis.core.audit import acting_as
from emis.core.writes import Refused
from emis.work import attachments as attachment_store

from . import terms
from .models import (
    SCHOOLS_PER_INSPECTOR,
    Assignment,
    Inspector,
    LeaderPost,
    Matter,
    Method,
    Severity,
    Visit,
    VisitFinding,
    VisitKind,
    VisitPlan,
)


def _active(queryset, day: dt.date):
    return queryset.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


# The registry ------------------------------------------------------------------------------------------------------


def inspector_save(*, inspector: Inspector, acting_user=None) -> Inspector:
    """A 督学 saved; a linked account must have the 督学 role and belong to no other 督学. Linking an account sets its
    scope to the 督学's current 责任区."""
    inspector.full_clean()
    user = inspector.user
    if user is not None and user.role != Role.INSPECTOR:
        raise Refused(_("关联的登录账号角色须为“督学”。"))
    with acting_as(acting_user), transaction.atomic():
        previous = Inspector.objects.filter(pk=inspector.pk).values_list("user_id", flat=True).first()
        inspector.save()
        if user is not None and previous != user.pk:
            _sync_scope(inspector)
    return inspector


def _sync_scope(inspector: Inspector, today: dt.date | None = None) -> None:
    """The account's schools become the 督学's current 责任区 (only what differs is added or removed)."""
    user = inspector.user
    if user is None:
        return
    today = today or timezone.localdate()
    wanted = set(_active(inspector.assignments.all(), today).values_list("school_id", flat=True))
    user.schools.set(wanted)  # removes and adds only what differs (each logged by the m2m signal)


def assignment_start(
    *, inspector: Inspector, school, start_date: dt.date, acting_user=None, today: dt.date | None = None
) -> tuple[Assignment, list[str]]:
    """A school joins a 督学's 责任区 from ``start_date``. The school's current 责任督学 (another one) ends the day
    before; the accounts of both follow. Returns the assignment and warnings (more than five schools)."""
    if inspector.end_date and inspector.end_date < start_date:
        raise Refused(_("该督学已解聘，不能再分配责任区。"))
    with acting_as(acting_user), transaction.atomic():
        current = _active(Assignment.objects.filter(school=school), start_date).select_related("inspector")
        for previous in current:
            if previous.inspector_id == inspector.pk:
                raise Refused(_("该学校已在此督学的责任区内。"))
            if previous.start_date >= start_date:
                raise Refused(_("该学校在此日期之后才有其他督学的责任区记录，请先调整原记录。"))
            previous.end_date = start_date - dt.timedelta(days=1)
            previous.save()
            _sync_scope(previous.inspector, today)
        assignment = Assignment(inspector=inspector, school=school, start_date=start_date)
        assignment.full_clean()
        assignment.save()
        _sync_scope(inspector, today)
    return assignment, assignment_warnings(inspector, start_date)


def assignment_warnings(inspector: Inspector, day: dt.date) -> list[str]:
    count = _active(inspector.assignments.all(), day).count()
    if count > SCHOOLS_PER_INSPECTOR:
        return [
            _("{name}的责任区已有{count}所学校，超过每人约{limit}所的要求。").format(
                name=inspector.name, count=count, limit=SCHOOLS_PER_INSPECTOR
            )
        ]
    return []


def assignment_end(
    *, assignment: Assignment, end_date: dt.date, acting_user=None, today: dt.date | None = None
) -> Assignment:
    """The school leaves the 责任区 after ``end_date``; the 督学's account loses it once the day has passed."""
    if end_date < assignment.start_date:
        raise Refused(_("终止日期不能早于起始日期。"))
    if assignment.end_date is not None and assignment.end_date <= end_date:
        raise Refused(_("该责任区记录已终止。"))
    with acting_as(acting_user), transaction.atomic():
        assignment.end_date = end_date
        assignment.save()
        _sync_scope(assignment.inspector, today)
    return assignment


def scope_refresh(*, today: dt.date | None = None, acting_user=None) -> int:
    """Every linked 督学 account's schools set to the 责任区 of ``today`` (assignments starting or ending on a date
    take effect the day they do). Returns the number of accounts looked at."""
    inspectors = Inspector.objects.filter(user__isnull=False).select_related("user")
    with acting_as(acting_user), transaction.atomic():
        for inspector in inspectors:
            _sync_scope(inspector, today)
    return len(inspectors)


def leader_post_save(*, post: LeaderPost, acting_user=None) -> LeaderPost:
    """挂点包片: the leader must be a 局领导 account; one leader per township at a time."""
    post.full_clean()
    if post.leader.role != Role.LEADER:
        raise Refused(_("挂点包片的须为局领导账号。"))
    end = post.end_date or dt.date.max
    overlapping = (
        LeaderPost.objects.filter(township=post.township, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=post.start_date))
        .exclude(pk=post.pk)
    )
    if overlapping.exists():
        raise Refused(_("该乡镇在这段时间已有挂点领导，请先为原记录填写终止日期。"))
    with acting_as(acting_user):
        post.save()
    return post


# The plan and the visits ---------------------------------------------------------------------------------------------


def plan_generate(*, year: int, term: str, acting_user, schools=None) -> list[VisitPlan]:
    """The term's 挂牌督导 plan: one row per school of a 责任区 per month (with the 督学 responsible on the month's
    first day), for the rows not there yet. ``schools`` narrows it (default: every school with a 责任督学)."""
    if term not in terms.TERMS:
        raise Refused(_("请选择学期。"))
    created = []
    with acting_as(acting_user), transaction.atomic():
        for month in terms.term_months(year, term):
            assignments = _active(Assignment.objects.all(), month)
            if schools is not None:
                assignments = assignments.filter(school__in=schools)
            existing = set(VisitPlan.objects.filter(month=month).values_list("school_id", flat=True))
            for assignment in assignments.order_by("school__code"):
                if assignment.school_id in existing:
                    continue
                existing.add(assignment.school_id)
                created.append(
                    VisitPlan.objects.create(
                        school_id=assignment.school_id, month=month, inspector_id=assignment.inspector_id
                    )
                )
    return created


def _choices(values: Sequence[str], allowed, label) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise Refused(_("“{label}”有不认识的选项。").format(label=label))
    return list(dict.fromkeys(values))


def visit_record(
    *,
    school,
    inspector: Inspector,
    visited_on: dt.date,
    kind: str = VisitKind.REGULAR,
    methods: Sequence[str] = (),
    matters: Sequence[str] = (),
    summary: str = "",
    findings: Sequence[dict] = (),
    acting_user,
    client_token: str | None = None,
    today: dt.date | None = None,
) -> Visit:
    """A visit record with its findings ({severity, text, requirement, must_change, photo: an upload or None}).
    Idempotent by ``client_token``: the same form sent twice (a poor connection) records one visit. A 督学
    records visits only to the schools of their own 责任区 on the day of the visit."""
    if client_token:
        existing = Visit.objects.filter(client_token=client_token).first()
        if existing is not None:
            if existing.inspector_id != inspector.pk or existing.school_id != school.pk:
                # A token of another visit (forged or copied): never that visit, nor a silent drop of this one.
                raise Refused(_("提交标识无效，请刷新页面后重新提交。"))
            return existing
    today = today or timezone.localdate()
    if visited_on > today:
        raise Refused(_("督导日期不能晚于今天。"))
    if kind not in VisitKind.values:
        raise Refused(_("请选择督导类型。"))
    methods = _choices(methods, Method.values, _("督导方式"))
    matters = _choices(matters, Matter.values, _("督导事项"))
    if getattr(acting_user, "role", None) == Role.INSPECTOR:
        own = Inspector.objects.filter(user=acting_user).first()
        if own is None or own.pk != inspector.pk:
            raise Refused(_("督学只能记录本人的督导。"))
        if not _active(Assignment.objects.filter(inspector=inspector, school=school), visited_on).exists():
            raise Refused(_("该学校不在您当日的责任区内。"))
    rows, uploads = [], []
    for finding in findings:
        text = (finding.get("text") or "").strip()
        if not text:
            continue
        severity = finding.get("severity") or Severity.GENERAL
        if severity not in Severity.values:
            raise Refused(_("请选择问题的严重程度。"))
        rows.append(
            VisitFinding(
                severity=severity,
                text=text[:500],
                requirement=(finding.get("requirement") or "").strip()[:500],
                must_change=bool(finding.get("must_change")),
            )
        )
        uploads.append(finding.get("photo"))
    try:
        sniffed = iter(attachment_store.check_uploads([u for u in uploads if u is not None]))
    except ValidationError as exc:
        raise Refused(exc.messages[0]) from exc
    for upload in uploads:
        if upload is not None and not next(sniffed).is_image:
            raise Refused(_("现场照片须为图片。"))
    with acting_as(acting_user), transaction.atomic():
        visit = Visit(
            school=school,
            inspector=inspector,
            visited_on=visited_on,
            kind=kind,
            methods=methods,
            matters=matters,
            summary=summary,
            client_token=client_token or None,
        )
        visit.full_clean(exclude=["client_token"])
        visit.save()
        for row, upload in zip(rows, uploads, strict=True):
            row.visit = visit
            if upload is not None:
                row.photo = files.save(upload, folder="supervision", suffix=PurePosixPath(upload.name or "").suffix)
            row.save()
    return visit


def visit_notice(*, visit: Visit, acting_user, days: int = 20, photos: dict | None = None, today=None):
    """The visit's findings that must change, as one 整改通知书 to the school, drafted and issued by the 督导室
    (emis.rectification.services). ``photos``: {finding id: upload} to go with the items."""
    from emis.rectification.services import notice_draft, notice_issue

    if visit.notice_id is not None:
        raise Refused(_("该督导记录已开具整改通知书。"))
    findings = list(visit.findings.filter(must_change=True).order_by("pk"))
    if not findings:
        raise Refused(_("该督导记录没有须整改的问题。"))
    photos = dict(photos or {})
    for finding in findings:
        if finding.pk not in photos and finding.photo:
            with files.upload_storage().open(finding.photo, "rb") as handle:
                photos[finding.pk] = ContentFile(
                    handle.read(), name=f"现场照片{finding.pk}{PurePosixPath(finding.photo).suffix}"
                )
    with acting_as(acting_user), transaction.atomic():
        notice = notice_draft(
            school=visit.school,
            title=_("挂牌督导发现问题整改"),
            inspected_on=visit.visited_on,
            responsible=_("学校主要负责人"),
            acting_user=acting_user,
            items=[
                {
                    "severity": f.severity,
                    "finding": f.text,
                    "requirement": f.requirement or _("限期整改到位"),
                    "photo": photos.get(f.pk),
                }
                for f in findings
            ],
            basis=_("《中小学校责任督学挂牌督导办法》"),
            days=days,
            today=today,
        )
        notice = notice_issue(notice=notice, acting_user=acting_user, today=today)
        visit.notice = notice
        visit.save()
    return notice
