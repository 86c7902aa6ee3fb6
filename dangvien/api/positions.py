"""Positions held, scoped like the pages: the holders of a unit or locality on a date,
assigning a post and ending it (the same functions as the pages)."""

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangvien.accounts.audit import A, log
from dangvien.api.schemas import INT32, ErrorOut, InvalidOut
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import Person, Position
from dangvien.records import positions as service

router = Router(tags=["positions"])


class PositionOut(Schema):
    id: int
    person_id: int
    person: str
    kind: str
    kind_name: str
    locality: str | None
    unit: str | None
    start_on: dt.date
    end_on: dt.date | None


class HolderOut(PositionOut):
    is_member: bool


class CellCommitteeOut(Schema):
    code: str
    name: str
    has_committee: bool


class HoldersOut(Schema):
    as_of: dt.date
    holders: list[HolderOut]
    members: int
    cells: list[CellCommitteeOut]


class Filters(Schema):
    unit: str | None = Field(None, max_length=40)
    locality: str | None = Field(None, max_length=40)
    date: dt.date | None = None


class AssignIn(Schema):
    """`locality` (code) for a post in a locality, `unit` (code of the cell) for the
    secretary, deputy and committee members."""

    person_id: int = Field(ge=1, le=INT32)
    kind: Position.Kind
    locality: str | None = Field(None, max_length=40)
    unit: str | None = Field(None, max_length=40)
    start_on: dt.date


class EndIn(Schema):
    end_on: dt.date


def position_out(p: Position) -> dict:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "person": p.person.full_name,
        "kind": p.kind,
        "kind_name": str(p.get_kind_display()),
        "locality": p.locality.code if p.locality else None,
        "unit": p.unit.code if p.unit else None,
        "start_on": p.start_on,
        "end_on": p.end_on,
    }


def invalid(e: InvalidField):
    return Status(
        422, {"detail": [{"loc": ["body", "body", e.field], "msg": str(e), "type": "value"}]}
    )


@router.get(
    "",
    response={200: HoldersOut, 400: ErrorOut},
    summary="Post holders of a unit (its cells and the localities it leads) or a locality",
    description="Each holder is marked member or not on the date (today by default); "
    "`cells` says which cells under the unit have a cell committee then.",
)
def list_holders(request, filters: Query[Filters]):
    day = filters.date or timezone.localdate()
    unit = locality = None
    if filters.unit:
        code = filters.unit.strip().upper()
        unit = OrgUnit.objects.visible_to(request.user).filter(code=code).first()
        if unit is None:
            return Status(400, {"error": f"Mã đơn vị không tồn tại hoặc ngoài phạm vi: “{code}”."})
    if filters.locality:
        code = filters.locality.strip()
        locality = Locality.objects.visible_to(request.user).filter(code=code).first()
        if locality is None:
            return Status(400, {"error": f"Mã địa bàn không tồn tại hoặc ngoài phạm vi: “{code}”."})
    if unit is None and locality is None:
        return Status(400, {"error": "Chọn một đơn vị (unit) hoặc một địa bàn (locality)."})
    rows = service.holders(day=day, unit=unit, locality=locality)
    cells = []
    if unit is not None:
        found = OrgUnit.objects.subtree(unit, on=day).filter(kind__in=service.CELL_KINDS)
        has = service.cells_with_committee(found, day)
        cells = [{"code": c.code, "name": c.name, "has_committee": c.pk in has} for c in found]
    return Status(
        200,
        {
            "as_of": day,
            "holders": [{**position_out(r.position), "is_member": r.is_member} for r in rows],
            "members": sum(r.is_member for r in rows),
            "cells": cells,
        },
    )


@router.post(
    "",
    response={201: PositionOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Record that a person holds a post from a date",
    description="Head and secretary posts have one holder at a time: an overlap is "
    "refused (422) naming the current holder. Cell posts need a member of the cell.",
)
def assign(request, body: AssignIn):
    person = Person.objects.visible_to(request.user).filter(pk=body.person_id).first()
    if person is None:
        return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})
    unit = locality = None
    if body.unit:
        unit = (
            OrgUnit.objects.visible_to(request.user).filter(code=body.unit.strip().upper()).first()
        )
        if unit is None:
            return invalid(
                InvalidField("unit", f"Mã chi bộ không có trong phạm vi: “{body.unit}”.")
            )
    if body.locality:
        locality = (
            Locality.objects.visible_to(request.user).filter(code=body.locality.strip()).first()
        )
        if locality is None:
            return invalid(
                InvalidField("locality", f"Mã địa bàn không có trong phạm vi: “{body.locality}”.")
            )
    try:
        p = service.assign_position(
            person,
            kind=body.kind,
            locality=locality,
            unit=unit,
            start_on=body.start_on,
            by=request.user,
            today=timezone.localdate(),
        )
    except NotAllowed as e:
        log(A.DENIED, person, detail=f"403 {request.method} {request.path}")
        return Status(403, {"error": str(e)})
    except InvalidField as e:
        return invalid(e)
    except ActionError as e:  # pragma: no cover - every refusal names a field
        return invalid(InvalidField("kind", str(e)))
    return Status(201, position_out(p))


@router.post(
    "/{pk}/end",
    response={200: PositionOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Record that a post is no longer held from a date (its first day without it)",
)
def end(request, pk: int, body: EndIn):
    if not 1 <= pk <= INT32:
        return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})
    p = (
        Position.objects.filter(person__in=Person.objects.visible_to(request.user), pk=pk)
        .select_related("person", "locality", "unit")
        .first()
    )
    if p is None:
        return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})
    try:
        p = service.end_position(p, on=body.end_on, by=request.user, today=timezone.localdate())
    except NotAllowed as e:
        log(A.DENIED, p.person, detail=f"403 {request.method} {request.path}")
        return Status(403, {"error": str(e)})
    except InvalidField as e:
        return invalid(e)
    return Status(200, position_out(p))
