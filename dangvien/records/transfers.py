"""Transfers of party activity (chuyển sinh hoạt đảng) and temporary activity elsewhere
(sinh hoạt đảng tạm thời): one function per action, used alike by the pages, the JSON API
and any importer.

How each one counts (the structure report counts stints, `start ≤ day < end`):

- *Within the system* (`issue_transfer`, `receive_transfer`): the sending unit issues the
  letter; its stint ends on that day (reason out TRANSFER). Until the receiving unit records
  the arrival the member is *in transit*, counted in neither unit (the structure report
  gives them as `in_transit` of the sending subtree); arrival starts a stint there (reason
  in TRANSFER). A transfer cancelled before receipt reopens the stint, as if never issued.
- *Out of the system* (`transfer_out`): the member is still a party member, elsewhere; here
  the membership ends: `Membership.exit_on` with `ExitReason.TRANSFER_OUT`, an
  `ExitDecision` row and the stint ended with reason out EXIT (stints have no reason "out
  of the system": the Transfer row says where). Every report therefore drops them from
  that day; the readmission rules do not apply to TRANSFER_OUT (it is no reason to refuse),
  and a member who comes back is transferred in (`transfer_in` reopens the same
  membership: party age runs on) rather than readmitted.
- *In from outside* (`transfer_in`): a new membership with the admission dates of the
  documents (or the one that had been transferred out, reopened) and a stint from arrival
  (reason in TRANSFER_IN).
- *Temporary* (`start_temporary`, `end_temporary`): nothing changes in the stints; the
  member is counted in the home unit and listed in the host unit as temporary.

Scope: each side acts in its own units only (`may_write`): the sending unit issues and
cancels, the receiving unit receives; the home unit starts a temporary stay, the home or
host unit ends it.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import may_write, prefix_q, scope_paths
from dangvien.core.civil import add_years
from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership, Status, Stint, member_on_q
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.reference.models import Ethnicity, Religion
from dangvien.rules import rulesets

from .models import ExitDecision, TemporaryStay, Transfer

EARLIEST = dt.date(1900, 1, 1)
MEMBER_UNITS = OrgUnit.MEMBER_HOLDING_KINDS
TEXT_MAX = {"document_number": 60, "outside_body": 200, "host_body": 200}


def fmt(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def pending_q(prefix: str = "") -> Q:
    """Q for an official transfer issued and neither received nor cancelled."""
    return Q(
        **{
            f"{prefix}kind": Transfer.Kind.OFFICIAL,
            f"{prefix}received_on__isnull": True,
            f"{prefix}cancelled_on__isnull": True,
        }
    )


# ----- checks shared by the actions ----------------------------------------------------
def check_date(field: str, label: str, value: dt.date | None, today: dt.date) -> dt.date:
    if value is None:
        raise InvalidField(field, _("%(field)s: enter a date (dd/mm/yyyy).") % {"field": label})
    if value < EARLIEST:
        raise InvalidField(
            field, _("%(field)s: %(d)s is before 1900.") % {"field": label, "d": fmt(value)}
        )
    if value > today:
        raise InvalidField(
            field, _("%(field)s: %(d)s is in the future.") % {"field": label, "d": fmt(value)}
        )
    return value


def check_text(field: str, label: str, value: str | None, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidField(field, _("%(field)s: required.") % {"field": label})
    limit = TEXT_MAX.get(field, 200)
    if len(text) > limit:
        raise InvalidField(
            field,
            _("%(field)s: at most %(n)d characters.") % {"field": label, "n": limit},
        )
    return text


def check_scope(by, unit: OrgUnit) -> None:
    if not may_write(by, unit):
        raise NotAllowed(
            _("%(unit)s is outside the units whose records you may change.") % {"unit": unit.name}
        )


def check_member_unit(field: str, unit: OrgUnit | None, day: dt.date) -> OrgUnit:
    if unit is None:
        raise InvalidField(field, _("Choose the unit from the list."))
    if unit.kind not in MEMBER_UNITS:
        raise InvalidField(
            field,
            _(
                "%(unit)s is not a cell: choose the cell (grassroots cell or party group) "
                "where the member will take part in party activity."
            )
            % {"unit": unit.name},
        )
    if not unit.exists_on(day):
        raise InvalidField(
            field, _("%(unit)s does not exist on %(d)s.") % {"unit": unit.name, "d": fmt(day)}
        )
    return unit


def locked_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=membership.pk)
    )


def check_member_on(m: Membership, day: dt.date, field: str) -> None:
    if m.status_on(day) in (Status.LEFT, Status.NOT_YET):
        raise InvalidField(
            field,
            _("%(name)s is not a party member on %(d)s.")
            % {"name": m.person.full_name, "d": fmt(day)},
        )


def check_not_in_transit(m: Membership, field: str) -> None:
    t = Transfer.objects.filter(pending_q(), membership=m).select_related("to_unit").first()
    if t is not None:
        raise InvalidField(
            field,
            _(
                "%(name)s is in transit to %(unit)s since %(d)s: that transfer is received "
                "or cancelled first."
            )
            % {
                "name": m.person.full_name,
                "unit": t.to_unit.name if t.to_unit else "",
                "d": fmt(t.issued_on),
            },
        )


def open_stint(m: Membership, field: str, by) -> Stint:
    """The member's current stint, locked, once the user may act for its unit (the last
    unit when there is none: a member in transit is the sending unit's to act on)."""
    last = (
        Stint.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(membership=m)
        .order_by("-start_on")
        .first()
    )
    if last is not None:
        check_scope(by, last.unit)
    check_not_in_transit(m, field)
    stint = last if last is not None and last.end_on is None else None
    if stint is None:
        raise InvalidField(
            field, _("%(name)s is in no unit at present.") % {"name": m.person.full_name}
        )
    return stint


def stint_on(m: Membership, day: dt.date) -> Stint | None:
    return (
        Stint.objects.on(day)
        .filter(membership=m)
        .select_related("unit")
        .order_by("-start_on")
        .first()
    )


def check_after_start(stint: Stint, day: dt.date, field: str, label: str) -> None:
    if day <= stint.start_on:
        raise InvalidField(
            field,
            _("%(field)s: %(d)s must be after %(start)s, when the member joined %(unit)s.")
            % {
                "field": label,
                "d": fmt(day),
                "start": fmt(stint.start_on),
                "unit": stint.unit.name,
            },
        )


def current_membership(person: Person) -> Membership | None:
    """The person's membership not ended (the latest one)."""
    return person.memberships.filter(exit_on__isnull=True).order_by("-ceremony_on").first()


# ----- within the system ---------------------------------------------------------------
def issue_transfer(
    membership: Membership,
    *,
    to_unit: OrgUnit | None,
    on: dt.date | None,
    document_number: str = "",
    by,
    today: dt.date | None = None,
) -> Transfer:
    """The sending unit issues a transfer to another unit in the system: the member's stint
    ends on `on` and they are in transit until the receiving unit records the arrival."""
    today = today or timezone.localdate()
    on = check_date("on", _("Transfer date"), on, today)
    number = check_text("document_number", _("Transfer letter number"), document_number)
    with transaction.atomic():
        m = locked_membership(membership)
        stint = open_stint(m, "to_unit", by)
        check_member_on(m, on, "on")
        check_after_start(stint, on, "on", _("Transfer date"))
        to_unit = check_member_unit("to_unit", to_unit, on)
        if to_unit.pk == stint.unit_id:
            raise InvalidField(
                "to_unit",
                _("%(name)s is already in %(unit)s.")
                % {"name": m.person.full_name, "unit": to_unit.name},
            )
        stint.end_on, stint.reason_out = on, Stint.ReasonOut.TRANSFER
        stint.save(update_fields=["end_on", "reason_out"])
        return Transfer.objects.create(
            membership=m,
            kind=Transfer.Kind.OFFICIAL,
            from_unit=stint.unit,
            to_unit=to_unit,
            document_number=number,
            issued_on=on,
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )


def locked_transfer(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("membership__person", "from_unit", "to_unit")
        .get(pk=transfer.pk)
    )


def check_still_pending(t: Transfer) -> None:
    if t.kind != Transfer.Kind.OFFICIAL:
        raise ActionError(_("Only a transfer within the system is received or cancelled."))
    if t.received_on:
        raise ChangedMeanwhile(
            _("This transfer was received on %(d)s.") % {"d": fmt(t.received_on)}
        )
    if t.cancelled_on:
        raise ChangedMeanwhile(
            _("This transfer was cancelled on %(d)s.") % {"d": fmt(t.cancelled_on)}
        )


def receive_transfer(
    transfer: Transfer,
    *,
    on: dt.date | None,
    document_number: str = "",
    cell: OrgUnit | None = None,
    by,
    today: dt.date | None = None,
) -> Transfer:
    """The receiving unit records the member's arrival: a stint from `on` in the cell the
    sender named, or in `cell`, another cell of the receiving grassroots organisation open
    on `on` that its officer chose (the transfer keeps both: `to_unit`, `received_in`)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        t = locked_transfer(transfer)
        if t.to_unit is not None:
            check_scope(by, t.to_unit)
        check_still_pending(t)
        assert t.to_unit is not None and t.issued_on is not None  # an official transfer
        on = check_date("on", _("Date of arrival"), on, today)
        number = check_text("document_number", _("Receipt number"), document_number)
        if on < t.issued_on:
            raise InvalidField(
                "on",
                _("Date of arrival: %(d)s is before the transfer was issued (%(issued)s).")
                % {"d": fmt(on), "issued": fmt(t.issued_on)},
            )
        if cell is None or cell.pk == t.to_unit_id:
            cell = check_member_unit("on", t.to_unit, on)
        else:
            receiving = receiving_organisation(t)
            if not cell.path.startswith(receiving.path):
                raise InvalidField(
                    "cell",
                    _(
                        "%(unit)s is not under %(org)s, the receiving organisation: choose "
                        "one of its cells."
                    )
                    % {"unit": cell.name, "org": receiving.name},
                )
            check_scope(by, cell)
            check_member_unit("cell", cell, on)
        m = locked_membership(t.membership)
        check_member_on(m, on, "on")
        Stint.objects.create(
            membership=m, unit=cell, start_on=on, reason_in=Stint.ReasonIn.TRANSFER
        )
        t.received_on, t.received_document, t.received_in = on, number, cell
        t.save(update_fields=["received_on", "received_document", "received_in"])
        return t


def receiving_organisation(t: Transfer) -> OrgUnit:
    """The grassroots organisation of the cell a transfer names (the cell itself when it
    stands under none)."""
    assert t.to_unit is not None
    return t.to_unit.grassroots() or t.to_unit


def receiving_cells(t: Transfer, day: dt.date, until: dt.date | None = None):
    """The cells a member in transit may join on `day`: every cell (grassroots cell or
    party group) under the receiving organisation open that day, the named one first.
    With `until`, those open on any day from `day` to `until` (the arrival date not yet
    known: it lies between the transfer's issue and today)."""
    from django.db.models import Case, IntegerField, Value, When

    org = receiving_organisation(t)
    units = OrgUnit.objects.subtree(org)
    if until is None:
        units = units.on(day)
    else:
        units = units.filter(valid_from__lte=until).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )
    return (
        units.filter(kind__in=MEMBER_UNITS)
        .annotate(
            named=Case(When(pk=t.to_unit_id, then=Value(0)), default=1, output_field=IntegerField())
        )
        .order_by("named", "path")
    )


def cancel_transfer(
    transfer: Transfer, *, reason: str, by, today: dt.date | None = None
) -> Transfer:
    """The sending unit cancels a transfer not yet received: the stint it ended runs on."""
    today = today or timezone.localdate()
    with transaction.atomic():
        t = locked_transfer(transfer)
        if t.from_unit is not None:
            check_scope(by, t.from_unit)
        check_still_pending(t)
        why = check_text("reason", _("Reason for cancelling"), reason, required=True)
        m = locked_membership(t.membership)
        stint = (
            Stint.objects.select_for_update(of=("self",))
            .filter(
                membership=m,
                unit=t.from_unit,
                end_on=t.issued_on,
                reason_out=Stint.ReasonOut.TRANSFER,
            )
            .first()
        )
        later = Stint.objects.filter(membership=m, start_on__gte=t.issued_on)
        if stint is None or later.exists():
            raise ChangedMeanwhile(
                _("The member's units changed since the transfer was issued: reload the page.")
            )
        # A member who left meanwhile (death in transit) stays out from that day.
        if m.exit_on:
            stint.end_on, stint.reason_out = m.exit_on, Stint.ReasonOut.EXIT
        else:
            stint.end_on, stint.reason_out = None, ""
        stint.save(update_fields=["end_on", "reason_out"])
        t.cancelled_on, t.cancel_reason = today, why
        t.save(update_fields=["cancelled_on", "cancel_reason"])
        return t


# ----- out of and into the system -----------------------------------------------------
def transfer_out(
    membership: Membership,
    *,
    on: dt.date | None,
    outside_body: str,
    document_number: str = "",
    by,
    today: dt.date | None = None,
) -> Transfer:
    """Out of the system (another province, a party body not managed here): the stint and
    the membership's presence here end on `on` (exit reason TRANSFER_OUT)."""
    today = today or timezone.localdate()
    on = check_date("on", _("Transfer date"), on, today)
    body = check_text("outside_body", _("Receiving party body"), outside_body, required=True)
    number = check_text("document_number", _("Transfer letter number"), document_number)
    with transaction.atomic():
        m = locked_membership(membership)
        stint = open_stint(m, "on", by)
        check_member_on(m, on, "on")
        check_after_start(stint, on, "on", _("Transfer date"))
        stint.end_on, stint.reason_out = on, Stint.ReasonOut.EXIT
        stint.save(update_fields=["end_on", "reason_out"])
        m.exit_on, m.exit_reason = on, ExitReason.TRANSFER_OUT
        m.save(update_fields=["exit_on", "exit_reason"])
        ExitDecision.objects.create(
            membership=m,
            on=on,
            reason=ExitReason.TRANSFER_OUT,
            document_number=number,
            decided_by=stint.unit.name[:200],
            note=body,
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )
        for stay in TemporaryStay.objects.select_for_update(of=("self",)).filter(
            Q(end_on__isnull=True) | Q(end_on__gt=on), membership=m, start_on__lte=on
        ):
            stay.end_on = on
            stay.save(update_fields=["end_on"])
        return Transfer.objects.create(
            membership=m,
            kind=Transfer.Kind.OUT,
            from_unit=stint.unit,
            outside_body=body,
            document_number=number,
            issued_on=on,
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )


PERSON_FIELDS = (
    "full_name",
    "birth_date",
    "sex",
    "citizen_id",
    "ethnicity",
    "religion",
    "general_education",
    "professional",
    "political_theory",
    "occupation",
    "residence",
    "youth_union_member",
    "business_owner",
)


def new_person(data: dict) -> Person:
    """A Person from the documents of a member transferred in, validated like an import
    (the CCCD part by part); not saved."""
    values = {k: data[k] for k in PERSON_FIELDS if data.get(k) not in (None, "")}
    for field, model in (("ethnicity", Ethnicity), ("religion", Religion)):
        code = values.get(field)
        if isinstance(code, str):
            found = model.objects.filter(code=code).first()
            if found is None:
                raise InvalidField(field, _("“%(code)s” is not in the list.") % {"code": code})
            values[field] = found
    values.setdefault("ethnicity", Ethnicity.objects.filter(code=Ethnicity.KINH).first())
    values.setdefault("religion", Religion.objects.filter(code=Religion.NONE).first())
    person = Person(**values)
    try:
        person.full_clean(exclude=["search_name", "sort_name", "version"])
    except ValidationError as e:
        field, messages = next(iter(e.message_dict.items()))
        label = (
            getattr(Person._meta.get_field(field), "verbose_name", "")
            if field in PERSON_FIELDS
            else ""
        )
        text = "; ".join(messages)
        raise InvalidField(field, f"{label}: {text}" if label else text) from e
    return person


def transfer_in(
    person: Person | dict,
    *,
    to_unit: OrgUnit | None,
    on: dt.date | None,
    outside_body: str,
    document_number: str = "",
    decision_on: dt.date | None = None,
    decision_number: str = "",
    ceremony_on: dt.date | None = None,
    confirmed_on: dt.date | None = None,
    by,
    today: dt.date | None = None,
) -> Transfer:
    """In from outside the system: a stint in `to_unit` from `on` (reason TRANSFER_IN).

    `person` is a Person or the data of a new one (a CCCD already recorded finds its
    person). A person without a membership here gets one with the admission dates of the
    documents; one who had been transferred out gets that membership back (its own dates
    stand); a current member, or one who left the party, is refused.
    """
    today = today or timezone.localdate()
    on = check_date("on", _("Date of arrival"), on, today)
    to_unit = check_member_unit("to_unit", to_unit, on)
    check_scope(by, to_unit)
    body = check_text("outside_body", _("Sending party body"), outside_body, required=True)
    number = check_text("document_number", _("Transfer letter number"), document_number)
    decision_number = check_text("decision_number", _("Decision number"), decision_number)
    with transaction.atomic():
        if isinstance(person, dict):
            cccd = (person.get("citizen_id") or "").strip()
            found = Person.objects.filter(citizen_id=cccd).first() if cccd else None
            person = new_person(person) if found is None else found
        existing = list(
            Membership.objects.select_for_update(of=("self",)).filter(person_id=person.pk)
        )
        current = [m for m in existing if m.exit_on is None]
        if current:
            raise InvalidField(
                "citizen_id",
                _(
                    "%(name)s is already a party member in the system: the unit where they "
                    "are issues a transfer within the system."
                )
                % {"name": person.full_name},
            )
        last = max(existing, key=lambda m: m.exit_on or m.ceremony_on, default=None)
        if last is not None and last.exit_reason != ExitReason.TRANSFER_OUT:
            raise InvalidField(
                "citizen_id",
                _(
                    "%(name)s left the party on %(d)s (%(why)s): a former member comes back "
                    "by readmission, not by a transfer."
                )
                % {
                    "name": person.full_name,
                    "d": fmt(last.exit_on),
                    "why": last.get_exit_reason_display(),
                },
            )
        if last is not None:
            assert last.exit_on is not None
            if on < last.exit_on:
                raise InvalidField(
                    "on",
                    _("Date of arrival: %(d)s is before %(name)s was transferred out (%(out)s).")
                    % {"d": fmt(on), "name": person.full_name, "out": fmt(last.exit_on)},
                )
            m = last
            m.exit_on, m.exit_reason = None, ""
            if confirmed_on is not None and m.confirmed_on is None:  # confirmed elsewhere
                check_date("confirmed_on", _("Full member since"), confirmed_on, today)
                if confirmed_on <= m.ceremony_on:
                    raise InvalidField(
                        "confirmed_on",
                        _("Full member since: %(d)s is not after the ceremony (%(c)s).")
                        % {"d": fmt(confirmed_on), "c": fmt(m.ceremony_on)},
                    )
                m.confirmed_on = confirmed_on
            m.save(update_fields=["exit_on", "exit_reason", "confirmed_on"])
            for decision in ExitDecision.objects.select_for_update(of=("self",)).filter(
                membership=m, reason=ExitReason.TRANSFER_OUT, reversed_on__isnull=True
            ):
                decision.reversed_on = on
                decision.reversal_reason = _("Transferred back in from %(body)s.") % {"body": body}
                decision.save(update_fields=["reversed_on", "reversal_reason"])
        else:
            decision_on = check_date(
                "decision_on", _("Admission decision date"), decision_on, today
            )
            ceremony_on = check_date(
                "ceremony_on", _("Admission ceremony date"), ceremony_on, today
            )
            if ceremony_on < decision_on:
                raise InvalidField(
                    "ceremony_on",
                    _("Admission ceremony date: %(d)s is before the decision (%(decision)s).")
                    % {"d": fmt(ceremony_on), "decision": fmt(decision_on)},
                )
            if on < ceremony_on:
                raise InvalidField(
                    "on",
                    _("Date of arrival: %(d)s is before the admission ceremony (%(c)s).")
                    % {"d": fmt(on), "c": fmt(ceremony_on)},
                )
            if confirmed_on is not None:
                check_date("confirmed_on", _("Full member since"), confirmed_on, today)
                if confirmed_on <= ceremony_on:
                    raise InvalidField(
                        "confirmed_on",
                        _("Full member since: %(d)s is not after the ceremony (%(c)s).")
                        % {"d": fmt(confirmed_on), "c": fmt(ceremony_on)},
                    )
            adult = rulesets.in_force_on(decision_on).age_min_years
            if decision_on < add_years(person.birth_date, adult):
                raise InvalidField(
                    "decision_on",
                    _("Admission decision date: %(name)s was not yet %(n)d on %(d)s.")
                    % {"name": person.full_name, "n": adult, "d": fmt(decision_on)},
                )
            if person.pk is None:
                person.save()
            m = Membership.objects.create(
                person=person,
                decision_on=decision_on,
                decision_number=decision_number,
                ceremony_on=ceremony_on,
                confirmed_on=confirmed_on,
            )
        Stint.objects.create(
            membership=m, unit=to_unit, start_on=on, reason_in=Stint.ReasonIn.TRANSFER_IN
        )
        return Transfer.objects.create(
            membership=m,
            kind=Transfer.Kind.IN,
            to_unit=to_unit,
            outside_body=body,
            document_number=number,
            received_on=on,
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )


# ----- temporary activity elsewhere ---------------------------------------------------
def start_temporary(
    membership: Membership,
    *,
    host_unit: OrgUnit | None = None,
    host_body: str = "",
    start_on: dt.date | None,
    end_on: dt.date | None = None,
    document_number: str = "",
    by,
    today: dt.date | None = None,
) -> TemporaryStay:
    """Temporary party activity in a host unit (or a body outside the system) from
    `start_on` until `end_on` (the first day back; open when not known): the member stays
    counted in the home unit."""
    today = today or timezone.localdate()
    start_on = check_date("start_on", _("From"), start_on, today)
    body = check_text("host_body", _("Host party body outside the system"), host_body)
    number = check_text("document_number", _("Document number"), document_number)
    if (host_unit is None) == (not body):
        raise InvalidField(
            "host_unit",
            _("Choose the host unit, or name the host party body outside the system (not both)."),
        )
    if end_on is not None and end_on <= start_on:
        raise InvalidField(
            "end_on",
            _("Until: %(d)s must be after the start (%(s)s).")
            % {"d": fmt(end_on), "s": fmt(start_on)},
        )
    with transaction.atomic():
        m = locked_membership(membership)
        home = stint_on(m, start_on)
        if home is None:
            raise InvalidField(
                "start_on",
                _("%(name)s is in no unit on %(d)s.")
                % {"name": m.person.full_name, "d": fmt(start_on)},
            )
        check_scope(by, home.unit)
        check_member_on(m, start_on, "start_on")
        check_not_in_transit(m, "start_on")
        if host_unit is not None:
            check_member_unit("host_unit", host_unit, start_on)
            if host_unit.pk == home.unit_id:
                raise InvalidField(
                    "host_unit",
                    _("%(unit)s is the member's own unit.") % {"unit": host_unit.name},
                )
        overlap = TemporaryStay.objects.filter(membership=m).filter(
            Q(end_on__isnull=True) | Q(end_on__gt=start_on)
        )
        if end_on is not None:
            overlap = overlap.filter(start_on__lt=end_on)
        clash = overlap.select_related("host_unit").first()
        if clash is not None:
            raise InvalidField(
                "start_on",
                _("%(name)s is already in temporary activity at %(host)s from %(d)s.")
                % {
                    "name": m.person.full_name,
                    "host": clash.host_unit.name if clash.host_unit else clash.host_body,
                    "d": fmt(clash.start_on),
                },
            )
        return TemporaryStay.objects.create(
            membership=m,
            host_unit=host_unit,
            host_body=body,
            document_number=number,
            start_on=start_on,
            end_on=end_on,
        )


def home_unit(stay: TemporaryStay) -> OrgUnit | None:
    stint = stint_on(stay.membership, stay.start_on)
    return stint.unit if stint else None


def end_temporary(
    stay: TemporaryStay, *, on: dt.date | None, by, today: dt.date | None = None
) -> TemporaryStay:
    """The member is back home from `on` (the first day no longer at the host). The home
    unit or the host unit records it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        s = (
            TemporaryStay.objects.select_for_update(of=("self",))
            .select_related("membership__person", "host_unit")
            .get(pk=stay.pk)
        )
        home = home_unit(s)
        sides = [u for u in (home, s.host_unit) if u is not None]
        if not any(may_write(by, u) for u in sides):
            raise NotAllowed(
                _("Neither the home unit nor the host unit is one whose records you may change.")
            )
        on = check_date("on", _("Back on"), on, today)
        if s.end_on is not None and s.end_on <= min(on, today):
            raise ChangedMeanwhile(
                _("This temporary activity ended on %(d)s.") % {"d": fmt(s.end_on)}
            )
        if on <= s.start_on:
            raise InvalidField(
                "on",
                _("Back on: %(d)s must be after the start (%(s)s).")
                % {"d": fmt(on), "s": fmt(s.start_on)},
            )
        s.end_on = on
        s.save(update_fields=["end_on"])
        return s


# ----- what the pages and reports read ------------------------------------------------
def visible_transfers(user):
    """Transfers whose sending or receiving unit is in the user's scope."""
    qs = Transfer.objects.all()
    paths = scope_paths(user)
    if paths is None:
        return qs
    return qs.filter(prefix_q("from_unit__path", paths) | prefix_q("to_unit__path", paths))


def touching(unit: OrgUnit | None, transfers=None):
    """Transfers whose sending or receiving unit is in `unit`'s subtree (all when `unit`
    is None): a transfer in transit concerns both sides."""
    qs = Transfer.objects.all() if transfers is None else transfers
    if unit is None:
        return qs
    return qs.filter(
        Q(from_unit__path__startswith=unit.path) | Q(to_unit__path__startswith=unit.path)
    )


def in_transit_on(day: dt.date):
    """Official transfers issued by `day`, not received by then and never cancelled, of
    members on `day`."""
    return (
        Transfer.objects.filter(
            kind=Transfer.Kind.OFFICIAL, cancelled_on__isnull=True, issued_on__lte=day
        )
        .filter(Q(received_on__isnull=True) | Q(received_on__gt=day))
        .filter(member_on_q(day, "membership__"))
    )


def in_transit_count(unit: OrgUnit, day: dt.date) -> int:
    """Members in transit on `day` from a unit of `unit`'s subtree (counted in no unit)."""
    return in_transit_on(day).filter(from_unit__path__startswith=unit.path).count()


def temporary_members(unit: OrgUnit, day: dt.date):
    """Temporary stays hosted by `unit` on `day` (start ≤ day < end) of members then."""
    return (
        TemporaryStay.objects.filter(host_unit=unit, start_on__lte=day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gt=day))
        .filter(member_on_q(day, "membership__"))
        .select_related("membership__person")
        .order_by("membership__person__sort_name")
    )


def receipt_due(t: Transfer, days_off=None) -> dt.date | None:
    """The last day for the receiving cell to have the letter (working days of the rule
    set in force on the day it was issued)."""
    from dangvien.rules.calendar import add_working_days

    if t.issued_on is None:
        return None
    rs = rulesets.in_force_on(t.issued_on)
    return add_working_days(t.issued_on, rs.transfer_receipt_working_days, days_off)


SOON_DAYS = 30  # as the candidates' alerts: this many calendar days ahead


@dataclass
class TransferAlert:
    transfer: Transfer
    kind: str
    message: str
    due: dt.date
    overdue: bool

    def as_dict(self) -> dict:
        t = self.transfer
        return {
            "transfer_id": t.pk,
            "person": t.membership.person.full_name,
            "from": t.from_unit.code if t.from_unit else None,
            "to": t.to_unit.code if t.to_unit else None,
            "kind": self.kind,
            "message": self.message,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
        }


def transfer_alerts(transfers, day: dt.date) -> list[TransferAlert]:
    """Official transfers in transit whose letter is due at the receiving unit within
    SOON_DAYS of `day`, or overdue; most urgent first."""
    from dangvien.admission.models import CalendarDay

    days_off = CalendarDay.overrides()
    out = []
    pending = (
        transfers.filter(pending_q(), issued_on__lte=day)
        .filter(member_on_q(day, "membership__"))
        .select_related("membership__person", "from_unit", "to_unit")
    )
    for t in pending:
        due = receipt_due(t, days_off)
        assert due is not None and t.to_unit is not None
        if due > day + dt.timedelta(days=SOON_DAYS):
            continue
        message = _("Transfer to %(unit)s issued on %(d)s not yet received: due by %(due)s") % {
            "unit": t.to_unit.name,
            "d": fmt(t.issued_on),
            "due": fmt(due),
        }
        out.append(TransferAlert(t, "transfer_not_received", message, due, due < day))
    return sorted(out, key=lambda a: (not a.overdue, a.due))
