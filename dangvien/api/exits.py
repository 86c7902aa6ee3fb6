"""Exits from the party and exemptions from party work and activity, through the same
actions as the pages (`dangvien.records.exits`).

A person outside the user's scope, or whose personal details the user may not see (a
leader without the grant), is not found (404); a user who may only read is refused (403).
A refused value is 422 naming the field, another refusal 400, a change made meanwhile 409.
"""

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangvien.accounts.audit import A, log
from dangvien.api.schemas import INT32, ErrorOut, InvalidOut
from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason
from dangvien.people.models import Person
from dangvien.records import exits
from dangvien.records.models import Exemption, ExitDecision

router = Router(tags=["exits"])
NOT_FOUND = "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."


class ExitOut(Schema):
    id: int
    person_id: int
    membership_id: int
    on: dt.date
    reason: str
    reason_label: str
    document_number: str
    decided_by: str
    note: str
    reversed_on: dt.date | None
    reversal_reason: str
    conviction_expunged_on: dt.date | None


class ExitIn(Schema):
    person_id: int = Field(ge=1, le=INT32)
    on: dt.date
    reason: ExitReason
    document_number: str = Field("", max_length=60)
    decided_by: str = Field("", max_length=200)
    conviction_expunged_on: dt.date | None = None
    note: str = Field("", max_length=exits.MAX_TEXT)


class ReverseIn(Schema):
    reason: str = Field(min_length=1, max_length=exits.MAX_TEXT)


class ExemptionOut(Schema):
    id: int
    person_id: int
    membership_id: int
    reason: str
    reason_label: str
    start_on: dt.date
    end_on: dt.date | None
    document_number: str
    note: str


class ExemptionIn(Schema):
    person_id: int = Field(ge=1, le=INT32)
    reason: Exemption.Reason
    start_on: dt.date
    end_on: dt.date | None = None
    document_number: str = Field("", max_length=60)
    note: str = Field("", max_length=exits.MAX_TEXT)


class EndIn(Schema):
    on: dt.date


class PersonFilter(Schema):
    person: int = Field(ge=1, le=INT32)


def exit_out(d: ExitDecision) -> dict:
    return {
        "id": d.pk,
        "person_id": d.membership.person_id,
        "membership_id": d.membership_id,
        "on": d.on,
        "reason": d.reason,
        "reason_label": str(d.get_reason_display()),
        "document_number": d.document_number,
        "decided_by": d.decided_by,
        "note": d.note,
        "reversed_on": d.reversed_on,
        "reversal_reason": d.reversal_reason,
        "conviction_expunged_on": (
            d.membership.conviction_expunged_on
            if d.reason == ExitReason.LESS_SERIOUS_CRIME
            else None
        ),
    }


def exemption_out(e: Exemption) -> dict:
    return {
        "id": e.pk,
        "person_id": e.membership.person_id,
        "membership_id": e.membership_id,
        "reason": e.reason,
        "reason_label": str(e.get_reason_display()),
        "start_on": e.start_on,
        "end_on": e.end_on,
        "document_number": e.document_number,
        "note": e.note,
    }


def visible_person(request, pk: int, personal: bool = True) -> Person | None:
    """The person if the user sees them: with their personal details to read exits and
    exemptions; by name to change them (a leader is then refused as read-only, 403)."""
    if not 1 <= pk <= INT32:
        return None
    found = Person.objects.visible_to(request.user, personal=personal).filter(pk=pk).first()
    if found is None:
        hidden = Person.objects.filter(pk=pk).first()
        if hidden is not None:
            log(A.DENIED, hidden, detail=f"404: outside scope (people.person) {request.path}")
    return found


def refused(request, e: ActionError, subject):
    if isinstance(e, NotAllowed):
        log(A.DENIED, subject, detail=f"403 {request.method} {request.path}")
        return Status(403, {"error": str(e)})
    if isinstance(e, ChangedMeanwhile):
        return Status(409, {"error": str(e)})
    if isinstance(e, InvalidField):  # said like the schema's own 422
        return Status(
            422, {"detail": [{"loc": ["body", "body", e.field], "msg": str(e), "type": "value"}]}
        )
    return Status(400, {"error": str(e)})


WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}


@router.get(
    "/exits",
    response={200: list[ExitOut], 404: ErrorOut},
    summary="A person's exit decisions, reversed ones included",
)
def list_exits(request, filters: Query[PersonFilter]):
    person = visible_person(request, filters.person)
    if person is None:
        return Status(404, {"error": NOT_FOUND})
    rows = ExitDecision.objects.filter(membership__person=person).select_related("membership")
    return Status(200, [exit_out(d) for d in rows.order_by("on", "pk")])


@router.post(
    "/exits",
    response={201: ExitOut, **WRITE},
    summary="Record that a member left the party (not a transfer out)",
    description="Ends the person's current membership on `on` (no longer a member that "
    "day), with its stint, exemption and temporary stay. `document_number` is required "
    "for every reason but DEATH; `conviction_expunged_on` only for LESS_SERIOUS_CRIME.",
)
def create_exit(request, body: ExitIn):
    person = visible_person(request, body.person_id, personal=False)
    if person is None:
        return Status(404, {"error": NOT_FOUND})
    m = exits.open_membership(person)
    if m is None:
        return Status(400, {"error": f"{person.full_name} không phải là đảng viên."})
    try:
        d = exits.record_exit(
            m, **body.dict(exclude={"person_id"}), by=request.user, today=timezone.localdate()
        )
    except ActionError as e:
        return refused(request, e, m)
    return Status(201, exit_out(d))


@router.post(
    "/exits/{pk}/reverse",
    response={200: ExitOut, **WRITE},
    summary="Reverse an exit recorded by mistake, with the reason",
)
def reverse_exit(request, pk: int, body: ReverseIn):
    if not 1 <= pk <= INT32:
        return Status(404, {"error": NOT_FOUND})
    d = ExitDecision.objects.select_related("membership__person").filter(pk=pk).first()
    if d is None or visible_person(request, d.membership.person_id, personal=False) is None:
        return Status(404, {"error": NOT_FOUND})
    try:
        exits.reverse_exit(d, reason=body.reason, by=request.user, today=timezone.localdate())
    except ActionError as e:
        return refused(request, e, d)
    return Status(200, exit_out(d))


@router.post(
    "/exits/{pk}/expunged",
    response={200: ExitOut, **WRITE},
    summary="Record the day a conviction (less serious crime) was expunged",
    description="The readmission rules count 60 months from this day.",
)
def exit_expunged(request, pk: int, body: EndIn):
    if not 1 <= pk <= INT32:
        return Status(404, {"error": NOT_FOUND})
    d = ExitDecision.objects.select_related("membership__person").filter(pk=pk).first()
    if d is None or visible_person(request, d.membership.person_id, personal=False) is None:
        return Status(404, {"error": NOT_FOUND})
    try:
        exits.record_expungement(d, on=body.on, by=request.user, today=timezone.localdate())
    except ActionError as e:
        return refused(request, e, d)
    return Status(200, exit_out(d))


@router.get(
    "/exemptions",
    response={200: list[ExemptionOut], 404: ErrorOut},
    summary="A person's exemptions from party work and activity",
)
def list_exemptions(request, filters: Query[PersonFilter]):
    person = visible_person(request, filters.person)
    if person is None:
        return Status(404, {"error": NOT_FOUND})
    rows = Exemption.objects.filter(membership__person=person).select_related("membership")
    return Status(200, [exemption_out(e) for e in rows.order_by("start_on", "pk")])


@router.post(
    "/exemptions",
    response={201: ExemptionOut, **WRITE},
    summary="Exempt a member from party work and activity",
    description="From `start_on`; `end_on` is the first day no longer exempt (none: until ended).",
)
def create_exemption(request, body: ExemptionIn):
    person = visible_person(request, body.person_id, personal=False)
    if person is None:
        return Status(404, {"error": NOT_FOUND})
    m = exits.open_membership(person)
    if m is None:
        return Status(400, {"error": f"{person.full_name} không phải là đảng viên."})
    try:
        e = exits.grant_exemption(
            m, **body.dict(exclude={"person_id"}), by=request.user, today=timezone.localdate()
        )
    except ActionError as err:
        return refused(request, err, m)
    return Status(201, exemption_out(e))


@router.post(
    "/exemptions/{pk}/end",
    response={200: ExemptionOut, **WRITE},
    summary="End an exemption: party work and activity again from `on`",
)
def end_exemption(request, pk: int, body: EndIn):
    if not 1 <= pk <= INT32:
        return Status(404, {"error": NOT_FOUND})
    e = Exemption.objects.select_related("membership__person").filter(pk=pk).first()
    if e is None or visible_person(request, e.membership.person_id, personal=False) is None:
        return Status(404, {"error": NOT_FOUND})
    try:
        exits.end_exemption(e, on=body.on, by=request.user, today=timezone.localdate())
    except ActionError as err:
        return refused(request, err, e)
    return Status(200, exemption_out(e))
