"""Counts of rows that may be a province's: exact below EMIS_LIST_EXACT_COUNT_LIMIT, PostgreSQL's planner estimate
above it (ADR 0017). An exact count of a province's pupils in school reads every one of them (5 s at 8 million,
bench/province); EXPLAIN costs a plan, a few milliseconds, whatever the rows. SQLite has no estimate: it counts."""

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import QuerySet


def planner_rows(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows ``queryset`` returns (PostgreSQL), else None."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.order_by().explain(format="json"))
    except (DatabaseError, ValueError):
        return None
    return int(plan[0]["Plan"]["Plan Rows"])


def estimated_rows(queryset: QuerySet, limit: int | None = None) -> int | None:
    """The planner's estimate when it is above ``limit`` (EMIS_LIST_EXACT_COUNT_LIMIT by default; 0: never), else
    None: count exactly."""
    if limit is None:
        limit = settings.EMIS_LIST_EXACT_COUNT_LIMIT
    if not limit:
        return None
    rows = planner_rows(queryset)
    return rows if rows is not None and rows > limit else None


@dataclass(frozen=True)
class RowCount:
    """A count shown to a user: ``estimated`` when it is the planner's (the page says 约 N)."""

    value: int
    estimated: bool = False

    def __int__(self) -> int:
        return self.value


def row_count(queryset: QuerySet) -> RowCount:
    """The exact count of ``queryset``, or the planner's estimate when that is above the limit."""
    estimate = estimated_rows(queryset)
    if estimate is not None:
        return RowCount(estimate, estimated=True)
    return RowCount(queryset.count())
