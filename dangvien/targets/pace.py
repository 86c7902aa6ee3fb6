"""Pace and forecast of every target: actual to date, share of the target, share of the
term elapsed, the monthly rate still needed, and whether the current rate meets it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangvien.admission.models import CLOSED, Candidate
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Position
from dangvien.reports.coverage import HEAD_POSITIONS, coverage
from dangvien.reports.development import admitted_count

from .models import SHARES, Metric, Target

OFFICIALS = (
    Position.Kind.COMMUNE_POLICE,
    Position.Kind.TEAM_LEADER,
    Position.Kind.FRONT_HEAD,
    Position.Kind.MASS_ORG_HEAD,
)
DAYS_PER_MONTH = Decimal("30.44")


class Forecast(models.TextChoices):
    MET = "met", _("met")
    ON_TRACK = "on track", _("on track")
    BEHIND = "behind", _("behind")
    NO_DATA = "no data", _("no data")


@dataclass
class Pace:
    target: Target
    actual: float | None
    pct: float | None
    elapsed_pct: float
    needed_per_month: float | None
    forecast: Forecast

    def as_json(self) -> dict:
        t = self.target
        return {
            "metric": t.metric,
            "metric_name": str(t.get_metric_display()),
            "unit": t.unit.code,
            "unit_name": t.unit.name,
            "term": t.term.name,
            "target": float(t.value),
            "actual": self.actual,
            "pct": self.pct,
            "elapsed_pct": self.elapsed_pct,
            "needed_per_month": self.needed_per_month,
            "forecast": self.forecast,
            "forecast_name": str(Forecast(self.forecast).label),
        }


class Actuals:
    """The actual figure of each metric for a unit on a day, each report computed once."""

    def __init__(self, day: dt.date):
        self.day = day
        self._coverage: dict[int, object] = {}

    def coverage(self, unit: OrgUnit):
        if unit.pk not in self._coverage:
            self._coverage[unit.pk] = coverage(unit, self.day)
        return self._coverage[unit.pk]

    def of(self, target: Target) -> float | None:
        unit, term, day = target.unit, target.term, self.day
        metric = target.metric
        if metric == Metric.ADMITTED:
            return admitted_count(unit, term.start, min(day, term.end))
        if metric == Metric.SOURCE_LIST:
            return (
                Candidate.objects.filter(cell__path__startswith=unit.path, listed_on__lte=day)
                .filter(Q(stage_since__gt=day) | ~Q(stage__in=CLOSED))
                .count()
            )
        c = self.coverage(unit)
        if metric == Metric.CELL_COMMITTEES:  # of the cells serving localities
            return share(c.residential_committees, len(c.residential_cells))
        if metric == Metric.OWN_CELL:
            return share(len(c.localities) - len(c.without_own_cell), len(c.localities))
        if metric == Metric.LOCAL_MEMBERS:
            residential = len(c.residential_cells)
            return share(residential - len(c.cells_living_elsewhere), residential)
        kinds = HEAD_POSITIONS if metric == Metric.HEADS_MEMBERS else OFFICIALS
        rows = [p for p in c.positions if p["code"] in kinds]
        return share(sum(p["members"] for p in rows), sum(p["holders"] for p in rows))


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def pace(target: Target, day: dt.date, actuals: Actuals | None = None) -> Pace:
    actuals = actuals or Actuals(day)
    term = target.term
    length = (term.end - term.start).days or 1
    elapsed = min(max((day - term.start).days, 0), length)
    elapsed_pct = round(100 * elapsed / length, 1)
    actual = actuals.of(target)
    goal = float(target.value)
    if actual is None:
        return Pace(target, None, None, elapsed_pct, None, Forecast.NO_DATA)
    pct = round(100 * actual / goal, 1) if goal else None
    if actual >= goal:
        forecast, needed = Forecast.MET, 0.0
    elif target.metric in SHARES:
        forecast, needed = Forecast.BEHIND, None
    else:
        months_left = max(Decimal((term.end - day).days) / DAYS_PER_MONTH, Decimal(1))
        needed = round(float(Decimal(str(goal - actual)) / months_left), 1)
        projected = actual * length / elapsed if elapsed else 0
        forecast = Forecast.ON_TRACK if projected >= goal else Forecast.BEHIND
    return Pace(target, actual, pct, elapsed_pct, needed, forecast)


ORDER = {Forecast.BEHIND: 0, Forecast.ON_TRACK: 1, Forecast.NO_DATA: 2, Forecast.MET: 3}


def targets_report(unit: OrgUnit, day: dt.date, metrics: list[str] | None = None) -> list[Pace]:
    """Every target of `unit`'s subtree (of `metrics`, if given) in a term running on
    `day`, laggards first."""
    targets = Target.objects.filter(
        unit__path__startswith=unit.path, term__start__lte=day, term__end__gte=day
    )
    if metrics:
        targets = targets.filter(metric__in=metrics)
    targets = targets.select_related("unit", "term").order_by("unit__path", "metric")
    actuals = Actuals(day)
    rows = [pace(t, day, actuals) for t in targets]
    return sorted(rows, key=lambda p: (ORDER[p.forecast], p.pct if p.pct is not None else 0))
