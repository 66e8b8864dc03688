"""What every write path shares: the refusal a service raises, and writes of many rows that keep the change log.

A service refuses with :class:`Refused` (its messages in Chinese); the generic pages show the messages, the API
answers with them (400 on a save, 409 on a delete), and importers report them as problems. ``.update()`` on a
queryset sends no signal, so services use :func:`update_logged` instead: the rows change in one statement and each
changed row gets its change record (docs/adr/0006).
"""

from __future__ import annotations


class Refused(Exception):
    """A write that may not happen (a workflow step in the wrong state, a locked row, bad input).

    ``messages``: what the user reads, one problem each; ``more``: more problems exist than are listed.
    """

    def __init__(self, *messages, more: bool = False):
        self.messages = [str(m) for m in messages]
        self.more = more
        super().__init__("；".join(self.messages))


def update_logged(queryset, **values) -> int:
    """``queryset.update(**values)`` that leaves a change record for each row it changes (``.update()`` sends no
    signal). For the few rows a service touches at once (closing an enrolment); imports write through the bulk
    helpers and ``audit.record_changes_bulk`` instead. Returns the number of rows changed."""
    from .audit import diff_values, field_values, record_changes_bulk
    from .models import ChangeAction

    entries, pks = [], []
    for instance in queryset:
        before = field_values(instance)
        for name, value in values.items():
            setattr(instance, name, value)
        changes = diff_values(before, field_values(instance))
        if changes:
            entries.append((instance, ChangeAction.UPDATE, changes))
            pks.append(instance.pk)
    if pks:
        queryset.model._base_manager.filter(pk__in=pks).update(**values)
        record_changes_bulk(entries)
    return len(pks)
