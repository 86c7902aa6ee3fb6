"""Units and localities as people choose them: by name, told apart by their grassroots
organisation or ward, never by a code typed from memory."""

import datetime as dt
from collections.abc import Iterable

from .models import Locality, OrgUnit


def grassroots_names(units: Iterable[OrgUnit]) -> dict[str, str]:
    """Path → name of the grassroots organisation above each unit (one query)."""
    units = list(units)
    codes = {c for u in units for c in u.path.strip("/").split("/")}
    found = OrgUnit.objects.filter(code__in=codes, kind__in=OrgUnit.GRASSROOTS_KINDS).only(
        "path", "name"
    )
    by_path = {g.path: g.name for g in found}
    names = {}
    for u in units:
        parts = u.path.strip("/").split("/")
        for i in range(len(parts) - 1, 0, -1):
            name = by_path.get("/".join(parts[:i]) + "/")
            if name:
                names[u.path] = name
                break
    return names


def unit_label(unit: OrgUnit, grassroots: dict[str, str]) -> str:
    """'Chi bộ Tổ dân phố 1 – Đảng bộ phường Hoa Lư' below a grassroots organisation."""
    above = grassroots.get(unit.path)
    return f"{unit.name} – {above}" if above else unit.name


def label_units(units) -> list[tuple[OrgUnit, str]]:
    units = list(units)
    names = grassroots_names(units)
    return [(u, unit_label(u, names)) for u in units]


def unit_options(visible, day: dt.date) -> list[tuple[str, str]]:
    """(code, label) of the units a user may pick on `day`, party groups left out."""
    units = visible.on(day).exclude(kind=OrgUnit.Kind.PARTY_GROUP).only("code", "name", "path")
    return [(u.code, label) for u, label in label_units(units)]


# The searchable picker (`matching_unit_options`) offers at most this many units.
MATCHES = 30


def matching_unit_options(visible, day: dt.date, text: str) -> list[tuple[str, str]]:
    """(code, label) of at most `MATCHES` units a user may pick on `day` whose name (or
    code) contains what they typed, accents and case ignored, by name; none for less
    than two letters. Only the matches are labelled (one query for their grassroots
    organisations), not every unit in scope."""
    from dangvien.core.text import search_key

    text = text.split(" – ")[0]  # a label chosen before: its unit's own name
    key = search_key(text)
    if len(key) < 2:
        return []
    rows = (
        visible.on(day)
        .exclude(kind=OrgUnit.Kind.PARTY_GROUP)
        .order_by("name", "path")
        .values_list("pk", "code", "name")
    )
    code = text.strip().upper()
    found = [pk for pk, c, name in rows if c == code or key in search_key(name)][:MATCHES]
    units = (
        OrgUnit.objects.filter(pk__in=found).order_by("name", "path").only("code", "name", "path")
    )
    return [(u.code, label) for u, label in label_units(units)]


def locality_label(loc: Locality) -> str:
    """A hamlet or residential group with its commune or ward (parent selected)."""
    return loc.long_name


def resolve_unit(visible, text: str, day: dt.date) -> OrgUnit | None:
    """The unit a user picked: its code (from the list), else the one visible unit whose
    name or label matches what they typed (accents and case ignored)."""
    from dangvien.core.text import search_key

    text = text.strip()
    if not text:
        return None
    unit = visible.filter(code=text.upper()).first()
    if unit is not None:
        return unit
    key = search_key(text)
    options = unit_options(visible, day)
    exact = [
        c for c, label in options if key in (search_key(label), search_key(label.split(" – ")[0]))
    ]
    found = exact or [c for c, label in options if key in search_key(label)]
    return visible.filter(code=found[0]).first() if len(found) == 1 else None
