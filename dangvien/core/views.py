"""Helpers shared by views: the report date from the query string, 404 through the gate."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import parse_date


def today() -> dt.date:
    return timezone.localdate()


def day_from(request, param: str = "date") -> tuple[dt.date, str | None]:
    """The date asked for in `?date=` (default today) and an error message if it was bad."""
    raw = request.GET.get(param, "").strip()
    if not raw:
        return today(), None
    try:
        return parse_date(raw, field=_("Date")), None
    except ValidationError as e:
        return today(), e.messages[0]


def get_visible(queryset, **lookup):
    """One object from a visible_to() queryset, or 404 (never a hint that it exists).

    Asking for an existing object outside one's scope is logged as a denial.
    """
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        from dangvien.accounts.audit import A, log

        model = queryset.model
        try:
            hidden = model._default_manager.filter(**lookup).first()
        except (ValueError, TypeError):
            hidden = None
        if hidden is not None:
            log(A.DENIED, hidden, detail=f"404: outside scope ({model._meta.label_lower})")
        raise Http404(_("Not found, or outside your scope.")) from None
