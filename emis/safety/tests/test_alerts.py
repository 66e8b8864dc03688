"""Expiry alerts: opened exactly on the lead date (a driver turning 60 on a given day; insurance), due on the expiry
date, never twice, in the school's 待办, closed by the school's step; a driver's conditions."""

import datetime as dt

import pytest

from emis.core.access import Role
from emis.core.writes import Refused
from emis.safety import services
from emis.safety.models import ExpiryAlert
from emis.work.selectors import waiting_for

from .conftest import setup_fleet

pytestmark = pytest.mark.django_db

TURNS_60 = dt.date(2026, 8, 15)


def _kinds(alerts):
    return sorted(a.kind for a in alerts)


def test_a_driver_turning_60_is_alerted_exactly_on_the_lead_date(county, desk):
    setup_fleet(county)
    lead = services.lead_days()["age"]
    lead_date = TURNS_60 - dt.timedelta(days=lead)
    assert "age" not in _kinds(services.expiry_sweep(acting_user=desk, today=lead_date - dt.timedelta(days=1)))
    opened = [a for a in services.expiry_sweep(acting_user=desk, today=lead_date) if a.kind == "age"]
    assert len(opened) == 1
    alert = opened[0]
    assert alert.expires_on == TURNS_60 and alert.opened_on == lead_date
    assert alert.case.due_on == TURNS_60 and alert.case.state == "pending"


def test_insurance_alert_and_no_duplicate_on_a_second_sweep(county, desk):
    fleet = setup_fleet(county)
    lead_date = dt.date(2026, 3, 31) - dt.timedelta(days=services.lead_days()["insurance"])
    first = services.expiry_sweep(acting_user=desk, today=lead_date)
    assert [(a.kind, a.bus_id) for a in first] == [("insurance", fleet["bus"].pk)]
    assert services.expiry_sweep(acting_user=desk, today=lead_date) == []
    assert services.expiry_sweep(acting_user=desk, today=lead_date + dt.timedelta(days=5)) == []
    assert ExpiryAlert.objects.filter(kind="insurance").count() == 1


def test_a_renewed_date_is_alerted_again(county, desk):
    fleet = setup_fleet(county)
    services.expiry_sweep(acting_user=desk, today=dt.date(2026, 3, 15))
    bus = fleet["bus"]
    bus.insurance_expires = dt.date(2027, 3, 31)
    bus.save()
    again = services.expiry_sweep(acting_user=desk, today=dt.date(2027, 3, 1))
    assert ("insurance", dt.date(2027, 3, 31)) in [(a.kind, a.expires_on) for a in again]


def test_the_alert_waits_for_the_school_which_closes_it(county, desk):
    setup_fleet(county)
    (alert,) = services.expiry_sweep(acting_user=desk, today=dt.date(2026, 3, 1))
    school = county.users[Role.SCHOOL]
    assert waiting_for(school).filter(pk=alert.case_id).exists()
    services.alert_handle(alert=alert, acting_user=school, comment="已续保至2027年3月31日", today=dt.date(2026, 3, 20))
    alert.case.refresh_from_db()
    assert alert.case.state == "handled" and alert.case.closed_at is not None


def test_the_lead_days_are_a_setting(county, desk, settings):
    setup_fleet(county)
    settings.SAFETY_ALERT_LEAD_DAYS = {"insurance": 10}
    assert services.expiry_sweep(acting_user=desk, today=dt.date(2026, 3, 20)) == []
    assert _kinds(services.expiry_sweep(acting_user=desk, today=dt.date(2026, 3, 21))) == ["insurance"]


def test_a_driver_must_meet_the_conditions(county):
    fleet = setup_fleet(county)
    driver = fleet["driver"]
    with pytest.raises(Refused, match="60周岁"):
        services.driver_save(driver=driver, today=TURNS_60)
    services.driver_save(driver=driver, today=TURNS_60 - dt.timedelta(days=1))
    driver.driving_since = dt.date(2024, 1, 1)
    with pytest.raises(Refused, match="3年以上"):
        services.driver_save(driver=driver, today=dt.date(2025, 1, 1))
    driver.active = False
    services.driver_save(driver=driver, today=dt.date(2025, 1, 1))
