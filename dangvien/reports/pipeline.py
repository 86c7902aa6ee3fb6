"""The pipeline's pace in a period: median working days between the funnel's steps and
the legal deadlines missed (steps taken later than the charter's time allows).

Working days are those of `dangvien.rules.calendar` with the days off and worked days an
administrator recorded (`admission.CalendarDay`), as for every deadline of the app.
Voided dossier events (`voided_at` set) count nowhere.

A pair of steps is timed for a candidate when the later step was taken in the period:
from the last earlier step on or before it (a cell that voted twice: the vote that
stood) to the first later step. A deadline is missed in the period when its step was
taken in the period after the due day:

- the admission decision, within 60 working days of the cell resolution (90 when the
  decision records the one extension, or an exception to `deadline.decision` was
  approved), counted from the latest resolution on or before the decision;
- the ceremony, within 30 working days of the day the decision was received (of its
  signing when the receipt is not recorded);
- the cell's review for full membership, within 30 working days of the end of probation;
- the confirmation decision, within 30 working days of the cell's review resolution
  (60 with the extension).

The legal times are those of the rule set in force on the day the clock started.
"""

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from dangvien.core.civil import add_months
from dangvien.rules import rulesets
from dangvien.rules.calendar import is_working_day

# The deadlines, in order: key, the Vietnamese name of the late step, the step itself.
DEADLINES = [
    ("decision", "Quyết định kết nạp chậm so với nghị quyết chi bộ", "DECISION"),
    ("ceremony", "Lễ kết nạp chậm so với ngày nhận quyết định", "CEREMONY"),
    (
        "confirmation_review",
        "Chi bộ xét công nhận chính thức chậm sau khi hết dự bị",
        "CONFIRMATION_CELL_VOTE",
    ),
    (
        "confirmation_decision",
        "Quyết định công nhận chính thức chậm so với nghị quyết chi bộ",
        "CONFIRMATION_DECISION",
    ),
]
# The steps that close a dossier: no deadline runs after them.
EXITS = ("WITHDRAWN", "REJECTED", "STRUCK_OFF")
# How far back a clock that runs out in the period can have started: the longest is the
# confirmation review's, twelve months of probation and 30 working days after the
# ceremony (with room for an extension).
CLOCK_REACH = dt.timedelta(days=500)
# Every kind the timing and the deadlines read.
KINDS = {
    "LISTED",
    "COURSE_CERTIFICATE",
    "APPLICATION",
    "CELL_VOTE",
    "DECISION",
    "CEREMONY",
    "CONFIRMATION_CELL_VOTE",
    "CONFIRMATION_DECISION",
    "EXCEPTION",
    "CARD_ISSUED",
    *EXITS,
}
# The steps of the deadlines in their order, and the card: a later one recorded means the
# earlier was taken (a dossier entered late may hold the decision without the vote).
IN_ORDER = [kind for _key, _name, kind in DEADLINES] + ["CARD_ISSUED"]


class Days:
    """`rules.calendar`'s working-day arithmetic over a span of dates, each day asked of
    the calendar once (a city's year has thousands of dossiers, each spanning months)."""

    def __init__(self, overrides: dict[dt.date, bool], first: dt.date, last: dt.date):
        self.overrides, self.first = overrides, first
        self.counts: list[int] = []  # working days after `first` up to each day
        self.extend(last)

    def extend(self, last: dt.date) -> None:
        n = self.counts[-1] if self.counts else 0
        day = self.first + dt.timedelta(days=len(self.counts))
        while day <= last:
            if self.counts:
                n += is_working_day(day, self.overrides)
            self.counts.append(n)
            day += dt.timedelta(days=1)

    def index(self, day: dt.date) -> int:
        if day < self.first:  # counted again from an earlier day
            last = self.first + dt.timedelta(days=len(self.counts) - 1)
            self.first, self.counts = day - dt.timedelta(days=400), []
            self.extend(last)
        i = (day - self.first).days
        if i >= len(self.counts):
            self.extend(day + dt.timedelta(days=400))
        return i

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 if end ≤ start)."""
        if end <= start:
            return 0
        i = self.index(start)  # first: an earlier day re-bases the counts
        j = self.index(end)  # then only extends them
        return self.counts[j] - self.counts[i]

    def add(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start`."""
        base = self.counts[self.index(start)]
        while True:
            i = bisect.bisect_left(self.counts, base + n)
            if i < len(self.counts):
                return self.first + dt.timedelta(days=i)
            self.extend(self.first + dt.timedelta(days=len(self.counts) + 400))


@dataclass
class Step:
    kind: str
    date: dt.date
    received_on: dt.date | None = None
    extended: bool = False
    rule: str = ""


@dataclass
class Late:
    candidate_id: int
    person: str
    cell: str
    due: dt.date
    on: dt.date
    late_by: int  # working days after the due day

    def as_json(self) -> dict:
        return {
            "candidate_id": self.candidate_id,
            "person": self.person,
            "cell": self.cell,
            "due": self.due.isoformat(),
            "on": self.on.isoformat(),
            "late_working_days": self.late_by,
        }


def _last_before(steps: list[Step], kind: str, day: dt.date) -> Step | None:
    found = [s for s in steps if s.kind == kind and s.date <= day]
    return found[-1] if found else None


def _first(steps: list[Step], kind: str) -> Step | None:
    return next((s for s in steps if s.kind == kind), None)


def medians(
    dossiers: dict[int, list[Step]],
    order: list[str],
    start: dt.date,
    end: dt.date,
    days: Days,
) -> dict[str, tuple[float | None, int]]:
    """{later step: (median working days from the step before, how many timed)}."""
    spans: dict[str, list[int]] = defaultdict(list)
    for steps in dossiers.values():
        for before, after in zip(order, order[1:], strict=False):
            later = _first(steps, after)
            if later is None or not start <= later.date <= end:
                continue
            earlier = _last_before(steps, before, later.date)
            if earlier is None:
                continue
            spans[after].append(days.between(earlier.date, later.date))
    return {
        kind: (statistics.median(spans[kind]) if spans[kind] else None, len(spans[kind]))
        for kind in order[1:]
    }


def due_day(key: str, steps: list[Step], step: Step, days: Days) -> dt.date | None:
    """The legal due day of `step` (one of the DEADLINES' steps), or None without the
    step that starts its clock."""
    if key == "decision":
        vote = _last_before(steps, "CELL_VOTE", step.date)
        if vote is None:
            return None
        rs = rulesets.in_force_on(vote.date)
        extended = step.extended or any(
            s.kind == "EXCEPTION" and s.rule == "deadline.decision" for s in steps
        )
        n = rs.decision_working_days + (rs.decision_extension_working_days if extended else 0)
        return days.add(vote.date, n)
    if key == "ceremony":
        decision = _last_before(steps, "DECISION", step.date)
        if decision is None:
            return None
        rs = rulesets.in_force_on(decision.date)
        received = decision.received_on or decision.date
        return days.add(received, rs.ceremony_working_days)
    if key == "confirmation_review":
        ceremony = _last_before(steps, "CEREMONY", step.date)
        if ceremony is None:
            return None
        rs = rulesets.in_force_on(ceremony.date)
        probation_end = add_months(ceremony.date, rs.probation_months)
        return days.add(probation_end, rs.confirmation_review_working_days)
    vote = _last_before(steps, "CONFIRMATION_CELL_VOTE", step.date)
    if vote is None:
        return None
    rs = rulesets.in_force_on(vote.date)
    n = rs.confirmation_decision_working_days + (
        rs.confirmation_extension_working_days if step.extended else 0
    )
    return days.add(vote.date, n)


def missed(
    dossiers: dict[int, list[Step]],
    who: dict[int, tuple[str, str]],
    start: dt.date,
    end: dt.date,
    days: Days,
) -> list[dict]:
    """For each deadline: the steps taken in the period, those taken late, and who; and
    the dossiers whose deadline ran out in the period with the step still not taken at its
    end (`open`: the alerts page lists them today), closed dossiers left out."""
    out = []
    for key, name, kind in DEADLINES:
        taken, late, still = 0, [], 0
        for cid, steps in dossiers.items():
            step = _first(steps, kind)
            if step is None or step.date > end:
                later = IN_ORDER[IN_ORDER.index(kind) + 1 :]
                done = any(s.kind in later and s.date <= end for s in steps)
                due = due_day(key, steps, Step(kind, end), days)
                closed = any(s.kind in EXITS and due and s.date <= due for s in steps)
                if due is not None and start <= due < end and not (closed or done):
                    still += 1
                continue
            if not start <= step.date <= end:
                continue
            due = due_day(key, steps, step, days)
            if due is None:
                continue
            taken += 1
            if step.date > due:
                person, cell = who[cid]
                late.append(
                    Late(
                        cid,
                        person,
                        cell,
                        due,
                        step.date,
                        days.between(due, step.date),
                    )
                )
        late.sort(key=lambda x: (-x.late_by, x.person))
        out.append(
            {
                "deadline": key,
                "name": name,
                "taken": taken,
                "late": len(late),
                "pct": round(100 * len(late) / taken, 1) if taken else None,
                "open": still,
                "items": [x.as_json() for x in late],
            }
        )
    return out


def pace(paths: list[str], start: dt.date, end: dt.date, order: list[str]):
    """(medians, deadlines missed) of the candidates of the units under `paths`."""
    from dangvien.accounts.scoping import prefix_q
    from dangvien.admission.models import CalendarDay, Event

    live = Event.objects.filter(voided_at__isnull=True, kind__in=KINDS)
    ours = live.filter(prefix_q("candidate__cell__path", paths))
    # The dossiers with a step in the period, and those whose clock may run out in it.
    active = ours.filter(date__range=(start - CLOCK_REACH, end)).values("candidate")
    dossiers: dict[int, list[Step]] = defaultdict(list)
    who: dict[int, tuple[str, str]] = {}
    rows = (
        ours.filter(candidate__in=active)
        .order_by("candidate", "date", "pk")
        .values_list(
            "candidate",
            "kind",
            "date",
            "received_on",
            "extended",
            "rule",
            "candidate__person__full_name",
            "candidate__cell__name",
        )
    )
    for cid, kind, date, received, extended, rule, person, cell in rows:
        dossiers[cid].append(Step(kind, date, received, extended, rule))
        who[cid] = (person, cell)
    first = min((s.date for steps in dossiers.values() for s in steps), default=start)
    days = Days(CalendarDay.overrides(), min(first, start), end + dt.timedelta(days=200))
    return medians(dossiers, order, start, end, days), missed(dossiers, who, start, end, days)
