"""Build the rules' dossier (plain data) from a candidate's recorded events."""

from django.db.models import Q

from dangvien.people.models import GeneralEducation
from dangvien.reference.models import Religion

from .models import Candidate, Event

K = Event.Kind
GRADE: dict[str, str] = {
    GeneralEducation.PRIMARY: "5/12",
    GeneralEducation.LOWER_SECONDARY: "9/12",
    GeneralEducation.UPPER_SECONDARY: "12/12",
}


def _latest(events: list[Event], kind: str) -> Event | None:
    found = [e for e in events if e.kind == kind]
    return found[-1] if found else None


def _vote(e: Event | None) -> dict | None:
    if e is None:
        return None
    return {
        "date": e.date.isoformat(),
        "full_members": e.full_members or 0,
        "in_favour": e.in_favour or 0,
        "present": e.present,
    }


def _committee_votes(events: list[Event], kind: str) -> list[dict] | None:
    """Every attempt of a committee's vote, earliest first (failed ones count)."""
    found = [
        {
            "date": e.date.isoformat(),
            "committee_members": e.committee_members or 0,
            "in_favour": e.in_favour or 0,
        }
        for e in events
        if e.kind == kind and e.committee_members
    ]
    return found or None


def previous_membership(candidate: Candidate) -> dict | None:
    """The person's last membership that ended, for the readmission rules; more than one
    earlier membership means they were readmitted once already."""
    earlier = [
        m
        for m in candidate.person.memberships.all()
        if m.pk != candidate.membership_id and m.exit_on is not None
    ]
    if not earlier:
        return None
    last = max(earlier, key=lambda m: m.exit_on)
    return {
        "left_on": last.exit_on.isoformat(),
        "reason": last.exit_reason.lower(),
        "expunged_on": (
            last.conviction_expunged_on.isoformat() if last.conviction_expunged_on else None
        ),
        "readmitted_before": len(earlier) > 1,
    }


def _decision(e: Event | None) -> dict | None:
    if e is None:
        return None
    return {
        "date": e.date.isoformat(),
        "extended": e.extended,
        "received_on": e.received_on.isoformat() if e.received_on else None,
    }


def introducer_full_since(e: Event):
    """When the introducer became a full member, in the membership they held on the day
    they introduced (one they left later, by death or a transfer out of the organisation,
    still vouches for the introduction)."""
    if e.introducer is None:
        return None
    held = e.introducer.memberships.filter(Q(exit_on__isnull=True) | Q(exit_on__gt=e.date))
    m = (
        held.filter(ceremony_on__lte=e.date).order_by("-ceremony_on").first()
        # Not a member that day: the current membership, whose later date the rule refuses.
        or held.filter(exit_on__isnull=True).order_by("-ceremony_on").first()
    )
    return m.confirmed_on if m else None


def build(candidate: Candidate, events: list[Event]) -> dict:
    """The dossier JSON of DOMAIN.md's rule checks, from events in date order."""
    p = candidate.person
    events = sorted(events, key=lambda e: (e.date, e.pk or 0))
    introducers = []
    for e in events:
        if e.kind == K.INTRODUCTION:
            since = introducer_full_since(e)
            introducers.append(
                {
                    "kind": "member",
                    "name": e.introducer.full_name if e.introducer else "",
                    "full_member_since": since.isoformat() if since else None,
                    "worked_together_since": (
                        e.worked_together_since.isoformat() if e.worked_together_since else None
                    ),
                    "introduced_on": e.date.isoformat(),
                }
            )
        elif e.kind == K.YOUTH_UNION_RESOLUTION:
            introducers.append({"kind": "youth_union", "resolution_date": e.date.isoformat()})
    requested = {e.subject.strip().lower() for e in events if e.kind == K.VERIFICATION_REQUEST}
    answered = {
        e.subject.strip().lower() for e in events if e.kind == K.VERIFICATION_ANSWER
    } & requested
    course = _latest(events, K.COURSE_CERTIFICATE)
    ceremony = _latest(events, K.CEREMONY)
    data: dict = {
        "person": {
            "name": p.full_name,
            "birth_date": p.birth_date.isoformat(),
            "sex": p.sex,
            "general_education": GRADE.get(GeneralEducation(p.general_education)),
            "difficult_area": candidate.difficult_area,
            "youth_union_member": p.youth_union_member,
            "religion": "none" if p.religion.code == Religion.NONE else p.religion.name,
            "business_owner": p.business_owner,
        },
        "course": {"certificate_date": course.date.isoformat()} if course else None,
        "introducers": introducers,
        "youth_union_exists": candidate.youth_union_exists,
        "verification": (
            {"required": len(requested), "answered": len(answered)} if requested else None
        ),
        "cell_vote": _vote(_latest(events, K.CELL_VOTE)),
        "grassroots_vote": _committee_votes(events, K.GRASSROOTS_VOTE),
        "decision": _decision(_latest(events, K.DECISION)),
        "ceremony": {"date": ceremony.date.isoformat()} if ceremony else None,
        "confirmation": {
            "cell_vote": _vote(_latest(events, K.CONFIRMATION_CELL_VOTE)),
            "grassroots_vote": _committee_votes(events, K.CONFIRMATION_GRASSROOTS_VOTE),
            "decision": _decision(_latest(events, K.CONFIRMATION_DECISION)),
        },
        "previous_membership": previous_membership(candidate),
        "exceptions": [
            {
                "rule": e.rule,
                "approved_by": e.approved_by,
                "document": e.document_number,
                "date": e.date.isoformat(),
            }
            for e in events
            if e.kind == K.EXCEPTION
        ],
    }
    return {k: v for k, v in data.items() if v is not None}
