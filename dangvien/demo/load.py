"""Write the simulated demo organisation to the database in bulk."""

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts import chain
from dangvien.accounts.models import Role
from dangvien.core.dates import add_years, years_between
from dangvien.core.text import search_key
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people import scope as person_scope
from dangvien.people.models import Person, Position
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion
from dangvien.stats import store as stats

from .candidates import PER_MERGED, CandidateGenerator, Stints
from .dossiers import backfill_from, record_dossiers
from .names import person_name
from .plan import ARTICLE_DAY, build_plan
from .records import Records
from .reform import REFORM_DAY, extend
from .simulate import Member, Simulation

SEED = 2017
DEMO_PASSWORD = "demo-pleiku-2017"  # demo only: printed at start and in the README
# (user, who, role, [(unit, from, until)]): roles follow the units through the reform;
# each officer of a merged ward holds the new ward's role from its first day.
DEMO_USERS = [
    (
        "btc.pleiku",
        "Ban Tổ chức Tỉnh ủy (trước đây Thành ủy Pleiku)",
        "ORG_BOARD",
        [("PLEIKU", None, REFORM_DAY), ("GIALAI", REFORM_DAY, None)],
    ),
    (
        "phuong.hoalu",
        "Đảng ủy phường Pleiku (trước đây phường Hoa Lư)",
        "GRASSROOTS_OFFICER",
        [("HOALU", None, REFORM_DAY), ("PLEIKU-P", REFORM_DAY, None)],
    ),
    (
        "phuong.tayson",
        "Đảng ủy phường Pleiku (trước đây phường Tây Sơn)",
        "GRASSROOTS_OFFICER",
        [("TAYSON", None, REFORM_DAY), ("PLEIKU-P", REFORM_DAY, None)],
    ),
    (
        "phuong.dienhong",
        "Đảng ủy phường Diên Hồng",
        "GRASSROOTS_OFFICER",
        [("DIENHONG", None, REFORM_DAY), ("DIENHONG-P", REFORM_DAY, None)],
    ),
    # A leader without the personal-data grant (Role.personal_data false): names only.
    (
        "lanhdao.hoalu",
        "Lãnh đạo phường Pleiku (trước đây phường Hoa Lư), chỉ xem họ tên",
        "LEADER",
        [("HOALU", None, REFORM_DAY), ("PLEIKU-P", REFORM_DAY, None)],
    ),
]
HEADS_WHO_ARE_MEMBERS = 0.78  # hamlet and residential-group heads who are members in 2017
CCCD_SHARE = 0.9  # older records often lack the 12-digit number
BATCH = 2000
# Terms and targets (the article's for 2015–2020; the same shares for the later terms).
# Congress dates are taken as 1 July. A commune's or ward's own target of new members is
# the city's (or, from 2025, a yearly rate of its members) in proportion to its members
# on the term's first day.
TERM_TARGETS = {
    "ADMITTED": None,  # computed per unit
    "CELL_COMMITTEES": 60,
    "OWN_CELL": 100,
    "LOCAL_MEMBERS": 100,
    "HEADS_MEMBERS": 100,
    "OFFICIALS_MEMBERS": 60,
}
CITY_ADMITTED = {2015: 800, 2020: 850}  # new members per term (2015: the article's 800)
NEW_UNIT_RATE = 0.021  # from 2025: new members a year, per member at the term's start
TERM_YEARS = 5


def with_paths(specs, make: Callable) -> list:
    """Model instances in parent-first order, with materialised paths filled in."""
    paths: dict[str, str] = {}
    out = []
    pending = list(specs)
    while pending:
        rest = []
        for spec in pending:
            if spec.parent and spec.parent not in paths:
                rest.append(spec)
                continue
            path = (paths[spec.parent] if spec.parent else "") + spec.code + "/"
            paths[spec.code] = path
            obj = make(spec)
            obj.path, obj.depth = path, path.count("/") - 1
            out.append(obj)
        pending = rest
    return out


class Loader:
    def __init__(
        self, seed: int = SEED, log: Callable[[str], None] = print, end: dt.date | None = None
    ):
        self.rng = random.Random(seed)
        self.log = log
        self.end = end or timezone.localdate()  # the history reaches the day it is made
        self.cccd_seen: set[str] = set()

    @transaction.atomic
    def load(self) -> dict[str, int]:
        """Write the demo, then compute the precomputed counts once from its rows."""
        # The audit entries of the generated history are chained and inserted at the end.
        with stats.suspend(), chain.buffered():
            got = self.write_all()
        stats.rebuild()
        person_scope.rebuild()  # the person → scope table, likewise from the rows
        return got

    def write_all(self) -> dict[str, int]:
        # The later plan draws from its own stream, so the city of 2010–2017 stays as it was.
        plan = extend(build_plan(self.rng), random.Random(SEED + 2), self.end)
        self.log(
            _("Plan: %(l)d localities, %(u)d units")
            % {"l": len(plan.localities), "u": len(plan.units)}
        )
        locs = self.write_localities(plan)
        units = self.write_units(plan, locs)
        near_end = min(self.end, REFORM_DAY - dt.timedelta(days=1))
        near = Simulation(random.Random(SEED + 3), plan, near_end, area="NEAR").run()
        joining = (REFORM_DAY, near) if self.end >= REFORM_DAY else None
        members = Simulation(self.rng, plan, self.end, joining=joining).run()
        if joining is None:
            members += near
        self.log(
            _("Simulated %(n)d memberships 2010–%(y)d") % {"n": len(members), "y": self.end.year}
        )
        self.current = current_localities(plan)
        self.loc_specs = {loc.code: loc for loc in plan.localities}
        # The records of what the simulation did, drawn from a stream of their own.
        records = Records(random.Random(SEED + 5), plan, self.end, self.current)
        records.prepare(members)
        persons = self.write_members(members, units, locs)
        self.write_positions(members, persons, units, locs)
        records.write(members, self.memberships, persons, units, locs)
        self.write_users(units)
        self.write_targets(units)
        # The source lists of 2017 (the article's 23 of 23), closed when the simulated
        # intake of 2018 on takes over; then the candidates in flight today.
        # The candidates write no stints: the stints are read once for both generators.
        stints = Stints()
        cohort = CandidateGenerator(SEED + 1, self.log, day=ARTICLE_DAY, stints=stints)
        cohort.run()
        cohort.close_open(ARTICLE_DAY + dt.timedelta(days=45))
        CandidateGenerator(
            SEED + 4, self.log, day=self.end, per_commune=PER_MERGED, stints=stints
        ).run()
        # The dossiers of the admissions since the organisation keeps them here.
        record_dossiers(
            CandidateGenerator(SEED + 6, self.log, day=self.end, stints=stints),
            backfill_from(self.end),
        )
        records.write_other_residences()
        c = records.counts
        self.log(
            _(
                "Wrote %(t)d transfers, %(x)d exit decisions, %(e)d exemptions, %(c)d party "
                "cards, %(b)d badges, %(p)d cell posts, %(r)d ratings, %(h)d residence rows"
            )
            % {
                "t": c["transfers"],
                "x": c["exits"],
                "e": c["exemptions"],
                "c": c["cards"],
                "b": c["badges"],
                "p": c["cell_positions"],
                "r": c["ratings"],
                "h": c["residences"],
            }
        )
        return {"localities": len(locs), "units": len(units), "memberships": len(members)}

    # ----- organisation ----------------------------------------------------------------
    def write_localities(self, plan) -> dict[str, Locality]:
        objs = with_paths(
            plan.localities,
            lambda s: Locality(
                code=s.code,
                name=s.name,
                search_name=search_key(s.name),  # bulk_create skips save()
                kind=s.kind,
                valid_from=s.valid_from,
                valid_to=s.valid_to,
            ),
        )
        by_code = {o.code: o for o in objs}
        for spec in plan.localities:  # parents first, so parent ids exist when children go in
            by_code[spec.code].parent = by_code.get(spec.parent) if spec.parent else None
        for depth in sorted({o.depth for o in objs}):
            Locality.objects.bulk_create([o for o in objs if o.depth == depth])
            for o in objs:
                if o.parent is not None:
                    o.parent_id = o.parent.pk
        through = Locality.successors.through
        through.objects.bulk_create(
            [
                through(from_locality=by_code[s.code], to_locality=by_code[t])
                for s in plan.localities
                for t in s.successors
            ]
        )
        return by_code

    def write_units(self, plan, locs) -> dict[str, OrgUnit]:
        objs = with_paths(
            plan.units,
            lambda s: OrgUnit(
                code=s.code,
                name=s.name,
                search_name=search_key(s.name),  # bulk_create skips save()
                kind=s.kind,
                category=s.category,
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                locality=locs[s.locality] if s.locality else None,
            ),
        )
        by_code = {o.code: o for o in objs}
        for spec in plan.units:
            by_code[spec.code].parent = by_code.get(spec.parent) if spec.parent else None
        for depth in sorted({o.depth for o in objs}):
            OrgUnit.objects.bulk_create([o for o in objs if o.depth == depth])
            for o in objs:
                if o.parent is not None:
                    o.parent_id = o.parent.pk
        through = OrgUnit.successors.through
        through.objects.bulk_create(
            [
                through(from_orgunit=by_code[s.code], to_orgunit=by_code[t])
                for s in plan.units
                for t in s.successors
            ]
        )
        links = []
        for spec in plan.units:
            for lcode in spec.serves:
                loc = locs[lcode]
                ends = [d for d in (spec.valid_to, loc.valid_to) if d]
                links.append(
                    LocalityCell(
                        locality=loc,
                        cell=by_code[spec.code],
                        valid_from=max(spec.valid_from, loc.valid_from),
                        valid_to=min(ends) if ends else None,
                    )
                )
        LocalityCell.objects.bulk_create(links)
        return by_code

    # ----- people ----------------------------------------------------------------------
    def cccd(self, sex: str, birth: dt.date, province: str) -> str | None:
        if self.rng.random() > CCCD_SHARE:
            return None
        century = {1900: 0, 2000: 2}[birth.year // 100 * 100] + (1 if sex == "F" else 0)
        while True:
            number = f"{province}{century}{birth.year % 100:02d}{self.rng.randint(0, 999999):06d}"
            if number not in self.cccd_seen:
                self.cccd_seen.add(number)
                return number

    def make_person(self, attrs: dict, locs, refs, died: dt.date | None = None) -> Person:
        ethnicities, religions, provinces = refs
        home = lived_at(self.loc_specs, self.current, attrs.get("residence") or "", died)
        province = "064" if self.rng.random() < 0.7 else self.rng.choice(provinces)
        p = Person(
            full_name=person_name(self.rng, attrs["sex"], attrs["ethnicity"]),
            birth_date=attrs["birth_date"],
            sex=attrs["sex"],
            citizen_id=self.cccd(attrs["sex"], attrs["birth_date"], province),
            ethnicity=ethnicities[attrs["ethnicity"]],
            religion=religions[attrs["religion"]],
            general_education=attrs["general_education"],
            professional=attrs["professional"],
            political_theory=attrs["political_theory"],
            occupation=attrs["occupation"],
            residence=locs.get(home),
            youth_union_member=bool(attrs.get("youth_union"))
            and years_between(attrs["birth_date"], self.end) <= 30,
            business_owner=attrs.get("business_owner", False),
        )
        p.fill_keys()
        return p

    def refs(self):
        return (
            {e.code: e for e in Ethnicity.objects.all()},
            {r.code: r for r in Religion.objects.all()},
            [c for c in ProvinceCode.objects.values_list("code", flat=True)],
        )

    def write_members(self, members: list[Member], units, locs) -> list[Person]:
        refs = self.refs()
        persons = [self.make_person(m.person, locs, refs, died_on(m)) for m in members]
        Person.objects.bulk_create(persons, batch_size=BATCH)
        card = 40_000_000
        memberships = []
        for m, p in zip(members, persons, strict=True):
            number = None
            if m.confirmed_on and m.confirmed_on <= self.end:
                card += self.rng.randint(1, 40)
                number = f"{card:08d}"
            memberships.append(
                Membership(
                    person=p,
                    decision_on=m.decision_on,
                    ceremony_on=m.ceremony_on,
                    decision_number=f"{self.rng.randint(1, 999)}-QĐ/TU",
                    confirmed_on=m.confirmed_on
                    if m.confirmed_on and m.confirmed_on <= self.end
                    else None,
                    card_number=number,
                    exit_on=m.exit_on,
                    exit_reason=m.exit_reason,
                )
            )
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        self.memberships = memberships
        stints = [
            Stint(
                membership=ms,
                unit=units[s[0]],
                start_on=s[1],
                end_on=s[2],
                reason_in=s[3],
                reason_out=s[4],
            )
            for m, ms in zip(members, memberships, strict=True)
            for s in m.stints
        ]
        Stint.objects.bulk_create(stints, batch_size=BATCH)
        self.log(_("Wrote %(p)d people, %(s)d stints") % {"p": len(persons), "s": len(stints)})
        return persons

    def write_positions(self, members, persons, units, locs) -> None:
        """Heads of hamlets and residential groups, commune police, teachers."""
        rng = self.rng
        refs = self.refs()
        by_residence: dict[str, list[Person]] = {}
        for m, p in zip(members, persons, strict=True):
            if (
                m.exit_on is None
                and p.residence_id
                and 30 <= years_between(p.birth_date, self.end) <= 68
            ):
                by_residence.setdefault(p.residence.code, []).append(p)
        positions: list[Position] = []
        outsiders: list[tuple[Person, Position]] = []
        for loc in locs.values():
            if loc.kind not in Locality.BASE_KINDS:
                continue
            kind = "RESIDENTIAL_GROUP_HEAD" if loc.kind == "RESIDENTIAL_GROUP" else "HAMLET_HEAD"
            start = max(loc.valid_from, dt.date(rng.choice([2012, 2014, 2016]), 1, 1))
            if loc.valid_to and loc.valid_to <= start:
                continue
            # Residents of a locality since renamed live, in the register, at its successor.
            residents = by_residence.get(self.current.get(loc.code, loc.code))
            held = {"kind": kind, "locality": loc, "start_on": start, "end_on": loc.valid_to}
            if residents and rng.random() < HEADS_WHO_ARE_MEMBERS:
                positions.append(Position(person=rng.choice(residents), **held))
            else:
                attrs = self.outsider_attrs(loc)
                outsiders.append((self.make_person(attrs, locs, refs), Position(**held)))
        for m, p in zip(members, persons, strict=True):
            if m.exit_on:
                continue
            unit_code = m.stints[-1][0]
            unit = units[unit_code]
            # Commune police and militia over their latest run of stints in such cells, one
            # dated post per cell (a reorganisation carries it over to the successor cell).
            run = [m.stints[-1]]
            for stint in reversed(m.stints[:-1]):
                if not stint[0].endswith(unit_code[-3:]):
                    break
                run.insert(0, stint)
            post = {"-CA": "COMMUNE_POLICE", "-QS": "MILITIA"}.get(unit_code[-3:])
            if post and rng.random() < 0.6:
                positions.extend(
                    Position(person=p, kind=post, unit=units[s[0]], start_on=s[1], end_on=s[2])
                    for s in run
                )
            if post:
                continue
            if unit_code.startswith("THCS-") or unit_code.endswith(("-TH", "-MN")):
                positions.append(
                    Position(
                        person=p, kind="TEACHER", unit=unit, start_on=add_years(p.birth_date, 23)
                    )
                )
            elif unit_code.startswith("TTYTE"):
                positions.append(
                    Position(
                        person=p,
                        kind="HEALTH_WORKER",
                        unit=unit,
                        start_on=add_years(p.birth_date, 24),
                    )
                )
        Person.objects.bulk_create([o for o, _ in outsiders], batch_size=BATCH)
        for person, position in outsiders:
            position.person = person
            positions.append(position)
        Position.objects.bulk_create(positions, batch_size=BATCH)
        self.log(
            _("Wrote %(n)d positions (%(h)d heads not yet members)")
            % {"n": len(positions), "h": len(outsiders)}
        )

    def outsider_attrs(self, loc: Locality) -> dict:
        rng = self.rng
        village = loc.kind == "VILLAGE"
        sex = "M" if rng.random() < 0.8 else "F"
        return {
            "sex": sex,
            "birth_date": dt.date(rng.randint(1960, 1985), rng.randint(1, 12), rng.randint(1, 28)),
            "ethnicity": ("10" if rng.random() < 0.7 else "13") if village else "01",
            "religion": "03" if village and rng.random() < 0.3 else "00",
            "general_education": "UPPER_SECONDARY" if rng.random() < 0.5 else "LOWER_SECONDARY",
            "professional": "NONE",
            "political_theory": "NONE",
            "occupation": "FARMER" if loc.kind != "RESIDENTIAL_GROUP" else "OTHER",
            "residence": loc.code,
        }

    def write_users(self, units) -> None:
        User = get_user_model()
        for username, full_name, role, periods in DEMO_USERS:
            user = User.objects.create_user(username, password=DEMO_PASSWORD, first_name=full_name)
            for unit_code, start, until in periods:
                if start and start > self.end:
                    continue
                Role.objects.create(
                    user=user,
                    kind=role,
                    unit=units[unit_code],
                    valid_from=start,
                    valid_to=until if until and until <= self.end else None,
                )

    def write_targets(self, units) -> None:
        """The city's terms 2015–2020 and 2020–2025, then each new ward's 2025–2030."""
        from dangvien.reports.structure import member_stints
        from dangvien.targets.models import Target, Term

        def members(unit: OrgUnit, day: dt.date) -> int:
            return member_stints(unit, day).count()

        city = units["PLEIKU"]
        for year, total in CITY_ADMITTED.items():
            start, end = dt.date(year, 7, 1), dt.date(year + TERM_YEARS, 6, 30)
            if start > self.end:
                continue
            term = Term.objects.create(
                unit=city, name=f"Nhiệm kỳ {year}–{year + TERM_YEARS}", start=start, end=end
            )
            for metric, value in TERM_TARGETS.items():
                Target.objects.create(term=term, unit=city, metric=metric, value=value or total)
            communes = OrgUnit.objects.subtree(city, on=start).filter(
                category=OrgUnit.Category.COMMUNE_WARD, kind__in=OrgUnit.GRASSROOTS_KINDS
            )
            everyone = members(city, start)
            for commune in communes:
                share = total * members(commune, start) / everyone
                Target.objects.create(
                    term=term, unit=commune, metric="ADMITTED", value=round(share)
                )
        start = REFORM_DAY
        if start > self.end:
            return
        for commune in OrgUnit.objects.filter(valid_from=start, category="COMMUNE_WARD"):
            term = Term.objects.create(
                unit=commune, name="Nhiệm kỳ 2025–2030", start=start, end=dt.date(2030, 6, 30)
            )
            admitted = round(members(commune, start) * NEW_UNIT_RATE * TERM_YEARS)
            for metric, value in TERM_TARGETS.items():
                Target.objects.create(
                    term=term, unit=commune, metric=metric, value=value or admitted
                )


def died_on(member) -> dt.date | None:
    """The day a simulated member died, or None (alive, or left otherwise)."""
    return member.exit_on if member.exit_reason == "DEATH" else None


def lived_at(specs: dict, current: dict[str, str], code: str, died: dt.date | None) -> str:
    """Where the residents of `code` live now, as `current` says; for someone who died,
    where they lived on their death: a locality renamed or moved after it keeps them.
    `specs`: the plan's localities by code."""
    if died is None:
        return current.get(code, code)
    here = code
    while (
        current.get(here, here) != here
        and (loc := specs.get(here)) is not None
        and loc.valid_to is not None
        and loc.valid_to < died
    ):
        here = loc.successors[0]
    return here


def current_localities(plan) -> dict[str, str]:
    """Where each locality's residents live now: through successors taken over one to one
    (a renamed or re-parented locality); a merge of several keeps the old place."""
    preds: dict[str, int] = {}
    for loc in plan.localities:
        for s in loc.successors:
            preds[s] = preds.get(s, 0) + 1
    succ = {loc.code: loc.successors for loc in plan.localities}
    out = {}
    for code in succ:
        here = code
        while len(succ.get(here, [])) == 1 and preds.get(succ[here][0]) == 1:
            here = succ[here][0]
        out[code] = here
    return out
