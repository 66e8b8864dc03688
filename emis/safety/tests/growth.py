"""One more row of a safety model inside the small county, for tests/test_pages.py's query-count test (_grow)."""

import datetime as dt
from decimal import Decimal

from emis.core.access import Role
from emis.testing import id_for


def grow(model, county, i: int) -> None:
    from emis.safety.models import Appraisal, Building, Bus, Driver, ExpiryAlert, Guard, SafetyFact
    from emis.safety.services import expiry_sweep

    school = county.school_b1
    day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
    if model is SafetyFact:
        SafetyFact.objects.create(school=school, kind="closed", effective_on=day)
    elif model is Guard:
        Guard.objects.create(school=school, name=f"保安{i}", licence_no=f"B{i}", funding="county", started_on=day)
    elif model in (Building, Appraisal):
        building = Building.objects.create(school=school, name=f"校舍{i}", area=Decimal("100"))
        if model is Appraisal:
            Appraisal.objects.create(building=building, grade="B", appraised_on=day)
    elif model in (Bus, Driver, ExpiryAlert):
        bus = Bus.objects.create(
            school=school,
            plate=f"鄂L·G{i:04d}",
            seats=19,
            in_service_on=day,
            insurance_expires=dt.date(2030, 1, 1) + dt.timedelta(days=i),
        )
        bus.schools.set([school, county.school_a1])
        if model is Driver:
            Driver.objects.create(
                school=school,
                bus=bus,
                name=f"司机{i}",
                id_number=id_for(dt.date(1980, 1, 1), "1"),
                birth_date=dt.date(1980, 1, 1),
                licence_expires=dt.date(2035, 1, 1),
                driving_since=dt.date(2000, 1, 1),
            )
        if model is ExpiryAlert:
            expiry_sweep(acting_user=county.users[Role.ADMIN], today=dt.date(2029, 12, 20) + dt.timedelta(days=i))
    else:
        raise AssertionError(f"no way to add rows of {model.__name__}")
