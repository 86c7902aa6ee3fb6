"""Candidates in the admission pipeline on a day (30 Nov 2017 for the article's source
lists, and the day the demo is generated), recorded step by step through the same
`services` a user goes through, so every demo dossier passes the rule checks.

Stated distributions: candidates per commune/ward committee and per other grassroots
organisation, the stage each candidate is heading for, and the days between steps.
Candidates stop before the ceremony, so the calibrated membership figures stay as they
are; a step the rules refuse is logged and the candidate stays where it is.
"""

import datetime as dt
import random
from collections.abc import Callable

from django.utils.translation import gettext as _

from dangvien.accounts.models import Role
from dangvien.admission import services
from dangvien.admission.models import Candidate, Event, Stage, Tag
from dangvien.admission.services import Step, TransitionError
from dangvien.core.civil import add_months, add_years, years_between
from dangvien.membership.models import Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import GeneralEducation, Occupation, Person, Professional, Sex
from dangvien.reference.models import Ethnicity, Religion
from dangvien.rules import rulesets

from .names import person_name

K = Event.Kind
CLOSED_NOTE = "Dữ liệu mẫu: hồ sơ năm 2017, diễn biến sau đó không được mô phỏng"
PER_COMMUNE = (5, 12)  # candidates per commune/ward committee (uniform)
PER_OTHER = (0, 3)  # per other grassroots organisation
LISTED_WITHIN = 900  # days before the day: when candidates were put on the list
PER_MERGED = (22, 32)  # per commune or ward formed by the 2025 reform (3–5 old ones each)
# The stage each candidate is heading for on 30/11/2017, with its weight.
TARGETS = [
    (Stage.LISTED, 24),
    (Stage.COURSE_DONE, 14),
    (Stage.APPLIED, 10),
    (Stage.VERIFYING, 10),
    (Stage.INTRODUCED, 8),
    (Stage.COMMENTED, 6),
    (Stage.CELL_VOTED, 9),
    (Stage.GRASSROOTS_VOTED, 6),
    (Stage.DECIDED, 6),
    (Stage.WITHDRAWN, 4),
    (Stage.REJECTED, 3),
]
EXTRA_TAGS = [
    Tag.MILITIA,
    Tag.COMMUNE_POLICE,
    Tag.TEACHER,
    Tag.HEALTH_WORKER,
    Tag.LOCALITY_HEAD,
    Tag.DISCHARGED_SOLDIER,
    Tag.ENLISTING,
    Tag.GRASSROOTS_OFFICIAL,
    Tag.PRIVATE_ENTERPRISE,
]


class Recorders:
    """Who records a demo dossier's steps: the demo officer whose role covers the cell on
    the step's day, the nearest first (a ward's officer before the organisation board);
    where no demo login covered the cell then (a commune of another district before the
    2025 reform), the organisation board, which keys in the records it takes over. Read
    after the demo's users are written."""

    KINDS = (Role.Kind.GRASSROOTS_OFFICER, Role.Kind.ORG_BOARD)

    def __init__(self) -> None:
        roles = Role.objects.filter(kind__in=self.KINDS).select_related("user", "unit")
        self.roles = sorted(roles, key=lambda r: -len(r.unit.path))
        board = [r.user for r in self.roles if r.kind == Role.Kind.ORG_BOARD]
        self.board = board[-1] if board else None
        self.paths: dict[int, str] = {}

    def on(self, cell_id: int, day: dt.date):
        if cell_id not in self.paths:
            self.paths[cell_id] = OrgUnit.objects.get(pk=cell_id).path
        path = self.paths[cell_id]
        here = (r.user for r in self.roles if path.startswith(r.unit.path) and r.holds_on(day))
        return next(here, self.board)


class CandidateGenerator:
    def __init__(
        self,
        seed: int,
        log: Callable[[str], None],
        day: dt.date,
        per_commune: tuple[int, int] = PER_COMMUNE,
        stints: "Stints | None" = None,
    ):
        self.day = day
        self.per_commune = per_commune
        self.made: list[Candidate] = []
        self.rng = random.Random(seed)
        self.log = log
        self.eth = {e.code: e for e in Ethnicity.objects.all()}
        self.rel = {r.code: r for r in Religion.objects.all()}
        self.blocked = 0
        self._stints = stints  # one read shared by the generators of one load
        self.recorders = Recorders()

    def run(self) -> int:
        rng = self.rng
        cells_by_grassroots: dict[int, list[OrgUnit]] = {}
        cells = (
            OrgUnit.objects.on(self.day)
            .filter(kind__in=[OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL])
            .select_related("parent")
        )
        grassroots = {
            u.path: u
            for u in OrgUnit.objects.on(self.day).filter(kind__in=OrgUnit.GRASSROOTS_KINDS)
        }
        for cell in cells:
            top = next((g for p, g in grassroots.items() if cell.path.startswith(p)), None)
            if top:
                cells_by_grassroots.setdefault(top.pk, []).append(cell)
        total = 0
        for g in sorted(grassroots.values(), key=lambda u: u.path):
            n = rng.randint(
                *(self.per_commune if g.category == OrgUnit.Category.COMMUNE_WARD else PER_OTHER)
            )
            own = [c for c in cells_by_grassroots.get(g.pk, []) if self.full_members(c)]
            for _i in range(n if own else 0):
                if self.candidate(rng.choice(own)):
                    total += 1
        self.log(
            _("Candidates in the pipeline: %(n)d (%(b)d steps refused)")
            % {"n": total, "b": self.blocked}
        )
        return total

    @property
    def stints(self) -> "Stints":
        if self._stints is None:
            self._stints = Stints()
        return self._stints

    def full_members(self, cell: OrgUnit, day: dt.date | None = None) -> list[Stint]:
        """Stints of the full members in `cell`'s subtree on `day`, by start date."""
        return self.stints.full_members(cell, day or self.day)

    def together_since(self, stint: Stint, born: dt.date) -> dt.date:
        """When the member started in this cell, counting the cells it was reorganised
        from (a merge does not reset the time an introducer has known the applicant), and
        not before the applicant, born on `born`, lived there."""
        since = stint.start_on
        earlier = {s.end_on: s for s in self.stints.of_membership[stint.membership_id] if s.end_on}
        while stint.reason_in == Stint.ReasonIn.REORGANISED and since in earlier:
            stint = earlier[since]
            since = stint.start_on
        return max(since, born)

    def introducers(self, c: Candidate, stints: list[Stint], day: dt.date) -> list[Stint]:
        """The full members of `stints` who may introduce `c` on `day`: they have known
        the applicant for the rule set's tenure (a reorganisation does not reset it) and
        are neither the helper nor the applicant; in the generator's shuffled order."""
        since = add_months(day, -rulesets.in_force_on(day).introducer_tenure_months)
        found = [
            s
            for s in stints
            if self.together_since(s, c.person.birth_date) <= since
            and s.membership.person_id not in (c.helper_id, c.person_id)
        ]
        self.rng.shuffle(found)
        return found

    def list_on(
        self,
        p: Person,
        cell: OrgUnit,
        listed: dt.date,
        helper: Person,
        youth_union_exists: bool = True,
    ) -> Candidate:
        """`p` on `cell`'s source list from `listed`, with the generator's tags."""
        return services.list_candidate(
            p,
            cell,
            listed_on=listed,
            tags=self.tags(p),
            helper=helper,
            by=self.recorders.on(cell.pk, listed),
            today=self.day,
            youth_union_exists=youth_union_exists,
            difficult_area=p.ethnicity.code != Ethnicity.KINH,
        )

    def person(self, cell: OrgUnit, listed: dt.date) -> Person:
        rng = self.rng
        sex = "F" if rng.random() < 0.5 else "M"
        village = Locality.objects.filter(cell_links__cell=cell, kind="VILLAGE").first()
        minority = rng.random() < (0.8 if village else 0.06)
        eth = rng.choice(["10", "13"]) if minority else "01"
        religion = (
            "03" if minority and rng.random() < 0.2 else "02" if rng.random() < 0.02 else "00"
        )
        age = 19 + int(rng.gammavariate(2.0, 3.5))
        born = add_years(self.day, -age) - dt.timedelta(days=rng.randint(0, 364))
        residence = Locality.objects.filter(cell_links__cell=cell).first()
        p = Person(
            full_name=person_name(rng, sex, eth),
            birth_date=born,
            sex=sex,
            ethnicity=self.eth[eth],
            religion=self.rel[religion],
            general_education=(
                GeneralEducation.UPPER_SECONDARY
                if rng.random() < 0.85
                else GeneralEducation.LOWER_SECONDARY
            ),
            professional=rng.choice(
                [Professional.NONE, Professional.INTERMEDIATE, Professional.UNIVERSITY]
            ),
            occupation=rng.choice(
                [
                    Occupation.OTHER,
                    Occupation.FARMER,
                    Occupation.ENTERPRISE,
                    Occupation.PUBLIC_SERVICE,
                ]
            ),
            residence=residence,
            youth_union_member=years_between(born, listed) <= 30,
        )
        p.save()
        return p

    def tags(self, p: Person) -> list[str]:
        tags: list[str] = []
        if p.sex == Sex.FEMALE:
            tags.append(Tag.WOMAN)
        if p.ethnicity.code != Ethnicity.KINH:
            tags.append(Tag.ETHNIC_MINORITY)
        if p.youth_union_member:
            tags.append(Tag.YOUTH_UNION)
        if p.religion.code != Religion.NONE:
            tags.append(Tag.RELIGIOUS)
        if self.rng.random() < 0.35:
            tags.append(self.rng.choice(EXTRA_TAGS))
        return tags

    def candidate(self, cell: OrgUnit) -> Candidate | None:
        rng = self.rng
        target = rng.choices([s for s, _ in TARGETS], weights=[w for _, w in TARGETS])[0]
        # Listed up to 900 days back, but not before the cell existed (cells formed by the
        # 2025 reform list their candidates from their first day).
        since = max(30, min(LISTED_WITHIN, (self.day - cell.valid_from).days - 1))
        listed = self.day - dt.timedelta(days=rng.randint(min(30, since), since))
        members = self.full_members(cell, listed)
        if not members:
            return None
        helper = rng.choice(members).membership.person
        p = self.person(cell, listed)
        try:
            c = self.list_on(p, cell, listed, helper)
        except TransitionError as e:
            self.log(_("  not listed: %(e)s") % {"e": e})
            return None
        self.advance(c, target, listed, members)
        self.made.append(c)
        return c

    def advance(self, c: Candidate, target: str, day: dt.date, members: list[Stint]) -> None:
        rng = self.rng
        exit_kind = {Stage.WITHDRAWN: K.WITHDRAWN, Stage.REJECTED: K.REJECTED}.get(Stage(target))
        if exit_kind:
            target = rng.choice([Stage.COURSE_DONE, Stage.APPLIED, Stage.CELL_VOTED])
        plan = self.steps(c, day, members)
        for stage, step in plan:
            if ORDER_RANK[stage] > ORDER_RANK[target]:
                break
            if step.date > self.day:
                return
            if not self.record(c, step):
                return
        if exit_kind:
            when = min(self.day, c.stage_since + dt.timedelta(days=rng.randint(10, 120)))
            self.record(c, Step(kind=exit_kind, date=when, note="Dữ liệu mẫu"))

    def close_open(self, day: dt.date) -> None:
        """Withdraw this cohort's open dossiers on `day` (their later path is not simulated)."""
        for c in self.made:
            c.refresh_from_db(fields=["stage", "stage_since", "version"])
            if not c.is_closed:
                step = Step(kind=K.WITHDRAWN, date=max(day, c.stage_since), note=CLOSED_NOTE)
                by = self.recorders.on(c.cell_id, step.date)
                services.record(c, step, by=by, version=c.version, today=step.date)

    def record(self, c: Candidate, step: Step) -> bool:
        c.refresh_from_db(fields=["stage", "stage_since", "version"])
        try:
            by = self.recorders.on(c.cell_id, step.date)
            services.record(c, step, by=by, version=c.version, today=self.day)
        except services.Blocked as e:
            self.blocked += 1
            self.log(_("  refused for %(name)s: %(e)s") % {"name": c.person.full_name, "e": e})
            return False
        return True

    def steps(self, c: Candidate, start: dt.date, members: list[Stint]):
        """The dated steps from the listing to the decision, in order."""
        rng = self.rng
        day = start
        gap = lambda lo, hi: dt.timedelta(days=rng.randint(lo, hi))  # noqa: E731
        out: list[tuple[str, Step]] = []
        day += gap(20, 120)
        out.append(
            (
                Stage.COURSE_DONE,
                Step(K.COURSE_CERTIFICATE, day, "CN-" + str(rng.randint(100, 9999))),
            )
        )
        day += gap(10, 90)
        out.append((Stage.APPLIED, Step(K.APPLICATION, day)))
        out.append((Stage.APPLIED, Step(K.DECLARATION, day)))
        day += gap(5, 20)
        subjects = ["Bản thân", "Cha đẻ", "Mẹ đẻ"]
        for s in subjects:
            out.append((Stage.VERIFYING, Step(K.VERIFICATION_REQUEST, day, subject=s)))
        answered = day + gap(20, 60)
        for s in subjects:
            out.append((Stage.VERIFYING, Step(K.VERIFICATION_ANSWER, answered, subject=s)))
        day = answered + gap(5, 20)
        introducers = self.introducers(c, members, day)
        if youth_age(c.person.birth_date, day):
            out.append(
                (
                    Stage.INTRODUCED,
                    Step(K.YOUTH_UNION_RESOLUTION, day, f"{rng.randint(1, 99)}-NQ/ĐTN"),
                )
            )
            chosen = introducers[:1]
            needed = 1  # the Youth Union's resolution introduces too
        else:
            chosen = introducers[:2]
            needed = 2
        if len(chosen) < needed:
            # Not enough full members of the cell have known the applicant for a year:
            # the dossier waits for them, as a cell would, rather than break the rule.
            return out
        for st in chosen:
            out.append(
                (
                    Stage.INTRODUCED,
                    Step(
                        K.INTRODUCTION,
                        day,
                        introducer=st.membership.person,
                        worked_together_since=self.together_since(st, c.person.birth_date),
                    ),
                )
            )
        day += gap(5, 25)
        out.append((Stage.COMMENTED, Step(K.RESIDENCE_COMMENT, day)))
        day += gap(10, 40)
        full = len(self.full_members(c.cell, day)) or len(members)
        in_favour = rng.randint(-(-2 * full // 3), full)
        out.append(
            (
                Stage.CELL_VOTED,
                Step(K.CELL_VOTE, day, full_members=full, present=full, in_favour=in_favour),
            )
        )
        if services.has_sub_committee(c.cell):
            day += gap(5, 15)
            out.append((Stage.GRASSROOTS_VOTED, Step(K.SUB_COMMITTEE_APPRAISAL, day)))
        if c.cell.kind == OrgUnit.Kind.CELL:
            day += gap(7, 25)
            committee = rng.randint(7, 15)
            out.append(
                (
                    Stage.GRASSROOTS_VOTED,
                    Step(
                        K.GRASSROOTS_VOTE,
                        day,
                        committee_members=committee,
                        in_favour=rng.randint(-(-2 * committee // 3), committee),
                    ),
                )
            )
        day += gap(15, 45)
        out.append((Stage.DECIDED, Step(K.DECISION, day, f"{rng.randint(100, 999)}-QĐ/TU")))
        return out


ORDER_RANK: dict[str, int] = {s.value: i for i, s in enumerate(Stage)}


def youth_age(born: dt.date, day: dt.date) -> bool:
    """Within Youth Union age on `day`, by the rule set in force then."""
    return years_between(born, day) <= rulesets.in_force_on(day).youth_union_max_age


class Stints:
    """Every stint, read once with its membership and person. The generator writes no
    stints (its candidates stop before the ceremony), so the full members of a cell on a
    day are picked out here instead of by a query a call (about 2,000 calls, each a scan
    of the stints and a prefetch: the largest part of the demo's generation on SQLite).

    The same stints as `Stint.objects.members_on(day).in_subtree(cell)
    .filter(membership__confirmed_on__lte=day)`, in the same order (by start date, then
    as stored), so the seeded draws over them pick the same members."""

    def __init__(self) -> None:
        self.units = list(OrgUnit.objects.values_list("path", "id"))
        self.by_unit: dict[int, list[Stint]] = {}
        self.of_membership: dict[int, list[Stint]] = {}
        for s in Stint.objects.select_related("membership__person").order_by("start_on", "id"):
            self.by_unit.setdefault(s.unit_id, []).append(s)
            self.of_membership.setdefault(s.membership_id, []).append(s)
        self.subtrees: dict[str, list[int]] = {}

    def full_members(self, cell: OrgUnit, day: dt.date) -> list[Stint]:
        units = self.subtrees.get(cell.path)
        if units is None:
            units = [pk for path, pk in self.units if path.startswith(cell.path)]
            self.subtrees[cell.path] = units
        found = [
            s
            for pk in units
            for s in self.by_unit.get(pk, ())
            if s.start_on <= day
            and (s.end_on is None or s.end_on > day)
            and s.membership.ceremony_on is not None
            and s.membership.ceremony_on <= day
            and (s.membership.exit_on is None or s.membership.exit_on > day)
            and s.membership.confirmed_on is not None
            and s.membership.confirmed_on <= day
        ]
        if len(units) > 1:
            found.sort(key=lambda s: (s.start_on, s.pk))
        return found
