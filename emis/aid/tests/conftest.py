"""Aid fixtures over the small county of emis.testing (school year 2024, current): the county's aid staff, pupils
made with a grade, boarding and recognised categories, and the 2024 autumn term (census date 2024-09-30)."""

from __future__ import annotations

import datetime as dt

import pytest

from emis.aid.apps import DOMAIN
from emis.aid.models import Recognition, Source
from emis.common.idnumbers import GENDER_MALE
from emis.core.access import Role
from emis.testing import id_for, make_enrollment, make_school, make_student, make_user

CENSUS = dt.date(2024, 9, 30)
RECOGNISED = dt.date(2024, 9, 10)
_births = {"P": 2016, "J": 2011, "S": 2008, "V": 2008, "K": 2020}


@pytest.fixture
def aid_staff(county):
    """A 股室 account of the county with the 学生资助 domain."""
    return make_user("section_aid", Role.SECTION, divisions=[county.county], domains=[DOMAIN])


@pytest.fixture
def term(county):
    from emis.aid.services import term_for

    return term_for(2024, "autumn")


def school_class(county, school, grade):
    from emis.students.models import SchoolClass

    klass, _created = SchoolClass.objects.get_or_create(
        school=school, school_year=county.year, grade=grade, defaults={"name": f"{grade}班"}
    )
    return klass


_counter = {"n": 0}


def pupil(
    county,
    school,
    grade: str,
    *,
    name: str = "",
    boarder: bool = False,
    categories=(),
    recognised_on: dt.date = RECOGNISED,
    status: str = "enrolled",
    status_date: dt.date | None = None,
):
    """A pupil 在读 in `grade` at `school` in 2024 (enrolled on 2024-09-01), recognised in `categories`."""
    _counter["n"] += 1
    n = _counter["n"]
    birth = dt.date(_births[grade[0]], 1 + n % 12, 1 + n % 27)
    id_number = id_for(birth, GENDER_MALE)
    student = make_student(name or f"学生{n}", school, birth=birth, id_number=id_number, boarder=boarder)
    make_enrollment(student, school_class(county, school, grade), status=status, status_date=status_date)
    for category in categories:
        Recognition.objects.create(
            id_number=student.id_number,
            name=student.name,
            category=category,
            recognised_on=recognised_on,
            source=Source.CIVIL,
            county_code="421224",
            township_code=school.township.code,
        )
    return student


@pytest.fixture
def schools(county):
    """Besides A1 (primary) and A2 (junior): a 九年一贯制, a 十二年一贯制, a 中职 and a kindergarten."""
    return {
        "nine": make_school("2142000111", "通羊镇九年一贯制学校", "nine_year", county.township_a),
        "twelve": make_school("3142000211", "通羊镇十二年一贯制学校", "twelve_year", county.township_a),
        "vocational": make_school("3142000311", "通山县职业教育中心", "vocational", county.township_a),
        "kinder": make_school("1142000111", "通羊镇中心幼儿园", "kindergarten", county.township_a),
    }
