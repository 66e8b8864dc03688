"""The aid writes: terms, new standards, the generation of a programme's rolls for a term (one roll and one
work-engine case per school), the roll's steps and changes to lines. The rules that write nothing are in rules.py.

"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import record_event
from emis.core.bulk import allocate_ids, insert_rows
from emis.core.gcpause import young_garbage_collection_only
from emis.core.stages import timed
from emis.core.writes import Refused
from emis.orgs.models import School, SchoolYear
from emis.work.scope import acting_role
from emis.work.services import case_open, case_transition

from .models import LineChange, Programme, Roll, RollLine, Standard, Term, default_census
from .rules import Line, check_new_standard, compute_lines, may_change_lines, publicity_ends
from .workflows import AID_ROLL, APPROVED_STATES, COUNTY

CENT = Decimal("0.01")


# Terms ------------------------------------------------------------------------------------------------------------


def term_for(start_year: int, kind: str) -> Term:
    """The term of a school year (``--year 2020 --term spring``: spring 2021), made with the default census date
    (30 September / 31 March) the first time it is asked for."""
    year = SchoolYear.objects.filter(start_year=start_year).first()
    if year is None:
        raise Refused(_("没有{year}学年，请先在学年设置中添加。").format(year=start_year))
    term, _created = Term.objects.get_or_create(
        school_year=year, kind=kind, defaults={"census_date": default_census(start_year, kind)}
    )
    return term


def configure_term(term: Term, *, census_date: dt.date | None = None, publicity_days: int | None = None) -> Term:
    """Set a term's census date (only while it has no roll: the rolls were generated on the old one) and its
    publicity days."""
    fields = []
    if census_date and census_date != term.census_date:
        if term.rolls.exists():
            raise Refused(_("{term}已生成资助名单，统计日期不能再改。").format(term=term))
        term.census_date = census_date
        fields.append("census_date")
    if publicity_days and publicity_days != term.publicity_days:
        term.publicity_days = publicity_days
        fields.append("publicity_days")
    if fields:
        term.save(update_fields=[*fields, "updated_at"])
    return term


# Standards --------------------------------------------------------------------------------------------------------


def add_standard(standard: Standard, acting_user) -> Standard:
    if not (acting_role(acting_user) in COUNTY and access.role_may(acting_user, Standard.domain, access.ADD)):
        raise Refused(_("只有县级学生资助管理人员可以新增资助标准。"))
    check_new_standard(standard)
    standard.full_clean()
    standard.save()
    return standard


# Generating the rolls ---------------------------------------------------------------------------------------------


@dataclass
class Generated:
    created: int = 0
    regenerated: int = 0
    kept: int = 0  # rolls already past the school's check: left as they are
    lines: int = 0
    amount: Decimal = Decimal("0.00")


LINE_COLUMNS = (
    "roll_id",
    "student_id",
    "grade",
    "level",
    "boarder",
    "categories",
    "standard_id",
    "tier",
    "amount",
    "removed",
    "note",
)
# The roll's rows are a rules.Line's fields after its school, between the roll and the two flags (_generate_rolls).
assert Line._fields[1:] == LINE_COLUMNS[1:-2], "rules.Line and LINE_COLUMNS disagree"


def generate_rolls(
    programme: Programme,
    term: Term,
    *,
    acting_user,
    school_ids=None,
    today: dt.date | None = None,
    record_paid_on: dt.date | None = None,
) -> Generated:
    """Write the programme's rolls for the term: one roll and one case (学校核对) per school with pupils on it, a
    teaching point's pupils on its 中心学校's roll. A roll still at the school's check is generated again (its lines
    replaced); a roll further on is kept as it is. ``record_paid_on``: a past term's rolls recorded as paid on that
    day (补录, the opening step ``record``)."""
    if not (acting_role(acting_user) in COUNTY and access.role_may(acting_user, Roll.domain, "generate")):
        raise Refused(_("只有县级学生资助管理人员可以生成资助名单。"))
    in_scope = set(School.objects.for_user(acting_user).values_list("pk", flat=True))
    parents = dict(School.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))
    if school_ids is not None:
        chosen = {parents.get(pk, pk) for pk in school_ids}  # a 教学点 is on its 中心学校's roll
        in_scope &= chosen | {pk for pk, parent in parents.items() if parent in chosen}
    with young_garbage_collection_only():
        return _generate_rolls(programme, term, acting_user, in_scope, parents, today, record_paid_on)


def _generate_rolls(programme, term, acting_user, in_scope, parents, today, record_paid_on) -> Generated:
    with timed("compute lines"):
        lines = compute_lines(programme, term, school_ids=in_scope)
    by_school: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_school[parents.get(line.school_id, line.school_id)].append(line)
    result = Generated()
    existing = {
        roll.school_id: roll for roll in Roll.objects.filter(programme=programme, term=term).select_related("case")
    }
    schools = School.objects.select_related("township").in_bulk(list(by_school))
    with transaction.atomic():
        written: list[tuple[int, list[Line]]] = []
        for school_id, school_lines in sorted(by_school.items()):
            roll = existing.get(school_id)
            if roll is not None:
                if roll.case is not None and roll.case.state != "school_review":
                    result.kept += 1
                    continue
                roll.lines.all().delete()
                result.regenerated += 1
            else:
                school = schools[school_id]
                with timed("open rolls and cases"):
                    roll = Roll.objects.create(programme=programme, term=term, school=school)
                    roll.case = case_open(
                        workflow=AID_ROLL.code,
                        title=f"{term} {programme.name} {school.name}",
                        school=school,
                        subject=roll,
                        acting_user=acting_user,
                        today=today,
                        **(
                            {"transition": "record", "values": {"paid_on": record_paid_on.isoformat()}}
                            if record_paid_on
                            else {}
                        ),
                    )
                result.created += 1
            roll.persons = len(school_lines)
            roll.amount = sum((line.amount for line in school_lines), Decimal("0.00"))
            roll.save(update_fields=["persons", "amount", "case", "updated_at"])
            result.lines += roll.persons
            result.amount += roll.amount
            written.append((roll.pk, school_lines))
        ids = iter(allocate_ids(RollLine, result.lines))
        # A line's fields after its school are the row's columns after the roll, in order, and every value is
        # database-ready already (ints, strings, booleans, Decimals): the rows stream to the insert as they are built.
        rows = (
            (next(ids), roll_id, *line[1:], False, "") for roll_id, school_lines in written for line in school_lines
        )
        insert_rows(RollLine, ("id", *LINE_COLUMNS), rows, prepared=LINE_COLUMNS)
        record_event(
            "aid.rolls_generated",
            data={
                "programme": programme.code,
                "term": term.pk,
                "created": result.created,
                "regenerated": result.regenerated,
                "kept": result.kept,
                "lines": result.lines,
                "amount": str(result.amount),
            },
        )
    return result


# The roll's steps -------------------------------------------------------------------------------------------------


def roll_step(
    roll: Roll,
    transition: str,
    *,
    acting_user,
    version: int | None = None,
    comment: str = "",
    values: dict | None = None,
    today: dt.date | None = None,
) -> Roll:
    """Take a step of the roll's case (workflows.AID_ROLL), with the app's own checks: 审批 only once the publicity
    days are over; 发放 with the date paid."""
    today = today or timezone.localdate()
    values = dict(values or {})
    if transition == "publicise":
        values.setdefault("publicity_days", roll.term.publicity_days)
        if int(values["publicity_days"]) < 1:
            raise Refused(_("公示天数须至少为1天。"))
    if transition == "approve" and roll.case.state == "publicity":
        ends = publicity_ends(roll)
        if ends is not None and today < ends:
            raise Refused(
                _("公示期未满：公示至{date}，期满后方可审批。").format(date=f"{ends.year}年{ends.month}月{ends.day}日")
            )
    if transition == "pay":
        values.setdefault("paid_on", today.isoformat())
    step = case_transition(
        case=roll.case,
        version=version,
        transition=transition,
        acting_user=acting_user,
        comment=comment,
        values=values,
        today=today,
    )
    roll.case = step.case
    return roll


def bulk_step(rolls, transition: str, *, acting_user, comment: str = "", today=None) -> tuple[int, list[str]]:
    """The same step on many rolls (a township passes all its schools' lists): each on its own, the refusals kept."""
    done, refusals = 0, []
    for roll in rolls:
        try:
            with transaction.atomic():
                roll_step(roll, transition, acting_user=acting_user, comment=comment, today=today)
        except Refused as exc:
            refusals.append(f"{roll.school.name}：{exc.messages[0]}")
        else:
            done += 1
    return done, refusals


# Changes to a line ------------------------------------------------------------------------------------------------


def line_change(
    line: RollLine, *, acting_user, amount: Decimal | None = None, removed: bool | None = None, reason: str = ""
) -> RollLine:
    """Change a line's amount or take it off the roll (or put it back). After the roll's approval a reason is
    required; every change is kept (LineChange) and change-logged."""
    roll = line.roll
    state = roll.case.state if roll.case else "school_review"
    reason = (reason or "").strip()
    if not may_change_lines(roll, acting_user):
        raise Refused(_("名单当前为“{state}”，您无权修改。").format(state=AID_ROLL.state_label(state)))
    if state in APPROVED_STATES and not reason:
        raise Refused(_("名单已审批，修改须填写原因。"))
    new_amount = line.amount if amount is None else Decimal(amount).quantize(CENT)
    new_removed = line.removed if removed is None else bool(removed)
    if new_amount < 0:
        raise Refused(_("金额不能为负数。"))
    if new_amount == line.amount and new_removed == line.removed:
        raise Refused(_("没有修改任何内容。"))
    with transaction.atomic():
        LineChange.objects.create(
            line=line,
            changed_by=acting_user,
            state=state,
            old_amount=line.amount,
            new_amount=new_amount,
            old_removed=line.removed,
            new_removed=new_removed,
            reason=reason,
        )
        line.amount, line.removed = new_amount, new_removed
        if reason:
            line.note = reason[:200]
        line.save(update_fields=["amount", "removed", "note"])
        _refresh_totals(roll)
    return line


def _refresh_totals(roll: Roll) -> None:
    totals = roll.lines.filter(removed=False).aggregate(persons=Count("id"), amount=Sum("amount"))
    roll.persons = totals["persons"] or 0
    roll.amount = totals["amount"] or Decimal("0.00")
    roll.save(update_fields=["persons", "amount", "updated_at"])
