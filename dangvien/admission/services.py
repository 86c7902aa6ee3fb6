"""The one way to change a dossier: each action checks order, dates and the rule set in
force on the step's date, writes the event and the stage, and keeps membership right."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, log, snapshot
from dangvien.core import errors
from dangvien.core.civil import add_months
from dangvien.core.errors import ActionError
from dangvien.core.text import search_key
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.people.residence import follow_residence
from dangvien.records.exits import end_membership
from dangvien.records.models import PartyCard
from dangvien.rules import rulesets
from dangvien.rules.checks import BLOCKING, Finding, check, committee_vote_passes, listing
from dangvien.rules.dossier import parse

from . import bounds, dossier
from .models import CLOSED, EXITS, ORDER, CalendarDay, Candidate, CandidateTag, Event, Stage

K = Event.Kind
STAGE_OF = {
    K.LISTED: Stage.LISTED,
    K.COURSE_CERTIFICATE: Stage.COURSE_DONE,
    K.APPLICATION: Stage.APPLIED,
    K.DECLARATION: Stage.APPLIED,
    K.VERIFICATION_REQUEST: Stage.VERIFYING,
    K.VERIFICATION_ANSWER: Stage.VERIFYING,
    K.INTRODUCTION: Stage.INTRODUCED,
    K.YOUTH_UNION_RESOLUTION: Stage.INTRODUCED,
    K.RESIDENCE_COMMENT: Stage.COMMENTED,
    K.CELL_VOTE: Stage.CELL_VOTED,
    K.SUB_COMMITTEE_APPRAISAL: Stage.SUB_COMMITTEE,
    K.GRASSROOTS_VOTE: Stage.GRASSROOTS_VOTED,
    K.DECISION: Stage.DECIDED,
    # Probation runs from the ceremony (Điều lệ Đảng, Điều 5 khoản 1: twelve months from
    # the day the cell holds it): the dossier is on probation at once, not only from its
    # first probation step.
    K.CEREMONY: Stage.PROBATION,
    K.SELF_REVIEW: Stage.PROBATION,
    K.HELPER_COMMENT: Stage.PROBATION,
    K.CONFIRMATION_RESIDENCE: Stage.PROBATION,
    K.CONFIRMATION_CELL_VOTE: Stage.PROBATION,
    K.CONFIRMATION_SUB_COMMITTEE: Stage.PROBATION,
    K.CONFIRMATION_GRASSROOTS_VOTE: Stage.PROBATION,
    K.CONFIRMATION_DECISION: Stage.CONFIRMED,
    K.CARD_ISSUED: Stage.CARD_ISSUED,
    K.WITHDRAWN: Stage.WITHDRAWN,
    K.REJECTED: Stage.REJECTED,
    K.STRUCK_OFF: Stage.STRUCK_OFF,
}
PREPARATION = (
    K.COURSE_CERTIFICATE,
    K.APPLICATION,
    K.DECLARATION,
    K.VERIFICATION_REQUEST,
    K.VERIFICATION_ANSWER,
    K.INTRODUCTION,
    K.YOUTH_UNION_RESOLUTION,
    K.RESIDENCE_COMMENT,
)
PROBATION_STEPS = (
    K.SELF_REVIEW,
    K.HELPER_COMMENT,
    K.CONFIRMATION_RESIDENCE,
    K.CONFIRMATION_CELL_VOTE,
    K.CONFIRMATION_SUB_COMMITTEE,
    K.CONFIRMATION_GRASSROOTS_VOTE,
)
CELL_VOTES = (K.CELL_VOTE, K.CONFIRMATION_CELL_VOTE)
# Counted against the grassroots committee's members (cấp ủy viên), not the cell's.
COMMITTEE_VOTES = (K.GRASSROOTS_VOTE, K.CONFIRMATION_GRASSROOTS_VOTE)
VOTES = (*CELL_VOTES, *COMMITTEE_VOTES)


def rank(stage: str) -> int:
    return ORDER.index(Stage(stage))


class TransitionError(ActionError):
    """A change refused before anything was written; the message is for the user."""


class Blocked(TransitionError):
    def __init__(self, findings: list[Finding], rule_set: str):
        self.findings, self.rule_set = findings, rule_set
        super().__init__(" ".join(f"{f.message} ({f.citation})" for f in findings))


class ChangedMeanwhile(TransitionError, errors.ChangedMeanwhile):
    pass


class InvalidField(TransitionError, errors.InvalidField):
    """A value the step may not carry; `field` names it (the form field, the API key)."""


class OutOfScope(TransitionError):
    """The person is not the user's to list. One message, whatever was typed, naming
    whom to ask and never the person (ASVS V4: no attaching, no existence oracle)."""

    def __init__(self):
        super().__init__(out_of_scope_message())


def out_of_scope_message() -> str:
    return _(
        "This person cannot be listed here; ask the organisation board (Ban Tổ chức), "
        "which sees both units, to list them."
    )


@dataclass
class Step:
    """What a user records: the event's fields (the ones that apply to its kind)."""

    kind: str
    date: dt.date
    document_number: str = ""
    note: str = ""
    full_members: int | None = None
    committee_members: int | None = None
    present: int | None = None
    in_favour: int | None = None
    introducer: Person | None = None
    worked_together_since: dt.date | None = None
    subject: str = ""
    received_on: dt.date | None = None
    extended: bool = False
    card_number: str = ""
    rule: str = ""
    approved_by: str = ""


def has_sub_committee(cell: OrgUnit) -> bool:
    return bool(cell.parent and cell.parent.kind == OrgUnit.Kind.SUB_COMMITTEE)


def check_order(c: Candidate, step: Step, events: list[Event], today: dt.date) -> None:
    """Refuse a step out of order or wrongly dated, saying why."""
    kind, stage = step.kind, c.stage
    name = c.person.full_name
    if step.date > today:
        raise TransitionError(
            _("The date %(d)s is in the future.") % {"d": step.date.strftime("%d/%m/%Y")}
        )
    if c.stage in CLOSED:
        raise TransitionError(
            _("The dossier of %(name)s is closed (%(stage)s).")
            % {"name": name, "stage": c.get_stage_display()}
        )
    at = rank(stage)
    need = {
        K.CELL_VOTE: at < rank(Stage.CELL_VOTED),
        K.SUB_COMMITTEE_APPRAISAL: stage == Stage.CELL_VOTED and has_sub_committee(c.cell),
        K.GRASSROOTS_VOTE: stage
        == (Stage.SUB_COMMITTEE if has_sub_committee(c.cell) else Stage.CELL_VOTED)
        and c.cell.kind != OrgUnit.Kind.GRASSROOTS_CELL,
        K.DECISION: stage
        == (
            Stage.CELL_VOTED
            if c.cell.kind == OrgUnit.Kind.GRASSROOTS_CELL
            else Stage.GRASSROOTS_VOTED
        )
        # After three failed grassroots votes the superior committee decides itself.
        or (stage in (Stage.CELL_VOTED, Stage.SUB_COMMITTEE) and referred(c, events)),
        K.CEREMONY: stage == Stage.DECIDED,
        K.CONFIRMATION_DECISION: stage == Stage.PROBATION
        and any(e.kind == K.CONFIRMATION_CELL_VOTE for e in events),
        K.CARD_ISSUED: stage == Stage.CONFIRMED,
        K.WITHDRAWN: at < rank(Stage.CEREMONY_HELD),
        K.REJECTED: at < rank(Stage.CEREMONY_HELD),
        K.STRUCK_OFF: stage in (Stage.CEREMONY_HELD, Stage.PROBATION),
    }
    if kind in PREPARATION:
        allowed = at < rank(Stage.CELL_VOTED)
    elif kind in PROBATION_STEPS:
        allowed = stage in (Stage.CEREMONY_HELD, Stage.PROBATION)
    else:
        allowed = need.get(K(kind), True)
    if not allowed:
        raise TransitionError(
            _("“%(step)s” cannot be recorded for %(name)s at the stage “%(stage)s”.")
            % {"step": K(kind).label, "name": name, "stage": c.get_stage_display()}
        )
    milestone = kind not in PREPARATION and kind not in (K.HELPER_ASSIGNED, K.EXCEPTION)
    if milestone and step.date < c.stage_since:
        raise TransitionError(
            _("The date %(d)s is before the previous step (%(prev)s).")
            % {"d": step.date.strftime("%d/%m/%Y"), "prev": c.stage_since.strftime("%d/%m/%Y")}
        )
    counts = (step.full_members, step.committee_members, step.present, step.in_favour)
    if any(n is not None and n < 0 for n in counts):
        raise TransitionError(_("A count of members or votes cannot be negative."))
    if kind in CELL_VOTES and (step.full_members is None or step.in_favour is None):
        raise TransitionError(_("A vote needs the number of full members and of votes in favour."))
    if kind in CELL_VOTES and step.in_favour > step.full_members:  # type: ignore[operator]
        raise TransitionError(_("More votes in favour than full members."))
    if kind in COMMITTEE_VOTES and not (step.committee_members and step.in_favour is not None):
        raise TransitionError(
            _("A grassroots vote needs the number of committee members and of votes in favour.")
        )
    if kind in COMMITTEE_VOTES and step.in_favour > step.committee_members:  # type: ignore[operator]
        raise TransitionError(_("More votes in favour than committee members."))
    earlier = [e.date for e in events if e.kind == kind and e.date > step.date]
    if kind in COMMITTEE_VOTES and earlier:  # a failed vote does not move stage_since
        raise TransitionError(
            _("The date %(d)s is before the previous step (%(prev)s).")
            % {"d": step.date.strftime("%d/%m/%Y"), "prev": max(earlier).strftime("%d/%m/%Y")}
        )
    voters = step.committee_members if kind in COMMITTEE_VOTES else step.full_members
    votes = bounds.vote_errors(voters, step.present, step.in_favour)
    if votes:
        field, message = next(iter(votes.items()))
        if field == "full_members" and kind in COMMITTEE_VOTES:
            field = "committee_members"
        raise InvalidField(field, message)
    for field in ("date", "worked_together_since", "received_on"):
        wrong = bounds.date_error(getattr(step, field), today)
        if wrong:
            raise InvalidField(field, wrong)
    if kind == K.INTRODUCTION and step.introducer is None:
        raise TransitionError(_("Choose the full member who introduces."))
    born = c.person.birth_date
    if step.worked_together_since and born and step.worked_together_since < born:
        raise InvalidField(
            "worked_together_since",
            _("%(d)s is before the applicant was born (%(born)s).")
            % {"d": f"{step.worked_together_since:%d/%m/%Y}", "born": f"{born:%d/%m/%Y}"},
        )
    if kind in (K.VERIFICATION_REQUEST, K.VERIFICATION_ANSWER) and not step.subject.strip():
        raise TransitionError(_("Say whose background is verified (e.g. the father)."))
    if kind == K.CARD_ISSUED and not step.card_number.strip():
        raise TransitionError(_("Enter the party card number."))
    if kind == K.EXCEPTION and not (step.rule and step.approved_by and step.document_number):
        raise TransitionError(
            _("An exception needs the rule, who approved it and the document number.")
        )


def referred(c: Candidate, events: list[Event]) -> bool:
    """Has the grassroots committee failed its admission vote often enough that the
    matter went to the superior committee?"""
    rs = rulesets.in_force_on(max((e.date for e in events), default=c.listed_on))
    failed = [
        e
        for e in events
        if e.kind == K.GRASSROOTS_VOTE
        and e.committee_members
        and not committee_vote_passes(rs, e.committee_members, e.in_favour or 0)
    ]
    return len(failed) >= rs.grassroots_failed_votes_to_superior


def normalise(step: Step) -> Step:
    """A grassroots vote counts committee members. Callers written before the field
    existed sent that count as `full_members`: take it as the committee's."""
    if step.kind in COMMITTEE_VOTES and step.committee_members is None:
        step.committee_members, step.full_members = step.full_members, None
    return step


def findings_for(
    c: Candidate,
    events: list[Event],
    *,
    on: dt.date | None = None,
    as_of: dt.date | None = None,
    rule_set: str | None = None,
) -> tuple[str, list[Finding]]:
    """Rule-check findings of the dossier as recorded.

    `on`: check a step of that date, with the rule set in force then. `as_of`: review the
    dossier on a day (overdue steps are findings), with the set of its latest step.
    `rule_set`: check against that set instead (a user comparing regulations).
    """
    data = dossier.build(c, events)
    if as_of and c.stage in EXITS and c.stage_since < as_of:
        # Withdrawn, rejected or struck off: reviewed as it stood when it closed, since
        # no deadline of the pipeline runs on after that.
        as_of = c.stage_since
    if as_of:
        data["as_of"] = as_of.isoformat()
    chosen = rule_set or (rulesets.in_force_on(on).id if on else None)
    rs, found = check(parse(data), chosen, overrides=CalendarDay.overrides())
    return rs.id, found


@transaction.atomic
def record(c: Candidate, step: Step, *, by, version: int, today: dt.date) -> Event:
    """Record one step of `c`'s dossier, or raise TransitionError and write nothing.

    A grassroots committee vote short of 2/3 is recorded all the same (the resolution
    exists; three of them send the matter to the superior committee) but moves the
    dossier no further."""
    events = list(c.events.select_related("introducer"))
    if step.kind == K.LISTED:
        raise InvalidField("kind", _("A candidate is listed from the new-candidate page."))
    if step.kind == K.EXCEPTION:
        wrong = bounds.self_approval_error(step.approved_by, by)
        if wrong:
            raise InvalidField("approved_by", wrong)
    step = normalise(step)
    check_order(c, step, events, today)
    event = Event(candidate=c, recorded_by=by, **step.__dict__)
    failed_vote = False
    if step.kind != K.EXCEPTION:
        rule_set, found = findings_for(c, [*events, event], on=step.date)
        blocking = [f for f in found if f.severity == BLOCKING]
        if step.kind in COMMITTEE_VOTES and blocking:
            # Recorded only when the shortfall of this vote is all that blocks.
            failed_vote = all(f.rule == "vote.grassroots" for f in blocking)
        if blocking and not failed_vote:
            raise Blocked(blocking, rule_set)
    new_stage = None if failed_vote else STAGE_OF.get(K(step.kind))
    fields: dict = {"version": version + 1}
    if new_stage and (rank(new_stage) > rank(c.stage) or new_stage in CLOSED):
        fields.update(stage=new_stage, stage_since=step.date)
    if step.kind == K.HELPER_ASSIGNED:
        fields["helper"] = step.introducer
    updated = Candidate.objects.filter(pk=c.pk, version=version).update(**fields)
    if not updated:
        raise ChangedMeanwhile(
            _(
                "The dossier of %(name)s was changed by someone else "
                "meanwhile. Reload the page and try again."
            )
            % {"name": c.person.full_name}
        )
    before = snapshot(c)
    for key, value in fields.items():
        setattr(c, key, value)
    # The versioned UPDATE above sends no signal: record the change in the audit here.
    log(A.UPDATE, c, before=before, after=snapshot(c))
    event.save()
    membership_effects(c, event, events)
    return event


def membership_effects(c: Candidate, event: Event, events: list[Event]) -> None:
    """The ceremony creates the probationary membership; later steps keep it right."""
    if event.kind == K.CEREMONY:
        decision = next(e for e in reversed(events) if e.kind == K.DECISION)
        if Membership.objects.on(event.date).filter(person=c.person).exists():
            raise TransitionError(
                _("%(name)s is already a party member.") % {"name": c.person.full_name}
            )
        m = Membership.objects.create(
            person=c.person,
            decision_on=decision.date,
            decision_number=decision.document_number,
            ceremony_on=event.date,
        )
        Stint.objects.create(
            membership=m, unit=c.cell, start_on=event.date, reason_in=Stint.ReasonIn.ADMITTED
        )
        c.membership = m
        c.save(update_fields=["membership"])
        return
    if c.membership is None:
        return
    m = c.membership
    if event.kind == K.CONFIRMATION_DECISION:
        # Full as of the exact end of the 12 months, even when the meeting was late.
        m.confirmed_on = add_months(m.ceremony_on, 12)
        m.save(update_fields=["confirmed_on"])
    elif event.kind == K.CARD_ISSUED:
        number = event.card_number.strip()
        if (
            Membership.objects.filter(card_number=number).exclude(pk=m.pk).exists()
            or PartyCard.objects.filter(number=number).exclude(membership=m).exists()
        ):
            raise TransitionError(_("Party card number %(n)s is already used.") % {"n": number})
        m.card_number = number
        try:
            with transaction.atomic():
                m.save(update_fields=["card_number"])
                # The card's history (records.PartyCard) begins with this first card.
                for old in m.cards.filter(ended_on__isnull=True).exclude(number=number):
                    old.ended_on = event.date  # saved one by one: audited
                    old.save(update_fields=["ended_on"])
                if not m.cards.filter(number=number).exists():
                    PartyCard.objects.create(
                        membership=m,
                        number=number,
                        issued_on=event.date,
                        reason=PartyCard.Reason.FIRST,
                    )
        except IntegrityError:
            raise TransitionError(
                _("Party card number %(n)s is already used.") % {"n": event.card_number}
            ) from None
    elif event.kind == K.STRUCK_OFF:
        # The exit decision, the membership's mirror, the stint (and any open exemption
        # or temporary stay) end as for any other exit.
        end_membership(
            m,
            on=event.date,
            reason=ExitReason.STRUCK_OFF,
            document_number=event.document_number,
            note=event.note,
            by=event.recorded_by,
        )


def eligible_helpers(cell: OrgUnit, day: dt.date):
    """Full members of the candidate's grassroots organisation on `day`."""
    grassroots = cell.grassroots() or cell
    return Person.objects.filter(
        memberships__stints__in=Stint.objects.members_on(day).in_subtree(grassroots),
        memberships__confirmed_on__lte=day,
    ).distinct()


def is_eligible_helper(cell: OrgUnit, day: dt.date, person: Person) -> bool:
    """Whether `person` is among `eligible_helpers(cell, day)`, asked from the person's
    own stints (the list's `IN` subquery reads every stint: on SQLite a scan a call)."""
    grassroots = cell.grassroots() or cell
    return (
        Stint.objects.members_on(day)
        .in_subtree(grassroots)
        .filter(membership__person=person, membership__confirmed_on__lte=day)
        .exists()
    )


def stored_person(
    citizen_id: str | None,
    full_name: str,
    birth_date: dt.date,
    *,
    by,
    within: tuple[list[str], list[str] | None] | None = None,
):
    """The stored person with this citizen ID, for `by` (or an import restricted to the
    unit and locality paths `within`) to list; None when the number is new. Someone
    outside raises OutOfScope, the same whether or not the typed name and birth date are
    theirs; `by=None` without `within` (an operator's tool) reaches everyone."""
    existing = Person.objects.filter(citizen_id=citizen_id).first() if citizen_id else None
    if existing is None:
        return None
    if by is not None:
        allowed = Person.objects.visible_to(by, personal=True)
    else:
        allowed = Person.objects.within(*within) if within else Person.objects.all()
    if not allowed.filter(pk=existing.pk).exists():
        raise OutOfScope()
    if existing.birth_date != birth_date or existing.search_name != search_key(full_name):
        raise TransitionError(
            _("Citizen ID %(n)s is already recorded for another person.") % {"n": citizen_id}
        )
    return existing


PERSON_FIELDS = (
    "full_name",
    "birth_date",
    "sex",
    "citizen_id",
    "ethnicity",
    "religion",
    "general_education",
    "professional",
    "occupation",
    "residence",
    "youth_union_member",
)


def person_for(data: dict, *, by) -> Person:
    """The person of a new-candidate form: the stored one with that citizen ID (same
    name and birth date, in `by`'s scope), else a new one."""
    number = data.get("citizen_id") or None
    existing = stored_person(number, data["full_name"], data["birth_date"], by=by)
    if existing is not None:
        if existing.residence is None and data.get("residence") is not None:
            # Where they live was not known: the listing says it (a move is the person
            # page's, dated).
            existing.residence = data["residence"]
            existing.save(update_fields=["residence"])
            follow_residence(
                existing, existing.residence, on=data.get("listed_on") or dt.date.today()
            )
        return existing
    p = Person(**{f: data[f] for f in PERSON_FIELDS if f != "citizen_id"}, citizen_id=number)
    p.save()
    if p.residence is not None:  # the history: "since before the records begin"
        follow_residence(p, p.residence, on=data.get("listed_on") or dt.date.today())
    return p


@transaction.atomic
def list_candidate(
    person: Person,
    cell: OrgUnit,
    *,
    listed_on: dt.date,
    tags: list[str],
    helper: Person | None,
    by,
    today: dt.date,
    difficult_area: bool = False,
    youth_union_exists: bool = True,
) -> Candidate:
    """Put an outstanding non-member on a cell's source list.

    The candidate returned carries `listing_warnings`: findings to show at once (younger
    than Youth Union age, or past the upper age), which do not refuse the listing."""
    if listed_on > today:
        raise TransitionError(
            _("The date %(d)s is in the future.") % {"d": listed_on.strftime("%d/%m/%Y")}
        )
    if cell.kind not in (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL):
        raise TransitionError(
            _("Candidates are listed in a cell, not in “%(u)s”.") % {"u": cell.name}
        )
    if not cell.exists_on(listed_on):
        raise TransitionError(
            _("%(u)s does not exist on %(d)s.")
            % {"u": cell.name, "d": listed_on.strftime("%d/%m/%Y")}
        )
    if Membership.objects.on(listed_on).filter(person=person).exists():
        raise TransitionError(_("%(name)s is already a party member.") % {"name": person.full_name})
    if Candidate.objects.active().filter(person=person).exists():
        raise TransitionError(
            _("%(name)s is already on a source list.") % {"name": person.full_name}
        )
    if helper is not None and not is_eligible_helper(cell, listed_on, helper):
        raise TransitionError(
            _("%(name)s is not a full member of this organisation.") % {"name": helper.full_name}
        )
    c = Candidate.objects.create(
        person=person,
        cell=cell,
        listed_on=listed_on,
        stage_since=listed_on,
        helper=helper,
        difficult_area=difficult_area,
        youth_union_exists=youth_union_exists,
    )
    c.listing_warnings = listing(person.full_name, person.birth_date, listed_on)
    CandidateTag.objects.bulk_create([CandidateTag(candidate=c, tag=t) for t in set(tags)])
    Event.objects.create(candidate=c, kind=K.LISTED, date=listed_on, recorded_by=by)
    if helper is not None:
        Event.objects.create(
            candidate=c, kind=K.HELPER_ASSIGNED, date=listed_on, introducer=helper, recorded_by=by
        )
    return c
