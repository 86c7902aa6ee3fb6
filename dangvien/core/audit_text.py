"""The audit log's details, said to people: the log stores them in English for operators
(`404: outside scope (people.person)`); a person's history shows them translated."""

import re

from django.apps import apps
from django.utils.translation import gettext as _


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
