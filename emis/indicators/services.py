"""Writes for indicators: publishing a school year's snapshot."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import last_change_id, record_event
from emis.orgs.models import SchoolYear

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
    """Which data a snapshot was computed from: the last change record, and which definitions computed it (so that
    what is cached on it, an annual report's draft, is redrafted when an indicator's definition is revised).

    Every write to a registry table leaves a change record (tests/test_write_paths.py holds every write path to it),
    so the last record's number moves with any change of the data. It is one read of the primary key's index: the
    annual report's page and its polls read it, and the row counts it once added cost seconds at a province's
    8 million pupils (ADR 0018)."""
    return f"c{last_change_id()}-d{definitions_version()}"


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
