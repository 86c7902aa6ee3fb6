"""Reading the precomputed counts of a superior committee on a date."""

import datetime as dt

from django.db import connections, router

from dangvien.core.dates import add_years
from dangvien.orgs.models import OrgUnit

from .models import Built, Checkpoint, StatKey, UnitCount

T = UnitCount._meta.db_table
C = Checkpoint._meta.db_table
K = StatKey._meta.db_table


def total(unit: str, key: str) -> str:
    """SQL of a count's total on a day: the last checkpoint on or before the day, plus the
    changes from the first of the day's month to the day. There is a checkpoint on the
    first of every month that follows a month with a change (`models.Checkpoint`), so
    the checkpoint read holds every change before that month.

    `unit` and `key` are SQL (a column, or "%s"); the parameters, in order: (unit, key,)
    the day, (unit, key,) the first of its month, the day (`on(day)`)."""
    return f"""(COALESCE((
        SELECT p.n FROM {C} p WHERE p.unit_id = {unit} AND p."key" = {key} AND p.at <= %s
        ORDER BY p.at DESC LIMIT 1), 0) + COALESCE((
        SELECT SUM(c.n) FROM {T} c WHERE c.unit_id = {unit} AND c."key" = {key}
        AND c.since BETWEEN %s AND %s), 0))"""


def on(day: dt.date) -> list[dt.date]:
    """The parameters of `total` for `day` (unit and key given as columns)."""
    return [day, day.replace(day=1), day]


def before(unit: str, key: str, at: str) -> str:
    """SQL of a count's total before `at`, the first day of a month with no checkpoint
    yet: the last checkpoint before it, plus the changes from that checkpoint's day to
    `at` (those of months whose checkpoints are still to be written, in a batch that
    writes them)."""
    seek = f"""FROM {C} p WHERE p.unit_id = {unit} AND p."key" = {key} AND p.at < {at}
        ORDER BY p.at DESC LIMIT 1"""
    return f"""(COALESCE((SELECT p.n {seek}), 0) + COALESCE((
        SELECT SUM(c.n) FROM {T} c WHERE c.unit_id = {unit} AND c."key" = {key}
        AND c.since < {at} AND c.since >= COALESCE((SELECT p.at {seek}), '0001-01-01')), 0))"""


# Every key of the unit on the day: the keys of month 0 (all but the birthdays'), then the
# birthday keys asked for.
ON_DAY = total("k.unit_id", 'k."key"')
LATEST = f"""
SELECT k."key", {ON_DAY} FROM {K} k WHERE k.unit_id = %s AND k.month = 0
UNION ALL
SELECT k."key", {ON_DAY} FROM {K} k WHERE k.unit_id = %s AND k."key" IN ({{keys}})
"""
Bands = list[tuple[int | None, int | None]]


def covers(unit: OrgUnit) -> bool:
    """Whether `unit`'s structure report reads precomputed counts."""
    return unit.kind == OrgUnit.Kind.SUPERIOR and Built.objects.exists()


def members_of(units: list[OrgUnit], day: dt.date) -> dict[str, int]:
    """Members on `day` in the subtree of each superior committee among `units` (path →
    count), one seek per unit in one query; {} where the counts are not built."""
    superiors = [u.pk for u in units if u.kind == OrgUnit.Kind.SUPERIOR]
    if not superiors or not Built.objects.exists():
        return {}
    marks = ", ".join(["%s"] * len(superiors))
    members = total("u.id", "'members'")
    sql = f"SELECT u.path, {members} FROM {OrgUnit._meta.db_table} u WHERE u.id IN ({marks})"
    with connections[router.db_for_read(UnitCount)].cursor() as cur:
        cur.execute(sql, [*on(day), *superiors])
        return {path: n or 0 for path, n in cur.fetchall()}


def counts(unit: OrgUnit, day: dt.date, youth_cutoff: dt.date, bands: Bands) -> dict[str, int]:
    """Every key's count in `unit`'s subtree on `day` (zeros left out). Of the birthday
    keys only those `age_summary` and `born_after` need are read (`birthday_keys`)."""
    out: dict[str, int] = {}
    wanted = birthday_keys(day, youth_cutoff, bands)
    sql = LATEST.format(keys=", ".join(["%s"] * len(wanted)))
    # Raw SQL is not routed by itself: ask the router (a replica for report pages).
    with connections[router.db_for_read(UnitCount)].cursor() as cur:
        cur.execute(sql, [*on(day), unit.pk, *on(day), unit.pk, *wanted])
        for key, n in cur.fetchall():
            if n:
                out[key] = n
    return out


def band_of(age: int, bands: Bands) -> int:
    """The index of the band holding `age` (bands open at both ends hold every age)."""
    for i, (low, high) in enumerate(bands):
        if (low is None or age >= low) and (high is None or age <= high):
            return i
    raise ValueError(f"no band holds the age {age}")


def turning_years(day: dt.date, bands: Bands) -> list[int]:
    """The birth years whose birthday in `day`'s month moves a member from one band to the
    next: those turning one more than a band's highest age this year."""
    return [day.year - high - 1 for _low, high in bands if high is not None]


def birthday_keys(day: dt.date, youth_cutoff: dt.date, bands: Bands) -> list[str]:
    """The birthday keys a report on `day` reads: the day-of-year keys of its month (the
    members whose birthday is still to come this month, for the sum of ages), and the
    day keys of that month in the turning years and of the youth cutoff's month in its
    year."""
    m = day.month
    days = range(1, 32)
    keys = {f"bd:{m:02}-{d:02}" for d in days}
    for year, month in [(y, m) for y in turning_years(day, bands)] + [
        (youth_cutoff.year, youth_cutoff.month)
    ]:
        keys |= {f"d:{month:02}:{year:04}-{month:02}-{d:02}" for d in days}
    return sorted(keys)


def age_summary(c: dict[str, int], day: dt.date, bands: Bands) -> tuple[int, list[int]]:
    """The sum of the members' ages in full years on `day` and their number in each band,
    as `reports.structure` counts them from the rows.

    A member born in another month than `day`'s has an age the year-month key tells. Of
    those born in `day`'s month in year Y, the ones whose birthday is still to come are a
    year younger: for the sum, the day-of-year keys after `day` count them over all the
    years at once; for the bands, only a turning year needs them, from its day keys."""
    m = day.month
    total = -sum(
        n for key, n in c.items() if key.startswith(f"bd:{m:02}-") and int(key[6:8]) > day.day
    )
    per_band = [0] * len(bands)
    to_come: dict[int, int] = {}  # turning year → born later in `day`'s month
    for key, n in c.items():
        if key.startswith(f"d:{m:02}:") and int(key[13:15]) > day.day:
            year = int(key[5:9])
            to_come[year] = to_come.get(year, 0) + n
    for key, n in c.items():
        if not key.startswith("ym:"):
            continue
        year, month = int(key[3:7]), int(key[8:10])
        age = day.year - year - (1 if month > m else 0)
        total += age * n
        low, high = band_of(age - 1, bands), band_of(age, bands)
        if month != m or low == high:
            per_band[high] += n
        else:
            per_band[low] += to_come.get(year, 0)
            per_band[high] += n - to_come.get(year, 0)
    return total, per_band


def summarise(by_age: dict[int, int], bands: Bands) -> tuple[int, list[int]]:
    """`age_summary` of members counted by exact age."""
    per_band = [0] * len(bands)
    for age, n in by_age.items():
        per_band[band_of(age, bands)] += n
    return sum(a * n for a, n in by_age.items()), per_band


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
