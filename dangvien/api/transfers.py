"""Transfers of party activity and temporary activity: the same actions as the pages
(`dangvien.records.transfers`), scoped the same way. A person or transfer outside the
user's scope is 404; a side that may not act is 403; a refused value is 422 naming the
field; a record changed meanwhile (received, cancelled) is 409."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, ValidationInfo, field_validator

from dangvien.accounts.audit import A, log
from dangvien.admission import bounds
from dangvien.api.schemas import INT32, ErrorOut, InvalidOut
from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import GeneralEducation, Person, Sex
from dangvien.records import transfers as tr
from dangvien.records.models import TemporaryStay, Transfer

router = Router(tags=["transfers"])
LATEST = dt.date(2100, 12, 31)


class TransferOut(Schema):
    id: int
    kind: str
    person_id: int
    person: str
    from_unit: str | None
    to_unit: str | None
    outside_body: str
    document_number: str
    issued_on: dt.date | None
    received_on: dt.date | None
    received_document: str
    received_in: str | None = None  # the cell joined on receipt (code)
    cancelled_on: dt.date | None
    due: dt.date | None


class StayOut(Schema):
    id: int
    person_id: int
    person: str
    host_unit: str | None
    host_body: str
    start_on: dt.date
    end_on: dt.date | None
    document_number: str


class Dated(Schema):
    """Every date from 1900 to today (a planned end, `end_on`, may lie ahead)."""

    @field_validator("*")
    @classmethod
    def sensible(cls, value, info: ValidationInfo):
        if not isinstance(value, dt.date):
            return value
        if info.field_name == "end_on":
            if not bounds.EARLIEST <= value <= LATEST:
                raise ValueError(f"Ngày {value:%d/%m/%Y} không hợp lệ.")
            return value
        with translation.override("vi"):
            wrong = bounds.date_error(value, timezone.localdate())
        if wrong:
            raise ValueError(wrong)
        return value


class IssueIn(Dated):
    person_id: int = Field(ge=1, le=INT32)
    to_unit: str = Field(max_length=40, description="code of the receiving cell")
    on: dt.date
    document_number: str = Field("", max_length=60)


class ReceiveIn(Dated):
    on: dt.date
    document_number: str = Field("", max_length=60)
    cell: str = Field(
        "",
        max_length=40,
        description="code of the cell of the receiving organisation the member joins "
        "(empty: the cell named by the sending unit)",
    )


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class OutIn(Dated):
    person_id: int = Field(ge=1, le=INT32)
    on: dt.date
    outside_body: str = Field(min_length=1, max_length=200)
    document_number: str = Field("", max_length=60)


class NewPersonIn(Dated):
    full_name: str = Field("", max_length=128)
    birth_date: dt.date | None = None
    sex: Sex | None = None
    citizen_id: str = Field("", max_length=12)
    ethnicity: str = Field("01", max_length=4, description="code of the ethnic group")
    religion: str = Field("00", max_length=4, description="code of the religion")
    general_education: GeneralEducation = GeneralEducation.UPPER_SECONDARY


class InIn(Dated):
    person: NewPersonIn = Field(
        description="the person; a citizen ID already recorded finds its person"
    )
    to_unit: str = Field(max_length=40, description="code of the receiving cell")
    on: dt.date
    outside_body: str = Field(min_length=1, max_length=200)
    document_number: str = Field("", max_length=60)
    decision_on: dt.date | None = None
    decision_number: str = Field("", max_length=40)
    ceremony_on: dt.date | None = None
    confirmed_on: dt.date | None = None


class TemporaryIn(Dated):
    person_id: int = Field(ge=1, le=INT32)
    host_unit: str | None = Field(None, max_length=40, description="code of the host cell")
    host_body: str = Field("", max_length=200, description="or a party body outside")
    start_on: dt.date
    end_on: dt.date | None = None
    document_number: str = Field("", max_length=60)


class EndIn(Dated):
    on: dt.date


def transfer_out(t: Transfer) -> dict:
    return {
        "id": t.pk,
        "kind": t.kind,
        "person_id": t.membership.person_id,
        "person": t.membership.person.full_name,
        "from_unit": t.from_unit.code if t.from_unit else None,
        "to_unit": t.to_unit.code if t.to_unit else None,
        "outside_body": t.outside_body,
        "document_number": t.document_number,
        "issued_on": t.issued_on,
        "received_on": t.received_on,
        "received_document": t.received_document,
        "received_in": t.received_in.code if t.received_in else None,
        "cancelled_on": t.cancelled_on,
        "due": tr.receipt_due(t) if t.kind == Transfer.Kind.OFFICIAL else None,
    }


def stay_out(s: TemporaryStay) -> dict:
    return {
        "id": s.pk,
        "person_id": s.membership.person_id,
        "person": s.membership.person.full_name,
        "host_unit": s.host_unit.code if s.host_unit else None,
        "host_body": s.host_body,
        "start_on": s.start_on,
        "end_on": s.end_on,
        "document_number": s.document_number,
    }


def not_found(request, hidden=None):
    if hidden is not None:
        log(A.DENIED, hidden, detail=f"404: outside scope {request.path}")
    return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})


def refused(request, e: ActionError, obj=None):
    """The answer to a refused action, by kind."""
    if isinstance(e, NotAllowed):
        if obj is not None:
            log(A.DENIED, obj, detail=f"403 {request.method} {request.path}")
        return Status(403, {"error": str(e)})
    if isinstance(e, InvalidField):
        return Status(
            422, {"detail": [{"loc": ["body", "body", e.field], "msg": str(e), "type": "value"}]}
        )
    if isinstance(e, ChangedMeanwhile):
        return Status(409, {"error": str(e)})
    return Status(400, {"error": str(e)})


def visible_person(request, pk: int) -> Person | None:
    return Person.objects.visible_to(request.user).filter(pk=pk).first()


def member(request, pk: int):
    """(membership, error answer): the person's current membership, or why not."""
    person = visible_person(request, pk)
    if person is None:
        return None, not_found(request, Person.objects.filter(pk=pk).first())
    m = tr.current_membership(person)
    if m is None:
        return None, Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "body", "person_id"],
                        "msg": f"{person.full_name} không phải là đảng viên.",
                        "type": "value",
                    }
                ]
            },
        )
    return m, None


def unit(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    return OrgUnit.objects.filter(code=code.strip().upper()).first()


class ListFilters(Schema):
    all: bool = Field(False, description="also those received, cancelled, out and in")
    limit: int = Field(100, ge=1, le=500)


RESPONSES = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: InvalidOut}


@router.get(
    "",
    response=list[TransferOut],
    summary="Transfers to or from the user's units (in transit only by default)",
)
def list_transfers(request, filters: Query[ListFilters]):
    qs = tr.visible_transfers(request.user).select_related(
        "membership__person", "from_unit", "to_unit"
    )
    if not filters.all:
        qs = qs.filter(tr.pending_q())
    return [transfer_out(t) for t in qs.order_by("-issued_on", "-pk")[: filters.limit]]


@router.post(
    "",
    response={201: TransferOut, **RESPONSES},
    summary="Issue a transfer within the system (the sending unit)",
    description="The member's stint ends on `on`; they are in transit, counted in neither "
    "unit, until the receiving unit records the arrival.",
)
def issue(request, body: IssueIn):
    m, error = member(request, body.person_id)
    if error:
        return error
    try:
        t = tr.issue_transfer(
            m,
            to_unit=unit(body.to_unit),
            on=body.on,
            document_number=body.document_number,
            by=request.user,
        )
    except ActionError as e:
        return refused(request, e, m)
    return Status(201, transfer_out(t))


@router.post(
    "/out",
    response={201: TransferOut, **RESPONSES},
    summary="Transfer a member out of the system (another province, a body not managed here)",
)
def out(request, body: OutIn):
    m, error = member(request, body.person_id)
    if error:
        return error
    try:
        t = tr.transfer_out(
            m,
            on=body.on,
            outside_body=body.outside_body,
            document_number=body.document_number,
            by=request.user,
        )
    except ActionError as e:
        return refused(request, e, m)
    return Status(201, transfer_out(t))


@router.post(
    "/in",
    response={201: TransferOut, **RESPONSES},
    summary="Receive a member transferred in from outside the system",
    description="A new person with the admission dates of their documents; a citizen ID "
    "already recorded finds its person (one transferred out earlier gets the same "
    "membership back).",
)
def transfer_in(request, body: InIn):
    data = body.person.dict()
    try:
        t = tr.transfer_in(
            data,
            to_unit=unit(body.to_unit),
            on=body.on,
            outside_body=body.outside_body,
            document_number=body.document_number,
            decision_on=body.decision_on,
            decision_number=body.decision_number,
            ceremony_on=body.ceremony_on,
            confirmed_on=body.confirmed_on,
            by=request.user,
        )
    except ActionError as e:
        return refused(request, e)
    return Status(201, transfer_out(t))


@router.post(
    "/temporary",
    response={201: StayOut, **RESPONSES},
    summary="Start temporary party activity in a host unit (the home unit)",
)
def temporary(request, body: TemporaryIn):
    m, error = member(request, body.person_id)
    if error:
        return error
    host = unit(body.host_unit)
    if body.host_unit and host is None:
        e = InvalidField("host_unit", f"Mã đơn vị không tồn tại: “{body.host_unit}”.")
        return refused(request, e)
    try:
        s = tr.start_temporary(
            m,
            host_unit=host,
            host_body=body.host_body,
            start_on=body.start_on,
            end_on=body.end_on,
            document_number=body.document_number,
            by=request.user,
        )
    except ActionError as e:
        return refused(request, e, m)
    return Status(201, stay_out(s))


@router.post(
    "/temporary/{pk}/end",
    response={200: StayOut, **RESPONSES},
    summary="Record the end of a temporary activity (home or host unit)",
)
def end_temporary(request, pk: int, body: EndIn):
    people = Person.objects.visible_to(request.user)
    hosted = OrgUnit.objects.visible_to(request.user)
    stay = (
        TemporaryStay.objects.filter(
            Q(membership__person__in=people) | Q(host_unit__in=hosted), pk=pk
        )
        .select_related("membership__person", "host_unit")
        .first()
    )
    if stay is None:
        return not_found(request, TemporaryStay.objects.filter(pk=pk).first())
    try:
        s = tr.end_temporary(stay, on=body.on, by=request.user)
    except ActionError as e:
        return refused(request, e, stay)
    return Status(200, stay_out(s))


def visible_transfer(request, pk: int):
    t = (
        tr.visible_transfers(request.user)
        .select_related("membership__person", "from_unit", "to_unit")
        .filter(pk=pk)
        .first()
    )
    if t is None:
        return None, not_found(request, Transfer.objects.filter(pk=pk).first())
    return t, None


@router.post(
    "/{pk}/receive",
    response={200: TransferOut, **RESPONSES},
    summary="Record the arrival of a member in transit (the receiving unit)",
)
def receive(request, pk: int, body: ReceiveIn):
    t, error = visible_transfer(request, pk)
    if error:
        return error
    try:
        cell = None
        if body.cell.strip():
            cell = OrgUnit.objects.filter(code=body.cell.strip().upper()).first()
            if cell is None:
                raise InvalidField("cell", _("Choose the unit from the list."))
        t = tr.receive_transfer(
            t, on=body.on, document_number=body.document_number, cell=cell, by=request.user
        )
    except ActionError as e:
        return refused(request, e, t)
    return Status(200, transfer_out(t))


@router.post(
    "/{pk}/cancel",
    response={200: TransferOut, **RESPONSES},
    summary="Cancel a transfer not yet received (the sending unit)",
)
def cancel(request, pk: int, body: CancelIn):
    t, error = visible_transfer(request, pk)
    if error:
        return error
    try:
        t = tr.cancel_transfer(t, reason=body.reason, by=request.user)
    except ActionError as e:
        return refused(request, e, t)
    return Status(200, transfer_out(t))
