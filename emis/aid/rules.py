"""The aid rules that write nothing: the standards in force on a day and the best one for a pupil, who is 在读 on a
term's census date, the categories recognised by then, the lines a programme's roll would hold (compute_lines), who
may change a roll's lines, the end of a roll's 公示 and the 公示 list with names partly masked.

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
from decimal import Decimal
from typing import NamedTuple

from django.db import connections
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.writes import Refused
from emis.students.choices import GRADE_LEVEL, ON_ROLL_STATUSES
from emis.students.models import Enrollment
from emis.work.scope import acting_role

from .models import Eligibility, Programme, Recognition, Roll, Standard, Term
from .workflows import COUNTY, SCHOOLS, TOWNSHIPS


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
    # Read with the cursor: the ORM's converters per row cost more than the query (boarding comes as 0/1 on SQLite).
    sql, params = query.query.sql_with_params()
    on_roll = set(ON_ROLL_STATUSES)
    last = None
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            for row in batch:
                if last is not None and row[0] != last[0] and last[1] in on_roll:
                    yield (last[0], last[2], last[3], bool(last[4]), last[5])
                last = row
    if last is not None and last[1] in on_roll:
        yield (last[0], last[2], last[3], bool(last[4]), last[5])


def recognised_categories(day: dt.date) -> dict[str, set[str]]:
    """{ID hash: {category codes}} recognised on or before ``day``."""
    found: dict[str, set[str]] = defaultdict(set)
    query = Recognition.objects.filter(recognised_on__lte=day).values_list("id_number_hash", "category")
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            for id_hash, category in batch:
                found[id_hash].add(category)
    return found


class Line(NamedTuple):
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


def publicity_ends(roll: Roll) -> dt.date | None:
    """The last day of the roll's 公示 (the day it was published plus the days given), None before it is."""
    step = roll.case.steps.filter(transition="publicise").order_by("-number").first()
    if step is None:
        return None
    days = int((step.values or {}).get("publicity_days") or roll.term.publicity_days)
    return step.on_day + dt.timedelta(days=days)


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
