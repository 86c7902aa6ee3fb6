"""The person page's positions section reads its own data, so the page's view stays as
it is (`{% include "records/_positions.html" %}`)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def positions_section(context, person) -> dict:
    from dangvien.records.position_views import person_positions

    return person_positions(context["request"].user, person)
