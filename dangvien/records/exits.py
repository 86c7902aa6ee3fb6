"""Exits from the party with their decision, their reversal, and exemptions from party
work and activity (miễn công tác và sinh hoạt đảng).

One function per action; the pages, the JSON API and the admission pipeline's strike-off
call them. Each checks scope and every input before writing, then writes in one
transaction: the record, and the figures the reports count (`Membership.exit_on`,
`exit_reason`, `conviction_expunged_on`, the stints, the exemptions and temporary stays
that run past the exit).

Dates: an exit on D means the person is no longer a member on D (as `Membership.exit_on`);
an exemption counts from `start_on` up to the day before `end_on` (no longer exempt on
`end_on`), like a stint.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import may_write
from dangvien.core import memo
from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership, Status, Stint
from dangvien.orgs.models import OrgUnit

from .cards import end_cards_on_exit, reopen_cards_of_exit
from .models import Exemption, ExitDecision, OutOfContact, TemporaryStay, Transfer

R = ExitReason
# The reasons recorded here; a transfer out of the system is the transfers' action.
EXIT_REASONS = [r for r in R if r != R.TRANSFER_OUT]
# Every exit but a death is decided by a competent body, with a document number.
NO_DOCUMENT = {R.DEATH}
MAX_TEXT = 4000


def fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def member_unit(m: Membership) -> OrgUnit | None:
    """The unit that keeps the member's record: the open stint's, else the last one's
    (a member in transit between two units is still the sending unit's)."""
    stints = list(m.stints.select_related("unit").order_by("start_on", "pk"))
    open_ = [s for s in stints if s.end_on is None]
    if open_:
        return open_[-1].unit
    return stints[-1].unit if stints else None


def check_scope(by, m: Membership) -> None:
    """NotAllowed unless `by` may change the records of the member's unit (`by=None`:
    an operator's tool or an importer that checked its own scope)."""
    if by is None:
        return
    unit = member_unit(m)
    if unit is None or not may_write(by, unit):
        raise NotAllowed(
            _("You may not change the records of %(name)s.") % {"name": m.person.full_name}
        )


def clean_text(value: str | None, field: str, limit: int, label: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidField(
            field,
            _("%(label)s: at most %(n)d characters (%(got)d given).")
            % {"label": label, "n": limit, "got": len(text)},
        )
    return text


def not_future(day: dt.date, field: str, label: str, today: dt.date) -> None:
    if day > today:
        raise InvalidField(
            field, _("%(label)s: %(d)s is in the future.") % {"label": label, "d": fmt(day)}
        )


def open_membership(person) -> Membership | None:
    """The person's membership not ended (at most one), for the pages and the API."""
    return person.memberships.filter(exit_on__isnull=True).order_by("-ceremony_on").first()


def death_of(person) -> ExitDecision | None:
    """The decision recording that the person died, when it is the exit in force of their
    last membership (not reversed, not followed by another membership)."""
    last = person.memberships.order_by("-ceremony_on", "-pk").first()
    if last is None or last.exit_reason != R.DEATH or last.exit_on is None:
        return None
    return (
        last.exits.filter(reason=R.DEATH, on=last.exit_on, reversed_on__isnull=True)
        .order_by("-pk")
        .first()
    )


def shown_death(person) -> ExitDecision | None:
    """`death_of(person)`, asked once a request by the person page's sections."""
    return memo.kept(("death_of", person.pk), lambda: death_of(person))


def refuse_if_dead(person) -> None:
    """ActionError for a record that makes no sense once the person has died (a transfer,
    an exit, an exemption, a period out of contact, a move, a card)."""
    death = death_of(person)
    if death is not None:
        raise ActionError(
            _("%(name)s died on %(d)s: this record can no longer be made.")
            % {"name": person.full_name, "d": fmt(death.on)}
        )


# ----- exits ---------------------------------------------------------------------------


def end_membership(
    m: Membership,
    *,
    on: dt.date,
    reason: str,
    document_number: str = "",
    decided_by: str = "",
    note: str = "",
    conviction_expunged_on: dt.date | None = None,
    by=None,
) -> ExitDecision:
    """The writes of an exit, without the checks (the caller made them, inside its own
    transaction): the decision, the membership's mirror, the open stint, and the open
    exemptions and temporary stays, all ended on `on`."""
    decision = ExitDecision.objects.create(
        membership=m,
        on=on,
        reason=reason,
        document_number=document_number,
        decided_by=decided_by,
        note=note,
        recorded_by=by if by is not None and by.is_authenticated else None,
    )
    m.exit_on, m.exit_reason = on, reason
    fields = ["exit_on", "exit_reason"]
    if conviction_expunged_on is not None:
        m.conviction_expunged_on = conviction_expunged_on
        fields.append("conviction_expunged_on")
    m.save(update_fields=fields)
    # Saved one by one, not with update(): each change goes to the audit log.
    for stint in m.stints.filter(end_on__isnull=True):
        stint.end_on, stint.reason_out = on, Stint.ReasonOut.EXIT
        stint.save(update_fields=["end_on", "reason_out"])
    records: list[Exemption | TemporaryStay] = [
        *m.exemptions.filter(end_on__isnull=True),
        *m.temporary_stays.filter(end_on__isnull=True),
    ]
    for record in records:
        record.end_on = on
        record.save(update_fields=["end_on"])
    end_cards_on_exit(m, decision)
    return decision


def record_exit(
    membership: Membership,
    *,
    on: dt.date,
    reason: str,
    document_number: str = "",
    decided_by: str = "",
    note: str = "",
    conviction_expunged_on: dt.date | None = None,
    by,
    today: dt.date | None = None,
) -> ExitDecision:
    """A member leaves the party: death, asking to leave, striking off, expulsion or a
    conviction, with its date, document number and deciding body.

    `conviction_expunged_on` (only for a less serious crime) is the day the conviction
    was expunged, from which the readmission rules count 60 months."""
    today = today or timezone.localdate()
    m = membership
    name = m.person.full_name
    check_scope(by, m)
    if reason == R.TRANSFER_OUT:
        raise InvalidField(
            "reason",
            _("A transfer out of the system is recorded as a transfer, not as an exit."),
        )
    if reason not in EXIT_REASONS:
        raise InvalidField(
            "reason", _("Reason for leaving: “%(r)s” is not one of the list.") % {"r": reason}
        )
    if m.exit_on is not None:
        raise ActionError(
            _("%(name)s already left the party on %(d)s.") % {"name": name, "d": fmt(m.exit_on)}
        )
    label = _("Date of leaving")
    if on < m.ceremony_on:
        raise InvalidField(
            "on",
            _("%(label)s: %(d)s is before the admission ceremony of %(name)s (%(c)s).")
            % {"label": label, "d": fmt(on), "name": name, "c": fmt(m.ceremony_on)},
        )
    not_future(on, "on", label, today)
    document_number = clean_text(document_number, "document_number", 60, _("Decision number"))
    decided_by = clean_text(decided_by, "decided_by", 200, _("Deciding body"))
    note = clean_text(note, "note", MAX_TEXT, _("Note"))
    if reason not in NO_DOCUMENT and not document_number:
        raise InvalidField(
            "document_number",
            _("Decision number: required for “%(r)s”.") % {"r": R(reason).label},
        )
    if conviction_expunged_on is not None:
        if reason != R.LESS_SERIOUS_CRIME:
            raise InvalidField(
                "conviction_expunged_on",
                _("Conviction expunged on: only for a conviction of a less serious crime."),
            )
        if conviction_expunged_on < on:
            raise InvalidField(
                "conviction_expunged_on",
                _("Conviction expunged on: %(e)s is before the date of leaving (%(d)s).")
                % {"e": fmt(conviction_expunged_on), "d": fmt(on)},
            )
        not_future(
            conviction_expunged_on, "conviction_expunged_on", _("Conviction expunged on"), today
        )
    later_stint = m.stints.filter(start_on__gt=on).order_by("start_on").first()
    if later_stint is not None:
        raise InvalidField(
            "on",
            _("%(label)s: %(name)s is in %(u)s from %(s)s, after %(d)s.")
            % {
                "label": label,
                "name": name,
                "u": later_stint.unit.name,
                "s": fmt(later_stint.start_on),
                "d": fmt(on),
            },
        )
    transfers = m.transfers.filter(cancelled_on__isnull=True)
    if transfers.filter(Q(issued_on__gt=on) | Q(received_on__gt=on)).exists():
        raise InvalidField(
            "on",
            _("%(label)s: a transfer of %(name)s is recorded after %(d)s.")
            % {"label": label, "name": name, "d": fmt(on)},
        )
    if transfers.filter(
        kind=Transfer.Kind.OFFICIAL, issued_on__isnull=False, received_on__isnull=True
    ).exists():
        raise ActionError(
            _(
                "%(name)s is in transit between two units: record the arrival or cancel "
                "the transfer first."
            )
            % {"name": name}
        )
    for model, what in ((Exemption, _("an exemption")), (TemporaryStay, _("a temporary stay"))):
        later = model.objects.filter(membership=m, start_on__gt=on).first()
        if later is not None:
            raise InvalidField(
                "on",
                _("%(label)s: %(what)s of %(name)s begins on %(s)s, after %(d)s.")
                % {
                    "label": label,
                    "what": what,
                    "name": name,
                    "s": fmt(later.start_on),
                    "d": fmt(on),
                },
            )
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=m.pk)
        if locked.exit_on is not None:
            raise ChangedMeanwhile(
                _("%(name)s was recorded as leaving by someone else meanwhile.") % {"name": name}
            )
        decision = end_membership(
            locked,
            on=on,
            reason=reason,
            document_number=document_number,
            decided_by=decided_by,
            note=note,
            conviction_expunged_on=conviction_expunged_on,
            by=by,
        )
    m.exit_on, m.exit_reason = locked.exit_on, locked.exit_reason
    m.conviction_expunged_on = locked.conviction_expunged_on
    return decision


def dossier_step_in_force(decision: ExitDecision) -> bool:
    """Whether the exit is the admission dossier's strike-off step, not voided (the step
    is voided first, then the exit reversed)."""
    candidacy = getattr(decision.membership, "candidacy", None)
    if candidacy is None or decision.reason != R.STRUCK_OFF:
        return False
    # Event.Kind.STRUCK_OFF, by value: the admission app sits above this one.
    return candidacy.events.filter(
        kind="STRUCK_OFF", date=decision.on, voided_at__isnull=True
    ).exists()


def reverse_exit(
    exit_decision: ExitDecision, *, reason: str, by, today: dt.date | None = None
) -> ExitDecision:
    """A mistaken exit undone, with its reason kept: the membership and the stint the exit
    closed run on as if it had not happened (and so do the exemption and the temporary
    stay it ended)."""
    today = today or timezone.localdate()
    d = exit_decision
    m = d.membership
    name = m.person.full_name
    check_scope(by, m)
    reason = clean_text(reason, "reason", MAX_TEXT, _("Reason for reversing"))
    if not reason:
        raise InvalidField("reason", _("Reason for reversing: required."))
    if d.reversed_on is not None:
        raise ActionError(_("This exit was already reversed on %(d)s.") % {"d": fmt(d.reversed_on)})
    if d.reason == R.TRANSFER_OUT:
        raise ActionError(_("A transfer out of the system is undone by cancelling the transfer."))
    if m.exit_on != d.on or m.exit_reason != d.reason:
        raise ActionError(_("This decision is not the exit in force of %(name)s.") % {"name": name})
    if dossier_step_in_force(d):
        raise ActionError(
            _(
                "This strike-off is a step of the admission dossier of %(name)s: void "
                "that step first."
            )
            % {"name": name}
        )
    later = m.person.memberships.exclude(pk=m.pk).filter(ceremony_on__gte=d.on).first()
    if later is not None:
        raise ActionError(
            _("%(name)s was admitted again on %(c)s: this exit can no longer be reversed.")
            % {"name": name, "c": fmt(later.ceremony_on)}
        )
    if m.person.candidacies.active().filter(listed_on__gte=d.on).exists():
        raise ActionError(
            _(
                "%(name)s is on a source list again since leaving: close that dossier "
                "before reversing the exit."
            )
            % {"name": name}
        )
    if (
        m.transfers.filter(cancelled_on__isnull=True)
        .filter(Q(issued_on__gte=d.on) | Q(received_on__gte=d.on))
        .exists()
        or m.stints.filter(start_on__gt=d.on).exists()
    ):
        raise ActionError(
            _("A transfer of %(name)s is recorded after the exit: it depends on it.")
            % {"name": name}
        )
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=m.pk)
        fresh = ExitDecision.objects.select_for_update().get(pk=d.pk)
        if fresh.reversed_on is not None or locked.exit_on != d.on:
            raise ChangedMeanwhile(
                _("The exit of %(name)s was changed by someone else meanwhile.") % {"name": name}
            )
        closed = (
            locked.stints.filter(end_on=d.on, reason_out=Stint.ReasonOut.EXIT)
            .order_by("-start_on", "-pk")
            .first()
        )
        if closed is not None:
            closed.end_on, closed.reason_out = None, ""
            closed.save(update_fields=["end_on", "reason_out"])
        # The exit ended the exemption and the stay that were open; none can have begun
        # since (the member was not one), so those ending that day run on again.
        for record in [
            *locked.exemptions.filter(end_on=d.on).order_by("-start_on")[:1],
            *locked.temporary_stays.filter(end_on=d.on).order_by("-start_on")[:1],
        ]:
            record.end_on = None
            record.save(update_fields=["end_on"])
        reopen_cards_of_exit(fresh)
        locked.exit_on, locked.exit_reason = None, ""
        fields = ["exit_on", "exit_reason"]
        if d.reason == R.LESS_SERIOUS_CRIME:
            locked.conviction_expunged_on = None
            fields.append("conviction_expunged_on")
        locked.save(update_fields=fields)
        fresh.reversed_on, fresh.reversal_reason = today, reason
        fresh.save(update_fields=["reversed_on", "reversal_reason"])
    d.reversed_on, d.reversal_reason = fresh.reversed_on, fresh.reversal_reason
    m.exit_on, m.exit_reason = None, ""
    m.conviction_expunged_on = locked.conviction_expunged_on
    return d


def record_expungement(
    exit_decision: ExitDecision, *, on: dt.date, by, today: dt.date | None = None
) -> ExitDecision:
    """The day the conviction of a former member who left for a less serious crime was
    expunged, often years after the exit: the readmission rules count 60 months from it."""
    today = today or timezone.localdate()
    d = exit_decision
    m = d.membership
    check_scope(by, m)
    if d.reason != R.LESS_SERIOUS_CRIME or d.reversed_on is not None or m.exit_on != d.on:
        raise ActionError(
            _("Conviction expunged on: only for a conviction of a less serious crime.")
        )
    if on < d.on:
        raise InvalidField(
            "on",
            _("Conviction expunged on: %(e)s is before the date of leaving (%(d)s).")
            % {"e": fmt(on), "d": fmt(d.on)},
        )
    not_future(on, "on", _("Conviction expunged on"), today)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=m.pk)
        locked.conviction_expunged_on = on
        locked.save(update_fields=["conviction_expunged_on"])
    m.conviction_expunged_on = on
    return d


# ----- exemptions from party work and activity -------------------------------------------


def overlapping(m: Membership, start: dt.date, end: dt.date | None, exclude=None):
    """The membership's exemptions sharing a day with [start, end)."""
    qs = m.exemptions.filter(Q(end_on__isnull=True) | Q(end_on__gt=start))
    if end is not None:
        qs = qs.filter(start_on__lt=end)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("start_on").first()


def overlap_error(field: str, other: Exemption) -> InvalidField:
    until = fmt(other.end_on) if other.end_on else _("no end date")
    return InvalidField(
        field,
        _("An exemption from %(s)s (until %(e)s) is already recorded for these dates.")
        % {"s": fmt(other.start_on), "e": until},
    )


def grant_exemption(
    membership: Membership,
    *,
    reason: str,
    start_on: dt.date,
    end_on: dt.date | None = None,
    document_number: str = "",
    note: str = "",
    by,
    today: dt.date | None = None,
) -> Exemption:
    """Exempt an old or ill member from party work and activity from `start_on` (until
    the day before `end_on`, or with no end date). They stay a member and are counted,
    with a column of their own."""
    today = today or timezone.localdate()
    m = membership
    name = m.person.full_name
    check_scope(by, m)
    if reason not in Exemption.Reason.values:
        raise InvalidField(
            "reason", _("Reason for the exemption: “%(r)s” is not one of the list.") % {"r": reason}
        )
    label = _("Exempt from")
    not_future(start_on, "start_on", label, today)
    if start_on < m.ceremony_on or (m.exit_on is not None and start_on >= m.exit_on):
        raise InvalidField(
            "start_on",
            _("%(label)s: %(name)s is not a party member on %(d)s.")
            % {"label": label, "name": name, "d": fmt(start_on)},
        )
    if end_on is not None:
        if end_on <= start_on:
            raise InvalidField(
                "end_on",
                _("Exempt until: %(e)s must be after the start (%(s)s).")
                % {"e": fmt(end_on), "s": fmt(start_on)},
            )
        if m.exit_on is not None and end_on > m.exit_on:
            raise InvalidField(
                "end_on",
                _("Exempt until: %(e)s is after %(name)s left the party (%(d)s).")
                % {"e": fmt(end_on), "name": name, "d": fmt(m.exit_on)},
            )
    elif m.exit_on is not None:
        end_on = m.exit_on  # a member who has left is exempt until then at most
    document_number = clean_text(document_number, "document_number", 60, _("Decision number"))
    note = clean_text(note, "note", MAX_TEXT, _("Note"))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=m.pk)
        if locked.exit_on != m.exit_on:
            raise ChangedMeanwhile(
                _("The membership of %(name)s was changed by someone else meanwhile.")
                % {"name": name}
            )
        other = overlapping(locked, start_on, end_on)
        if other is not None:
            raise overlap_error("start_on", other)
        return Exemption.objects.create(
            membership=locked,
            reason=reason,
            start_on=start_on,
            end_on=end_on,
            document_number=document_number,
            note=note,
        )


def end_exemption(
    exemption: Exemption, *, on: dt.date, by, today: dt.date | None = None
) -> Exemption:
    """The member takes up party work and activity again on `on` (no longer exempt that
    day). A planned end date not yet reached may be moved."""
    today = today or timezone.localdate()
    e = exemption
    m = e.membership
    check_scope(by, m)
    if e.end_on is not None and e.end_on <= today:
        raise ActionError(_("This exemption already ended on %(d)s.") % {"d": fmt(e.end_on)})
    if on <= e.start_on:
        raise InvalidField(
            "on",
            _("Exempt until: %(e)s must be after the start (%(s)s).")
            % {"e": fmt(on), "s": fmt(e.start_on)},
        )
    if m.exit_on is not None and on > m.exit_on:
        raise InvalidField(
            "on",
            _("Exempt until: %(e)s is after %(name)s left the party (%(d)s).")
            % {"e": fmt(on), "name": m.person.full_name, "d": fmt(m.exit_on)},
        )
    with transaction.atomic():
        locked = Exemption.objects.select_for_update().get(pk=e.pk)
        if locked.end_on != e.end_on:
            raise ChangedMeanwhile(_("This exemption was changed by someone else meanwhile."))
        other = overlapping(m, e.start_on, on, exclude=locked)
        if other is not None:
            raise overlap_error("on", other)
        locked.end_on = on
        locked.save(update_fields=["end_on"])
    e.end_on = on
    return e


def exemption_in_force(m: Membership, day: dt.date) -> Exemption | None:
    """The exemption of a member on `day`, if any (none once they have left)."""
    if m.status_on(day) not in (Status.FULL, Status.PROBATIONARY):
        return None
    return (
        m.exemptions.filter(start_on__lte=day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gt=day))
        .first()
    )


# ----- out of contact (mất liên lạc) ---------------------------------------------------
def _overlapping_contact(m: Membership, start: dt.date, end: dt.date | None, exclude=None):
    qs = OutOfContact.objects.filter(membership=m).filter(
        Q(end_on__isnull=True) | Q(end_on__gt=start)
    )
    if end is not None:
        qs = qs.filter(start_on__lt=end)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("start_on").first()


def _check_contact_end(m: Membership, start: dt.date, end: dt.date, today: dt.date) -> None:
    label = _("Contact restored on")
    if end <= start:
        raise InvalidField(
            "end_on",
            _("%(label)s: %(d)s is not after the start of the period (%(s)s).")
            % {"label": label, "d": fmt(end), "s": fmt(start)},
        )
    not_future(end, "end_on", label, today)
    if m.exit_on is not None and end > m.exit_on:
        raise InvalidField(
            "end_on",
            _("%(label)s: %(d)s is after %(name)s left the party (%(x)s).")
            % {"label": label, "d": fmt(end), "name": m.person.full_name, "x": fmt(m.exit_on)},
        )


def _check_contact_period(
    m: Membership, start_on: dt.date, end_on: dt.date | None, today: dt.date
) -> None:
    """The checks of a period's dates, alike when it is recorded and when it is changed."""
    name = m.person.full_name
    label = _("Out of contact from")
    if start_on < m.decision_on:
        raise InvalidField(
            "start_on",
            _("%(label)s: %(d)s is before the admission decision of %(name)s (%(c)s).")
            % {"label": label, "d": fmt(start_on), "name": name, "c": fmt(m.decision_on)},
        )
    not_future(start_on, "start_on", label, today)
    if m.exit_on is not None and start_on >= m.exit_on:
        raise InvalidField(
            "start_on",
            _("%(label)s: %(d)s is not before %(name)s left the party (%(x)s).")
            % {"label": label, "d": fmt(start_on), "name": name, "x": fmt(m.exit_on)},
        )
    if end_on is not None:
        _check_contact_end(m, start_on, end_on, today)
    elif m.exit_on is not None:
        raise InvalidField(
            "end_on",
            _("Contact restored on: required, %(name)s has left the party.") % {"name": name},
        )


def _overlap_refusal(m: Membership, other: OutOfContact) -> InvalidField:
    return InvalidField(
        "start_on",
        _("%(name)s is already recorded out of contact from %(s)s (%(e)s).")
        % {
            "name": m.person.full_name,
            "s": fmt(other.start_on),
            "e": fmt(other.end_on) if other.end_on else _("not yet restored"),
        },
    )


def record_out_of_contact(
    membership: Membership,
    *,
    start_on: dt.date,
    end_on: dt.date | None = None,
    note: str = "",
    by,
    today: dt.date | None = None,
) -> OutOfContact:
    """A period when the member was out of contact with the party organisation, from
    `start_on` to `end_on` (the day contact was restored; None: still out of contact).
    Not counted in party age: Quy định 24-QĐ/TW (30/07/2021), điểm 4.5.1."""
    today = today or timezone.localdate()
    m = membership
    check_scope(by, m)
    _check_contact_period(m, start_on, end_on, today)
    note = clean_text(note, "note", MAX_TEXT, _("Note"))
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=m.pk).first()
        other = _overlapping_contact(m, start_on, end_on)
        if other is not None:
            raise _overlap_refusal(m, other)
        return OutOfContact.objects.create(
            membership=m,
            start_on=start_on,
            end_on=end_on,
            note=note,
            recorded_by=by if by is not None and by.is_authenticated else None,
        )


def change_out_of_contact(
    period: OutOfContact,
    *,
    start_on: dt.date,
    end_on: dt.date | None = None,
    note: str = "",
    by,
    today: dt.date | None = None,
) -> OutOfContact:
    """A period recorded with wrong dates or note, corrected: the same checks as when it
    is recorded (the period itself left out of the overlap), saved one by one so that
    the audit log keeps the values before and after."""
    today = today or timezone.localdate()
    m = period.membership
    check_scope(by, m)
    _check_contact_period(m, start_on, end_on, today)
    note = clean_text(note, "note", MAX_TEXT, _("Note"))
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=m.pk).first()
        fresh = OutOfContact.objects.select_for_update().filter(pk=period.pk).first()
        if fresh is None:
            raise ChangedMeanwhile(_("This period was deleted by someone else meanwhile."))
        other = _overlapping_contact(m, start_on, end_on, exclude=fresh)
        if other is not None:
            raise _overlap_refusal(m, other)
        fresh.start_on, fresh.end_on, fresh.note = start_on, end_on, note
        fresh.save(update_fields=["start_on", "end_on", "note"])
    period.start_on, period.end_on, period.note = start_on, end_on, note
    return period


def delete_out_of_contact(period: OutOfContact, *, by) -> None:
    """A period recorded by mistake, deleted (the audit log keeps what it held)."""
    check_scope(by, period.membership)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=period.membership_id).first()
        fresh = OutOfContact.objects.select_for_update().filter(pk=period.pk).first()
        if fresh is None:
            raise ChangedMeanwhile(_("This period was deleted by someone else meanwhile."))
        fresh.delete()


def restore_contact(
    period: OutOfContact, *, on: dt.date, by, today: dt.date | None = None
) -> OutOfContact:
    """The member is in contact again from `on`: the open period ends."""
    today = today or timezone.localdate()
    m = period.membership
    check_scope(by, m)
    with transaction.atomic():
        fresh = OutOfContact.objects.select_for_update().get(pk=period.pk)
        if fresh.end_on is not None:
            raise ChangedMeanwhile(
                _("Contact was already restored on %(d)s.") % {"d": fmt(fresh.end_on)}
            )
        _check_contact_end(m, fresh.start_on, on, today)
        fresh.end_on = on
        fresh.save(update_fields=["end_on"])
    period.end_on = on
    return period
