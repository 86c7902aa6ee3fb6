"""The dashboard: the committee's questions on one page, for the board and leaders."""

import datetime as dt

from django.db.models import Count, Min, Q
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import personal_everywhere, prefix_q
from dangvien.core.civil import add_months
from dangvien.core.views import today
from dangvien.membership.models import Stint, member_on_q
from dangvien.orgs.models import OrgUnit, with_predecessors
from dangvien.stats import fresh
from dangvien.stats import read as stats
from dangvien.stats.series import on_days

from .charts import bar_chart, hbar_chart, line_chart
from .coverage import coverage
from .development import admissions_by_month
from .views import asked_unit

# The structure breakdowns the dashboard charts, in order (keys of `structure()`).
STRUCTURE_CHARTS = ["sex", "age", "ethnicity", "general_education", "political_theory"]
HISTORY_FROM = 2010  # the first year the chart of members shows, if records reach it
WEEK = 7


def twelve_months(day: dt.date) -> dt.date:
    """The first day of the twelve months that end with `day`'s month."""
    return add_months(day.replace(day=1), -11)


def members_on(unit: OrgUnit, day: dt.date) -> int:
    return Stint.objects.members_on(day).in_subtree(unit).count()


def members_on_days(
    unit: OrgUnit, days: list[dt.date], seen: frozenset[int] = frozenset()
) -> dict[dt.date, int]:
    """The members of `unit`'s history on each of `days`: its own subtree's from the day
    it began, and before that its predecessors' (a ward formed by the 2025 merges carries
    the history of the wards it replaced: its chart does not start from 0 in 2025). The
    predecessors' members on a day before the unit began are in none of its own units,
    so nobody is counted twice."""
    counts = own_members_on_days(unit, days)
    before = sorted({d for d in days if d < unit.valid_from})
    if before:
        seen = seen | {unit.pk}  # (a loop of successors, were one recorded, ends here)
        for earlier in history_sources(unit).exclude(pk__in=seen):
            for d, n in members_on_days(earlier, before, seen).items():
                counts[d] += n
    return counts


def history_sources(unit: OrgUnit):
    """The units whose members were `unit`'s before it began: the units it replaced, and
    those that units of its subtree formed the same day replaced from elsewhere (the 2025
    reform moved the city's school cells under the new wards: without them phường
    Pleiku's chart jumped by their 100 members on 01/07/2025). A unit under another of
    them is left out: its members are counted with it."""
    born = OrgUnit.objects.filter(valid_from=unit.valid_from, path__startswith=unit.path)
    found = list(OrgUnit.objects.filter(Q(successors=unit) | Q(successors__in=born)).distinct())
    paths = sorted({u.path for u in found})
    top = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return OrgUnit.objects.filter(pk__in=[u.pk for u in found if u.path in top])


def history_start(unit: OrgUnit, day: dt.date) -> int:
    """The first year of the chart of members: the first stint of the unit's subtree or of
    a predecessor's (before HISTORY_FROM, HISTORY_FROM)."""
    ids = with_predecessors({unit.pk})
    paths = list(OrgUnit.objects.filter(pk__in=ids).values_list("path", flat=True))
    stints = Stint.objects.filter(prefix_q("unit__path", paths))
    if stints.filter(start_on__lt=dt.date(HISTORY_FROM, 1, 1)).exists():
        return HISTORY_FROM  # records reach further back: no need for the first
    first = stints.aggregate(first=Min("start_on"))["first"]
    return max(HISTORY_FROM, first.year if first else day.year)


def own_members_on_days(unit: OrgUnit, days: list[dt.date]) -> dict[dt.date, int]:
    """`members_on(unit, day)` for each of `days` in one query: a superior committee's
    from its precomputed counts, any other unit's in one pass over its stints."""
    if stats.covers(unit):
        return on_days(unit.pk, "members", days)
    days = sorted(set(days))
    counts = Stint.objects.in_subtree(unit).aggregate(
        **{
            f"d{i}": Count(
                "id",
                filter=Q(start_on__lte=day)
                & (Q(end_on__isnull=True) | Q(end_on__gt=day))
                & member_on_q(day, "membership__"),
            )
            for i, day in enumerate(days)
        }
    )
    return {day: counts[f"d{i}"] for i, day in enumerate(days)}


def dashboard(request):
    from dangvien.admission.models import Candidate, Stage
    from dangvien.records.transfers import touching, transfer_alerts, visible_transfers
    from dangvien.targets.models import Term
    from dangvien.targets.pace import targets_report

    day = today()
    unit, wrong = asked_unit(request)
    if unit is None:
        return render(request, "reports/dashboard.html", {"error": _("You have no unit.")})
    names_only = not personal_everywhere(request.user, under=unit.path)
    year_start = dt.date(day.year, 1, 1)
    term = Term.objects.filter(unit=unit, start__lte=day, end__gte=day).first()
    # Members on 1 January of each year, then today (with the term's first day: one query).
    start_year = history_start(unit, day)
    years = [dt.date(y, 1, 1) for y in range(start_year, day.year + 1)] + [day]
    counts = members_on_days(unit, [*years, year_start, *([term.start] if term else [])])
    now = counts[day]
    figures = {
        "members": now,
        "since_year": now - counts[year_start],
        "since_term": now - counts[term.start] if term else None,
    }
    history = [(str(d.year) if d != day else _("today"), counts[d]) for d in years]
    # Admissions per month over the last twelve months, against the pace a target needs.
    since = twelve_months(day)
    by_month = admissions_by_month(unit, since, day)
    paces = targets_report(unit, day, metrics=["ADMITTED"])
    own = [p for p in paces if p.target.unit_id == unit.pk and p.target.metric == "ADMITTED"]
    needed = own[0].needed_per_month if own else None
    months = month_labels(since, day)
    per_month = {m["month"]: m["admitted"] for m in by_month}
    admissions = [(m, per_month.get(m, 0)) for m in months]
    children = [
        p for p in paces if p.target.metric == "ADMITTED" and p.target.unit.parent_id == unit.pk
    ]
    # Pipeline, coverage and this week's alerts.
    candidates = Candidate.objects.visible_to(request.user).filter(cell__path__startswith=unit.path)
    by_stage = fresh.cached(
        "stages",
        (request.user.pk, unit.pk),
        lambda: dict(candidates.active().values_list("stage").annotate(n=Count("id")).order_by()),
    )
    stages = [
        (label, by_stage.get(value, 0)) for value, label in Stage.choices if value in by_stage
    ]
    # The slow parts, kept until the rows change (`stats.fresh`), in the small form the
    # page shows: the gaps' counts, the first alerts of the week and how many there are.
    gaps = fresh.cached("gaps", (unit.pk, day), lambda: gap_counts(unit, day))
    week, week_count = fresh.cached(
        "week", (request.user.pk, unit.pk, day), lambda: week_alerts(candidates, day)
    )
    # Transfers of the unit (sent or to be received) not received in the legal time, as
    # the alerts page words them.
    moves, moves_count = fresh.cached(
        "moves",
        (request.user.pk, unit.pk, day),
        lambda: week_moves(
            transfer_alerts(touching(unit, visible_transfers(request.user)), day), day
        ),
    )
    charts = {
        "members": mark_safe(  # noqa: S308 — built from numbers and escaped labels
            line_chart(
                _("Members on 1 January of each year"),
                [d[:10][-4:] for d, _n in history],
                [n for _d, n in history],
            )
        ),
        "admissions": mark_safe(  # noqa: S308
            bar_chart(
                _("Admissions per month"),
                [m[5:] + "/" + m[2:4] for m in months],
                [n for _m, n in admissions],
                marks=[needed] * len(months) if needed else None,
            )
        ),
        "targets": mark_safe(  # noqa: S308
            bar_chart(
                _("Share of the term's admission target, by unit"),
                [chart_label(p.target.unit.name) for p in children],
                [p.pct or 0 for p in children],
            )
        )
        if children
        else "",
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            "structure": fresh.cached(
                "structure_charts",
                (unit.pk, day, names_only),
                lambda: structure_charts(unit, day, names_only),
            ),
            "unit": unit,
            "wrong": wrong,  # the unit asked for is not one the user sees: theirs instead
            "day": day,
            "figures": figures,
            "term": term,
            "own": own[0] if own else None,
            "needed": needed,
            "history": history,
            "admissions": admissions,
            "children": children,
            "stages": stages,
            "gaps": gaps,
            "week": week,
            "week_total": week_count + moves_count,
            "moves": moves,
            "charts": charts,
        },
    )


GAPS = ["without_members", "without_own_cell", "at_risk", "cells_too_small"]
SHOWN = 20  # alerts listed on the page (the count says how many there are)


# The words a unit's name starts with that a chart's axis leaves out, the table beside it
# naming the unit in full: 'Đảng bộ phường Hội Phú' is 'Hội Phú' under its bar.
NAME_PREFIXES = ("Đảng bộ bộ phận ", "Đảng bộ ", "Chi bộ ", "phường ", "xã ", "thị trấn ")


def chart_label(name: str) -> str:
    """A unit's name short enough for a bar of a chart, never its code."""
    for prefix in NAME_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            name = name[len(prefix) :]
    return name or "–"


def gap_counts(unit: OrgUnit, day: dt.date) -> dict[str, int]:
    """How many localities or cells each of the coverage gaps the page counts holds."""
    gaps = coverage(unit, day, gaps_only=True)
    return {name: len(getattr(gaps, name)) for name in GAPS}


def week_alerts(candidates, day: dt.date) -> tuple[list[dict], int]:
    """The alerts overdue or due within the week, most urgent first: the first `SHOWN`
    as the page lists them, and their number."""
    from dangvien.admission.deadlines import alerts

    week = [
        a
        for a in alerts(candidates, day)
        if a.due is not None and (a.overdue or a.due <= day + dt.timedelta(days=WEEK))
    ]
    shown = [
        {
            "candidate_id": a.candidate.pk,
            "name": a.candidate.person.full_name,
            "message": a.message,
            "due": a.due,
            "overdue": a.overdue,
        }
        for a in week[:SHOWN]
    ]
    return shown, len(week)


def week_moves(alerts, day: dt.date) -> tuple[list[dict], int]:
    """The transfers overdue or due within the week: the first `SHOWN` as the page lists
    them, and their number."""
    week = [m for m in alerts if m.overdue or m.due <= day + dt.timedelta(days=WEEK)]
    shown = [
        {
            "person_id": m.transfer.membership.person_id,
            "name": m.transfer.membership.person.full_name,
            "message": m.message,
            "due": m.due,
            "overdue": m.overdue,
        }
        for m in week[:SHOWN]
    ]
    return shown, len(week)


def month_labels(start: dt.date, end: dt.date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def structure_charts(unit: OrgUnit, day: dt.date, names_only: bool = False) -> list[dict]:
    """The members' structure on `day`: one horizontal bar chart per breakdown (count and
    share of each category), each with the rows of its table (`names_only`: as a role
    that sees names only may see them, `structure.withheld`)."""
    from .structure import BREAKDOWN_TITLES, structure, withheld

    s = structure(unit, day)
    if names_only:
        s = withheld(s)
    out = []
    for key in STRUCTURE_CHARTS:
        rows = [r for r in s.breakdowns.get(key, []) if r.count]
        if not rows:
            continue
        title = str(BREAKDOWN_TITLES[key])
        out.append(
            {
                "key": key,
                "title": title,
                "rows": [(str(r.label), r.count, r.pct) for r in rows],
                "chart": mark_safe(  # noqa: S308 — built from numbers and escaped labels
                    hbar_chart(
                        title,
                        [str(r.label) for r in rows],
                        [r.count for r in rows],
                        shares=[r.pct for r in rows],
                    )
                ),
            }
        )
    return out
