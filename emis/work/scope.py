"""Does this user answer for this case at this level? (A thin adapter.)

The `scope` helper of issue 11 adds one core helper "does this user cover this division/school"; until it lands this
module answers from ``user.scope_keys()`` (school ids, division codes), the same keys ``for_user`` filters by. When the
core helper exists, ``covers`` should call it and keep only the level rule below.
"""

from __future__ import annotations

from emis.core.access import sees_everything
from emis.orgs.choices import DIVISION_CODE_LENGTH, DivisionLevel

from .declaration import Level

TOWNSHIP_CODE_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.TOWNSHIP]
COUNTY_CODE_LENGTH = DIVISION_CODE_LENGTH[DivisionLevel.COUNTY]


def case_level(school_id: int | None, division_code: str) -> str:
    """The level that answers for a case filed under this school or division."""
    if school_id is not None:
        return Level.SCHOOL
    if len(division_code) >= TOWNSHIP_CODE_LENGTH:
        return Level.TOWNSHIP
    return Level.COUNTY


def covers(user, school_id: int | None, division_code: str, level: str) -> bool:
    """Does ``user`` answer for a case filed under (school_id, division_code) at ``level`` or above?

    school    the case is in the user's scope at all: its school is one of theirs (a primary school's teaching
              points included), or one of their divisions contains it
    township  one of the user's divisions is a township (or the county, city, province) containing the case
    county    one of the user's divisions is the county (or a city or province) containing the case
    So a county section answers for a township-level step too; a school account never for a township-level one.
    Which roles may act is the declaration's question, asked apart. Accounts that see everything (系统管理员) cover
    every case at every level.
    """
    if sees_everything(user):
        return True
    school_ids, division_codes = user.scope_keys()
    longest = {
        Level.SCHOOL: None,
        Level.TOWNSHIP: TOWNSHIP_CODE_LENGTH,
        Level.COUNTY: COUNTY_CODE_LENGTH,
    }[level]
    if longest is None and school_id is not None and school_id in school_ids:
        return True
    return any((longest is None or len(code) <= longest) and division_code.startswith(code) for code in division_codes)
