"""Reads of the reports app that start from the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from emis.core.access import ADD, CHANGE, covers, role_may
from emis.core.models import ObjectChange
from emis.orgs.models import Division, SchoolYear

from .annual.selectors import area_division
from .models import AnnualReport


def report_area(user) -> Division | None:
    """The division whose annual report this user works with: a county, a city or a province the user's scope covers
    whole (the deployment's area for administrators; a county for its 局领导 and 股室人员; the city or province of a
    市 or 省 department), else None (township and school users get their own scope's draft, and no edited version)."""
    return area_division(user)


def may_edit_annual_report(user, division: Division | None) -> bool:
    """Upload and publish: a role that writes the report's domain (the 市 and 省 departments read only), with the
    report's division inside its scope."""
    if division is None or not user.is_authenticated:
        return False
    if not (role_may(user, AnnualReport.domain, ADD) and role_may(user, AnnualReport.domain, CHANGE)):
        return False
    return covers(user, division=division.code)


def annual_reports(user):
    """The annual reports the user may read (those of a county, city or province inside the scope), newest year
    first: a county's users never see another county's reports."""
    return AnnualReport.objects.for_user(user).select_related(
        "division", "school_year", "uploaded_by", "published_by", "snapshot"
    )


def annual_report_history(user, report: AnnualReport | None):
    """The report's last twenty change records the user may read (none before the first upload)."""
    if report is None:
        return []
    content_type = ContentType.objects.get_for_model(AnnualReport)
    return ObjectChange.objects.for_user(user).filter(content_type=content_type, object_id=report.pk)[:20]


@dataclass(frozen=True)
class AnnualReview:
    """What the annual report page shows beside the draft: the area's reports and whether the user edits them."""

    county: Division | None  # the report's area (a county, city or province); None for a township or school user
    may_edit: bool
    reports: list[AnnualReport]  # every year's, newest first
    report: AnnualReport | None  # the year's
    history: list  # the year's report's change records

    @property
    def may_upload(self) -> bool:
        return self.may_edit and not (self.report and self.report.is_published)


def annual_review(user, year: SchoolYear) -> AnnualReview:
    county = report_area(user)
    reports = list(annual_reports(user)) if county is not None else []
    report = next((r for r in reports if r.school_year_id == year.pk and r.division_id == county.pk), None)
    return AnnualReview(
        county=county,
        may_edit=may_edit_annual_report(user, county),
        reports=reports,
        report=report,
        history=annual_report_history(user, report),
    )
