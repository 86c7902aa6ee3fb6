"""The one scoping gate: which units (and so which people and localities) a user sees.

Every `visible_to(user)` queryset method builds its filter here.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from .models import Role


def is_unrestricted(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.roles.filter(kind=Role.Kind.ADMIN).exists())
    )


def scope_paths(user) -> list[str] | None:
    """Paths of the units whose subtrees the user sees; None means everything."""
    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    return list(user.roles.values_list("unit__path", flat=True).distinct())


def locality_paths(user) -> list[str] | None:
    """Paths of the localities led by the user's units; None means everything."""
    if not user.is_authenticated:
        return []
    if is_unrestricted(user):
        return None
    return list(
        user.roles.filter(unit__locality__isnull=False)
        .values_list("unit__locality__path", flat=True)
        .distinct()
    )


def prefix_q(field: str, paths: list[str]) -> Q:
    if not paths:
        return Q(**{f"{field}__in": []})
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


def scope_filter(user, field: str) -> Q | None:
    """Q restricting `field` (a unit path) to the user's scope; None when unrestricted."""
    paths = scope_paths(user)
    return None if paths is None else prefix_q(field, paths)
