"""Deleting cases with everything that hangs on them, for the demo's wipe (`emis load_demo --reset`) and for a row
recorded by mistake whose case goes with it. Cases are otherwise never deleted: a closed case is the record."""

from __future__ import annotations

from collections.abc import Iterable


def delete_cases(case_ids: Iterable[int]) -> int:
    """Delete the cases and their steps, clocks, files (stored files included) and document numbers; returns the
    number of cases deleted. What other apps hang on a case (notifications, alerts) goes too: the last delete is
    a collected one. The caller deletes its own subject rows first (they protect the case)."""
    from .models import Attachment, Case, CaseClock, DocumentNumber, Step

    case_ids = list(case_ids)
    if not case_ids:
        return 0
    numbers = DocumentNumber.objects.filter(case_id__in=case_ids)
    numbers._raw_delete(numbers.db)
    # One by one, so the stored files go with their rows (emis.core.files.delete_with_rows).
    for attachment in Attachment.objects.filter(case_id__in=case_ids):
        attachment.delete()
    for queryset in (Step.objects.filter(case_id__in=case_ids), CaseClock.objects.filter(case_id__in=case_ids)):
        queryset._raw_delete(queryset.db)
    return Case.objects.filter(pk__in=case_ids).delete()[1].get(Case._meta.label, 0)
