import datetime as dt
from decimal import Decimal

import pytest

from emis.core.access import Role
from emis.safety.apps import DOMAIN
from emis.testing import id_for, make_user

END_2024 = dt.date(2024, 12, 31)


def guard(school, name, *, licence="SB-0001", start=dt.date(2024, 1, 1), end=None, full_time=True, funding="county"):
    from emis.safety.models import Guard

    return Guard.objects.create(
        school=school,
        name=name,
        licence_no=licence,
        started_on=start,
        ended_on=end,
        full_time=full_time,
        funding=funding,
    )


def fact(school, kind, on, *, in_place=True, linked=True, channels=None):
    from emis.safety.models import SafetyFact

    return SafetyFact.objects.create(
        school=school,
        kind=kind,
        effective_on=on,
        in_place=in_place,
        linked_to_police=linked,
        channels=channels if channels is not None else (8 if kind == "video" else None),
    )


def setup_compliance(county):
    """The hand-computed fixture (see test_figures.test_compliance_by_hand):

    A1: one boarder, so it needs 3 guards; it has 2 licensed full-time guards in post on 2024-12-31 (a third has no
        licence, a fourth left in June). Closed campus, video and 护学岗 in force; its alarm was in place from
        2024-01-01 and superseded by a fact "out of order" on 2024-10-01.
    A2: everything in force, 2 guards.
    B1: no fact at all and no guard.
    """
    a1, a2 = county.school_a1, county.school_a2
    pupil = county.students["张三丰"]
    pupil.boarder = True
    pupil.save()
    for name in ("甲", "乙"):
        guard(a1, f"A1保安{name}")
    guard(a1, "A1保安丙", licence="")
    guard(a1, "A1保安丁", end=dt.date(2024, 6, 30))
    for name in ("甲", "乙"):
        guard(a2, f"A2保安{name}", funding="village_post")
    start = dt.date(2024, 1, 1)
    for school in (a1, a2):
        for kind in ("closed", "alarm", "video", "patrol"):
            fact(school, kind, start)
    fact(a1, "alarm", dt.date(2024, 10, 1), in_place=False)
    return county


def setup_buildings(county):
    """X (1000 ㎡) D in 2016, demolished 2017; Y (500 ㎡) D in 2016, reinforced 2018 and appraised B; Z (300 ㎡) D in
    2017, reinforced 2019 without a new appraisal (not eliminated); W (200 ㎡) graded C; V demolished in 2018 without
    a D grade (not counted)."""
    from emis.safety.models import Appraisal, Building

    def building(name, area, **kwargs):
        return Building.objects.create(school=county.school_a1, name=name, area=Decimal(area), **kwargs)

    x = building("X楼", "1000", fate="demolished", fate_on=dt.date(2017, 3, 1))
    y = building("Y楼", "500", fate="reinforced", fate_on=dt.date(2018, 6, 1))
    z = building("Z楼", "300", fate="reinforced", fate_on=dt.date(2019, 5, 1))
    w = building("W楼", "200")
    v = building("V楼", "150", fate="demolished", fate_on=dt.date(2018, 1, 1))
    Appraisal.objects.create(building=x, grade="D", appraised_on=dt.date(2016, 5, 1))
    Appraisal.objects.create(building=y, grade="D", appraised_on=dt.date(2016, 6, 1))
    Appraisal.objects.create(building=y, grade="B", appraised_on=dt.date(2018, 7, 1))
    Appraisal.objects.create(building=z, grade="D", appraised_on=dt.date(2017, 4, 1))
    Appraisal.objects.create(building=w, grade="C", appraised_on=dt.date(2017, 4, 1), affected_part="二楼走廊")
    Appraisal.objects.create(building=v, grade="B", appraised_on=dt.date(2015, 4, 1))
    return {"X": x, "Y": y, "Z": z, "W": w, "V": v}


def setup_fleet(county):
    """A1's bus (insurance to 2026-03-31, inspection due 2026-06-30) with its driver, born 1966-08-15 (60 on
    2026-08-15), licence to 2030; B1's bus, national standard from 2021, not filed."""
    from emis.safety.models import Bus, Driver

    bus = Bus.objects.create(
        school=county.school_a1,
        plate="鄂L·A0001",
        seats=35,
        national_standard=True,
        in_service_on=dt.date(2019, 9, 1),
        insurance_expires=dt.date(2026, 3, 31),
        inspection_due=dt.date(2026, 6, 30),
        gps=True,
        filed_on=dt.date(2019, 9, 10),
    )
    bus.schools.set([county.school_a1, county.school_a2])
    other = Bus.objects.create(
        school=county.school_b1,
        plate="鄂L·B0001",
        seats=19,
        national_standard=False,
        in_service_on=dt.date(2021, 3, 1),
        insurance_expires=dt.date(2027, 3, 31),
        inspection_due=dt.date(2027, 6, 30),
    )
    driver = Driver.objects.create(
        school=county.school_a1,
        bus=bus,
        name="王师傅",
        id_number=id_for(dt.date(1966, 8, 15), "1"),
        birth_date=dt.date(1966, 8, 15),
        licence_class="A1",
        licence_expires=dt.date(2030, 1, 1),
        driving_since=dt.date(1990, 1, 1),
    )
    return {"bus": bus, "other": other, "driver": driver}


@pytest.fixture
def desk(county):
    """A 股室 account of the county with the safety domain."""
    return make_user("section_safety", Role.SECTION, divisions=[county.county], domains=[DOMAIN])
