import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, log
from dangvien.accounts.scoping import personal_everywhere, roles_for
from dangvien.core.dates import parse_date
from dangvien.core.views import LATEST_AS_OF, day_from
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import resolve_unit
from dangvien.stats import fresh

from .structure import (
    BREAKDOWN_TITLES,
    HEADLINE,
    ORG_KEYS,
    carried_over,
    compare_headline,
    compare_rows,
    grassroots_rows,
    structure,
    withheld_pair,
    withheld_rows,
)


def default_unit(user) -> OrgUnit | None:
    """The top of the user's scope: the shallowest unit they may see, open today if any."""
    visible = OrgUnit.objects.visible_to(user).order_by("depth", "path")
    return visible.on(timezone.localdate()).first() or visible.first()


def asked_unit(request, day: dt.date | None = None) -> tuple[OrgUnit | None, str | None]:
    """The unit asked for in `?unit=` among those the user sees, or the top of their
    scope: a code (a link, a bookmark) or the name the picker offers (`resolve_unit`, on
    `day`, default today); with an error message when nothing in scope answers to it."""
    typed = request.GET.get("unit", "").strip()[:300]
    if not typed:
        return default_unit(request.user), None
    visible = OrgUnit.objects.visible_to(request.user)
    unit = resolve_unit(visible, typed, day or timezone.localdate())
    if unit is not None:
        return unit, None
    if " " not in typed and typed.replace("-", "").replace("_", "").isalnum():
        # (one word: a code from a link, or a name cut short; said as typed)
        error = _(
            "No unit in your scope has the code or name “%(typed)s”: pick one from the list."
        ) % {"typed": typed}
    else:
        error = _("No unit in your scope is called “%(name)s”: pick one from the list.") % {
            "name": typed
        }
    return default_unit(request.user), error


def compare_from(request) -> tuple[dt.date | None, str | None]:
    """The second date of `?compare=` (none if empty), with an error naming that field."""
    raw = request.GET.get("compare", "").strip()
    if not raw:
        return None, None
    try:
        day = parse_date(raw, field=_("Compare with"))
    except ValidationError as e:
        return None, e.messages[0]
    if day > LATEST_AS_OF:
        return None, _("%(d)s is too far ahead: choose a date up to %(last)s.") % {
            "d": day.strftime("%d/%m/%Y"),
            "last": LATEST_AS_OF.strftime("%d/%m/%Y"),
        }
    return day, None


ORGS_SHOWN = 100


def org_rows_of(unit: OrgUnit, day: dt.date):
    """`grassroots_rows`, kept until the rows change (`stats.fresh`): the table counts
    the members' stints of the whole subtree (a province's: tens of thousands), which
    the precomputed counts do not hold per grassroots organisation."""
    return fresh.cached("grassroots", (unit.pk, day), lambda: grassroots_rows(unit, day))


def statistics(request):
    day, error = day_from(request)
    unit, wrong = asked_unit(request, day)
    error = error or wrong
    if unit is None:
        return render(request, "reports/statistics.html", {"error": _("You have no unit.")})
    compare_day, compare_error = compare_from(request)
    error = error or compare_error
    if compare_day == day:
        compare_day = None
    if request.GET.get("format") == "xlsx" and not error:
        from .export_tasks import export

        span = f"{min(day, compare_day).isoformat()}-" if compare_day else ""
        log(A.EXPORT, unit, detail=f"structure statistics {span}{day.isoformat()} (xlsx)")
        params = {"day": str(day), "compare": str(compare_day) if compare_day else None}
        return export(request, "structure_xlsx", unit, params)
    result = structure(unit, day)
    other = structure(unit, compare_day) if compare_day else None
    names_only = not personal_everywhere(request.user, under=unit.path)
    if names_only:
        result, other = withheld_pair(result, other)
    # Both dates side by side, the earlier first; the change is later − earlier.
    earlier, later = (other, result) if other is None or other.day < day else (result, other)
    headline = [
        (label, result.figures[key], result.pct[key])
        for key, label in HEADLINE
        if key in result.figures  # (not a figure withheld)
    ]
    breakdowns = [(BREAKDOWN_TITLES[k], rows) for k, rows in result.breakdowns.items()]
    orgs = org_rows_of(later.unit, later.day)
    if names_only:
        orgs = withheld_rows(orgs)
    compared = None
    if other is not None:
        compared = {
            "a": earlier.day,
            "b": later.day,
            "headline": compare_headline(earlier, later),
            "breakdowns": [
                (BREAKDOWN_TITLES[k], compare_rows(earlier.breakdowns[k], rows))
                for k, rows in later.breakdowns.items()
            ],
        }
    before = carried_over(org_rows_of(unit, earlier.day), later.day) if other else {}
    # The first ORGS_SHOWN organisations in tree order: a province has hundreds, the
    # country thousands, and the Excel file lists them all; the total counts them all.
    org_rows = [
        {
            "org": o,
            "before": before.get(o.code, 0),
            "change": o.members - before.get(o.code, 0),
            "cells": [(o.figures[k], o.pct[k]) for k, _label in ORG_KEYS],
        }
        for o in orgs[:ORGS_SHOWN]
    ]
    org_total = sum(o.members for o in orgs)
    return render(
        request,
        "reports/statistics.html",
        {
            "s": result,
            "later": later,
            "unit": unit,
            "day": day,
            "compare_day": compare_day,
            "compare_raw": request.GET.get("compare", "").strip(),
            "error": error,
            "headline": headline,
            "breakdowns": breakdowns,
            "compared": compared,
            "orgs": org_rows,
            "org_total": org_total,
            "org_count": len(orgs),
            "org_more": max(0, len(orgs) - ORGS_SHOWN),
            "org_total_before": sum(before.values()),
            "org_labels": [label for _key, label in ORG_KEYS],
        },
        status=200,
    )


def home(request):
    unit = default_unit(request.user)
    day, _error = day_from(request)
    result = structure(unit, day) if unit else None
    roles = (
        roles_for(request.user, False).select_related("unit")
        if request.user.is_authenticated
        else []
    )
    pipeline = None
    if unit:
        from dangvien.admission.models import Candidate
        from dangvien.admission.views import communes_with_lists

        open_ = Candidate.objects.visible_to(request.user).filter(cell__path__startswith=unit.path)
        with_list, communes = communes_with_lists(unit, day)
        pipeline = {
            "active": open_.not_yet_admitted().count(),
            "admitted": open_.admitted_open().count(),
            "with_list": with_list,
            "communes": communes,
        }
    # A notice for the officers of a unit formed by a merge: what they now see, and since when.
    merged = [
        {"unit": r.unit, "since": r.unit.valid_from, "from": list(r.unit.predecessors.all())}
        for r in roles
        if r.unit.predecessors.exists()
    ]
    return render(
        request,
        "home.html",
        {
            "unit": unit,
            "s": result,
            "day": day,
            "roles": roles,
            "pipeline": pipeline,
            "merged": merged,
        },
    )
