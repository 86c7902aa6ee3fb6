"""Positions held (chức vụ): assigning and ending them, the holders of a place or cell,
and a cell's committee (chi ủy) on a date.

A post is held over [start_on, end_on) — the day it ends is the first day it is no
longer held, as `reports.coverage` counts it. Posts in a locality (hamlet/village head,
residential group head, commune police, team leader, front and mass-organisation heads)
are held by members and non-members alike, since coverage counts how many holders are
members; posts in a cell (secretary, deputy, committee member) are held by members of
that cell. A cell's committee on a date is its members holding cell posts, and it
exists when one of them is a plain committee member (a cell under 9 full members elects
only a secretary, and perhaps a deputy).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import may_write
from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import CELL_COMMITTEE_POSITIONS, Person, Position

P = Position.Kind
L = Locality.Kind
BASE = tuple(Locality.BASE_KINDS)
# The kinds of locality each locality post belongs to.
LOCALITY_POSTS: dict[str, tuple[str, ...]] = {
    P.HAMLET_HEAD: (L.HAMLET, L.VILLAGE),
    P.RESIDENTIAL_GROUP_HEAD: (L.RESIDENTIAL_GROUP,),
    P.COMMUNE_POLICE: (*BASE, L.COMMUNE, L.WARD),
    P.MILITIA: (*BASE, L.COMMUNE, L.WARD),
    P.TEAM_LEADER: BASE,
    P.FRONT_HEAD: BASE,
    P.MASS_ORG_HEAD: BASE,
}
CELL_POSTS = tuple(CELL_COMMITTEE_POSITIONS)
CELL_KINDS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL)
# One holder at a time: heads and secretaries. (A hamlet has several mass organisations,
# and so several heads of them; a committee has several members.)
SINGLE_HOLDER = (
    P.HAMLET_HEAD,
    P.RESIDENTIAL_GROUP_HEAD,
    P.FRONT_HEAD,
    P.CELL_SECRETARY,
    P.CELL_DEPUTY_SECRETARY,
)
COMMITTEE_MAX = 7  # a cell committee (chi ủy) has at most 7 members (DOMAIN.md)
EARLIEST = dt.date(1945, 1, 1)


def held_on_q(day: dt.date, prefix: str = "") -> Q:
    """Q for 'this position is held on `day`'."""
    return Q(**{f"{prefix}start_on__lte": day}) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gt": day})
    )


def member_on(day: dt.date, unit: OrgUnit | None = None) -> Exists:
    """Exists(): the position's holder is a party member on `day` (in `unit`'s subtree)."""
    stints = Stint.objects.members_on(day).filter(membership__person=OuterRef("person"))
    if unit is not None:
        stints = stints.filter(unit__path__startswith=unit.path)
    return Exists(stints)


def leading_units(locality: Locality) -> QuerySet:
    """The committees leading `locality` or a locality it is part of."""
    codes = locality.path.strip("/").split("/")
    return OrgUnit.objects.filter(locality__code__in=codes)


def may_write_locality(user, locality: Locality) -> bool:
    """Whether `user` may change the records of `locality`: may write on a committee that
    leads it (its ward or commune, or the city above)."""
    if user is None:
        return True
    return any(may_write(user, u) for u in leading_units(locality))


def writable_localities(user, day: dt.date) -> QuerySet:
    """Localities open on `day` whose posts `user` may record."""
    from dangvien.accounts.scoping import prefix_q, writable_paths

    qs = Locality.objects.on(day)
    paths = writable_paths(user)
    if paths is None:
        return qs
    # The localities led by the units the user writes for (not every unit of the country).
    units = OrgUnit.objects.filter(locality__isnull=False).filter(prefix_q("path", paths))
    led = set(units.values_list("locality__path", flat=True))
    q = Q(pk__in=[])
    for path in led:
        q |= Q(path__startswith=path)
    return qs.filter(q)


def where(position: Position) -> str:
    place = position.locality or position.unit
    return place.name if place else ""


def _date(value, field: str, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date):
        raise InvalidField(field, _("Enter a date (dd/mm/yyyy)."))
    if value < EARLIEST:
        raise InvalidField(
            field,
            _("The date %(d)s is before %(first)s.")
            % {"d": value.strftime("%d/%m/%Y"), "first": EARLIEST.strftime("%d/%m/%Y")},
        )
    if value > today:
        raise InvalidField(
            field, _("The date %(d)s is in the future.") % {"d": value.strftime("%d/%m/%Y")}
        )
    return value


def assign_position(
    person: Person,
    *,
    kind: str,
    locality: Locality | None = None,
    unit: OrgUnit | None = None,
    start_on: dt.date,
    by,
    today: dt.date | None = None,
) -> Position:
    """Record that `person` holds the post `kind` in `locality` (or the cell `unit`) from
    `start_on`, or raise and write nothing."""
    from .exits import death_of, fmt

    today = today or timezone.localdate()
    if kind not in P.values:
        raise InvalidField("kind", _("Choose a position from the list."))
    kind = P(kind)
    start_on = _date(start_on, "start_on", today)
    death = death_of(person)
    if death is not None and start_on >= death.on:  # a post held before it stays history
        raise InvalidField(
            "start_on",
            _("%(name)s died on %(d)s: this record can no longer be made.")
            % {"name": person.full_name, "d": fmt(death.on)},
        )
    label = kind.label
    if kind in CELL_POSTS:
        if unit is None or unit.kind not in CELL_KINDS:
            raise InvalidField(
                "unit", _("“%(post)s” is held in a cell: choose the cell.") % {"post": label}
            )
        locality = None
    elif kind in LOCALITY_POSTS:
        kinds = LOCALITY_POSTS[kind]
        if locality is None or locality.kind not in kinds:
            names = ", ".join(str(L(k).label).lower() for k in kinds)
            raise InvalidField(
                "locality",
                _("“%(post)s” is held in a locality (%(kinds)s): choose one.")
                % {"post": label, "kinds": names},
            )
        unit = None
    elif (locality is None) == (unit is None):
        raise InvalidField(
            "locality", _("Choose where the position is held: a locality or a unit.")
        )
    place = locality or unit
    assert place is not None
    if by is not None:
        if unit is not None:
            allowed = may_write(by, unit)
        else:
            assert locality is not None
            allowed = may_write_locality(by, locality)
        if not allowed:
            raise NotAllowed(
                _("You may not record positions in %(place)s.") % {"place": place.name}
            )
        if not Person.objects.visible_to(by).filter(pk=person.pk).exists():
            raise NotAllowed(_("Not found, or outside your scope."))
    if not place.exists_on(start_on):
        raise InvalidField(
            "start_on",
            _("%(place)s does not exist on %(d)s.")
            % {"place": place.name, "d": start_on.strftime("%d/%m/%Y")},
        )
    with transaction.atomic():
        # One writer at a time per place: the overlap check below stays true until commit.
        type(place).objects.select_for_update().filter(pk=place.pk).first()
        if unit is not None and kind in CELL_POSTS:
            member = Stint.objects.members_on(start_on).in_subtree(unit)
            if not member.filter(membership__person=person).exists():
                raise InvalidField(
                    "person",
                    _("%(name)s is not a member of %(cell)s on %(d)s.")
                    % {
                        "name": person.full_name,
                        "cell": unit.name,
                        "d": start_on.strftime("%d/%m/%Y"),
                    },
                )
        if unit is not None and kind in CELL_POSTS:
            seated = Position.objects.filter(unit=unit, kind__in=CELL_POSTS).filter(
                held_on_q(start_on)
            )
            if seated.count() >= COMMITTEE_MAX:
                raise InvalidField(
                    "unit",
                    _("The committee of %(cell)s already has %(n)s members on %(d)s, the most.")
                    % {
                        "cell": unit.name,
                        "n": COMMITTEE_MAX,
                        "d": start_on.strftime("%d/%m/%Y"),
                    },
                )
        here = Position.objects.filter(kind=kind, locality=locality, unit=unit).filter(
            Q(end_on__isnull=True) | Q(end_on__gt=start_on)
        )
        own = here.filter(person=person).first()
        if own is not None:
            raise InvalidField(
                "start_on",
                _("%(name)s already holds “%(post)s” in %(place)s from %(d)s.")
                % {
                    "name": person.full_name,
                    "post": label,
                    "place": place.name,
                    "d": own.start_on.strftime("%d/%m/%Y"),
                },
            )
        if kind in SINGLE_HOLDER:
            current = here.select_related("person").order_by("start_on").first()
            if current is not None:
                raise InvalidField(
                    "start_on",
                    _(
                        "%(place)s already has a holder of “%(post)s” on %(d)s: %(name)s "
                        "(from %(since)s). End that position first."
                    )
                    % {
                        "place": place.name,
                        "post": label,
                        "d": max(start_on, current.start_on).strftime("%d/%m/%Y"),
                        "name": current.person.full_name,
                        "since": current.start_on.strftime("%d/%m/%Y"),
                    },
                )
        return Position.objects.create(
            person=person, kind=kind, locality=locality, unit=unit, start_on=start_on
        )


def end_position(position: Position, *, on: dt.date, by, today: dt.date | None = None) -> Position:
    """Record that `position` is no longer held from `on` (its first day without it)."""
    today = today or timezone.localdate()
    on = _date(on, "end_on", today)
    place = position.locality or position.unit
    if by is not None and place is not None:
        allowed = (
            may_write(by, position.unit)
            if position.unit is not None
            else may_write_locality(by, position.locality)  # type: ignore[arg-type]
        )
        if not allowed:
            raise NotAllowed(
                _("You may not record positions in %(place)s.") % {"place": place.name}
            )
    with transaction.atomic():
        current = Position.objects.select_for_update().get(pk=position.pk)
        if current.end_on is not None:
            raise InvalidField(
                "end_on",
                _("This position already ended on %(d)s.")
                % {"d": current.end_on.strftime("%d/%m/%Y")},
            )
        if on <= current.start_on:
            raise InvalidField(
                "end_on",
                _("The end %(d)s must be after the start %(start)s.")
                % {"d": on.strftime("%d/%m/%Y"), "start": current.start_on.strftime("%d/%m/%Y")},
            )
        current.end_on = on
        current.save(update_fields=["end_on"])  # audited by the signals
    position.end_on = on
    return current


# ----- questions ------------------------------------------------------------------------
@dataclass
class Holder:
    position: Position
    is_member: bool


def holders_query(*, day: dt.date, unit: OrgUnit | None = None, locality: Locality | None = None):
    """The positions `holders` lists, annotated `is_member` and the keys of its order
    (`HOLDER_KEYS`: places first, by path, then cells; post; holder's name; id), which a
    keyset page (`core.keyset`) reads."""
    q = Q(pk__in=[])
    if unit is not None:
        q |= Q(unit__path__startswith=unit.path)
        if unit.locality_id:
            q |= Q(locality__path__startswith=unit.locality.path)  # type: ignore[union-attr]
    if locality is not None:
        q |= Q(locality__path__startswith=locality.path)
    return (
        Position.objects.filter(q)
        .filter(held_on_q(day))
        .annotate(
            is_member=member_on(day),
            # Never NULL: a keyset compares the tuple of these (NULL compares to nothing).
            k_group=Case(When(locality__isnull=False, then=Value(0)), default=Value(1)),
            k_path=Coalesce(F("locality__path"), F("unit__path"), Value("")),
            k_name=F("person__sort_name"),
        )
        .select_related("person", "locality", "unit")
        .order_by(*HOLDER_KEYS)
    )


HOLDER_KEYS = ("k_group", "k_path", "kind", "k_name", "pk")


def holders(*, day: dt.date, unit: OrgUnit | None = None, locality: Locality | None = None):
    """Post holders on `day`: of the cells under `unit` and of the localities it leads, or
    of `locality` and the places under it; each marked member or not on `day`."""
    rows = holders_query(day=day, unit=unit, locality=locality)
    return [Holder(p, p.is_member) for p in rows]  # type: ignore[attr-defined]


def committee(cell: OrgUnit, day: dt.date) -> list[Position]:
    """The cell's committee on `day`: its members holding cell posts then; empty when it
    has no committee member (a secretary alone is no committee)."""
    rows = list(
        Position.objects.filter(unit=cell, kind__in=CELL_POSTS)
        .filter(held_on_q(day))
        .filter(member_on(day, cell))
        .select_related("person")
        .order_by("kind", "person__sort_name")
    )
    return rows if any(p.kind == P.CELL_COMMITTEE for p in rows) else []


def cells_with_committee(cells, day: dt.date) -> set[int]:
    """Ids of the cells among `cells` that have a committee on `day` (one query)."""
    return set(
        Position.objects.filter(unit__in=cells, kind=P.CELL_COMMITTEE)
        .filter(held_on_q(day))
        .filter(
            Exists(
                Stint.objects.members_on(day).filter(
                    membership__person=OuterRef("person"),
                    unit__path__startswith=OuterRef("unit__path"),
                )
            )
        )
        .values_list("unit", flat=True)
        .distinct()
    )
