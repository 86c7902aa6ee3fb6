"""Pages of the load test (`bench/locustfile.py`) as a province officer (T01, two-factor
passed) through Django's test Client: per page the number of queries, the rows the
database read for them (EXPLAIN ANALYZE: rows out of every scan, plus rows a scan's
filter removed, times loops) and the slowest query's rows, then timed runs:

    DATABASE_URL=postgres://…/copy_of_300k PYTHONPATH=$PWD .venv/bin/python bench/page_rows.py

PostgreSQL only (EXPLAIN ANALYZE). PAGES=person,candidates picks pages; RUNS (default 5)
timed runs after the counted one; PEOPLE (default 5) people of the scope for the person
page, spread over the scope's id range (a member with a long history among them). Use a
writable copy: it adds the officer and the audit rows of the pages read."""

import json
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dangvien.reports.scale_bench import officer  # noqa: E402

SCANS = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def rows_read(plan: dict) -> int:
    """Rows that the plan's scans produced or filtered away, over all their loops."""
    n = 0
    if plan.get("Node Type") in SCANS:
        loops = plan.get("Actual Loops", 1)
        n += (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    for child in plan.get("Plans", []):
        n += rows_read(child)
    return n


def explain(sql: str) -> int:
    if not sql.lstrip().upper().startswith("SELECT"):
        return 0
    with connection.cursor() as c:
        c.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        return rows_read(c.fetchone()[0][0]["Plan"])


def pages(user) -> list[tuple[str, str]]:
    from dangvien.orgs.models import OrgUnit
    from dangvien.people.models import Person

    t01 = OrgUnit.objects.get(code="T01")
    scope = Person.objects.visible_to(user)
    n = int(os.environ.get("PEOPLE", "5"))
    ids = list(scope.order_by("pk").values_list("pk", flat=True)[:: max(1, scope.count() // n)])
    # The member with the most stints: the longest history of the scope.
    from django.db.models import Count

    from dangvien.membership.models import Membership

    longest = (
        Membership.objects.filter(person__in=scope)
        .annotate(n=Count("stints"))
        .order_by("-n")
        .values_list("person_id", flat=True)
        .first()
    )
    out = [("dashboard", "/dashboard/"), ("unit tree", "/units/")]
    out += [("people list", f"/people/?unit={t01.code}"), ("search", "/people/?q=nguyen+van+an")]
    out += [(f"person {pk}", f"/people/{pk}/") for pk in [*ids[:n], longest] if pk]
    out += [("statistics", f"/statistics/?unit={t01.code}"), ("coverage", "/statistics/coverage/")]
    out += [("candidates", "/candidates/")]
    return out


def main() -> None:
    settings.ALLOWED_HOSTS = ["*"]
    runs = int(os.environ.get("RUNS", "5"))
    only = [p for p in os.environ.get("PAGES", "").split(",") if p]
    user, client = officer()
    result: dict = {"load": os.getloadavg(), "pages": {}}
    for name, url in pages(user):
        if only and not any(name.startswith(o) for o in only):
            continue
        with CaptureQueriesContext(connection) as log:
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        captured = list(log.captured_queries)  # before the EXPLAINs join the log
        read = [explain(q["sql"]) for q in captured]
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url)
            took.append((time.perf_counter() - start) * 1000)
        row = {
            "url": url,
            "queries": len(read),
            "rows_read": sum(read),
            "max_rows_one_query": max(read, default=0),
            "median_ms": round(statistics.median(took)) if took else None,
            "max_ms": round(max(took)) if took else None,
        }
        if os.environ.get("SHOW"):
            worst = sorted(zip(read, captured, strict=True), key=lambda x: -x[0])
            row["worst"] = [(n, q["sql"][:300]) for n, q in worst[: int(os.environ["SHOW"])]]
        result["pages"][name] = row
        print(name, json.dumps(row, ensure_ascii=False), flush=True)
    result["load_after"] = os.getloadavg()
    print("load average before, after:", result["load"], result["load_after"])


if __name__ == "__main__":
    main()
