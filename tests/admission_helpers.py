"""A candidate taken through the pipeline step by step, shared by the admission tests."""

import datetime as dt

from dangvien.admission import services
from dangvien.admission.models import Candidate, Event, Tag
from dangvien.admission.services import Step

from . import factories as f

D = dt.date
K = Event.Kind
LATER = D(2019, 12, 31)  # "today" for service calls: every step is in the past


def second_member(org):
    """A second full member of cell A1, to introduce."""
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    f.member(quy, org.cell_a1, ceremony=D(2008, 3, 1))
    return quy


def lan(org, helper=None, **person):
    p = f.person(
        person.pop("name", "Vũ Thị Lan"),
        person.pop("birth", D(1995, 8, 15)),
        "F",
        youth_union_member=True,
        residence=org.tdp_a1,
        **person,
    )
    return services.list_candidate(
        p,
        org.cell_a1,
        listed_on=D(2016, 6, 1),
        tags=[Tag.WOMAN, Tag.YOUTH_UNION],
        helper=helper or org.an,
        by=None,
        today=LATER,
    )


def step(c, kind, date, **fields):
    c.refresh_from_db()
    return services.record(
        c, Step(kind=kind, date=date, **fields), by=None, version=c.version, today=LATER
    )


def introduce(c, date, *introducers):
    """Full members introducing `c` on `date`, each known to the applicant since 2015."""
    for who in introducers:
        step(c, K.INTRODUCTION, date, introducer=who, worked_together_since=D(2015, 1, 1))


def prepare(c, org):
    """Course, application, verification, introductions, comments: ready for the vote."""
    step(c, K.COURSE_CERTIFICATE, D(2016, 8, 10), document_number="CN-123")
    step(c, K.APPLICATION, D(2017, 1, 5))
    step(c, K.DECLARATION, D(2017, 1, 5))
    for who in ("Bản thân", "Cha"):
        step(c, K.VERIFICATION_REQUEST, D(2017, 1, 10), subject=who)
        step(c, K.VERIFICATION_ANSWER, D(2017, 3, 1), subject=who)
    step(c, K.YOUTH_UNION_RESOLUTION, D(2017, 4, 1), document_number="12-NQ/ĐTN")
    step(c, K.INTRODUCTION, D(2017, 4, 5), introducer=org.an, worked_together_since=D(2016, 1, 1))
    step(c, K.RESIDENCE_COMMENT, D(2017, 4, 20))


def admit(c, org):
    prepare(c, org)
    step(c, K.CELL_VOTE, D(2017, 5, 10), full_members=12, present=11, in_favour=10)
    step(c, K.GRASSROOTS_VOTE, D(2017, 5, 25), full_members=9, in_favour=8)
    step(c, K.DECISION, D(2017, 7, 3), document_number="456-QĐ/TU")
    step(c, K.CEREMONY, D(2017, 7, 20))
    return Candidate.objects.get(pk=c.pk)
