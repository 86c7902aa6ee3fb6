"""The one scoping gate: which units (and so which people and localities) a user sees.

Every `visible_to(user)` queryset method builds its filter here.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import reduce
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


class ScopeMemoMiddleware:
    """Keeps the scope's answers for the length of one request (see `_memo`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with memoised():
            return self.get_response(request)


def is_unrestricted(user) -> bool:
    return bool(
        user.is_authenticated
        and _kept(
            "unrestricted",
            user,
            False,
            lambda: user.is_superuser or user.roles.filter(kind=Role.Kind.ADMIN).exists(),
        )
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


def scope_units(user, personal: bool = False) -> list[int]:
    """Ids of the units the user's roles are on, with every unit they succeeded: the
    officer of a ward formed by a merge keeps the records of the wards it replaced."""
    from dangvien.orgs.models import with_predecessors

    if not user.is_authenticated:
        return []
    return _kept(
        "units",
        user,
        personal,
        lambda: sorted(
            with_predecessors(roles_for(user, personal).values_list("unit_id", flat=True))
        ),
    )


def scope_paths(user, personal: bool = False) -> list[str] | None:
    """Paths of the units whose subtrees the user sees; None means everything."""
    from dangvien.orgs.models import OrgUnit

    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    units = scope_units(user, personal)
    return _kept(
        "paths",
        user,
        personal,
        lambda: list(
            OrgUnit.objects.filter(pk__in=units).values_list("path", flat=True).distinct()
        ),
    )


def locality_paths(user, personal: bool = False) -> list[str] | None:
    """Paths of the localities led by the user's units (and those they succeeded);
    None means everything."""
    from dangvien.orgs.models import OrgUnit

    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    units = scope_units(user, personal)
    return _kept(
        "places",
        user,
        personal,
        lambda: list(
            OrgUnit.objects.filter(pk__in=units, locality__isnull=False)
            .values_list("locality__path", flat=True)
            .distinct()
        ),
    )


def writable_paths(user) -> list[str] | None:
    """Paths of the units whose subtrees the user may change (officers and secretaries,
    with the units their units succeeded; leaders only read); None means everywhere."""
    from dangvien.orgs.models import OrgUnit, with_predecessors

    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None

    def compute() -> list[str]:
        units = with_predecessors(
            roles_for(user, False).exclude(kind=Role.Kind.LEADER).values_list("unit_id", flat=True)
        )
        return list(OrgUnit.objects.filter(pk__in=units).values_list("path", flat=True).distinct())

    return _kept("writable", user, False, compute)


def may_write(user, unit) -> bool:
    """Whether the user may change records of `unit` (an OrgUnit)."""
    paths = writable_paths(user)
    return paths is None or any(unit.path.startswith(p) for p in paths)


def prefix_q(field: str, paths: list[str]) -> Q:
    if not paths:
        return Q(**{f"{field}__in": []})
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


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
