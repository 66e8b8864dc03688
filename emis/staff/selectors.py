"""Reads over staff for other pages."""

from emis.core import counts

from .models import Staff


def home_summary(user, summary: dict) -> dict:
    """The home page's count of serving staff in the user's scope (a province's, above EMIS_LIST_EXACT_COUNT_LIMIT,
    the planner's estimate: emis.core.counts)."""
    staff = counts.row_count(Staff.objects.for_user(user).filter(is_active=True))
    return {"staff": staff.value, "staff_estimated": staff.estimated}
