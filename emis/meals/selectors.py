"""Beneficiaries and funds of the programme, counted from the rolls in SQL.

The rules (docs/domains/meals.md):
- a month's figures are those of its census day, the 15th (CENSUS_DAY): the pupils then 在读 (on roll: 在读 or 转入,
  by the enrolment row in force that day) in a compulsory grade (P1–J3) at a school taking part that day, the
  standard in force that day, and the month's 供餐天数 (the school's own, else the county's default);
- a month without 供餐天数 (a holiday month) has no beneficiaries and no funds;
- monthly funds = beneficiaries × days × standard, per school, computed in one grouped query per month;
- over a period (a term, a school year, a calendar year) the funds are the months' sum and the beneficiaries the
  distinct pupils counted in any of its months (惠及学生 … 人).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from emis.orgs.models import School
from emis.students.choices import COMPULSORY_GRADES, ON_ROLL_STATUSES
from emis.students.models import Enrollment

from .models import DailyStandard, Participation, SchoolDays

CENSUS_DAY = 15

TERMS = {"autumn": _("秋季学期"), "spring": _("春季学期")}
PERIODS = {"year": _("自然年"), "school_year": _("学年"), "autumn": _("秋季学期"), "spring": _("春季学期")}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def census_day(month: dt.date) -> dt.date:
    return month.replace(day=CENSUS_DAY)


def school_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def period_months(period: str, year: int) -> list[dt.date]:
    """The months of a period. ``year``: the calendar year for "year"; the school year's first year otherwise
    (秋季学期 September–January, 春季学期 February–August of the next calendar year)."""
    if period == "year":
        return months_between(dt.date(year, 1, 1), dt.date(year, 12, 1))
    if period == "autumn":
        return months_between(dt.date(year, 9, 1), dt.date(year + 1, 1, 1))
    if period == "spring":
        return months_between(dt.date(year + 1, 2, 1), dt.date(year + 1, 8, 1))
    return months_between(dt.date(year, 9, 1), dt.date(year + 1, 8, 1))


def standard_on(day: dt.date) -> Decimal | None:
    """The daily standard in force on ``day`` (the latest one whose date is not after it)."""
    return (
        DailyStandard.objects.filter(effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )


def taking_part(day: dt.date, school=None):
    """The participation rows in force on ``day`` of ``school`` (the outer query's school by default)."""
    school = OuterRef("school") if school is None else school
    return Participation.objects.filter(school=school, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def days_expression(month: dt.date, school=None):
    """The month's 供餐天数 of a school in SQL: its own row, else the county's default, else 0."""
    school = OuterRef("school") if school is None else school
    own = SchoolDays.objects.filter(month=month, school=school).values("days")[:1]
    default = SchoolDays.objects.filter(month=month, school__isnull=True).values("days")[:1]
    return Coalesce(Subquery(own), Subquery(default), Value(0), output_field=IntegerField())


@contextmanager
def _without_jit():
    """PostgreSQL JIT-compiles a plan whose estimated cost passes ``jit_above_cost``: for these counts (a subquery
    per school and month) compiling takes most of a second and the query itself a fraction; switched off for the
    statement's transaction only (``SET LOCAL``). Nothing to do on SQLite."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _year_ids(years) -> dict[int, int]:
    from emis.orgs.models import SchoolYear

    return dict(SchoolYear.objects.filter(start_year__in=set(years)).values_list("start_year", "id"))


def in_force(day: dt.date, year_id: int | None, *, per_row: bool = False) -> Q:
    """Enrolment rows in force on ``day``: of the day's school year, dated on or before it, and the pupil's latest
    such row — the current row, or a closed one not superseded by a later row dated on or before the day. The
    superseded rows are one uncorrelated subquery over the few closed rows (evaluated once, hashed), so a count over
    a county's rolls asks no subquery per row (PostgreSQL would otherwise also JIT-compile the plan: seconds)."""
    later = Enrollment.objects.filter(
        student_id=OuterRef("student_id"), school_year_id=year_id, status_date__lte=day
    ).filter(Q(status_date__gt=OuterRef("status_date")) | Q(status_date=OuterRef("status_date"), id__gt=OuterRef("id")))
    if per_row:  # inside a subquery over one school's rows: the row's own check, by the student index
        return Q(school_year_id=year_id, status_date__lte=day) & (Q(is_current=True) | ~Exists(later))
    superseded = (
        Enrollment.objects.filter(school_year_id=year_id, is_current=False, status_date__lte=day)
        .filter(Exists(later))
        .values("id")
    )
    return Q(school_year_id=year_id, status_date__lte=day) & (Q(is_current=True) | ~Q(id__in=superseded))


def _compulsory(user=None, schools=None):
    base = Enrollment.objects.for_user(user) if user is not None else Enrollment.objects.all()
    rows = base.filter(grade__in=COMPULSORY_GRADES, status__in=ON_ROLL_STATUSES)
    if schools is not None:
        rows = rows.filter(school__in=schools)
    return rows


def on_roll(day: dt.date, user=None, *, schools=None):
    """The compulsory pupils' enrolment rows in force and on roll on ``day`` at schools taking part that day (one row
    per pupil)."""
    year_id = _year_ids([school_year_of(day)]).get(school_year_of(day))
    return _compulsory(user, schools).filter(in_force(day, year_id)).filter(Exists(taking_part(day)))


@dataclass(frozen=True)
class MonthPlan:
    """What a month's count needs from the small tables: its census day, the school year's id, the standard, and
    the schools serving meals that month (taking part on the census day, with 供餐天数 > 0) with their scheme."""

    month: dt.date
    day: dt.date
    year_id: int | None
    standard: Decimal
    serving: dict  # school id -> scheme


def month_plans(months: list[dt.date]) -> list[MonthPlan]:
    """Read once from the reference tables (participations, school days, standards): a few small queries."""
    if not months:
        return []
    days = [census_day(month) for month in months]
    year_ids = _year_ids(school_year_of(day) for day in days)
    participations = list(
        Participation.objects.filter(start_date__lte=max(days))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=min(days)))
        .values_list("school_id", "scheme", "start_date", "end_date")
    )
    entered = SchoolDays.objects.filter(month__in=months).values_list("month", "school_id", "days")
    defaults, own = {}, {}
    for month, school, count in entered:
        if school is None:
            defaults[month] = count
        else:
            own[(month, school)] = count
    standards = list(DailyStandard.objects.order_by("effective_from").values_list("effective_from", "amount"))
    plans = []
    for month, day in zip(months, days, strict=True):
        standard = next((amount for since, amount in reversed(standards) if since <= day), Decimal("0"))
        serving = {
            school: scheme
            for school, scheme, start, end in participations
            if start <= day and (end is None or end >= day) and own.get((month, school), defaults.get(month, 0)) > 0
        }
        plans.append(MonthPlan(month, day, year_ids.get(school_year_of(day)), standard, serving))
    return plans


def _served(plan: MonthPlan, *, per_row: bool = False) -> Q:
    return Q(school_id__in=list(plan.serving)) & in_force(plan.day, plan.year_id, per_row=per_row)


def _count(plan: MonthPlan, user, *, school=None):
    """The month's beneficiaries of the outer query's school, as a correlated subquery (one school's rows, by the
    (school, school year) index)."""
    school = OuterRef("pk") if school is None else school
    rows = (
        _compulsory(user)
        .filter(school_id=school)
        .filter(in_force(plan.day, plan.year_id, per_row=True))
        .order_by()
        .values("school_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def figures(months: list[dt.date], user=None, *, schools=None) -> list[dict]:
    """Per school and month: ``school``, ``month``, ``beneficiaries``, ``days``, ``standard``, ``amount`` and the
    school's ``scheme`` — one query over the schools serving meals in the months: per month the school's count of
    pupils (a grouped subquery over its rolls), its days (a subquery over the days table) and the funds =
    beneficiaries × days × standard, in SQL."""
    plans = [plan for plan in month_plans(months) if plan.serving and plan.year_id]
    if not plans:
        return []
    money = DecimalField(max_digits=14, decimal_places=2)
    counts = {f"n{i}": _count(plan, user) for i, plan in enumerate(plans)}
    days = {f"d{i}": days_expression(plan.month, school=OuterRef("pk")) for i, plan in enumerate(plans)}
    amounts = {
        f"a{i}": ExpressionWrapper(
            F(f"n{i}") * F(f"d{i}") * Value(plan.standard, output_field=money), output_field=money
        )
        for i, plan in enumerate(plans)
    }
    serving = School.objects.filter(pk__in={school for plan in plans for school in plan.serving})
    if schools is not None:
        serving = serving.filter(pk__in=schools.values("pk"))
    query = serving.order_by("pk").annotate(**counts, **days).annotate(**amounts).values("pk", *counts, *days, *amounts)
    with _without_jit():
        rows = list(query)
    result = []
    for row in rows:
        for i, plan in enumerate(plans):
            if row[f"n{i}"] and row[f"d{i}"] and row["pk"] in plan.serving:
                result.append(
                    {
                        "school": row["pk"],
                        "month": plan.month,
                        "beneficiaries": row[f"n{i}"],
                        "days": row[f"d{i}"],
                        "standard": plan.standard,
                        "amount": Decimal(row[f"a{i}"]).quantize(Decimal("0.01")),
                        "scheme": plan.serving[row["pk"]],
                    }
                )
    result.sort(key=lambda row: (row["month"], row["school"]))
    return result


def month_rows(month: dt.date, user=None, *, schools=None) -> list[dict]:
    """One month's figures per school (see ``figures``)."""
    return figures([month], user, schools=schools)


def distinct_beneficiaries(months: list[dt.date], user=None, *, schools=None, by: str | None = None):
    """The distinct pupils counted in any of ``months`` (惠及学生人数); per ``by`` (an Enrollment path such as
    "school" or "school__township__code") as a dict when given. One query."""
    plans = [plan for plan in month_plans(months) if plan.serving and plan.year_id]
    if not plans:
        return {} if by else 0
    rows = _compulsory(user, schools).filter(reduce(or_, [_served(plan) for plan in plans])).order_by()
    with _without_jit():
        if by:
            return dict(rows.values_list(by).annotate(n=Count("student_id", distinct=True)))
        return rows.aggregate(n=Count("student_id", distinct=True))["n"] or 0


@dataclass
class Totals:
    """A period's figures: per school and month, and summed by school, township, scheme and month."""

    months: list[dt.date]
    rows: list[dict] = field(default_factory=list)  # per school and month
    schools: list[dict] = field(default_factory=list)
    townships: list[dict] = field(default_factory=list)
    schemes: list[dict] = field(default_factory=list)
    by_month: list[dict] = field(default_factory=list)
    beneficiaries: int = 0
    amount: Decimal = Decimal("0.00")
    pupil_days: int = 0


def _group(rows, key, label, distinct: dict | None = None) -> list[dict]:
    groups: dict = defaultdict(lambda: {"amount": Decimal("0.00"), "pupil_days": 0, "months": set()})
    for row in rows:
        group = groups[key(row)]
        group["label"] = label(row)
        group["amount"] += row["amount"]
        group["pupil_days"] += row["beneficiaries"] * row["days"]
        group["months"].add(row["month"])
        monthly = group.setdefault("monthly", defaultdict(int))
        monthly[row["month"]] += row["beneficiaries"]
    result = []
    for code, group in sorted(groups.items(), key=lambda item: str(item[0])):
        result.append(
            {
                "key": code,
                "label": group["label"],
                # distinct pupils where counted, else the largest month's count
                "beneficiaries": (distinct or {}).get(code, max(group["monthly"].values())),
                "amount": group["amount"],
                "pupil_days": group["pupil_days"],
                "months": len(group["months"]),
            }
        )
    return result


def totals(user, months: list[dt.date], *, schools=None, township=None, scheme: str = "") -> Totals:
    """The figures of ``months`` within the user's scope (and the filters)."""
    if township is not None:
        in_township = School.objects.filter(township=township)
        schools = in_township if schools is None else schools.filter(pk__in=in_township.values("pk"))
    if scheme:
        with_scheme = Participation.objects.filter(scheme=scheme).values("school")
        schools = School.objects.filter(pk__in=with_scheme) if schools is None else schools.filter(pk__in=with_scheme)
    result = Totals(months=months)
    rows = figures(months, user, schools=schools)
    result.rows = [row for row in rows if row["scheme"] == scheme] if scheme else rows
    info = {
        s["pk"]: s
        for s in School.objects.filter(pk__in={row["school"] for row in result.rows}).values(
            "pk", "code", "name", "township__code", "township__name"
        )
    }
    for row in result.rows:
        school = info[row["school"]]
        row["school_code"], row["school_name"] = school["code"], school["name"]
        row["township_code"], row["township_name"] = school["township__code"], school["township__name"]
    counted_schools = School.objects.filter(pk__in=list(info))
    per_school = distinct_beneficiaries(months, user, schools=counted_schools, by="school")
    per_township = distinct_beneficiaries(months, user, schools=counted_schools, by="school__township__code")
    per_school = {info[pk]["code"]: n for pk, n in per_school.items() if pk in info}
    result.schools = _group(result.rows, lambda r: r["school_code"], lambda r: r["school_name"], per_school)
    townships_of = {info[pk]["code"]: info[pk]["township__name"] for pk in info}
    for group in result.schools:
        group["township"] = townships_of.get(group["key"], "")
    result.townships = _group(result.rows, lambda r: r["township_code"], lambda r: r["township_name"], per_township)
    schemes = dict(Participation._meta.get_field("scheme").choices)
    result.schemes = _group(result.rows, lambda r: r["scheme"] or "", lambda r: schemes.get(r["scheme"], "—"))
    result.by_month = _group(result.rows, lambda r: r["month"].isoformat(), lambda r: f"{r['month']:%Y-%m}")
    result.amount = sum((row["amount"] for row in result.rows), Decimal("0.00"))
    result.pupil_days = sum(row["beneficiaries"] * row["days"] for row in result.rows)
    result.beneficiaries = distinct_beneficiaries(months, user, schools=counted_schools) if result.rows else 0
    return result


def expected(school, month: dt.date) -> dict:
    """What the system expects a school to report for a month."""
    rows = month_rows(month, schools=School.objects.filter(pk=school.pk))
    if not rows:
        return {"beneficiaries": 0, "days": 0, "amount": Decimal("0.00")}
    row = rows[0]
    return {"beneficiaries": row["beneficiaries"], "days": row["days"], "amount": row["amount"]}


def participating_schools(day: dt.date, user=None):
    schools = School.objects.for_user(user) if user is not None else School.objects.all()
    return schools.filter(Exists(taking_part(day, school=OuterRef("pk"))))
