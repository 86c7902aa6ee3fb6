"""The importers by name, as the command line and the upload page know them."""

from django.utils.translation import gettext_lazy as _

from . import candidates, localities, members, positions, restructure, units
from .base import Importer

IMPORTERS: dict[str, Importer] = {
    "units": units,
    "localities": localities,
    "members": members,
    "candidates": candidates,
    "restructure": restructure.UNITS,
    "restructure-places": restructure.LOCALITIES,
    "positions": positions,
}
LABELS = {
    "units": _("Party units"),
    "localities": _("Localities"),
    "members": _("Party members"),
    "candidates": _("Candidates (source list)"),
    "restructure": _("Restructuring (merge, move, rename, dissolve units)"),
    "restructure-places": _("Restructuring localities (merge, move, rename, dissolve)"),
    "positions": _("Positions held (hamlet heads, cell secretaries…)"),
}
