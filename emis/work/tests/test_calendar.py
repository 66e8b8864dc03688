"""Working-day arithmetic on China's official calendar, against known 调休 dates, and the administrator's table
for years the package does not know."""

import datetime as dt

import pytest

from emis.work.calendar import CalendarUnknown, WorkCalendar, package_years
from emis.work.declaration import DayUnit
from emis.work.models import CalendarDay, CalendarDayKind, CalendarYear

D = dt.date


@pytest.fixture
def cal(db):
    return WorkCalendar()


def test_the_package_knows_2004_to_2026():
    assert package_years() == range(2004, 2027)


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2021, 9, 26), True),  # Sunday, makeup working day for 国庆
        (D(2021, 10, 9), True),  # Saturday, makeup working day for 国庆
        *[(D(2021, 10, n), False) for n in range(1, 8)],  # 国庆 holidays, Friday 10-01 to Thursday 10-07
        (D(2021, 10, 8), True),  # Friday
        (D(2021, 10, 10), False),  # Sunday
        (D(2021, 9, 18), True),  # Saturday, makeup working day for 中秋
        (D(2021, 9, 20), False),  # Monday, 中秋 holiday
        (D(2021, 9, 21), False),  # Tuesday, 中秋
        (D(2021, 9, 22), True),
    ],
)
def test_known_tiaoxiu_dates(cal, day, working):
    assert cal.is_working_day(day) is working


def test_adding_working_days_across_national_day(cal):
    # From Thursday 09-30: 10-08 (Fri), 10-09 (makeup Sat), then Monday 10-11.
    assert cal.add(D(2021, 9, 30), 1) == D(2021, 10, 8)
    assert cal.add(D(2021, 9, 30), 2) == D(2021, 10, 9)
    assert cal.add(D(2021, 9, 30), 3) == D(2021, 10, 11)
    # From Saturday 09-25: the makeup Sunday 09-26 is the first working day.
    assert cal.add(D(2021, 9, 25), 1) == D(2021, 9, 26)
    assert cal.add(D(2021, 9, 24), 0) == D(2021, 9, 24)
    assert cal.add(D(2021, 9, 30), 3, DayUnit.CALENDAR) == D(2021, 10, 3)


def test_counting_and_subtracting_agree(cal):
    assert cal.count(D(2021, 9, 30), D(2021, 10, 11)) == 3
    assert cal.count(D(2021, 9, 24), D(2021, 10, 10)) == 7  # 09-26 (makeup Sunday) to 09-30, 10-08, 10-09
    assert cal.count(D(2021, 10, 11), D(2021, 10, 11)) == 0
    assert cal.count(D(2021, 10, 1), D(2021, 10, 7)) == 0
    for start in (D(2021, 9, 24), D(2021, 9, 30), D(2021, 10, 3)):
        for n in range(0, 12):
            end = cal.add(start, n)
            assert cal.count(start, end) == n
            # subtract(end, k) is the first day from which at most k working days remain.
            for k in range(0, n + 1):
                warn_from = cal.subtract(end, k)
                assert cal.count(warn_from, end) <= k
                assert cal.count(warn_from - dt.timedelta(days=1), end) > k or not cal.is_working_day(warn_from)


def test_a_year_nobody_entered_is_refused_with_a_clear_message(cal):
    with pytest.raises(CalendarUnknown) as info:
        cal.add(D(2026, 12, 28), 5)
    assert "2027年的法定节假日和调休安排尚未录入" in info.value.messages[0]
    assert "2004—2026" in info.value.messages[0]
    # Calendar days need no calendar.
    assert cal.add(D(2026, 12, 28), 5, DayUnit.CALENDAR) == D(2027, 1, 2)


def test_the_administrator_extends_and_overrides_the_package(db):
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕X号")
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D(2027, 1, 2), kind=CalendarDayKind.WORKDAY, name="元旦调休")
    # An override of a known year: 2026-12-28 (Monday) declared a holiday.
    CalendarDay.objects.create(date=D(2026, 12, 28), kind=CalendarDayKind.HOLIDAY, name="测试")
    cal = WorkCalendar()
    assert not cal.is_working_day(D(2026, 12, 28))
    assert not cal.is_working_day(D(2027, 1, 1))  # Friday, holiday
    assert cal.is_working_day(D(2027, 1, 2))  # Saturday, makeup
    assert not cal.is_working_day(D(2027, 1, 3))  # Sunday
    assert cal.is_working_day(D(2027, 1, 4))  # Monday, an ordinary weekday
    # From Thursday 2026-12-31: 01-02 (makeup Saturday), 01-04.
    assert cal.add(D(2026, 12, 31), 2) == D(2027, 1, 4)
    with pytest.raises(CalendarUnknown):
        cal.is_working_day(D(2028, 1, 3))


def test_one_query_per_calendar(db, django_assert_num_queries):
    cal = WorkCalendar()
    with django_assert_num_queries(2):
        cal.add(D(2021, 1, 1), 200)
        cal.add(D(2022, 1, 1), 200)
