"""Aggregate reads over the school-age population register: the denominators of enrolment rates.

Every function takes the acting user first and starts from `PopulationRecord.objects.for_user(user)`.
Age is counted in full years (周岁) on the school year's census date (统计时点, 1 September), in SQL:
a person is `a` years old on day D when born on or before D minus a years and after D minus a+1 years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef, Q

from emis.orgs.models import SchoolYear
from emis.students.choices import ON_ROLL_STATUSES
from emis.students.models import Enrollment

from .models import PopulationRecord

POPULATION_GROUPS = {
    "gender": "gender",
    "township_code": "hukou_township__code",
    "source": "source",
}


def census_year(user, school_year: SchoolYear | int) -> SchoolYear:
    if isinstance(school_year, SchoolYear):
        return school_year
    return SchoolYear.objects.for_user(user).get(start_year=int(school_year))


def born_by(day: dt.date, age: int) -> dt.date:
    """The latest birth date of someone `age` full years old or more on `day` (29 February: 28 February)."""
    year = day.year - age
    try:
        return day.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def age_range_q(day: dt.date, min_age: int, max_age: int) -> Q:
    """Born so as to be between `min_age` and `max_age` full years old (both included) on `day`."""
    return Q(birth_date__lte=born_by(day, min_age), birth_date__gt=born_by(day, max_age + 1))


def population_records(user, *, school_year: SchoolYear | int, min_age: int, max_age: int):
    """Register entries of `school_year` aged `min_age`..`max_age` on its census date, in the user's scope."""
    year = census_year(user, school_year)
    return (
        PopulationRecord.objects.for_user(user)
        .filter(school_year=year)
        .filter(age_range_q(year.census_date, min_age, max_age))
    )


def _by_age(queryset, census: dt.date, min_age: int, max_age: int) -> dict[int, int]:
    ages = range(min_age, max_age + 1)
    aggregates = {f"age_{age}": Count("id", filter=age_range_q(census, age, age)) for age in ages}
    row = queryset.aggregate(**aggregates)
    return {age: row[f"age_{age}"] for age in ages}


def population_by_age(user, *, school_year: SchoolYear | int, min_age: int, max_age: int) -> dict[int, int]:
    """{age: people} for each age from `min_age` to `max_age` (full years on the census date), one query."""
    year = census_year(user, school_year)
    return _by_age(
        population_records(user, school_year=year, min_age=min_age, max_age=max_age), year.census_date, min_age, max_age
    )


def population_total(user, *, school_year: SchoolYear | int, min_age: int, max_age: int) -> int:
    """People aged `min_age`..`max_age`: the denominator of a gross or net enrolment rate."""
    return population_records(user, school_year=school_year, min_age=min_age, max_age=max_age).count()


def population_counts(
    user,
    *,
    school_year: SchoolYear | int,
    min_age: int,
    max_age: int,
    group_by: Iterable[str] = ("township_code",),
) -> list[dict]:
    """People aged `min_age`..`max_age`, counted by `group_by` (keys of POPULATION_GROUPS).

    Example row: {"township_code": "421224101", "people": 1210}."""
    group_by = tuple(group_by)
    unknown = [key for key in group_by if key not in POPULATION_GROUPS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {sorted(POPULATION_GROUPS)}")
    plain = [key for key in group_by if POPULATION_GROUPS[key] == key]
    aliased = {key: F(POPULATION_GROUPS[key]) for key in group_by if POPULATION_GROUPS[key] != key}
    queryset = population_records(user, school_year=school_year, min_age=min_age, max_age=max_age)
    return list(queryset.order_by().values(*plain, **aliased).annotate(people=Count("id")).order_by(*group_by))


def population_on_roll_by_age(
    user,
    *,
    school_year: SchoolYear | int,
    min_age: int,
    max_age: int,
    levels: Iterable[str] | None = None,
) -> dict[int, int]:
    """{age: people on the register who are on a school roll that year}, matched by ID number: the numerator
    of an entry rate (入学率). `levels` limits the enrolments that count (e.g. primary and higher for a net
    primary rate).

    The register is read within the user's scope, but the enrolment may be at any school of the county: a
    township's child attending school in the county seat is in school. Only the count leaves the query.
    """
    year = census_year(user, school_year)
    enrolled = Enrollment.objects.filter(
        school_year=year,
        is_current=True,
        status__in=ON_ROLL_STATUSES,
        student__id_number_hash=OuterRef("id_number_hash"),  # numbers are encrypted: match their hashes
    )
    if levels is not None:
        enrolled = enrolled.filter(level__in=list(levels))
    queryset = population_records(user, school_year=year, min_age=min_age, max_age=max_age).filter(Exists(enrolled))
    return _by_age(queryset, year.census_date, min_age, max_age)
