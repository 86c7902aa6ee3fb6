"""Helpers shared by views: the report date from the query string, 404 through the gate."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import parse_date


def today() -> dt.date:
    return timezone.localdate()


# The dates a report, a list or the alerts may be asked for: the records start in the
# 20th century; far ahead, working-day arithmetic would overflow `date` (9999-12-31).
LATEST_AS_OF = dt.date(2100, 12, 31)


def day_from(request, param: str = "date") -> tuple[dt.date, str | None]:
    """The date asked for in `?date=` (default today) and an error message if it was bad."""
    raw = request.GET.get(param, "").strip()
    if not raw:
        return today(), None
    try:
        day = parse_date(raw, field=_("Date"))
    except ValidationError as e:
        return today(), e.messages[0]
    if day > LATEST_AS_OF:
        return today(), _("%(d)s is too far ahead: choose a date up to %(last)s.") % {
            "d": day.strftime("%d/%m/%Y"),
            "last": LATEST_AS_OF.strftime("%d/%m/%Y"),
        }
    return day, None


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


def navigation(request) -> dict:
    """Context processor: what the menu offers. Asked only when a page's menu shows it
    (a callable: the template calls it), from the request's memoised scope."""
    from dangvien.accounts.scoping import writable_paths

    def can_import() -> bool:
        # Importing writes: leaders (who only read) are not offered the page (403).
        return request.user.is_authenticated and writable_paths(request.user) != []

    return {"can_import": can_import}
