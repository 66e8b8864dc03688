"""What 四查三比对 (emis.dropouts.detection) finds, in the shape the ledgers and the cases (emis.dropouts.services)
take it: a category per flagged child with its reason in Chinese."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NOT_ENROLLED = "not_enrolled", _("适龄未入学")
    DROPPED_OUT = "dropped_out", _("辍学")
    SUSPENDED = "suspended", _("休学")
    TRANSFERRED_UNVERIFIED = "transferred_unverified", _("转出未核实")
    POSSIBLE_MATCH = "possible_match", _("疑似已在籍")


@dataclass(frozen=True)
class FlaggedChild:
    """One child the comparison flags. ``id_number`` is sensitive: never logged, masked on pages unless the role
    may see it. ``student_id`` is the child's own roll entry (辍学, 休学, 转出); ``candidate_*`` the roll entry that
    is probably the same child (疑似已在籍 only)."""

    school_year_id: int
    category: str
    reason: str
    id_number: str
    name: str
    gender: str
    birth_date: datetime.date
    hukou_township_id: int | None = None
    hukou_village_id: int | None = None
    population_record_id: int | None = None
    student_id: int | None = None
    school_id: int | None = None
    candidate_student_id: int | None = None
    candidate_student_no: str = ""
