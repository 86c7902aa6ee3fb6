"""The development report (báo cáo phát triển đảng viên): admissions in a period.

Admissions are counted by the admission decision's date, in the unit where the member
was admitted (the stint that began with the ceremony), over the unit's whole subtree
and over the subtrees of every unit it succeeded: a ward formed by a merge in the middle
of a term reports the admissions of the wards it replaced before the merge, and the
report says so (`rolled_up`). Counts are SQL aggregates; only the per-organisation table
is folded in Python, over one row per admitting unit.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import gettext

from dangvien.accounts.scoping import prefix_q
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.orgs.models import OrgUnit, holders_on, with_predecessors
from dangvien.people.models import Occupation, Sex
from dangvien.reference.models import Ethnicity, Religion

from .pipeline import pace

# Age at admission, in the year of the decision: (label, lowest, highest).
AGE_BANDS = [("18–30", 0, 30), ("31–40", 31, 40), ("41–50", 41, 50), ("> 50", 51, 200)]
# The steps whose dates make the pipeline funnel, in order, with their Vietnamese names.
FUNNEL = [
    ("LISTED", "Vào danh sách nguồn"),
    ("COURSE_CERTIFICATE", "Học lớp bồi dưỡng nhận thức về Đảng"),
    ("APPLICATION", "Làm đơn xin vào Đảng"),
    ("CELL_VOTE", "Chi bộ xét, đề nghị kết nạp"),
    ("DECISION", "Có quyết định kết nạp"),
    ("CEREMONY", "Tổ chức lễ kết nạp"),
    ("CONFIRMATION_DECISION", "Công nhận đảng viên chính thức"),
]


@dataclass
class Development:
    unit: OrgUnit
    start: dt.date
    end: dt.date
    admitted: int = 0
    confirmed: int = 0
    struck_off: int = 0
    by_month: list[dict] = field(default_factory=list)
    by_org: list[dict] = field(default_factory=list)
    by_group: list[dict] = field(default_factory=list)
    by_sex: dict[str, int] = field(default_factory=dict)
    by_ethnicity: dict[str, int] = field(default_factory=dict)
    by_religion: dict[str, int] = field(default_factory=dict)
    by_age: dict[str, int] = field(default_factory=dict)
    by_occupation: dict[str, int] = field(default_factory=dict)
    funnel: list[dict] = field(default_factory=list)
    deadlines_missed: list[dict] = field(default_factory=list)
    rolled_up: list[dict] = field(default_factory=list)  # predecessors whose data is included
    withheld: bool = False  # no split by personal details (`for_viewer`)

    def as_json(self) -> dict:
        return {
            "unit": self.unit.code,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "admitted": self.admitted,
            "confirmed": self.confirmed,
            "struck_off": self.struck_off,
            "by_month": self.by_month,
            "by_org": self.by_org,
            "by_group": self.by_group,
            "by_sex": self.by_sex,
            "by_ethnicity": self.by_ethnicity,
            "by_religion": self.by_religion,
            "by_age": self.by_age,
            "by_occupation": self.by_occupation,
            "funnel": self.funnel,
            "deadlines_missed": self.deadlines_missed,
            "rolled_up": self.rolled_up,
        }


def for_viewer(user, r: Development) -> Development:
    """`r` as `user` may see it: for a role that sees names only, a period of fewer than
    `structure.SMALL_GROUP` admissions has no split by sex, ethnicity, religion or age
    and no priority group telling one (a single admission's would tell the new member's),
    as `structure.withheld` for the members."""
    from dangvien.accounts.scoping import personal_everywhere
    from dangvien.admission.models import PERSONAL_TAGS

    from .structure import SMALL_GROUP

    if user is None or r.admitted >= SMALL_GROUP or personal_everywhere(user, under=r.unit.path):
        return r
    r.by_sex, r.by_ethnicity, r.by_religion, r.by_age = {}, {}, {}, {}
    r.by_group = [g for g in r.by_group if g.get("code") not in PERSONAL_TAGS]
    r.withheld = True
    return r


def admissions(unit: OrgUnit, start: dt.date, end: dt.date):
    """The admitting stints (the one that began with the ceremony) whose decision falls in
    [start, end], in `unit`'s subtree and the subtrees of every unit it succeeded."""
    roots = OrgUnit.objects.filter(pk__in=with_predecessors({unit.pk}))
    where = prefix_q("unit__path", list(roots.values_list("path", flat=True)))
    return Stint.objects.filter(
        where,
        reason_in=Stint.ReasonIn.ADMITTED,
        membership__decision_on__range=(start, end),
    )


def admitted_count(
    unit: OrgUnit, start: dt.date, end: dt.date, precomputed: bool | None = None
) -> int:
    """Admissions decided in [start, end]: from the precomputed `admitted` totals where
    they cover `unit` (`precomputed=False` counts the memberships, as the check does)."""
    roots = counted_roots(unit) if precomputed is not False else None
    if roots is not None:
        before = start - dt.timedelta(days=1)
        totals = admitted_on(roots, [before, end])
        return totals[end] - totals[before]
    return admissions(unit, start, end).values("membership").distinct().count()


def counted_roots(unit: OrgUnit) -> list[int] | None:
    """The superior committees whose precomputed `admitted` totals add up to `unit`'s
    admissions: `unit` and every unit it succeeded, less those inside another of them
    (counted there already). None when one of them has no counts (it is not a superior
    committee, or the counts are not built): the memberships are counted instead."""
    from dangvien.stats import read as stats

    if not stats.covers(unit):
        return None
    roots = list(
        OrgUnit.objects.filter(pk__in=with_predecessors({unit.pk})).values_list(
            "pk", "path", "kind"
        )
    )
    outer = [r for r in roots if not any(o[1] != r[1] and r[1].startswith(o[1]) for o in roots)]
    if any(kind != OrgUnit.Kind.SUPERIOR for _pk, _path, kind in outer):
        return None
    return [pk for pk, _path, _kind in outer]


def admitted_on(roots: list[int], days: list[dt.date]) -> dict[dt.date, int]:
    """Admissions decided on or before each of `days`, summed over `roots`."""
    from dangvien.stats.series import on_days

    out = dict.fromkeys(days, 0)
    for pk in roots:
        for day, n in on_days(pk, "admitted", days).items():
            out[day] += n
    return out


def months_counted(roots: list[int], start: dt.date, end: dt.date) -> list[dict]:
    """`months_of` from the precomputed totals: each month's change of `admitted`."""
    spans = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        first = dt.date(y, m, 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        last = dt.date(y, m, 1) - dt.timedelta(days=1)
        spans.append((first, max(first, start) - dt.timedelta(days=1), min(last, end)))
    totals = admitted_on(roots, sorted({d for _f, a, b in spans for d in (a, b)}))
    return [
        {"month": first.strftime("%Y-%m"), "label": first.strftime("%m/%Y"), "admitted": n}
        for first, a, b in spans
        if (n := totals[b] - totals[a])
    ]


def development(unit: OrgUnit, start: dt.date, end: dt.date) -> Development:
    """Admissions, confirmations and strike-offs in [start, end] over `unit`'s history."""
    from dangvien.admission.models import Candidate, CandidateTag, Event, Tag

    result = Development(unit, start, end)
    ids = with_predecessors({unit.pk})
    roots = list(OrgUnit.objects.filter(pk__in=ids).order_by("path"))
    # `until` is the last day each predecessor existed (the day before it closed).
    result.rolled_up = [
        {
            "code": u.code,
            "name": u.name,
            "until": (u.valid_to - dt.timedelta(days=1)).isoformat() if u.valid_to else None,
        }
        for u in roots
        if u.pk != unit.pk
    ]
    where = prefix_q("unit__path", [u.path for u in roots])
    first = Stint.objects.filter(where, reason_in=Stint.ReasonIn.ADMITTED)
    admitted = first.filter(membership__decision_on__range=(start, end))
    # The period's admissions read once, from the decisions of the period (an index on
    # the date): the table per organisation counts these pairs, and on PostgreSQL the
    # breakdowns below read the memberships by id instead of each joining the subtree's
    # admissions again (T01 at 6M: 9.9 s → 7.1 s with the index, README "Coverage,
    # development and the dashboard's first visit at 6M").
    pairs = list(admitted.order_by().values_list("membership", "unit").distinct())
    admitted_ids = sorted({m for m, _u in pairs})
    if connection.vendor != "postgresql":  # (no array parameter: the subquery)
        memberships = Membership.objects.filter(pk__in=admitted.values("membership"))
    elif admitted_ids:
        memberships = Membership.objects.filter(pk__any=admitted_ids)
    else:
        memberships = Membership.objects.none()
    precomputed = counted_roots(unit)
    if precomputed is not None:  # the headline and the months from the precomputed totals
        result.by_month = months_counted(precomputed, start, end)
        result.admitted = sum(m["admitted"] for m in result.by_month)  # months are contiguous
    else:
        result.admitted = len(admitted_ids)
        result.by_month = months_of(memberships)
    ours = Membership.objects.filter(pk__in=first.values("membership"))
    result.confirmed = ours.filter(confirmed_on__range=(start, end)).count()
    result.struck_off = ours.filter(
        exit_on__range=(start, end), exit_reason=ExitReason.STRUCK_OFF
    ).count()
    result.by_org = by_organisation(Counter(u for _m, u in pairs), unit, end)
    tags = dict(
        CandidateTag.objects.filter(candidate__membership__in=memberships)
        .values_list("tag")
        .annotate(n=Count("candidate", distinct=True))
        .order_by()
    )
    with_dossier = Candidate.objects.filter(membership__in=memberships).count()
    result.by_group = [
        {"group": str(label), "code": value, "admitted": tags.get(value, 0)}
        for value, label in Tag.choices
        if tags.get(value)
    ] + [
        {
            "group": "Không có hồ sơ trong hệ thống",
            "code": "",
            "admitted": result.admitted - with_dossier,
        }
    ]
    # One grouped pass over the admitted memberships for every split by a person's
    # details (sex, occupation, ethnicity, religion, age band): a few hundred groups,
    # counted here (a query per figure read the admissions once per figure).
    sex: Counter[str] = Counter()
    occupation: Counter[str] = Counter()
    kinh = no_religion = 0
    bands = [0] * len(AGE_BANDS)
    sexes, occupations = dict(Sex.choices), dict(Occupation.choices)
    for s, o, eth, rel, age, n in (
        memberships.annotate(age=ExtractYear("decision_on") - ExtractYear("person__birth_date"))
        .values_list(
            "person__sex",
            "person__occupation",
            "person__ethnicity__code",
            "person__religion__code",
            "age",
        )
        .annotate(n=Count("id"))
        .order_by()
    ):
        sex[str(sexes.get(s, s or "—"))] += n
        occupation[str(occupations.get(o, o or "—"))] += n
        kinh += n if eth == Ethnicity.KINH else 0
        no_religion += n if rel == Religion.NONE else 0
        for i, (_label, low, high) in enumerate(AGE_BANDS):
            if age is not None and low <= age <= high:
                bands[i] += n
    result.by_sex, result.by_occupation = dict(sex), dict(occupation)
    result.by_ethnicity = {"Kinh": kinh, "Dân tộc thiểu số": result.admitted - kinh}
    result.by_religion = {"Không": no_religion, "Có tôn giáo": result.admitted - no_religion}
    result.by_age = {label: bands[i] for i, (label, _lo, _hi) in enumerate(AGE_BANDS)}
    # The pipeline: candidates of these units who took each step in the period (voided
    # steps left out), the median working days from the step before, deadlines missed.
    steps = Counter(
        dict(
            Event.objects.filter(
                prefix_q("candidate__cell__path", [u.path for u in roots]),
                date__range=(start, end),
                voided_at__isnull=True,
                kind__in=[k for k, _n in FUNNEL],
            )
            .values_list("kind")
            .annotate(n=Count("candidate", distinct=True))
            .order_by()
        )
    )
    timing, result.deadlines_missed = pace(
        [u.path for u in roots], start, end, [k for k, _n in FUNNEL]
    )
    # No share of the step before: the steps of a period are not one cohort (a step taken
    # this year may follow one taken last year), so a share read as a conversion rate went
    # over 100 %.
    for kind, name in FUNNEL:
        median, timed = timing.get(kind, (None, 0))
        result.funnel.append(
            {
                "step": kind,
                "name": name,
                "candidates": steps.get(kind, 0),
                "median_working_days": median,
                "timed": timed,
            }
        )
    return result


def months_of(memberships) -> list[dict]:
    """Admissions per month of the decision, in order."""
    return [
        {
            "month": row["m"].strftime("%Y-%m"),
            "label": row["m"].strftime("%m/%Y"),
            "admitted": row["n"],
        }
        for row in memberships.annotate(m=TruncMonth("decision_on"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by("m")
    ]


def admissions_by_month(
    unit: OrgUnit, start: dt.date, end: dt.date, precomputed: bool | None = None
) -> list[dict]:
    """`development(unit, start, end).by_month` alone (the dashboard's chart): from the
    precomputed totals where they cover `unit`."""
    roots = counted_roots(unit) if precomputed is not False else None
    if roots is not None:
        return months_counted(roots, start, end)
    admitted = admissions(unit, start, end)
    return months_of(Membership.objects.filter(pk__in=admitted.values("membership")))


def former_name(org: OrgUnit, successor: OrgUnit) -> str:
    """How a row names an organisation counted under its successor: its name, with its
    last day where the successor has the same name ("X (gồm cả X)" says nothing)."""
    if org.name != successor.name or org.valid_to is None:
        return org.name
    last = org.valid_to - dt.timedelta(days=1)
    return gettext("%(name)s until %(date)s") % {"name": org.name, "date": f"{last:%d/%m/%Y}"}


def by_organisation(per_unit: Counter[int], unit: OrgUnit, end: dt.date) -> list[dict]:
    """Admissions per grassroots organisation (`per_unit`: the admissions of each
    admitting unit), each old one counted under the one that succeeded it by `end` (one
    row per organisation, as the board compiles it)."""
    if not per_unit:
        return []
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=per_unit)}
    codes = {c for u in units.values() for c in u.path.strip("/").split("/")}
    everything = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    orgs = {}
    for pk in per_unit:
        chain = [everything[c] for c in units[pk].path.strip("/").split("/") if c in everything]
        orgs[pk] = next((u for u in chain if u.is_grassroots), units[pk])
    holder = holders_on({o.code for o in orgs.values()}, end)
    holders = {u.code: u for u in OrgUnit.objects.filter(code__in=set(holder.values()))}
    totals: Counter[str] = Counter()
    merged: dict[str, set[str]] = {}
    for pk, n in per_unit.items():
        org = orgs[pk]
        current = holders[holder[org.code]]
        totals[current.code] += n
        if current.code != org.code:
            merged.setdefault(current.code, set()).add(former_name(org, current))
    names = dict(OrgUnit.objects.filter(code__in=totals).values_list("code", "name"))
    return [
        {
            "code": code,
            "name": names.get(code, code),
            "admitted": n,
            "includes": sorted(merged.get(code, [])),
        }
        for code, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
