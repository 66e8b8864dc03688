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


def parse_years(text: str) -> list[int]:
    """School years' start years written as "2015-2021" (a range, both ends included), "2020", or a list of those
    separated by commas or spaces ("2015,2018-2020"). Raises ValueError naming the part it cannot read."""
    years: set[int] = set()
    for part in text.replace("，", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        first, dash, last = part.replace("–", "-").partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ValueError(part)
        start, end = int(first), int(last) if dash else int(first)
        if end < start:
            raise ValueError(part)
        years.update(range(start, end + 1))
    return sorted(years)
