"""Form fields that choose a unit or a locality by name, searched on the server: the page
never lists every cell or hamlet of the user's scope (a province holds thousands). The
input offers what matches the text typed (htmx asks `unit_options` or
`locality_options`); on submit the text is resolved (`picker.resolve_unit`,
`picker.resolve_locality`): a code from a link, a label from the list, or a name that
only one unit or locality in the field's pool bears."""

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dangvien.core.views import today

from .models import Locality, OrgUnit
from .picker import locality_label, picker_label, resolve_locality, resolve_unit


class PickerInput(forms.TextInput):
    """A text input with its `<datalist>`, refilled by htmx as the user types."""

    def __init__(self, url, query: str = "", attrs=None):
        super().__init__(attrs)
        self.url = url
        self.query = query

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        extra = f"&{self.query}" if self.query else ""
        context["widget"]["attrs"].update(
            {
                "list": f"{name}-options",
                "autocomplete": "off",
                "size": 50,
                "placeholder": _("Type a name to search"),
                "hx-get": format_lazy("{}?list={}{}", self.url, name, extra),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{name}-options",
                "hx-swap": "outerHTML",
            }
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}-options"></datalist>', html, name)


class MultiPickerInput(forms.Widget):
    """`slots` picker inputs of one name (a restructuring merges several units): each
    with its own `<datalist>`, refilled by htmx as the user types in it."""

    def __init__(self, url, query: str = "", slots: int = 6, attrs=None):
        super().__init__(attrs)
        self.url, self.query, self.slots = url, query, slots

    def value_from_datadict(self, data, files, name):
        return [v for v in data.getlist(name) if v.strip()] if hasattr(data, "getlist") else []

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def render(self, name, value, attrs=None, renderer=None):
        values = list(value or [])
        values += [""] * (self.slots - len(values))
        extra = f"&{self.query}" if self.query else ""
        placeholder = _("Type a name to search")
        inputs = [
            format_html(
                '<input name="{name}" value="{value}" list="{name}-{i}-options" size="50" '
                'autocomplete="off" placeholder="{placeholder}" hx-get="{url}?list={name}'
                '&slot={i}{extra}" hx-trigger="input changed delay:300ms" '
                'hx-target="#{name}-{i}-options" hx-swap="outerHTML">'
                '<datalist id="{name}-{i}-options"></datalist>',
                name=name,
                value=v,
                i=i,
                placeholder=placeholder,
                url=self.url,
                extra=extra,
            )
            for i, v in enumerate(values, start=1)
        ]
        # each input escaped by format_html: joining them keeps them safe
        return format_html('<span class="pickers">{}</span>', mark_safe("".join(inputs)))


def _resolved(values, resolve, error):
    """Each text resolved, in order, none twice; the first that resolves to nothing
    raises `error` (its text named)."""
    found: list = []
    for text in values:
        item = resolve(text)
        if item is None:
            raise forms.ValidationError(error % {"name": text})
        if item not in found:
            found.append(item)
    return found


class UnitPickField(forms.CharField):
    """A unit of `pool` (set by the form), typed or picked by name; cleans to the unit."""

    def __init__(self, *, cells: bool = False, **kwargs):
        kwargs.setdefault("max_length", 300)
        super().__init__(
            widget=PickerInput(reverse_lazy("unit_options"), "kind=cell" if cells else ""),
            **kwargs,
        )
        self.pool = OrgUnit.objects.none()

    def prepare_value(self, value):
        return picker_label(value) if isinstance(value, OrgUnit) else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        unit = resolve_unit(self.pool, text, today())
        if unit is None:
            raise forms.ValidationError(
                _("No unit in your scope is called “%(name)s”: pick one from the list.")
                % {"name": text}
            )
        return unit


class MultiPickField(forms.Field):
    """Several items of `pool` (set by the form), each typed or picked by name in its own
    input; cleans to the list of items (`resolve` of each text, none twice)."""

    missing: Any = ""  # the error for a text that resolves to nothing (its text named)

    def resolve(self, text: str):
        raise NotImplementedError

    def clean(self, value):
        texts = [str(v).strip()[:300] for v in value or [] if str(v).strip()]
        if not texts:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return _resolved(texts, self.resolve, self.missing)


class MultiUnitPickField(MultiPickField):
    """Several units of `pool` (set by the form), each typed or picked by name in its
    own input; cleans to the list of units."""

    def __init__(self, *, slots: int = 6, **kwargs):
        super().__init__(widget=MultiPickerInput(reverse_lazy("unit_options"), "", slots), **kwargs)
        self.pool = OrgUnit.objects.none()

    def prepare_value(self, value):
        return [picker_label(v) if isinstance(v, OrgUnit) else v for v in value or []]

    missing = _("No unit in your scope is called “%(name)s”: pick one from the list.")

    def resolve(self, text: str):
        return resolve_unit(self.pool, text, today())


# What a locality picker offers (`locality_options?kinds=`): where people live, or also
# the communes and wards (the posts held in a commune or ward).
LOCALITY_KINDS: dict[str, tuple | None] = {
    "all": None,
    "base": tuple(Locality.BASE_KINDS),
    "post": (*Locality.BASE_KINDS, Locality.Kind.COMMUNE, Locality.Kind.WARD),
}


class LocalityPickField(forms.CharField):
    """A locality of `pool` (set by the form) of the `kinds` named in `LOCALITY_KINDS`,
    typed or picked by name; cleans to the locality."""

    def __init__(self, *, kinds: str = "base", **kwargs):
        kwargs.setdefault("max_length", 300)
        super().__init__(
            widget=PickerInput(reverse_lazy("locality_options"), f"kinds={kinds}"), **kwargs
        )
        self.kinds = LOCALITY_KINDS[kinds]
        self.pool = Locality.objects.none()

    def prepare_value(self, value):
        return locality_label(value) if isinstance(value, Locality) else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        loc = resolve_locality(self.pool, text, today(), kinds=self.kinds)
        if loc is None:
            raise forms.ValidationError(
                _("No locality in your scope is called “%(name)s”: pick one from the list.")
                % {"name": text}
            )
        return loc


class MultiLocalityPickField(MultiPickField):
    """Several localities of `pool` (set by the form), each typed or picked by name in
    its own input; cleans to the list of localities."""

    def __init__(self, *, kinds: str = "all", slots: int = 6, **kwargs):
        super().__init__(
            widget=MultiPickerInput(reverse_lazy("locality_options"), f"kinds={kinds}", slots),
            **kwargs,
        )
        self.kinds = LOCALITY_KINDS[kinds]
        self.pool = Locality.objects.none()

    def prepare_value(self, value):
        return [locality_label(v) if isinstance(v, Locality) else v for v in value or []]

    missing = _("No locality in your scope is called “%(name)s”: pick one from the list.")

    def resolve(self, text: str):
        return resolve_locality(self.pool, text, today(), kinds=self.kinds)
