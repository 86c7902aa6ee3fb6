"""What one person adds to the precomputed counts: pure functions over plain rows.

A person contributes, for every period they are a member in a unit, +1 from its first
day and −1 from its end to each key describing them, in each superior committee above
that unit. The keys are the structure report's: the headline flags, one key per value
of each breakdown, and the birth date three times: a year-month key (`ym:1975-03`), a
day key (`d:03:1975-03-14`) and a day-of-year key over all years (`bd:03-14`). From
them the report computes the exact sum of ages on any date and the age bands (`read`):
it reads every year-month key, the day-of-year keys of the date's month, and the day
keys of that month only for the birth years whose birthday moves a member from one
band to the next.

Each admission adds one more count, `admitted`: +1 from the day of the admission
decision, never taken back, in each superior committee above the unit of the membership's
admitting stint; the admissions of a month are that count's change over the month (the
dashboard's chart and the development report read them without counting memberships).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from dangvien.people.models import COLLEGE_OR_HIGHER, GeneralEducation, Sex
from dangvien.reference.models import Ethnicity, Religion

Day = dt.date
Span = tuple[Day, Day | None]
Deltas = dict[tuple[int, str, Day], int]
ADMITTED = "ADMITTED"  # `Stint.ReasonIn.ADMITTED`: the stint that begins with the ceremony


def person_keys(p: Mapping[str, Any]) -> list[str]:
    """The keys one person counts under (`p` holds the Person fields, with the ethnicity
    and religion codes as `eth` and `rel`)."""
    b: dt.date = p["birth_date"]
    keys = [
        "members",
        f"sex:{p['sex']}",
        f"eth:{p['eth']}",
        f"rel:{p['rel']}",
        f"ge:{p['general_education']}",
        f"pro:{p['professional']}",
        f"pt:{p['political_theory']}",
        f"occ:{p['occupation']}",
        f"ym:{b:%Y-%m}",
        day_key(b),
        birthday_key(b),
    ]
    flags = {
        "women": p["sex"] == Sex.FEMALE,
        "ethnic_minority": p["eth"] != Ethnicity.KINH,
        "religious": p["rel"] != Religion.NONE,
        "upper_secondary": p["general_education"] == GeneralEducation.UPPER_SECONDARY,
        "college_or_higher": p["professional"] in COLLEGE_OR_HIGHER,
        "youth_union": bool(p["youth_union_member"]),
        "business_owner": bool(p["business_owner"]),
    }
    return keys + [k for k, on in flags.items() if on]


# What a person's keys are made of: stored with each contribution, so that a later change
# subtracts the keys the person counted under then.
ATTRS = (
    "birth_date",
    "sex",
    "eth",
    "rel",
    "general_education",
    "professional",
    "political_theory",
    "occupation",
    "youth_union_member",
    "business_owner",
)


def keys_of(data: Mapping[str, Any]) -> list[str]:
    """The keys of a stored contribution (`"k"`: the keys themselves, as stored before
    the attributes were; the day-of-year key, which came later, is derived from the day
    key as migration `stats.0008` derived its counts)."""
    if "p" in data:
        return person_keys(data["p"])
    keys = list(data["k"])
    if not any(k.startswith("bd:") for k in keys):
        keys += [f"bd:{k[10:15]}" for k in keys if k.startswith("d:")]
    return keys


def day_key(b: dt.date) -> str:
    return f"d:{b:%m}:{b:%Y-%m-%d}"


def birthday_key(b: dt.date) -> str:
    """The day of the year of a birth date, over all years ("bd:03-14")."""
    return f"bd:{b:%m-%d}"


def intersect(a: Span, b: Span) -> Span | None:
    start = max(a[0], b[0])
    ends = [e for e in (a[1], b[1]) if e is not None]
    end = min(ends) if ends else None
    return (start, end) if end is None or start < end else None


def union(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans, key=lambda s: s[0]):
        if out and (out[-1][1] is None or start <= out[-1][1]):  # type: ignore[operator]
            last = out[-1]
            out[-1] = (last[0], None if end is None or last[1] is None else max(last[1], end))
        else:
            out.append((start, end))
    return out


def contribution(
    person: Mapping[str, Any] | None,
    memberships: Iterable[Mapping[str, Any]],
    stints: Iterable[Mapping[str, Any]],
    exemptions: Iterable[Mapping[str, Any]],
    superiors: Mapping[int, list[int]],
) -> dict:
    """The stored form of a person's contribution: the attributes that make its keys
    ("p"), and the periods as member
    ("s"), full member ("o") and exempt ("x"), each with the superior units it counts in,
    and the admissions ("a": from the decision on, open), each in the superior units of
    the membership's first admitting stint (`reason_in` ADMITTED, as the development
    report counts admissions).

    Mirrors the structure report's count: a stint counts on `day` when it runs
    (start ≤ day < end) and its membership does (ceremony ≤ day < exit); full from
    `confirmed_on`; exempt while any of the membership's exemptions runs."""
    if person is None:
        return {}
    by_m = {m["id"]: m for m in memberships}
    exempt: dict[int, list[Span]] = defaultdict(list)
    for e in exemptions:
        exempt[e["membership_id"]].append((e["start_on"], e["end_on"]))
    s: list = []
    o: list = []
    x: list = []
    for st in stints:
        m = by_m.get(st["membership_id"])
        ids = superiors.get(st["unit_id"], [])
        if m is None or not ids:
            continue
        seg = intersect((st["start_on"], st["end_on"]), (m["ceremony_on"], m["exit_on"]))
        if seg is None:
            continue
        s.append([ids, *seg])
        if m["confirmed_on"] is not None:
            full = intersect(seg, (m["confirmed_on"], None))
            if full:
                o.append([ids, *full])
        for span in union(exempt[m["id"]]):
            part = intersect(seg, span)
            if part:
                x.append([ids, *part])
    a: list = []
    admitting: dict[int, Mapping[str, Any]] = {}
    for st in sorted(stints, key=lambda st: (st["start_on"], st.get("id") or 0)):
        if st.get("reason_in") == ADMITTED and st["membership_id"] not in admitting:
            admitting[st["membership_id"]] = st
    for mid, st in sorted(admitting.items()):
        m = by_m.get(mid)
        ids = superiors.get(st["unit_id"], [])
        if m is not None and ids and m.get("decision_on") is not None:
            a.append([ids, m["decision_on"], None])
    if not s and not a:
        return {}
    return {"p": {f: person[f] for f in ATTRS}, "s": s, "o": o, "x": x, "a": a}


def encode(data: dict) -> dict:
    """JSON form: dates as ISO strings."""

    def spans(rows):
        return [[ids, a.isoformat(), b.isoformat() if b else None] for ids, a, b in rows]

    def part(k, v):
        if k == "p":
            return {**v, "birth_date": v["birth_date"].isoformat()}
        return v if k == "k" else spans(v)

    return {k: part(k, v) for k, v in data.items()}


def decode(data: dict) -> dict:
    """From the JSON form, whichever wrote it (`encode`, or `sqlbuild` in SQL: booleans
    may come back as 0 and 1 from SQLite, equal to False and True)."""

    def spans(rows):
        return [
            [ids, dt.date.fromisoformat(a), dt.date.fromisoformat(b) if b else None]
            for ids, a, b in rows
        ]

    def part(k, v):
        if k == "p":
            return {**v, "birth_date": dt.date.fromisoformat(v["birth_date"])}
        return v if k == "k" else spans(v)

    return {k: part(k, v) for k, v in data.items()}


def add_deltas(data: dict, sign: int, out: Deltas) -> None:
    """Add `sign` × the contribution `data` (decoded) to `out[(unit, key, day)]`."""
    if not data:
        return
    groups = (("s", keys_of(data)), ("o", ["official"]), ("x", ["exempt"]), ("a", ["admitted"]))
    for part, keys in groups:
        # (a contribution stored before admissions were counted has no "a")
        for ids, start, end in data.get(part, []):
            for unit in ids:
                for key in keys:
                    out[(unit, key, start)] = out.get((unit, key, start), 0) + sign
                    if end is not None:
                        out[(unit, key, end)] = out.get((unit, key, end), 0) - sign
