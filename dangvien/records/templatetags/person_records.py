"""The person page's own sections for its record: the edit button and the residence
history with the form to record a move (tags, so that the page's view stays as it is)."""

from django import template

from dangvien.records import people as actions
from dangvien.records.exits import shown_death

register = template.Library()


@register.inclusion_tag("records/_person_actions.html", takes_context=True)
def person_actions(context, person):
    return {"person": person, "can_edit": actions.shown_may_edit(context["request"].user, person)}


@register.inclusion_tag("records/_residence.html", takes_context=True)
def residence_section(context, person):
    user = context["request"].user
    can_edit = actions.shown_may_edit(user, person)
    rows = actions.residence_history(person)
    return {
        "person": person,
        "rows": rows,
        # The form (its list of places is the user's whole scope) loads when opened.
        "may_move": can_edit and shown_death(person) is None,  # none once they have died
    }
