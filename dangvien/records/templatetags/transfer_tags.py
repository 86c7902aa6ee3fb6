"""The transfer sections other pages include (person, unit), so that those pages' views
stay as they are: `{% person_transfers person %}`, `{% unit_temporary unit day %}`. (The
alerts page's view lists the transfers not received in time itself: it counts them.)"""

from django import template

from dangvien.accounts.scoping import may_write
from dangvien.core.views import today
from dangvien.membership.models import Stint
from dangvien.people.models import Person
from dangvien.records import transfers as tr
from dangvien.records.models import TemporaryStay, Transfer

register = template.Library()


@register.inclusion_tag("records/_person_transfers_section.html", takes_context=True)
def person_transfers(context, person: Person):
    user = context["request"].user
    day = today()
    moves = list(
        Transfer.objects.filter(membership__person=person)
        .select_related("from_unit", "to_unit")
        .order_by("issued_on", "received_on", "pk")
    )
    pending = []
    for t in moves:
        if t.kind == Transfer.Kind.OFFICIAL and not t.received_on and not t.cancelled_on:
            due = tr.receipt_due(t)
            pending.append(
                {
                    "t": t,
                    "due": due,
                    "overdue": bool(due and due < day),
                    "may_receive": t.to_unit is not None and may_write(user, t.to_unit),
                    "may_cancel": t.from_unit is not None and may_write(user, t.from_unit),
                }
            )
    stays = list(
        TemporaryStay.objects.filter(membership__person=person).select_related("host_unit")
    )
    for s in stays:
        home = tr.home_unit(s)
        sides = [u for u in (home, s.host_unit) if u is not None]
        s.may_end = (s.end_on is None or s.end_on > day) and any(  # type: ignore[attr-defined]
            may_write(user, u) for u in sides
        )
    membership = tr.current_membership(person)
    stint = (
        Stint.objects.filter(membership=membership, end_on__isnull=True)
        .select_related("unit")
        .first()
        if membership
        else None
    )
    return {
        "person": person,
        "moves": moves,
        "pending": pending,
        "stays": stays,
        "may_move": stint is not None and may_write(user, stint.unit),
        "stint": stint,
    }


@register.inclusion_tag("records/_unit_temporary_section.html", takes_context=True)
def unit_temporary(context, unit, day=None):
    """Members in temporary activity hosted by the unit on the day, marked as such."""
    user = context["request"].user
    day = day or today()
    stays = list(tr.temporary_members(unit, day))
    seen = set(
        Person.objects.visible_to(user)
        .filter(pk__in=[s.membership.person_id for s in stays])
        .values_list("pk", flat=True)
    )
    for s in stays:
        home = tr.stint_on(s.membership, day)
        s.home = home.unit if home else None  # type: ignore[attr-defined]
        s.linked = s.membership.person_id in seen  # type: ignore[attr-defined]
        s.may_end = may_write(user, unit)  # type: ignore[attr-defined]
    return {"stays": stays, "day": day}
