"""Aggregate reads over schools and their dated history, for dashboards and the indicator engine.

Every function takes the acting user first and starts from `School.objects.for_user(user)` (or the event
equivalent), so counts never leave the user's scope. Counting is done in SQL (GROUP BY / COUNT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.http import Http404

from .choices import JUNIOR_SCHOOL_CATEGORIES, Ownership, SchoolCategory
from .models import School, SchoolEvent, SchoolYear

# Keys a school count may be grouped by, and the ORM path behind each.
SCHOOL_GROUPS = {
    "category": "category",
    "ownership": "ownership",
    "inclusive": "inclusive",
    "urban_rural": "urban_rural",
    "township_code": "township__code",
}
SCHOOL_EVENT_GROUPS = {
    "kind": "kind",
    "category": "school__category",
    "township_code": "school__township__code",
}


def _grouped(queryset, groups: dict[str, str], group_by: Iterable[str], count_name: str) -> list[dict]:
    """GROUP BY the named keys and COUNT rows; each result row is {key: value, ..., count_name: n}."""
    group_by = tuple(group_by)
    unknown = [key for key in group_by if key not in groups]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {sorted(groups)}")
    plain = [key for key in group_by if groups[key] == key]
    aliased = {key: F(groups[key]) for key in group_by if groups[key] != key}
    return list(queryset.order_by().values(*plain, **aliased).annotate(**{count_name: Count("id")}).order_by(*group_by))


def schools_existing_on(user, *, on_date: dt.date):
    """The schools and teaching points in the user's scope that existed on `on_date`."""
    return School.objects.for_user(user).existing_on(on_date)


def school_counts(
    user,
    *,
    on_date: dt.date,
    group_by: Iterable[str] = ("category", "ownership", "inclusive"),
    categories: Iterable[str] | None = None,
) -> list[dict]:
    """Schools existing on `on_date`, counted by `group_by` (keys of SCHOOL_GROUPS).

    Teaching points are included as their own category; leave them out with `categories` (a teaching
    point is not counted as a school, domain-rules 2.3). Example row:
    {"category": "kindergarten", "ownership": "private", "inclusive": True, "schools": 41}.
    """
    queryset = schools_existing_on(user, on_date=on_date)
    if categories is not None:
        queryset = queryset.filter(category__in=list(categories))
    return _grouped(queryset, SCHOOL_GROUPS, group_by, "schools")


def school_total(
    user,
    *,
    on_date: dt.date,
    categories: Iterable[str] | None = None,
    ownership: str | None = None,
    inclusive: bool | None = None,
) -> int:
    """How many schools (of `categories`, if given) existed on `on_date`."""
    queryset = schools_existing_on(user, on_date=on_date)
    if categories is not None:
        queryset = queryset.filter(category__in=list(categories))
    if ownership is not None:
        queryset = queryset.filter(ownership=ownership)
    if inclusive is not None:
        queryset = queryset.filter(inclusive=inclusive)
    return queryset.count()


def kindergarten_counts(user, *, on_date: dt.date) -> dict[str, int]:
    """Kindergartens on `on_date`: all, public, private, inclusive private, and public + inclusive (普惠性)."""
    return (
        schools_existing_on(user, on_date=on_date)
        .filter(category=SchoolCategory.KINDERGARTEN)
        .aggregate(
            all=Count("id"),
            public=Count("id", filter=Q(ownership=Ownership.PUBLIC)),
            private=Count("id", filter=Q(ownership=Ownership.PRIVATE)),
            private_inclusive=Count("id", filter=Q(ownership=Ownership.PRIVATE, inclusive=True)),
            public_or_inclusive=Count(
                "id", filter=Q(ownership=Ownership.PUBLIC) | Q(ownership=Ownership.PRIVATE, inclusive=True)
            ),
        )
    )


def compulsory_school_counts(user, *, on_date: dt.date) -> dict[str, int]:
    """Primary schools, teaching points and junior secondary schools (初中: junior, nine-, twelve-year
    and complete secondary schools) on `on_date`, as the bureau reports them."""
    return schools_existing_on(user, on_date=on_date).aggregate(
        primary=Count("id", filter=Q(category=SchoolCategory.PRIMARY)),
        teaching_points=Count("id", filter=Q(category=SchoolCategory.TEACHING_POINT)),
        junior=Count("id", filter=Q(category__in=JUNIOR_SCHOOL_CATEGORIES)),
        twelve_year=Count("id", filter=Q(category=SchoolCategory.TWELVE_YEAR)),
    )


def school_event_counts(
    user,
    *,
    date_from: dt.date,
    date_to: dt.date,
    kinds: Iterable[str] | None = None,
    group_by: Iterable[str] = ("kind", "category"),
) -> list[dict]:
    """History events dated from `date_from` to `date_to` (both included), counted by `group_by`
    (keys of SCHOOL_EVENT_GROUPS). Example row: {"kind": "merged", "category": "teaching_point", "events": 89}."""
    queryset = SchoolEvent.objects.for_user(user).filter(date__gte=date_from, date__lte=date_to)
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    return _grouped(queryset, SCHOOL_EVENT_GROUPS, group_by, "events")


def current_school_year() -> SchoolYear | None:
    return SchoolYear.objects.filter(is_current=True).first() or SchoolYear.objects.order_by("-start_year").first()


def requested_school_year(request) -> SchoolYear | None:
    """The year a page asks for in ?year=2020 (404 when unknown or out of scope), else the current school year
    (None: no years yet). Every page with a year picker reads it the same way."""
    value = request.GET.get("year", "").strip()
    if not value:
        return current_school_year()
    try:
        return SchoolYear.objects.for_user(request.user).get(start_year=int(value))
    except (ValueError, SchoolYear.DoesNotExist):
        raise Http404("unknown school year") from None


def school_year_choices() -> tuple[list[tuple[int, str]], int | None]:
    """The school years an upload may be filed under, and the current one (offered to core as "school_years")."""
    current = SchoolYear.objects.filter(is_current=True).first()
    return [(y.start_year, str(y)) for y in SchoolYear.objects.all()], current.start_year if current else None


def home_summary(user, summary: dict) -> dict:
    """The home page's school counts in the user's scope, on the current year's census date."""
    year = current_school_year()
    schools = School.objects.for_user(user)
    if year is not None:
        schools = schools.existing_on(year.census_date)
    counts = schools.aggregate(
        schools=Count("id", filter=~Q(category=SchoolCategory.TEACHING_POINT)),
        teaching_points=Count("id", filter=Q(category=SchoolCategory.TEACHING_POINT)),
        kindergartens=Count("id", filter=Q(category=SchoolCategory.KINDERGARTEN)),
    )
    return {"year": year, **counts}
