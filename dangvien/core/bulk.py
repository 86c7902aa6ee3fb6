"""Writes of many rows at once, heard of once.

Code that keeps something derived from the rows (the precomputed counts of
`dangvien.stats`) listens to `people_changed`. A single save tells it at once (through
the model signals); inside `many_writes()` the persons touched are collected and told
in one batch when the block ends without an error, still inside the caller's
transaction. `bulk_create()`, queryset `update()` and raw SQL send no model signal: the
code that uses them calls `touched()` with the persons whose rows it wrote.
"""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.dispatch import Signal

# Sent with `people`: the ids of persons whose person, membership, stint or exemption
# rows changed.
people_changed = Signal()

_state = threading.local()


def collecting() -> bool:
    return getattr(_state, "depth", 0) > 0


@contextmanager
def many_writes() -> Iterator[None]:
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        _state.people = set()
    _state.depth = depth + 1
    ok = False
    try:
        yield
        ok = True
    finally:
        _state.depth = depth
        if depth == 0:
            people, _state.people = _state.people, set()
            if ok and people:
                people_changed.send(sender=None, people=sorted(people))


def touched(people: Iterable[int | None]) -> None:
    """The rows of these persons changed."""
    ids = {pk for pk in people if pk is not None}
    if not ids:
        return
    if collecting():
        _state.people |= ids
    else:
        people_changed.send(sender=None, people=sorted(ids))
