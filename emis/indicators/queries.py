"""The SQL aggregations every indicator is computed from ("facts"), for one school year, one scope, and either
the total or one dimension.

A `Context` holds the acting user, the school year, an optional division (a county or township code prefix)
and the rules, and caches what it reads, so that computing every indicator runs each aggregation once.

School-level facts are read once, GROUP BY school, whatever the breakdown; the total and the breakdowns by
township, category, ownership, urban_rural and school are sums of those per-school rows (one row per school,
never per pupil), so breaking down costs no further scan of the pupils:

    per-school query                                             gives
    School, with an "existed on the census date" flag             school counts; each school's attributes
    Enrollment on the roll, COUNT by level, GROUP BY school       pupils, children (and 生师比, 编制, 学位);
      and of the primary / junior age band at that level or higher  净入学率 numerators (statistics definition)
    class sizes (on-roll enrolments GROUP BY class), counted      班额 shares
      by band and school
    Posting in force on the census date, COUNT(DISTINCT staff)    staff in post (生师比, 编制)
      GROUP BY school (a teaching point's with its school)

Person-level facts are one query per dimension asked for (the total, township, gender; a cohort also by the
attributes of the school where it entered):

    population             PopulationRecord of the year, COUNTs by age band          rate denominators
    register_matches       the register (6-14) joined by ID number to the year's      入学率 (户籍比对) numerator,
                           rolls and, apart, to the outside list; one row per child   the 控辍保学 figure
    gender_enrolments      Enrollment on the roll by level, GROUP BY gender            pupils by gender
    cohort                 first 一年级 enrolments of year N-8, COUNT(DISTINCT student) 巩固率 (cohort)
                           three times: all, in 九年级 in year N, left (semi-joins)
    cohort_flows           Enrollment of the cohort's grade in each year, COUNTs;     巩固率 (aggregate)
                           转入 from outside the county (an anti-join)

Each fact is `{key: {name: number}}` where key is None for the total and the dimension's value otherwise
(township code, school category, ownership, urban_rural, gender, school code). Reads start from
`Model.objects.for_user(user)` (all rows when user is None: a system computation). The only reads outside it
let no row out: whether a register entry's ID number is on a roll anywhere or on the list of children verified as
enrolled outside the county (a township's child at school in the county seat is in school) and where a cohort's
pupils are nine years later.
"""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Substr

from emis.core import access
from emis.orgs.choices import JUNIOR_SCHOOL_CATEGORIES, Ownership, SchoolCategory
from emis.orgs.models import School, SchoolYear, public_or_inclusive
from emis.population.models import OutsideEnrollment, PopulationRecord
from emis.population.selectors import age_range_q
from emis.staff.choices import HOME_POSTINGS
from emis.staff.models import Posting
from emis.students.choices import COMPULSORY_GRADES, GRADE_LEVEL, ON_ROLL_STATUSES, EnrollmentStatus, Grade, Level
from emis.students.models import Enrollment, Student
from emis.students.selectors import in_school_enrollments

from .rules import ratio

TOTAL = None
DIMENSIONS = ("county", "township", "category", "ownership", "urban_rural", "gender", "school")
SCHOOL_ATTRIBUTES = ("county", "township", "category", "ownership", "urban_rural", "school")
COUNTY_CODE_LENGTH = 6  # a township code's first six digits are its county's (ADR 0003)

LEVELS = (Level.PRESCHOOL, Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL)
# An age group is "in school" for a net rate when enrolled at its level or higher (domain-rules 1.3).
PRIMARY_OR_HIGHER = (Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL, Level.SPECIAL)
JUNIOR_OR_HIGHER = (Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL, Level.SPECIAL)
# Schools given 编制 by the 2014 standard (the gap is computed for public ones); teaching points count with
# their primary school.
STAFFED_CATEGORIES = (
    SchoolCategory.PRIMARY,
    SchoolCategory.JUNIOR,
    SchoolCategory.NINE_YEAR,
    SchoolCategory.TWELVE_YEAR,
    SchoolCategory.COMPLETE_SECONDARY,
    SchoolCategory.SENIOR,
)
# Leaving the county's schools, for the cohort 巩固率 (a move inside the county is a closed row plus 转入).
EXIT_STATUSES = (EnrollmentStatus.TRANSFERRED_OUT, EnrollmentStatus.DECEASED)
COHORT_YEARS = len(COMPULSORY_GRADES) - 1  # 一年级 in year N-8 is 九年级 in year N


def school_key(prefix: str = "") -> Coalesce:
    """The 学校标识码 a row counts under: a teaching point's rows count with its primary school."""
    return Coalesce(F(f"{prefix}parent__code"), F(f"{prefix}code"))


# ORM path (or expression) of each dimension for the person-level facts.
PATHS = {
    "enrollment": {
        "county": "school__township__code",
        "township": "school__township__code",
        "category": "school__category",
        "ownership": "school__ownership",
        "urban_rural": "school__urban_rural",
        "gender": "student__gender",
        "school": "school",
    },
    "population": {"county": "hukou_township__code", "township": "hukou_township__code", "gender": "gender"},
}


def dimension_expression(source: str, dim: str):
    path = PATHS[source][dim]
    if path == "school":
        return school_key("school__")
    if dim == "county":  # the county is the township code's prefix
        return Substr(path, 1, COUNTY_CODE_LENGTH)
    return F(path)


def grouped(queryset, source: str, dim: str | None, aggregates: dict) -> dict:
    """{key: {name: value}}: one aggregate row for the total, or one row per value of the dimension."""
    if dim is TOTAL:
        return {TOTAL: queryset.aggregate(**aggregates)}
    rows = queryset.order_by().values(key=dimension_expression(source, dim)).annotate(**aggregates)
    return {row.pop("key"): row for row in rows}


class Context:
    """One computation: who asks, which school year, which area, which rules; caches what it reads."""

    def __init__(
        self,
        user,
        year: SchoolYear,
        *,
        years: dict[int, SchoolYear],
        division: str | None,
        rules: dict,
        by: tuple[str, ...] = (),
    ):
        self.user = user
        self.by = by  # the dimensions the computation breaks down by, besides the total
        self.year = year
        self.census = year.census_date
        self.years = years  # start year -> SchoolYear, for the cohort (N-8 .. N) where they exist
        self.division = division
        self.rules = rules
        self._cache: dict = {}
        # Less than the whole deployment: a division asked for, or a user who does not see everything.
        self.narrowed = bool(division) or (user is not None and not access.sees_everything(user))

    def scoped(self, model):
        queryset = model.objects.all() if self.user is None else model.objects.for_user(self.user)
        if self.division:
            queryset = queryset.filter(model.scope.q_for([], [self.division], model))
        return queryset

    def fact(self, name: str, dim: str | None) -> dict:
        key = (name, dim)
        if key not in self._cache:
            breakdown = self._partition_for(name) if dim is TOTAL else None
            if breakdown is not None:
                self._cache[key] = {TOTAL: _summed(self.fact(name, breakdown).values())}
            else:
                self._cache[key] = FACTS[name](self, dim)
        return self._cache[key]

    def _partition_for(self, name: str) -> str | None:
        """A dimension of this computation whose breakdown of the fact adds up to its total, or None. The register's
        counts do: each child is counted once, under the one value of the dimension it has (NULL included), so the
        total is the sum of the breakdown and the register is joined once instead of twice (the match with the rolls
        is the costliest read of a province's computation: 21 s of 61 at 8 million pupils, bench/province)."""
        if name not in PARTITIONED_FACTS:
            return None
        return next((dim for dim in self.by if dim in PATHS["population"]), None)

    def once(self, name: str, read):
        """A read that does not depend on the dimension (the per-school queries)."""
        if name not in self._cache:
            self._cache[name] = read(self)
        return self._cache[name]

    def on_roll(self):
        """The pupils in school in the area: the students app's one rule (in_school_enrollments)."""
        return in_school_enrollments(self.scoped(Enrollment), school_year=self.year)


def regroup(queryset, columns: tuple[str, ...]) -> list[tuple]:
    """GROUP BY the columns of an already grouped queryset and COUNT its rows: an aggregate over an aggregate,
    which the ORM cannot say in one statement. The inner SQL is the ORM's own, with its parameters; only the
    outer SELECT ... GROUP BY is written here. Rows are (column values..., count)."""
    quote = connection.ops.quote_name
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # nothing in scope
        return []
    names = ", ".join(f"t.{quote(column)}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names}, COUNT(*) FROM ({sql}) t GROUP BY {names}", params)
        return cursor.fetchall()


# Per-school reads (once per computation) -------------------------------------------------------------------------


def _schools(ctx: Context) -> dict[int, dict]:
    """{school id: attributes} for every school in scope: its own township, category, ownership, inclusive and
    城乡; the 学校标识码 it counts under (its primary school's, for a teaching point) and that school's id;
    学位; whether it existed on the census date (from its history)."""
    existed = (Q(opened_on__isnull=True) | Q(opened_on__lte=ctx.census)) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=ctx.census)
    )
    rows = (
        ctx.scoped(School)
        .order_by()
        .values(
            "id",
            "category",
            "ownership",
            "inclusive",
            "urban_rural",
            "capacity",
            township_code=F("township__code"),
            legal_id=Coalesce("parent_id", "id"),
            legal_code=school_key(),
            existed=Case(When(existed, then=Value(True)), default=Value(False)),
        )
    )
    schools = {}
    for row in rows:
        school_id = row.pop("id")
        row["township"] = row.pop("township_code")
        row["county"] = row["township"][:COUNTY_CODE_LENGTH]
        row["school"] = row.pop("legal_code")
        schools[school_id] = row
    return schools


def _net_counts(ctx: Context) -> dict:
    """The numerators of the net enrolment rates by the statistics definition (domain-rules 1.3), over on-roll
    enrolments: pupils of the primary (junior) age band on the census date at that level or higher (an early entrant
    of the primary band in 初中 counts for 小学; 休学 is not on the roll). Counted at the schools: a migrant pupil
    counts, a child of the register at school outside the county does not."""
    return {
        "net_primary": Count("id", filter=Q(level__in=PRIMARY_OR_HIGHER) & _student_band_q(ctx, "primary")),
        "net_junior": Count("id", filter=Q(level__in=JUNIOR_OR_HIGHER) & _student_band_q(ctx, "junior")),
    }


NET_NAMES = ("net_primary", "net_junior")


def _pupils(ctx: Context) -> dict[int, dict]:
    """{school id: {level: pupils on the roll, "net_primary" / "net_junior": those of the age band (_net_counts)}}."""
    rows = (
        ctx.on_roll()
        .order_by()
        .values("school_id")
        .annotate(**{level: Count("id", filter=Q(level=level)) for level in LEVELS}, **_net_counts(ctx))
    )
    return {row.pop("school_id"): row for row in rows}


def _class_bands(ctx: Context) -> list[tuple]:
    """[(school id, band, classes)] for the compulsory-education teaching classes: band 0 below
    `large_class_min`, 1 from it, 2 from `super_large_class_min`. A class's size is its pupils on the roll,
    counted GROUP BY class over the enrolments alone (a class with nobody on the roll is not a teaching class and
    does not appear), then the classes are counted by school and band."""
    large, super_large = ctx.rules["large_class_min"], ctx.rules["super_large_class_min"]
    sized = (
        ctx.on_roll()
        .filter(grade__in=COMPULSORY_GRADES, school_class__isnull=False)
        .order_by()
        # School first: grouping in the order of the index on the class would have PostgreSQL walk that index
        # and visit the table at random; this way it scans and sorts.
        .values("school_id", "school_class_id")
        .annotate(size=Count("id"))
        .annotate(
            band=Case(
                When(size__gte=super_large, then=Value(2)),
                When(size__gte=large, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    )
    return regroup(sized, ("school_id", "band"))


def _staff(ctx: Context) -> dict[int, int]:
    """{id of the school counted under: staff in post on the census date}: a recruitment or transfer posting
    there covering the date (so past years count the staff of the time); a teaching point's with its school."""
    in_post = Q(start_date__lte=ctx.census) & (Q(end_date__isnull=True) | Q(end_date__gt=ctx.census))
    rows = (
        ctx.scoped(Posting)
        .filter(in_post, kind__in=HOME_POSTINGS)
        .order_by()
        .values(key=Coalesce("school__parent_id", "school_id"))
        .annotate(n=Count("staff", distinct=True))
    )
    return {row["key"]: row["n"] for row in rows}


def _key_of(school: dict, dim):
    return TOTAL if dim is TOTAL else school[dim]


def schools(ctx: Context, dim):
    """School counts on the census date (a teaching point is its own category, not a school)."""
    names = ("kg", "kg_public", "kg_private", "kg_inclusive", "primary", "teaching_point", "junior")
    result: dict = {TOTAL: dict.fromkeys(names, 0)} if dim is TOTAL else {}
    for school in ctx.once("schools", _schools).values():
        if not school["existed"]:
            continue
        counts = result.setdefault(_key_of(school, dim), dict.fromkeys(names, 0))
        category = school["category"]
        if category == SchoolCategory.KINDERGARTEN:
            counts["kg"] += 1
            public = school["ownership"] == Ownership.PUBLIC
            counts["kg_public" if public else "kg_private"] += 1
            counts["kg_inclusive"] += 1 if public or school["inclusive"] else 0
        elif category in (SchoolCategory.PRIMARY, SchoolCategory.TEACHING_POINT):
            counts[category] += 1
        if category in JUNIOR_SCHOOL_CATEGORIES:
            counts["junior"] += 1
    return result


ENROLMENT_NAMES = (*LEVELS, *NET_NAMES, "preschool_public", "preschool_inclusive")


def enrolments(ctx: Context, dim):
    """Pupils on the roll by level, the net-rate numerators (pupils of the primary / junior age band at that level or
    higher), and children in public and in 普惠性 (public or inclusive private) kindergartens, by the attributes of
    the school enrolled at (a teaching point's category is its own; by school it counts with its primary school)."""
    if dim == "gender":
        return gender_enrolments(ctx, dim)
    attributes = ctx.once("schools", _schools)
    result: dict = {TOTAL: dict.fromkeys(ENROLMENT_NAMES, 0)} if dim is TOTAL else {}
    for school_id, pupils in ctx.once("pupils", _pupils).items():
        school = attributes.get(school_id)
        if school is None:
            continue
        counts = result.setdefault(_key_of(school, dim), dict.fromkeys(ENROLMENT_NAMES, 0))
        for name in (*LEVELS, *NET_NAMES):
            counts[name] += pupils[name]
        if school["ownership"] == Ownership.PUBLIC:
            counts["preschool_public"] += pupils[Level.PRESCHOOL]
        if school["ownership"] == Ownership.PUBLIC or school["inclusive"]:
            counts["preschool_inclusive"] += pupils[Level.PRESCHOOL]
    return result


def gender_enrolments(ctx: Context, dim):
    preschool = Q(level=Level.PRESCHOOL)
    aggregates = {level: Count("id", filter=Q(level=level)) for level in LEVELS}
    aggregates.update(_net_counts(ctx))
    aggregates["preschool_public"] = Count("id", filter=preschool & Q(school__ownership=Ownership.PUBLIC))
    # 普惠性 = public + private kindergartens recognised as inclusive (学前教育法 第二十三条).
    aggregates["preschool_inclusive"] = Count("id", filter=preschool & public_or_inclusive("school__"))
    return grouped(ctx.on_roll(), "enrollment", dim, aggregates)


def classes(ctx: Context, dim):
    """{"classes", "large", "super_large"}: compulsory-education teaching classes and those of `large_class_min`
    / `super_large_class_min` pupils or more, by the attributes of their school."""
    attributes = ctx.once("schools", _schools)
    result: dict = {TOTAL: {"classes": 0, "large": 0, "super_large": 0}} if dim is TOTAL else {}
    for school_id, band, n in ctx.once("class_bands", _class_bands):
        school = attributes.get(school_id)
        if school is None:
            continue
        counts = result.setdefault(_key_of(school, dim), {"classes": 0, "large": 0, "super_large": 0})
        counts["classes"] += n
        counts["large"] += n if band >= 1 else 0
        counts["super_large"] += n if band >= 2 else 0
    return result


def _band_q(ctx: Context, band: str) -> Q:
    bands = ctx.rules["age_bands"]
    if band == "compulsory":  # 义务教育学龄: the primary band's youngest to the junior band's oldest
        low, high = bands["primary"][0], bands["junior"][1]
    else:
        low, high = bands[band]
    return age_range_q(ctx.census, low, high)


def population(ctx: Context, dim):
    bands = ctx.rules["age_bands"]
    lowest = min(low for low, _ in bands.values())
    highest = max(high for _, high in bands.values())
    queryset = (
        ctx.scoped(PopulationRecord).filter(school_year=ctx.year).filter(age_range_q(ctx.census, lowest, highest))
    )
    aggregates = {band: Count("id", filter=_band_q(ctx, band)) for band in (*bands, "compulsory")}
    return grouped(queryset, "population", dim, aggregates)


def _key(source: str, dim):
    """The dimension's expression, or a constant for the total."""
    return Value("") if dim is TOTAL else dimension_expression(source, dim)


def _student_band_q(ctx: Context, band: str) -> Q:
    """The enrolment's pupil is of the age band on the census date (the register's rule, on the pupil's birth date)."""
    return Q(**{f"student__{key}": value for key, value in _band_q(ctx, band).children})


def _pupils_holding(ctx: Context, hashes):
    """The ids of the pupils holding these ID numbers (hashes): the area's own pupils matched among themselves, then
    the numbers none of them holds looked up in the whole deployment. One subquery."""
    area = ctx.scoped(Student).order_by()
    local = area.filter(id_number_hash__in=hashes).values("pk")
    held_here = area.filter(id_number_hash__isnull=False).values("id_number_hash")
    elsewhere = (
        Student.objects.filter(id_number_hash__in=hashes.exclude(id_number_hash__in=held_here)).order_by().values("pk")
    )
    try:
        local_sql, local_params = local.query.sql_with_params()
        elsewhere_sql, elsewhere_params = elsewhere.query.sql_with_params()
    except EmptyResultSet:  # no pupil in the area (a scope of nothing): every number is looked up where it is
        return Student.objects.filter(id_number_hash__in=hashes).order_by().values("pk")
    return RawSQL(f"{local_sql} UNION ALL {elsewhere_sql}", (*local_params, *elsewhere_params))


def register_matches(ctx: Context, dim):
    """{"in_school", "on_roll", "outside"}: the register's children of compulsory-school age (the 控辍保学 figure)
    in school: matched by ID number to an on-roll enrolment of the year at any school and level ("on_roll"), or to
    the year's list of children verified as enrolled outside the county (``OutsideEnrollment``; "outside": those
    not also on a roll). Each child once. The register is read within the user's scope, the enrolment and the
    outside record may be anywhere; only counts leave the query. One statement: the register joined to the ID
    numbers on the rolls and, apart, on the outside list (less those also on a roll), then grouped by key (hash
    joins; the ORM cannot join on the ID number, not being a foreign key)."""
    register = ctx.scoped(PopulationRecord).filter(school_year=ctx.year).filter(_band_q(ctx, "compulsory")).order_by()
    people = register.values(idn=F("id_number_hash"), key=_key("population", dim))
    # Each ID number at most once on either side, by the constraints (no DISTINCT needed): one current enrolment per
    # student and year, one student per ID number; one outside record per ID number and year.
    enrolled = Enrollment.objects.filter(school_year=ctx.year, is_current=True, status__in=ON_ROLL_STATUSES)
    if ctx.narrowed:
        # A part of the deployment (a county of a province) looks its children up rather than hashing every enrolment
        # of the deployment (9 s for a county of a province of 8 million pupils, bench/province). Most of them are
        # pupils of the area's own schools, whose rows lie together as they were written: those are matched among
        # the area's pupils, and only the others by ID number through the students' unique index, whose entries for
        # a county's 60,000 children are spread over all of its 8 million (2.3 s from a cold disk). The same rows
        # either way: an ID number belongs to one pupil, in the area or not.
        hashes = register.values("id_number_hash")
        if connection.vendor == "postgresql":
            enrolled = enrolled.filter(student_id__in=_pupils_holding(ctx, hashes))
        else:
            # SQLite cannot flatten the union into the register's join (the demo county's evaluate took over a minute
            # instead of 0.7 s); its one file has no 8-million-pupil index to read cold.
            enrolled = enrolled.filter(student__id_number_hash__in=hashes)
    enrolled = enrolled.order_by().values(idn=F("student__id_number_hash"))
    outside = OutsideEnrollment.objects.filter(school_year=ctx.year).order_by().values(idn=F("id_number_hash"))
    quote = connection.ops.quote_name
    try:
        people_sql, people_params = people.query.sql_with_params()
        enrolled_sql, enrolled_params = enrolled.query.sql_with_params()
        outside_sql, outside_params = outside.query.sql_with_params()
    except EmptyResultSet:  # nothing in scope
        return {}
    key, idn = quote("key"), quote("idn")
    # Inner joins only (each one hash join, or an index search on SQLite, which would scan a LEFT JOINed subquery
    # once per person). A child on a roll and on the outside list counts as on the roll: the outside-only children
    # are those on the outside list less those on both, so each child counts once without grouping the matches by
    # child (a sort of the county's 55,000 matches, spilled to disk, a fifth of the county's indicators at a
    # province: bench/province).
    roll_join = f"({people_sql}) p INNER JOIN ({enrolled_sql}) e ON e.{idn} = p.{idn}"
    list_join = f"({people_sql}) p INNER JOIN ({outside_sql}) o ON o.{idn} = p.{idn}"
    matched = (
        f"SELECT p.{key} AS k, 1 AS r, 0 AS o FROM {roll_join} UNION ALL "
        f"SELECT p.{key} AS k, 0 AS r, 1 AS o FROM {list_join} UNION ALL "
        f"SELECT p.{key} AS k, 0 AS r, -1 AS o FROM {list_join} INNER JOIN ({enrolled_sql}) e ON e.{idn} = p.{idn}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.k, SUM(m.r), SUM(m.o) FROM ({matched}) m GROUP BY m.k",
            (
                *people_params,
                *enrolled_params,
                *people_params,
                *outside_params,
                *people_params,
                *outside_params,
                *enrolled_params,
            ),
        )
        rows = cursor.fetchall()
    result: dict = {}
    for row_key, on_roll, outside_only in rows:  # one row per dimension value
        result[TOTAL if dim is TOTAL else row_key] = {
            "in_school": int(on_roll) + int(outside_only),
            "on_roll": int(on_roll),
            "outside": int(outside_only),
        }
    return result


def _cohort_start(ctx: Context):
    """First 一年级 enrolments of year N-8 (repeaters of an earlier cohort left out), or None without that year."""
    first = ctx.years.get(ctx.year.start_year - COHORT_YEARS)
    if first is None:
        return None
    earlier = Enrollment.objects.filter(
        student=OuterRef("student"), grade=Grade.P1, school_year__start_year__lt=first.start_year
    )
    # The level is implied by the grade; naming it lets the (school_year, level, status) index find the rows.
    return (
        ctx.scoped(Enrollment).filter(school_year=first, level=Level.PRIMARY, grade=Grade.P1).exclude(Exists(earlier))
    )


def cohort(ctx: Context, dim):
    """{"entrants", "retained", "left"} for the cohort 巩固率: pupils whose first 一年级 was year N-8; of them, those
    in 九年级 in year N (on the roll or graduated), and those who left the county's schools (转出 or 死亡 in
    years N-8..N, with no current enrolment in year N). Three counts, each with its EXISTS test in WHERE (a
    semi- or anti-join over the enrolments, not a subquery per pupil)."""
    start = _cohort_start(ctx)
    if start is None:
        return {}
    first_year = ctx.year.start_year - COHORT_YEARS
    retained = Enrollment.objects.filter(
        student=OuterRef("student"),
        school_year=ctx.year,
        level=Level.JUNIOR,
        grade=Grade.J3,
        is_current=True,
        status__in=(*ON_ROLL_STATUSES, EnrollmentStatus.GRADUATED),
    )
    exited = Enrollment.objects.filter(
        student=OuterRef("student"),
        status__in=EXIT_STATUSES,
        school_year__start_year__gte=first_year,
        school_year__start_year__lte=ctx.year.start_year,
    )
    still_there = Enrollment.objects.filter(student=OuterRef("student"), school_year=ctx.year, is_current=True).exclude(
        status__in=EXIT_STATUSES
    )
    result: dict = {}
    for name, queryset in (
        ("entrants", start),
        ("retained", start.filter(Exists(retained))),
        ("left", start.filter(Exists(exited)).exclude(Exists(still_there))),
    ):
        for key, row in grouped(queryset, "enrollment", dim, {name: Count("student", distinct=True)}).items():
            result.setdefault(key, {}).update(row)
    return result


def cohort_flows(ctx: Context, dim):
    """{"entrants", "graduating", "transfers_in", "transfers_out", "deaths"} for the aggregate 巩固率: 一年级 entrants
    (在读) of year N-8, 九年级 on the roll in year N, and the cohort's flows in between, counted in the grade the
    cohort was in that year: 转入 from outside the county (no earlier enrolment, none other that year), 转出, 死亡."""
    first_year = ctx.year.start_year - COHORT_YEARS
    if first_year not in ctx.years:
        return {}
    cohort_q = Q(pk__in=[])
    for offset, grade in enumerate(COMPULSORY_GRADES):
        year = ctx.years.get(first_year + offset)
        if year is not None:
            cohort_q |= Q(school_year=year, level=GRADE_LEVEL[grade], grade=grade)
    came_before = Enrollment.objects.filter(student=OuterRef("student")).filter(
        Q(school_year__start_year__lt=OuterRef("school_year__start_year"))
        | (Q(school_year=OuterRef("school_year")) & ~Q(status=EnrollmentStatus.TRANSFERRED_IN))
    )
    first = ctx.years[first_year]
    cohort_rows = ctx.scoped(Enrollment).filter(cohort_q)
    result = grouped(
        cohort_rows,
        "enrollment",
        dim,
        {
            "entrants": Count(
                "student", distinct=True, filter=Q(school_year=first, grade=Grade.P1, status=EnrollmentStatus.ENROLLED)
            ),
            "graduating": Count(
                "id",
                filter=Q(school_year=ctx.year, grade=Grade.J3, is_current=True, status__in=ON_ROLL_STATUSES),
            ),
            "transfers_out": Count("student", distinct=True, filter=Q(status=EnrollmentStatus.TRANSFERRED_OUT)),
            "deaths": Count("student", distinct=True, filter=Q(status=EnrollmentStatus.DECEASED)),
        },
    )
    # The few 转入 rows on their own, the test for an earlier enrolment in WHERE (an anti-join), so that the scan
    # of the cohort's rows above carries no per-row subquery.
    arrivals = grouped(
        cohort_rows.filter(status=EnrollmentStatus.TRANSFERRED_IN).exclude(Exists(came_before)),
        "enrollment",
        dim,
        {"transfers_in": Count("student", distinct=True)},
    )
    for key, row in arrivals.items():
        result.setdefault(key, {}).update(row)
    return result


# Per-school rows: pupils, staff, 学位 and 编制 of each school existing on the census date -----------------------


def school_rows(ctx: Context) -> dict[int, dict]:
    """{id of the school: row} for every school existing on the census date, a teaching point folded into its
    primary school: attributes, 学位 (capacity), pupils on the roll by level, staff in post, and derived: the staff
    apportioned to each level (in proportion to pupils ÷ the staffing ratio of the level) and the 编制 need."""
    attributes = ctx.once("schools", _schools)
    pupils = ctx.once("pupils", _pupils)
    staff = ctx.once("staff", _staff)
    rows: dict[int, dict] = {}
    for school_id, school in attributes.items():
        if not school["existed"]:
            continue
        legal = attributes.get(school["legal_id"], school)
        row = rows.setdefault(
            school["legal_id"],
            {
                **{dim: legal[dim] for dim in SCHOOL_ATTRIBUTES},
                "capacity": 0,
                "pupils": dict.fromkeys(LEVELS, 0),
                "staff": staff.get(school["legal_id"], 0),
            },
        )
        row["capacity"] += school["capacity"]
        counted = pupils.get(school_id, {})
        for level in LEVELS:
            row["pupils"][level] += counted.get(level, 0)
    ratios = {level: ratio(ctx.rules, level) for level in LEVELS}
    rounding = ctx.rules["staffing_rounding"]
    for row in rows.values():
        weights = {level: Decimal(n) / ratios[level] for level, n in row["pupils"].items() if n}
        weight = sum(weights.values(), Decimal(0))
        row["staff_by_level"] = {level: row["staff"] * w / weight for level, w in weights.items()} if weight else {}
        row["need"] = None
        if row["category"] in STAFFED_CATEGORIES and row["ownership"] == Ownership.PUBLIC:
            if rounding == "ceil":
                row["need"] = math.ceil(weight)
            else:
                row["need"] = int(weight.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return rows


def school_totals(ctx: Context, dim) -> dict:
    """Per-school rows summed over the total or a dimension: {key: {"capacity", "pupils_at_capacity",
    "pupils:<level>", "staff:<level>", "need", "staff_staffed", "staffed_schools"}}."""
    result: dict = defaultdict(lambda: defaultdict(Decimal))
    if dim is TOTAL:
        result[TOTAL]  # noqa: B018  (the total exists even without schools)
    for row in ctx.once("school_rows", school_rows).values():
        totals = result[_key_of(row, dim)]
        if row["capacity"]:
            totals["capacity"] += row["capacity"]
            totals["pupils_at_capacity"] += sum(row["pupils"].values())
        for level, n in row["pupils"].items():
            totals[f"pupils:{level}"] += n
        for level, staff in row["staff_by_level"].items():
            totals[f"staff:{level}"] += staff
        if row["need"] is not None:
            totals["need"] += row["need"]
            totals["staff_staffed"] += row["staff"]
            totals["staffed_schools"] += 1
    return result


def _summed(rows) -> dict:
    total: dict = {}
    for row in rows:
        for name, value in row.items():
            total[name] = total.get(name, 0) + (value or 0)
    return total


# Facts that count register children, each under one key of any of their dimensions: their total is the sum of a
# breakdown (Context._partition_for).
PARTITIONED_FACTS = ("population", "register_matches")

FACTS = {
    "schools": schools,
    "enrolments": enrolments,
    "population": population,
    "register_matches": register_matches,
    "classes": classes,
    "cohort": cohort,
    "cohort_flows": cohort_flows,
    "school_totals": school_totals,
}
