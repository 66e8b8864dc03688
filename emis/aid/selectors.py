"""Reads: totals (人次 and 金额 by programme, level, township and school, grouped in SQL within the user's scope) and
the coverage check (every 脱贫家庭 and 监测对象 pupil 在读 on the census date is aided in the term, or the gap is
listed with its reason)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from emis.orgs.models import School
from emis.students.choices import GRADE_LEVEL, Grade, Level
from emis.students.models import Student

from .models import COVERAGE_CATEGORIES, Category, Programme, Recognition, Roll, RollLine, Term
from .rules import Matcher, on_roll_rows, standards_on

GROUPS = {
    "programme": ("roll__programme__code", "roll__programme__name"),
    "level": ("level",),
    "township": ("roll__school__township__code", "roll__school__township__name"),
    "school": ("roll__school__code", "roll__school__name"),
}


def totals(term: Term, user=None, *, programme: str = "") -> dict:
    """{"total": {persons, amount}, "programme": [...], "level": [...], "township": [...], "school": [...]}: the
    term's roll lines not removed, in the user's scope (None: all)."""
    rows = RollLine.objects.filter(roll__term=term, removed=False)
    if user is not None:
        rows = rows.filter(roll__in=Roll.objects.for_user(user).filter(term=term))
    if programme:
        rows = rows.filter(roll__programme__code=programme)
    total = rows.aggregate(persons=Count("id"), amount=Sum("amount"))
    levels = dict(Level.choices)
    result = {
        "term": str(term),
        "census_date": term.census_date.isoformat(),
        "total": {"persons": total["persons"] or 0, "amount": total["amount"] or Decimal("0.00")},
    }
    for group, fields in GROUPS.items():
        out = []
        for row in rows.values(*fields).annotate(persons=Count("id"), amount=Sum("amount")).order_by(*fields):
            entry = {"code": row[fields[0]], "persons": row["persons"], "amount": row["amount"]}
            entry["name"] = row[fields[1]] if len(fields) > 1 else str(levels.get(row["level"], row["level"]))
            out.append(entry)
        result[group] = out
    return result


def as_json(data: dict) -> dict:
    """Decimals as strings with two decimals (yuan), for `emis aid totals --format json`."""

    def convert(value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(data)


def coverage_gaps(term: Term, user=None) -> list[dict]:
    """The 脱贫家庭 and 监测对象 pupils 在读 on the census date (in the user's schools) who are on no roll line of the
    term, each with the reason: taken off a roll (the reason given), no standard of any programme for the pupil, the
    programme's roll not generated for the school, recognised after the census date, or not on the roll generated."""
    census = term.census_date
    recognitions: dict[str, dict[str, object]] = defaultdict(dict)
    for id_hash, category, recognised_on in Recognition.objects.filter(category__in=COVERAGE_CATEGORIES).values_list(
        "id_number_hash", "category", "recognised_on"
    ):
        recognitions[id_hash][category] = recognised_on
    if not recognitions:
        return []
    school_ids = None if user is None else set(School.objects.for_user(user).values_list("pk", flat=True))
    pupils = [row for row in on_roll_rows(term, school_ids=school_ids) if row[4] in recognitions]
    if not pupils:
        return []
    aided = set(
        RollLine.objects.filter(roll__term=term, removed=False, student_id__in=[p[0] for p in pupils]).values_list(
            "student_id", flat=True
        )
    )
    removed = dict(
        RollLine.objects.filter(roll__term=term, removed=True, student_id__in=[p[0] for p in pupils]).values_list(
            "student_id", "note"
        )
    )
    rolls = set(Roll.objects.filter(term=term).values_list("programme_id", "school_id"))
    programmes = {p.pk: p for p in Programme.objects.all()}
    matchers = {pk: Matcher(standards_on(census, programme)) for pk, programme in programmes.items()}
    missing = [p for p in pupils if p[0] not in aided]
    students = Student.objects.in_bulk([p[0] for p in missing])
    schools = School.objects.select_related("township").in_bulk({p[1] for p in missing})
    labels = dict(Category.choices)
    levels = dict(Level.choices)
    grades = dict(Grade.choices)
    gaps = []
    for student_id, school_id, grade, boarder, id_hash in missing:
        found = recognitions[id_hash]
        in_time = frozenset(code for code, day in found.items() if day <= census)
        applicable = [
            pk for pk, matcher in matchers.items() if matcher.best(GRADE_LEVEL[grade], grade, boarder, in_time)
        ]
        if student_id in removed:
            reason = _("已移出资助名单：{note}").format(note=removed[student_id] or _("未说明原因"))
        elif not in_time:
            reason = _("认定日期晚于本学期统计日期（{date}），下一学期列入名单。").format(date=census.isoformat())
        elif not applicable:
            reason = _("{level}没有适用的资助项目标准。").format(level=levels.get(GRADE_LEVEL[grade], grade))
        elif not any((pk, school_id) in rolls for pk in applicable):
            reason = _("{programme}名单尚未生成。").format(
                programme="、".join(programmes[pk].name for pk in applicable)
            )
        else:
            reason = _("名单生成后才在读或认定，未列入名单：请重新生成或补录。")
        student = students.get(student_id)
        school = schools.get(school_id)
        gaps.append(
            {
                "student": student,
                "school": school,
                "township": school.township.name if school else "",
                "grade": str(grades.get(grade, grade)),
                "grade_code": grade,
                "boarder": boarder,
                "categories": "、".join(str(labels[code]) for code in sorted(found)),
                "reason": reason,
            }
        )
    gaps.sort(key=lambda g: (g["township"], g["school"].code if g["school"] else "", g["grade_code"]))
    return gaps
