"""One count on many dates from the precomputed counts (the dashboard's chart of
members): a single query of a checkpoint and a month of changes per date."""

import datetime as dt

from django.db import connections, router

from .models import UnitCount
from .read import total

ON_DAY = total("%s", "%s")


def on_days(unit_id: int, key: str, days: list[dt.date]) -> dict[dt.date, int]:
    """`key`'s total in superior committee `unit_id`'s subtree on each of `days` (0 where
    it has none), as `read.counts` reads one date."""
    days = sorted(set(days))
    if not days:
        return {}
    sql = "SELECT " + ", ".join([ON_DAY] * len(days))
    params: list = []
    for day in days:
        params += [unit_id, key, day, unit_id, key, day.replace(day=1), day]
    with connections[router.db_for_read(UnitCount)].cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return {day: n or 0 for day, n in zip(days, row, strict=True)}
