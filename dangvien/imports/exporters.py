"""The data in the templates' own format, so that an export imports again unchanged
(the round trip), and an office can take its data elsewhere."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import OuterRef, Subquery
from django.utils import translation

from dangvien.admission.dossier import GRADE  # the same '12/12' the rules read
from dangvien.admission.models import Candidate
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people.models import Person

from . import candidates, localities, members, units


def day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def reverse(mapping: dict) -> dict:
    return {v: k for k, v in mapping.items()}


def unit_rows(qs=None) -> Iterator[list]:
    kinds = reverse(units.KINDS)
    for u in (qs if qs is not None else OrgUnit.objects.all()).select_related("parent"):
        yield [u.code, u.name, kinds[u.kind], u.parent.code if u.parent else "", day(u.valid_from)]


def locality_rows(qs=None) -> Iterator[list]:
    kinds = reverse(localities.KINDS)
    serving = dict(
        LocalityCell.objects.filter(valid_to__isnull=True).values_list("locality_id", "cell__code")
    )
    for x in (qs if qs is not None else Locality.objects.all()).select_related("parent"):
        yield [
            x.code,
            x.name,
            kinds[x.kind],
            x.parent.code if x.parent else "",
            serving.get(x.pk, ""),
            day(x.valid_from),
        ]


def person_cells(p: Person) -> list:
    with translation.override("vi"):
        occupation = p.get_occupation_display()
    return [
        p.full_name,
        day(p.birth_date),
        reverse(members.SEX)[p.sex],
        p.citizen_id or "",
        p.ethnicity.name,
        p.religion.name,
        GRADE.get(p.general_education, ""),
        reverse(members.PROFESSIONAL)[p.professional],
        reverse(members.THEORY)[p.political_theory],
        occupation,
        p.residence.code if p.residence else "",
    ]


def member_rows(qs=None) -> Iterator[list]:
    """One row per membership, in the unit of its latest stint."""
    latest = Stint.objects.filter(membership=OuterRef("pk")).order_by("-start_on")
    qs = qs if qs is not None else Membership.objects.all()
    qs = qs.select_related("person__ethnicity", "person__religion", "person__residence").annotate(
        unit_code=Subquery(latest.values("unit__code")[:1])
    )
    exits = reverse(members.EXIT)
    for m in qs.order_by("pk").iterator(chunk_size=2000):
        cells = person_cells(m.person)
        yield [
            *cells[:10],
            m.unit_code or "",
            cells[10],
            day(m.decision_on),
            day(m.ceremony_on),
            day(m.confirmed_on),
            m.card_number or "",
            day(m.exit_on),
            exits.get(m.exit_reason, ""),
        ]


def candidate_rows(qs=None) -> Iterator[list]:
    names = reverse(candidates.tag_names())
    qs = (qs if qs is not None else Candidate.objects.all()).select_related(
        "person__ethnicity", "person__religion", "person__residence", "cell", "helper"
    )
    for c in qs.prefetch_related("tags").order_by("pk"):
        yield [
            *person_cells(c.person),
            c.cell.code,
            day(c.listed_on),
            "; ".join(sorted(names[t.tag] for t in c.tags.all())),
            "Có" if c.person.youth_union_member else "Không",
            (c.helper.citizen_id or "") if c.helper else "",
        ]


ROWS = {
    "units": unit_rows,
    "localities": locality_rows,
    "members": member_rows,
    "candidates": candidate_rows,
}
