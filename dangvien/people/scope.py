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
WORDS = "people_personscopeword"  # `PersonScopeWord`: the later words, for wide scopes
COLUMNS = ["person_id", '"key"', "search_name"]
WORD_COLUMNS = ["person_id", '"key"', "suffix", "search_name"]
UNIT, PLACE = "u", "l"
# The key of everybody in `PersonScopeWord` only: the later words of every person's
# name, for the search of those who see everybody (`models.everyone_branches`).
EVERYONE = "*"


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
    `lookups` (`any=[…]`, `core.db.AnyOf`; or `gte=…, lt=…`)."""
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


def later_words(name: str) -> list[str]:
    """The name from each word after the first on: 'nguyen van an' → ['van an', 'an']."""
    words = name.split(" ")
    return [" ".join(words[i:]) for i in range(1, len(words))]


def rows_of(found: dict[int, tuple[str, set[str]]]) -> list[tuple[int, str, str]]:
    return [(pk, key, name) for pk, (name, keys) in found.items() for key in sorted(keys)]


def word_rows_of(found: dict[int, tuple[str, set[str]]]) -> list[tuple[int, str, str, str]]:
    """The rows of `PersonScopeWord`: each scope row's later words, and each person's
    under `EVERYONE`."""
    return [
        (pk, key, suffix, name)
        for pk, (name, keys) in found.items()
        for suffix in later_words(name)
        for key in sorted(keys | {EVERYONE})
    ]


# The later words of every row of `PersonScope`, in the database: the name from its i-th
# word on, for i from 2 (PostgreSQL arrays count from 1).
FILL_WORDS = f"""
INSERT INTO {WORDS} (person_id, "key", suffix, search_name)
SELECT s.person_id, s."key", array_to_string(w.a[i:], ' '), s.search_name
FROM (
    SELECT person_id, "key", search_name FROM {TABLE}
    UNION ALL SELECT id, '{EVERYONE}', search_name FROM people_person
) s
CROSS JOIN LATERAL (SELECT string_to_array(s.search_name, ' ') AS a) w
CROSS JOIN LATERAL generate_series(2, cardinality(w.a)) AS i
"""


def fill_words(cur) -> None:
    """Write `PersonScopeWord` from the rows of `PersonScope` and the people's names
    (under `EVERYONE`; the caller emptied the table):
    one statement on PostgreSQL, in batches elsewhere."""
    from dangvien.stats.store import write_rows

    if connection.vendor == "postgresql":
        cur.execute(FILL_WORDS)
        return
    with connection.cursor() as read:
        read.execute(
            f'SELECT person_id, "key", search_name FROM {TABLE} '
            f"UNION ALL SELECT id, '{EVERYONE}', search_name FROM people_person"
        )
        while batch := read.fetchmany(20_000):
            rows = [(pk, key, w, name) for pk, key, name in batch for w in later_words(name)]
            write_rows(cur, WORDS, WORD_COLUMNS, rows)


def write(cur, found: dict[int, tuple[str, set[str]]]) -> int:
    """Insert the rows of both tables for these persons; the number of scope rows."""
    from dangvien.stats.store import write_rows

    rows = rows_of(found)
    write_rows(cur, TABLE, COLUMNS, rows)
    write_rows(cur, WORDS, WORD_COLUMNS, word_rows_of(found))
    return len(rows)


def refresh(person_ids: Iterable[int], chunk: int = 2000) -> None:
    """Recompute the rows of these persons (those deleted lose theirs by cascade)."""
    from .models import PersonScope, PersonScopeWord

    ids = sorted(set(person_ids))
    with transaction.atomic(), connection.cursor() as cur:
        for i in range(0, len(ids), chunk):
            part = ids[i : i + chunk]
            PersonScope.objects.filter(person_id__any=part).delete()
            PersonScopeWord.objects.filter(person_id__any=part).delete()
            write(cur, compute(any=part))


def rebuild(batch: int = 20_000, words: bool = True) -> int:
    """Recompute the whole table from the rows, and its later words (`words`: False for
    migration 0006, before their table exists); the number of scope rows written."""
    from dangvien.stats.store import write_rows

    from .models import Person, PersonScope, PersonScopeWord

    written = 0
    with transaction.atomic(), connection.cursor() as cur:
        PersonScope.objects.all().delete()
        if words:
            PersonScopeWord.objects.all().delete()
        top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for start in range(0, top + 1, batch):
            rows = rows_of(compute(gte=start, lt=start + batch))
            write_rows(cur, TABLE, COLUMNS, rows)
            written += len(rows)
        if words:
            fill_words(cur)
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {TABLE}")
            if words:
                cur.execute(f"ANALYZE {WORDS}")
    return written


def recomputed() -> tuple[set[tuple[int, str, str]], set[tuple[int, str, str, str]]]:
    """Both tables as the rows say they should be (for the consistency checks)."""
    found = compute(gte=0)
    return set(rows_of(found)), set(word_rows_of(found))


def stored() -> tuple[set[tuple[int, str, str]], set[tuple[int, str, str, str]]]:
    from .models import PersonScope, PersonScopeWord

    return (
        set(PersonScope.objects.values_list("person_id", "key", "search_name")),
        set(PersonScopeWord.objects.values_list("person_id", "key", "suffix", "search_name")),
    )
