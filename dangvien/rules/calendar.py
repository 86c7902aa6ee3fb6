"""Working days in Vietnam: weekends and public holidays (Tết included) excluded,
Saturdays worked in exchange for a bridge holiday included, as the `holidays` package's
Vietnam calendar says. Never a hand-written holiday list.

The government announces its day swaps yearly; one the package does not know yet is
recorded by an administrator (`admission.CalendarDay`) and passed in here as data,
`overrides`: {date: True for a day worked, False for a day off}. No database here.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import holidays

Overrides = Mapping[dt.date, bool]


@lru_cache(maxsize=64)
def _calendar(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


@lru_cache(maxsize=64)
def _names(year: int) -> holidays.HolidayBase:
    """The same calendar with Vietnamese names, for people."""
    return holidays.Vietnam(years=year, language="vi")


@lru_cache(maxsize=8192)
def _working(day: dt.date) -> bool:
    """The package's answer for one day (the alerts of a province ask it ~65,000 times)."""
    return bool(_calendar(day.year).is_working_day(day))


def is_working_day(day: dt.date, overrides: Overrides | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    return _working(day)


def add_working_days(start: dt.date, n: int, overrides: Overrides | None = None) -> dt.date:
    """The n-th working day after `start` (start itself not counted).

    "Within N working days of D" means on or before add_working_days(D, N).
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    day = start
    remaining = n
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, overrides: Overrides | None = None) -> int:
    """Working days after `start` up to and including `end` (0 if end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day, overrides)
    return count


@dataclass(frozen=True)
class Skipped:
    day: dt.date
    reason: str  # "weekend", "holiday", "override"
    name: str = ""


def skipped_days(start: dt.date, end: dt.date, overrides: Overrides | None = None) -> list[Skipped]:
    """The days after `start` up to `end` not counted as working days, with why."""
    out = []
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides):
            continue
        if overrides and day in overrides:
            out.append(Skipped(day, "override"))
        elif day in _calendar(day.year):
            out.append(Skipped(day, "holiday", str(_names(day.year).get(day))))
        else:
            out.append(Skipped(day, "weekend"))
    return out


def worked_weekend_days(
    start: dt.date, end: dt.date, overrides: Overrides | None = None
) -> list[dt.date]:
    """Saturdays and Sundays after `start` up to `end` that are worked (swapped days)."""
    out = []
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5 and is_working_day(day, overrides):
            out.append(day)
    return out
