"""Keyset pagination: a page is the rows after (or before) the key of a row already shown,
read through an index in the order of a unique key tuple, never with OFFSET (which reads
and throws away every row before the page, and shifts when rows are added meanwhile).

The "next" and "previous" links carry the last (first) key of the page in a signed cursor:
a forged or damaged cursor is refused (`BadCursor`, a Vietnamese 400), never run.
"""

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

SALT = "dangvien.keyset"
CURSOR_PARAM = "cursor"


class BadCursor(Exception):
    """The page cursor in the address was not made by this server (or for another list)."""


def page_size() -> int:
    return int(getattr(settings, "KEYSET_PAGE_SIZE", 50))


def _dump(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    return value


def _load(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and value[0] in ("d", "t"):
        kind, text = value
        if not isinstance(text, str):
            raise ValueError(text)
        return dt.date.fromisoformat(text) if kind == "d" else dt.datetime.fromisoformat(text)
    if value is None or isinstance(value, (str, int)):
        return value
    raise ValueError(value)


def make_cursor(direction: str, key: Sequence[Any], name: str) -> str:
    return signing.dumps([direction, [_dump(v) for v in key]], salt=f"{SALT}:{name}")


def read_cursor(cursor: str, width: int, name: str) -> tuple[str, tuple]:
    """("n" or "p", the key) of a cursor made by `make_cursor` for the list `name`."""
    try:
        direction, values = signing.loads(cursor, salt=f"{SALT}:{name}")
        if direction not in ("n", "p") or len(values) != width:
            raise ValueError(direction)
        return direction, tuple(_load(v) for v in values)
    except (signing.BadSignature, ValueError, TypeError) as e:
        raise BadCursor(cursor) from e


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None = None
    previous_cursor: str | None = None
    query: str = ""  # the other parameters of the address, for the links
    size: int = 50
    extra: dict = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def link(self, cursor: str) -> str:
        query = f"{self.query}&" if self.query else ""
        return f"?{query}{CURSOR_PARAM}={cursor}"

    @property
    def next_link(self) -> str:
        return self.link(self.next_cursor) if self.next_cursor else ""

    @property
    def previous_link(self) -> str:
        return self.link(self.previous_cursor) if self.previous_cursor else ""


def _key_of(row: Any, keys: Sequence[str]) -> tuple:
    if isinstance(row, dict):
        return tuple(row[k] for k in keys)
    return tuple(getattr(row, k) for k in keys)


def paginate(
    qs: QuerySet,
    keys: Sequence[str],
    cursor: str | None,
    *,
    name: str,
    size: int | None = None,
    query: str = "",
    branches: Sequence[Q | Callable[[QuerySet], QuerySet]] = (),
    rows: QuerySet | None = None,
) -> KeysetPage:
    """One page of `qs` in the ascending order of `keys` (fields or annotations whose
    tuple is unique: end with the primary key; each written "-name" for the descending
    order), after or before the `cursor`'s key.

    One query (the page and one row more, to know whether there is another page). With
    `branches` (conditions whose union is the list: an OR no single index serves in
    order), each branch's keys are read apart, then the page's rows (the last key must
    be the primary key's value), then the page's rows from `rows` (default: `qs`) by
    their keys: a `rows` without the filters when the branches' queries applied them. A
    branch is a Q, or a callable turning `qs` into the branch's queryset (one that joins
    or annotates what a Q cannot).
    """
    size = size or page_size()
    direction, key = read_cursor(cursor, len(keys), name) if cursor else ("n", None)
    # Keys written "-name" (all of them: one tuple comparison) list newest first.
    descending = keys[0].startswith("-")
    if any(k.startswith("-") != descending for k in keys):
        raise ValueError(keys)
    keys = [k.lstrip("-") for k in keys]
    forwards = (direction == "n") != descending
    order = list(keys) if forwards else [f"-{k}" for k in keys]

    def bounded(qs: QuerySet) -> QuerySet:
        if key is None:
            return qs.order_by(*order)
        after = TupleGreaterThan if forwards else TupleLessThan
        return qs.filter(after(Tuple(*(F(k) for k in keys)), key)).order_by(*order)

    if branches:
        # Each branch read in order through its own index, the page's keys merged here,
        # then the page's rows in one query: 2 + 1 queries whatever the sizes.
        found: list[tuple] = []
        for branch in branches:
            part = branch(qs) if callable(branch) else qs.filter(branch)
            found += bounded(part).values_list(*keys)[: size + 1]
        found = sorted(set(found), reverse=not forwards)[: size + 1]
        pks = [k[-1] for k in found]
        source = qs if rows is None else rows
        found_rows = list(source.filter(pk__in=pks).order_by(*order)) if pks else []
    else:
        found_rows = list(bounded(qs)[: size + 1])
    more = len(found_rows) > size
    items = found_rows[:size]
    if direction == "p":
        items.reverse()
    page = KeysetPage(items=items, query=query, size=size)
    if items:
        first, last = _key_of(items[0], keys), _key_of(items[-1], keys)
        if direction == "n":
            page.next_cursor = make_cursor("n", last, name) if more else None
            page.previous_cursor = make_cursor("p", first, name) if key is not None else None
        else:
            page.previous_cursor = make_cursor("p", first, name) if more else None
            page.next_cursor = make_cursor("n", last, name)
    elif key is not None and direction == "p":
        page.next_cursor = None
    return page


def paginate_sorted(
    items: Sequence[Any],
    key: Callable[[Any], tuple],
    cursor: str | None,
    *,
    name: str,
    width: int,
    size: int | None = None,
    query: str = "",
) -> KeysetPage:
    """One page of a list computed in Python (no SQL order can key it: alerts, badges
    due, targets' pace), in the ascending order of `key(item)`: a unique tuple of
    `width` strings, integers and dates (no None). The same signed cursors as
    `paginate`, so a page is found by its key, not its position: a row added or gone
    before it does not shift it. The whole list is still computed on every request."""
    size = size or page_size()
    direction, at = read_cursor(cursor, width, name) if cursor else ("n", None)
    rows = sorted(items, key=key)
    keys = [key(r) for r in rows]
    try:
        if at is None:
            start, end = 0, min(size, len(rows))
        elif direction == "n":
            start = bisect_right(keys, at)
            end = min(start + size, len(rows))
        else:
            end = bisect_left(keys, at)
            start = max(0, end - size)
    except TypeError as e:  # a well-signed key of other types than this list's
        raise BadCursor(cursor) from e
    page = KeysetPage(items=list(rows[start:end]), query=query, size=size)
    page.extra["start"] = start  # rows before the page: its rows can be numbered
    if page.items:
        if end < len(rows):
            page.next_cursor = make_cursor("n", keys[end - 1], name)
        if start > 0:
            page.previous_cursor = make_cursor("p", keys[start], name)
    return page


def query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in (CURSOR_PARAM, "page"):
        query.pop(name, None)
    return query.urlencode()


def bad_cursor(request: HttpRequest) -> HttpResponse:
    """The answer to a forged or damaged cursor: 400, in the user's language."""
    message = _("The page link is not valid (changed or from another list): open the list again.")
    body = render_to_string("400.html", {"message": message}, request=request)
    return HttpResponse(body, status=400)
