"""Civil dates: parsing user input with Vietnamese errors; arithmetic from `civil`."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .civil import add_months, add_years, full_months, years_between

__all__ = ["add_months", "add_years", "full_months", "parse_date", "years_between"]


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
