"""The periodic deadline sweep: due soon, overdue, and escalation one level up (school → township → county).

Two UPDATE statements (and two counts) over the case table's own columns (the deadline columns repeat the soonest
clock, see models.Case), no row read into Python: item 10 of issue 13 wants a million cases swept in 30 s on
PostgreSQL.
Each statement changes only rows not yet in the state it sets, so a second run the same day changes nothing, and a
run that was missed is caught up by the next. Like the other bulk writers (ADR 0002, 0006), the sweep bypasses the
per-row change log and records one named event with its counts.
"""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from emis.core.audit import record_event

from .declaration import Level
from .models import Case, Urgency
from .signals import deadlines_swept

SWEEP_EVENT = "work.deadlines_swept"


def sweep(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    with transaction.atomic():
        # Paused clocks (补正) do not count; closed cases have no due date.
        live = Case.objects.filter(due_on__isnull=False, clock_paused=False)
        # A school's case still overdue past the declared grace (Limit.escalate_after) goes on to the county.
        past_grace = Q(level=Level.SCHOOL, escalate_on__lt=today)
        escalation = models.Case(
            models.When(past_grace, then=models.Value(Level.COUNTY)),
            models.When(~Q(escalated_to=""), then=F("escalated_to")),
            models.When(level=Level.SCHOOL, then=models.Value(Level.TOWNSHIP)),
            default=models.Value(Level.COUNTY),
        )
        overdue = live.filter(due_on__lt=today)
        escalating = Q(escalated_to="") | (past_grace & Q(escalated_to=Level.TOWNSHIP))
        counts = {
            "overdue": overdue.exclude(urgency=Urgency.OVERDUE).count(),
            "escalated": overdue.filter(escalating).count(),
        }
        # One statement marks and escalates: each overdue row is written once, not once per mark.
        overdue.filter(~Q(urgency=Urgency.OVERDUE) | escalating).update(
            urgency=Urgency.OVERDUE,
            escalated_on=models.Case(models.When(escalating, then=models.Value(today)), default=F("escalated_on")),
            escalated_to=escalation,
        )
        counts["due_soon"] = live.filter(due_on__gte=today, due_soon_on__lte=today, urgency=Urgency.NORMAL).update(
            urgency=Urgency.DUE_SOON
        )
        record_event(SWEEP_EVENT, data={"day": today.isoformat(), **counts})
        transaction.on_commit(lambda: deadlines_swept.send(sender=None, day=today, counts=counts))
    return counts
