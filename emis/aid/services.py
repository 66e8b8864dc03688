"""The aid rules: terms, the standard of a child on a census date, the generation of a programme's rolls for a term
(one roll and one work-engine case per school), the roll's steps, changes to lines, and the 公示 list.

Who is on a roll (issue 15, item 3; docs/domains/aid.md):
- a pupil 在读 on the term's census date: of the school year's enrolments dated on or before the census date, the
  latest is 在读 (or 转入, the 在读 of a pupil who came from another school);
- of a level the programme serves, the level being the pupil's grade's, whatever the school's kind;
- meeting a standard of the programme current on the census date (categories recognised on or before that date,
  boarding as on the pupil's record); once per programme, whatever the number of categories: the highest standard.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.audit import record_event
from emis.core.bulk import insert_rows
from emis.core.writes import Refused
from emis.orgs.models import School, SchoolYear
from emis.students.choices import GRADE_LEVEL, ON_ROLL_STATUSES
from emis.students.models import Enrollment
from emis.work.scope import acting_role
from emis.work.services import case_open, case_transition

from .models import Eligibility, LineChange, Programme, Recognition, Roll, RollLine, Standard, Term, default_census
from .workflows import AID_ROLL, APPROVED_STATES, COUNTY, SCHOOLS, TOWNSHIPS

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


def standards_on(day: dt.date, programme: Programme | None = None) -> list[Standard]:
    """Of each series (programme, level, boarding, tier), the standard in force on ``day``."""
    rows = Standard.objects.filter(valid_from__lte=day).order_by("valid_from", "id")
    if programme is not None:
        rows = rows.filter(programme=programme)
    current: dict[tuple, Standard] = {}
    for standard in rows:
        current[standard.series] = standard  # later rows replace earlier ones
    return list(current.values())


def check_new_standard(standard: Standard) -> None:
    """A new standard of a series must start after the series' latest one (the old stays as it was)."""
    latest = (
        Standard.objects.filter(
            programme=standard.programme_id, level=standard.level, boarder=standard.boarder, tier=standard.tier
        )
        .order_by("-valid_from")
        .first()
    )
    if latest is not None and standard.valid_from <= latest.valid_from:
        raise Refused(
            _("新标准的执行日期须晚于该项目同一系列现行标准的执行日期（{date}）；已有标准不可修改。").format(
                date=latest.valid_from.isoformat()
            )
        )


def add_standard(standard: Standard, acting_user) -> Standard:
    if not (acting_role(acting_user) in COUNTY and access.role_may(acting_user, Standard.domain, access.ADD)):
        raise Refused(_("只有县级学生资助管理人员可以新增资助标准。"))
    check_new_standard(standard)
    standard.full_clean()
    standard.save()
    return standard


class Matcher:
    """The best standard for (level, grade, boarder, categories) among the programme's standards on a date."""

    def __init__(self, standards: list[Standard]):
        self.by_level: dict[str, list[Standard]] = defaultdict(list)
        for standard in standards:
            self.by_level[standard.level].append(standard)
        self.cache: dict[tuple, Standard | None] = {}

    def best(self, level: str, grade: str, boarder: bool, categories: frozenset) -> Standard | None:
        key = (level, grade, boarder, categories)
        if key in self.cache:
            return self.cache[key]
        found = None
        for standard in self.by_level.get(level, ()):
            if standard.grades and grade not in standard.grades:
                continue
            if standard.boarder is not None and standard.boarder != boarder:
                continue
            if standard.eligibility == Eligibility.ANY and not categories:
                continue
            if standard.eligibility == Eligibility.LISTED and not categories.intersection(standard.categories):
                continue
            if found is None or standard.amount_per_year > found.amount_per_year:
                found = standard
        self.cache[key] = found
        return found


# Who is on roll on a census date ----------------------------------------------------------------------------------


def on_roll_rows(term: Term, *, levels=None, school_ids=None):
    """(student_id, school_id, grade, boarder, id_number_hash) of each pupil 在读 on the term's census date: the
    latest enrolment of the school year dated on or before it, when that one is on roll. One query, read in order."""
    rows = Enrollment.objects.filter(school_year_id=term.school_year_id, status_date__lte=term.census_date)
    if levels is not None:
        rows = rows.filter(level__in=list(levels))
    if school_ids is not None:
        rows = rows.filter(school_id__in=list(school_ids))
    query = rows.order_by("student_id", "status_date", "id").values_list(
        "student_id", "status", "school_id", "grade", "student__boarder", "student__id_number_hash"
    )
    on_roll = set(ON_ROLL_STATUSES)
    last = None
    for row in query.iterator(chunk_size=20000):
        if last is not None and row[0] != last[0] and last[1] in on_roll:
            yield (last[0], last[2], last[3], last[4], last[5])
        last = row
    if last is not None and last[1] in on_roll:
        yield (last[0], last[2], last[3], last[4], last[5])


def recognised_categories(day: dt.date) -> dict[str, set[str]]:
    """{ID hash: {category codes}} recognised on or before ``day``."""
    found: dict[str, set[str]] = defaultdict(set)
    for id_hash, category in Recognition.objects.filter(recognised_on__lte=day).values_list(
        "id_number_hash", "category"
    ):
        found[id_hash].add(category)
    return found


@dataclass(frozen=True)
class Line:
    school_id: int
    student_id: int
    grade: str
    level: str
    boarder: bool
    categories: str
    standard_id: int
    tier: str
    amount: Decimal


def compute_lines(programme: Programme, term: Term, *, school_ids=None) -> list[Line]:
    """The lines of the programme's roll for the term, as the rules give them today (nothing is written)."""
    census = term.census_date
    matcher = Matcher(standards_on(census, programme))
    if not matcher.by_level:
        return []
    recognised = recognised_categories(census)
    empty: frozenset = frozenset()
    lines = []
    per_term: dict[int, Decimal] = {}
    for student_id, school_id, grade, boarder, id_hash in on_roll_rows(
        term, levels=matcher.by_level, school_ids=school_ids
    ):
        categories = frozenset(recognised.get(id_hash, empty)) if id_hash else empty
        standard = matcher.best(GRADE_LEVEL[grade], grade, boarder, categories)
        if standard is None:
            continue
        amount = per_term.get(standard.pk)
        if amount is None:
            amount = per_term[standard.pk] = standard.per_term
        lines.append(
            Line(
                school_id,
                student_id,
                grade,
                GRADE_LEVEL[grade],
                boarder,
                ",".join(sorted(categories)),
                standard.pk,
                standard.tier,
                amount,
            )
        )
    return lines


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
    lines = compute_lines(programme, term, school_ids=in_scope)
    by_school: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_school[parents.get(line.school_id, line.school_id)].append(line)
    result = Generated()
    existing = {
        roll.school_id: roll for roll in Roll.objects.filter(programme=programme, term=term).select_related("case")
    }
    schools = School.objects.in_bulk(list(by_school))
    with transaction.atomic():
        rows = []
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
            rows += [
                (
                    roll.pk,
                    line.student_id,
                    line.grade,
                    line.level,
                    line.boarder,
                    line.categories,
                    line.standard_id,
                    line.tier,
                    line.amount,
                    False,
                    "",
                )
                for line in school_lines
            ]
        insert_rows(RollLine, LINE_COLUMNS, rows)
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


def publicity_ends(roll: Roll) -> dt.date | None:
    """The last day of the roll's 公示 (the day it was published plus the days given), None before it is."""
    step = roll.case.steps.filter(transition="publicise").order_by("-number").first()
    if step is None:
        return None
    days = int((step.values or {}).get("publicity_days") or roll.term.publicity_days)
    return step.on_day + dt.timedelta(days=days)


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


def may_change_lines(roll: Roll, user) -> bool:
    """Who may change a roll's lines now: the school (or above) while the school checks it, the township while it
    reviews, the county from its review on (a change after approval also needs a reason)."""
    state = roll.case.state if roll.case else "school_review"
    role = acting_role(user)
    if not access.role_may(user, Roll.domain, "submit"):  # the school, the township, the county's aid staff
        return False
    if not Roll.objects.for_user(user).filter(pk=roll.pk).exists():
        return False
    if state == "school_review":
        return role in SCHOOLS
    if state == "township_review":
        return role in TOWNSHIPS
    return role in COUNTY


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
        line.save(update_fields=["amount", "removed", "note", "updated_at"])
        refresh_totals(roll)
    return line


def refresh_totals(roll: Roll) -> None:
    totals = roll.lines.filter(removed=False).aggregate(persons=Count("id"), amount=Sum("amount"))
    roll.persons = totals["persons"] or 0
    roll.amount = totals["amount"] or Decimal("0.00")
    roll.save(update_fields=["persons", "amount", "updated_at"])


# 公示 -------------------------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: the first and last characters kept."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def public_list(roll: Roll) -> list[dict]:
    """The roll as published: masked names, grade, the standard's tier and the amount; no ID number."""
    rows = (
        roll.lines.filter(removed=False)
        .order_by("grade", "student__name_sort", "id")
        .values_list("student__name", "grade", "tier", "amount")
    )
    from emis.students.choices import Grade

    grades = dict(Grade.choices)
    return [
        {"name": mask_name(name), "grade": str(grades.get(grade, grade)), "tier": tier, "amount": amount}
        for name, grade, tier, amount in rows
    ]


def lines_q_for_term(term: Term) -> Q:
    return Q(roll__term=term, removed=False)
