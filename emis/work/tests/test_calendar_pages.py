"""The working-day calendar's pages: the administrator enters a year the chinesecalendar package does not know, and
deadlines in that year are counted from then on; nobody else writes the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from emis.core.access import Role
from emis.work.calendar import CalendarUnknown, WorkCalendar
from emis.work.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

UNKNOWN_YEAR = 2099


def test_an_entered_year_is_counted_after_the_administrator_enters_it(county, client):
    calendar_before = WorkCalendar()
    with pytest.raises(CalendarUnknown) as refused:
        calendar_before.add(dt.date(UNKNOWN_YEAR, 9, 30), 1)
    assert "工作日历" in str(refused.value.message)

    client.force_login(county.users[Role.ADMIN])
    response = client.post(reverse("work:calendaryear_add"), {"year": UNKNOWN_YEAR, "source": "国办发明电〔2098〕1号"})
    assert response.status_code == 302
    response = client.post(
        reverse("work:calendarday_add"), {"date": f"{UNKNOWN_YEAR}-10-01", "kind": "holiday", "name": "国庆节"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=dt.date(UNKNOWN_YEAR, 10, 1), kind="holiday").exists()

    # 2099-09-30 is a Wednesday; 10-01 (Thursday) is now a holiday, so one working day later is Friday 10-02.
    assert WorkCalendar().add(dt.date(UNKNOWN_YEAR, 9, 30), 1) == dt.date(UNKNOWN_YEAR, 10, 2)

    listing = client.get(reverse("work:calendarday_list"))
    assert listing.status_code == 200 and "国庆节" in listing.content.decode()


@pytest.mark.parametrize("role", [Role.LEADER, Role.SECTION, Role.TOWNSHIP, Role.SCHOOL, Role.CITY])
def test_only_the_administrator_writes_the_calendar(county, client, role):
    client.force_login(county.users[role])
    assert client.get(reverse("work:calendarday_list")).status_code == 200
    response = client.post(reverse("work:calendaryear_add"), {"year": UNKNOWN_YEAR})
    assert response.status_code == 404
    assert not CalendarYear.objects.filter(year=UNKNOWN_YEAR).exists()
