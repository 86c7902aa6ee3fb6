"""A person's full record, for a lawful request (Decree 13/2023, PDP Law)."""

from django.db.models import F, Prefetch

from dangvien.accounts.audit import snapshot
from dangvien.accounts.models import AuditEntry
from dangvien.admission.models import Candidate, Event

from .models import Person


def full_record(person: Person) -> dict:
    """Everything stored about a person, as JSON-safe data."""
    memberships = []
    for m in person.memberships.prefetch_related("stints__unit"):
        memberships.append(
            {
                **snapshot(m),
                "stints": [
                    {**snapshot(s), "unit_code": s.unit.code, "unit_name": s.unit.name}
                    for s in m.stints.all()
                ],
            }
        )
    candidacies = []
    for c in Candidate.objects.filter(person=person).prefetch_related(
        Prefetch("events", queryset=Event.all_objects.all()),
        "tags",  # voided steps too
    ):
        candidacies.append(
            {
                **snapshot(c),
                "cell": c.cell.code,
                "tags": [t.tag for t in c.tags.all()],
                "events": [snapshot(e) for e in c.events.all()],
            }
        )
    return {
        "person": {
            **snapshot(person),
            "ethnicity": person.ethnicity.name,
            "religion": person.religion.name,
            "residence": person.residence.long_name if person.residence else None,
        },
        "positions": [snapshot(p) for p in person.positions.all()],
        "residences": [
            {
                **snapshot(r),
                "locality_code": r.locality.code,
                "locality_name": r.locality.long_name,
            }
            for r in person.residences.select_related("locality__parent").order_by(
                F("start_on").asc(nulls_first=True), "pk"
            )
        ],
        "memberships": memberships,
        "candidacies": candidacies,
        "audit": [
            {
                "at": e.at.isoformat(),
                "user": e.username,
                "action": e.action,
                "record": e.object_repr,
                "detail": e.detail,
                "erased": e.erased,  # values erased under retention
            }
            for e in AuditEntry.objects.filter(person_id=person.pk).order_by("at")
        ],
    }
