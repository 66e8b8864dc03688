"""Reads over staff for other pages."""

from .models import Staff


def home_summary(user, summary: dict) -> dict:
    """The home page's count of serving staff in the user's scope."""
    return {"staff": Staff.objects.for_user(user).filter(is_active=True).count()}
