"""One count on many dates from the precomputed running totals (the dashboard's chart of
members): a single query of one index seek per date."""

import datetime as dt

from django.db import connections, router

from .models import UnitCount

T = UnitCount._meta.db_table
SEEK = (
    f'(SELECT c.n FROM {T} c WHERE c.unit_id = %s AND c."key" = %s AND c.since <= %s '
    "ORDER BY c.since DESC LIMIT 1)"
)


def on_days(unit_id: int, key: str, days: list[dt.date]) -> dict[dt.date, int]:
    """`key`'s running total of superior committee `unit_id` on each of `days` (0 where
    it has none), as `read.counts` reads one date."""
    days = sorted(set(days))
    if not days:
        return {}
    sql = "SELECT " + ", ".join([SEEK] * len(days))
    params: list = []
    for day in days:
        params += [unit_id, key, day]
    with connections[router.db_for_read(UnitCount)].cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return {day: n or 0 for day, n in zip(days, row, strict=True)}
