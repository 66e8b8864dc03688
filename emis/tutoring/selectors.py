"""Reads of the 校外培训机构 registry: the 预收费 limits (settings), an institution's history (inspections,
rectification cases, complaints) and the county summary, counted in SQL within the user's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, OuterRef, Q, Subquery, Value
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.work.models import Case

from .models import Complaint, Institution, Kind, Status
from .workflows import COMPLAINT, RECTIFICATION, RECTIFY_DAYS

# [C2] 预收费: at most 3 months or 60 class hours in one charge (教育部等六部门 2021), overridable in settings.
PREPAY_MONTHS = Decimal("3")
PREPAY_HOURS = 60


def prepay_limits() -> tuple[Decimal, int]:
    return (
        Decimal(str(getattr(settings, "EMIS_TUTORING_PREPAY_MONTHS", PREPAY_MONTHS))),
        int(getattr(settings, "EMIS_TUTORING_PREPAY_HOURS", PREPAY_HOURS)),
    )


def rectify_days() -> int:
    return int(getattr(settings, "EMIS_TUTORING_RECTIFY_DAYS", RECTIFY_DAYS))


def institution_cases(institution: Institution, user, workflow: str = RECTIFICATION.code):
    """The institution's cases of a workflow (its rectifications), within the user's scope."""
    content_type = ContentType.objects.get_for_model(Institution)
    return (
        Case.objects.for_user(user)
        .filter(workflow=workflow, subject_type=content_type, subject_id=institution.pk)
        .order_by("-pk")
    )


def rectification_cases(user):
    return Case.objects.for_user(user).filter(workflow=RECTIFICATION.code)


def inspections_of(institution: Institution, user):
    """The institution's 年检 and other inspections (emis.inspections), newest first; empty without the engine."""
    try:
        from emis.inspections.selectors import inspections_of as engine_inspections_of
    except ImportError:
        return []
    rows = []
    for inspection in engine_inspections_of(institution, user):
        try:
            url = inspection.get_absolute_url()
        except NoReverseMatch:  # the engine's pages are not routed
            url = ""
        rows.append({"inspection": inspection, "url": url})
    return rows


def _open_overdue(queryset, prefix: str = "case__") -> dict:
    open_q = Q(**{f"{prefix}closed_at__isnull": True})
    return queryset.aggregate(
        open=Count("pk", filter=open_q),
        overdue=Count("pk", filter=open_q & Q(**{f"{prefix}urgency": "overdue"})),
        total=Count("pk"),
    )


def summary(user, today: dt.date | None = None) -> dict:
    """The county's (or township's) figures: institutions by kind and status, 营转非, 黑白名单, complaints and
    rectifications open and overdue. One aggregate query per table."""
    today = today or timezone.localdate()
    institutions = Institution.objects.for_user(user)
    counts = institutions.aggregate(
        total=Count("pk"),
        academic=Count("pk", filter=Q(kind=Kind.ACADEMIC)),
        non_academic=Count("pk", filter=Q(kind=Kind.NON_ACADEMIC)),
        active=Count("pk", filter=Q(status=Status.ACTIVE)),
        suspended=Count("pk", filter=Q(status=Status.SUSPENDED)),
        closed=Count("pk", filter=Q(status=Status.CLOSED)),
        converted=Count("pk", filter=Q(converted_on__isnull=False)),
        contract=Count("pk", filter=Q(standard_contract=True, status=Status.ACTIVE)),
        supervised=Count("pk", filter=~Q(fund_supervision="") & Q(status=Status.ACTIVE)),
        black=Count("pk", filter=Q(list_mark="black")),
        white=Count("pk", filter=Q(list_mark="white")),
        licence_expired=Count("pk", filter=Q(licence_expires__lt=today, status=Status.ACTIVE)),
    )
    by_township = list(
        institutions.values("township__code", "township__name")
        .annotate(
            total=Count("pk"),
            academic=Count("pk", filter=Q(kind=Kind.ACADEMIC)),
            non_academic=Count("pk", filter=Q(kind=Kind.NON_ACADEMIC)),
            active=Count("pk", filter=Q(status=Status.ACTIVE)),
        )
        .order_by("township__code")
    )
    complaints = _open_overdue(Complaint.objects.for_user(user))
    rectifications = _open_overdue(rectification_cases(user), prefix="")
    passed = rectification_cases(user).filter(state="passed").count()
    return {
        "counts": counts,
        "by_township": by_township,
        "complaints": complaints,
        "rectifications": {**rectifications, "passed": passed},
        "complaint_states": COMPLAINT.states,
    }


def annual_results(user, *, private_schools: bool = False) -> list[dict]:
    """年检 results per campaign and result (emis.inspections): of the institutions' campaigns, or (private_schools)
    of the campaigns on the 民办学校年检 checklist; empty without the engine."""
    try:
        from emis.inspections.models import Inspection, Result
    except ImportError:
        return []
    from .annual import PRIVATE_TEMPLATE

    labels = dict(Result.choices)
    inspections = Inspection.objects.for_user(user).filter(target__campaign__kind="annual")
    if private_schools:
        inspections = inspections.filter(target__campaign__version__template__code=PRIVATE_TEMPLATE)
    else:
        inspections = inspections.filter(target__kind="institution")
    rows = (
        inspections.exclude(result="")
        .values("target__campaign__name", "result")
        .annotate(count=Count("pk"))
        .order_by("target__campaign__name", "result")
    )
    totals: dict[str, int] = {}
    found = list(rows)
    for row in found:
        totals[row["target__campaign__name"]] = totals.get(row["target__campaign__name"], 0) + row["count"]
    return [
        {
            "campaign": row["target__campaign__name"],
            "result": row["result"],
            "label": labels.get(row["result"], row["result"]),
            "count": row["count"],
            "total": totals[row["target__campaign__name"]],
        }
        for row in found
    ]


ANNUAL_RESULTS = (("pass", _("合格")), ("fair", _("基本合格")), ("fail", _("不合格")))


def latest_annual_result():
    """A subquery: the result of an institution's latest signed 年检 (purpose annual), for annotating a queryset of
    institutions (``.annotate(annual_result=latest_annual_result())``); None without the engine."""
    try:
        from emis.inspections.models import Inspection
    except ImportError:
        return Value("", output_field=CharField())
    return Subquery(
        Inspection.objects.filter(
            target__kind="institution",
            target__subject_id=OuterRef("pk"),
            target__campaign__kind="annual",
        )
        .exclude(result="")
        .order_by("-inspected_on", "-pk")
        .values("result")[:1]
    )
