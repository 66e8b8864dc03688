"""The engine's reads, each through the user's scope and counted in SQL: a campaign's progress and results, a
school's or institution's history, the open findings (by township, by section of the checklist), overdue notices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.db.models.functions import Left
from django.utils import timezone

from emis.work.models import Case

from .models import SCHOOL_KIND, Campaign, Finding, Inspection, Result, Target


def campaigns_for(user):
    """Campaigns the user may open: those of their county, and those with a target in their scope."""
    return Campaign.objects.filter(
        Q(pk__in=Campaign.objects.for_user(user).values("pk"))
        | Q(pk__in=Target.objects.for_user(user).values("campaign_id"))
    )


def my_pending_targets(user, today: dt.date | None = None):
    """The targets the user is named an inspector of, not yet inspected, in campaigns running today: what waits for
    the user's visit (the 检查任务 menu's number and the list's 我的待检 filter)."""
    today = today or timezone.localdate()
    return Target.objects.for_user(user).filter(
        inspectors=user, inspection__isnull=True, campaign__starts_on__lte=today, campaign__ends_on__gte=today
    )


def my_pending_target_count(user) -> int:
    """The 检查任务 menu's number: one COUNT, asked once per request (core.navigation)."""
    if not user.is_authenticated:
        return 0
    return my_pending_targets(user).count()


def targets_of(campaign: Campaign, user):
    return Target.objects.for_user(user).filter(campaign=campaign)


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def campaign_progress(campaign: Campaign, user, today: dt.date | None = None) -> dict:
    """Targets in the user's scope, how many were inspected (submitted), signed off, their results and pass rates,
    open findings and overdue notices: one query for the targets' figures, one for the findings, one for notices."""
    today = today or timezone.localdate()
    targets = targets_of(campaign, user)
    figures = targets.aggregate(
        total=Count("pk"),
        inspected=Count("inspection"),
        signed=Count("inspection", filter=Q(inspection__case__state="signed")),
        passed=Count("inspection", filter=Q(inspection__result=Result.PASS)),
        fair=Count("inspection", filter=Q(inspection__result=Result.FAIR)),
        failed=Count("inspection", filter=Q(inspection__result=Result.FAIL)),
    )
    findings = Finding.objects.for_user(user).filter(inspection__target__campaign=campaign)
    figures |= findings.aggregate(
        findings=Count("pk"),
        open_findings=Count("pk", filter=Finding.open_condition()),
    )
    figures["overdue"] = overdue_notices(campaign, user, today).count()
    figures["pending"] = figures["total"] - figures["inspected"]
    figures["progress"] = _rate(figures["inspected"], figures["total"])
    figures["pass_rate"] = _rate(figures["passed"], figures["signed"])
    figures["qualified_rate"] = _rate(figures["passed"] + figures["fair"], figures["signed"])
    return figures


def campaign_results(campaign: Campaign, user):
    """The campaign's targets in the user's scope with their inspection (or none yet), in township order."""
    return (
        targets_of(campaign, user)
        .select_related("school", "school__township", "inspection", "inspection__case", "inspection__notice")
        .annotate(
            finding_count=Count("inspection__findings", distinct=True),
            open_count=Count(
                "inspection__findings", filter=Finding.open_condition("inspection__findings__"), distinct=True
            ),
        )
        .order_by("division_code", "name")
    )


def open_findings(user, *, campaign: Campaign | None = None, school=None, township: str = "", kind: str = ""):
    """Findings not yet closed by their notice, in the user's scope (newest inspections first)."""
    found = Finding.objects.for_user(user).open()
    if campaign is not None:
        found = found.filter(inspection__target__campaign=campaign)
    if school is not None:
        found = found.filter(inspection__target__school=school)
    if township:
        found = found.filter(inspection__target__division_code__startswith=township)
    if kind:
        found = found.filter(inspection__target__kind=kind)
    return found.select_related("inspection", "inspection__target", "item", "item__section", "notice_item", "case")


def open_findings_by_township(campaign: Campaign, user) -> list[dict]:
    """[{township code, count}] of the campaign's open findings, by the township (first nine digits) of the target."""
    rows = (
        open_findings(user, campaign=campaign)
        .annotate(township=Left("inspection__target__division_code", 9))
        .values("township")
        .annotate(count=Count("pk"))
        .order_by("township")
    )
    from emis.orgs.models import Division

    names = dict(Division.objects.filter(code__in=[r["township"] for r in rows]).values_list("code", "name"))
    return [{"code": r["township"], "name": names.get(r["township"], r["township"]), "count": r["count"]} for r in rows]


def open_findings_by_section(campaign: Campaign, user) -> list[dict]:
    """[{section title, severity, count}] of the campaign's open findings by the checklist's section."""
    return list(
        open_findings(user, campaign=campaign)
        .values("item__section__title", "item__section__order")
        .annotate(count=Count("pk"))
        .order_by("item__section__order")
    )


def overdue_notices(campaign: Campaign, user, today: dt.date | None = None):
    """The 整改 cases opened from the campaign's inspections that are still open past their deadline."""
    today = today or timezone.localdate()
    cases = Inspection.objects.for_user(user).filter(target__campaign=campaign).values("rectify_case_id")
    return Case.objects.for_user(user).filter(pk__in=cases, closed_at__isnull=True, due_on__lt=today)


def inspections_of(subject, user):
    """A school's or a registered subject's inspections (its history), newest first."""
    from emis.orgs.models import School

    found = Inspection.objects.for_user(user)
    if isinstance(subject, School):
        found = found.filter(target__kind=SCHOOL_KIND, target__school=subject)
    else:
        found = found.filter(
            target__subject_type=ContentType.objects.get_for_model(subject), target__subject_id=subject.pk
        )
    return found.select_related(
        "target", "target__campaign", "case", "notice", "notice__case", "rectify_case", "version__template"
    ).annotate(
        finding_count=Count("findings", distinct=True),
        open_count=Count("findings", filter=Finding.open_condition("findings__"), distinct=True),
    )


def current_versions():
    """The newest version of each template (what a new campaign uses)."""
    from django.db.models import Max, OuterRef, Subquery

    from .models import TemplateVersion

    newest = (
        TemplateVersion.objects.filter(template=OuterRef("template"))
        .values("template")
        .annotate(top=Max("number"))
        .values("top")
    )
    return (
        TemplateVersion.objects.filter(number=Subquery(newest))
        .select_related("template")
        .order_by("template__purpose", "template__name")
    )


def template_versions(template):
    """A template's versions, newest first, with how many campaigns and inspections used each."""
    return template.versions.annotate(
        campaign_count=Count("campaigns", distinct=True), inspection_count=Count("inspections", distinct=True)
    ).order_by("-number")
