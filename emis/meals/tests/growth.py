"""One more row of a meals model inside the small county, for tests/test_pages.py's query-count test (_grow)."""

import datetime as dt
from decimal import Decimal

from emis.core.access import Role
from emis.testing import make_school


def grow(model, county, i: int) -> None:
    from emis.meals.models import DailyStandard, MonthlyReport, Participation, SchoolDays
    from emis.meals.services import reports_open

    if model is DailyStandard:
        DailyStandard.objects.create(effective_from=dt.date(2040, 1, 1) + dt.timedelta(days=i), amount=Decimal("5"))
    elif model is SchoolDays:
        SchoolDays.objects.create(month=dt.date(2040 + i // 12, i % 12 + 1, 1), days=20)
    elif model in (Participation, MonthlyReport):
        school = make_school(f"21423{10000 + i:05d}", f"营养餐学校{i}", "primary", county.township_b)
        Participation.objects.create(school=school, scheme="national", start_date=dt.date(2012, 3, 1))
        if model is MonthlyReport:
            reports_open(
                month=dt.date(2024, 10, 1),
                acting_user=county.users[Role.ADMIN],
                today=dt.date(2024, 11, 1),
                schools=[school],
            )
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
