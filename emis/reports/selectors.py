"""Reads of the reports app that start from the user's scope."""

from __future__ import annotations

from django.conf import settings

from emis.core.access import ADD, CHANGE, covers, role_may
from emis.orgs.models import Division

from .models import AnnualReport


def report_county(user) -> Division | None:
    """The county whose annual report this user works with: the deployment's county when the user's scope covers
    it (局领导, 股室人员, administrators), else None (township and school users get their own scope's draft)."""
    code = settings.EMIS_COUNTY_CODE
    if not covers(user, division=code):
        return None
    return Division.objects.for_user(user).filter(code=code).first()


def may_edit_annual_report(user, division: Division | None) -> bool:
    """Upload and publish: a role that writes the report's domain, with the county inside its write scope."""
    if division is None or not user.is_authenticated:
        return False
    if not (role_may(user, AnnualReport.domain, ADD) and role_may(user, AnnualReport.domain, CHANGE)):
        return False
    return covers(user, division=division.code)


def annual_reports(user):
    """The annual reports the user may read (those of a county inside the scope), newest year first."""
    return AnnualReport.objects.for_user(user).select_related(
        "division", "school_year", "uploaded_by", "published_by", "snapshot"
    )
