"""`{% unit_picker %}`: a unit input backed by a searchable list of names with their
grassroots organisation, limited to the user's scope."""

from django import template

from dangvien.core.views import today
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import matching_unit_options, picker_label, unit_options

register = template.Library()


@register.inclusion_tag("_unit_search_picker.html", takes_context=True)
def unit_picker(context, unit=None, name: str = "unit", label: str = "", required=False):
    """`unit`: the unit shown as chosen (an OrgUnit), or the text the user typed. The list
    holds only the units matching the field's text (`unit_datalist_matching`), htmx
    replacing it as the user types: never every unit of the scope."""
    value = picker_label(unit) if isinstance(unit, OrgUnit) else unit or ""
    return {
        "request": context["request"],  # for the list's tag
        "value": value,
        "required": required,
        "name": name,
        "label": label,
    }


@register.inclusion_tag("_unit_datalist.html", takes_context=True)
def unit_datalist(context, name: str = "unit"):
    """Only the list, for a form field rendered by Django (`list="<name>-options"`)."""
    request = context["request"]
    return {
        "options": unit_options(OrgUnit.objects.visible_to(request.user), today()),
        "name": name,
    }


@register.inclusion_tag("_unit_datalist.html", takes_context=True)
def unit_datalist_matching(context, text: str = "", name: str = "unit"):
    """The list of a searchable picker: only the units matching `text` (what the field
    holds); htmx replaces it as the user types (`unit_options`)."""
    request = context["request"]
    return {
        "options": matching_unit_options(OrgUnit.objects.visible_to(request.user), today(), text),
        "name": name,
    }
