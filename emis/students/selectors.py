"""Aggregate reads over enrolments and classes: pupils on the roll (在校生) and class sizes (班额).

Every function takes the acting user first and starts from `Model.objects.for_user(user)`; counting is
done in SQL. "On the roll" means a current enrolment (is_current) whose status is in ON_ROLL_STATUSES
(在读, 转入): suspended (休学), transferred-out, dropped-out, graduated and deceased pupils are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)

from emis.core import counts
from emis.orgs.models import SchoolYear
from emis.orgs.selectors import current_school_year

from .choices import GRADES_OF_LEVEL, ON_ROLL_STATUSES, EnrollmentStatus, Level
from .models import Enrollment, SchoolClass, Student

# Keys an on-roll count may be grouped by, and the ORM path behind each.
ENROLLMENT_GROUPS = {
    "level": "level",
    "grade": "grade",
    "gender": "student__gender",
    "school_id": "school_id",
    "school_category": "school__category",
    "ownership": "school__ownership",
    "inclusive": "school__inclusive",
    "urban_rural": "school__urban_rural",
    "township_code": "school__township__code",
}

# Class-size bands of the statistical form (domain-rules 1.8): (smallest, largest, label); None is open.
CLASS_SIZE_BANDS = (
    (None, 25, "≤25"),
    (26, 30, "26-30"),
    (31, 35, "31-35"),
    (36, 40, "36-40"),
    (41, 45, "41-45"),
    (46, 50, "46-50"),
    (51, 55, "51-55"),
    (56, 60, "56-60"),
    (61, 65, "61-65"),
    (66, None, "≥66"),
)
LARGE_CLASS_MIN = 56  # 大班额: 56 pupils or more (超大班额 from 66), domain-rules 1.8


def year_filter(school_year: SchoolYear | int, path: str = "school_year") -> dict:
    """Filter kwargs for a SchoolYear or its start year (2020 = 2020-2021)."""
    if isinstance(school_year, SchoolYear):
        return {path: school_year}
    return {f"{path}__start_year": int(school_year)}


def grades_of(levels: Iterable[str] | None = None, grades: Iterable[str] | None = None) -> list[str] | None:
    """The grades named, plus the grades of the levels named; None when neither is given (all grades)."""
    if levels is None and grades is None:
        return None
    chosen = list(grades or [])
    for level in levels or []:
        chosen += [g for g in GRADES_OF_LEVEL[level] if g not in chosen]
    return chosen


def in_school_enrollments(scope, *, school_year: SchoolYear | int | None = None):
    """The enrolments that make a pupil 在读 (in school): current, on the roll (在读, 转入), in `school_year` (the
    current school year when None). `scope` is a user (their enrolments) or an Enrollment queryset already narrowed.
    The home page, the indicators and the lists all count pupils through this one rule."""
    from emis.orgs.selectors import current_school_year

    enrollments = scope if isinstance(scope, QuerySet) else Enrollment.objects.for_user(scope)
    if school_year is None:
        school_year = current_school_year()
        if school_year is None:
            return enrollments.none()
    return enrollments.filter(**year_filter(school_year), is_current=True, status__in=ON_ROLL_STATUSES)


def pupils_in_school(scope, *, school_year: SchoolYear | int | None = None):
    """The pupils in school (在读): students with an active enrolment (`in_school_enrollments`) in the current school
    year (or `school_year`). `scope` is a user (the students of their scope) or a Student queryset (a list's, already
    filtered). One pupil is one row: a student has at most one current enrolment a year, so this count equals the
    count of `in_school_enrollments` over the same scope."""
    from emis.orgs.selectors import current_school_year

    students = scope if isinstance(scope, QuerySet) else Student.objects.for_user(scope)
    if school_year is None:
        school_year = current_school_year()
        if school_year is None:
            return students.none()
    active = in_school_enrollments(Enrollment.objects.filter(student=OuterRef("pk")), school_year=school_year)
    return students.filter(Exists(active))


def on_roll_enrollments(user, *, school_year: SchoolYear | int):
    """Current enrolments on the roll in `school_year`, within the user's scope."""
    return in_school_enrollments(user, school_year=school_year)


def on_roll_counts(
    user,
    *,
    school_year: SchoolYear | int,
    group_by: Iterable[str] = ("level", "gender"),
    levels: Iterable[str] | None = None,
) -> list[dict]:
    """Pupils on the roll, counted by `group_by` (keys of ENROLLMENT_GROUPS).

    Example row: {"level": "primary", "gender": "2", "pupils": 21377}.
    """
    group_by = tuple(group_by)
    unknown = [key for key in group_by if key not in ENROLLMENT_GROUPS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {sorted(ENROLLMENT_GROUPS)}")
    queryset = on_roll_enrollments(user, school_year=school_year)
    if levels is not None:
        queryset = queryset.filter(level__in=list(levels))
    plain = [key for key in group_by if ENROLLMENT_GROUPS[key] == key]
    aliased = {key: F(ENROLLMENT_GROUPS[key]) for key in group_by if ENROLLMENT_GROUPS[key] != key}
    return list(queryset.order_by().values(*plain, **aliased).annotate(pupils=Count("id")).order_by(*group_by))


def on_roll_by_level(user, *, school_year: SchoolYear | int) -> dict[str, int]:
    """{level: pupils on the roll}; levels without pupils are left out."""
    rows = on_roll_counts(user, school_year=school_year, group_by=("level",))
    return {row["level"]: row["pupils"] for row in rows}


def on_roll_total(
    user,
    *,
    school_year: SchoolYear | int,
    levels: Iterable[str] | None = None,
    grades: Iterable[str] | None = None,
) -> int:
    """Pupils on the roll in the given levels and grades (all when neither is given)."""
    queryset = on_roll_enrollments(user, school_year=school_year)
    chosen = grades_of(levels, grades)
    if chosen is not None:
        queryset = queryset.filter(grade__in=chosen)
    return queryset.count()


def classes_with_size(
    user,
    *,
    school_year: SchoolYear | int,
    levels: Iterable[str] | None = None,
    grades: Iterable[str] | None = None,
):
    """Classes of the year annotated with `size`, their pupils on the roll. A class with nobody on the
    roll (all suspended or gone) is not a teaching class and is left out."""
    on_roll = Q(enrollments__is_current=True, enrollments__status__in=ON_ROLL_STATUSES)
    queryset = SchoolClass.objects.for_user(user).filter(**year_filter(school_year))
    chosen = grades_of(levels, grades)
    if chosen is not None:
        queryset = queryset.filter(grade__in=chosen)
    return queryset.annotate(size=Count("enrollments", filter=on_roll)).filter(size__gt=0)


def _band_q(smallest: int | None, largest: int | None) -> Q:
    q = Q()
    if smallest is not None:
        q &= Q(size__gte=smallest)
    if largest is not None:
        q &= Q(size__lte=largest)
    return q


def class_size_bands(
    user,
    *,
    school_year: SchoolYear | int,
    levels: Iterable[str] | None = None,
    grades: Iterable[str] | None = None,
    bands=CLASS_SIZE_BANDS,
) -> dict:
    """Classes counted by size band, in one query.

    Returns {"classes": N, "bands": [{"label": "56-60", "min": 56, "max": 60, "classes": n}, ...]}.
    """
    aggregates = {"classes": Count("id")}
    for i, (smallest, largest, _label) in enumerate(bands):
        aggregates[f"band_{i}"] = Count("id", filter=_band_q(smallest, largest))
    row = classes_with_size(user, school_year=school_year, levels=levels, grades=grades).aggregate(**aggregates)
    return {
        "classes": row["classes"],
        "bands": [
            {"label": label, "min": smallest, "max": largest, "classes": row[f"band_{i}"]}
            for i, (smallest, largest, label) in enumerate(bands)
        ],
    }


def large_class_counts(
    user,
    *,
    school_year: SchoolYear | int,
    levels: Iterable[str] | None = None,
    grades: Iterable[str] | None = None,
    min_size: int = LARGE_CLASS_MIN,
) -> dict[str, int]:
    """{"classes": all classes, "large": classes of `min_size` pupils or more}: numerator and denominator
    of the 大班额 share (use min_size=66 for 超大班额)."""
    return classes_with_size(user, school_year=school_year, levels=levels, grades=grades).aggregate(
        classes=Count("id"), large=Count("id", filter=Q(size__gte=min_size))
    )


def home_summary(user, summary: dict) -> dict:
    """The home page's pupils on roll by level in the user's scope, in the year the orgs app put in ``summary``. A
    province's (above EMIS_LIST_EXACT_COUNT_LIMIT) are the planner's estimates, as its lists are (emis.core.counts):
    counting 8 million pupils takes seconds; a county's are exact."""
    year = summary.get("year")
    if year is None:
        return {"levels": [(Level(code).label, 0) for code in Level.values if code != Level.SPECIAL], "pupils_total": 0}
    # The total is the pupils in school (one per pupil, as the student list counts them); it equals the sum by
    # level, since a pupil has one current enrolment a year.
    total = counts.row_count(pupils_in_school(user, school_year=year))
    enrollments = in_school_enrollments(user, school_year=year)
    if total.estimated:
        pupils = {code: counts.planner_rows(enrollments.filter(level=code)) or 0 for code in Level.values}
    else:
        rows = enrollments.order_by().values("level").annotate(n=Count("id"))
        pupils = {row["level"]: row["n"] for row in rows}
    return {
        "levels": [(Level(code).label, pupils.get(code, 0)) for code in Level.values if code != Level.SPECIAL],
        "pupils_total": total.value,
        "pupils_estimated": total.estimated,
    }


# Pupils in school (在读) ---------------------------------------------------------------------------------------
#
# One definition for every page that counts or lists pupils "in school": the home page, the dashboard and the pupil
# list agree because they all read it from here. A pupil is in school in a school year when they hold that year's
# current enrolment (is_current) with a status on the roll (在读, 转入): the same rows the statistics count. A pupil
# who left (毕业, 转出, 辍学 ...) or whose last enrolment is from an earlier year is not; their `current_school` still
# names the school they left (the scope of their record hangs from it), but no page shows it as their 当前学校.

# Statuses under which a pupil still belongs to a school this year: on the roll, or suspended (休学) and coming back.
AT_SCHOOL_STATUSES = (*ON_ROLL_STATUSES, EnrollmentStatus.SUSPENDED)


def roll_year(school_year: SchoolYear | int | None = None) -> SchoolYear | None:
    """The school year "in school" is read in: the one given (a SchoolYear or its start year), else the current one."""
    if school_year is None:
        return current_school_year()
    if isinstance(school_year, SchoolYear):
        return school_year
    return SchoolYear.objects.filter(start_year=int(school_year)).first()


def year_enrollments(school_year: SchoolYear | None, student_path: str = "pk"):
    """The current enrolment of each pupil (OuterRef(student_path)) in the year: at most one (a unique constraint)."""
    return Enrollment.objects.filter(
        student=OuterRef(student_path), school_year=school_year, is_current=True
    ).order_by()


def in_school_condition(school_year: SchoolYear | None) -> Q:
    """A filter on students: in school in `school_year` (nobody when there is no year): ``in_school_enrollments``."""
    if school_year is None:
        return Q(pk__in=[])
    return Q(Exists(in_school_enrollments(Enrollment.objects.filter(student=OuterRef("pk")), school_year=school_year)))


def pupils_in_school_by_level(user, *, school_year: SchoolYear | int | None = None) -> dict[str, int]:
    """{level: pupils in school} of ``pupils_in_school`` (the level of each pupil's enrolment of that year); the
    values add up to ``pupils_in_school(...).count()``. One query."""
    year = roll_year(school_year)
    if year is None:
        return {}
    rows = (
        in_school_enrollments(
            Enrollment.objects.filter(student__in=Student.objects.for_user(user).values("pk")), school_year=year
        )
        .order_by()
        .values("level")
        .annotate(n=Count("id"))
    )
    return {row["level"]: row["n"] for row in rows}


def with_year_place(queryset, *, school_year: SchoolYear | None, student_path: str = "pk"):
    """Annotate each student with their place in the year: ``year_grade``, ``year_class_id``, ``year_class_name``,
    ``year_status`` (None when they hold no enrolment that year) and ``at_school`` (on the roll or suspended: the
    pupil belongs to a school; a former pupil does not, and their 当前学校 shows empty). Correlated subqueries on the
    (student, school_year) unique index: a page of rows costs no more queries than the page itself."""
    if school_year is None:
        return queryset.annotate(
            at_school=ExpressionWrapper(Q(pk__in=[]), output_field=BooleanField()),
        )
    place = year_enrollments(school_year, student_path)
    return queryset.annotate(
        year_grade=Subquery(place.values("grade")[:1]),
        year_class_id=Subquery(place.values("school_class_id")[:1]),
        year_class_name=Subquery(place.values("school_class__name")[:1]),
        year_status=Subquery(place.values("status")[:1]),
    ).annotate(
        # Read off year_status (the one current enrolment of the year), not an EXISTS of its own: PostgreSQL may plan
        # an EXISTS in the select list as a hash of every enrolment of the year (the demo county's 88,000: 67 ms of
        # a school's list page of 25 rows), where the status is one index lookup per row shown.
        at_school=Case(When(year_status__in=AT_SCHOOL_STATUSES, then=True), default=False, output_field=BooleanField())
    )
