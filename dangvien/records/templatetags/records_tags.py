"""The person page's sections of cards, badges and ratings, computed here so that the
person view stays as it is (the partial loads what it shows)."""

from django import template

from dangvien.accounts.scoping import may_write
from dangvien.core.views import today
from dangvien.membership.models import ExitReason
from dangvien.records import badges, cards
from dangvien.records.models import Badge, PartyCard, QualityRating

register = template.Library()


@register.simple_tag(takes_context=True)
def person_records(context, person):
    """Cards of every membership (newest first), badges, ratings, the badge due next and
    whether the user may write here."""
    request = context["request"]
    day = today()
    memberships = list(person.memberships.order_by("ceremony_on"))
    card_rows = list(
        PartyCard.objects.filter(membership__person=person)
        .select_related("ended_by_exit")
        .order_by("-issued_on", "-pk")
    )
    awarded = list(Badge.objects.filter(person=person).order_by("years"))
    rated = list(
        QualityRating.objects.filter(membership__person=person)
        .select_related("unit")
        .order_by("-year")
    )
    latest = memberships[-1] if memberships else None
    unit = cards.unit_of(latest, day) if latest else None
    writable = bool(unit and may_write(request.user, unit))
    in_use = cards.card_in_use(latest) if latest else None
    has_card = bool(in_use or (latest and latest.card_number))
    spans = badges.spans_of(memberships)  # one query for every badge's date, not one each
    reached = [
        y for y in Badge.YEARS if (r := badges.reach_date(spans, y)) is not None and r <= day
    ]
    return {
        "cards": card_rows,
        # A number recorded without its card (older records); not a card ended by an exit.
        "legacy_number": latest.card_number
        if latest and not in_use and all(c.number != latest.card_number for c in card_rows)
        else "",
        "badges": awarded,
        "ratings": rated,
        "party_age": badges.party_age(spans, day) if memberships else None,
        # Counted up to the death (`badges.party_age` stops at the exit): said so.
        "died": bool(latest and latest.exit_on and latest.exit_reason == ExitReason.DEATH),
        "member": latest is not None,
        "full": bool(latest and latest.status_on(day) == "FULL"),
        "has_card": has_card,
        "writable": writable,
        "reasons": [(r.value, r.label) for r in cards.REISSUE_REASONS],
        "badge_choices": [(y, f"{y}") for y in reached if y not in {b.years for b in awarded}],
        "today": day,
    }
