import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.meals.apps import DOMAIN
from emis.testing import make_user


def month(year, number):
    return dt.date(year, number, 1)


def setup_programme(county, *, days=20, months=((2024, 9), (2024, 10), (2024, 11), (2024, 12))):
    """The small county's three schools take part (A1 and A2 地方试点, B1 国家试点) from 2020 at 4元, and the
    county's default 供餐天数 in the autumn of 2024."""
    from emis.meals.models import DailyStandard, Participation, SchoolDays

    DailyStandard.objects.create(effective_from=dt.date(2011, 9, 1), amount=Decimal("3.00"))
    DailyStandard.objects.create(effective_from=dt.date(2014, 11, 1), amount=Decimal("4.00"))
    for school, scheme in ((county.school_a1, "local"), (county.school_a2, "local"), (county.school_b1, "national")):
        Participation.objects.create(school=school, scheme=scheme, start_date=dt.date(2020, 3, 1))
    for year, number in months:
        SchoolDays.objects.create(month=month(year, number), days=days)


@pytest.fixture
def programme(county):
    setup_programme(county)
    return county


@pytest.fixture
def desk(county):
    """A 股室 account of the county with the meals domain."""
    return make_user("section_meals", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
