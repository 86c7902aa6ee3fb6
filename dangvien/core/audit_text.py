"""The audit log's details, said to people: the log stores them in English for operators
(`404: outside scope (people.person)`); a person's history shows them translated."""

import re

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy


def _model_name(label: str) -> str:
    if label in MODEL_TITLES:
        return str(MODEL_TITLES[label])
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


def _refused(m: re.Match) -> str:
    return _("Access refused (%(path)s)") % {"path": m["path"]}


def _tried(m: re.Match) -> str:
    return _("User name tried: %(name)s") % {"name": m["name"]}


def _admin_list(m: re.Match) -> str:
    return _("List of %(what)s opened in the administration site") % {
        "what": _model_name(m["model"])
    }


def _audit_export(m: re.Match) -> str:
    return _("Audit log exported (%(fmt)s); purpose: %(purpose)s") % {
        "fmt": m["fmt"],
        "purpose": m["purpose"],
    }


def _upload(m: re.Match) -> str:
    return _("File uploaded for import: %(file)s") % {"file": m["file"]}


def _reports() -> dict[str, str]:
    return {
        "development report": _("Development report"),
        "coverage report": _("Coverage report"),
        "targets report": _("Targets report"),
        "periodic report draft": _("Periodic report draft"),
        "dashboard": _("Dashboard"),
        "structure statistics": _("Structure statistics"),
        "badge list": _("Badge list"),
    }


def _report(m: re.Match) -> str:
    what = _reports()[m["what"]]
    what = what[:1].lower() + what[1:]  # inside a sentence
    if m["fmt"]:
        return _("%(what)s exported (%(fmt)s)") % {"what": what, "fmt": m["fmt"]}
    return _("%(what)s exported") % {"what": what}


def _people_list(m: re.Match) -> str:
    return _("List of people exported (%(fmt)s, %(n)s rows); purpose: %(purpose)s") % {
        "fmt": m["fmt"],
        "n": m["n"],
        "purpose": m["purpose"],
    }


def _exported(m: re.Match) -> str:
    if m["purpose"]:
        return _("Data exported; purpose: %(purpose)s") % {"purpose": m["purpose"]}
    return _("Data exported")


PATTERNS = [
    (re.compile(r"^404: outside scope \((?P<model>[\w.]+)\)( \S+)?$"), _outside),
    (
        re.compile(r"^404: outside scope( \S+)?$"),
        lambda m: _("Asked for a record outside their scope (refused)"),
    ),
    (re.compile(r"^403 [A-Z]+ (?P<path>\S+)$"), _refused),
    (re.compile(r"^user name: (?P<name>.*)$"), _tried),
    (re.compile(r"^admin list (?P<model>[\w.]+)\b.*$"), _admin_list),
    (re.compile(r"^admin record$"), lambda m: _("Opened in the administration site")),
    (re.compile(r"^audit log (?P<fmt>\w+); purpose: (?P<purpose>[^;]*);.*$"), _audit_export),
    (re.compile(r"^upload \w+ (?P<file>.+) sha256=\w+$"), _upload),
    (re.compile(r"^restructure\b.*$"), lambda m: _("Restructuring of organisations or localities")),
    (re.compile(r"^api, names only$"), lambda m: _("through the API, names only")),
    (
        re.compile(
            r"^(?P<what>development report|coverage report|targets report|periodic report "
            r"draft|dashboard|structure statistics|badge list)\b.*?(?: \((?P<fmt>\w+)\))?$"
        ),
        _report,
    ),
    (
        re.compile(r"^people list (?P<fmt>\w+), (?P<n>\d+) rows; purpose: (?P<purpose>[^;]*)"),
        _people_list,
    ),
    (re.compile(r"^source list \w+ purpose: (?P<purpose>.*)$"), _exported),
    (re.compile(r"^export \S+(?: \S+)?(?: purpose: (?P<purpose>.*))?$"), _exported),
    (re.compile(r"^import error report .*$"), lambda m: _("Import error report downloaded")),
    (re.compile(r"^backup \(\w+\) to .*$"), lambda m: _("Database backup")),
    (re.compile(r"^two-factor device enrolled$"), lambda m: _("Two-factor device enrolled")),
    (re.compile(r"^wrong two-factor code$"), lambda m: _("Wrong two-factor code")),
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
TITLES = {
    ("people.person", "address"): pgettext_lazy("person", "address"),
    ("admission.event", "voided_by"): gettext_lazy("voided by"),
}
# Models whose own name is not translated (no verbose_name of their own).
MODEL_TITLES = {"admission.candidatetag": gettext_lazy("candidate's priority group")}


def model_title(label: str) -> str:
    """'people.person' → the model's name in the page's language ('người')."""
    return _model_name(label)


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
    kind = field.get_internal_type()
    if kind == "DateField" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if kind == "DateTimeField" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            from django.utils import timezone

            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    if field.name == "year":  # a year is a name, not a quantity: 2025, never 2.025
        return str(value)
    return localize(value) if isinstance(value, int | float) else str(value)


def _title(model_label: str, name: str, field) -> str:
    """A field's title: its verbose name; for a link to another record named by Django
    after the field (no title of its own), that record's kind ('quần chúng')."""
    if field is None:
        return str(TITLES.get((model_label, name), name))
    if (model_label, field.name) in TITLES:  # a snapshot names a link by its column
        return str(TITLES[(model_label, field.name)])
    title = str(field.verbose_name)
    if title == field.name.replace("_", " ") and field.is_relation and field.related_model:
        return str(field.related_model._meta.verbose_name)
    return title


def _field(model, name: str):
    from django.core.exceptions import FieldDoesNotExist

    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def change_rows(model_label: str, changes, related: dict | None = None) -> list:
    """(field title, before, after) of an audit entry's changes, in words, without the
    bookkeeping columns and without fields that stayed empty. `related`: names of
    related records already read (`describe_entries` reads a page's in one go)."""
    model = _model(model_label)
    related = {} if related is None else related
    rows = []
    for name, old, new in changes:
        if name in HIDDEN_FIELDS or (_empty(old) and _empty(new)):
            continue
        field = _field(model, name)
        title = _title(model_label, name, field)
        rows.append((title, _shown(field, old, related), _shown(field, new, related)))
    return rows


def _read_related(entries) -> dict:
    """The names of every record an entry's changes point at: one query per kind of
    record, not one per value."""
    wanted: dict = {}
    for e in entries:
        model = _model(e.model)
        for name, old, new in e.changes():
            field = _field(model, name)
            if field is None or not field.is_relation or field.related_model is None:
                continue
            if getattr(field, "choices", None):
                continue
            for value in (old, new):
                if value not in (None, ""):
                    wanted.setdefault(field.related_model, set()).add(value)
    related: dict = {}
    for model, values in wanted.items():
        # With the records their names are made of (a membership says its person's).
        found = model._default_manager.select_related().in_bulk(list(values))
        for value in values:
            obj = found.get(value)
            related[(model, value)] = str(obj) if obj is not None else "–"
    return related


def describe_entries(entries) -> None:
    """Sets on each audit entry what the page shows instead of stored codes and ids:
    `detail_text`, `change_rows`, `model_title` (the record's kind), `person_name` and
    `unit_name` (the person and the unit the entry is about, by name). A few queries
    for the whole page."""
    entries = list(entries)
    related = _read_related(entries)
    person_ids = {e.person_id for e in entries if e.person_id}
    paths = {e.unit_path for e in entries if e.unit_path}
    people = {}
    if person_ids:
        people = dict(
            apps.get_model("people.person")
            ._default_manager.filter(pk__in=person_ids)
            .values_list("pk", "full_name")
        )
    units = {}
    if paths:
        units = dict(
            apps.get_model("orgs.orgunit")
            ._default_manager.filter(path__in=paths)
            .values_list("path", "name")
        )
    for e in entries:
        e.detail_text = audit_detail(e.detail)
        e.change_rows = change_rows(e.model, e.changes(), related)
        e.model_title = model_title(e.model) if e.model else ""
        e.person_name = people.get(e.person_id, "")
        e.unit_name = units.get(e.unit_path, "")
