"""Next deadlines and alerts of candidates, computed from their events on a date."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from dangvien.core.civil import add_months, add_years
from dangvien.membership.models import Stint
from dangvien.rules import rulesets
from dangvien.rules.calendar import add_working_days as working_days

from .models import CalendarDay, Candidate, Event, Stage

K = Event.Kind
SOON_DAYS = 30  # an alert warns this many calendar days ahead


@dataclass
class Deadline:
    label: str
    due: dt.date


@dataclass
class Alert:
    candidate: Candidate
    kind: str
    message: str
    due: dt.date | None
    overdue: bool

    def as_dict(self) -> dict:
        return {
            "candidate_id": self.candidate.pk,
            "person": self.candidate.person.full_name,
            "cell": self.candidate.cell.code,
            "kind": self.kind,
            "message": self.message,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue,
        }


@dataclass
class Named:
    full_name: str


@dataclass
class Step:
    """The fields of an `Event` the deadlines and alerts read: what `alerts` loads for a
    whole subtree's candidates instead of building every event as a model instance."""

    kind: str
    date: dt.date
    extended: bool
    rule: str
    received_on: dt.date | None
    introducer_id: int | None
    introducer: Named | None


# The kinds of step the deadlines and alerts look at.
READ_KINDS = [
    K.CELL_VOTE,
    K.DECISION,
    K.EXCEPTION,
    K.CEREMONY,
    K.CONFIRMATION_CELL_VOTE,
    K.COURSE_CERTIFICATE,
    K.INTRODUCTION,
]

Ev = Event | Step


def _last(events: Sequence[Ev], kind: str) -> Ev | None:
    found = [e for e in events if e.kind == kind]
    return found[-1] if found else None


def next_deadline(c: Candidate, events: Sequence[Ev]) -> Deadline | None:
    """The legal deadline the candidate's current stage runs against (the days off and
    worked days an administrator recorded included)."""
    days_off = CalendarDay.overrides()

    def add_working_days(start: dt.date, n: int) -> dt.date:
        return working_days(start, n, days_off)

    if c.stage in (Stage.CELL_VOTED, Stage.SUB_COMMITTEE, Stage.GRASSROOTS_VOTED):
        vote = _last(events, K.CELL_VOTE)
        if vote is None:
            return None
        rs = rulesets.in_force_on(vote.date)
        decision = _last(events, K.DECISION)
        extended = bool(decision and decision.extended) or any(
            e.kind == K.EXCEPTION and e.rule == "deadline.decision" for e in events
        )
        days = rs.decision_working_days + (rs.decision_extension_working_days if extended else 0)
        return Deadline(_("Admission decision due"), add_working_days(vote.date, days))
    if c.stage == Stage.DECIDED:
        decision = _last(events, K.DECISION)
        if decision is None:
            return None
        rs = rulesets.in_force_on(decision.date)
        received = decision.received_on or decision.date
        return Deadline(
            _("Admission ceremony due"), add_working_days(received, rs.ceremony_working_days)
        )
    if c.stage in (Stage.CEREMONY_HELD, Stage.PROBATION):
        ceremony = _last(events, K.CEREMONY)
        if ceremony is None:
            return None
        rs = rulesets.in_force_on(ceremony.date)
        vote = _last(events, K.CONFIRMATION_CELL_VOTE)
        if vote:
            return Deadline(
                _("Confirmation decision due"),
                add_working_days(vote.date, rs.confirmation_decision_working_days),
            )
        end = add_months(ceremony.date, rs.probation_months)
        return Deadline(
            _("Confirmation review by the cell due"),
            add_working_days(end, rs.confirmation_review_working_days),
        )
    return None


def alerts_for(
    c: Candidate,
    events: Sequence[Ev],
    day: dt.date,
    introducer_units: dict[int, list[str]] | None = None,
) -> list[Alert]:
    """Alerts of one candidate; `introducer_units` maps an introducer to the paths of
    the units they are in on `day` (looked up when not given)."""
    out: list[Alert] = []
    soon = day + dt.timedelta(days=SOON_DAYS)
    deadline = next_deadline(c, events)
    if deadline and deadline.due <= soon:
        out.append(
            Alert(
                c,
                "deadline",
                f"{deadline.label}: {deadline.due:%d/%m/%Y}",
                deadline.due,
                deadline.due < day,
            )
        )
    if c.stage in (Stage.CEREMONY_HELD, Stage.PROBATION):
        return out
    rs = rulesets.in_force_on(day)
    course = _last(events, K.COURSE_CERTIFICATE)
    if course and c.stage not in (Stage.DECIDED,):
        expires = add_months(course.date, rs.course_validity_months)
        if expires <= soon and not _last(events, K.CELL_VOTE):
            out.append(
                Alert(
                    c,
                    "course_expiring",
                    _("Course certificate expires on %(d)s") % {"d": expires.strftime("%d/%m/%Y")},
                    expires,
                    expires < day,
                )
            )
    born = c.person.birth_date
    adult = add_years(born, rs.age_min_years)
    if day < adult <= soon:
        out.append(
            Alert(
                c,
                "turning_18",
                _("Turns %(n)d on %(d)s")
                % {"n": rs.age_min_years, "d": adult.strftime("%d/%m/%Y")},
                adult,
                False,
            )
        )
    # Over the limit from 60 years and 1 month (counted in months): warn a year before.
    limit = add_months(born, rs.age_max_years * 12 + 1)
    if day >= add_years(born, rs.age_max_years - 1) and not _last(events, K.CELL_VOTE):
        out.append(
            Alert(
                c,
                "near_60",
                _("Over %(n)d from %(d)s: the cell must vote before")
                % {"n": rs.age_max_years, "d": limit.strftime("%d/%m/%Y")},
                limit,
                limit <= day,
            )
        )
    if not _last(events, K.DECISION):
        intros = [
            (e.introducer, e.introducer_id)
            for e in events
            if e.kind == K.INTRODUCTION and e.introducer and e.introducer_id
        ]
        if introducer_units is None:
            introducer_units = units_of([pid for _p, pid in intros], day)
        for introducer, pid in intros:
            paths = introducer_units.get(pid, [])
            if not any(p.startswith(c.cell.path) for p in paths):
                out.append(
                    Alert(
                        c,
                        "introducer_left",
                        _("Introducer %(name)s is no longer in the cell")
                        % {"name": introducer.full_name},
                        None,
                        True,
                    )
                )
    return out


def units_of(person_ids: list[int], day: dt.date) -> dict[int, list[str]]:
    """Paths of the units each person is a member in on `day` (one query)."""
    out: dict[int, list[str]] = {}
    rows = Stint.objects.members_on(day).filter(membership__person__in=person_ids)
    for pid, path in rows.values_list("membership__person_id", "unit__path"):
        out.setdefault(pid, []).append(path)
    return out


def alerts(candidates, day: dt.date) -> list[Alert]:
    """Alerts of active candidates on `day`, most urgent first."""
    found: list[Alert] = []
    active = candidates.active()
    qs = list(active.select_related("person", "cell"))
    # The live events (the default manager) of the kinds read, with their introducers'
    # names, in one query and in each dossier's order.
    events: dict[int, list[Ev]] = defaultdict(list)
    rows = (
        Event.objects.filter(candidate__in=active.values("pk"), kind__in=READ_KINDS)
        .order_by("candidate_id", "date", "pk")
        .values_list(
            "candidate_id",
            "kind",
            "date",
            "extended",
            "rule",
            "received_on",
            "introducer_id",
            F("introducer__full_name"),
        )
    )
    for cid, kind, date, extended, rule, received, intro_id, intro_name in rows:
        introducer = Named(intro_name) if intro_id else None
        events[cid].append(Step(kind, date, extended, rule, received, intro_id, introducer))
    introducers = [
        e.introducer_id
        for c in qs
        for e in events[c.pk]
        if e.kind == K.INTRODUCTION and e.introducer_id
    ]
    units = units_of(introducers, day)
    for c in qs:
        found.extend(alerts_for(c, events[c.pk], day, units))
    return sorted(found, key=lambda a: (not a.overdue, a.due or day))
