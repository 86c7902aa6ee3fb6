"""Coverage of every locality (DOMAIN.md "Organisation rules used by reports").

The base localities (hamlets, villages, residential groups) in a unit's area are those
under the communes and wards its committees lead and those its cells serve, open on the
date. A member lives in a locality on the date when their residence history
(`people.Residence`) has them there that day — or, for a locality since renamed or moved
to a new ward one to one, its successor. A locality has its own cell when a cell serves it
alone.

A cell's committee (chi ủy) on a date is its members holding cell posts then
(`records.positions.committee`): `cells_due_committee` lists the cells with at least 9
full members, which must elect one, that have none recorded on the date, and
`residential_committees` counts the residential cells that have one.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q

from dangvien.accounts.scoping import prefix_q
from dangvien.core.dates import add_years
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import (
    Locality,
    LocalityCell,
    OrgUnit,
    paths_above,
    with_predecessors,
)
from dangvien.people.models import Position, resident_on_q
from dangvien.records.positions import cells_with_committee

# From a member's stint to the rows of their residence history.
LIVED = "membership__person__residences__"
MIN_FULL_MEMBERS = 3  # a cell needs at least 3 full members
COMMITTEE_FROM = 9  # a cell with 9 or more full members elects a cell committee
AT_RISK_MEMBERS = 2  # one or two members left
AT_RISK_AGE = 65  # or all of them older than this
HEAD_POSITIONS = (Position.Kind.HAMLET_HEAD, Position.Kind.RESIDENTIAL_GROUP_HEAD)
LISTED_POSITIONS = (
    *HEAD_POSITIONS,
    Position.Kind.COMMUNE_POLICE,
    Position.Kind.TEAM_LEADER,
    Position.Kind.FRONT_HEAD,
    Position.Kind.MASS_ORG_HEAD,
)


@dataclass
class Coverage:
    unit: OrgUnit
    day: dt.date
    since: dt.date
    localities: list[dict] = field(default_factory=list)
    without_members: list[dict] = field(default_factory=list)
    without_own_cell: list[dict] = field(default_factory=list)
    relapsed: list[dict] = field(default_factory=list)
    at_risk: list[dict] = field(default_factory=list)
    cells_due_committee: list[dict] = field(default_factory=list)
    cells_too_small: list[dict] = field(default_factory=list)
    cells_living_elsewhere: list[dict] = field(default_factory=list)
    residential_cells: list[str] = field(default_factory=list)  # cells serving localities
    residential_committees: int = 0  # of those, the cells with a committee on the day
    positions: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "unit": self.unit.code,
            "as_of": self.day.isoformat(),
            "since": self.since.isoformat(),
            "localities": len(self.localities),
            "localities_without_members": len(self.without_members),
            "localities_without_own_cell": len(self.without_own_cell),
            "relapsed": len(self.relapsed),
            "at_risk": len(self.at_risk),
            "cells_due_committee": len(self.cells_due_committee),
            "cells_too_small": len(self.cells_too_small),
            "cells_living_elsewhere": len(self.cells_living_elsewhere),
            "residential_cells": len(self.residential_cells),
            "residential_cells_with_committee": self.residential_committees,
            "lists": {
                "localities_without_members": self.without_members,
                "localities_without_own_cell": self.without_own_cell,
                "relapsed": self.relapsed,
                "at_risk": self.at_risk,
                "cells_due_committee": self.cells_due_committee,
                "cells_too_small": self.cells_too_small,
                "cells_living_elsewhere": self.cells_living_elsewhere,
            },
            "positions": self.positions,
        }


def area(unit: OrgUnit, day: dt.date) -> list[Locality]:
    """Base localities open on `day` in the unit's area."""
    units = OrgUnit.objects.subtree(unit)
    led = [
        p
        for p in units.filter(locality__isnull=False).values_list("locality__path", flat=True)
        if p
    ]
    served = LocalityCell.objects.on(day).filter(cell__path__startswith=unit.path)
    return list(
        Locality.objects.on(day)
        .filter(kind__in=Locality.BASE_KINDS)
        .filter(prefix_q("path", led) | Q(pk__in=served.values("locality")))
        .select_related("parent")
        .order_by("path")
    )


def residence_map(localities: list[Locality]) -> dict[int, int]:
    """Residence locality id → the open locality it now stands for (itself, or through
    one-to-one successors)."""
    through = Locality.successors.through
    links = list(through.objects.values_list("from_locality", "to_locality"))
    outgoing: dict[int, list[int]] = defaultdict(list)
    incoming: dict[int, int] = defaultdict(int)
    for a, b in links:
        outgoing[a].append(b)
        incoming[b] += 1
    out: dict[int, int] = {}
    for loc in localities:
        here = loc.pk
        out[here] = loc.pk
        seen = {here}
        while len(outgoing.get(here, [])) == 1 and incoming[outgoing[here][0]] == 1:
            here = outgoing[here][0]
            if here in seen:
                break
            seen.add(here)
            out.setdefault(here, loc.pk)
    return out


def lived_on(day: dt.date) -> FilteredRelation:
    """From a stint, the member's residence row in force on `day` (a LEFT JOIN: none when
    the history has no row for that day)."""
    return FilteredRelation(LIVED.rstrip("_"), condition=resident_on_q(day, LIVED))


HOME = "person__residences__"  # from a membership to the rows of the residence history


def lived_during(since: dt.date, day: dt.date) -> Q:
    """Q on Membership: one residence row overlaps [since, day] and the membership."""
    return (
        (Q(**{f"{HOME}start_on__isnull": True}) | Q(**{f"{HOME}start_on__lte": day}))
        & (Q(**{f"{HOME}end_on__isnull": True}) | Q(**{f"{HOME}end_on__gt": since}))
        & (
            Q(**{f"{HOME}start_on__isnull": True})
            | Q(exit_on__isnull=True)
            | Q(**{f"{HOME}start_on__lt": F("exit_on")})
        )
        & (Q(**{f"{HOME}end_on__isnull": True}) | Q(**{f"{HOME}end_on__gt": F("ceremony_on")}))
    )


def item(loc: Locality, **extra) -> dict:
    parent = loc.parent.name if loc.parent else ""
    return {"code": loc.code, "name": loc.name, "commune": parent, **extra}


def term_start(unit: OrgUnit, day: dt.date) -> dt.date | None:
    """The first day of the congress term running on `day` for `unit` or the nearest
    committee above it that has one."""
    from dangvien.targets.models import Term  # terms sit above reports: read, not imported

    codes = unit.path.strip("/").split("/")
    terms = Term.objects.filter(unit__code__in=codes, start__lte=day, end__gte=day)
    nearest = max(terms.select_related("unit"), key=lambda t: t.unit.depth, default=None)
    return nearest.start if nearest else None


def coverage(
    unit: OrgUnit, day: dt.date, since: dt.date | None = None, *, gaps_only: bool = False
) -> Coverage:
    """`since` (tái trắng: had a member some day from then) defaults to the start of the
    term in force, else the earliest record. With `gaps_only` (the dashboard's four
    counts) only the localities without members, without their own cell and at risk, and
    the cells too small are filled in: the rest stays empty."""
    since = since or term_start(unit, day) or dt.date(1900, 1, 1)
    result = Coverage(unit, day, since)
    locs = area(unit, day)
    result.localities = [item(loc) for loc in locs]
    stands_for = residence_map(locs)
    # Members by where they lived on the day: one GROUP BY over the residence rows in force.
    members = (
        Stint.objects.members_on(day)
        .annotate(lived=lived_on(day))
        .filter(lived__locality__any=list(stands_for))
    )
    counts: dict[int, int] = defaultdict(int)
    old_only: dict[int, bool] = {}
    born_by = add_years(day, -(AT_RISK_AGE + 1))
    for residence, n, young in (
        members.values_list("lived__locality")
        .annotate(
            n=Count("id"), young=Count("id", filter=Q(membership__person__birth_date__gt=born_by))
        )
        .order_by()
    ):
        target = stands_for[residence]
        counts[target] += n
        old_only[target] = old_only.get(target, True) and young == 0
    # Had a member some day in [since, day], and none on the day: a member lived there on
    # some day of the period (the membership, the residence row and the period overlap
    # pairwise, so on a common day), whether they left the party or moved away since.
    earlier = (
        {}
        if gaps_only
        else dict(
            Membership.objects.filter(ceremony_on__lte=day)
            .filter(Q(exit_on__isnull=True) | Q(exit_on__gt=since))
            # One filter() call: the conditions hold for the same residence row.
            .filter(lived_during(since, day), **{f"{HOME}locality__any": list(stands_for)})
            .values_list(f"{HOME}locality")
            .annotate(n=Count("id", distinct=True))
            .order_by()
        )
    )
    lost: dict[int, int] = defaultdict(int)
    for residence, n in earlier.items():
        lost[stands_for[residence]] += n
    links = list(LocalityCell.objects.on(day).filter(locality__in=locs).select_related("cell"))
    serving: dict[int, list[OrgUnit]] = defaultdict(list)
    for link in links:
        serving[link.locality_id].append(link.cell)
    width = dict(
        LocalityCell.objects.on(day)
        .filter(cell__in={link.cell_id for link in links})
        .values_list("cell")
        .annotate(n=Count("id"))
        .order_by()
    )
    for loc in locs:
        n = counts.get(loc.pk, 0)
        cells = serving.get(loc.pk, [])
        if n == 0:
            result.without_members.append(item(loc))
            if lost.get(loc.pk):
                result.relapsed.append(item(loc, left=lost[loc.pk]))
        elif n <= AT_RISK_MEMBERS or old_only.get(loc.pk):
            result.at_risk.append(item(loc, members=n, all_over_65=bool(old_only.get(loc.pk))))
        if not cells or all(width.get(c.pk, 0) > 1 for c in cells):
            shared = ", ".join(c.name for c in cells)
            result.without_own_cell.append(item(loc, shared_cell=shared))
    cells_report(result, unit, day, stands_for, gaps_only=gaps_only)
    if not gaps_only:
        result.positions = position_coverage(locs, unit, day)
    return result


def cells_report(
    result: Coverage, unit: OrgUnit, day: dt.date, stands_for, *, gaps_only: bool = False
) -> None:
    holding = OrgUnit.objects.subtree(unit, on=day).filter(kind__in=OrgUnit.MEMBER_HOLDING_KINDS)
    holding = holding.exclude(kind=OrgUnit.Kind.PARTY_GROUP).select_related("parent")
    full: dict[str, int] = defaultdict(int)
    # The subtree's members on the day by unit and residence, with the full members
    # among them: one pass over their stints serves the cells' sizes and where their
    # members live (the dashboard's gaps need the sizes only: no residence join).
    by_place: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    members = Stint.objects.members_on(day).in_subtree(unit)
    is_full = Count("id", filter=Q(membership__confirmed_on__lte=day))
    if gaps_only:
        for path, n in members.values_list("unit__path").annotate(n=is_full).order_by():
            full[path] += n
    else:
        for path, residence, n, n_full in (
            members.annotate(lived=lived_on(day))
            .values_list("unit__path", "lived__locality")
            .annotate(n=Count("id"), full=is_full)
            .order_by()
        ):
            by_place[path][residence] += n
            full[path] += n_full
    # Each unit's count added to the cells above it (a cell's path is a prefix of theirs).
    cells = list(holding)
    in_cell: dict[str, int] = defaultdict(int)
    paths = {cell.path for cell in cells}
    for path, n in full.items():
        for above in paths_above(path):
            if above in paths:
                in_cell[above] += n
    with_committee = set() if gaps_only else cells_with_committee(holding, day)
    for cell in cells:
        n = in_cell.get(cell.path, 0)
        # (with the organisation it is in: many cells are "Chi bộ Thôn 1")
        within = cell.parent.name if cell.parent and cell.kind == OrgUnit.Kind.CELL else ""
        row = {"code": cell.code, "name": cell.name, "commune": within, "full_members": n}
        if n < MIN_FULL_MEMBERS:
            result.cells_too_small.append(row)
        if n >= COMMITTEE_FROM and cell.pk not in with_committee and not gaps_only:
            result.cells_due_committee.append(row)
    if gaps_only:
        return
    # Residential cells whose members mostly live elsewhere.
    served = defaultdict(set)
    for cell_id, loc_id in (
        LocalityCell.objects.on(day)
        .filter(cell__path__startswith=unit.path)
        .values_list("cell", "locality")
    ):
        served[cell_id].add(loc_id)
    # Each unit's members by residence (`by_place`, above), added to the cells above it.
    placed: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for path, places in by_place.items():
        for above in paths_above(path):
            if above in paths:
                for place, n in places.items():
                    placed[above][place] += n
    # The residence localities that stand for each open locality (itself included).
    standing: dict[int, set[int]] = defaultdict(set)
    for loc, target in stands_for.items():
        standing[target].add(loc)
    for cell in cells:
        if cell.pk not in served:
            continue
        result.residential_cells.append(cell.code)
        result.residential_committees += cell.pk in with_committee
        here = {loc for target in served[cell.pk] for loc in standing.get(target, ())}
        here |= {loc for loc in served[cell.pk] if loc in stands_for}
        places = placed.get(cell.path, {})
        total = sum(places.values())
        local = sum(n for place, n in places.items() if place in here)
        if total and local * 2 < total:
            within = cell.parent.name if cell.parent and cell.kind == OrgUnit.Kind.CELL else ""
            result.cells_living_elsewhere.append(
                {
                    "code": cell.code,
                    "name": cell.name,
                    "commune": within,
                    "members": total,
                    "local": local,
                }
            )


def position_coverage(locs: list[Locality], unit: OrgUnit, day: dt.date) -> list[dict]:
    """Of the holders of each listed position on `day`, how many are members."""
    units = with_predecessors({unit.pk})
    paths = list(OrgUnit.objects.filter(pk__in=units).values_list("path", flat=True))
    held = Position.objects.filter(
        Q(locality__in=locs) | prefix_q("unit__path", paths),
        Q(end_on__isnull=True) | Q(end_on__gt=day),
        kind__in=LISTED_POSITIONS,
        start_on__lte=day,
    )
    member = Exists(Stint.objects.members_on(day).filter(membership__person=OuterRef("person")))
    rows = (
        held.annotate(is_member=member)
        .values("kind")
        .annotate(holders=Count("id"), members=Count("id", filter=Q(is_member=True)))
        .order_by("kind")
    )
    labels = dict(Position.Kind.choices)
    return [
        {
            "position": str(labels[r["kind"]]),
            "code": r["kind"],
            "holders": r["holders"],
            "members": r["members"],
        }
        for r in rows
    ]
