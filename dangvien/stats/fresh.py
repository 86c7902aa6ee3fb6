"""Figures worth caching until the rows change (`cached`), keyed on `stats.Version`.

Every save or delete of a domain row (`WATCHED` apps: people, members, candidates,
units, localities, targets, rules' calendar) and every batch the bulk paths report
(`core.bulk.people_changed`) adds one to the version in the writer's transaction, so a
reader sees the new version exactly when it can see the new rows. A figure cached under
an older version is never served again. The cache is Django's (per process by default;
`CACHES` can point it at a shared one); the version is one indexed row."""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import F
from django.utils.translation import get_language

from dangvien.accounts import chain

from .models import Version

WATCHED = {"people", "membership", "records", "admission", "orgs", "targets", "reference"}
TIMEOUT = 24 * 3600  # a day: the figures are also keyed on the day they are for

T = TypeVar("T")


def _bumped() -> None:
    """Marks, among a transaction's commit hooks, that it has bumped the version (Django
    drops the hook with the savepoint or transaction that rolls back, and the bump with
    it)."""


def writing() -> bool:
    """Whether the current transaction has written domain rows (not yet committed)."""
    # (the primary by name: asking the router for a write would mark this request as
    # one that wrote, and send the user's next reads to the primary)
    conn = connections[DEFAULT_DB_ALIAS]
    return conn.in_atomic_block and any(hook[1] is _bumped for hook in conn.run_on_commit)


def bump() -> None:
    """Once per transaction, under the audit chain's lock (which every audited write takes
    anyway: one order of locks for all writers)."""
    conn = connections[DEFAULT_DB_ALIAS]
    atomic = conn.in_atomic_block
    if writing():
        return
    chain._lock()
    if not Version.objects.filter(pk=1).update(n=F("n") + 1):
        Version.objects.create(pk=1, n=1)
    if atomic:
        transaction.on_commit(_bumped, using=conn.alias)


def current(using: str | None = None) -> int:
    """The version (`using`: a database alias, for a check that must not read a lagging
    replica; by default where the router sends reads)."""
    with connections[using or router.db_for_read(Version)].cursor() as cur:
        cur.execute(f"SELECT n FROM {Version._meta.db_table} WHERE id = 1")
        row = cur.fetchone()
    return row[0] if row else 0


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave under the same name, parts and version. A transaction
    that has written rows neither reads nor fills the cache: the version it would read
    moved once, at its first write, and not with the writes after."""
    if writing():
        return compute()
    key = "fresh:" + ":".join(str(p) for p in (name, *parts, get_language(), current()))
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, TIMEOUT)
    return found
