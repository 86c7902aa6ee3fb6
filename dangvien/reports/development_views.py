"""The development report page: admissions in a period for a unit in scope."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from dangvien.accounts.audit import A, log
from dangvien.core.dates import parse_date
from dangvien.core.views import today

from .development import development, for_viewer
from .exports import table_response
from .views import asked_unit


def period(request) -> tuple[dt.date, dt.date, str | None]:
    """`?from=` and `?to=` (default: 1 January this year to today)."""
    end_default = today()
    try:
        start = (
            parse_date(request.GET.get("from", "").strip(), field=_("From"))
            if request.GET.get("from", "").strip()
            else dt.date(end_default.year, 1, 1)
        )
        end = (
            parse_date(request.GET.get("to", "").strip(), field=_("To"))
            if request.GET.get("to", "").strip()
            else end_default
        )
    except ValidationError as e:
        return dt.date(end_default.year, 1, 1), end_default, e.messages[0]
    end, error = up_to_today(start, end, end_default)
    if error:
        return dt.date(end_default.year, 1, 1), end_default, error
    if end < start:  # the error, and the default period rather than a day of zeros
        return dt.date(end_default.year, 1, 1), end_default, _("The period ends before it begins.")
    return start, end, None


def up_to_today(start: dt.date, end: dt.date, day: dt.date) -> tuple[dt.date, str | None]:
    """A period's end, no later than `day` (today): a report states what has happened, so
    one asked for the whole of this year is dated and counted to today. A period that has
    not begun yet is refused."""
    if start > day:
        return day, _("The period begins after today (%(d)s).") % {"d": f"{day:%d/%m/%Y}"}
    return min(end, day), None


def development_page(request):
    start, end, error = period(request)
    unit, wrong = asked_unit(request, end)
    error = error or wrong
    if unit is None:
        return render(request, "reports/development.html", {"error": _("You have no unit.")})
    if request.GET.get("format") == "xlsx" and not error:
        from .export_tasks import export

        log(A.EXPORT, unit, detail=f"development report {start}–{end} (xlsx)")
        return export(request, "development_xlsx", unit, {"start": str(start), "end": str(end)})
    report = for_viewer(request.user, development(unit, start, end))
    if request.GET.get("format") == "csv" and not error:
        log(A.EXPORT, unit, detail=f"development report {start}–{end}")
        return table_response(
            request.GET["format"],
            f"phat-trien-dang-vien-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}",
            [_("Grassroots organisation"), _("Code"), _("Admitted"), _("Includes")],
            [
                [r["name"], r["code"], r["admitted"], ", ".join(r["includes"])]
                for r in report.by_org
            ],
        )
    breakdowns = [
        (_("Sex"), report.by_sex),
        (_("Ethnicity"), report.by_ethnicity),
        (_("Religion"), report.by_religion),
        (_("Age at admission"), report.by_age),
        (_("Occupation"), report.by_occupation),
    ]
    if report.withheld:
        breakdowns = [(title, counts) for title, counts in breakdowns if counts]
    return render(
        request,
        "reports/development.html",
        {
            "r": report,
            "unit": unit,
            "start": start,
            "end": end,
            "error": error,
            "breakdowns": breakdowns,
        },
    )


SHOWN = 100  # places listed per section on the coverage page
PLACE = _lazy("Hamlet, village or residential group")
CELL = _lazy("Cell (within)")
# Each coverage list's columns: what its rows are, and what its second column says.
COVERAGE_COLUMNS = {
    "without_members": (PLACE, ""),
    "relapsed": (PLACE, _lazy("Members it had")),
    "at_risk": (PLACE, _lazy("Members")),
    "without_own_cell": (PLACE, _lazy("Shares the cell")),
    "cells_too_small": (CELL, _lazy("Full members")),
    "cells_due_committee": (CELL, _lazy("Full members")),
    "cells_living_elsewhere": (CELL, _lazy("Members")),
}


def coverage_page(request):
    from dangvien.core.views import day_from
    from dangvien.stats import fresh

    from .coverage import coverage

    day, error = day_from(request)
    since = None
    if request.GET.get("since", "").strip():
        try:
            since = parse_date(request.GET["since"].strip(), field=_("Since"))
        except ValidationError as e:
            error = e.messages[0]
    unit, wrong = asked_unit(request, day)
    error = error or wrong
    if unit is None:
        return render(request, "reports/coverage.html", {"error": _("You have no unit.")})
    if request.GET.get("format") == "xlsx" and not error:
        from .export_tasks import export

        log(A.EXPORT, unit, detail=f"coverage report {day} (xlsx)")
        params = {"day": str(day), "since": str(since) if since else None}
        return export(request, "coverage_xlsx", unit, params)
    # Kept until the rows change (`stats.fresh`): the report reads every member of the
    # subtree and their residence.
    c = fresh.cached("coverage", (unit.pk, day, since), lambda: coverage(unit, day, since))
    listed = [
        (
            "without_members",
            _("Hamlets, villages and residential groups with no member"),
            c.without_members,
        ),
        ("relapsed", _("Lost their members again (tái trắng)"), c.relapsed),
        ("at_risk", _("At risk: one or two members left, or all over 65"), c.at_risk),
        ("without_own_cell", _("Without their own cell (shared cell or none)"), c.without_own_cell),
        ("cells_too_small", _("Cells with fewer than 3 full members"), c.cells_too_small),
        (
            "cells_due_committee",
            _("Cells with 9 or more full members and no cell committee recorded"),
            c.cells_due_committee,
        ),
        (
            "cells_living_elsewhere",
            _("Residential cells whose members mostly live elsewhere"),
            c.cells_living_elsewhere,
        ),
    ]
    # Each list shows its first SHOWN places (a province has thousands of hamlets without
    # a member: the page would render them all on every visit); the cards count them all
    # and the PDF and the Excel file list them all.
    sections = [
        (key, title, rows, rows[:SHOWN], max(len(rows) - SHOWN, 0), *COVERAGE_COLUMNS[key])
        for key, title, rows in listed
    ]
    return render(
        request,
        "reports/coverage.html",
        {"c": c, "unit": unit, "day": day, "error": error, "sections": sections},
    )
