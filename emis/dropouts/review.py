"""The review of a possible match of 四查三比对 (疑似已在籍): a person says whether the register child and the roll
entry are the same child.

Confirming corrects the ID number on the side the reviewer names (the register's entry takes the roll's number, or
the roll's pupil takes the register's), through the models' own save, so the change log records the correction
with the reviewer; the child then matches by ID and is no longer flagged. Rejecting remembers the pair for the
school year: detection no longer offers it, and the child is 适龄未入学 unless another candidate fits.

Who decides: 系统管理员, 股室人员 holding the 控辍保学 domain, and township accounts (the right ``review_match``) for
the register children of their townships (the caller reads the record through ``for_user``: 404 outside).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from emis.core import access
from emis.core.writes import Refused
from emis.population.models import PopulationRecord
from emis.students.models import Student

from .apps import DOMAIN
from .models import MatchDecision, MatchSide

REVIEW = "review_match"


def may_review(user) -> bool:
    return access.role_may(user, DOMAIN, REVIEW)


@transaction.atomic
def review_match(
    *,
    record: PopulationRecord,
    candidate: Student,
    decision: str,
    acting_user,
    side: str = "",
    note: str = "",
) -> MatchDecision:
    if not may_review(acting_user):
        raise Refused(_("您没有核实疑似匹配的权限。"))
    if MatchDecision.objects.filter(
        school_year_id=record.school_year_id, population_record=record, candidate=candidate
    ).exists():
        raise Refused(_("该疑似匹配已核实。"))
    if decision == MatchDecision.Decision.CONFIRMED:
        if (
            side == MatchSide.ROLL
            and not Student.objects.for_user(acting_user, access.CHANGE).filter(pk=candidate.pk).exists()
        ):
            # The candidate may be a pupil of another township's school: its roll is not this user's to correct.
            raise Refused(_("该学籍不在您的管理范围内，不能更正学籍一方：请更正户籍一方，或请县教育局核实。"))
        _correct(record, candidate, side)
    elif decision == MatchDecision.Decision.REJECTED:
        side = ""
    else:
        raise Refused(_("请选择核实结论。"))
    return MatchDecision.objects.create(
        school_year_id=record.school_year_id,
        population_record=record,
        candidate=candidate,
        decision=decision,
        corrected_side=side,
        note=note[:200],
        decided_by=acting_user,
    )


def _correct(record: PopulationRecord, candidate: Student, side: str) -> None:
    if side == MatchSide.REGISTER:
        if not candidate.id_number:
            raise Refused(_("该学籍没有身份证号，只能更正学籍一方。"))
        if (
            PopulationRecord.objects.filter(school_year_id=record.school_year_id, id_number=candidate.id_number)
            .exclude(pk=record.pk)
            .exists()
        ):
            raise Refused(_("该学年的人口登记中已有此身份证号，不能更正。"))
        record.id_number = candidate.id_number
        record.save()
    elif side == MatchSide.ROLL:
        if Student.objects.filter(id_number=record.id_number).exclude(pk=candidate.pk).exists():
            raise Refused(_("已有学生使用该身份证号，不能更正。"))
        candidate.id_number = record.id_number
        candidate.save()
    else:
        raise Refused(_("确认为同一人时，请选择更正哪一方的身份证号。"))
