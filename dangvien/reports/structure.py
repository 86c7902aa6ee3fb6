"""Structure statistics of the members of a subtree on a date.

A grassroots organisation's or a cell's figures are counted in SQL from its members'
stints: one aggregate for the headline figures, one GROUP BY per breakdown. A superior
committee's (a city, a province, the country) are read from the counts `dangvien.stats`
keeps, so their cost does not grow with the members counted. The demo's figures, the
statistics page, the CLI and the XLSX export all come from `structure()`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from dangvien.core.dates import add_years
from dangvien.membership.models import Stint
from dangvien.orgs.models import OrgUnit, holders_on
from dangvien.people.models import (
    COLLEGE_OR_HIGHER,
    GeneralEducation,
    Occupation,
    PoliticalTheory,
    Professional,
    Sex,
)
from dangvien.records.models import Exemption
from dangvien.records.transfers import in_transit_count
from dangvien.reference.models import Ethnicity, Religion
from dangvien.stats import read as stats

P = "membership__person__"
YOUTH_MAX_AGE = 30  # DOMAIN.md: youth age means ≤ 30 on the report date.

# Headline keys, in display order, with their labels; all are shares of `members`.
HEADLINE = [
    ("probationary", _("Probationary members")),
    ("official", _("Full members")),
    ("exempt", _("Exempt from party work and activity")),
    ("women", _("Women")),
    ("ethnic_minority", _("Ethnic minorities")),
    ("religious", _("Religious believers")),
    ("youth", _("Youth age (≤ 30)")),
    ("upper_secondary", _("Upper secondary education (12/12)")),
    ("college_or_higher", _("College or higher qualification")),
    ("youth_union", _("Youth Union members")),
    ("business_owner", _("Private-business owners")),
]
PCT_KEYS = [key for key, _label in HEADLINE]

AGE_BANDS = [(None, 30), (31, 35), (36, 40), (41, 45), (46, 50), (51, 55), (56, 60), (61, None)]


@dataclass
class Row:
    key: str
    label: str
    count: int
    pct: float


@dataclass
class Structure:
    unit: OrgUnit
    day: dt.date
    figures: dict[str, int]
    pct: dict[str, float]
    average_age: float | None
    breakdowns: dict[str, list[Row]] = field(default_factory=dict)
    withheld: bool = False  # personal figures left out (`withheld`)

    def as_json(self) -> dict:
        out: dict = {
            "org": self.unit.code,
            "org_name": self.unit.name,
            "as_of": self.day.isoformat(),
            **self.figures,
            "average_age": self.average_age,
            "pct": self.pct,
            "breakdowns": {
                name: [
                    {"key": r.key, "label": str(r.label), "count": r.count, "pct": r.pct}
                    for r in rows
                ]
                for name, rows in self.breakdowns.items()
            },
        }
        return out


# A small group's shares tell its members' personal details to anyone who knows who they
# are (two members, both Kinh, both over 60): a role that sees names only (README "Demo
# logins": no birth date, sex, ethnicity or religion) is shown the figures built from
# those details for groups of at least SMALL_GROUP members only.
SMALL_GROUP = 10
PERSONAL_FIGURES = ("women", "ethnic_minority", "religious", "youth")
PERSONAL_BREAKDOWNS = ("sex", "age", "ethnicity", "religion")


def withheld(s: "Structure", force: bool = False) -> "Structure":
    """`s` for a role that sees names only: without the figures built from personal
    details when it counts fewer than SMALL_GROUP members (or when `force`d: a date
    compared with one that is withheld)."""
    if s.withheld or (s.figures["members"] >= SMALL_GROUP and not force):
        return s
    return Structure(
        s.unit,
        s.day,
        {k: v for k, v in s.figures.items() if k not in PERSONAL_FIGURES},
        {k: v for k, v in s.pct.items() if k not in PERSONAL_FIGURES},
        None,
        {k: v for k, v in s.breakdowns.items() if k not in PERSONAL_BREAKDOWNS},
        withheld=True,
    )


def withheld_pair(s: "Structure", other: "Structure | None"):
    """`withheld` of `s` and of `other`, the date compared: both alike (one date shown
    whole beside one withheld would tell the difference)."""
    s, other = withheld(s), withheld(other) if other is not None else None
    if other is not None and (s.withheld or other.withheld):
        s, other = withheld(s, force=True), withheld(other, force=True)
    return s, other


def for_viewer(user, s: "Structure", other: "Structure | None" = None):
    """`s` (and `other`) as `user` may see them on `s.unit`: `withheld_pair` for a role
    that sees names only there."""
    from dangvien.accounts.scoping import personal_everywhere

    if personal_everywhere(user, under=s.unit.path):
        return s, other
    return withheld_pair(s, other)


def withheld_rows(rows: list["OrgRow"]) -> list["OrgRow"]:
    """`withheld` for the rows per grassroots organisation: a small one's personal
    columns are None."""
    return [
        r
        if r.members >= SMALL_GROUP
        else OrgRow(
            r.code,
            r.name,
            r.members,
            {k: None if k in PERSONAL_FIGURES else v for k, v in r.figures.items()},
            {k: None if k in PERSONAL_FIGURES else v for k, v in r.pct.items()},
        )
        for r in rows
    ]


def percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def member_stints(unit: OrgUnit, day: dt.date):
    """One stint per member of `unit`'s subtree on `day`."""
    return Stint.objects.members_on(day).in_subtree(unit)


def exempt_on(day: dt.date):
    """The exemption in force on `day` of the stint's member (the stint is the outer row)."""
    return Exemption.objects.filter(
        Q(end_on__isnull=True) | Q(end_on__gt=day),
        membership_id=OuterRef("membership_id"),
        start_on__lte=day,
    )


def headline_counts(day: dt.date) -> dict:
    """The headline figures as SQL aggregate expressions, for `aggregate()` or a GROUP BY."""
    youth_born_after = add_years(day, -(YOUTH_MAX_AGE + 1))
    return dict(
        members=Count("id"),
        official=Count("id", filter=Q(membership__confirmed_on__lte=day)),
        exempt=Count("id", filter=Exists(exempt_on(day))),
        women=Count("id", filter=Q(**{f"{P}sex": Sex.FEMALE})),
        ethnic_minority=Count("id", filter=~Q(**{f"{P}ethnicity__code": Ethnicity.KINH})),
        religious=Count("id", filter=~Q(**{f"{P}religion__code": Religion.NONE})),
        youth=Count("id", filter=Q(**{f"{P}birth_date__gt": youth_born_after})),
        upper_secondary=Count(
            "id", filter=Q(**{f"{P}general_education": GeneralEducation.UPPER_SECONDARY})
        ),
        college_or_higher=Count("id", filter=Q(**{f"{P}professional__in": COLLEGE_OR_HIGHER})),
        youth_union=Count("id", filter=Q(**{f"{P}youth_union_member": True})),
        business_owner=Count("id", filter=Q(**{f"{P}business_owner": True})),
    )


def headline(stints, day: dt.date) -> dict[str, int]:
    return stints.aggregate(**headline_counts(day))


def ages(stints, day: dt.date) -> dict[int, int]:
    """Members by age in full years, grouped in SQL by birth year and birthday-passed."""
    not_yet = Case(
        When(
            Q(bmonth__gt=day.month) | Q(bmonth=day.month, bday__gt=day.day),
            then=1,
        ),
        default=0,
        output_field=IntegerField(),
    )
    rows = (
        stints.annotate(
            byear=ExtractYear(f"{P}birth_date"),
            bmonth=ExtractMonth(f"{P}birth_date"),
            bday=ExtractDay(f"{P}birth_date"),
        )
        .annotate(not_yet=not_yet)
        .values("byear", "not_yet")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[int, int] = {}
    for r in rows:
        age = day.year - r["byear"] - r["not_yet"]
        out[age] = out.get(age, 0) + r["n"]
    return out


def grouped(stints, field_name: str) -> dict[str, int]:
    rows = stints.values(f"{P}{field_name}").annotate(n=Count("id")).order_by()
    return {r[f"{P}{field_name}"]: r["n"] for r in rows}


def choice_rows(counts: dict[str, int], choices, total: int) -> list[Row]:
    return [
        Row(v, str(label), counts.get(v, 0), percent(counts.get(v, 0), total))
        for v, label in choices
    ]


def band_label(low: int | None, high: int | None) -> str:
    if low is None:
        return f"≤ {high}"
    if high is None:
        return f"> {low - 1}"
    return f"{low}–{high}"


def structure(unit: OrgUnit, day: dt.date, *, precomputed: bool | None = None) -> Structure:
    """The statistics of `unit`'s subtree on `day`. A superior committee's come from the
    precomputed counts (`dangvien.stats`), any other unit's from its members' stints;
    `precomputed` forces one or the other (the tests compare the two)."""
    use = stats.covers(unit) if precomputed is None else precomputed
    counted = from_counts(unit, day) if use else from_rows(unit, day)
    figures, (age_sum, per_band), groups, ethnic, religion = counted
    total = figures["members"]
    figures["probationary"] = total - figures["official"]
    # The grassroots organisations and cells open on `day`: one scan of the subtree.
    kinds = dict(
        OrgUnit.objects.subtree(unit, on=day)
        .filter(kind__in=(*OrgUnit.GRASSROOTS_KINDS, OrgUnit.Kind.CELL))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    figures["grassroots_orgs"] = sum(kinds.get(k, 0) for k in OrgUnit.GRASSROOTS_KINDS)
    figures["cells"] = kinds.get(OrgUnit.Kind.CELL, 0)
    # Members between two units on `day` (counted in neither): transfers issued in the
    # subtree and not yet received.
    figures["in_transit"] = in_transit_count(unit, day)

    avg = round(age_sum / total, 1) if total else None
    bands = [
        Row(band_label(low, high), band_label(low, high), n, percent(n, total))
        for (low, high), n in zip(AGE_BANDS, per_band, strict=True)
    ]

    def named(rows: list[tuple[str, str, int]]) -> list[Row]:
        return sorted(
            (Row(code, name, n, percent(n, total)) for code, name, n in rows),
            key=lambda row: row.key,
        )

    breakdowns = {
        "sex": choice_rows(groups["sex"], Sex.choices, total),
        "age": bands,
        "ethnicity": named(ethnic),
        "religion": named(religion),
        "general_education": choice_rows(
            groups["general_education"], GeneralEducation.choices, total
        ),
        "professional": choice_rows(groups["professional"], Professional.choices, total),
        "political_theory": choice_rows(groups["political_theory"], PoliticalTheory.choices, total),
        "occupation": choice_rows(groups["occupation"], Occupation.choices, total),
    }
    order = ["members", *PCT_KEYS, "grassroots_orgs", "cells", "in_transit"]
    figures = {k: figures[k] for k in order}
    pct = {k: percent(figures[k], total) for k in PCT_KEYS}
    return Structure(unit, day, figures, pct, avg, breakdowns)


GROUPED = ["sex", "general_education", "professional", "political_theory", "occupation"]
Counted = tuple[
    dict[str, int],
    tuple[int, list[int]],  # the sum of the ages, the members per band of AGE_BANDS
    dict[str, dict[str, int]],
    list[tuple[str, str, int]],
    list[tuple[str, str, int]],
]


def from_rows(unit: OrgUnit, day: dt.date) -> Counted:
    """The headline figures, ages and breakdowns counted from the members' stints."""
    stints = member_stints(unit, day)
    figures = headline(stints, day)
    groups = {name: grouped(stints, name) for name in GROUPED}
    ethnic = stints.values(f"{P}ethnicity__code", f"{P}ethnicity__name").annotate(n=Count("id"))
    religion = stints.values(f"{P}religion__code", f"{P}religion__name").annotate(n=Count("id"))
    return (
        figures,
        stats.summarise(ages(stints, day), AGE_BANDS),
        groups,
        [(r[f"{P}ethnicity__code"], r[f"{P}ethnicity__name"], r["n"]) for r in ethnic.order_by()],
        [(r[f"{P}religion__code"], r[f"{P}religion__name"], r["n"]) for r in religion.order_by()],
    )


# The precomputed keys of the headline flags (the rest are keys of their own name).
FLAG_KEYS = [
    "official",
    "exempt",
    "women",
    "ethnic_minority",
    "religious",
    "upper_secondary",
    "college_or_higher",
    "youth_union",
    "business_owner",
]
GROUP_PREFIX = {
    "sex": "sex:",
    "general_education": "ge:",
    "professional": "pro:",
    "political_theory": "pt:",
    "occupation": "occ:",
}


def from_counts(unit: OrgUnit, day: dt.date) -> Counted:
    """The same, read from the precomputed counts of a superior committee."""
    cutoff = stats.youth_cutoff(day, YOUTH_MAX_AGE)
    c = stats.counts(unit, day, cutoff, AGE_BANDS)
    figures = {"members": c.get("members", 0), **{k: c.get(k, 0) for k in FLAG_KEYS}}
    figures["youth"] = stats.born_after(c, cutoff)
    groups: dict[str, dict[str, int]] = {name: {} for name in GROUPED}
    coded: dict[str, dict[str, int]] = {"eth:": {}, "rel:": {}}
    for key, n in c.items():
        for name, prefix in GROUP_PREFIX.items():
            if key.startswith(prefix):
                groups[name][key[len(prefix) :]] = n
        for prefix, found in coded.items():
            if key.startswith(prefix):
                found[key[len(prefix) :]] = n
    eth_names = dict(Ethnicity.objects.filter(code__in=coded["eth:"]).values_list("code", "name"))
    rel_names = dict(Religion.objects.filter(code__in=coded["rel:"]).values_list("code", "name"))
    return (
        figures,
        stats.age_summary(c, day, AGE_BANDS),
        groups,
        [(code, eth_names.get(code, code), n) for code, n in coded["eth:"].items()],
        [(code, rel_names.get(code, code), n) for code, n in coded["rel:"].items()],
    )


BREAKDOWN_TITLES = {
    "sex": _("Sex"),
    "age": _("Age bands"),
    "ethnicity": _("Ethnicity"),
    "religion": _("Religion"),
    "general_education": _("General education"),
    "professional": _("Professional qualification"),
    "political_theory": _("Political theory"),
    "occupation": _("Occupation"),
}


# The per-organisation table: counts and shares of `members` per grassroots organisation.
ORG_KEYS = [
    ("women", _("Women")),
    ("ethnic_minority", _("Ethnic minorities")),
    ("youth", _("Youth age (≤ 30)")),
    ("upper_secondary", _("Upper secondary education (12/12)")),
    ("college_or_higher", _("College or higher qualification")),
]


@dataclass
class OrgRow:
    code: str  # "" for the members outside any grassroots organisation
    name: str
    members: int
    figures: dict[str, int | None]  # None: withheld (`withheld_rows`)
    pct: dict[str, float | None]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "members": self.members,
            **self.figures,
            "pct": self.pct,
        }


def carried_over(earlier: list["OrgRow"], day: dt.date) -> dict[str, int]:
    """The members of the rows of an earlier date by the organisation that holds them on
    `day`: an organisation closed since counts under the one that succeeded it (the 2025
    reform gave the city's organisations new codes; compared to 2017, every row read 0)."""
    holder = holders_on({row.code for row in earlier}, day)
    out: dict[str, int] = {}
    for row in earlier:
        out[holder[row.code]] = out.get(holder[row.code], 0) + row.members
    return out


def grassroots_rows(unit: OrgUnit, day: dt.date) -> list[OrgRow]:
    """One row per grassroots organisation of `unit`'s subtree on `day`, in tree order.

    One GROUP BY over the members' stints by the unit they are in; each unit is then
    mapped to its outermost grassroots ancestor by path prefix (the paths are
    materialised `CODE/CODE/…/`). When `unit` lies below a grassroots organisation the
    table has that organisation's row, counting `unit`'s members only. Members in no
    grassroots organisation get a row of their own (code ""), so the rows always add
    up to the unit's total.
    """
    orgs = list(
        OrgUnit.objects.subtree(unit, on=day)
        .filter(kind__in=OrgUnit.GRASSROOTS_KINDS)
        .order_by("path")
        .values_list("path", "code", "name")
    )
    if not orgs and not unit.is_grassroots:
        top = unit.grassroots()
        if top is not None:
            orgs = [(top.path, top.code, top.name)]
    keys = [k for k, _label in ORG_KEYS]
    exprs = headline_counts(day)
    counts = (
        member_stints(unit, day)
        .values("unit__path")
        .annotate(members=exprs["members"], **{k: exprs[k] for k in keys})
        .order_by()
    )
    sums: dict[str, dict[str, int]] = {}
    for r in counts:
        path = r["unit__path"]
        owner = next((p for p, _c, _n in orgs if path.startswith(p)), "")
        acc = sums.setdefault(owner, dict.fromkeys(["members", *keys], 0))
        for k in acc:
            acc[k] += r[k]
    rows = []
    for p, code, name in [*orgs, ("", "", str(_("Not in a grassroots organisation")))]:
        if p == "" and p not in sums:
            continue
        got = sums.get(p) or dict.fromkeys(["members", *keys], 0)
        n = got["members"]
        figures: dict[str, int | None] = {k: got[k] for k in keys}
        pct: dict[str, float | None] = {k: percent(got[k], n) for k in keys}
        rows.append(OrgRow(code, name, n, figures, pct))
    return rows


@dataclass
class Compared:
    """One figure on two dates: `a` the earlier, `b` the later, and the change b − a."""

    key: str
    label: str
    a: int
    pct_a: float | None
    b: int
    pct_b: float | None

    @property
    def change(self) -> int:
        return self.b - self.a

    @property
    def pct_change(self) -> float | None:
        if self.pct_a is None or self.pct_b is None:
            return None
        return round(self.pct_b - self.pct_a, 2)


def compare_headline(a: Structure, b: Structure) -> list[Compared]:
    rows = [
        Compared(
            "members", str(_("Members")), a.figures["members"], None, b.figures["members"], None
        )
    ]
    for key, label in HEADLINE:
        if key in a.figures and key in b.figures:  # (not a figure `withheld`)
            rows.append(
                Compared(key, str(label), a.figures[key], a.pct[key], b.figures[key], b.pct[key])
            )
    for key, label in (("grassroots_orgs", _("Grassroots organisations")), ("cells", _("Cells"))):
        rows.append(Compared(key, str(label), a.figures[key], None, b.figures[key], None))
    return rows


def compare_rows(a: list[Row], b: list[Row]) -> list[Compared]:
    """A breakdown on two dates, matched by key (a value absent on one date counts 0)."""
    by_a = {r.key: r for r in a}
    by_b = {r.key: r for r in b}
    keys = [r.key for r in b] + [r.key for r in a if r.key not in by_b]
    out = []
    for k in keys:
        ra, rb = by_a.get(k), by_b.get(k)
        label = str((rb or ra).label)  # type: ignore[union-attr]
        out.append(
            Compared(
                k,
                label,
                ra.count if ra else 0,
                ra.pct if ra else 0.0,
                rb.count if rb else 0,
                rb.pct if rb else 0.0,
            )
        )
    return out
