"""Candidates and their dossier events, scoped like the pages (visible_to/editable_by)."""

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone, translation
from ninja import Query, Router, Schema, Status
from pydantic import Field, ValidationInfo, field_validator

from dangvien.accounts.audit import A, log
from dangvien.accounts.scoping import personal_everywhere
from dangvien.admission import bounds, deadlines, services
from dangvien.admission.models import (
    PERSONAL_TAGS,
    Candidate,
    Event,
    Stage,
    Tag,
    personal_tag_refused,
    tags_shown,
)
from dangvien.admission.services import Step, TransitionError
from dangvien.api.schemas import INT32, ErrorOut, InvalidOut
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person

router = Router(tags=["candidates"])


class PersonOut(Schema):
    """Birth date and sex only for whom may see personal details (absent otherwise, as on
    the pages: a leader without the grant sees names only)."""

    id: int
    full_name: str
    birth_date: dt.date | None = None
    sex: str | None = None


class CellOut(Schema):
    code: str
    name: str


class DeadlineOut(Schema):
    label: str
    due: dt.date


class CandidateOut(Schema):
    id: int
    person: PersonOut
    cell: CellOut
    stage: str
    stage_since: dt.date
    listed_on: dt.date
    tags: list[str]
    helper: str | None
    next_deadline: DeadlineOut | None
    version: int


class EventOut(Schema):
    id: int
    kind: str
    date: dt.date
    document_number: str
    note: str
    full_members: int | None
    committee_members: int | None
    present: int | None
    in_favour: int | None
    introducer: str | None
    worked_together_since: dt.date | None
    subject: str
    received_on: dt.date | None
    extended: bool
    card_number: str
    rule: str
    approved_by: str


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    citation: str


class CandidateDetailOut(CandidateOut):
    """The dossier: events and findings only for whom may see personal details."""

    events: list[EventOut] | None = None
    rule_set: str | None = None
    findings: list[FindingOut] | None = None


class EventIn(Schema):
    """A step as the page takes it: the same kinds, bounds and lengths (422 names the
    field otherwise)."""

    kind: Event.Kind
    date: dt.date
    version: int = Field(ge=0, le=INT32)
    document_number: str = Field("", max_length=60)
    note: str = Field("", max_length=4000)
    full_members: int | None = None
    committee_members: int | None = None
    present: int | None = None
    in_favour: int | None = None
    introducer_id: int | None = Field(None, ge=1, le=INT32)
    worked_together_since: dt.date | None = None
    subject: str = Field("", max_length=120)
    received_on: dt.date | None = None
    extended: bool = False
    card_number: str = Field("", max_length=20)
    rule: str = Field("", max_length=40)
    approved_by: str = Field("", max_length=120)

    @field_validator("kind")
    @classmethod
    def recordable(cls, kind):
        if kind not in bounds.RECORDABLE_KINDS:
            raise ValueError(f"Không ghi được bước “{kind}” qua API (trang không có bước này).")
        return kind

    @field_validator("date", "worked_together_since", "received_on")
    @classmethod
    def sensible_date(cls, value):
        with translation.override("vi"):
            wrong = bounds.date_error(value, timezone.localdate())
        if wrong:
            raise ValueError(wrong)
        return value

    @field_validator("full_members", "present", "in_favour")
    @classmethod
    def counts(cls, value, info: ValidationInfo):
        # Fields are validated in order: the counts before this one are in `info.data`.
        counts = {f: info.data.get(f) for f in bounds.VOTE_FIELDS}
        counts[info.field_name] = value  # type: ignore[index]
        with translation.override("vi"):
            wrong = bounds.vote_errors(**counts).get(info.field_name)  # type: ignore[arg-type]
        if wrong:
            raise ValueError(wrong)
        return value


class BlockedOut(Schema):
    error: str
    rule_set: str
    findings: list[FindingOut]


class Filters(Schema):
    unit: str | None = None
    stage: Stage | None = None
    tag: Tag | None = None
    q: str | None = None
    # Bounded: a huge offset once overflowed SQLite's integers (found by schemathesis).
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


def person_out(p: Person, personal: bool) -> dict:
    shown = {"id": p.pk, "full_name": p.full_name}
    return {**shown, "birth_date": p.birth_date, "sex": p.sex} if personal else shown


def candidate_out(c: Candidate, events: list[Event], personal: bool) -> dict:
    dl = deadlines.next_deadline(c, events)
    return {
        "id": c.pk,
        "person": person_out(c.person, personal),
        "cell": c.cell,
        "stage": c.stage,
        "stage_since": c.stage_since,
        "listed_on": c.listed_on,
        "tags": [t.tag for t in tags_shown(c.tags.all(), personal)],
        "helper": c.helper.full_name if c.helper else None,
        "next_deadline": {"label": dl.label, "due": dl.due} if dl else None,
        "version": c.version,
    }


def event_out(e: Event) -> dict:
    data = {f: getattr(e, f) for f in EventOut.model_fields if f not in ("id", "introducer")}
    return {**data, "id": e.pk, "introducer": e.introducer.full_name if e.introducer else None}


@router.get(
    "",
    response={200: list[CandidateOut], 400: ErrorOut},
    summary="Candidates in the user's scope, filtered",
    description="A role that sees names only gets each person's id and name only.",
    exclude_unset=True,  # the fields a names-only role may not see are left out
)
def list_candidates(request, filters: Query[Filters]):
    qs = Candidate.objects.visible_to(request.user).select_related("person", "cell", "helper")
    unit = None
    if filters.unit:
        code = filters.unit.strip().upper()
        unit = OrgUnit.objects.visible_to(request.user).filter(code=code).first()
        if unit is None:
            return Status(400, {"error": f"Mã đơn vị không tồn tại hoặc ngoài phạm vi: “{code}”."})
        qs = qs.filter(cell__path__startswith=unit.path)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.tag:
        if filters.tag in PERSONAL_TAGS and not personal_everywhere(
            request.user, under=unit.path if unit else None
        ):
            with translation.override("vi"):  # the API's errors are in Vietnamese
                return Status(400, {"error": personal_tag_refused(filters.tag)})
        qs = qs.tagged(filters.tag)
    if filters.q:
        qs = qs.filter(person__in=Person.objects.search(filters.q))
    limit = filters.limit
    qs = qs.prefetch_related("tags", Prefetch("events", queryset=Event.objects.all()))
    page = list(qs[filters.offset : filters.offset + limit])
    personal = set(
        Person.objects.visible_to(request.user, personal=True)
        .filter(pk__in=[c.person_id for c in page])
        .values_list("pk", flat=True)
    )
    return Status(
        200, [candidate_out(c, list(c.events.all()), c.person_id in personal) for c in page]
    )


def get_candidate(request, pk: int) -> Candidate | None:
    return (
        Candidate.objects.visible_to(request.user)
        .select_related("person", "cell__parent", "helper")
        .filter(pk=pk)
        .first()
    )


def not_found(request, pk: int):
    """404, logged as a denial when the candidate exists outside the user's scope (as
    `core.views.get_visible` does for pages)."""
    hidden = Candidate.objects.filter(pk=pk).select_related("person", "cell").first()
    if hidden is not None:
        log(A.DENIED, hidden, detail=f"404: outside scope (admission.candidate) {request.path}")
    return Status(404, {"error": "Không tìm thấy, hoặc nằm ngoài phạm vi quản lý."})


def forbidden(request, c: Candidate, message: str):
    """403, logged as a denial (as `AuditMiddleware` does for pages)."""
    log(A.DENIED, c, detail=f"403 {request.method} {request.path}")
    return Status(403, {"error": message})


@router.get(
    "/{pk}",
    response={200: CandidateDetailOut, 404: ErrorOut},
    summary="One candidate's dossier: events and rule-check findings as of today",
    description="A role that sees names only gets what the dossier page shows it: the "
    "stage, cell, helper, priority groups and next deadline, without birth date, sex, "
    "events or findings.",
    exclude_unset=True,  # the fields a names-only role may not see are left out
)
def candidate_detail(request, pk: int):
    c = get_candidate(request, pk)
    if c is None:
        return not_found(request, pk)
    personal = (
        Person.objects.visible_to(request.user, personal=True).filter(pk=c.person_id).exists()
    )
    log(A.READ, c, detail="api" if personal else "api, names only")
    events = list(c.events.select_related("introducer"))
    if not personal:
        return Status(200, candidate_out(c, events, personal=False))
    rule_set, findings = services.findings_for(c, events, as_of=timezone.localdate())
    return Status(
        200,
        {
            **candidate_out(c, events, personal=True),
            "events": [event_out(e) for e in events],
            "rule_set": rule_set,
            "findings": [f.as_dict() for f in findings],
        },
    )


@router.post(
    "/{pk}/events",
    response={
        201: EventOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: BlockedOut | InvalidOut,
    },
    summary="Record one step of the dossier (checked like the page)",
    description="`version` is the candidate's version you read; if someone changed the "
    "dossier since, the answer is 409. A step the rule check blocks is 422 with the "
    "findings; record an EXCEPTION step first to pass one.",
)
def add_event(request, pk: int, body: EventIn):
    c = get_candidate(request, pk)
    if c is None:
        return not_found(request, pk)
    if not Candidate.objects.editable_by(request.user).filter(pk=pk).exists():
        return forbidden(request, c, "Bạn không có quyền thay đổi hồ sơ này.")
    fields = body.dict(exclude={"version", "introducer_id"})
    introducer = None
    if body.introducer_id is not None:
        introducer = (
            services.eligible_helpers(c.cell, body.date).filter(pk=body.introducer_id).first()
        )
        if introducer is None:
            return Status(
                400,
                {
                    "error": "Người giới thiệu/giúp đỡ không phải là đảng viên "
                    "chính thức của tổ chức đảng này."
                },
            )
    try:
        event = services.record(
            c,
            Step(**fields, introducer=introducer),
            by=request.user,
            version=body.version,
            today=timezone.localdate(),
        )
    except services.Blocked as e:
        return Status(
            422,
            {
                "error": "Kiểm tra theo quy định chặn bước này.",
                "rule_set": e.rule_set,
                "findings": [f.as_dict() for f in e.findings],
            },
        )
    except services.ChangedMeanwhile as e:
        return Status(409, {"error": str(e)})
    except services.InvalidField as e:  # said like the schema's own 422
        return Status(
            422, {"detail": [{"loc": ["body", "body", e.field], "msg": str(e), "type": "value"}]}
        )
    except TransitionError as e:
        return Status(400, {"error": str(e)})
    return Status(201, event_out(event))


class VoidIn(Schema):
    """Why the step is voided (required: an empty reason is refused with 400, naming
    the field); `version`, when given, is the candidate's version you read."""

    reason: str = Field("", max_length=1000)
    version: int | None = Field(None, ge=0, le=INT32)


class VoidedOut(EventOut):
    voided_at: dt.datetime
    void_reason: str
    stage: str
    stage_since: dt.date


@router.post(
    "/{pk}/events/{event_id}/void",
    response={200: VoidedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Void the dossier's last step, recorded by mistake (kept, with the reason)",
    description="Only the last live step can be voided; a step followed by later live "
    "steps is refused (400) naming them. The stage and deadlines are then recomputed "
    "from the live steps, and the step's membership effects undone (the ceremony's "
    "membership, a confirmation, a card, a striking off).",
)
def void_event(request, pk: int, event_id: int, body: VoidIn):
    from dangvien.admission import voiding
    from dangvien.core.errors import ActionError, NotAllowed

    c = get_candidate(request, pk)
    if c is None:
        return not_found(request, pk)
    if not Candidate.objects.editable_by(request.user).filter(pk=pk).exists():
        return forbidden(request, c, "Bạn không có quyền thay đổi hồ sơ này.")
    event = Event.all_objects.filter(candidate=c, pk=event_id).first()
    if event is None:
        return Status(404, {"error": "Không tìm thấy bước này trong hồ sơ."})
    try:
        event = voiding.void_step(event, reason=body.reason, by=request.user, version=body.version)
    except services.ChangedMeanwhile as e:
        return Status(409, {"error": str(e)})
    except NotAllowed as e:
        return forbidden(request, c, str(e))
    except ActionError as e:
        return Status(400, {"error": str(e)})
    c.refresh_from_db()
    return Status(
        200,
        {
            **event_out(event),
            "voided_at": event.voided_at,
            "void_reason": event.void_reason,
            "stage": c.stage,
            "stage_since": c.stage_since,
        },
    )
