"""The structure report read from the precomputed counts against a recount from the stints,
on the current database: `DATABASE_URL=… .venv/bin/python bench/structure_precomputed.py`
(units with UNITS=VN,T01, recount runs with SLOW_N=3). Prints the median, min and max of
several runs and whether the two JSON outputs are equal."""

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable

import django


def timed(f: Callable, n: int) -> tuple[float, float, float, object]:
    took = []
    result = None
    for _ in range(n):
        start = time.perf_counter()
        result = f()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took), min(took), max(took), result


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
    django.setup()
    from dangvien.orgs.models import OrgUnit
    from dangvien.reports.structure import structure
    from dangvien.stats.models import StatKey, UnitCount

    print("rows", UnitCount.objects.count(), "keys", StatKey.objects.count())
    slow_n = int(os.environ.get("SLOW_N", "3"))
    for code in os.environ.get("UNITS", "VN,T01").split(","):
        unit = OrgUnit.objects.get(code=code)
        for day in (dt.date.today(), dt.date(2019, 6, 30)):
            fast = timed(lambda u=unit, d=day: structure(u, d, precomputed=True), 5)
            slow = timed(lambda u=unit, d=day: structure(u, d, precomputed=False), slow_n)
            same = fast[3].as_json() == slow[3].as_json()  # type: ignore[union-attr]
            members = fast[3].figures["members"]  # type: ignore[union-attr]
            print(
                f"{code} {day}: {members} members; "
                f"precomputed {fast[0]:.0f} ms ({fast[1]:.0f}–{fast[2]:.0f}); "
                f"recount {slow[0]:.0f} ms ({slow[1]:.0f}–{slow[2]:.0f}); same: {same}"
            )


if __name__ == "__main__":
    main()
