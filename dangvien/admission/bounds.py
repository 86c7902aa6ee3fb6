"""Bounds on what a user may type into a step (ASVS V5): dates, vote counts, the step kinds
a user records, and who may approve an exception. Shared by the page form, the API
schema and `services.record`, so that each says the same thing in the same words."""

import datetime as dt

from django.utils.translation import gettext as _

from dangvien.core.text import search_key

from .models import Event

# No dossier, birth or step predates 1900; a step is recorded on the day or after it,
# with a day's slack either side of midnight for the time zones of a browser and server.
EARLIEST = dt.date(1900, 1, 1)
SLACK_DAYS = 2
# A cell's full members or a committee's members: far above the largest party
# organisation that votes as one body, far below any integer overflow.
MAX_VOTERS = 10_000
# What a user records: the listing is made by `list_candidate` (page or import) only.
RECORDABLE_KINDS = [k for k in Event.Kind if k != Event.Kind.LISTED]
VOTE_FIELDS = ("full_members", "present", "in_favour")


def latest(today: dt.date) -> dt.date:
    """The latest date a step or a birth may carry: the day after tomorrow."""
    return today + dt.timedelta(days=SLACK_DAYS)


def date_error(value: dt.date | None, today: dt.date) -> str | None:
    """Why a step's (or a birth) date makes no sense, or None."""
    if value is None:
        return None
    if value < EARLIEST:
        return _("The date %(d)s is before 1900.") % {"d": value.strftime("%d/%m/%Y")}
    if value > latest(today):
        return _("The date %(d)s is in the future.") % {"d": value.strftime("%d/%m/%Y")}
    return None


def vote_errors(full_members: int | None, present: int | None, in_favour: int | None) -> dict:
    """{field: message} for counts out of bounds or out of order (in favour ≤ present ≤
    full members, each from 0 to MAX_VOTERS)."""
    errors = {}
    values = {"full_members": full_members, "present": present, "in_favour": in_favour}
    for field, value in values.items():
        if value is not None and not 0 <= value <= MAX_VOTERS:
            errors[field] = _("Enter a number from 0 to %(max)s.") % {"max": MAX_VOTERS}
    if errors:
        return errors
    if present is not None and full_members is not None and present > full_members:
        errors["present"] = _("More members present than full members.")
    if in_favour is not None and present is not None and in_favour > present:
        errors["in_favour"] = _("More votes in favour than members present.")
    elif in_favour is not None and full_members is not None and in_favour > full_members:
        errors["in_favour"] = _("More votes in favour than full members.")
    return errors


def names_of(user) -> set[str]:
    """The ways a user may be written: user name, full name, either way round."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    first, last = user.first_name or "", user.last_name or ""
    names = {user.get_username(), f"{first} {last}", f"{last} {first}", first, last}
    return {search_key(n) for n in names if search_key(n)}


def self_approval_error(approved_by: str, user) -> str | None:
    """An exception is approved by someone other than who records it (a named committee
    or official, never the recording user themselves)."""
    if search_key(approved_by) in names_of(user):
        return _(
            "An exception is approved by someone other than who records it: name the "
            "committee or official who approved it, not yourself."
        )
    return None
