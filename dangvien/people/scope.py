"""The person → scope table (`PersonScope`): for each person, the keys of the scopes that
see them, as `PersonQuerySet.within` decides it, kept right on every write.

A person is seen by the officers of a unit path P when one of their anchors' paths
starts with P; the anchors are the unit of a latest stint (open, or ended on the exit of
its membership), the cell of a candidacy, the two sides of a pending official transfer,
and, for a person without any stint, the locality of residence. Paths end with "/", so
"starts with P" is "P is one of the path's prefixes ending with /": the table holds
each such prefix of each anchor ("u…" for units, "l…" for localities), and a scope's
people are the rows of its keys, read in name order through the index
(key, search_name, person).

Kept by the same hooks as the precomputed counts: `core.bulk.people_changed` (every
save or delete of a person, membership or stint; candidates and transfers tell it too,
see `dangvien.people.signals`), and rebuilt from the rows by `rebuild()` after the bulk
writers (the demo loader, `dangvien generate`) and by `dangvien rebuild-stats`.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q

TABLE = "people_personscope"
UNIT, PLACE = "u", "l"


def prefixes(path: str | None) -> list[str]:
    """'A/B/C/' → ['A/', 'A/B/', 'A/B/C/']."""
    if not path:
        return []
    return [path[: i + 1] for i, c in enumerate(path) if c == "/"]


def keys_for(paths: list[str] | None, places: list[str] | None) -> list[str]:
    """The table keys of a user's scope (`scope_paths`, `locality_paths`)."""
    return sorted({UNIT + p for p in paths or []} | {PLACE + p for p in places or []})


def compute(**lookups) -> dict[int, tuple[str, set[str]]]:
    """{person id: (search name, keys)} from the rows, for the persons whose id meets
    `lookups` (`in=[…]`, or `gte=…, lt=…`)."""
    from dangvien.admission.models import Candidate
    from dangvien.membership.models import Stint
    from dangvien.records.models import Transfer

    from .models import Person

    def on(field: str) -> Q:
        return Q(**{f"{field}__{op}": value for op, value in lookups.items()})

    out: dict[int, tuple[str, set[str]]] = {}
    residence: dict[int, str | None] = {}
    for pk, name, place in Person.objects.filter(on("pk")).values_list(
        "pk", "search_name", "residence__path"
    ):
        out[pk] = (name, set())
        residence[pk] = place
    with_stints: set[int] = set()
    for pid, path, latest in (
        Stint.objects.filter(on("membership__person_id"))
        .annotate(
            latest=Q(end_on__isnull=True) | Q(end_on=F("membership__exit_on")),
        )
        .values_list("membership__person_id", "unit__path", "latest")
    ):
        with_stints.add(pid)
        if latest and pid in out:
            out[pid][1].update(UNIT + p for p in prefixes(path))
    for pid, path in Candidate.objects.filter(on("person_id")).values_list(
        "person_id", "cell__path"
    ):
        if pid in out:
            out[pid][1].update(UNIT + p for p in prefixes(path))
    for pid, a, b in Transfer.objects.filter(
        on("membership__person_id"),
        kind=Transfer.Kind.OFFICIAL,
        received_on__isnull=True,
        cancelled_on__isnull=True,
    ).values_list("membership__person_id", "from_unit__path", "to_unit__path"):
        if pid in out:
            out[pid][1].update(UNIT + p for p in prefixes(a) + prefixes(b))
    for pk, place in residence.items():
        if pk not in with_stints:
            out[pk][1].update(PLACE + p for p in prefixes(place))
    return out


def rows_of(found: dict[int, tuple[str, set[str]]]) -> list[tuple[int, str, str]]:
    return [(pk, key, name) for pk, (name, keys) in found.items() for key in sorted(keys)]


def refresh(person_ids: Iterable[int], chunk: int = 2000) -> None:
    """Recompute the rows of these persons (those deleted lose theirs by cascade)."""
    from dangvien.stats.store import write_rows

    from .models import PersonScope

    ids = sorted(set(person_ids))
    with transaction.atomic(), connection.cursor() as cur:
        for i in range(0, len(ids), chunk):
            part = ids[i : i + chunk]
            PersonScope.objects.filter(person_id__in=part).delete()
            rows = rows_of(compute(**{"in": part}))
            write_rows(cur, TABLE, ["person_id", '"key"', "search_name"], rows)


def rebuild(batch: int = 20_000) -> int:
    """Recompute the whole table from the rows; the number of rows written."""
    from dangvien.stats.store import write_rows

    from .models import Person, PersonScope

    written = 0
    with transaction.atomic(), connection.cursor() as cur:
        PersonScope.objects.all().delete()
        top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, top + 1, batch):
            rows = rows_of(compute(gte=start, lt=start + batch))
            write_rows(cur, TABLE, ["person_id", '"key"', "search_name"], rows)
            written += len(rows)
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {TABLE}")
    return written


def recomputed() -> set[tuple[int, str, str]]:
    """The whole table as the rows say it should be (for the consistency checks)."""
    return set(rows_of(compute(gte=0)))


def stored() -> set[tuple[int, str, str]]:
    from .models import PersonScope

    return set(PersonScope.objects.values_list("person_id", "key", "search_name"))
