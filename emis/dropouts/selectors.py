"""控辍保学's reads, each from the user's scope: the three ledgers (one row per child with its current state, by SQL
joins on the ID number's blind index, paginated by the pages) and the township dashboard (one grouped query per
measure)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from emis.core import access
from emis.work.models import Case, Urgency

from .models import DropoutCase, MonthlyReport
from .workflows import DROPOUT_RETURN, DROPOUT_STATES, MONTHLY_REPORT


def age_window(start_year: int) -> tuple[dt.date, dt.date]:
    """Birth dates of compulsory-education age in school year Y: 6 by 31 August Y, not yet 16 by 31 August Y."""
    return dt.date(start_year - 16, 9, 1), dt.date(start_year - 6, 8, 31)


# 适龄儿童台账 -------------------------------------------------------------------------------------------------------

CHILD_STATES = (
    ("in_school", _("在校")),
    ("outside", _("县外就读")),
    ("case", _("控辍个案")),
    ("unknown", _("未核实")),
)


def children_ledger(user, school_year) -> QuerySet:
    """The register's school-age children of ``school_year`` the user may see, each with where they are: the school
    whose roll holds them (在读/转入), 县外就读, and their 控辍保学 case's state. A school sees the register children
    on its own roll; a township and the county the children of their 户籍 townships."""
    from emis.population.models import OutsideEnrollment, PopulationRecord
    from emis.students.choices import ON_ROLL_STATUSES
    from emis.students.models import Enrollment

    first, last = age_window(school_year.start_year)
    records = PopulationRecord.objects.for_user(user)
    if user.is_authenticated and user.role == access.Role.SCHOOL and not access.sees_everything(user):
        own = Enrollment.objects.for_user(user).filter(school_year=school_year).values("student__id_number_hash")
        records = PopulationRecord.objects.filter(id_number_hash__in=own)
    rolls = Enrollment.objects.filter(
        student__id_number_hash=OuterRef("id_number_hash"),
        school_year=school_year,
        is_current=True,
        status__in=ON_ROLL_STATUSES,
    ).order_by("-status_date", "-id")
    cases = DropoutCase.objects.filter(school_year=school_year, id_number_hash=OuterRef("id_number_hash"))
    return (
        records.filter(school_year=school_year, birth_date__range=(first, last))
        .select_related("hukou_township", "hukou_village")
        .annotate(
            school_name=Subquery(rolls.values("school__name")[:1]),
            school_id_on_roll=Subquery(rolls.values("school_id")[:1]),
            outside=Exists(
                OutsideEnrollment.objects.filter(school_year=school_year, id_number_hash=OuterRef("id_number_hash"))
            ),
            case_state=Subquery(cases.values("case__state")[:1]),
            case_pk=Subquery(cases.values("pk")[:1]),
        )
        .order_by("hukou_township__code", "name", "id")
    )


def filter_children(queryset, *, township=None, school=None, where: str = "", q: str = ""):
    if township is not None:
        queryset = queryset.filter(hukou_township=township)
    if school is not None:
        queryset = queryset.filter(school_id_on_roll=school.pk)
    if where == "in_school":
        queryset = queryset.filter(school_name__isnull=False)
    elif where == "outside":
        queryset = queryset.filter(school_name__isnull=True, outside=True)
    elif where == "case":
        queryset = queryset.filter(case_pk__isnull=False)
    elif where == "unknown":
        queryset = queryset.filter(school_name__isnull=True, outside=False, case_pk__isnull=True)
    if q:
        queryset = queryset.filter(Q(name__contains=q) | Q(name_initials__startswith=q.lower()))
    return queryset


def child_where(row) -> str:
    if row.school_name:
        return row.school_name
    if row.outside:
        return str(_("县外就读"))
    if row.case_state:
        return str(DROPOUT_RETURN.state_label(row.case_state))
    return str(_("未核实"))


# 疑似辍学学生台账 and 辍学学生台账 ------------------------------------------------------------------------------------


def cases(user) -> QuerySet[DropoutCase]:
    return DropoutCase.objects.for_user(user).select_related(
        "case", "school", "hukou_township", "hukou_village", "school_year", "return_school"
    )


def suspected_ledger(user, school_year=None) -> QuerySet[DropoutCase]:
    """Flagged children not (yet) confirmed as dropouts: the cases before 确认辍学, and those that ended there."""
    found = cases(user).filter(confirmed_at__isnull=True)
    return found.filter(school_year=school_year) if school_year is not None else found


def dropout_ledger(user, school_year=None) -> QuerySet[DropoutCase]:
    """Confirmed dropouts and what became of them (劝返中, 已复学, 已销号, 送教上门 ...)."""
    found = cases(user).filter(confirmed_at__isnull=False)
    return found.filter(school_year=school_year) if school_year is not None else found


# Dashboard ----------------------------------------------------------------------------------------------------------

MEASURES = {
    "flagged": Q(),
    "suspected": Q(case__state__in=("suspected", "verifying")),
    "confirmed": Q(confirmed_at__isnull=False),
    "out_of_school": Q(case__state__in=DROPOUT_STATES),
    "returned": Q(returned_on__isnull=False),
    "closed": Q(case__closed_at__isnull=False),
}


def _year_months(school_year) -> tuple[dt.date, dt.date]:
    return dt.date(school_year.start_year, 9, 1), dt.date(school_year.start_year + 1, 8, 1)


def dashboard(user, school_year) -> dict:
    """By township (the case's): flagged, still suspected, confirmed, still out of school, returned, closed, and
    overdue (劝返 cases and monthly reports past their deadline); totals; and whether "无一人失学辍学" holds (no
    confirmed dropout still out of school in the user's scope for the year)."""
    from emis.orgs.models import Division

    grouped = (
        DropoutCase.objects.for_user(user)
        .filter(school_year=school_year)
        .order_by()
        .values("case__township_code")
        .annotate(**{name: Count("id", filter=q) for name, q in MEASURES.items()})
    )
    rows = {row.pop("case__township_code"): row for row in grouped}
    first, last = _year_months(school_year)
    overdue = (
        Case.objects.for_user(user)
        .filter(closed_at__isnull=True, urgency=Urgency.OVERDUE)
        .filter(
            Q(workflow=DROPOUT_RETURN.code, dropout__school_year=school_year)
            | Q(workflow=MONTHLY_REPORT.code, dropout_report__month__range=(first, last))
        )
        .order_by()
        .values("township_code")
        .annotate(n=Count("id"))
    )
    for row in overdue:
        rows.setdefault(row["township_code"], dict.fromkeys(MEASURES, 0))["overdue"] = row["n"]
    names = dict(Division.objects.filter(code__in=list(rows)).values_list("code", "name"))
    townships = []
    for code in sorted(rows):
        row = {name: 0 for name in (*MEASURES, "overdue")} | rows[code]
        townships.append({"code": code, "name": names.get(code, code), **row})
    total = {name: sum(row[name] for row in townships) for name in (*MEASURES, "overdue")}
    return {"townships": townships, "total": total, "none_out_of_school": total["out_of_school"] == 0}


def none_out_of_school(user, school_year) -> bool:
    """ "无一人失学辍学": no confirmed dropout left out of school in the user's scope for the year."""
    return not (
        DropoutCase.objects.for_user(user).filter(school_year=school_year, case__state__in=DROPOUT_STATES).exists()
    )


def monthly_reports(user) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.for_user(user).select_related("case", "school", "school__township")
