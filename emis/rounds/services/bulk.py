"""Bulk writes of a round: tens of thousands of applicants in a few statements (``insert_rows``/``update_rows``,
DELETE by round or by id), each changed row still change-logged with ``record_changes_bulk``, as the importers do
(ADR 0006). No rule is decided here: the workflow and the steps decide what to write, this writes it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection

from emis.common.text import pinyin_initials
from emis.core.audit import record_changes_bulk
from emis.core.bulk import allocate_ids, delete_rows, insert_rows, update_rows
from emis.core.models import ChangeAction
from emis.orgs.models import School

from ..models import AdmissionRound, Applicant, QuotaAllocation
from ..solver.engine import SCORE_SCALE

if TYPE_CHECKING:
    from .applicant_file import ParsedApplicants


def points(hundredths: int) -> Decimal:
    """Hundredths of a point as the Decimal a score field holds (two places, so that diffs compare equal)."""
    return (Decimal(int(hundredths)) / SCORE_SCALE).quantize(Decimal("0.01"))


def decimal_json(value: Decimal | None):
    return None if value is None else str(value.quantize(Decimal("0.01")))


def delete_applicants(admission_round: AdmissionRound) -> int:
    """Delete a round's applicants in one statement, with a change record each (the caller refuses first when any
    has an appeal: workflow.refuse_when_appealed)."""
    rows = list(
        Applicant.objects.filter(round=admission_round).values_list("id", "exam_no", "name", "junior_school_id")
    )
    if not rows:
        return 0
    table = connection.ops.quote_name(Applicant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [admission_round.pk])
    code = admission_round.division_code
    record_changes_bulk(
        [
            (
                (Applicant, pk),
                ChangeAction.DELETE,
                {"exam_no": [exam_no, None], "name": [name, None], "junior_school": [junior, None]},
                (junior, code),
                f"{exam_no} {name}".strip(),
            )
            for pk, exam_no, name, junior in rows
        ]
    )
    return len(rows)


def insert_applicants(admission_round: AdmissionRound, parsed: ParsedApplicants) -> int:
    n = len(parsed.exam_nos)
    if not n:
        return 0
    pks = allocate_ids(Applicant, n)
    columns = (
        "id",
        "round_id",
        "exam_no",
        "name",
        "name_initials",
        "id_number",
        "junior_school_id",
        "total",
        "chinese",
        "math",
        "english",
        "preferences",
        "eligible",
        "result_phase",
        "explanation",
    )
    scores = parsed.scores.tolist()
    rows = []
    audit = []
    code = admission_round.division_code
    for i, pk in enumerate(pks):
        total, chinese, math, english = (points(v) for v in scores[i])
        preferences = parsed.preferences[i]
        rows.append(
            (
                pk,
                admission_round.pk,
                parsed.exam_nos[i],
                parsed.names[i],
                pinyin_initials(parsed.names[i]),
                parsed.id_numbers[i],
                parsed.junior_ids[i],
                total,
                chinese,
                math,
                english,
                json.dumps(preferences, ensure_ascii=False),
                parsed.eligible[i],
                "",
                "",
            )
        )
        audit.append(
            (
                (Applicant, pk),
                ChangeAction.CREATE,
                {
                    "round": [None, admission_round.pk],
                    "exam_no": [None, parsed.exam_nos[i]],
                    "name": [None, parsed.names[i]],
                    "id_number": [None, parsed.id_numbers[i]],
                    "junior_school": [None, parsed.junior_ids[i]],
                    "total": [None, decimal_json(total)],
                    "chinese": [None, decimal_json(chinese)],
                    "math": [None, decimal_json(math)],
                    "english": [None, decimal_json(english)],
                    "preferences": [None, preferences],
                    "eligible": [None, parsed.eligible[i]],
                },
                (parsed.junior_ids[i], code),
                f"{parsed.exam_nos[i]} {parsed.names[i]}".strip(),
            )
        )
    insert_rows(Applicant, columns, rows, prepared=("preferences",))
    record_changes_bulk(audit)
    return n


def write_allocations(admission_round: AdmissionRound, wanted: dict[tuple[int, int], int]) -> None:
    """Make the round's allocations equal ``wanted`` ((school id, junior id) → seats): update, insert and delete
    in bulk, each change recorded."""
    existing = {
        (school, junior): (pk, seats)
        for pk, school, junior, seats in QuotaAllocation.objects.filter(round=admission_round).values_list(
            "id", "school_id", "junior_school_id", "seats"
        )
    }
    names = dict(
        School.objects.filter(pk__in={k for key in set(wanted) | set(existing) for k in key}).values_list("id", "name")
    )
    code = admission_round.division_code
    audit, updates, inserts, deletes = [], [], [], []
    for key, seats in wanted.items():
        label = f"{names.get(key[0], key[0])} → {names.get(key[1], key[1])}"
        if key in existing:
            pk, before = existing[key]
            if before != seats:
                updates.append((seats, pk))
                audit.append(
                    ((QuotaAllocation, pk), ChangeAction.UPDATE, {"seats": [before, seats]}, (key[0], code), label)
                )
        else:
            inserts.append((key, seats, label))
    for key, (pk, seats) in existing.items():
        if key not in wanted:
            deletes.append(pk)
            label = f"{names.get(key[0], key[0])} → {names.get(key[1], key[1])}"
            audit.append(
                (
                    (QuotaAllocation, pk),
                    ChangeAction.DELETE,
                    {"school": [key[0], None], "junior_school": [key[1], None], "seats": [seats, None]},
                    (key[0], code),
                    label,
                )
            )
    if updates:
        update_rows(QuotaAllocation, ("seats",), updates)
    if deletes:
        delete_rows(QuotaAllocation, deletes)
    if inserts:
        pks = allocate_ids(QuotaAllocation, len(inserts))
        insert_rows(
            QuotaAllocation,
            ("id", "round_id", "school_id", "junior_school_id", "seats"),
            [
                (pk, admission_round.pk, key[0], key[1], seats)
                for pk, (key, seats, _label) in zip(pks, inserts, strict=True)
            ],
        )
        for pk, (key, seats, label) in zip(pks, inserts, strict=True):
            audit.append(
                (
                    (QuotaAllocation, pk),
                    ChangeAction.CREATE,
                    {
                        "round": [None, admission_round.pk],
                        "school": [None, key[0]],
                        "junior_school": [None, key[1]],
                        "seats": [None, seats],
                    },
                    (key[0], code),
                    label,
                )
            )
    record_changes_bulk(audit)


def update_applicant_results(admission_round: AdmissionRound, rows: list[tuple]) -> None:
    """Store each applicant's result and explanation. ``rows``: (pk, exam_no, name, junior school id, before,
    after, explanation) with before and after as (result school id, phase, preference rank); a change record for
    each applicant whose result changed (the explanation is not logged: it follows from the result)."""
    code = admission_round.division_code
    names = ("result_school", "result_phase", "result_preference_rank")
    updates, audit = [], []
    for pk, exam_no, name, junior_id, before, after, explanation in rows:
        updates.append((*after, explanation, pk))
        changes = {key: [old, new] for key, old, new in zip(names, before, after, strict=True) if old != new}
        if changes:
            audit.append(
                ((Applicant, pk), ChangeAction.UPDATE, changes, (junior_id, code), f"{exam_no} {name}".strip())
            )
    update_rows(Applicant, ("result_school_id", "result_phase", "result_preference_rank", "explanation"), updates)
    record_changes_bulk(audit)


def update_allocation_results(admission_round: AdmissionRound, rows: list[tuple]) -> None:
    """Store each quota pool's admitted count and cut-off. ``rows``: (pk, school id, before, after) with before and
    after as (admitted, cutoff); a change record for each pool that changed."""
    code = admission_round.division_code
    updates, audit = [], []
    for pk, school_id, (before_admitted, before_cutoff), (admitted, cutoff) in rows:
        updates.append((admitted, cutoff, pk))
        changes = {}
        if before_admitted != admitted:
            changes["admitted"] = [before_admitted, admitted]
        if before_cutoff != cutoff:
            changes["cutoff"] = [decimal_json(before_cutoff), decimal_json(cutoff)]
        if changes:
            audit.append(((QuotaAllocation, pk), ChangeAction.UPDATE, changes, (school_id, code), str(pk)))
    if updates:
        update_rows(QuotaAllocation, ("admitted", "cutoff"), updates)
    record_changes_bulk(audit)
