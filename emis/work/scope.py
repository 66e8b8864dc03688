"""Does this user answer for this case at this level? Coverage comes from core (``access.covers`` / ``covering``,
issue 11's `scope` helper); the engine adds only the level rule.

The level rule: a case is filed under its school (if any) and its division code; it also carries its township's
code (``township_code``: the first 9 digits) and its county's (``county_code``: the first 6). So "answers at the
township level or above" is "covers the case's township as a whole", and likewise for the county.

"""

from __future__ import annotations

from django.db.models import Q

from emis.core import access
from emis.orgs.choices import DIVISION_CODE_LENGTH, DivisionLevel

from .declaration import Level

TOWNSHIP_CODE_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.TOWNSHIP]
COUNTY_CODE_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]


covers_place = access.covers
covering = access.covering


def acting_role(user) -> str:
    """The role the declarations name: a superuser acts as 系统管理员 whatever its role field says."""
    return access.Role.ADMIN if user.is_superuser else user.role


def case_level(school_id: int | None, division_code: str) -> str:
    """The level that answers for a case filed under this school or division."""
    if school_id is not None:
        return Level.SCHOOL
    if len(division_code) >= TOWNSHIP_CODE_LENGTH:
        return Level.TOWNSHIP
    return Level.COUNTY


def township_code(division_code: str) -> str:
    return division_code[:TOWNSHIP_CODE_LENGTH]


def county_code(division_code: str) -> str:
    return division_code[:COUNTY_CODE_LENGTH]


def covers(user, school, division_code: str, level: str) -> bool:
    """Does ``user`` answer for a case filed under (school, division_code) at ``level`` or above?

    school    the case is in the user's scope at all: its school (a primary school's teaching points included), or a
              division holding it
    township  the user covers the case's township whole (a township's, the county's, a city's account)
    county    the user covers the case's county whole
    So a county section answers for a township-level step too; a school or an inspector never for a township-level
    one. Which roles may act is the declaration's question, asked apart.
    """
    if level == Level.SCHOOL:
        return covers_place(user, school=school, division=division_code)
    prefix = township_code(division_code) if level == Level.TOWNSHIP else county_code(division_code)
    return covers_place(user, division=prefix)


def level_q(user, level: str) -> Q | None:
    """The filter form of ``covers`` on Case rows (None: every case)."""
    if level == Level.SCHOOL:
        return covering(user, school_paths=("school_id",), division_paths=("division_code",))
    return covering(user, division_paths=("township_code" if level == Level.TOWNSHIP else "county_code",))
