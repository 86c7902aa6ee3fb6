"""Party cards, party badges and yearly quality ratings, scoped like the pages: the same
action functions (`records.cards`, `records.badges`, `records.ratings`) behind them."""

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dangvien.accounts.audit import A, log
from dangvien.accounts.scoping import writable_paths
from dangvien.api.schemas import INT32, ErrorOut, InvalidOut
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.membership.models import Membership
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.records import badges, cards, ratings
from dangvien.records.models import Badge, PartyCard, QualityRating

router = Router(tags=["cards, badges, ratings"])


class RowErrorOut(Schema):
    error: str
    rows: dict[int, str]


class CardOut(Schema):
    id: int
    number: str
    issued_on: dt.date | None
    issuing_body: str
    reason: str
    ended_on: dt.date | None
    ended_by_exit_id: int | None = None  # the exit (decision id) that ended the card


class CardIn(Schema):
    """`reason` FIRST issues the first card; LOST, DAMAGED or OTHER reissues the card in
    use under the new number."""

    number: str = Field("", max_length=20)
    issued_on: dt.date | None = None
    issuing_body: str = Field("", max_length=200)
    reason: PartyCard.Reason = PartyCard.Reason.FIRST


class BadgeOut(Schema):
    years: int
    awarded_on: dt.date
    decision_number: str


class PersonBadgesOut(Schema):
    party_age: int
    badges: list[BadgeOut]


class BadgeIn(Schema):
    years: int = Field(0, ge=0, le=200)
    awarded_on: dt.date | None = None
    decision_number: str = Field("", max_length=60)


class DueOut(Schema):
    person_id: int
    full_name: str
    unit: str
    years: int
    reached_on: dt.date
    admission_decision_on: dt.date
    party_age: int


class RatingRowOut(Schema):
    membership_id: int
    person_id: int
    full_name: str
    grade: str


class GradeIn(Schema):
    membership_id: int = Field(ge=1, le=INT32)
    grade: str = Field("", max_length=16)


class RatingsIn(Schema):
    unit: str = Field("", max_length=40)
    year: int = Field(0, ge=0, le=9999)
    grades: list[GradeIn] = []


class SummaryRowOut(Schema):
    unit: str
    name: str
    rated: int
    counts: dict[str, int]


class SummaryOut(Schema):
    year: int
    rows: list[SummaryRowOut]
    total: SummaryRowOut


class UnitYear(Schema):
    unit: str = Field("", max_length=40)
    year: int | None = Field(None, ge=1930, le=2100)


class UnitDay(Schema):
    unit: str = Field("", max_length=40)
    on: dt.date | None = None


# ----- helpers -----------------------------------------------------------------------------
def not_found(request, pk: int):
    hidden = Person.objects.filter(pk=pk).first()
    if hidden is not None:
        log(A.DENIED, hidden, detail=f"404: outside scope (people.person) {request.path}")
    return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})


def visible_person(request, pk: int, personal: bool = True) -> Person | None:
    return Person.objects.visible_to(request.user, personal=personal).filter(pk=pk).first()


def refused(e: ActionError):
    if isinstance(e, NotAllowed):
        return Status(403, {"error": str(e)})
    if isinstance(e, InvalidField):
        return Status(
            422, {"detail": [{"loc": ["body", "body", e.field], "msg": str(e), "type": "value"}]}
        )
    return Status(400, {"error": str(e)})


def read_only(request) -> bool:
    return writable_paths(request.user) == []


def forbidden():
    return Status(403, {"error": "Bạn không có quyền thay đổi hồ sơ này."})


def unit_for(request, code: str, kinds=None) -> OrgUnit | None:
    qs = OrgUnit.objects.visible_to(request.user)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.filter(code=(code or "").strip().upper()).first()


def unknown_unit(code: str):
    return Status(400, {"error": f"Mã đơn vị không tồn tại hoặc ngoài phạm vi: “{code}”."})


def latest_membership(person: Person) -> Membership | None:
    return person.memberships.select_related("person").order_by("-ceremony_on").first()


# ----- cards -------------------------------------------------------------------------------
@router.get(
    "/cards/people/{pk}",
    response={200: list[CardOut], 404: ErrorOut},
    summary="A person's party cards, newest first (the one in use has no `ended_on`)",
)
def person_cards(request, pk: int):
    person = visible_person(request, pk)
    if person is None:
        return not_found(request, pk)
    return Status(
        200, list(PartyCard.objects.filter(membership__person=person).order_by("-issued_on"))
    )


@router.post(
    "/cards/people/{pk}",
    response={201: CardOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Issue a party card (reason FIRST) or reissue the card in use",
    description="Only to a full member on `issued_on`; the number must be unused. A "
    "reissue ends the card in use on `issued_on` and keeps it in the history.",
)
def issue(request, pk: int, body: CardIn):
    person = Person.objects.visible_to(request.user).filter(pk=pk).first()
    if person is None:
        return not_found(request, pk)
    if read_only(request):
        return forbidden()
    m = latest_membership(person)
    try:
        if m is None:
            raise InvalidField("number", f"{person.full_name} không phải là đảng viên.")
        if body.reason == PartyCard.Reason.FIRST:
            card = cards.issue_card(
                m,
                number=body.number,
                issued_on=body.issued_on,
                issuing_body=body.issuing_body,
                by=request.user,
            )
        else:
            card = cards.reissue_card(
                m,
                number=body.number,
                issued_on=body.issued_on,
                reason=body.reason,
                issuing_body=body.issuing_body,
                by=request.user,
            )
    except ActionError as e:
        return refused(e)
    return Status(201, card)


class WithoutCardOut(Schema):
    membership_id: int
    person_id: int
    full_name: str
    confirmed_on: dt.date | None


@router.get(
    "/cards/without",
    response={200: list[WithoutCardOut], 400: ErrorOut},
    summary="Full members of a unit's subtree holding no card on a day (default today)",
)
def without(request, filters: Query[UnitDay]):
    unit = unit_for(request, filters.unit)
    if unit is None:
        return unknown_unit(filters.unit)
    day = filters.on or timezone.localdate()
    people = Person.objects.visible_to(request.user, personal=True)
    rows = (
        cards.without_card(unit, day)
        .filter(person__in=people)
        .select_related("person")
        .order_by("person__sort_name")
    )
    return Status(
        200,
        [
            {
                "membership_id": m.pk,
                "person_id": m.person_id,
                "full_name": m.person.full_name,
                "confirmed_on": m.confirmed_on,
            }
            for m in rows
        ],
    )


# ----- badges ------------------------------------------------------------------------------
@router.get(
    "/badges/people/{pk}",
    response={200: PersonBadgesOut, 404: ErrorOut},
    summary="A person's party age today and the badges awarded",
)
def person_badges(request, pk: int):
    person = visible_person(request, pk)
    if person is None:
        return not_found(request, pk)
    memberships = list(person.memberships.all())
    return Status(
        200,
        {
            "party_age": badges.party_age(memberships, timezone.localdate()),
            "badges": list(Badge.objects.filter(person=person)),
        },
    )


@router.post(
    "/badges/people/{pk}",
    response={201: BadgeOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="Record a party badge awarded (refused when not reached or already awarded)",
)
def award(request, pk: int, body: BadgeIn):
    person = Person.objects.visible_to(request.user).filter(pk=pk).first()
    if person is None:
        return not_found(request, pk)
    if read_only(request):
        return forbidden()
    try:
        badge = badges.award_badge(
            person,
            years=body.years,
            awarded_on=body.awarded_on,
            decision_number=body.decision_number,
            by=request.user,
        )
    except ActionError as e:
        return refused(e)
    return Status(201, badge)


@router.get(
    "/badges/due",
    response={200: list[DueOut], 400: ErrorOut},
    summary="Members of a unit's subtree who reach a badge by an award day (3/2, 19/5, "
    "2/9, 7/11; default the next one) and have not received it",
)
def due(request, filters: Query[UnitDay]):
    unit = unit_for(request, filters.unit)
    if unit is None:
        return unknown_unit(filters.unit)
    on = filters.on or badges.next_award_day(timezone.localdate())
    people = Person.objects.visible_to(request.user, personal=True)
    return Status(
        200,
        [
            {
                "person_id": r.person.pk,
                "full_name": r.person.full_name,
                "unit": r.unit.code,
                "years": r.years,
                "reached_on": r.reached_on,
                "admission_decision_on": r.first_decision_on,
                "party_age": r.age,
            }
            for r in badges.due_list(unit, on, people=people)
        ],
    )


# ----- ratings -----------------------------------------------------------------------------
def default_year() -> int:
    day = timezone.localdate()
    return day.year - (1 if day.month < 10 else 0)


@router.get(
    "/ratings",
    response={200: list[RatingRowOut], 400: ErrorOut},
    summary='The members of a cell in a year with their rating ("" when not rated)',
)
def cell_ratings(request, filters: Query[UnitYear]):
    cell = unit_for(request, filters.unit, ratings.RATING_UNITS)
    if cell is None:
        return unknown_unit(filters.unit)
    year = filters.year or default_year()
    members = list(
        ratings.members_of(cell, year).filter(
            person__in=Person.objects.visible_to(request.user, personal=True)
        )
    )
    grades = dict(
        QualityRating.objects.filter(membership__in=members, year=year).values_list(
            "membership_id", "grade"
        )
    )
    return Status(
        200,
        [
            {
                "membership_id": m.pk,
                "person_id": m.person_id,
                "full_name": m.person.full_name,
                "grade": grades.get(m.pk, ""),
            }
            for m in members
        ],
    )


@router.post(
    "/ratings",
    response={
        200: list[RatingRowOut],
        400: ErrorOut,
        403: ErrorOut,
        422: RowErrorOut | InvalidOut,
    },
    summary="Rate the members of a cell for a year, all rows or none",
    description='Grades: EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED ("" leaves a member '
    "unrated). A refused row makes the answer 422 with each row's message by membership "
    "id, and nothing is written.",
)
def rate_cell(request, body: RatingsIn):
    if read_only(request):
        return forbidden()
    cell = unit_for(request, body.unit, ratings.RATING_UNITS)
    if cell is None:
        return unknown_unit(body.unit)
    grades = {g.membership_id: g.grade for g in body.grades}
    try:
        saved = ratings.rate_cell(cell, body.year, grades, by=request.user)
    except ratings.RowErrors as e:
        return Status(422, {"error": "Không lưu gì: có dòng bị từ chối.", "rows": e.errors})
    except ActionError as e:
        return refused(e)
    return Status(
        200,
        [
            {
                "membership_id": r.membership_id,
                "person_id": r.membership.person_id,
                "full_name": r.membership.person.full_name,
                "grade": r.grade,
            }
            for r in saved
        ],
    )


@router.get(
    "/ratings/summary",
    response={200: SummaryOut, 400: ErrorOut},
    summary="Ratings of a year counted by grade for each grassroots organisation",
)
def summary(request, filters: Query[UnitYear]):
    unit = unit_for(request, filters.unit)
    if unit is None:
        return unknown_unit(filters.unit)
    year = filters.year or default_year()
    rows, total = ratings.summary(unit, year)

    def out(r):
        return {"unit": r.unit.code, "name": r.unit.name, "rated": r.total, "counts": r.counts}

    return Status(200, {"year": year, "rows": [out(r) for r in rows], "total": out(total)})
