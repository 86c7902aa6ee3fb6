"""Civil-date arithmetic with no Django: ages, months, anniversaries."""

import datetime as dt


def years_between(born: dt.date, on: dt.date) -> int:
    """Full years from `born` to `on` (age on a day)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def full_months(start: dt.date, on: dt.date) -> int:
    """Full months from `start` to `on`; a month is complete on the same day-of-month
    (or the month's last day when it is shorter)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if months > 0 and add_months(start, months) > on:
        months -= 1
    return months


def add_years(day: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
