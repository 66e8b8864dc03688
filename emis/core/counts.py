"""Counts of rows that may be a province's: exact below EMIS_LIST_EXACT_COUNT_LIMIT, PostgreSQL's planner estimate
above it (ADR 0017). An exact count of a province's pupils in school reads every one of them (5 s at 8 million,
bench/province); EXPLAIN costs a plan, a few milliseconds, whatever the rows. SQLite has no estimate: it counts.

An exact count the planner expects to be large (a county's 80,124 pupils: 100-200 ms of every view of its list) is
remembered until the data changes (``remembered_count``)."""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.db.models import QuerySet

from .audit import last_change_id


def planner_rows(queryset: QuerySet) -> int | None:
    """The planner's estimate of the rows ``queryset`` returns (PostgreSQL), else None.

    Only the keys are planned: the rows a list shows come with the joins of select_related and the subqueries of its
    annotations (this year's grade and class), which change no count but cost a plan of their own (17 ms of the 8M
    province's search page, where the page's own query is planned again)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    try:
        plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    except (DatabaseError, ValueError):
        return None
    return int(plan[0]["Plan"]["Plan Rows"])


@dataclass(frozen=True)
class RowCount:
    """A count shown to a user: ``estimated`` when it is the planner's (the page says 约 N)."""

    value: int
    estimated: bool = False

    def __int__(self) -> int:
        return self.value


def row_count(queryset: QuerySet) -> RowCount:
    """The exact count of ``queryset``, or the planner's estimate when that is above the limit."""
    limit = settings.EMIS_LIST_EXACT_COUNT_LIMIT
    planned = planner_rows(queryset) if limit else None
    if planned is not None and planned > limit:
        return RowCount(planned, estimated=True)
    return RowCount(remembered_count(queryset, planned))


def remembered_count(queryset: QuerySet, planned: int | None) -> int:
    """``queryset.count()``; when the planner expects at least EMIS_COUNT_CACHE_MIN_ROWS rows (``planned``, PostgreSQL
    only), the count is kept in the cache under the query and the last change record, so that it is counted again
    after any write. PostgreSQL may commit a lower record after a higher one, which moves nothing: a kept count lives
    EMIS_COUNT_CACHE_SECONDS at most."""
    minimum = settings.EMIS_COUNT_CACHE_MIN_ROWS
    if planned is None or not minimum or planned < minimum:
        return queryset.count()
    sql, params = queryset.order_by().query.sql_with_params()
    fingerprint = f"{queryset.db}|{last_change_id()}|{sql}|{params!r}".encode()
    key = "emis:count:" + hashlib.sha256(fingerprint).hexdigest()
    value = cache.get(key)
    if value is None:
        value = queryset.count()
        cache.set(key, value, settings.EMIS_COUNT_CACHE_SECONDS)
    return value
