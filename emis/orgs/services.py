"""Writes with rules beyond one row: school history events keep opened_on/closed_on in step."""

from django.db import transaction

from .choices import ENDING_EVENTS, SchoolEventKind
from .models import SchoolEvent


@transaction.atomic
def school_event_apply(*, event: SchoolEvent) -> SchoolEvent:
    """Save a history event and update the school's opening or closing date from it."""
    event.save()
    school = event.school
    if event.kind == SchoolEventKind.OPENED and school.opened_on != event.date:
        school.opened_on = event.date
        school.save()
    elif event.kind in ENDING_EVENTS and school.closed_on != event.date:
        school.closed_on = event.date
        school.save()
    elif event.kind == SchoolEventKind.RENAMED and not event.old_name:
        event.old_name = school.name
        event.save()
    return event
