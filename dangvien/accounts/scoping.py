"""The one scoping gate: which units (and so which people and localities) a user sees.

Every `visible_to(user)` queryset method builds its filter here.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce, wraps
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .models import Role

# The answers of this module for the current request, by (question, user, personal): a
# page asks for the same scope several times (the list, its search, its personal
# columns), each answer a few queries. Set by `ScopeMemoMiddleware` for one request
# only, and emptied by any save or delete of a role or unit (`forget`); outside a
# request (commands, tasks, tests calling these directly) nothing is kept.
_memo: ContextVar[dict | None] = ContextVar("dangvien_scope_memo", default=None)


@contextmanager
def memoised() -> Iterator[None]:
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def forget(*args: Any, **kwargs: Any) -> None:
    """Drop what this request has learnt (a role or unit changed: signal receiver)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def _kept(question: str, user, personal: bool, compute: Callable[[], Any]) -> Any:
    memo = _memo.get()
    if memo is None or not user.is_authenticated:
        return compute()
    key = (question, user.pk, personal)
    if key not in memo:
        memo[key] = compute()
    found = memo[key]
    return list(found) if isinstance(found, list) else found  # callers may change theirs


def answered_once(question: Callable) -> Callable:
    """Outside a request, one call's own memo: a question asks `all_roles` and
    `_known_units` several times, and they should be read once for it."""

    @wraps(question)
    def asked(*args: Any, **kwargs: Any) -> Any:
        if _memo.get() is not None:
            return question(*args, **kwargs)
        with memoised():
            return question(*args, **kwargs)

    return asked


class ScopeMemoMiddleware:
    """Keeps the scope's answers for the length of one request (see `_memo`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with memoised():
            return self.get_response(request)


def all_roles(user) -> list[tuple[str, int, bool, Any, Any]]:
    """Every role of the user, whatever its dates: (kind, unit id, personal data, from,
    to). One query a request: the scope's questions below are all answered from it."""
    if not user.is_authenticated:
        return []
    return _kept(
        "roles",
        user,
        False,
        lambda: list(
            Role.objects.filter(user=user).values_list(
                "kind", "unit_id", "personal_data", "valid_from", "valid_to"
            )
        ),
    )


def role_kinds(user) -> set[str]:
    """The kinds of the user's roles, whatever their dates."""
    return {kind for kind, *_rest in all_roles(user)}


@answered_once
def is_unrestricted(user) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or Role.Kind.ADMIN in role_kinds(user))
    )


def roles_for(user, personal: bool):
    """The user's roles in force today; with `personal`, only those that show personal
    details (a leader sees names only, unless granted)."""
    day = timezone.localdate()
    roles = user.roles.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
    )
    if personal:
        roles = roles.exclude(kind=Role.Kind.LEADER, personal_data=False)
    return roles


def _role_units(user, personal: bool, writers: bool = False) -> set[int]:
    """The units of the roles `roles_for(user, personal)` finds (without the leaders'
    with `writers`), from `all_roles`."""
    day = timezone.localdate()
    return {
        unit
        for kind, unit, data, start, end in all_roles(user)
        if (start is None or start <= day)
        and (end is None or end > day)
        and not (personal and kind == Role.Kind.LEADER and not data)
        and not (writers and kind == Role.Kind.LEADER)
    }


def _known_units(user) -> tuple[dict[int, set[int]], dict[int, tuple[str, str | None]]]:
    """For the units of the user's roles in force and every unit they succeeded: which
    units each one succeeded directly (id → ids), and each one's path and its locality's
    path. One query per generation of merges, then one for the paths."""
    from dangvien.orgs.models import OrgUnit

    def compute():
        through = OrgUnit.successors.through
        seen = _role_units(user, False)
        earlier: dict[int, set[int]] = {}
        frontier = set(seen)
        while frontier:
            pairs = through.objects.filter(to_orgunit__in=frontier).values_list(
                "to_orgunit", "from_orgunit"
            )
            for to, source in pairs:
                earlier.setdefault(to, set()).add(source)
            frontier = {source for _to, source in pairs} - seen
            seen |= frontier
        paths = {
            pk: (path, place)
            for pk, path, place in OrgUnit.objects.filter(pk__in=seen).values_list(
                "pk", "path", "locality__path"
            )
        }
        return earlier, paths

    return _kept("units", user, False, compute)


def _with_predecessors(units: set[int], earlier: dict[int, set[int]]) -> set[int]:
    """`units` and every unit they succeeded, transitively (as `with_predecessors`)."""
    seen, frontier = set(units), set(units)
    while frontier:
        frontier = {e for u in frontier for e in earlier.get(u, ())} - seen
        seen |= frontier
    return seen


@answered_once
def scope_units(user, personal: bool = False) -> list[int]:
    """Ids of the units the user's roles are on, with every unit they succeeded: the
    officer of a ward formed by a merge keeps the records of the wards it replaced."""
    if not user.is_authenticated:
        return []
    earlier, _paths = _known_units(user)
    return sorted(_with_predecessors(_role_units(user, personal), earlier))


@answered_once
def scope_paths(user, personal: bool = False) -> list[str] | None:
    """Paths of the units whose subtrees the user sees; None means everything."""
    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    _earlier, paths = _known_units(user)
    return sorted({paths[u][0] for u in scope_units(user, personal) if u in paths})


@answered_once
def locality_paths(user, personal: bool = False) -> list[str] | None:
    """Paths of the localities led by the user's units (and those they succeeded);
    None means everything."""
    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    _earlier, paths = _known_units(user)
    return sorted(
        {place for u in scope_units(user, personal) if (place := paths.get(u, ("", None))[1])}
    )


@answered_once
def writable_paths(user) -> list[str] | None:
    """Paths of the units whose subtrees the user may change (officers and secretaries,
    with the units their units succeeded; leaders only read); None means everywhere."""
    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    earlier, paths = _known_units(user)
    units = _with_predecessors(_role_units(user, False, writers=True), earlier)
    return sorted({paths[u][0] for u in units if u in paths})


def may_write(user, unit) -> bool:
    """Whether the user may change records of `unit` (an OrgUnit)."""
    paths = writable_paths(user)
    return paths is None or any(unit.path.startswith(p) for p in paths)


def prefix_q(field: str, paths: list[str]) -> Q:
    """`field` starts with one of `paths`. A path that starts with another of them adds
    nothing and is left out: the 1,368 localities the units of province T01 lead at 6M
    members all lie under the province's own, one pattern instead of 1,368 (the query
    of coverage's area went from 6.7 s to 0.6 s, 01/12/2026, both with a generation
    running beside it)."""
    kept: list[str] = []
    for p in sorted(set(paths)):  # the paths starting with `p` follow it in this order
        if not kept or not p.startswith(kept[-1]):
            kept.append(p)
    if not kept:
        return Q(**{f"{field}__in": []})
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in kept))


def scope_filter(user, field: str, personal: bool = False) -> Q | None:
    """Q restricting `field` (a unit path) to the user's scope; None when unrestricted."""
    paths = scope_paths(user, personal)
    return None if paths is None else prefix_q(field, paths)


def names_only_paths(user) -> list[str]:
    """Unit paths whose people the user sees by name only (a leader's role without the
    personal-data grant, not also under one of the user's other roles)."""
    every = scope_paths(user)
    if not every:
        return []
    personal = scope_paths(user, personal=True) or []
    return [p for p in every if not any(p.startswith(q) for q in personal)]


def personal_everywhere(user, under: str | None = None) -> bool:
    """Whether the user sees the personal details of everyone they see (of everyone in
    the subtree of the unit path `under`, when given): who may filter and export by
    personal fields without learning them through the filter (ASVS V8)."""
    names_only = names_only_paths(user)
    if not names_only:
        return True
    if under is None:
        return False
    personal = scope_paths(user, personal=True) or []
    if any(under.startswith(q) for q in personal):
        return True
    return not any(under.startswith(n) or n.startswith(under) for n in names_only)
