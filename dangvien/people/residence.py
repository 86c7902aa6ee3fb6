"""The residence history kept in step with `Person.residence` by the writers that set it
without a dated move (imports, the new-candidate form). A dated move by a user is
`dangvien.records.people.move_residence`, which checks scope and dates first."""

import datetime as dt

from django.db.models import F

from dangvien.orgs.models import Locality

from .models import Person, Residence


def current_residence(person: Person) -> Residence | None:
    """The open row of the history (no end), the latest started if there were several."""
    return (
        person.residences.filter(end_on__isnull=True)
        .select_related("locality")
        .order_by(F("start_on").desc(nulls_last=True), "-pk")
        .first()
    )


def follow_residence(person: Person, locality: Locality | None, *, on: dt.date) -> None:
    """After `person.residence` was set to `locality` (saved or about to be): the history
    follows. A first residence holds "since before the records begin" (nobody knows
    since when); a different one ends the current row on `on` and starts a new one then;
    none ends the current row. The person row itself is not written here."""
    now = current_residence(person)
    if now is not None and locality is not None and now.locality_id == locality.pk:
        return
    if now is None:
        if locality is not None and not person.residences.exists():
            Residence.objects.create(person=person, locality=locality, start_on=None)
        elif locality is not None:
            Residence.objects.create(person=person, locality=locality, start_on=on)
        return
    if now.start_on is not None and now.start_on >= on:
        # Set again on the day it started (or a row dated ahead): a correction of that row.
        if locality is None:
            now.delete()
        else:
            now.locality = locality
            now.save(update_fields=["locality"])
        return
    now.end_on = on
    now.save(update_fields=["end_on"])
    if locality is not None:
        Residence.objects.create(person=person, locality=locality, start_on=on)


def first_residences(people: list[Person]) -> list[Residence]:
    """History rows for people created in bulk with a residence (not yet inserted)."""
    return [
        Residence(person=p, locality_id=p.residence_id, start_on=None)
        for p in people
        if p.residence_id is not None
    ]
