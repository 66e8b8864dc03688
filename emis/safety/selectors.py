"""The figures of campus safety, computed from the rows (never typed):

- ``compliance``: the 4个100% per school on a date and the county percentage of each (a fact is in force from its
  date until the school's next fact of the same kind; the guards in post are counted against the number the rule
  requires from the pupils and boarders on the rolls);
- ``d_area``: the D-grade (整体危险) area eliminated per year and cumulative, and the D area remaining at a date;
- ``bus_counts``: national-standard buses in service and buses filed with the traffic police at each year's end;
- ``dashboard``: the 安全工作 dashboard's figures.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from emis.orgs.choices import SchoolCategory
from emis.orgs.models import School

from .models import Appraisal, Building, Bus, BusStatus, Evidence, ExpiryAlert, FactKind, Fate, Grade, Guard, SafetyFact

# The guard rule (domain-rules 6.3). The default is Hubei's 湖北省中小学幼儿园安全防范标准: at least 2 full-time
# licensed guards per school, +1 per 500 pupils above 1000, boarding schools +1 per 200 boarders. A deployment
# changes it with SAFETY_GUARD_RULE in its settings (the national 公治〔2015〕168号 variant: base 2, under 100
# pupils 1: {"base": 2, "small_below": 100, "small": 1, ...}).
HUBEI_GUARD_RULE = {"base": 2, "above": 1000, "per": 500, "per_boarders": 200, "small_below": 0, "small": 2}

# The four items of 4个100%, as the columns of the county table.
ITEMS = {
    "guards": _("专职保安员配备"),
    "closed": _("封闭化管理"),
    "alarm_video": _("一键式报警和视频监控"),
    "patrol": _("护学岗"),
}


def guard_rule() -> dict:
    return {**HUBEI_GUARD_RULE, **getattr(settings, "SAFETY_GUARD_RULE", {})}


def required_guards(pupils: int, boarders: int = 0, rule: dict | None = None) -> int:
    """The full-time guards a school needs: ``base``, +1 per ``per`` pupils (or part) above ``above``, +1 per
    ``per_boarders`` boarders (or part); a school under ``small_below`` pupils needs ``small``."""
    rule = rule or guard_rule()
    if rule.get("small_below") and pupils < rule["small_below"]:
        need = rule["small"]
    else:
        need = rule["base"] + math.ceil(max(0, pupils - rule["above"]) / rule["per"])
    if boarders and rule.get("per_boarders"):
        need += math.ceil(boarders / rule["per_boarders"])
    return need


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def schools_on(user, on: dt.date):
    """The schools (teaching points aside) in the user's scope open on ``on``."""
    return (
        School.objects.for_user(user)
        .exclude(category=SchoolCategory.TEACHING_POINT)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=on))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on))
    )


def _fact(kind: str, on: dt.date, ok: Q):
    latest = SafetyFact.objects.filter(school=OuterRef("pk"), kind=kind, effective_on__lte=on).order_by("-effective_on")
    return Coalesce(
        Subquery(latest.annotate(ok=ExpressionWrapper(ok, output_field=BooleanField())).values("ok")[:1]),
        Value(False),
    )


def evidence_in_force(on: dt.date):
    """Evidence files of the facts in force on ``on`` (each school's latest fact of a kind on or before it)."""
    superseded = SafetyFact.objects.filter(
        school=OuterRef("fact__school"),
        kind=OuterRef("fact__kind"),
        effective_on__gt=OuterRef("fact__effective_on"),
        effective_on__lte=on,
    )
    return Evidence.objects.filter(fact__effective_on__lte=on).exclude(Exists(superseded))


def guards_in_post(on: dt.date):
    """Full-time, licensed guards in post on ``on``."""
    return (
        Guard.objects.filter(full_time=True, started_on__lte=on)
        .exclude(licence_no="")
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    )


def _count(queryset, path: str = "school"):
    grouped = queryset.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(grouped, output_field=IntegerField()), Value(0))


@dataclass
class Compliance:
    on: dt.date
    rows: list = field(default_factory=list)
    schools: int = 0
    met: dict = field(default_factory=dict)  # item -> schools meeting it
    percent: dict = field(default_factory=dict)  # item -> percentage (one decimal)
    all_met: int = 0
    all_percent: Decimal | None = None
    village_posts: int = 0  # 一村一辅 guards in post
    guards: int = 0


def compliance(user, on: dt.date, *, township=None, schools=None, search: str = "") -> Compliance:
    """The 4个100% of every school in scope on ``on``: one query for the schools with their latest facts and counts
    (subqueries), one for the village posts. ``township``/``schools`` narrow it."""
    from emis.students.models import Enrollment
    from emis.students.selectors import in_school_enrollments

    rule = guard_rule()
    year = school_year_of(on)
    base = schools_on(user, on)
    if township is not None:
        base = base.filter(township=township)
    if schools is not None:
        base = base.filter(pk__in=[s.pk for s in schools])
    if search:
        base = base.filter(Q(name__icontains=search) | Q(code__startswith=search))
    roll = in_school_enrollments(Enrollment.objects.all(), school_year=year)
    in_post = guards_in_post(on)
    rows = (
        base.select_related("township")
        .annotate(
            pupils=_count(roll),
            boarders=_count(roll.filter(student__boarder=True)),
            guards=_count(in_post),
            closed=_fact(FactKind.CLOSED, on, Q(in_place=True)),
            alarm=_fact(FactKind.ALARM, on, Q(in_place=True, linked_to_police=True)),
            video=_fact(FactKind.VIDEO, on, Q(in_place=True, channels__gt=0)),
            patrol=_fact(FactKind.PATROL, on, Q(in_place=True)),
            evidence=_count(evidence_in_force(on)),
        )
        .order_by("township__code", "code")
    )
    result = Compliance(on=on)
    met = dict.fromkeys(ITEMS, 0)
    for school in rows:
        required = required_guards(school.pupils, school.boarders, rule)
        items = {
            "guards": school.guards >= required,
            "closed": bool(school.closed),
            "alarm_video": bool(school.alarm) and bool(school.video),
            "patrol": bool(school.patrol),
        }
        for key, ok in items.items():
            met[key] += ok
        every = all(items.values())
        result.all_met += every
        result.guards += school.guards
        result.rows.append(
            {
                "school": school,
                "township": school.township.name,
                "pupils": school.pupils,
                "boarders": school.boarders,
                "required": required,
                "guards": school.guards,
                "alarm": bool(school.alarm),
                "video": bool(school.video),
                "items": items,
                "all": every,
                "evidence": school.evidence,
            }
        )
    result.schools = len(result.rows)
    result.met = met
    result.percent = {key: _percent(value, result.schools) for key, value in met.items()}
    result.all_percent = _percent(result.all_met, result.schools)
    result.village_posts = in_post.filter(funding="village_post", school__in=base).count()
    return result


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# 校舍: D-grade area ----------------------------------------------------------------------------------------------


def _area():
    return Coalesce(F("fate_area"), F("area"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _buildings(user, township=None):
    rows = Building.objects.for_user(user)
    return rows.filter(school__township=township) if township is not None else rows


def eliminated_buildings(user, township=None):
    """Buildings whose D grade was eliminated: appraised D on or before their fate, then demolished, or reinforced
    with a later appraisal A or B. The elimination date is the fate's."""
    d_before = Appraisal.objects.filter(building=OuterRef("pk"), grade=Grade.D, appraised_on__lte=OuterRef("fate_on"))
    ab_after = Appraisal.objects.filter(
        building=OuterRef("pk"), grade__in=(Grade.A, Grade.B), appraised_on__gte=OuterRef("fate_on")
    )
    return (
        _buildings(user, township)
        .filter(Exists(d_before))
        .filter(Q(fate=Fate.DEMOLISHED) | Q(fate=Fate.REINFORCED, pk__in=Building.objects.filter(Exists(ab_after))))
    )


def latest_grade(on: dt.date):
    return Subquery(
        Appraisal.objects.filter(building=OuterRef("pk"), appraised_on__lte=on)
        .order_by("-appraised_on", "-pk")
        .values("grade")[:1]
    )


def d_remaining(user, on: dt.date, township=None):
    """Buildings whose latest appraisal on ``on`` is D and whose D grade is not yet eliminated on that day."""
    gone = eliminated_buildings(user, township).filter(fate_on__lte=on).values("pk")
    return (
        _buildings(user, township)
        .annotate(grade_on=latest_grade(on))
        .filter(grade_on=Grade.D)
        .exclude(pk__in=gone)
        .exclude(fate=Fate.DEMOLISHED, fate_on__lte=on)
    )


@dataclass
class DArea:
    by_year: list  # [{"year", "buildings", "area", "cumulative"}]
    eliminated: Decimal
    remaining: Decimal
    remaining_buildings: int
    on: dt.date


def d_area(
    user, *, on: dt.date | None = None, first_year: int | None = None, last_year: int | None = None, township=None
) -> DArea:
    """D-grade area eliminated per year (SQL: grouped by the year of the fate) and cumulative, and what remains."""
    on = on or timezone.localdate()
    rows = (
        eliminated_buildings(user, township)
        .filter(fate_on__lte=on)
        .annotate(year=ExtractYear("fate_on"))
        .order_by()
        .values("year")
        .annotate(buildings=Count("pk"), area=Sum(_area()))
        .order_by("year")
    )
    by_year, total = [], Decimal("0")
    found = {row["year"]: row for row in rows}
    years = sorted(found)
    if years or first_year:
        start = first_year or years[0]
        end = last_year or max([*years, start])
        for year in range(start, end + 1):
            row = found.get(year, {"buildings": 0, "area": Decimal("0")})
            total += row["area"] or 0
            by_year.append({"year": year, "buildings": row["buildings"], "area": row["area"] or 0, "cumulative": total})
    eliminated = sum((r["area"] or 0 for r in rows), Decimal("0"))
    left = d_remaining(user, on, township).aggregate(n=Count("pk"), area=Sum("area"))
    return DArea(
        by_year=by_year,
        eliminated=eliminated,
        remaining=left["area"] or Decimal("0"),
        remaining_buildings=left["n"],
        on=on,
    )


def stop_use(user, on: dt.date | None = None):
    """Buildings in use whose latest appraisal is D (stop use) or C (the affected part stops use)."""
    on = on or timezone.localdate()
    return (
        Building.objects.for_user(user)
        .filter(fate=Fate.IN_USE)
        .annotate(grade_on=latest_grade(on))
        .filter(grade_on__in=(Grade.C, Grade.D))
    )


# 校车 ---------------------------------------------------------------------------------------------------------------


def buses_in_service(user, on: dt.date, township=None):
    rows = Bus.objects.for_user(user)
    if township is not None:
        rows = rows.filter(school__township=township)
    return (
        rows.filter(in_service_on__lte=on)
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=on))
        .exclude(status=BusStatus.RETIRED, retired_on__isnull=True)
    )


def bus_counts(user, years, township=None) -> list[dict]:
    """Per year (its last day): buses in service, national-standard ones, and those filed with the traffic police."""
    result = []
    for year in years:
        end = dt.date(year, 12, 31)
        counts = buses_in_service(user, end, township).aggregate(
            buses=Count("pk"),
            national=Count("pk", filter=Q(national_standard=True)),
            filed=Count("pk", filter=Q(filed_on__lte=end)),
            gps=Count("pk", filter=Q(gps=True)),
        )
        result.append({"year": year, **counts})
    return result


def bus_years(user) -> list[int]:
    first = Bus.objects.for_user(user).order_by("in_service_on").values_list("in_service_on", flat=True).first()
    this = timezone.localdate().year
    return list(range(first.year, this + 1)) if first else [this]


# The dashboard -----------------------------------------------------------------------------------------------------


def open_alerts(user):
    return ExpiryAlert.objects.for_user(user).filter(case__closed_at__isnull=True)


def dashboard(user, on: dt.date | None = None) -> dict:
    on = on or timezone.localdate()
    figures = compliance(user, on)
    area = d_area(user, on=on)
    today_buses = buses_in_service(user, on).aggregate(
        buses=Count("pk"),
        national=Count("pk", filter=Q(national_standard=True)),
        filed=Count("pk", filter=Q(filed_on__lte=on)),
    )
    alerts = open_alerts(user).aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(case__urgency="overdue")))
    return {
        "on": on,
        "compliance": figures,
        "area": area,
        "buses": today_buses,
        "bus_counts": bus_counts(user, bus_years(user)[-6:]),
        "alerts": alerts,
        "stop_use": stop_use(user, on).count(),
        "findings": safety_findings(user),
    }


def safety_findings(user) -> dict:
    """Open findings (not yet closed by their 整改 notice) of 安全隐患排查 campaigns, in the user's scope."""
    from emis.inspections.selectors import open_findings

    found = open_findings(user).filter(inspection__target__campaign__kind="safety")
    return {"open": found.count()}


# Evidence files (佐证文件) of the registers. -------------------------------------------------------------------------

EVIDENCE_KINDS = {"safetyfact": SafetyFact, "appraisal": Appraisal, "guard": Guard}


def may_change_row(user, row) -> bool:
    """The edit page's rule: the role's right on the domain and the row inside the scope the user may change."""
    from emis.core import access

    model = type(row)
    return access.role_may(user, model.domain, access.CHANGE) and (
        model.objects.for_user(user, access.CHANGE).filter(pk=row.pk).exists()
    )


def evidence_parent(user, kind: str, pk: int, *, for_change: bool = False):
    """The register row (a fact, an appraisal or a guard) in the user's scope (for changes: may_change_row);
    Http404 otherwise."""
    from django.http import Http404

    from emis.core import access

    model = EVIDENCE_KINDS.get(kind)
    if model is None or (for_change and not access.role_may(user, model.domain, access.CHANGE)):
        raise Http404
    rows = model.objects.for_user(user, access.CHANGE if for_change else access.VIEW)
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def evidence_files(user):
    """Every evidence file in the user's scope."""
    return Evidence.objects.for_user(user).select_related("school", "school__township")


def evidence_of(row, user):
    """A row's evidence files (in the user's scope), oldest first, with their uploaders."""
    field = {SafetyFact: "fact", Appraisal: "appraisal", Guard: "guard"}[type(row)]
    return list(evidence_files(user).filter(**{field: row}).select_related("uploaded_by"))


def evidence_for_change(user, pk: int) -> Evidence:
    """An evidence file whose row the user may edit (may_change_row); Http404 otherwise."""
    from django.http import Http404

    evidence = Evidence.objects.select_related("fact", "appraisal", "guard").filter(pk=pk).first()
    if evidence is None or not may_change_row(user, evidence.parent):
        raise Http404
    return evidence


def evidence_counts(fact_ids) -> dict[int, int]:
    """{fact id: number of evidence files} in one query."""
    rows = Evidence.objects.filter(fact_id__in=list(fact_ids)).values("fact_id").annotate(n=Count("pk"))
    return {row["fact_id"]: row["n"] for row in rows}
