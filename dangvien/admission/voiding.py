"""Voiding a dossier step recorded by mistake.

A voided step is kept (struck through on the dossier page, in the audit log) and left
out of everything else: `Event.objects` no longer returns it. Only the last live step of
a dossier may be voided, so that the steps after it are never left standing on a step
that no longer exists; after voiding, the stage (and with it every deadline, which is
computed from the stage and the live steps) is replayed from the live steps, and the
membership effects of the step are undone.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Stint
from dangvien.rules import rulesets
from dangvien.rules.checks import committee_vote_passes

from .models import CLOSED, Candidate, Event, Stage
from .services import COMMITTEE_VOTES, STAGE_OF, ChangedMeanwhile, TransitionError, rank

K = Event.Kind
REASON_MAX = 1000


def live_steps(c: Candidate) -> list[Event]:
    return list(Event.objects.filter(candidate=c).order_by("date", "pk"))


def is_after(e: Event, other: Event) -> bool:
    """Whether `e` comes after `other` in the dossier's order (date, then recording)."""
    return (e.date, e.pk) > (other.date, other.pk)


def replay(c: Candidate, events: list[Event]) -> tuple[str, dt.date]:
    """The stage and its start as `services.record` would have left them after `events`
    (a grassroots vote short of its share moves nothing)."""
    stage, since = Stage.LISTED.value, c.listed_on
    for e in events:
        new = STAGE_OF.get(K(e.kind))
        if e.kind in COMMITTEE_VOTES and e.committee_members:
            rs = rulesets.in_force_on(e.date)
            if not committee_vote_passes(rs, e.committee_members, e.in_favour or 0):
                new = None
        if new and (rank(new) > rank(stage) or new in CLOSED):
            stage, since = new, e.date
    return stage, since


def voidable(c: Candidate, events: list[Event]) -> Event | None:
    """The step that may be voided now: the last live one, unless it is the listing."""
    last = events[-1] if events else None
    return last if last is not None and last.kind != K.LISTED else None


def void_step(event: Event, *, reason: str, by, version: int | None = None) -> Event:
    """Void `event` (the last live step of its dossier) for `reason`, or raise and write
    nothing. `version`, when given, is the candidate's version the user read."""
    c = (
        Candidate.objects.select_related("person", "cell", "membership")
        .filter(pk=event.candidate_id)
        .first()
    )
    if c is None:
        raise NotAllowed(_("Not found, or outside your scope."))
    if by is not None and not Candidate.objects.editable_by(by).filter(pk=c.pk).exists():
        raise NotAllowed(_("You may not change this dossier."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidField("reason", _("Say why this step is voided (the reason is required)."))
    if len(reason) > REASON_MAX:
        raise InvalidField(
            "reason",
            _("The reason is %(n)s characters long; at most %(max)s.")
            % {"n": len(reason), "max": REASON_MAX},
        )
    with transaction.atomic():
        c = (
            Candidate.objects.select_for_update(of=("self",))
            .select_related("person", "membership")
            .get(pk=c.pk)
        )
        if version is not None and c.version != version:
            raise ChangedMeanwhile(
                _(
                    "The dossier of %(name)s was changed by someone else "
                    "meanwhile. Reload the page and try again."
                )
                % {"name": c.person.full_name}
            )
        event = Event.all_objects.select_for_update().get(pk=event.pk)
        if event.voided_at is not None:
            raise TransitionError(
                _("“%(step)s” of %(d)s is already voided.")
                % {"step": K(event.kind).label, "d": event.date.strftime("%d/%m/%Y")}
            )
        events = live_steps(c)
        if event.kind == K.LISTED:
            raise TransitionError(
                _(
                    "The listing itself cannot be voided: record that the candidate is "
                    "withdrawn from the list instead."
                )
            )
        later = [e for e in events if is_after(e, event)]
        if later:
            named = "; ".join(f"{K(e.kind).label} ({e.date.strftime('%d/%m/%Y')})" for e in later)
            raise TransitionError(
                _(
                    "Only the last step can be voided: void the later steps first, "
                    "from the last: %(steps)s."
                )
                % {"steps": named}
            )
        membership = c.membership
        undo_membership_effects(c, event)
        remaining = [e for e in events if e.pk != event.pk]
        stage, since = replay(c, remaining)
        fields: dict = {"stage": stage, "stage_since": since, "version": c.version + 1}
        if event.kind == K.HELPER_ASSIGNED:
            helpers = [e for e in remaining if e.kind == K.HELPER_ASSIGNED]
            fields["helper"] = helpers[-1].introducer if helpers else None
        if event.kind == K.CEREMONY:
            fields["membership"] = None
        for key, value in fields.items():
            setattr(c, key, value)
        c.save(update_fields=list(fields))  # audited by the signals, before and after
        event.voided_at = timezone.now()
        event.voided_by = by
        event.void_reason = reason
        event.save(update_fields=["voided_at", "voided_by", "void_reason"])
        if event.kind == K.CEREMONY and membership is not None:
            delete_membership(membership)
    return event


def undo_membership_effects(c: Candidate, event: Event) -> None:
    """Undo what `services.membership_effects` did for `event`, or refuse when other
    records now hang on it."""
    m = c.membership
    if m is None:
        return
    name = c.person.full_name
    if event.kind == K.CEREMONY:
        hanging = []
        if m.confirmed_on:
            hanging.append(_("full membership"))
        if m.card_number or m.cards.exists():
            hanging.append(_("a party card"))
        if m.exit_on or m.exits.exists():
            hanging.append(_("an exit"))
        if m.transfers.exists() or m.stints.count() > 1:
            hanging.append(_("a transfer"))
        if m.temporary_stays.exists():
            hanging.append(_("a temporary transfer"))
        if m.exemptions.exists():
            hanging.append(_("an exemption"))
        if m.ratings.exists():
            hanging.append(_("a quality rating"))
        if hanging:
            raise TransitionError(
                _(
                    "The ceremony of %(name)s cannot be voided: the membership it created "
                    "now has %(what)s. Correct those records first."
                )
                % {"name": name, "what": ", ".join(str(h) for h in hanging)}
            )
    elif event.kind == K.CONFIRMATION_DECISION:
        if m.card_number or m.cards.exists():
            raise TransitionError(
                _(
                    "The confirmation of %(name)s cannot be voided: a party card was issued "
                    "since. Correct the card first."
                )
                % {"name": name}
            )
        m.confirmed_on = None
        m.save(update_fields=["confirmed_on"])
    elif event.kind == K.CARD_ISSUED:
        if m.card_number and m.card_number != event.card_number:
            raise TransitionError(
                _(
                    "The card %(n)s cannot be voided: the card in use is now %(m)s. "
                    "Correct the cards first."
                )
                % {"n": event.card_number, "m": m.card_number}
            )
        from dangvien.records.models import PartyCard

        for card in PartyCard.objects.filter(membership=m, number=event.card_number):
            card.delete()  # one by one: audited
        m.card_number = ""
        m.save(update_fields=["card_number"])
    elif event.kind == K.STRUCK_OFF:
        if m.exit_on != event.date or m.exit_reason != ExitReason.STRUCK_OFF:
            raise TransitionError(
                _(
                    "The striking off of %(name)s cannot be voided: the membership's exit "
                    "has changed since. Correct the exit first."
                )
                % {"name": name}
            )
        from dangvien.records.cards import reopen_cards_of_exit
        from dangvien.records.models import ExitDecision

        for decision in ExitDecision.objects.filter(
            membership=m, on=event.date, reason=ExitReason.STRUCK_OFF, reversed_on__isnull=True
        ):
            reopen_cards_of_exit(decision)
            decision.delete()  # one by one: audited
        m.exit_on, m.exit_reason = None, ""
        m.save(update_fields=["exit_on", "exit_reason"])
        for stint in m.stints.filter(end_on=event.date, reason_out=Stint.ReasonOut.EXIT):
            stint.end_on, stint.reason_out = None, ""
            stint.save(update_fields=["end_on", "reason_out"])


def delete_membership(m) -> None:
    """The membership and stint the ceremony created, once the candidate no longer
    points at it (checked bare by `undo_membership_effects`)."""
    for stint in m.stints.all():  # one by one: audited
        stint.delete()
    m.delete()
