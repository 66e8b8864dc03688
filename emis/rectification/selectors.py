"""The county's view of rectification: open notices by township and by severity, overdue, and the average time from
下发 to 验收 — each one grouped query over the notices in the user's scope."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from .models import Item, Notice, Severity

OPEN = Q(case__closed_at__isnull=True) & ~Q(case__state="draft")
OVERDUE = OPEN & Q(case__urgency="overdue")
CLOSED = Q(case__state="accepted")
TIME_TO_CLOSE = ExpressionWrapper(F("case__closed_at") - F("issued_at"), output_field=DurationField())


def _days(value) -> float | None:
    if value is None:
        return None
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value) / 1_000_000
    return round(seconds / 86400, 1)


def _measures():
    return {
        "open": Count("id", filter=OPEN),
        "overdue": Count("id", filter=OVERDUE),
        "closed": Count("id", filter=CLOSED),
        "drafts": Count("id", filter=Q(case__state="draft")),
        "avg_close": Avg(TIME_TO_CLOSE, filter=CLOSED),
    }


def summary(user) -> dict:
    notices = Notice.objects.for_user(user)
    townships = list(
        notices.order_by()
        .values("school__township__code", "school__township__name")
        .annotate(**_measures())
        .order_by("school__township__code")
    )
    for row in townships:
        row["avg_close_days"] = _days(row.pop("avg_close"))
    total = notices.aggregate(**_measures())
    total["avg_close_days"] = _days(total.pop("avg_close"))
    by_notice = dict(notices.filter(OPEN).order_by().values_list("severity").annotate(n=Count("id")))
    items = Item.objects.for_user(user).filter(
        notice__case__closed_at__isnull=True, notice__case__state__in=("issued", "rectifying", "reported")
    )
    by_item = dict(items.order_by().values_list("severity").annotate(n=Count("id")))
    overdue_by_severity = dict(notices.filter(OVERDUE).order_by().values_list("severity").annotate(n=Count("id")))
    severities = [
        {
            "code": code,
            "label": label,
            "notices": by_notice.get(code, 0),
            "overdue": overdue_by_severity.get(code, 0),
            "items": by_item.get(code, 0),
        }
        for code, label in Severity.choices
    ]
    return {"townships": townships, "total": total, "severities": severities}
