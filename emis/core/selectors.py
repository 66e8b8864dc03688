"""Reads with no domain of their own: the home page's headline counts (in the user's scope, aggregated in SQL)
and the exact lookup of a person by ID number."""

from functools import reduce
from operator import or_

from django.db.models import Count, Q

from emis.common.idnumbers import normalize_id_number
from emis.orgs.choices import SchoolCategory
from emis.orgs.models import School, SchoolYear
from emis.staff.models import Staff
from emis.students.choices import ON_ROLL_STATUSES, Level
from emis.students.models import Enrollment


def current_school_year() -> SchoolYear | None:
    return SchoolYear.objects.filter(is_current=True).first() or SchoolYear.objects.order_by("-start_year").first()


def home_summary(user) -> dict:
    year = current_school_year()
    schools = School.objects.for_user(user)
    if year is not None:
        schools = schools.existing_on(year.census_date)
    school_counts = schools.aggregate(
        schools=Count("id", filter=~Q(category=SchoolCategory.TEACHING_POINT)),
        teaching_points=Count("id", filter=Q(category=SchoolCategory.TEACHING_POINT)),
        kindergartens=Count("id", filter=Q(category=SchoolCategory.KINDERGARTEN)),
    )
    pupils = {}
    if year is not None:
        rows = (
            Enrollment.objects.for_user(user)
            .filter(school_year=year, is_current=True, status__in=ON_ROLL_STATUSES)
            .values("level")
            .annotate(n=Count("id"))
        )
        pupils = {row["level"]: row["n"] for row in rows}
    return {
        "year": year,
        **school_counts,
        "levels": [(Level(code).label, pupils.get(code, 0)) for code in Level.values if code != Level.SPECIAL],
        "pupils_total": sum(pupils.values()),
        "staff": Staff.objects.for_user(user).filter(is_active=True).count(),
    }


def find_by_id_number(queryset, fields: str | tuple[str, ...], value: str):
    """Rows of ``queryset`` whose ID number (or G 学籍号, which contains one) in any of ``fields`` is ``value``.

    The one place rows are matched by a whole ID number for a reader (the lookup pages and the API's
    ``lookup/`` endpoints); list searches never match ID numbers. Callers pass a queryset already scoped with
    ``for_user`` and have checked that the role may see ID numbers. Whole values only: no partial match.
    """
    value = normalize_id_number(value)
    if not value:
        return queryset.none()
    fields = (fields,) if isinstance(fields, str) else tuple(fields)
    return queryset.filter(reduce(or_, [Q(**{field: value}) for field in fields]))
