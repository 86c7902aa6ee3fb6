"""Simulate the membership of the demo organisation from 2010 to the day it is generated.

Every figure the reports show comes out of these draws; the stated distributions are
the constants below. A stock of members present on 1 Jan 2010 (admitted as far back as
their ages allow), a yearly intake, transfers in from outside, moves between cells,
deaths and other exits drawn from yearly hazards, probation that a few fail, and the
reorganisations of the plan (merges of 2020, 2024 and the reform of 1 July 2025). The
communes of neighbouring districts that joined in 2025 are simulated in a stream of their
own (`area="NEAR"`) and handed over on the reform day, so that the city's figures of
2017 do not depend on them.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from dangvien.core.dates import add_months, add_years, years_between

from .plan import HISTORY_START, Plan, UnitSpec

D = dt.date

ARTICLE_YEAR = 2017  # the intake up to this year is the article's city
STOCK_2010 = 7760  # members present on 1 Jan 2010
# Admission decisions per year (the article: 152 in Jan–Nov 2017 is "more than 130").
INTAKE = {2010: 148, 2011: 152, 2012: 158, 2013: 160, 2014: 164, 2015: 172, 2016: 184, 2017: 166}
INTAKE_LATER = 176  # per year from 2018 on, the current year pro rata
INTAKE_AGE_SCALE = 4.3  # age at admission: 18 + Gamma(2, scale) years, at most 50
# The neighbouring communes that joined in 2025: members on 1 Jan 2010 and yearly intake.
NEAR_STOCK = 470
NEAR_INTAKE = 11
TRANSFERS_IN_PER_YEAR = 24
INTERNAL_TRANSFER_RATE = 0.012
PROBATION_FAIL_RATE = 0.015
EXIT_RATES = {"TRANSFER_OUT": 0.006, "STRUCK_OFF": 0.0008, "EXPELLED": 0.0003, "RESIGNED": 0.0001}
# Yearly probability of death by age band (upper bound of the band, rate).
DEATH_RATES = [(50, 0.0015), (60, 0.005), (70, 0.015), (80, 0.04), (200, 0.10)]

# Share of women, by sector of the unit a person joins.
WOMEN = {
    "RESIDENTIAL": 0.425,
    "COMMUNE_WARD": 0.45,
    "AGENCY": 0.46,
    "PUBLIC_SERVICE": 0.70,
    "ENTERPRISE": 0.36,
    "POLICE": 0.12,
    "ARMY": 0.05,
    "OTHER": 0.45,
}
WOMEN_INTAKE_BONUS = 0.03  # the priority on admitting women (article)
# Share holding a college or higher qualification, by sector.
COLLEGE_PLUS = {
    "RESIDENTIAL": 0.13,
    "AGENCY": 0.78,
    "PUBLIC_SERVICE": 0.85,
    "ENTERPRISE": 0.42,
    "POLICE": 0.6,
    "ARMY": 0.4,
    "OTHER": 0.3,
}
# Share with upper-secondary general education, for those born before / from 1960.
UPPER_SECONDARY = {
    "RESIDENTIAL": (0.47, 0.76),
    "AGENCY": (0.97, 1.0),
    "PUBLIC_SERVICE": (0.97, 1.0),
    "ENTERPRISE": (0.75, 0.93),
    "POLICE": (0.95, 1.0),
    "ARMY": (0.9, 1.0),
    "OTHER": (0.6, 0.9),
}
# Ethnic minorities: share in Jrai/Bahnar villages, elsewhere by sector.
VILLAGE_MINORITY = 0.77
MINORITY = {
    "RESIDENTIAL": 0.008,
    "AGENCY": 0.038,
    "PUBLIC_SERVICE": 0.035,
    "ENTERPRISE": 0.02,
    "POLICE": 0.045,
    "ARMY": 0.06,
    "OTHER": 0.03,
}
MINORITY_GROUPS = [
    ("10", 0.62),
    ("13", 0.26),
    ("02", 0.04),
    ("06", 0.03),
    ("07", 0.03),
    ("03", 0.02),
]  # Gia-rai, Ba-na, Tày, Mường, Nùng, Thái
# Religious believers: share among minorities in villages, and among everyone else.
RELIGIOUS_MINORITY = 0.09
RELIGIOUS_OTHER = 0.0135
RELIGIONS_MINORITY = [("03", 0.6), ("02", 0.4)]  # Protestant, Catholic
RELIGIONS_KINH = [("01", 0.55), ("02", 0.4), ("04", 0.05)]  # Buddhist, Catholic, Cao Đài


@dataclass
class Member:
    person: dict
    decision_on: dt.date
    ceremony_on: dt.date
    confirmed_on: dt.date | None = None
    exit_on: dt.date | None = None
    exit_reason: str = ""
    stints: list[list] = field(default_factory=list)  # [unit, start, end, in, out]

    @property
    def unit(self) -> str:
        return self.stints[-1][0]

    def active(self, day: dt.date) -> bool:
        return self.exit_on is None and self.ceremony_on <= day

    def move(self, unit: str, day: dt.date, reason: str) -> None:
        last = self.stints[-1]
        if last[1] >= day:  # moved again on the day it arrived: replace the stint
            last[0] = unit
            return
        last[2], last[4] = day, reason
        self.stints.append([unit, day, None, reason, ""])

    def leave(self, day: dt.date, reason: str) -> None:
        self.exit_on, self.exit_reason = day, reason
        self.stints[-1][2], self.stints[-1][4] = day, "EXIT"


def rand_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def pick(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


class Simulation:
    def __init__(
        self,
        rng: random.Random,
        plan: Plan,
        end: dt.date,
        area: str = "",
        joining: tuple[dt.date, list[Member]] | None = None,
    ):
        self.rng = rng
        self.plan = plan
        self.end = end
        self.area = area
        self.joining = joining
        self.units = {u.code: u for u in plan.units}
        self.loc_kind = {loc.code: loc.kind for loc in plan.localities}
        self.loc_open = {loc.code: (loc.valid_from, loc.valid_to) for loc in plan.localities}
        self.members: list[Member] = []
        self.holding = [u for u in plan.units if u.weight > 0 and u.area == area]
        self._open_units: dict[dt.date, list[UnitSpec]] = {}
        self._open_groups: dict[dt.date, list[str]] = {}
        self.stock = NEAR_STOCK if area == "NEAR" else STOCK_2010
        # One stream per attribute, so tuning one share does not reshuffle the others.
        self.draw = {
            name: random.Random(rng.random())
            for name in ("sex", "ethnicity", "religion", "education", "professional", "theory")
        }

    # ----- choosing units -------------------------------------------------------------
    def open_units(self, day: dt.date) -> list[UnitSpec]:
        # The plan does not change while simulating: one list a day, asked for many times.
        units = self._open_units.get(day)
        if units is None:
            units = [
                u
                for u in self.holding
                if u.valid_from <= day and (u.valid_to is None or u.valid_to > day)
            ]
            self._open_units[day] = units
        return units

    def choose_unit(self, day: dt.date, sectors: set[str] | None = None) -> UnitSpec:
        units = [u for u in self.open_units(day) if not sectors or u.category in sectors]
        units = units or self.open_units(day)  # a commune has no police or army cell
        return self.rng.choices(units, weights=[u.weight for u in units])[0]

    def cell_of(self, unit: UnitSpec) -> UnitSpec:
        return self.units[unit.parent or ""] if unit.kind == "PARTY_GROUP" else unit

    def in_village(self, unit: UnitSpec) -> bool:
        return any(self.loc_kind.get(s) == "VILLAGE" for s in self.cell_of(unit).serves)

    def residence(self, unit: UnitSpec, day: dt.date) -> str:
        cell = self.cell_of(unit)
        if cell.serves and self.rng.random() < 0.93:
            return self.rng.choice(cell.serves)
        base = self._open_groups.get(day)
        if base is None:
            base = [
                c
                for c, k in self.loc_kind.items()
                if k == "RESIDENTIAL_GROUP" and self.open_on(c, day)
            ]
            self._open_groups[day] = base
        return self.rng.choice(base or [c for c, k in self.loc_kind.items() if k == "HAMLET"])

    def open_on(self, locality: str, day: dt.date) -> bool:
        start, end = self.loc_open[locality]
        return start <= day and (end is None or end > day)

    # ----- people ---------------------------------------------------------------------
    def person(self, unit: UnitSpec, birth: dt.date, intake: bool, day: dt.date) -> dict:
        rng, sector = self.rng, unit.category
        draw = self.draw
        women = WOMEN.get(sector, 0.45) + (WOMEN_INTAKE_BONUS if intake else 0)
        sex = "F" if draw["sex"].random() < women else "M"
        village = self.in_village(unit)
        minority_p = VILLAGE_MINORITY if village else MINORITY.get(sector, 0.03)
        r = draw["ethnicity"]
        ethnicity = pick(r, MINORITY_GROUPS) if r.random() < minority_p else "01"
        r = draw["religion"]
        if ethnicity != "01" and village:
            religion = pick(r, RELIGIONS_MINORITY) if r.random() < RELIGIOUS_MINORITY else "00"
        else:
            religion = pick(r, RELIGIONS_KINH) if r.random() < RELIGIOUS_OTHER else "00"
        old = birth.year < 1960
        uss = UPPER_SECONDARY.get(sector, (0.6, 0.9))[0 if old else 1]
        if village and ethnicity != "01":
            uss *= 0.55
        r = draw["education"]
        edu = (
            "UPPER_SECONDARY"
            if r.random() < uss
            else "LOWER_SECONDARY"
            if r.random() < 0.75
            else "PRIMARY"
        )
        if intake and day.year > ARTICLE_YEAR and edu == "PRIMARY" and ethnicity == "01":
            # Admitted after the article's year: the regulation's minimum schooling (lower
            # secondary; primary suffices for ethnic minorities in difficult areas), so the
            # dossiers of `dossiers.py` pass. Same draws as before: the 2017 city is unchanged.
            edu = "LOWER_SECONDARY"
        college = COLLEGE_PLUS.get(sector, 0.3) * (1.1 if intake else 1.0)
        if edu != "UPPER_SECONDARY":
            college = 0.0
        r = draw["professional"]
        if r.random() < college:
            prof = pick(
                r, [("COLLEGE", 0.18), ("UNIVERSITY", 0.72), ("MASTER", 0.09), ("DOCTOR", 0.01)]
            )
        else:
            prof = pick(r, [("NONE", 0.55), ("ELEMENTARY", 0.2), ("INTERMEDIATE", 0.25)])
        theory = pick(
            draw["theory"],
            [
                ("NONE", 0.25),
                ("ELEMENTARY", 0.5),
                ("INTERMEDIATE", 0.2),
                ("ADVANCED", 0.04),
                ("BACHELOR", 0.01),
            ],
        )
        return {
            "sex": sex,
            "birth_date": birth,
            "ethnicity": ethnicity,
            "religion": religion,
            "general_education": edu,
            "professional": prof,
            "political_theory": theory,
            "occupation": self.occupation(unit, birth),
            "residence": self.residence(unit, day),
            "business_owner": sector == "ENTERPRISE" and rng.random() < 0.05,
        }

    def occupation(self, unit: UnitSpec, birth: dt.date) -> str:
        rng = self.rng
        sector = unit.category
        if sector in ("POLICE", "ARMY"):
            return "ARMY_POLICE"
        if sector == "ENTERPRISE":
            return "ENTERPRISE"
        if sector == "PUBLIC_SERVICE":
            return "PUBLIC_SERVICE"
        if sector == "AGENCY":
            if unit.parent and self.units[unit.parent].category == "COMMUNE_WARD":
                return "COMMUNE_OFFICIAL"
            return pick(rng, [("STATE_OFFICIAL", 0.6), ("PARTY_MASS_OFFICIAL", 0.4)])
        if years_between(birth, self.end) >= 60 and rng.random() < 0.8:
            return "RETIRED"
        commune = self.units[self.cell_of(unit).parent or ""].locality
        rural = self.loc_kind.get(commune or "") == "COMMUNE" or self.in_village(unit)
        return pick(
            rng,
            [
                ("FARMER", 0.55 if rural else 0.03),
                ("HAMLET_STAFF", 0.12),
                ("ENTERPRISE", 0.15),
                ("STUDENT", 0.02),
                ("OTHER", 0.3),
            ],
        )

    def youth_union(self, person: dict, day: dt.date) -> bool:
        return years_between(person["birth_date"], day) <= 30 and self.rng.random() < 0.8

    # ----- population -----------------------------------------------------------------
    def stock_birth(self, unit: UnitSpec) -> dt.date:
        rng = self.rng
        if unit.category == "RESIDENTIAL":
            year = rng.randint(1926, 1956) if rng.random() < 0.6 else rng.randint(1957, 1982)
        elif unit.category in ("POLICE", "ARMY"):
            year = rng.randint(1962, 1986)
        else:
            year = rng.randint(1952, 1987)
        return D(year, rng.randint(1, 12), rng.randint(1, 28))

    def admit(self, unit: UnitSpec, decision: dt.date, person: dict) -> Member:
        ceremony = decision + dt.timedelta(days=self.rng.randint(5, 28))
        # A unit reorganised between the decision and the ceremony: its successor admits.
        while unit.valid_to and unit.valid_to <= ceremony and unit.successors:
            unit = self.units[unit.successors[0]]
        m = Member(person, decision, ceremony)
        m.stints.append([unit.code, ceremony, None, "ADMITTED", ""])
        self.members.append(m)
        return m

    def build_stock(self) -> None:
        rng = self.rng
        for _ in range(self.stock):
            unit = self.choose_unit(HISTORY_START)
            birth = self.stock_birth(unit)
            earliest = add_years(birth, 18)
            latest = D(2009, 12, 1)
            span = max(0, (latest - earliest).days)
            ceremony = earliest + dt.timedelta(days=int(span * rng.random() ** 1.6))
            if ceremony > latest:
                ceremony = latest
            person = self.person(unit, birth, intake=False, day=HISTORY_START)
            decision = ceremony - dt.timedelta(days=rng.randint(7, 30))
            m = Member(person, decision, ceremony, confirmed_on=add_months(ceremony, 12))
            joined = max(
                ceremony,
                unit.valid_from,
                rand_day(rng, ceremony, latest) if rng.random() < 0.5 else ceremony,
            )
            m.stints.append(
                [unit.code, joined, None, "ADMITTED" if joined == ceremony else "TRANSFER_IN", ""]
            )
            self.members.append(m)

    def intake_count(self, year: int) -> int:
        per_year = NEAR_INTAKE if self.area == "NEAR" else INTAKE.get(year, INTAKE_LATER)
        if year < self.end.year:
            return per_year
        return round(per_year * ((self.end - D(year, 1, 1)).days + 1) / 365)

    def intake_year(self, year: int) -> None:
        rng = self.rng
        # Decisions up to three weeks before the end: their ceremonies fall before it.
        end = min(D(year, 12, 31), self.end - dt.timedelta(days=21))
        for _ in range(self.intake_count(year)):
            decision = rand_day(rng, D(year, 1, 1), end)
            sectors = None
            if rng.random() < 0.15:
                sectors = {"POLICE", "ARMY"}
            unit = self.choose_unit(decision, sectors)
            age = 18 + min(32, int(rng.gammavariate(2.0, INTAKE_AGE_SCALE)))
            birth = add_years(decision, -age) - dt.timedelta(days=rng.randint(1, 360))
            person = self.person(unit, birth, intake=True, day=decision)
            person["youth_union"] = self.youth_union(person, decision)
            self.admit(unit, decision, person)

    def transfers_in(self, year: int) -> None:
        rng = self.rng
        for _ in range(TRANSFERS_IN_PER_YEAR):
            day = rand_day(rng, D(year, 1, 1), min(D(year, 12, 31), self.end))
            unit = self.choose_unit(
                day, {"AGENCY", "PUBLIC_SERVICE", "POLICE", "ARMY", "RESIDENTIAL", "ENTERPRISE"}
            )
            birth = add_years(day, -rng.randint(24, 50))
            ceremony = rand_day(rng, add_years(birth, 19), day - dt.timedelta(days=400))
            person = self.person(unit, birth, intake=False, day=day)
            m = Member(
                person,
                ceremony - dt.timedelta(days=15),
                ceremony,
                confirmed_on=add_months(ceremony, 12),
            )
            m.stints.append([unit.code, day, None, "TRANSFER_IN", ""])
            self.members.append(m)

    def death_rate(self, age: int) -> float:
        return next(rate for limit, rate in DEATH_RATES if age < limit)

    def yearly_events(self, year: int) -> list[tuple[dt.date, int, object]]:
        """Exits and moves drawn for members present at the start of `year`."""
        rng = self.rng
        start, end = D(year, 1, 1), min(D(year, 12, 31), self.end)
        events: list[tuple[dt.date, int, object]] = []
        for m in self.members:
            if not m.active(start):
                continue
            age = years_between(m.person["birth_date"], start)
            if rng.random() < self.death_rate(age):
                events.append((rand_day(rng, start, end), 2, (m, "DEATH")))
                continue
            for reason, rate in EXIT_RATES.items():
                boost = 2.5 if reason == "TRANSFER_OUT" and age < 45 else 1.0
                if rng.random() < rate * boost:
                    events.append((rand_day(rng, start, end), 2, (m, reason)))
                    break
            else:
                if rng.random() < INTERNAL_TRANSFER_RATE:
                    events.append((rand_day(rng, start, end), 1, (m, "MOVE")))
        return events

    def run(self) -> list[Member]:
        self.build_stock()
        reorgs = sorted(self.plan.reorganisations, key=lambda r: r.day)
        closings = [
            (u.valid_to, u)
            for u in self.plan.units
            if u.valid_to and u.weight > 0 and not any(u.code in r.moves for r in reorgs)
        ]
        for year in range(HISTORY_START.year, self.end.year + 1):
            self.intake_year(year)
            self.transfers_in(year)
            events = self.yearly_events(year)
            events += [(r.day, 0, r) for r in reorgs if r.day.year == year and r.day <= self.end]
            events += [(day, 0, u) for day, u in closings if day.year == year and day <= self.end]
            if self.joining and self.joining[0].year == year:
                events.append((self.joining[0], -1, self.joining[1]))
            events.sort(key=lambda e: (e[0], e[1]))
            for day, _, what in events:
                self.apply(day, what)
            self.probation(year)
        return self.members

    def apply(self, day: dt.date, what) -> None:
        rng = self.rng
        if isinstance(what, list):  # members of the neighbouring communes join
            self.members.extend(what)
            return
        if isinstance(what, UnitSpec):  # a dissolved unit: members move to residential cells
            for m in self.members:
                if m.active(day) and m.unit == what.code and m.stints[-1][1] <= day:
                    m.move(self.choose_unit(day, {"RESIDENTIAL"}).code, day, "TRANSFER")
            return
        if hasattr(what, "moves"):
            for m in self.members:
                if m.active(day) and m.unit in what.moves and m.stints[-1][1] <= day:
                    target = what.moves[m.unit]
                    if target.startswith("SPLIT:"):
                        target = rng.choice(target[6:].split(","))
                    m.move(target, day, "REORGANISED")
            return
        m, action = what
        if not m.active(day) or m.stints[-1][1] > day:
            return
        if action == "MOVE":
            target = self.choose_unit(day)
            if target.code != m.unit:
                m.move(target.code, day, "TRANSFER")
                if target.category == "RESIDENTIAL":
                    place = self.residence(target, day)
                    # The move, kept for the residence history (no draw of its own).
                    m.person.setdefault("moves", []).append((day, m.person["residence"], place))
                    m.person["residence"] = place
        else:
            m.leave(day, action)

    def probation(self, year: int) -> None:
        """Confirm (or strike off) those whose 12 months ended this year."""
        for m in self.members:
            if m.confirmed_on or m.exit_on:
                continue
            end = add_months(m.ceremony_on, 12)
            if end.year != year or end > self.end:
                continue
            if self.rng.random() < PROBATION_FAIL_RATE:
                struck = end + dt.timedelta(days=self.rng.randint(20, 40))
                if struck <= self.end:  # later ones are still awaiting their review
                    m.leave(struck, "STRUCK_OFF")
            else:
                m.confirmed_on = end
