"""The yearly quality rating of members (đánh giá, xếp loại chất lượng đảng viên), entered
by the cell for each member who belonged to it that year, and the yearly summary by
grassroots organisation."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from dangvien.core.errors import ActionError, InvalidField
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import OrgUnit, paths_above
from dangvien.people.models import Person

from .cards import check_scope, today
from .models import QualityRating

Grade = QualityRating.Grade
# The units that hold members and rate them (a party group rates inside its cell).
RATING_UNITS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL)
FIRST_YEAR = 1930


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def members_of(cell: OrgUnit, year: int):
    """Memberships active in `cell` at some time of `year` (a stint overlapping the year,
    while a member), in Vietnamese name order."""
    start, end = year_bounds(year)
    stints = Stint.objects.filter(unit=cell, start_on__lte=end).filter(
        Q(end_on__isnull=True) | Q(end_on__gt=start)
    )
    return (
        Membership.objects.filter(pk__in=stints.values("membership_id"))
        .filter(ceremony_on__lte=end)
        .filter(Q(exit_on__isnull=True) | Q(exit_on__gt=start))
        .select_related("person")
        .order_by("person__sort_name", "pk")
    )


def _check(membership: Membership, *, year, grade: str, cell: OrgUnit, now: dt.date) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidField("year", _("Enter the year rated.")) from None
    if year > now.year:
        raise InvalidField(
            "year", _("The year %(y)s has not come yet: it cannot be rated.") % {"y": year}
        )
    if year < FIRST_YEAR:
        raise InvalidField("year", _("The year %(y)s is before the records.") % {"y": year})
    if grade not in Grade.values:
        raise InvalidField(
            "grade",
            _("Choose a rating for %(name)s.") % {"name": membership.person.full_name},
        )
    if cell.kind not in RATING_UNITS:
        raise InvalidField(
            "unit", _("%(unit)s is not a party cell: choose a cell.") % {"unit": cell.name}
        )
    if not members_of(cell, year).filter(pk=membership.pk).exists():
        raise InvalidField(
            "membership",
            _("%(name)s was not a member of %(unit)s in %(y)s.")
            % {"name": membership.person.full_name, "unit": cell.name, "y": year},
        )
    return year


def _write(membership: Membership, year: int, grade: str, cell: OrgUnit, by) -> QualityRating:
    existing = (
        QualityRating.objects.select_for_update()
        .select_related("unit")
        .filter(membership=membership, year=year)
        .first()
    )
    if existing is None:
        return QualityRating.objects.create(
            membership=membership, year=year, grade=grade, unit=cell
        )
    if existing.unit_id != cell.pk:
        check_scope(by, existing.unit)  # rated by another cell that year: theirs too
    if (existing.grade, existing.unit_id) != (grade, cell.pk):
        existing.grade, existing.unit = grade, cell
        existing.save(update_fields=["grade", "unit"])  # saved one by one: audited
    return existing


def rate(
    membership: Membership, *, year: int, grade: str, unit: OrgUnit, by, now=None
) -> QualityRating:
    """Rate one member for `year` in the cell `unit` (a second rating replaces the first)."""
    now = now or today()
    check_scope(by, unit)
    year = _check(membership, year=year, grade=grade, cell=unit, now=now)
    with transaction.atomic():
        return _write(membership, year, grade, unit, by)


class RowErrors(ActionError):
    """Some rows of a table were refused; `errors` maps a membership id to its message.
    Nothing was written."""

    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def rate_cell(
    cell: OrgUnit, year: int, grades: dict[int, str], *, by, now=None
) -> list[QualityRating]:
    """Rate the members of `cell` for `year` in one go: `grades` maps a membership id to a
    grade ("" leaves the member unrated). All rows are written, or none (RowErrors)."""
    now = now or today()
    check_scope(by, cell)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidField("year", _("Enter the year rated.")) from None
    if year > now.year:
        raise InvalidField(
            "year", _("The year %(y)s has not come yet: it cannot be rated.") % {"y": year}
        )
    found = Membership.objects.filter(pk__in=grades).select_related("person")
    if by is not None:  # an id from elsewhere is "no such member", never a name
        found = found.filter(person__in=Person.objects.visible_to(by))
    memberships = {m.pk: m for m in found}
    errors: dict[int, str] = {}
    checked = []
    for pk, grade in grades.items():
        if not grade:
            continue
        m = memberships.get(pk)
        if m is None:
            errors[pk] = _("No such member.")
            continue
        try:
            checked.append((m, _check(m, year=year, grade=grade, cell=cell, now=now), grade))
        except InvalidField as e:
            errors[pk] = str(e)
    if errors:
        raise RowErrors(errors)
    with transaction.atomic():
        return [_write(m, y, grade, cell, by) for m, y, grade in checked]


@dataclass
class SummaryRow:
    unit: OrgUnit
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[tuple[int, float | None]]:
        """(count, share in %) for each grade, in the order of the grades."""
        total = self.total
        return [
            (self.counts.get(g, 0), 100 * self.counts.get(g, 0) / total if total else None)
            for g in Grade.values
        ]


def summary(unit: OrgUnit, year: int) -> tuple[list[SummaryRow], SummaryRow]:
    """Ratings of `year` in `unit`'s subtree, counted by grade for each grassroots
    organisation open at the year's end (today, for the running year), when the cells
    rate their members, or holding ratings of the year (one grouped query), and the
    total. A commune merged away during the year is not a row of zeros."""
    counted = list(
        QualityRating.objects.filter(year=year, unit__path__startswith=unit.path)
        .values("unit__path", "grade")
        .annotate(n=Count("pk"))
    )
    end = min(dt.date(year, 12, 31), today())
    ours = OrgUnit.objects.filter(path__startswith=unit.path, kind__in=OrgUnit.GRASSROOTS_KINDS)
    # (the units above a rated cell: its grassroots organisation is one of them)
    rated = {above for r in counted for above in paths_above(r["unit__path"])}
    grassroots = list(
        (ours.on(end) | ours.filter(path__in=rated))
        .order_by("path")
        .only("code", "name", "path", "kind")
    )
    if not grassroots and unit.grassroots():
        grassroots = [unit.grassroots()]
    rows = {g.path: SummaryRow(g) for g in grassroots}
    total = SummaryRow(unit)
    for r in counted:
        path, grade, n = r["unit__path"], r["grade"], r["n"]
        owner = max((p for p in rows if path.startswith(p)), key=len, default=None)
        if owner is not None:
            rows[owner].counts[grade] = rows[owner].counts.get(grade, 0) + n
        total.counts[grade] = total.counts.get(grade, 0) + n
    return list(rows.values()), total
