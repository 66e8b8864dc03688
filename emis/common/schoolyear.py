"""School-year dates: a 学年 starts on 1 September; the census date (统计时点) is 1 September."""

import datetime as dt


def school_year_start(year: int) -> dt.date:
    return dt.date(year, 9, 1)


def school_year_end(year: int) -> dt.date:
    return dt.date(year + 1, 8, 31)


def school_year_of(day: dt.date) -> int:
    return day.year if day >= dt.date(day.year, 9, 1) else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}-{year + 1}"


def age_on(birth: dt.date, day: dt.date) -> int:
    """Full years (周岁) on a given day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
