"""A person's record: read it, correct it, record a move of residence. The same actions
and scope as the person page (`dangvien.records.people`)."""

import datetime as dt

from django.utils import translation
from ninja import Path, Router, Schema, Status
from pydantic import Field

from dangvien.accounts.audit import A, log
from dangvien.core.errors import ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.people.models import Person
from dangvien.records import people as actions

router = Router(tags=["people"])
INT32 = 2**31 - 1


class ResidenceOut(Schema):
    locality: str
    name: str
    start_on: dt.date | None
    end_on: dt.date | None


class PersonOut(Schema):
    """Personal fields only for whom may see them (a names-only role gets id and name)."""

    id: int
    full_name: str
    version: int | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    citizen_id: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    general_education: str | None = None
    professional: str | None = None
    political_theory: str | None = None
    occupation: str | None = None
    youth_union_member: bool | None = None
    business_owner: bool | None = None
    phone: str | None = None
    address: str | None = None
    residence: str | None = None
    residences: list[ResidenceOut] | None = None


class PersonPatch(Schema):
    """The fields to change (absent: unchanged) and the `version` read. A change to
    birth_date, sex, ethnicity or religion alters past statistics: send `confirm: true`."""

    version: int = Field(ge=0, le=INT32)
    confirm: bool = False
    full_name: str | None = Field(None, max_length=128)
    birth_date: dt.date | None = None
    sex: str | None = Field(None, max_length=1)
    citizen_id: str | None = Field(None, max_length=20)
    ethnicity: str | None = Field(None, max_length=64, description="code or name")
    religion: str | None = Field(None, max_length=128, description="code or name")
    general_education: str | None = Field(None, max_length=20)
    professional: str | None = Field(None, max_length=20)
    political_theory: str | None = Field(None, max_length=20)
    occupation: str | None = Field(None, max_length=24)
    youth_union_member: bool | None = None
    business_owner: bool | None = None
    phone: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=255)


class MoveIn(Schema):
    locality: str = Field(max_length=40, description="code of a hamlet, village or group")
    on: dt.date


class ErrorOut(Schema):
    error: str
    field: str | None = None
    fields: list[str] | None = None


def person_out(p: Person, personal: bool) -> dict:
    if not personal:
        return {"id": p.pk, "full_name": p.full_name}
    return {
        "id": p.pk,
        "full_name": p.full_name,
        "version": p.version,
        "birth_date": p.birth_date,
        "sex": p.sex,
        "citizen_id": p.citizen_id,
        "ethnicity": p.ethnicity.code,
        "religion": p.religion.code,
        "general_education": p.general_education,
        "professional": p.professional,
        "political_theory": p.political_theory,
        "occupation": p.occupation,
        "youth_union_member": p.youth_union_member,
        "business_owner": p.business_owner,
        "phone": p.phone,
        "address": p.address,
        "residence": p.residence.code if p.residence else None,
        "residences": [
            {
                "locality": r.locality.code,
                "name": r.locality.long_name,
                "start_on": r.start_on,
                "end_on": r.end_on,
            }
            for r in actions.residence_history(p)
        ],
    }


def visible(request, pk: int) -> Person | None:
    return (
        Person.objects.visible_to(request.user)
        .select_related("ethnicity", "religion", "residence__parent")
        .filter(pk=pk)
        .first()
    )


def not_found(request, pk: int):
    hidden = Person.objects.filter(pk=pk).first()
    if hidden is not None:
        log(A.DENIED, hidden, detail=f"404: outside scope (people.person) {request.path}"[:400])
    return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})


def forbidden(request, p: Person, message: str | None = None):
    log(A.DENIED, p, detail=f"403 {request.method} {request.path}"[:400])
    return Status(403, {"error": message or "Bạn không có quyền thay đổi hồ sơ này."})


def is_personal(request, p: Person) -> bool:
    return Person.objects.visible_to(request.user, personal=True).filter(pk=p.pk).exists()


@router.get(
    "/{pk}",
    response={200: PersonOut, 404: ErrorOut},
    summary="A person's record with its version and residence history",
    exclude_unset=True,
)
def person_detail(request, pk: int = Path(..., ge=1, le=INT32)):
    p = visible(request, pk)
    if p is None:
        return not_found(request, pk)
    personal = is_personal(request, p)
    log(A.READ, p, detail="api" if personal else "api, names only")
    return Status(200, person_out(p, personal))


@router.patch(
    "/{pk}",
    response={200: PersonOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Correct a person's details (checked like the edit page)",
    description="Send the `version` you read and the fields to change. 409: someone "
    "changed the record since (nothing written). 400 with `field`: a refused value "
    "(a CCCD is checked part by part against sex, birth date and province, and must be "
    "nobody else's). 400 with `field: confirm` and `fields`: the change alters statistics "
    "already reported (birth date, sex, ethnicity, religion); send it again with "
    "`confirm: true`.",
)
def person_patch(request, body: PersonPatch, pk: int = Path(..., ge=1, le=INT32)):
    p = visible(request, pk)
    if p is None:
        return not_found(request, pk)
    if not actions.may_edit(request.user, p):
        return forbidden(request, p)
    changes = body.dict(exclude_unset=True, exclude={"version", "confirm"})
    with translation.override("vi"):
        try:
            saved = actions.update_person(
                p, changes, version=body.version, by=request.user, confirm=body.confirm
            )
        except actions.NeedsConfirmation as e:
            return Status(400, {"error": str(e), "field": "confirm", "fields": e.fields})
        except ChangedMeanwhile as e:
            return Status(409, {"error": str(e)})
        except InvalidField as e:
            return Status(400, {"error": str(e), "field": e.field})
        except NotAllowed as e:
            return forbidden(request, p, str(e))
    saved = visible(request, pk) or saved
    return Status(200, person_out(saved, True))


@router.post(
    "/{pk}/residence",
    response={201: PersonOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Record a move of residence from a date",
    description="The current row of the residence history ends on `on` and the new "
    "locality (a hamlet, village or residential group in your scope) starts then. A date "
    "before the current row's start is refused; the same date as its start corrects it.",
)
def person_move(request, body: MoveIn, pk: int = Path(..., ge=1, le=INT32)):
    p = visible(request, pk)
    if p is None:
        return not_found(request, pk)
    if not actions.may_edit(request.user, p):
        return forbidden(request, p)
    code = body.locality.strip().upper()
    place = None
    if "\x00" not in code:
        place = actions.writable_localities(request.user).filter(code=code).first()
    with translation.override("vi"):
        if place is None:
            return Status(
                400,
                {
                    "error": f"Địa bàn cư trú: không có mã “{code}” trong phạm vi của bạn.",
                    "field": "locality",
                },
            )
        try:
            actions.move_residence(p, place, on=body.on, by=request.user)
        except InvalidField as e:
            return Status(400, {"error": str(e), "field": e.field})
        except NotAllowed as e:
            return forbidden(request, p, str(e))
    p = visible(request, pk) or p
    return Status(201, person_out(p, True))
