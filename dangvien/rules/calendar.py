"""Working days in Vietnam: weekends and public holidays (Tết included) excluded,
Saturdays worked in exchange for a bridge holiday included, as the `holidays`
package's Vietnam calendar says. Never a hand-written holiday list.
"""

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


def is_working_day(day: dt.date) -> bool:
    return bool(_calendar(day.year).is_working_day(day))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start itself not counted).

    "Within N working days of D" means on or before add_working_days(D, N).
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day = start
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count
