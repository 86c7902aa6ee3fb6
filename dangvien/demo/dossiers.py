"""The admission dossiers of the demo's recent admissions.

The simulation admits its members directly (their memberships and stints are written in
bulk), so without this step every admission of the demo would show in the development
report as "Không có hồ sơ trong hệ thống". The organisation is taken to have kept its
dossiers in `dangvien` from `BACKFILL_FROM` (1 January of the year before the demo's
day): for each membership decided since then, a dossier is recorded backwards from the
simulated decision, step by step through `services.record`, so the rule checks of the
day judge every step, then linked to the membership that the simulation wrote:

- the steps before the decision go through `services.record` (a step the rules refuse
  rolls the whole dossier back: that admission stays without a dossier, and is counted);
- the ceremony, the party card and a strike-off are written as events of the dossier
  after the same rule check (`services.findings_for`), because their effect on the
  membership (`services.membership_effects`) is already in the simulated rows;
- the probation steps and the confirmation decision go through `services.record` too.

A member who moved to another cell (other than by a reorganisation) or left during
probation other than by being struck off keeps no dossier: the simulation does not say
where their dossier went.

Stated distributions: the days between steps (the same ranges as `candidates.py`, drawn
backwards from the decision; squeezed in proportion where the cell was founded too
recently for them) and the tags drawn by `CandidateGenerator.tags`.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from dangvien.admission import services
from dangvien.admission.models import Candidate, Event, Stage
from dangvien.admission.services import Step, TransitionError
from dangvien.core.civil import add_months, add_years
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.orgs.models import OrgUnit
from dangvien.records.models import ExitDecision, PartyCard
from dangvien.rules import rulesets
from dangvien.rules.checks import BLOCKING

from .candidates import CandidateGenerator, youth_age

K = Event.Kind
SHORTEST = 60  # days from listing to decision below which a dossier is not made up
SETTLED = 60  # days after the probation's end in which the member neither moves nor leaves


class Skip(Exception):
    """This admission keeps no dossier; the message says why (for the count)."""


@dataclass
class Backfill:
    made: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def backfill_from(day: dt.date) -> dt.date:
    """The first day whose admissions have their dossier: 1 January of the year before
    `day`, so this year's and last year's development reports are whole."""
    return dt.date(day.year - 1, 1, 1)


def record_dossiers(gen: CandidateGenerator, since: dt.date) -> Backfill:
    """A dossier for every membership decided from `since` to `gen.day`."""
    out = Backfill()
    memberships = (
        Membership.objects.filter(decision_on__gte=since, decision_on__lte=gen.day)
        .select_related("person__ethnicity", "person__religion")
        .order_by("decision_on", "pk")
    )
    units = {u.pk: u for u in OrgUnit.objects.select_related("parent")}
    earlier: dict[int, list[int]] = {}
    for before, after in OrgUnit.successors.through.objects.values_list(
        "from_orgunit", "to_orgunit"
    ):
        earlier.setdefault(after, []).append(before)
    for m in memberships:
        try:
            with transaction.atomic():
                Dossier(gen, m, units, earlier).record()
            out.made += 1
        except Skip as why:
            out.skip(str(why))
    gen.log(
        _("Dossiers of the admissions since %(d)s: %(n)d (%(s)d without: %(why)s)")
        % {
            "d": since.strftime("%d/%m/%Y"),
            "n": out.made,
            "s": sum(out.skipped.values()),
            "why": "; ".join(f"{k} {v}" for k, v in sorted(out.skipped.items())) or "—",
        }
    )
    return out


class Dossier:
    def __init__(
        self, gen: CandidateGenerator, m: Membership, units: dict[int, OrgUnit], earlier
    ) -> None:
        self.gen, self.m, self.units, self.earlier = gen, m, units, earlier
        self.rng = gen.rng
        self.stints = sorted(gen.stints.of_membership.get(m.pk, []), key=lambda s: s.start_on)

    def gap(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def cell_on(self, cell: OrgUnit, day: dt.date) -> OrgUnit | None:
        """`cell` or the unit it was reorganised from that existed on `day`."""
        if cell.valid_from <= day and (cell.valid_to is None or day < cell.valid_to):
            return cell
        for pk in sorted(self.earlier.get(cell.pk, [])):
            found = self.cell_on(self.units[pk], day)
            if found and found.kind in (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL):
                return found
        return None

    # ----- the plan, backwards from the decision ---------------------------------------
    def plan(self, cell: OrgUnit) -> list[tuple[str, dict, int]]:
        """(kind, fields, days before the decision), earliest first."""
        steps: list[tuple[str, dict, int]] = []
        back = 0

        def add(kind: str, **fields) -> None:
            steps.append((kind, fields, back))

        add(K.DECISION, document_number=self.m.decision_number)
        back += self.gap(15, 45)
        if cell.kind == OrgUnit.Kind.CELL:
            committee = self.gap(7, 15)
            add(
                K.GRASSROOTS_VOTE,
                committee_members=committee,
                in_favour=self.rng.randint(-(-2 * committee // 3), committee),
            )
            back += self.gap(7, 25)
        if services.has_sub_committee(cell):
            add(K.SUB_COMMITTEE_APPRAISAL)
            back += self.gap(5, 15)
        add(K.CELL_VOTE)  # the counts are the cell's on the day, filled in later
        back += self.gap(10, 40)
        add(K.RESIDENCE_COMMENT)
        back += self.gap(5, 25)
        add(K.INTRODUCTION)  # the introducers are the cell's on the day
        back += self.gap(5, 20)
        answered = back
        back += self.gap(20, 60)
        for s in ("Bản thân", "Cha đẻ", "Mẹ đẻ"):
            steps.append((K.VERIFICATION_ANSWER, {"subject": s}, answered))
            steps.append((K.VERIFICATION_REQUEST, {"subject": s}, back))
        back += self.gap(5, 20)
        add(K.DECLARATION)
        add(K.APPLICATION)
        back += self.gap(10, 90)
        add(K.COURSE_CERTIFICATE, document_number="CN-" + str(self.rng.randint(100, 9999)))
        back += self.gap(20, 120)
        add(K.LISTED)
        steps.reverse()
        return steps

    def admitting_cell(self) -> OrgUnit:
        first = next((s for s in self.stints if s.reason_in == Stint.ReasonIn.ADMITTED), None)
        if first is None or first.start_on != self.m.ceremony_on:
            raise Skip(_("no admitting stint"))
        cell = self.cell_of(self.units[first.unit_id])
        if cell.kind not in (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL):
            raise Skip(_("admitted outside a cell"))
        return cell

    def record(self) -> None:
        m, gen = self.m, self.gen
        cell = self.admitting_cell()
        probation_end = add_months(m.ceremony_on, 12)
        if m.confirmed_on:
            stop = min(gen.day, probation_end + dt.timedelta(days=SETTLED))
        else:
            stop = min(gen.day, m.exit_on or gen.day)
        for s in self.stints[1:]:  # moves and exits during probation
            if s.start_on <= stop and s.reason_in != Stint.ReasonIn.REORGANISED:
                raise Skip(_("moved during probation"))
        if m.exit_on and m.exit_on <= stop and m.exit_reason != ExitReason.STRUCK_OFF:
            raise Skip(_("left during probation"))
        if Membership.objects.filter(person=m.person, ceremony_on__lt=m.ceremony_on).exists():
            raise Skip(_("admitted again"))
        steps = self.plan(cell)
        span = steps[0][2]
        first = self.cell_on(cell, m.decision_on - dt.timedelta(days=span))
        if first is None:  # a new cell: squeeze the steps into its life so far
            room = (m.decision_on - cell.valid_from).days
            if room < SHORTEST:
                raise Skip(_("cell too new"))
            steps = [(k, f, back * room // span) for k, f, back in steps]
            first = cell
        # Age is judged on the cell's vote: a member admitted just after turning 18 had
        # the vote and the committee's resolution on or after the birthday.
        minimum = rulesets.in_force_on(m.decision_on).age_min_years
        adult = (m.decision_on - add_years(m.person.birth_date, minimum)).days
        vote = next(back for kind, _f, back in steps if kind == K.CELL_VOTE)
        if vote > adult:
            if adult < 2:
                raise Skip(_("refused by the rules"))
            steps = [(k, f, back * adult // vote if back <= vote else back) for k, f, back in steps]
        listed = m.decision_on - dt.timedelta(days=steps[0][2])
        members = gen.full_members(first, listed)
        if not members:
            raise Skip(_("no full member to help"))
        helper = self.rng.choice(members).membership.person
        p = m.person
        try:
            # Where a young applicant is no Youth Union member, the organisation has no
            # Youth Union (it is required of a member in age where there is one).
            young = youth_age(p.birth_date, listed)
            c = gen.list_on(p, first, listed, helper, not young or p.youth_union_member)
        except TransitionError as e:
            raise Skip(_("not listed")) from e
        # Linked at once: the membership the simulation wrote is this dossier's outcome, not
        # an earlier membership the readmission rules would judge.
        c.membership = m
        Candidate.objects.filter(pk=c.pk).update(membership=m)
        for kind, fields, back in steps[1:]:
            day = m.decision_on - dt.timedelta(days=back)
            here = self.cell_on(cell, day) or cell
            if here.pk != c.cell_id:  # reorganised: the dossier follows, as a restructuring
                c.cell = here
                Candidate.objects.filter(pk=c.pk).update(cell=here)
            if kind == K.CELL_VOTE:
                full = len(gen.full_members(here, day)) or len(members)
                fields = {
                    "full_members": full,
                    "present": full,
                    "in_favour": self.rng.randint(-(-2 * full // 3), full),
                }
            if kind == K.INTRODUCTION:
                self.introduce(c, here, day)
                continue
            self.step(c, Step(kind, day, **fields))
        if m.ceremony_on > gen.day:
            return  # decided, the ceremony still to come: not yet a member
        self.ceremony(c)
        self.probation(c, self.unit_on(stop) or cell, probation_end)

    def introduce(self, c: Candidate, cell: OrgUnit, day: dt.date) -> None:
        gen = self.gen
        introducers = gen.introducers(c, gen.full_members(cell, day), day)
        needed = 2
        if c.youth_union_exists and youth_age(c.person.birth_date, day):
            self.step(c, Step(K.YOUTH_UNION_RESOLUTION, day, f"{self.rng.randint(1, 99)}-NQ/ĐTN"))
            needed = 1
        if len(introducers) < needed:
            raise Skip(_("too few introducers"))
        for s in introducers[:needed]:
            self.step(
                c,
                Step(
                    K.INTRODUCTION,
                    day,
                    introducer=s.membership.person,
                    worked_together_since=gen.together_since(s, c.person.birth_date),
                ),
            )

    def step(self, c: Candidate, step: Step) -> None:
        c.refresh_from_db(fields=["stage", "stage_since", "version"])
        try:
            by = self.gen.recorders.on(c.cell_id, step.date)
            services.record(c, step, by=by, version=c.version, today=self.gen.day)
        except TransitionError as e:  # Blocked among them
            raise Skip(_("refused by the rules")) from e

    def written(self, c: Candidate, step: Step, stage: str) -> None:
        """An event whose effect on the membership the simulation has written already,
        after the same rule check as `services.record`."""
        events = list(c.events.all())
        event = Event(
            candidate=c, recorded_by=self.gen.recorders.on(c.cell_id, step.date), **step.__dict__
        )
        _rs, found = services.findings_for(c, [*events, event], on=step.date)
        if any(f.severity == BLOCKING for f in found):
            raise Skip(_("refused by the rules"))
        event.save()
        c.stage, c.stage_since = stage, step.date
        c.version += 1
        c.save(update_fields=["stage", "stage_since", "version", "membership", "cell"])

    def ceremony(self, c: Candidate) -> None:
        c.membership = self.m
        self.written(c, Step(K.CEREMONY, self.m.ceremony_on), Stage.PROBATION)

    def unit_on(self, day: dt.date) -> OrgUnit | None:
        """The cell of the member's stint on `day` (a party group's cell)."""
        for s in self.stints:
            if s.start_on <= day and (s.end_on is None or day < s.end_on):
                return self.cell_of(self.units[s.unit_id])
        return None

    def cell_of(self, unit: OrgUnit) -> OrgUnit:
        if unit.kind == OrgUnit.Kind.PARTY_GROUP and unit.parent_id:
            return self.units[unit.parent_id]  # a party group's candidates are its cell's
        return unit

    def probation(self, c: Candidate, cell: OrgUnit, end: dt.date) -> None:
        """The steps after the ceremony, in `cell` (the admitting cell or the one it was
        reorganised into by the end of probation)."""
        m, gen = self.m, self.gen
        c.cell = cell
        if m.exit_on and m.exit_reason == ExitReason.STRUCK_OFF and m.exit_on <= gen.day:
            exit = ExitDecision.objects.filter(membership=m, on=m.exit_on).first()
            number = exit.document_number if exit else ""
            self.written(c, Step(K.STRUCK_OFF, m.exit_on, number), Stage.STRUCK_OFF)
            return
        if not m.confirmed_on or m.confirmed_on > gen.day:
            c.save(update_fields=["cell"])  # on probation today
            return
        card = PartyCard.objects.filter(membership=m, reason=PartyCard.Reason.FIRST).first()
        issued = card.issued_on if card else None
        limit = min(gen.day, issued or gen.day)
        kinds: list[tuple[str, int]] = [
            (K.SELF_REVIEW, self.gap(1, 6)),
            (K.HELPER_COMMENT, self.gap(0, 4)),
            (K.CONFIRMATION_RESIDENCE, self.gap(0, 4)),
            (K.CONFIRMATION_CELL_VOTE, self.gap(2, 8)),
        ]
        if services.has_sub_committee(c.cell):
            kinds.append((K.CONFIRMATION_SUB_COMMITTEE, self.gap(2, 6)))
        if c.cell.kind == OrgUnit.Kind.CELL:
            kinds.append((K.CONFIRMATION_GRASSROOTS_VOTE, self.gap(3, 10)))
        kinds.append((K.CONFIRMATION_DECISION, self.gap(3, 10)))
        total = sum(g for _k, g in kinds)
        room = (limit - end).days
        day, offset = end, 0
        Candidate.objects.filter(pk=c.pk).update(cell=c.cell)
        for kind, g in kinds:
            offset += g
            day = end + dt.timedelta(days=offset * room // total if total > room else offset)
            fields: dict = {}
            if kind == K.HELPER_COMMENT:
                fields["introducer"] = c.helper
            elif kind == K.CONFIRMATION_CELL_VOTE:
                full = len(gen.full_members(c.cell, day)) or 1
                fields = {
                    "full_members": full,
                    "present": full,
                    "in_favour": self.rng.randint(-(-2 * full // 3), full),
                }
            elif kind == K.CONFIRMATION_GRASSROOTS_VOTE:
                committee = self.gap(7, 15)
                fields = {
                    "committee_members": committee,
                    "in_favour": self.rng.randint(-(-2 * committee // 3), committee),
                }
            elif kind == K.CONFIRMATION_DECISION:
                fields["document_number"] = f"{self.rng.randint(100, 2999)}-QĐ/TU"
            self.step(c, Step(kind, day, **fields))
        if card and issued and issued <= gen.day:
            c.refresh_from_db()
            self.written(c, Step(K.CARD_ISSUED, issued, card_number=card.number), Stage.CARD_ISSUED)
