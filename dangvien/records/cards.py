"""Party cards (thẻ đảng viên): issued to full members only, reissued when lost or
damaged with the previous card kept and ended; `Membership.card_number` is the number of
the member's latest card: the card in use, and after an exit the card that exit ended.

An exit ends the card (`end_cards_on_exit`: `PartyCard.ended_on`, `ended_by_exit`), it
does not clear `Membership.card_number`: the number is unique across the Party and never
given again (`_check_number` reads it), imported registers find a former member by it
(`imports.members`), and reversing the exit puts the same card back in use. The pages
say the card is no longer in use; the figures never read the number of a former member
(`without_card` counts members on the day only).

Hướng dẫn 12-HD/BTCTW (18/01/2022), mục II.2 (làm thẻ, phát thẻ và quản lý thẻ đảng
viên): the cell committee sends the list proposing cards ("danh sách đề nghị phát thẻ")
with the confirmation dossier; each member carries one card number (two groups of digits,
the province's code and a number from its range), unique across the Party. The format is
not enforced here: imported registers carry older numbers.

The Word list of members proposed for a card (`admission.documents.card_list_docx`, "Mẫu
1-TĐV: Danh sách đề nghị cấp thẻ đảng viên") keeps its title: the 2022 guidance names the
cell's list "danh sách đề nghị phát thẻ" and offices write "cấp" and "phát" alike; the
form's code and exact title could not be read in the public sources searched.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import may_write
from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership, Stint, full_on_q, member_on_q
from dangvien.orgs.models import OrgUnit

from .models import PartyCard

REISSUE_REASONS = (PartyCard.Reason.LOST, PartyCard.Reason.DAMAGED, PartyCard.Reason.OTHER)


def unit_of(membership: Membership, day: dt.date) -> OrgUnit | None:
    """The unit the member was active in on `day`, else the latest one."""
    stints = Stint.objects.filter(membership=membership).select_related("unit")
    running = stints.on(day).order_by("-start_on").first()
    latest = running or stints.order_by("-start_on").first()
    return latest.unit if latest else None


def check_scope(by, unit: OrgUnit | None) -> None:
    if by is None:  # an operator's tool (imports, the demo) acts everywhere
        return
    if unit is None or not may_write(by, unit):
        raise NotAllowed(_("You may not change the records of this member."))


def today() -> dt.date:
    from dangvien.core.views import today as local_today

    return local_today()


def day_text(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def card_in_use(membership: Membership) -> PartyCard | None:
    return membership.cards.filter(ended_on__isnull=True).order_by("-issued_on", "-pk").first()


def _check_number(membership: Membership, number: str) -> str:
    number = (number or "").strip()
    if not number:
        raise InvalidField("number", _("Enter the party card number."))
    if len(number) > 20:
        raise InvalidField(
            "number", _("Party card number %(n)s is longer than 20 characters.") % {"n": number}
        )
    taken = PartyCard.objects.filter(number=number).exists() or (
        Membership.objects.filter(card_number=number).exclude(pk=membership.pk).exists()
    )
    if taken or membership.cards.filter(number=number).exists():
        raise InvalidField("number", _("Party card number %(n)s is already used.") % {"n": number})
    return number


def _check_date(membership: Membership, issued_on: dt.date | None, now: dt.date) -> dt.date:
    if issued_on is None:
        raise InvalidField("issued_on", _("Enter the date the card was issued."))
    if issued_on > now:
        raise InvalidField(
            "issued_on",
            _("The card's issue date %(d)s is in the future.") % {"d": day_text(issued_on)},
        )
    full = Membership.objects.filter(pk=membership.pk).filter(
        member_on_q(issued_on) & full_on_q(issued_on)
    )
    if not full.exists():
        raise InvalidField(
            "issued_on",
            _(
                "%(name)s was not a full member on %(d)s: a party card is issued to full "
                "members only."
            )
            % {"name": membership.person.full_name, "d": day_text(issued_on)},
        )
    return issued_on


def _save(card: PartyCard, membership: Membership) -> PartyCard:
    try:
        with transaction.atomic():
            card.save()
            membership.card_number = card.number
            membership.save(update_fields=["card_number"])
    except IntegrityError:
        raise InvalidField(
            "number", _("Party card number %(n)s is already used.") % {"n": card.number}
        ) from None
    return card


def issue_card(
    membership: Membership,
    *,
    number: str,
    issued_on: dt.date | None,
    issuing_body: str = "",
    by,
    now: dt.date | None = None,
) -> PartyCard:
    """Issue a member's first card; refused for a member not full on `issued_on`, a number
    already used, or a member who holds a card (reissue it instead)."""
    now = now or today()
    check_scope(by, unit_of(membership, now))  # the unit in charge of them now
    with transaction.atomic():
        m = Membership.objects.select_for_update().select_related("person").get(pk=membership.pk)
        if card_in_use(m) is not None or m.card_number:
            raise InvalidField(
                "number",
                _("%(name)s already holds party card %(n)s: reissue it instead.")
                % {"name": m.person.full_name, "n": m.card_number or card_in_use(m)},
            )
        number = _check_number(m, number)
        issued_on = _check_date(m, issued_on, now)
        card = PartyCard(
            membership=m,
            number=number,
            issued_on=issued_on,
            issuing_body=(issuing_body or "").strip()[:200],
            reason=PartyCard.Reason.FIRST,
        )
        _save(card, m)
    membership.card_number = number
    return card


def reissue_card(
    membership: Membership,
    *,
    number: str,
    issued_on: dt.date | None,
    reason: str,
    issuing_body: str = "",
    by,
    now: dt.date | None = None,
) -> PartyCard:
    """Reissue a lost or damaged card under a new number: the card in use ends on
    `issued_on` and stays in the history."""
    now = now or today()
    check_scope(by, unit_of(membership, now))  # the unit in charge of them now
    if reason not in REISSUE_REASONS:
        raise InvalidField("reason", _("Choose why the card is reissued."))
    with transaction.atomic():
        m = Membership.objects.select_for_update().select_related("person").get(pk=membership.pk)
        previous = card_in_use(m)
        if previous is None and m.card_number:
            # A number recorded before the card history began (an import): kept as a card.
            previous = PartyCard.objects.create(membership=m, number=m.card_number)
        if previous is None:
            raise InvalidField(
                "reason",
                _("%(name)s holds no party card to reissue: issue a first card.")
                % {"name": m.person.full_name},
            )
        number = _check_number(m, number)
        issued_on = _check_date(m, issued_on, now)
        if previous.issued_on and issued_on <= previous.issued_on:
            raise InvalidField(
                "issued_on",
                _("The new card's date %(d)s is not after the card in use (%(prev)s).")
                % {"d": day_text(issued_on), "prev": day_text(previous.issued_on)},
            )
        previous.ended_on = issued_on
        previous.save(update_fields=["ended_on"])
        card = PartyCard(
            membership=m,
            number=number,
            issued_on=issued_on,
            issuing_body=(issuing_body or "").strip()[:200],
            reason=reason,
        )
        _save(card, m)
    membership.card_number = number
    return card


def end_cards_on_exit(m: Membership, decision) -> None:
    """A member who leaves the party (death, striking off, expulsion, asking to leave, a
    conviction) no longer holds a card: the card in use ends on the exit's date, marked
    as ended by that exit. A transfer out of the system is no exit from the party: the
    card stays. A number recorded without its history (an import) becomes a card, ended."""
    if decision.reason == ExitReason.TRANSFER_OUT:
        return
    open_cards = list(m.cards.filter(ended_on__isnull=True))
    if not open_cards and m.card_number and not m.cards.exists():
        if PartyCard.objects.filter(number=m.card_number).exists():
            return  # the number is another membership's card: nothing of this one to end
        open_cards = [PartyCard.objects.create(membership=m, number=m.card_number)]
    for card in open_cards:  # saved one by one: audited
        card.ended_on, card.ended_by_exit = decision.on, decision
        card.save(update_fields=["ended_on", "ended_by_exit"])


def reopen_cards_of_exit(decision) -> None:
    """The exit reversed or voided: the cards it ended are in use again."""
    for card in PartyCard.objects.filter(ended_by_exit=decision):
        card.ended_on, card.ended_by_exit = None, None
        card.save(update_fields=["ended_on", "ended_by_exit"])


def without_card(unit: OrgUnit, day: dt.date):
    """Memberships of full members active in `unit`'s subtree on `day` who held no card in
    use that day (the "eligible without a card" list, and the 1-TĐV proposal). A number
    recorded without its history (an import) counts as a card held."""
    stints = Stint.objects.on(day).in_subtree(unit)
    in_use = PartyCard.objects.filter(
        Q(issued_on__isnull=True) | Q(issued_on__lte=day),
        Q(ended_on__isnull=True) | Q(ended_on__gt=day),
    )
    undated = Q(card_number__gt="") & ~Exists(PartyCard.objects.filter(membership=OuterRef("pk")))
    return (
        Membership.objects.filter(member_on_q(day) & full_on_q(day))
        .filter(pk__in=stints.values("membership_id"))
        .exclude(pk__in=in_use.values("membership_id"))
        .exclude(undated)
    )
