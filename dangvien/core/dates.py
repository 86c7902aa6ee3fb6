"""Civil dates: parsing user input with Vietnamese errors, ages, working days."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def parse_date(value: str | None, *, field: str = "") -> dt.date:
    """A date written dd/mm/yyyy or yyyy-mm-dd; anything else is a ValidationError."""
    text = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year < 1900:
            break
        return parsed
    label = f"{field}: " if field else ""
    raise ValidationError(
        _("%(label)s“%(value)s” is not a valid date (write dd/mm/yyyy, e.g. 30/11/2017).")
        % {"label": label, "value": text}
    )


def years_between(born: dt.date, on: dt.date) -> int:
    """Full years from `born` to `on` (age on a day)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


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
