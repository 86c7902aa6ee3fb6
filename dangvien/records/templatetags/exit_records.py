"""The person page's section on exits and exemptions (`records/_exits.html`), with its
own context so that the person view stays as it is."""

from django import template

from dangvien.core.views import today
from dangvien.records import exits
from dangvien.records.exit_forms import ExemptionForm, ExitForm
from dangvien.records.models import Exemption, ExitDecision, OutOfContact

register = template.Library()


@register.inclusion_tag("records/_exits_section.html", takes_context=True)
def exits_section(context, person):
    request = context["request"]
    day = today()
    memberships = list(person.memberships.order_by("ceremony_on"))
    current = next((m for m in memberships if m.exit_on is None), None)
    writable = {m.pk for m in memberships if may_change(request.user, m)}
    decisions = list(ExitDecision.objects.filter(membership__person=person).order_by("on", "pk"))
    exemptions = list(Exemption.objects.filter(membership__person=person).order_by("start_on"))
    in_force = exits.exemption_in_force(current, day) if current else None
    by_membership = {m.pk: m for m in memberships}
    for d in decisions:
        m = by_membership[d.membership_id]
        d.expunged_on = (  # type: ignore[attr-defined]
            m.conviction_expunged_on
            if d.reason == "LESS_SERIOUS_CRIME" and d.reversed_on is None
            else None
        )
        d.reversible = (  # type: ignore[attr-defined]
            d.membership_id in writable
            and d.reversed_on is None
            and m.exit_on == d.on
            and m.exit_reason == d.reason
        )
    for e in exemptions:
        e.endable = e.membership_id in writable and (  # type: ignore[attr-defined]
            e.end_on is None or e.end_on > day
        )
        e.in_force = in_force is not None and e.pk == in_force.pk  # type: ignore[attr-defined]
    periods = list(OutOfContact.objects.filter(membership__person=person))
    for p in periods:
        p.editable = p.membership_id in writable  # type: ignore[attr-defined]
    may_record = current is not None and current.pk in writable
    return {
        "person": person,
        "decisions": decisions,
        "exemptions": exemptions,
        "periods": periods,
        "in_force": in_force,
        "current": current,
        "may_record": may_record,
        # Ids of their own: both forms sit on the person page.
        "exit_form": ExitForm(auto_id="exit_%s") if may_record else None,
        "exemption_form": ExemptionForm(auto_id="exemption_%s") if may_record else None,
        "csrf_token": context.get("csrf_token"),
    }


def may_change(user, m) -> bool:
    try:
        exits.check_scope(user, m)
    except exits.NotAllowed:
        return False
    return exits.member_unit(m) is not None
