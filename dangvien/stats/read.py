"""Reading the precomputed counts of a superior committee on a date."""

import datetime as dt

from django.db import connections, router
from django.db.models import OuterRef, Subquery

from dangvien.core.dates import add_years
from dangvien.orgs.models import OrgUnit

from .models import Built, StatKey, UnitCount

T = UnitCount._meta.db_table
K = StatKey._meta.db_table
# One seek per key: the last running total on or before the day.
LATEST = f"""
SELECT k."key", (
    SELECT c.n FROM {T} c WHERE c.unit_id = k.unit_id AND c."key" = k."key" AND c.since <= %s
    ORDER BY c.since DESC LIMIT 1)
FROM {K} k WHERE k.unit_id = %s AND k.month IN (0, %s, %s)
"""


def covers(unit: OrgUnit) -> bool:
    """Whether `unit`'s structure report reads precomputed counts."""
    return unit.kind == OrgUnit.Kind.SUPERIOR and Built.objects.exists()


def members_of(units: list[OrgUnit], day: dt.date) -> dict[str, int]:
    """Members on `day` in the subtree of each superior committee among `units` (path →
    count), one seek per unit in one query; {} where the counts are not built."""
    superiors = [u.pk for u in units if u.kind == OrgUnit.Kind.SUPERIOR]
    if not superiors or not Built.objects.exists():
        return {}
    latest = UnitCount.objects.filter(unit=OuterRef("pk"), key="members", since__lte=day)
    found = (
        OrgUnit.objects.filter(pk__in=superiors)
        .annotate(n=Subquery(latest.order_by("-since").values("n")[:1]))
        .values_list("path", "n")
    )
    return {path: n or 0 for path, n in found}


def counts(unit: OrgUnit, day: dt.date, youth_cutoff: dt.date) -> dict[str, int]:
    """Every key's count in `unit`'s subtree on `day` (zeros left out). The birth-day
    keys are read only for the months where a birthday decides an age or youth."""
    out: dict[str, int] = {}
    # Raw SQL is not routed by itself: ask the router (a replica for report pages).
    with connections[router.db_for_read(UnitCount)].cursor() as cur:
        cur.execute(LATEST, [day, unit.pk, day.month, youth_cutoff.month])
        for key, n in cur.fetchall():
            if n:
                out[key] = n
    return out


def ages(c: dict[str, int], day: dt.date) -> dict[int, int]:
    """Members by age in full years on `day`, as `reports.structure.ages` counts them."""
    out: dict[int, int] = {}
    for key, n in c.items():
        if key.startswith("ym:"):
            year, month = int(key[3:7]), int(key[8:10])
            if month == day.month:
                continue  # counted by day below
            age = day.year - year - (1 if month > day.month else 0)
        elif key.startswith(f"d:{day.month:02}:"):
            b = dt.date.fromisoformat(key[5:])
            age = day.year - b.year - (1 if b.day > day.day else 0)
        else:
            continue
        out[age] = out.get(age, 0) + n
    return out


def born_after(c: dict[str, int], cutoff: dt.date) -> int:
    """Members born after `cutoff`."""
    total = 0
    for key, n in c.items():
        if key.startswith("ym:"):
            year, month = int(key[3:7]), int(key[8:10])
            if (year, month) > (cutoff.year, cutoff.month):
                total += n
        elif key.startswith(f"d:{cutoff.month:02}:{cutoff.year:04}-") and (
            dt.date.fromisoformat(key[5:]) > cutoff
        ):
            total += n
    return total


def youth_cutoff(day: dt.date, max_age: int) -> dt.date:
    return add_years(day, -(max_age + 1))
