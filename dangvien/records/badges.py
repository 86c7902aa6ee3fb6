"""Party badges (Huy hiệu Đảng): party age, who reaches a badge by an award day, and the
record of a badge awarded.

What the regulations say (read again for this module in public sources quoting them):

- Party age: Điều lệ Đảng, Điều 5 khoản 4 — a full member's party age counts from the date
  in the admission decision, minus the time not taking part in party activity. Hướng dẫn
  01-HD/TW (28/09/2021), điểm 5.3: from the day the competent committee signed the
  admission decision (the day of joining on the card when the decision is lost); the time
  outside is the time expelled, struck off, out of contact or interrupted by a transfer;
  a readmitted member counts from the first admission decision minus the time outside
  the Party (earlier: Quy định 45-QĐ/TW, 01/11/2011, điểm 11.2a, in the same words).
- Badges: Quy định 24-QĐ/TW (30/07/2021), điểm 27 and Hướng dẫn 01-HD/TW (28/09/2021),
  điểm 18: members with 30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85 and 90 years of
  party age are considered for a badge; it is handed over on the anniversaries 3/2, 19/5,
  2/9 and 7/11 (other important occasions by the provincial standing committee's leave).
  Early awards (severe illness, up to 12 months; 24 months from 70 years; posthumous,
  12 months) and the members under discipline are decisions the software leaves to the
  committee: it lists who has reached a badge, and records only a badge reached.
- The committee's list: Mẫu 4-HHĐ "Danh sách đảng viên đề nghị tặng Huy hiệu Đảng"
  (Hướng dẫn 12-HD/BTCTW, 17/05/2012, kept by the 2022 guidance, mục III.1).

Here the time outside is the gap between leaving and being readmitted (from the exit to
the new admission decision), and the periods out of contact recorded within a membership
(`OutOfContact`): Quy định 24-QĐ/TW (30/07/2021), điểm 4.5.1 (as 29-QĐ/TW, 25/07/2016,
tiết 4.5a before it) — "thời gian không tham gia sinh hoạt đảng là: thời gian bị khai
trừ …, thời gian bị xoá tên, thời gian mất liên lạc với tổ chức đảng và thời gian gián
đoạn do chuyển sinh hoạt đảng". A transfer out of the system is not a gap (the member
stays in the Party elsewhere). The interruption of a transfer within the system (the
days in transit) is not subtracted yet.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangvien.core.civil import add_years, years_between
from dangvien.core.errors import InvalidField
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person

from .cards import check_scope, day_text, today, unit_of
from .models import Badge

YEARS = Badge.YEARS
# (month, day) of the four anniversaries on which badges are handed over.
AWARD_DAYS = ((2, 3), (5, 19), (9, 2), (11, 7))


def award_days(year: int) -> list[dt.date]:
    return [dt.date(year, m, d) for m, d in AWARD_DAYS]


def next_award_day(day: dt.date) -> dt.date:
    """The first award day on or after `day`."""
    for d in [*award_days(day.year), *award_days(day.year + 1)]:
        if d >= day:
            return d
    raise AssertionError("unreachable")


Period = tuple[dt.date, dt.date | None]  # [start, end); end None: still running


@dataclass(frozen=True)
class Span:
    """One membership as party age sees it, with its periods out of contact."""

    decision_on: dt.date
    exit_on: dt.date | None
    exit_reason: str = ""
    outs: tuple[Period, ...] = ()


def outs_by_membership(ids) -> dict[int, tuple[Period, ...]]:
    """The periods out of contact of these memberships (one query)."""
    from .models import OutOfContact

    found: dict[int, list[Period]] = defaultdict(list)
    for mid, start, end in OutOfContact.objects.filter(membership_id__in=list(ids)).values_list(
        "membership_id", "start_on", "end_on"
    ):
        found[mid].append((start, end))
    return {mid: tuple(sorted(p)) for mid, p in found.items()}


def spans_of(memberships) -> list[Span]:
    """The memberships as party age sees them (one query for their periods out of
    contact); the functions here take these as they take memberships, without a query."""
    return _spans(memberships)


def _spans(memberships) -> list[Span]:
    memberships = list(memberships)
    plain = [m for m in memberships if not isinstance(m, Span)]
    outs = outs_by_membership(m.pk for m in plain) if plain else {}
    spans = [
        m
        if isinstance(m, Span)
        else Span(m.decision_on, m.exit_on, m.exit_reason, outs.get(m.pk, ()))
        for m in memberships
    ]
    return sorted(spans, key=lambda s: s.decision_on)


def gaps_of(spans: list[Span]) -> list[Period]:
    """Every period not counted in party age, in order: between an exit and the next
    admission decision, and out of contact within a membership."""
    out: list[Period] = []
    for prev, nxt in zip(spans, spans[1:], strict=False):
        if prev.exit_on is None or prev.exit_reason == ExitReason.TRANSFER_OUT:
            continue
        out.append((prev.exit_on, nxt.decision_on))
    for s in spans:
        out.extend(s.outs)
    return sorted(out, key=lambda p: p[0])


def gap_days(memberships, until: dt.date | None = None) -> int:
    """Days outside the Party between memberships and out of contact within one (up to
    `until`; a period still running counts up to `until`, or to today without it)."""
    limit = until or dt.date.today()
    days = 0
    for start, end in gaps_of(_spans(memberships)):
        stop = min(end or limit, limit)
        days += max(0, (stop - start).days)
    return days


def reach_date(memberships, years: int) -> dt.date | None:
    """The day party age reaches `years`: first admission decision + years, pushed on by
    each gap that begins before it; None when the member left (for good), or is out of
    contact still, before that day."""
    return _reach(_spans(memberships), years)


def _reach(spans: list[Span], years: int) -> dt.date | None:
    if not spans:
        return None
    reached = add_years(spans[0].decision_on, years)
    for start, end in gaps_of(spans):
        if start >= reached:
            break
        if end is None:
            return None  # out of contact still: party age stands still
        reached += end - start
    last = spans[-1]
    if last.exit_on and last.exit_reason != ExitReason.TRANSFER_OUT and last.exit_on < reached:
        return None
    return reached


def party_age(memberships, on: dt.date) -> int:
    """Full years of party age on `on`."""
    spans = [s for s in _spans(memberships) if s.decision_on <= on]
    if not spans:
        return 0
    counted_until = on
    last = spans[-1]
    if last.exit_on and last.exit_on < on and last.exit_reason != ExitReason.TRANSFER_OUT:
        counted_until = last.exit_on
    effective = counted_until - dt.timedelta(days=gap_days(spans, counted_until))
    return max(0, years_between(spans[0].decision_on, effective))


def due_badge(memberships, awarded: set[int], on: dt.date) -> tuple[int, dt.date] | None:
    """The highest badge reached by `on` and above every badge already awarded."""
    spans = _spans(memberships)
    if not spans:
        return None
    above = max(awarded, default=0)
    for years in reversed(YEARS):
        if years <= above:
            return None
        reached = _reach(spans, years)
        if reached and reached <= on:
            return years, reached
    return None


@dataclass
class DueRow:
    person: Person
    membership: Membership
    unit: OrgUnit
    years: int
    reached_on: dt.date
    first_decision_on: dt.date
    age: int


def due_list(unit: OrgUnit, on: dt.date, people=None) -> list[DueRow]:
    """Full members active in `unit`'s subtree on the award day `on` who have reached a
    badge by then and not received it (nor a higher one); highest badges first."""
    stints = (
        Stint.objects.members_on(on)
        .in_subtree(unit)
        .filter(membership__confirmed_on__lte=on)
        .select_related("membership__person", "unit")
    )
    # Gaps only delay a badge: whoever was first admitted less than 30 years before
    # cannot have reached one (most members, left out in SQL).
    veterans = Membership.objects.filter(decision_on__lte=add_years(on, -YEARS[0]))
    stints = stints.filter(membership__person_id__in=veterans.values("person_id"))
    if people is not None:
        stints = stints.filter(membership__person__in=people)
    stints = list(stints)
    person_ids = {s.membership.person_id for s in stints}
    spans: dict[int, list[Span]] = defaultdict(list)
    found = list(
        Membership.objects.filter(person_id__in=person_ids).values_list(
            "pk", "person_id", "decision_on", "exit_on", "exit_reason"
        )
    )
    outs = outs_by_membership(r[0] for r in found)
    for mid, pid, decision, exit_on, reason in found:
        spans[pid].append(Span(decision, exit_on, reason, outs.get(mid, ())))
    awarded: dict[int, set[int]] = defaultdict(set)
    for pid, years in Badge.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "years"
    ):
        awarded[pid].add(years)
    rows = []
    for s in stints:
        pid = s.membership.person_id
        due = due_badge(spans[pid], awarded[pid], on)
        if due:
            rows.append(
                DueRow(
                    person=s.membership.person,
                    membership=s.membership,
                    unit=s.unit,
                    years=due[0],
                    reached_on=due[1],
                    first_decision_on=_spans(spans[pid])[0].decision_on,
                    age=party_age(spans[pid], on),
                )
            )
    rows.sort(key=lambda r: (-r.years, r.unit.path, r.person.sort_name))
    return rows


def award_badge(
    person: Person,
    *,
    years: int,
    awarded_on: dt.date | None,
    decision_number: str = "",
    note: str = "",
    by,
    now: dt.date | None = None,
) -> Badge:
    """Record a badge awarded; refused when the party age has not reached it on the award
    day, or when the person already has it."""
    now = now or today()
    memberships = list(Membership.objects.filter(person=person).order_by("decision_on"))
    if not memberships:
        raise InvalidField(
            "years", _("%(name)s is not a party member.") % {"name": person.full_name}
        )
    check_scope(by, unit_of(memberships[-1], now))  # the unit in charge now
    if years not in YEARS:
        raise InvalidField(
            "years",
            _("There is no %(n)s-year party badge (badges: %(list)s years).")
            % {"n": years, "list": ", ".join(str(y) for y in YEARS)},
        )
    if awarded_on is None:
        raise InvalidField("awarded_on", _("Enter the day the badge was awarded."))
    if awarded_on > now:
        raise InvalidField(
            "awarded_on",
            _("The award day %(d)s is in the future.") % {"d": day_text(awarded_on)},
        )
    reached = reach_date(memberships, years)
    if reached is None or reached > awarded_on:
        raise InvalidField(
            "years",
            _(
                "%(name)s had %(age)s years of party age on %(d)s: the %(n)s-year badge is "
                "not reached."
            )
            % {
                "name": person.full_name,
                "age": party_age(memberships, awarded_on),
                "d": day_text(awarded_on),
                "n": years,
            },
        )
    already = _("%(name)s has already been awarded the %(n)s-year badge.") % {
        "name": person.full_name,
        "n": years,
    }
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if Badge.objects.filter(person=person, years=years).exists():
            raise InvalidField("years", already)
        try:
            with transaction.atomic():
                return Badge.objects.create(
                    person=person,
                    years=years,
                    awarded_on=awarded_on,
                    decision_number=(decision_number or "").strip()[:60],
                    note=(note or "").strip(),
                )
        except IntegrityError:
            raise InvalidField("years", already) from None
