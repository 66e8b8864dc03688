"""Writes for indicators: publishing a school year's snapshot."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import record_event
from emis.core.models import ObjectChange
from emis.orgs.models import SchoolYear
from emis.population.models import PopulationRecord
from emis.staff.models import Staff
from emis.students.models import Enrollment

from .apps import DOMAIN
from .definitions import REGISTRY
from .engine import evaluate
from .models import IndicatorSnapshot
from .selectors import dashboard_breakdowns


class SnapshotRefused(Exception):
    pass


def definitions_version() -> str:
    """The revisions of the indicator definitions, in eight hex digits: changes when a definition is revised."""
    revisions = ",".join(f"{code}:{indicator.revision}" for code, indicator in sorted(REGISTRY.items()))
    return hashlib.sha256(revisions.encode()).hexdigest()[:8]


def data_version() -> str:
    """Which data a snapshot was computed from: the last change record and the sizes of the big tables, and which
    definitions computed it (so that what is cached on it, an annual report's draft, is redrafted when an
    indicator's definition is revised)."""
    last_change = ObjectChange.objects.aggregate(last=Max("id"))["last"] or 0
    counts = (Enrollment.objects.count(), PopulationRecord.objects.count(), Staff.objects.count())
    return f"c{last_change}-e{counts[0]}-p{counts[1]}-s{counts[2]}-d{definitions_version()}"


@transaction.atomic
def snapshot_publish(*, school_year: SchoolYear, acting_user, division_code: str | None = None, note: str = ""):
    """Freeze the year's indicator values (total and every breakdown) as the next published version: the area's
    total and the breakdowns its dashboard shows (a city's or province's counties, a county's townships, a
    township's schools; and the schools' attributes)."""
    division_code = division_code or access.deployment_area_code()
    if not access.role_may(acting_user, DOMAIN, access.ADD):
        raise SnapshotRefused(_("您的角色无权发布指标快照。"))
    if not access.covers(acting_user, division=division_code):
        raise SnapshotRefused(_("发布范围不在您的管辖范围内。"))
    evaluation = evaluate(
        acting_user,
        school_year,
        by=dashboard_breakdowns(division_code),
        division=division_code,
    )
    latest = (
        IndicatorSnapshot.objects.filter(school_year=school_year, division_code=division_code).aggregate(
            v=Max("version")
        )["v"]
        or 0
    )
    snapshot = IndicatorSnapshot.objects.create(
        school_year=school_year,
        division_code=division_code,
        version=latest + 1,
        data_version=data_version(),
        values=evaluation.as_dict(),
        published_by=acting_user,
        note=note,
    )
    record_event(
        "indicators.snapshot_published",
        data={"year": school_year.start_year, "division": division_code, "version": snapshot.version},
    )
    return snapshot
