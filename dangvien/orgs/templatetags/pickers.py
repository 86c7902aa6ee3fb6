"""`{% unit_picker %}`: a unit field searched by name on the server. The page holds only
the units matching what the field shows (at most `picker.MATCHES`, none for an empty
field); htmx asks `unit_options` for the matches of what the user types. Never the list
of every unit in the user's scope: a province officer sees tens of thousands."""

from django import template

from dangvien.core.views import today
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import matching_unit_options, picker_label

register = template.Library()


def _visible(request, cells: bool = False):
    visible = OrgUnit.objects.visible_to(request.user)
    return visible.filter(kind__in=OrgUnit.CELL_KINDS) if cells else visible


@register.inclusion_tag("_unit_search_picker.html", takes_context=True)
def unit_picker(
    context, unit=None, name: str = "unit", label: str = "", required=False, cells=False
):
    """`unit`: the unit shown as chosen (an OrgUnit, shown by name and superior, as the
    list offers it), or the text the user typed; `cells`: offer only party cells."""
    request = context["request"]
    if isinstance(unit, OrgUnit):  # chosen: its own option; typing asks for others
        value = picker_label(unit)
        options = [(unit.code, value)]
    else:
        value = unit or ""
        options = matching_unit_options(_visible(request, cells), today(), value)
    return {
        "options": options,
        "value": value,
        "required": required,
        "name": name,
        "label": label,
        "cells": cells,
    }


@register.inclusion_tag("_unit_datalist.html", takes_context=True)
def unit_datalist_matching(context, text: str = "", name: str = "unit"):
    """Only the list, for a form field rendered by Django (`list="<name>-options"`): the
    units matching `text` (what the field holds); htmx replaces it as the user types."""
    request = context["request"]
    return {
        "options": matching_unit_options(_visible(request), today(), text),
        "name": name,
    }


@register.inclusion_tag("_locality_search_picker.html", takes_context=True)
def locality_picker(context, value=None, name: str = "locality", label: str = "", kinds="base"):
    """A locality field searched by name on the server (`locality_options`): `value`, the
    locality shown as chosen or the text typed; `kinds`, 'base' (hamlets, villages,
    residential groups) or 'post' (also communes and wards)."""
    from dangvien.orgs.models import Locality
    from dangvien.orgs.picker import locality_label

    if isinstance(value, Locality):
        text = locality_label(value)
        options = [(value.code, text)]
    else:
        text, options = value or "", []
    return {"options": options, "value": text, "name": name, "label": label, "kinds": kinds}
