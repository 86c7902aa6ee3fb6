"""Keeping the precomputed counts right: `refresh(person_ids)` after any write, and
`rebuild()` from the rows.

`refresh` subtracts what each person added as last applied (their `PersonStat`) and adds
what their rows say now, so it is right whichever rows changed and however they were
written (a form, an import, an undo); the signals in `signals.py` call it on every
save and delete of the rows it reads, and the bulk paths call it themselves. It runs in
the caller's transaction.
"""

import datetime as dt
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from dangvien.accounts import chain
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.records.models import Exemption

from . import fresh, sqlbuild
from .contrib import Deltas, add_deltas, contribution, decode, encode
from .models import Built, Checkpoint, PersonStat, StatKey, UnitCount
from .read import before as total_before

PERSON_FIELDS = (
    "id",
    "birth_date",
    "sex",
    "general_education",
    "professional",
    "political_theory",
    "occupation",
    "youth_union_member",
    "business_owner",
)

_state = threading.local()


def suspended() -> bool:
    return getattr(_state, "suspended", False)


@contextmanager
def suspend() -> Iterator[None]:
    """No refresh on writes inside (bulk loads that `rebuild()` afterwards)."""
    before = suspended()
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = before


def superiors_of(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each unit, the ids of the superior committees on its path (itself included
    when it is one): the units whose counts its members change."""
    ids = set(unit_ids)
    if not ids:
        return {}
    paths = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "path"))
    codes = {c for p in paths.values() for c in p.strip("/").split("/")}
    sup = dict(
        OrgUnit.objects.filter(code__in=codes, kind=OrgUnit.Kind.SUPERIOR).values_list("code", "pk")
    )
    return {
        pk: [sup[c] for c in path.strip("/").split("/") if c in sup] for pk, path in paths.items()
    }


def all_superiors() -> dict[int, list[int]]:
    sup = dict(OrgUnit.objects.filter(kind=OrgUnit.Kind.SUPERIOR).values_list("code", "pk"))
    return {
        pk: [sup[c] for c in path.strip("/").split("/") if c in sup]
        for pk, path in OrgUnit.objects.values_list("pk", "path")
    }


def load(person_ids: Iterable[int], superiors: dict[int, list[int]] | None = None) -> dict:
    """The current contribution of each person (an empty dict for none)."""
    ids = list(set(person_ids))
    people = {
        p["id"]: p
        for p in Person.objects.filter(pk__any=ids).values(
            *PERSON_FIELDS, eth=F("ethnicity__code"), rel=F("religion__code")
        )
    }
    memberships: dict[int, list] = defaultdict(list)
    for m in Membership.objects.filter(person_id__any=ids).values(
        "id", "person_id", "decision_on", "ceremony_on", "confirmed_on", "exit_on"
    ):
        memberships[m["person_id"]].append(m)
    stints: dict[int, list] = defaultdict(list)
    for s in Stint.objects.filter(membership__person_id__any=ids).values(
        "id",
        "membership_id",
        "unit_id",
        "start_on",
        "end_on",
        "reason_in",
        person_id=F("membership__person_id"),
    ):
        stints[s["person_id"]].append(s)
    exemptions: dict[int, list] = defaultdict(list)
    for e in Exemption.objects.filter(membership__person_id__any=ids).values(
        "membership_id", "start_on", "end_on", person_id=F("membership__person_id")
    ):
        exemptions[e["person_id"]].append(e)
    if superiors is None:
        superiors = superiors_of({s["unit_id"] for rows in stints.values() for s in rows})
    return {
        pk: contribution(people.get(pk), memberships[pk], stints[pk], exemptions[pk], superiors)
        for pk in ids
    }


def refresh(person_ids: Iterable[int], chunk: int = 5000) -> None:
    """Bring the counts in line with these persons' rows, in the current transaction."""
    ids = sorted(set(person_ids))
    if not ids or suspended() or not Built.objects.exists():
        return
    with transaction.atomic():
        # The persons a chunk at a time (memory), their changes to the totals added up
        # and applied once: an import of 100,000 members rewrites each timeline once,
        # not once per chunk.
        deltas: Deltas = {}
        for i in range(0, len(ids), chunk):
            changes(ids[i : i + chunk], deltas)
        apply(deltas)


def changes(ids: list[int], deltas: Deltas) -> None:
    """Store these persons' new contributions, and add to `deltas` what the totals must
    change by."""
    new = load(ids)
    old = {
        pk: decode(data)
        for pk, data in PersonStat.objects.select_for_update()
        .filter(pk__any=ids)
        .values_list("person_id", "data")
    }
    changed, gone, fresh = [], [], []
    for pk in ids:
        if old.get(pk, {}) == new[pk]:
            continue
        add_deltas(old.get(pk, {}), -1, deltas)
        add_deltas(new[pk], +1, deltas)
        if not new[pk]:
            gone.append(pk)
        elif pk in old:
            changed.append(PersonStat(person_id=pk, data=encode(new[pk])))
        else:
            fresh.append(PersonStat(person_id=pk, data=encode(new[pk])))
    PersonStat.objects.filter(pk__any=gone).delete()
    PersonStat.objects.bulk_update(changed, ["data"], batch_size=500)
    # A person deleted in this transaction has no row to point at.
    alive = set(
        Person.objects.filter(pk__any=[s.person_id for s in fresh]).values_list("pk", flat=True)
    )
    born = [s for s in fresh if s.person_id in alive]
    if connection.vendor == "postgresql" and born:
        # COPY: bulk_create sends the JSON as one array parameter, which psycopg escapes
        # in Python character by character (7.5 s of 100,000 contributions).
        with connection.cursor() as cur:
            write_rows(
                cur, P, ["person_id", "data"], [(s.person_id, json.dumps(s.data)) for s in born]
            )
    else:
        PersonStat.objects.bulk_create(born)


T = UnitCount._meta.db_table
C = Checkpoint._meta.db_table
K = StatKey._meta.db_table
P = PersonStat._meta.db_table
# A checkpoint on `at` where there is none: the count's total before `at` as it stands.
NEW_CHECKPOINT = f"""
INSERT INTO {C} (unit_id, "key", at, n)
SELECT %s, %s, %s, {total_before("%s", "%s", "%s")}
WHERE NOT EXISTS (SELECT 1 FROM {C} p WHERE p.unit_id = %s AND p."key" = %s AND p.at = %s)
"""
ADD_CHANGE = f"""
INSERT INTO {T} (unit_id, "key", since, n) VALUES (%s, %s, %s, %s)
ON CONFLICT (unit_id, "key", since) DO UPDATE SET n = {T}.n + excluded.n
"""
MOVE_CHECKPOINTS = f'UPDATE {C} SET n = n + %s WHERE unit_id = %s AND "key" = %s AND at > %s'
DROP_CANCELLED = f'DELETE FROM {T} WHERE unit_id = %s AND "key" = %s AND since = %s AND n = 0'
NEW_KEY = f"""
INSERT INTO {K} (unit_id, "key", month) SELECT %s, %s, %s
WHERE NOT EXISTS (SELECT 1 FROM {K} k WHERE k.unit_id = %s AND k."key" = %s)
"""


def key_month(key: str) -> int:
    """The birth month of a birth-day key ("d:03:1975-03-14", "bd:03-14"), 0 for the
    others: the report reads those of one or two months only."""
    if key.startswith("d:"):
        return int(key[2:4])
    return int(key[3:5]) if key.startswith("bd:") else 0


def next_month(day: dt.date) -> dt.date | None:
    """The first day of the month after `day`'s: where the checkpoint after it stands
    (none after December 9999, the last month a date can be in and a report read)."""
    if (day.year, day.month) == (9999, 12):
        return None
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


# Past this many changed (unit, key, day) counts, `apply` works set-based in the database
# (`apply_merged`) instead of a few statements per change (a large import).
MERGE_FROM = 2000


def apply(deltas: Deltas) -> None:
    """Add each delta to its count's change on its day, and to the count's checkpoints
    after that day; a month that had no change of the count gets its checkpoint first
    (holding the total before it, as it stood), and a day whose changes now cancel loses
    its row.

    Two transactions must not do this at once: a checkpoint one opens could miss the
    other's delta. On PostgreSQL it takes the audit chain's transaction-long lock (the one
    every audited write takes anyway, so no new ordering between locks); SQLite has one
    writer."""
    rows = [(u, k, d, n) for (u, k, d), n in deltas.items() if n]
    if not rows:
        return
    chain._lock()
    if len(rows) >= MERGE_FROM:
        apply_merged(rows)
        return
    months = sorted({(u, k, m) for u, k, d, _n in rows if (m := next_month(d))})
    with connection.cursor() as cur:
        cur.executemany(NEW_KEY, sorted({(u, k, key_month(k), u, k) for u, k, _d, _n in rows}))
        # Every checkpoint before any change: each then gets the changes before it.
        # (Parameters: (unit, key, at) for the row, thrice in `read.before`, the check.)
        cur.executemany(NEW_CHECKPOINT, [(u, k, m) * 5 for u, k, m in months])
        cur.executemany(ADD_CHANGE, rows)
        cur.executemany(MOVE_CHECKPOINTS, [(n, u, k, d) for u, k, d, n in rows])
        cur.executemany(DROP_CANCELLED, [(u, k, d) for u, k, d, _n in rows])


TEMP_DELTAS = ("stats_delta", "stats_dcum")
LAST_DAY = dt.date.max  # after every day a count is kept for
NO_END = LAST_DAY.isoformat()


def apply_merged(rows: list[tuple[int, str, dt.date, int]]) -> None:
    """`apply` for many changes, set-based in the database. The deltas go to a temporary
    table, and from there in (unit, key, day) order with the running sum of each key's
    deltas. Every checkpoint after a changed day moves by the sum of the deltas before
    it (the running sum of the last changed day before it; those before a key's first
    change are not touched); the deltas are added to the changes of their days (a row
    updated, or a row inserted in index order); then each month after a changed day that
    has no checkpoint gets one, with the total as it now stands."""
    with connection.cursor() as cur:
        for t in TEMP_DELTAS:
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        cur.execute(
            'CREATE TEMPORARY TABLE stats_delta (unit_id integer, "key" varchar(40), '
            "day date, d integer)"
        )
        write_rows(cur, "stats_delta", ["unit_id", '"key"', "day", "d"], rows)
        # Each changed day with the running sum of its key's deltas up to it, the key's
        # next changed day (a far date for the last: the checkpoints it moves are those
        # after it, up to that next day) and the first day of the next month.
        cur.execute(
            f"""CREATE TEMPORARY TABLE stats_dcum AS
            SELECT unit_id, "key", day, d, SUM(d) OVER w AS c,
                COALESCE(LEAD(day) OVER w, '{NO_END}') AS till,
                {sqlbuild.dialect().next_month} AS nxt
            FROM stats_delta WINDOW w AS (PARTITION BY unit_id, "key" ORDER BY day)"""
        )
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE stats_dcum")
        # The checkpoints there are move by the deltas before them.
        cur.execute(
            f"""UPDATE {C} SET n = n + x.c FROM stats_dcum x
            WHERE x.unit_id = {C}.unit_id AND x."key" = {C}."key"
            AND {C}.at > x.day AND {C}.at <= x.till"""
        )
        cur.execute(
            f"""UPDATE {T} SET n = {T}.n + x.d FROM stats_dcum x
            WHERE x.unit_id = {T}.unit_id AND x."key" = {T}."key" AND x.day = {T}.since"""
        )
        cur.execute(
            f"""INSERT INTO {T} (unit_id, "key", since, n)
            SELECT unit_id, "key", day, d FROM stats_dcum x WHERE NOT EXISTS (
                SELECT 1 FROM {T} c
                WHERE c.unit_id = x.unit_id AND c."key" = x."key" AND c.since = x.day)
            ORDER BY unit_id, "key", day"""
        )
        cur.execute(
            f"""DELETE FROM {T} WHERE n = 0 AND EXISTS (SELECT 1 FROM stats_dcum x
            WHERE x.unit_id = {T}.unit_id AND x."key" = {T}."key" AND x.day = {T}.since)"""
        )
        # Then each month after a changed day that has no checkpoint gets one, holding the
        # total as the changes now make it (the statement reads the checkpoints that were
        # there before it).
        cur.execute(
            f"""INSERT INTO {C} (unit_id, "key", at, n)
            SELECT x.unit_id, x."key", x.nxt, {total_before("x.unit_id", 'x."key"', "x.nxt")}
            FROM (SELECT DISTINCT unit_id, "key", nxt FROM stats_dcum WHERE nxt <= %s) x
            WHERE NOT EXISTS (SELECT 1 FROM {C} p
                WHERE p.unit_id = x.unit_id AND p."key" = x."key" AND p.at = x.nxt)
            ORDER BY x.unit_id, x."key", x.nxt""",
            [LAST_DAY],  # (December 9999 has no month after it: NULL on SQLite)
        )
        cur.execute(
            f"""INSERT INTO {K} (unit_id, "key", month)
            SELECT DISTINCT unit_id, "key", {sqlbuild.KEY_MONTH}
            FROM stats_dcum x WHERE NOT EXISTS (
                SELECT 1 FROM {K} k WHERE k.unit_id = x.unit_id AND k."key" = x."key")"""
        )
        for t in TEMP_DELTAS:
            cur.execute(f"DROP TABLE {t}")


def write_rows(cur, table: str, cols: list[str], rows: list[tuple]) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    if connection.vendor == "postgresql":
        with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(cols))
        cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def rebuild() -> dict[str, int]:
    """Recompute every count from the rows (`dangvien rebuild-stats`).

    The database computes each person's contribution, its changes per unit, key and day
    and their monthly checkpoints (`sqlbuild.build`): whole-table statements, so the time
    follows the database's scans and memory stays flat whatever the size of the
    country."""
    superiors = all_superiors()
    with transaction.atomic(), connection.cursor() as cur:
        Built.objects.all().delete()
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with foreign-key checks still pending (deferred to
            # the commit) in the same transaction: run the checks now.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"TRUNCATE {T}, {C}, {K}, {P}")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            cur.execute("SET LOCAL work_mem = '128MB'")
        else:
            for table in (T, C, K, P):
                cur.execute(f"DELETE FROM {table}")
        people, rows = sqlbuild.build(cur, superiors)
        keys = StatKey.objects.count()
        if connection.vendor == "postgresql":
            for table in (T, C, K):
                cur.execute(f"ANALYZE {table}")
        Built.objects.create(built_at=timezone.now(), people=people, rows=rows)
        fresh.bump()  # after a bulk load: whatever was cached is stale
    return {"people": people, "keys": keys, "rows": rows}
