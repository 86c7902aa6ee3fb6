"""The audit log's details, said to people: the log stores them in English for operators
(`404: outside scope (people.person)`); a person's history shows them translated."""

import re

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy


def _model_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _outside(m: re.Match) -> str:
    return _("Asked for a %(what)s outside their scope (refused)") % {
        "what": _model_name(m["model"])
    }


def _purpose(m: re.Match) -> str:
    return _("Full record exported; purpose: %(purpose)s") % {"purpose": m["purpose"]}


def _form(m: re.Match) -> str:
    return _("Form %(code)s downloaded") % {"code": m["code"]}


def _forms(m: re.Match) -> str:
    return _("Forms downloaded: %(codes)s") % {"codes": m["codes"]}


PATTERNS = [
    (re.compile(r"^404: outside scope \((?P<model>[\w.]+)\)$"), _outside),
    (re.compile(r"^full record; purpose: (?P<purpose>.*)$"), _purpose),
    (re.compile(r"^form (?P<code>\S+)$"), _form),
    (re.compile(r"^forms (?P<codes>.+)$"), _forms),
    (re.compile(r"^names only$"), lambda m: _("names only")),
    (re.compile(r"^api$"), lambda m: _("through the API")),
    (re.compile(r"^retention: personal data erased$"), lambda m: _("Personal data erased")),
    (re.compile(r"^import (?P<kind>\w+)\b.*$"), lambda m: _("Written by an import")),
]


def audit_detail(detail: str) -> str:
    """A stored detail in the active language; an unknown one as stored."""
    for pattern, say in PATTERNS:
        m = pattern.match(detail or "")
        if m:
            return say(m)
    return detail


# Bookkeeping columns, not facts about the person: left out of a history shown to people.
# `recorded_by`: the entry's own user column says who (and its field has no title).
HIDDEN_FIELDS = {
    "id",
    "version",
    "search_name",
    "sort_name",
    "recorded_at",
    "recorded_by",
    "recorded_by_id",
    "path",
    "depth",
}


# A field title that the model's own would say wrongly: a person's "address" is their
# home, not the audit's IP address (one English word, two Vietnamese ones).
TITLES = {("people.person", "address"): pgettext_lazy("person", "address")}


def _empty(value) -> bool:
    return value in (None, "", False, [], {})


def _shown(field, value, related: dict) -> str:
    """A stored value as people read it: labels for choices, dd/mm/yyyy, yes/no, names."""
    import datetime as dt

    from django.utils.formats import localize

    if value is None or value == "":
        return "–"
    if field is None:
        return str(value)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and field.related_model is not None:
        key = (field.related_model, value)
        if key not in related:
            obj = field.related_model._default_manager.filter(pk=value).first()
            related[key] = str(obj) if obj is not None else "–"
        return related[key]
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field.get_internal_type() == "DateField" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if field.name == "year":  # a year is a name, not a quantity: 2025, never 2.025
        return str(value)
    return localize(value) if isinstance(value, int | float) else str(value)


def change_rows(model_label: str, changes) -> list[tuple[str, str, str]]:
    """(field title, before, after) of an audit entry's changes, in words, without the
    bookkeeping columns and without fields that stayed empty."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        model = None
    related: dict = {}
    rows = []
    for name, old, new in changes:
        if name in HIDDEN_FIELDS or (_empty(old) and _empty(new)):
            continue
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        title = str(
            TITLES.get((model_label, name)) or (field.verbose_name if field is not None else name)
        )
        rows.append((title, _shown(field, old, related), _shown(field, new, related)))
    return rows
