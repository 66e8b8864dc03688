"""教育督导's figures, counted in SQL within the user's scope: the 督学 by kind, each school's visits per month of a
term against the 挂牌督导 rules (at least one visit a month, 办法; at least two a term, 条例's floor), and the
schools missing visits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from emis.orgs.models import School

from . import terms
from .models import Assignment, Inspector, InspectorKind, Visit

MONTHLY_FLOOR = 1  # 《中小学校责任督学挂牌督导办法》: each school at least once a month
TERM_FLOOR = 2  # 条例's floor: at least twice a term


def inspectors_by_kind(user, day: dt.date | None = None) -> list[dict]:
    """In-post 督学 on ``day`` by kind (特约, 专职, 兼职), with the total."""
    day = day or timezone.localdate()
    counts = dict(
        Inspector.objects.for_user(user)
        .filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    rows = [{"kind": kind, "label": label, "count": counts.get(kind, 0)} for kind, label in InspectorKind.choices]
    return rows


def assigned_school_counts(user, day: dt.date | None = None) -> dict[int, int]:
    """{inspector id: schools in their 责任区 on ``day``}."""
    day = day or timezone.localdate()
    return dict(
        Assignment.objects.for_user(user)
        .filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("inspector_id")
        .annotate(n=Count("pk"))
        .values_list("inspector_id", "n")
    )


@dataclass
class SchoolCompliance:
    school_id: int
    code: str
    name: str
    township: str
    inspector: str
    by_month: list[int]
    total: int
    missing_months: list[dt.date]
    term_short: int  # visits still needed for the term's floor

    @property
    def compliant(self) -> bool:
        return not self.missing_months and self.term_short == 0


@dataclass
class Compliance:
    year: int
    term: str
    months: list[dt.date]
    counted: list[dt.date]  # the months over by ``today``
    schools: list[SchoolCompliance] = field(default_factory=list)
    unassigned: list = field(default_factory=list)  # schools in scope with no 责任督学 in the term

    @property
    def label(self) -> str:
        return terms.term_label(self.year, self.term)

    @property
    def missing(self) -> list[SchoolCompliance]:
        return [row for row in self.schools if row.missing_months or row.term_short]

    @property
    def monthly_ok(self) -> int:
        return sum(1 for row in self.schools if not row.missing_months)

    @property
    def term_ok(self) -> int:
        return sum(1 for row in self.schools if row.term_short == 0)

    @property
    def visits(self) -> int:
        return sum(row.total for row in self.schools)


def compliance(
    user, year: int, term: str, *, today: dt.date | None = None, inspector: Inspector | None = None, township=None
) -> Compliance:
    """Each school of a 责任区 in the term (within the user's scope; of one 督学 or township when given): its visits
    per month (one grouped query), the months already over without a visit, and the visits it still lacks for the
    term's floor (counted once the term is over; until then, what is still needed)."""
    today = today or timezone.localdate()
    start, end = terms.term_bounds(year, term)
    months = terms.term_months(year, term)
    counted = [m for m in months if _month_end(m) < today]
    assignments = (
        Assignment.objects.for_user(user)
        .filter(start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("inspector", "school", "school__township")
        .order_by("school__code", "-start_date")
    )
    if inspector is not None:
        assignments = assignments.filter(inspector=inspector)
    if township is not None:
        assignments = assignments.filter(school__township=township)
    schools: dict[int, tuple] = {}
    names: dict[int, list[str]] = defaultdict(list)
    for assignment in assignments:
        schools.setdefault(assignment.school_id, assignment.school)
        if assignment.inspector.name not in names[assignment.school_id]:
            names[assignment.school_id].append(assignment.inspector.name)
    visits = (
        Visit.objects.for_user(user)
        .filter(school_id__in=list(schools), visited_on__range=(start, end))
        .annotate(month=TruncMonth("visited_on"))
        .values("school_id", "month")
        .annotate(n=Count("pk"))
    )
    counts: dict[tuple[int, dt.date], int] = {}
    for row in visits:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        counts[(row["school_id"], month)] = row["n"]
    result = Compliance(year=year, term=term, months=months, counted=counted)
    for school_id, school in schools.items():
        by_month = [counts.get((school_id, m), 0) for m in months]
        total = sum(by_month)
        result.schools.append(
            SchoolCompliance(
                school_id=school_id,
                code=school.code,
                name=school.name,
                township=school.township.name if school.township_id else "",
                inspector="、".join(names[school_id]),
                by_month=by_month,
                total=total,
                missing_months=[m for m, n in zip(months, by_month, strict=True) if m in counted and n < MONTHLY_FLOOR],
                term_short=max(0, TERM_FLOOR - total),
            )
        )
    if inspector is None:
        in_scope = School.objects.for_user(user).filter(closed_on__isnull=True)
        if township is not None:
            in_scope = in_scope.filter(township=township)
        result.unassigned = list(
            in_scope.exclude(pk__in=list(schools))
            .filter(parent__isnull=True)
            .select_related("township")
            .order_by("code")
        )
    return result


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)
