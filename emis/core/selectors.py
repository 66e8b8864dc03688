"""Reads for the home page: headline counts within the user's scope, aggregated in SQL."""

from django.db.models import Count, Q

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
