"""Erase the personal data of withdrawn and rejected candidates after a retention period.

The candidate row, its stage, cell, tags and event kinds and dates stay (statistics keep
their counts); the person's name, identity number, exact birth date and the free text
of the dossier go. People who are, or were, members are never touched. The audit log is
append-only and keeps what it recorded; erasure is itself logged.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef

from dangvien.accounts.audit import A, log
from dangvien.core.civil import add_years
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from .models import EXITS, Candidate, Event

ANONYMOUS = "Đã ẩn danh"


def due(today: dt.date, years: int):
    """Candidates whose personal data are past retention on `today`."""
    cutoff = add_years(today, -years)
    return (
        Candidate.objects.filter(stage__in=EXITS, stage_since__lt=cutoff)
        .exclude(person__full_name__startswith=ANONYMOUS)
        .exclude(Exists(Membership.objects.filter(person=OuterRef("person"))))
        .exclude(
            Exists(Candidate.objects.filter(person=OuterRef("person")).exclude(stage__in=EXITS))
        )
        .select_related("person", "cell")
    )


@transaction.atomic
def anonymise(candidate: Candidate) -> None:
    p: Person = candidate.person
    p.full_name = f"{ANONYMOUS} #{p.pk}"
    p.citizen_id = None
    p.birth_date = p.birth_date.replace(month=1, day=1)  # the year stays, for age bands
    p.save()
    for event in Event.objects.filter(candidate__person=p):  # one by one: each audited
        event.note = event.subject = event.document_number = ""
        event.card_number = event.approved_by = ""
        event.save(
            update_fields=["note", "subject", "document_number", "card_number", "approved_by"]
        )
    log(A.DELETE, p, detail="retention: personal data erased")
