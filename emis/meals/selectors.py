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
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, DecimalField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
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


def on_roll(day: dt.date, user=None, *, schools=None):
    """The compulsory pupils' enrolment rows in force and on roll on ``day`` at schools taking part that day (one row
    per pupil: the latest row of the pupil's school year dated on or before the day)."""
    year = school_year_of(day)
    base = Enrollment.objects.for_user(user) if user is not None else Enrollment.objects.all()
    later = Enrollment.objects.filter(
        student_id=OuterRef("student_id"), school_year__start_year=year, status_date__lte=day
    ).filter(Q(status_date__gt=OuterRef("status_date")) | Q(status_date=OuterRef("status_date"), id__gt=OuterRef("id")))
    rows = (
        base.filter(
            school_year__start_year=year,
            grade__in=COMPULSORY_GRADES,
            status__in=ON_ROLL_STATUSES,
            status_date__lte=day,
        )
        .exclude(Exists(later))
        .filter(Exists(taking_part(day)))
    )
    if schools is not None:
        rows = rows.filter(school__in=schools)
    return rows


def served(month: dt.date, user=None, *, schools=None):
    """The month's beneficiaries' enrolment rows: on roll on the census day at a school serving meals that month."""
    return (
        on_roll(census_day(month), user, schools=schools)
        .annotate(meal_days=days_expression(month))
        .filter(meal_days__gt=0)
    )


def month_rows(month: dt.date, user=None, *, schools=None) -> list[dict]:
    """Per school, the month's figures: ``school``, ``beneficiaries``, ``days``, ``standard``, ``amount`` and the
    school's ``scheme`` that day — one grouped query (funds = beneficiaries × days × standard, in SQL)."""
    day = census_day(month)
    standard = standard_on(day)
    if standard is None:
        standard = Decimal("0")
    money = DecimalField(max_digits=14, decimal_places=2)
    rows = (
        on_roll(day, user, schools=schools)
        .order_by()
        .values("school")
        .annotate(
            beneficiaries=Count("id"),
            days=days_expression(month),
            scheme=Subquery(taking_part(day).order_by("-start_date").values("scheme")[:1]),
        )
        .filter(days__gt=0)
        .annotate(amount=F("beneficiaries") * F("days") * Value(standard, output_field=money))
    )
    result = []
    for row in rows:
        row["month"] = month
        row["standard"] = standard
        row["amount"] = Decimal(row["amount"]).quantize(Decimal("0.01"))
        result.append(row)
    return result


def distinct_beneficiaries(months: list[dt.date], user=None, *, schools=None, by: str | None = None):
    """The distinct pupils counted in any of ``months`` (惠及学生人数); per ``by`` (an Enrollment path such as
    "school" or "school__township") as a dict when given. One query."""
    parts = [Q(id__in=served(month, user, schools=schools).values("id")) for month in months]
    if not parts:
        return {} if by else 0
    rows = Enrollment.objects.filter(reduce(or_, parts)).order_by()
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
    for month in months:
        rows = month_rows(month, user, schools=schools)
        if scheme:
            rows = [row for row in rows if row["scheme"] == scheme]
        result.rows.extend(rows)
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
