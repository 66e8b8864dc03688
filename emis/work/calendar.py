"""Working days on China's official calendar, with its 调休 makeup working days.

The ``chinesecalendar`` package knows the State Council's arrangement for the years it ships (2004-2026 in 1.11.0);
the administrator extends it with CalendarDay rows (a holiday, or a makeup working day) and marks a year as entered
in full with a CalendarYear row. A date in a year that neither knows is refused with a Chinese message: a deadline
is never guessed. A CalendarDay row also overrides the package for its day (a late change of arrangement).

Day counting: a limit of N days started on day S ends on the N-th counting day after S (S itself not counted), so
3 working days from Thursday 2021-09-30 end on Monday 2021-10-11: the 国庆 holidays 10-01..07 and Sunday 10-10 do
not count, Friday 10-08 and the makeup Saturday 10-09 do (tests/test_calendar.py has the worked cases).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .declaration import DayUnit

ONE_DAY = dt.timedelta(days=1)


class CalendarUnknown(ValidationError):
    """A date in a year whose holiday arrangement nobody has entered."""


def package_years() -> range:
    """The years the installed chinesecalendar package knows."""
    from chinese_calendar import constants

    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


class WorkCalendar:
    """The calendar as of now: the package plus the administrator's rows, read in one query when first needed.

    Build one per service call or sweep (``WorkCalendar()``); it is not a cache across requests, so an
    administrator's change applies to the next deadline computed.
    """

    def __init__(self, overrides: dict[dt.date, bool] | None = None, entered_years: set[int] | None = None):
        # Tests pass both; otherwise they are read from the database when first needed.
        self._given = (overrides, entered_years) if overrides is not None or entered_years is not None else None

    @cached_property
    def _tables(self) -> tuple[dict[dt.date, bool], frozenset[int]]:
        if self._given is not None:
            overrides, years = self._given
            return dict(overrides or {}), frozenset(years or ())
        from .models import CalendarDay, CalendarDayKind, CalendarYear

        overrides = {
            day: kind == CalendarDayKind.WORKDAY for day, kind in CalendarDay.objects.values_list("date", "kind")
        }
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return overrides, years

    @cached_property
    def known_years(self) -> frozenset[int]:
        return frozenset(package_years()) | self._tables[1]

    def check_known(self, day: dt.date) -> None:
        if day.year not in self.known_years:
            years = sorted(self.known_years)
            raise CalendarUnknown(
                _(
                    "{year}年的法定节假日和调休安排尚未录入，无法按工作日计算期限（已知年份：{first}—{last}年）。"
                    "请系统管理员在“工作日历”中录入该年安排后再试。"
                ).format(year=day.year, first=years[0], last=years[-1]),
                code="calendar_unknown",
            )

    def is_working_day(self, day: dt.date) -> bool:
        overrides = self._tables[0]
        if day in overrides:
            return overrides[day]
        self.check_known(day)
        if day.year in package_years():
            import chinese_calendar

            return chinese_calendar.is_workday(day)
        # An entered year: weekdays work unless listed as holidays (the CalendarDay rows, read above).
        return day.weekday() < 5

    def add(self, start: dt.date, days: int, unit: str = DayUnit.WORKING) -> dt.date:
        """The day ``days`` counting days after ``start`` (``start`` not counted). 0 days: ``start`` itself."""
        if unit == DayUnit.CALENDAR:
            return start + dt.timedelta(days=days)
        day = start
        remaining = days
        while remaining > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def subtract(self, end: dt.date, days: int, unit: str = DayUnit.WORKING) -> dt.date:
        """The day from which ``end`` is ``days`` counting days away: the earliest day D with count(D, end) <= days."""
        if unit == DayUnit.CALENDAR:
            return end - dt.timedelta(days=days)
        day = end
        remaining = days
        while remaining > 0:
            if self.is_working_day(day):
                remaining -= 1
            day -= ONE_DAY
        return day

    def count(self, after: dt.date, until: dt.date, unit: str = DayUnit.WORKING) -> int:
        """Counting days d with after < d <= until (0 when until <= after)."""
        if until <= after:
            return 0
        if unit == DayUnit.CALENDAR:
            return (until - after).days
        return sum(1 for n in range(1, (until - after).days + 1) if self.is_working_day(after + dt.timedelta(n)))
