"""Units and localities as people choose them: by name, told apart by their grassroots
organisation or ward, never by a code typed from memory."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

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


def labels_across(units: Iterable[OrgUnit]) -> dict[str, str]:
    """Path → label of each unit: with its grassroots organisation where the units span
    several ("Chi bộ Thôn 1" is in many wards of a province), its name alone where they
    are all in one (a ward's own list)."""
    units = list(units)
    names = grassroots_names(units)
    if len(set(names.values())) <= 1:
        names = {}
    return {u.path: unit_label(u, names) for u in units}


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


# The words a unit's name starts with that say what kind of body it is ('Chi bộ', 'Đảng
# bộ phường'), accent-free: 'Tổ dân phố 3' typed is the whole name of 'Chi bộ Tổ dân phố
# 3', ahead of a merged 'Chi bộ Tổ dân phố 2 – Tổ dân phố 3' that merely holds it.
_BODIES = ("chi bo", "dang bo", "dang bo bo phan", "dang uy", "to dang")
_PLACES = ("phuong", "xa", "thi tran", "thi xa", "huyen", "quan", "thanh pho", "tinh")
KIND_WORDS = tuple(
    [f"{b} " for b in _BODIES] + [f"{b} {p} " for b in ("dang bo", "dang uy") for p in _PLACES]
)


def _starts(key: str) -> Q:
    """Names starting with `key`, read from a range of the index `orgunit_search_name`."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return Q(search_name__startswith=key)  # LIKE 'key%': the pattern-ops index
    # SQLite's LIKE ignores the index; a range of bytes reads it
    return Q(search_name__gte=key, search_name__lt=key + "\U0010ffff")


def _name_branches(key: str) -> list[Q]:
    """The matches of an accent-free `key`, best first and disjoint: the whole name (the
    kind's words before it allowed), the start of the name, the start of the name after
    the kind's words, the start of a later word, anywhere inside. The first three read
    ranges of the index `orgunit_search_name`; the others, on PostgreSQL, its trigram
    index `orgunit_search_trgm`."""
    exact = Q(search_name__in=[key, *(w + key for w in KIND_WORDS)])
    start = _starts(key) & ~exact
    after_kind = Q()
    for w in KIND_WORDS:
        after_kind |= _starts(w + key)
    after_kind &= ~exact & ~start
    word = Q(search_name__contains=" " + key)
    inside = Q(search_name__contains=key)
    return [exact, start, after_kind, word & ~start & ~after_kind, inside & ~start & ~word]


def matching_units(visible, day: dt.date, text: str, limit: int | None = None) -> list[OrgUnit]:
    """At most `limit` units a user may pick on `day` matching what they typed, accents
    and case ignored, ranked: the code typed exactly, the whole name (after the kind's
    words or not), the name's start, the start after the kind's words, a later word's
    start, anywhere in the name; in each rank the higher units first
    (depth), then by name. None for less than two letters. One query per rank, each
    stopped at the page (never every unit in scope), with each unit's superior."""
    from dangvien.core.text import search_key

    limit = limit or MATCHES
    key = search_key(text)
    if len(key) < 2:
        return []
    pool = (
        visible.on(day)
        .exclude(kind=OrgUnit.Kind.PARTY_GROUP)
        .select_related("parent")
        .only("code", "name", "path", "depth", "parent__name")
        .order_by("depth", "search_name", "pk")
    )
    found: list[OrgUnit] = []
    code = text.strip().upper()
    if code.replace("-", "").replace("_", "").isalnum():
        found += pool.filter(code=code)[:1]
    for branch in _name_branches(key):
        if len(found) >= limit:
            break
        seen = [u.pk for u in found]
        found += pool.filter(branch).exclude(pk__in=seen)[: limit - len(found)]
    return found[:limit]


def picker_label(unit: OrgUnit) -> str:
    """'Chi bộ Tổ dân phố 1 – Đảng bộ phường Hoa Lư': the unit's name, then its
    superior's, which tells same-named units apart (needs `parent` selected)."""
    parent = unit.parent if unit.parent_id else None
    return f"{unit.name} – {parent.name}" if parent is not None else unit.name


def matching_unit_options(visible, day: dt.date, text: str) -> list[tuple[str, str]]:
    """(code, label) of the units `matching_units` finds, labelled by name and superior."""
    text = text.split(" – ")[0]  # a label chosen before: its unit's own name
    return [(u.code, picker_label(u)) for u in matching_units(visible, day, text)]


def locality_label(loc: Locality) -> str:
    """A hamlet or residential group with its commune or ward (parent selected)."""
    return loc.long_name


def resolve_unit(visible, text: str, day: dt.date) -> OrgUnit | None:
    """The unit a user picked: its code (from a link), else the one visible unit whose
    name is what they typed, told apart by the superior or grassroots organisation
    after " – " (the labels of the pickers), else the only unit whose name contains it
    (accents and case ignored). Indexed queries, never every unit in scope."""
    text = text.strip()
    if not text:
        return None
    coded = visible.select_related("parent").filter(code=text.upper()).first()
    # A code as links write it, or the code of a unit open on the day; a word typed in
    # lower case that is also the code of a closed unit ("Pleiku") is first a name.
    if coded is not None and (text == text.upper() or coded.exists_on(day)):
        return coded
    found = _by_name(visible, text, day)
    return found if found is not None or coded is None else coded


def _by_name(visible, text: str, day: dt.date) -> OrgUnit | None:
    from dangvien.core.text import search_key

    pool = visible.on(day).exclude(kind=OrgUnit.Kind.PARTY_GROUP).select_related("parent")
    # A merged cell's own name holds " – " too ('Chi bộ Tổ dân phố 2 – Tổ dân phố 3'):
    # the superior follows the last " – " that leaves a unit's whole name before it.
    parts = text.split(" – ")
    named: list = []
    for cut in range(len(parts), 0, -1):
        name, above = " – ".join(parts[:cut]), " – ".join(parts[cut:])
        key = search_key(name)
        if key:
            named = list(pool.filter(search_name=key)[:50])
        if named:
            break
    if not named:
        name, above = parts[0], " – ".join(parts[1:])
        if not search_key(name):
            return None
    if above and named:
        wanted = search_key(above)
        grassroots = grassroots_names(named)
        named = [
            u
            for u in named
            if wanted
            in (
                search_key(u.parent.name) if u.parent_id else "",
                search_key(grassroots.get(u.path, "")),
            )
        ]
    if len(named) == 1:
        return named[0]
    if named or above:
        return None  # the same name twice: the list tells them apart
    found = matching_units(visible, day, name, limit=2)
    return found[0] if len(found) == 1 else None


def _locality_branches(key: str) -> list[Q]:
    """The matches of an accent-free `key` in a locality's name, best first and
    disjoint: the whole name, its start, the start of a later word, anywhere inside.
    The first two read ranges of the index `locality_search_name`."""
    exact = Q(search_name=key)
    start = _starts(key) & ~exact
    word = Q(search_name__contains=" " + key) & ~start & ~exact
    inside = Q(search_name__contains=key) & ~start & ~Q(search_name__contains=" " + key)
    return [exact, start, word, inside]


def matching_localities(visible, day: dt.date, text: str, kinds=None, limit: int | None = None):
    """At most `limit` localities a user may pick on `day` matching what they typed,
    accents and case ignored: 'Tổ dân phố 7' (the name), or 'Tổ dân phố 7, Hoa Lư' (the
    name, then part of its commune's or ward's name after a comma, as the picker labels
    them: 'Tổ dân phố 7, Phường Hoa Lư'). Ranked: the code typed exactly, the whole name,
    its start, a later word's start, anywhere; in each rank by name, then commune. None
    for less than two letters. One query per rank, each stopped at the page."""
    from dangvien.core.text import search_key

    limit = limit or MATCHES
    name, _, above = text.partition(",")
    key, above_key = search_key(name), search_key(above)
    if len(key) < 2:
        return []
    pool = visible.on(day).select_related("parent")
    if kinds:
        pool = pool.filter(kind__in=kinds)
    if above_key:
        pool = pool.filter(parent__search_name__contains=above_key)
    pool = pool.order_by("search_name", "path", "pk")
    found: list[Locality] = []
    code = text.strip()
    if code and "," not in code and " " not in code:
        found += pool.filter(code=code)[:1]
    for branch in _locality_branches(key):
        if len(found) >= limit:
            break
        seen = [loc.pk for loc in found]
        found += pool.filter(branch).exclude(pk__in=seen)[: limit - len(found)]
    return found[:limit]


def matching_locality_options(visible, day: dt.date, text: str, kinds=None):
    """(code, label) of the localities `matching_localities` finds."""
    return [
        (loc.code, locality_label(loc))
        for loc in matching_localities(visible, day, text, kinds=kinds)
    ]


def resolve_locality(visible, text: str, day: dt.date, kinds=None) -> Locality | None:
    """The locality a user picked: its code, else the one locality whose label ('Tổ dân
    phố 7, Phường Hoa Lư') or whose name is what they typed, else the only one whose
    name contains it (accents and case ignored). None when nothing or several match:
    the list tells same-named localities apart by their commune or ward."""
    from dangvien.core.text import search_key

    text = text.strip()
    if not text:
        return None
    pool = visible.on(day).select_related("parent")
    if kinds:
        pool = pool.filter(kind__in=kinds)
    if "," not in text and " " not in text:
        loc = pool.filter(code=text).first()
        if loc is not None:
            return loc
    name, _, above = text.rpartition(",") if "," in text else (text, "", "")
    key, above_key = search_key(name), search_key(above)
    if not key:
        return None
    named = pool.filter(search_name=key)
    if above_key:
        named = named.filter(parent__search_name=above_key)
    exact = list(named[:2])
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None  # the same name twice: the list tells them apart
    found = matching_localities(visible, day, text, kinds=kinds, limit=2)
    return found[0] if len(found) == 1 else None
