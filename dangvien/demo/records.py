"""The demo's member records: transfers, exits, exemptions, cards, badges, cell
committees, yearly ratings and residence history, drawn from the simulated history.

The simulation decides who is a member where and when; this module writes down what it
did as the records an office keeps (a transfer for every move between units, an exit
decision for every exit, …) and adds the records that change no count (cards, badges,
ratings, exemptions, positions in the cells, temporary stays). Its draws come from a
stream of their own (`Loader` seeds it), so the simulated members, and with them every
figure of 30/11/2017, stay exactly as they were. Two things touch the stints: a few days
in transit between two units (never across 30/11/2017, never past the next change) and a
handful of transfers issued in the last weeks and not yet received.
"""

import datetime as dt
import random
from collections import defaultdict

from django.db.models import Exists, OuterRef, Subquery

from dangvien.core.dates import add_years, years_between
from dangvien.membership.models import ExitReason, Membership
from dangvien.people.models import Person, Position, Residence
from dangvien.records.models import (
    Badge,
    Exemption,
    ExitDecision,
    PartyCard,
    QualityRating,
    TemporaryStay,
    Transfer,
)

from .plan import ARTICLE_DAY, HISTORY_START
from .reform import CITY, NEIGHBOURS, PROVINCE, REFORM_DAY
from .simulate import Member, pick, rand_day

D = dt.date
BATCH = 2000
LATER = dt.date.max  # not (yet) confirmed

# ----- stated rates ---------------------------------------------------------------------
# Transfers within the system: share of moves with days in transit between the sending
# unit's letter and the receiving unit's arrival, and the days (the rest arrive that day).
TRANSIT_SHARE = 0.6
TRANSIT_DAYS = (2, 12)
# Transfers issued in the last weeks and not received yet (the in-transit list), and the
# oldest of them overdue (issued this many days ago, past the time to present the letter).
IN_TRANSIT_NOW = 6
IN_TRANSIT_OVERDUE_DAYS = (40, 60)
# Members in temporary party activity elsewhere (studying or working away): current ones
# and ended ones since 2018.
TEMPORARY_NOW = 8
TEMPORARY_PAST = 20
# Party bodies outside the system, sending members in or receiving them.
OUTSIDE_BODIES = [
    "Huyện ủy Chư Sê, tỉnh Gia Lai",
    "Thị ủy An Khê, tỉnh Gia Lai",
    "Thành ủy Buôn Ma Thuột, tỉnh Đắk Lắk",
    "Thành ủy Kon Tum, tỉnh Kon Tum",
    "Thành ủy Quy Nhơn, tỉnh Bình Định",
    "Đảng ủy Quân khu 5",
    "Quận ủy Hải Châu, thành phố Đà Nẵng",
    "Thành ủy Thủ Đức, Thành phố Hồ Chí Minh",
    "Huyện ủy Krông Pa, tỉnh Gia Lai",
]
HOST_BODIES = [
    "Đảng bộ Học viện Chính trị khu vực III",
    "Đảng bộ Trường Đại học Tây Nguyên",
    "Đảng bộ Đại học Quốc gia Thành phố Hồ Chí Minh",
    "Đảng bộ Trường Đại học Đà Lạt",
]
# Exemption from party work and activity: share of members who get one within three
# years of turning 70, and the yearly share of younger members exempted for illness
# (of whom this share recover and the exemption ends within two years).
EXEMPT_OVER_70 = 0.30
EXEMPT_ILL_PER_YEAR = 0.0012
EXEMPT_ILL_RECOVER = 0.4
# Party cards: handed over this many days after the confirmation (the next cell meeting
# after the decision, as the regulation says); the share reissued over a membership,
# and why.
CARD_DELAY_DAYS = (21, 70)
CARD_REISSUE_SHARE = 0.012
CARD_REISSUE_REASONS = [("LOST", 0.65), ("DAMAGED", 0.35)]
REISSUE_NUMBERS_FROM = 48_000_000  # reissued cards get numbers of a later series
# Badges: a badge reached by an award day is recorded on it, except this share (the
# "due" list): within the last year, and before.
BADGE_PENDING_RECENT = 0.15
BADGE_PENDING_OLDER = 0.01
AWARD_DAYS = ((2, 3), (5, 19), (9, 2), (11, 7))
BADGE_YEARS = Badge.YEARS
# Cell congresses (the demo's choice: twice a term before 2020, twice after; a cell
# opened later holds its first on its first day). A cell with 9 or more full members
# elects a committee (chi ủy) in this share of cases, of 3 (or 5 from 20 full members);
# a smaller cell elects a secretary, and a deputy in this share of cases.
CELL_CONGRESSES = [
    HISTORY_START,
    D(2012, 10, 1),
    D(2015, 4, 1),
    D(2017, 10, 1),
    D(2020, 4, 1),
    D(2022, 10, 1),
    D(2025, 4, 1),
]
COMMITTEE_FROM = 9
COMMITTEE_SHARE = 0.93
SMALL_CELL_DEPUTY = 0.5
# Yearly quality ratings for the last years, of every member in a cell on 1 December.
RATING_YEARS = 5
RATINGS = [("EXCELLENT", 0.15), ("GOOD", 0.70), ("COMPLETED", 0.13), ("NOT_COMPLETED", 0.02)]
# Residence: share of people living where they were born; the others moved in when they
# joined their first cell (or, not members, at a random adult age).
BORN_LOCAL = 0.35

CELL_KINDS = ("CELL", "GRASSROOTS_CELL")
# Residential cells of the two demo officers' wards (the new Pleiku and Diên Hồng).
WARD_FROM, WARD_TO = "C-PLEIKU-P-", "C-DIENHONG-P-"
DISTRICT_BODY = {code: "Huyện ủy " + name.split(" ", 1)[1] for code, name, _ in NEIGHBOURS}


def award_day_on_or_after(day: dt.date) -> dt.date:
    for year in (day.year, day.year + 1):
        for month, dom in AWARD_DAYS:
            if D(year, month, dom) >= day:
                return D(year, month, dom)
    raise AssertionError(day)


class Records:
    """Prepares the simulated members (`prepare`, before they are written) and writes
    their records (`write`, after)."""

    def __init__(self, rng: random.Random, plan, end: dt.date, current: dict[str, str]):
        self.rng = rng
        self.plan = plan
        self.end = end
        self.current = current
        self.specs = {u.code: u for u in plan.units}
        self.pending: list[tuple[int, str]] = []  # (member index, receiving unit)
        self.counts: dict[str, int] = {}

    # ----- helpers ---------------------------------------------------------------------
    def number(self, suffix: str) -> str:
        """A document number of the kind the bodies write: "123-QĐ/TU"."""
        return f"{self.rng.randint(1, 999)}-{suffix}"

    def superior(self, code: str, day: dt.date) -> tuple[str, str]:
        """The city or district committee in force over a unit on a day, and the
        suffix of its documents."""
        if day >= REFORM_DAY:
            return "Tỉnh ủy Gia Lai", "TU"
        here = self.specs.get(code)
        while here is not None:
            if here.code in DISTRICT_BODY:
                return DISTRICT_BODY[here.code], "HU"
            if here.code in (CITY, PROVINCE):
                break
            here = self.specs.get(here.parent or "")
        return "Thành ủy Pleiku", "TU"

    def cell(self, code: str) -> str:
        spec = self.specs[code]
        return spec.parent or code if spec.kind == "PARTY_GROUP" else code

    def unit_on(self, m: Member, day: dt.date) -> str | None:
        for s in m.stints:
            if s[1] <= day and (s[2] is None or s[2] > day):
                return s[0]
        return None

    # ----- before the members are written ----------------------------------------------
    def prepare(self, members: list[Member]) -> None:
        """Days in transit between units, and transfers not yet received."""
        rng = self.rng
        closing = {u.code: u.valid_to for u in self.plan.units if u.valid_to}
        gaps = 0
        for m in members:
            for old, new in zip(m.stints, m.stints[1:], strict=False):
                day = old[2]
                if old[4] != "TRANSFER" or new[3] != "TRANSFER" or closing.get(old[0]) == day:
                    continue
                if rng.random() >= TRANSIT_SHARE:
                    continue
                arrive = day + dt.timedelta(days=rng.randint(*TRANSIT_DAYS))
                if day <= ARTICLE_DAY < arrive or arrive > self.end:
                    continue  # the article's day, and today, stay as simulated
                if new[2] is not None and arrive >= new[2]:
                    continue
                new[1] = arrive
                gaps += 1
        self.counts["transit_gaps"] = gaps
        # A few members leave their unit in the last weeks; the receiving unit has not
        # recorded them yet.
        open_cells = [
            u.code
            for u in self.plan.units
            if u.weight > 0
            and u.kind in CELL_KINDS
            and u.valid_from <= self.end
            and (u.valid_to is None or u.valid_to > self.end)
        ]
        chosen: set[int] = set()
        candidates = [
            i
            for i, m in enumerate(members)
            if m.exit_on is None
            and m.confirmed_on
            and m.stints
            and m.stints[-1][2] is None
            and m.stints[-1][1] < self.end - dt.timedelta(days=400)
            and m.stints[-1][0] in open_cells
            and self.specs[m.stints[-1][0]].category == "RESIDENTIAL"
        ]
        pleiku = [i for i in candidates if members[i].stints[-1][0].startswith(WARD_FROM)]
        while len(chosen) < min(IN_TRANSIT_NOW, len(candidates)):
            # The second one goes between the two demo officers' wards.
            between = len(chosen) == 1 and bool(pleiku)
            i = rng.choice(pleiku if between else candidates)
            if i in chosen:
                continue
            chosen.add(i)
            m = members[i]
            ago = rng.randint(*IN_TRANSIT_OVERDUE_DAYS) if len(chosen) == 1 else rng.randint(3, 25)
            day = self.end - dt.timedelta(days=ago)
            m.stints[-1][2], m.stints[-1][4] = day, "TRANSFER"
            targets = [c for c in open_cells if c != m.stints[-1][0]]
            if between:
                targets = [c for c in targets if c.startswith(WARD_TO)] or targets
            self.pending.append((i, rng.choice(targets)))

    # ----- after -----------------------------------------------------------------------
    def write(self, members: list[Member], memberships: list[Membership], persons, units, locs):
        self.members, self.memberships, self.persons = members, memberships, persons
        self.units, self.locs = units, locs
        self.write_transfers()
        self.write_exits()
        self.write_stays()
        self.write_exemptions()
        self.write_cards()
        self.end_cards_of_exits()
        self.write_badges()
        self.write_cell_positions()
        self.write_ratings()
        self.write_residences()

    def write_transfers(self) -> None:
        rng, units = self.rng, self.units
        rows = []
        for m, ms in zip(self.members, self.memberships, strict=True):
            first = m.stints[0]
            if first[3] == "TRANSFER_IN" and first[1] <= self.end:
                rows.append(
                    Transfer(
                        membership=ms,
                        kind=Transfer.Kind.IN,
                        to_unit=units[first[0]],
                        outside_body=rng.choice(OUTSIDE_BODIES),
                        document_number=f"{rng.randint(1, 999)}-GGT/TU",
                        issued_on=first[1] - dt.timedelta(days=rng.randint(5, 20)),
                        received_on=first[1],
                        received_document=self.number("GGT/BTC"),
                    )
                )
            for old, new in zip(m.stints, m.stints[1:], strict=False):
                if old[4] != "TRANSFER":
                    continue
                _, suffix = self.superior(old[0], old[2])
                rows.append(
                    Transfer(
                        membership=ms,
                        kind=Transfer.Kind.OFFICIAL,
                        from_unit=units[old[0]],
                        to_unit=units[new[0]],
                        document_number=self.number(f"GGT/{suffix}"),
                        issued_on=old[2],
                        received_on=new[1],
                        received_document=self.number("TN/ĐU"),
                        note="" if old[2] != self.specs[old[0]].valid_to else "Giải thể tổ chức",
                    )
                )
            if m.exit_reason == "TRANSFER_OUT":
                last = m.stints[-1]
                _, suffix = self.superior(last[0], last[2])
                rows.append(
                    Transfer(
                        membership=ms,
                        kind=Transfer.Kind.OUT,
                        from_unit=units[last[0]],
                        outside_body=rng.choice(OUTSIDE_BODIES),
                        document_number=self.number(f"GGT/{suffix}"),
                        issued_on=m.exit_on,
                    )
                )
        for i, target in self.pending:
            m = self.members[i]
            last = m.stints[-1]
            _, suffix = self.superior(last[0], last[2])
            rows.append(
                Transfer(
                    membership=self.memberships[i],
                    kind=Transfer.Kind.OFFICIAL,
                    from_unit=units[last[0]],
                    to_unit=units[target],
                    document_number=self.number(f"GGT/{suffix}"),
                    issued_on=last[2],
                )
            )
        Transfer.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["transfers"] = len(rows)

    def write_exits(self) -> None:
        rows = []
        for m, ms in zip(self.members, self.memberships, strict=True):
            if not m.exit_on:
                continue
            body, suffix = self.superior(m.stints[-1][0], m.exit_on)
            death = m.exit_reason == "DEATH"
            rows.append(
                ExitDecision(
                    membership=ms,
                    on=m.exit_on,
                    reason=m.exit_reason,
                    document_number="" if death else self.number(f"QĐ/{suffix}"),
                    decided_by="" if death else f"Ban Thường vụ {body}",
                )
            )
        ExitDecision.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["exits"] = len(rows)

    def write_stays(self) -> None:
        rng, end = self.rng, self.end
        eligible = [
            i
            for i, m in enumerate(self.members)
            if m.exit_on is None
            and m.confirmed_on
            and m.stints[-1][2] is None
            and 22 <= years_between(m.person["birth_date"], end) <= 45
        ]
        picked = rng.sample(eligible, min(len(eligible), TEMPORARY_NOW + TEMPORARY_PAST))
        pleiku = [i for i in eligible if self.members[i].stints[-1][0].startswith(WARD_FROM)]
        if pleiku:
            picked = [rng.choice(pleiku), *[i for i in picked if i not in pleiku]]
        cells = [u for u in self.plan.units if u.weight > 0 and u.kind in CELL_KINDS]
        rows = []
        for n, i in enumerate(picked):
            m = self.members[i]
            home = m.stints[-1]
            if n < TEMPORARY_NOW:
                start = max(home[1], end - dt.timedelta(days=rng.randint(20, 700)))
                until = None
            else:  # an earlier stay, ended: while the member was here
                latest = end - dt.timedelta(days=200)
                start = rand_day(rng, max(m.stints[0][1], D(2018, 1, 1)), latest)
                until = min(start + dt.timedelta(days=rng.randint(90, 900)), latest)
                if start >= latest:
                    continue
                home = [s for s in m.stints if s[1] <= start][-1]
            host = None
            open_cells = [
                u
                for u in cells
                if u.valid_from <= start and (u.valid_to is None or u.valid_to > (until or end))
            ]
            if n == 0:  # one from the new Pleiku ward staying in the new Diên Hồng ward
                host = next((u for u in open_cells if u.code.startswith(WARD_TO)), None)
            elif n % 3 == 0:
                hosts = [u for u in open_cells if u.code != home[0]]
                host = rng.choice(hosts) if hosts else None
            rows.append(
                TemporaryStay(
                    membership=self.memberships[i],
                    host_unit=self.units[host.code] if host else None,
                    host_body="" if host else rng.choice(HOST_BODIES),
                    document_number=self.number("GGT/ĐU"),
                    start_on=start,
                    end_on=until,
                    note="Đi học" if not host else "Làm việc có thời hạn",
                )
            )
        TemporaryStay.objects.bulk_create(rows)
        self.counts["temporary_stays"] = len(rows)

    def write_exemptions(self) -> None:
        rng, end = self.rng, self.end
        rows = []
        for m, ms in zip(self.members, self.memberships, strict=True):
            stop = m.exit_on or end
            birth = m.person["birth_date"]
            seventy = add_years(birth, 70)
            if rng.random() < EXEMPT_OVER_70:
                start = max(seventy, m.stints[0][1]) + dt.timedelta(days=rng.randint(0, 1095))
                if start < stop:
                    rows.append(
                        Exemption(
                            membership=ms,
                            reason=Exemption.Reason.AGE,
                            start_on=start,
                            end_on=m.exit_on,
                            document_number=self.number("QĐ/ĐU"),
                        )
                    )
                    continue
            # Illness: a yearly hazard over the years under 70 spent here since 2010.
            first = max(m.stints[0][1], HISTORY_START)
            last = min(stop, seventy)
            years = max(0.0, (last - first).days / 365.25)
            if years and rng.random() < EXEMPT_ILL_PER_YEAR * years:
                start = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                until = m.exit_on
                if rng.random() < EXEMPT_ILL_RECOVER:
                    until = start + dt.timedelta(days=rng.randint(90, 730))
                    if until >= stop:
                        until = m.exit_on
                rows.append(
                    Exemption(
                        membership=ms,
                        reason=Exemption.Reason.ILLNESS,
                        start_on=start,
                        end_on=until,
                        document_number=self.number("QĐ/ĐU"),
                    )
                )
        Exemption.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["exemptions"] = len(rows)

    def end_cards_of_exits(self) -> None:
        """A member's exit ends the card in use (as `records.exits` does on the pages; a
        transfer out of the system leaves it in use)."""
        exits = (
            ExitDecision.objects.filter(membership=OuterRef("membership"), reversed_on__isnull=True)
            .exclude(reason=ExitReason.TRANSFER_OUT)
            .order_by("-on")
        )
        self.counts["cards_ended_by_exit"] = (
            PartyCard.objects.filter(ended_on__isnull=True)
            .filter(Exists(exits))
            .update(
                ended_on=Subquery(exits.values("on")[:1]),
                ended_by_exit=Subquery(exits.values("pk")[:1]),
            )
        )

    def write_cards(self) -> None:
        """A card for every full member; those confirmed in the last weeks wait for
        theirs; a few lost or damaged cards reissued."""
        rng, end = self.rng, self.end
        rows, changed = [], []
        reissued = REISSUE_NUMBERS_FROM
        for m, ms in zip(self.members, self.memberships, strict=True):
            if not ms.card_number or not m.confirmed_on:
                continue
            issued = m.confirmed_on + dt.timedelta(days=rng.randint(*CARD_DELAY_DAYS))
            if issued > end or (m.exit_on and issued >= m.exit_on):
                ms.card_number = None
                changed.append(ms)
                continue
            unit = self.unit_on(m, m.confirmed_on) or m.stints[0][0]
            body, _ = self.superior(unit, issued)
            card = PartyCard(
                membership=ms, number=ms.card_number, issued_on=issued, issuing_body=body
            )
            rows.append(card)
            stop = m.exit_on or end
            if rng.random() < CARD_REISSUE_SHARE and (stop - issued).days > 400:
                again = issued + dt.timedelta(days=rng.randint(365, (stop - issued).days - 1))
                card.ended_on = again
                reissued += rng.randint(1, 9)
                body, _ = self.superior(self.unit_on(m, again) or unit, again)
                rows.append(
                    PartyCard(
                        membership=ms,
                        number=f"{reissued:08d}",
                        issued_on=again,
                        issuing_body=body,
                        reason=pick(rng, CARD_REISSUE_REASONS),
                    )
                )
                ms.card_number = rows[-1].number
                changed.append(ms)
        PartyCard.objects.bulk_create(rows, batch_size=BATCH)
        Membership.objects.bulk_update(changed, ["card_number"], batch_size=BATCH)
        self.counts["cards"] = len(rows)
        self.counts["cards_reissued"] = sum(1 for c in rows if c.reason != "FIRST")
        self.counts["full_without_card"] = sum(1 for c in changed if not c.card_number)

    def write_badges(self) -> None:
        rng, end = self.rng, self.end
        rows = []
        for m, p in zip(self.members, self.persons, strict=True):
            for years in BADGE_YEARS:
                day = award_day_on_or_after(add_years(m.decision_on, years))
                if day > end:
                    break
                if m.exit_on and m.exit_on <= day:
                    break
                recent = (end - day).days < 365
                if rng.random() < (BADGE_PENDING_RECENT if recent else BADGE_PENDING_OLDER):
                    continue
                rows.append(
                    Badge(
                        person=p,
                        years=years,
                        awarded_on=day,
                        decision_number=f"{rng.randint(100, 2999)}-QĐ/TU",
                    )
                )
        Badge.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["badges"] = len(rows)

    def write_cell_positions(self) -> None:
        """Secretaries, deputies and committees elected at each cell congress."""
        rng, end = self.rng, self.end
        cells = [u for u in self.plan.units if u.kind in CELL_KINDS and u.valid_from <= end]
        at: dict[str, list[tuple[int, list]]] = defaultdict(list)  # cell: (member, stint)
        for i, m in enumerate(self.members):
            for s in m.stints:
                if s[0] in self.specs:
                    at[self.cell(s[0])].append((i, s))
        rows = []
        for cell in cells:
            days = sorted(
                {d for d in CELL_CONGRESSES if cell.valid_from <= d}
                | ({cell.valid_from} if cell.valid_from > HISTORY_START else set())
            )
            days = [d for d in days if d <= end and (cell.valid_to is None or d < cell.valid_to)]
            for k, day in enumerate(days):
                term_end = days[k + 1] if k + 1 < len(days) else cell.valid_to
                full = [
                    (i, s)
                    for i, s in at[cell.code]
                    if s[1] <= day
                    and (s[2] is None or s[2] > day)
                    and (self.members[i].confirmed_on or LATER) <= day
                ]
                if not full:
                    continue
                full.sort(key=lambda e: e[0])
                if len(full) >= COMMITTEE_FROM and rng.random() < COMMITTEE_SHARE:
                    size = 5 if len(full) >= 20 else 3
                elif len(full) >= 3:
                    size = 2 if len(full) >= 5 and rng.random() < SMALL_CELL_DEPUTY else 1
                else:
                    continue
                weights = [
                    3.0
                    if 30 <= years_between(self.members[i].person["birth_date"], day) <= 62
                    else 0.3
                    for i, _ in full
                ]
                chosen: list[tuple[int, list]] = []
                while len(chosen) < size:
                    pickd = rng.choices(full, weights=weights)[0]
                    if pickd not in chosen:
                        chosen.append(pickd)
                kinds = ["CELL_SECRETARY", "CELL_DEPUTY_SECRETARY"] + ["CELL_COMMITTEE"] * 5
                holding = {i for i, _ in chosen}
                for kind, (i, s) in zip(kinds, chosen, strict=False):
                    start = day
                    for _ in range(6):  # a holder who leaves is replaced by a by-election
                        ends = [d for d in (term_end, s[2]) if d]
                        stop = min(ends) if ends else None
                        rows.append(
                            Position(
                                person=self.persons[i],
                                kind=kind,
                                unit=self.units[cell.code],
                                start_on=start,
                                end_on=stop,
                            )
                        )
                        if stop is None or stop == term_end or stop > end:
                            break
                        pool = [
                            (j, t)
                            for j, t in at[cell.code]
                            if j not in holding
                            and t[1] <= stop
                            and (t[2] is None or t[2] > stop)
                            and (self.members[j].confirmed_on or LATER) <= stop
                        ]
                        if not pool:
                            break
                        i, s = rng.choice(pool)
                        holding.add(i)
                        start = stop
        Position.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["cell_positions"] = len(rows)

    def write_ratings(self) -> None:
        rng, end = self.rng, self.end
        last = end.year if end >= D(end.year, 12, 15) else end.year - 1
        rows = []
        for year in range(last - RATING_YEARS + 1, last + 1):
            day = D(year, 12, 1)
            for m, ms in zip(self.members, self.memberships, strict=True):
                if m.ceremony_on > day or (m.exit_on and m.exit_on <= day):
                    continue
                unit = self.unit_on(m, day)
                if unit is None:
                    continue
                rows.append(
                    QualityRating(
                        membership=ms,
                        year=year,
                        grade=pick(rng, RATINGS),
                        unit=self.units[self.cell(unit)],
                    )
                )
        QualityRating.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["ratings"] = len(rows)

    def chain(
        self, code: str, start: dt.date | None, until: dt.date | None, died: dt.date | None = None
    ) -> list:
        """(locality, start, end) for living at `code` from `start` to `until`, following
        the locality into its successor where it was taken over one to one (renamed,
        re-parented), as the current residence does; never after `died`: the dead keep
        the place they lived in when they died (`load.lived_at`)."""
        rows = []
        here = code
        while True:
            loc = self.locs[here]
            after_death = died is not None and loc.valid_to is not None and loc.valid_to >= died
            if self.current.get(here, here) != here and loc.valid_to and not after_death:
                if until is not None and loc.valid_to >= until:
                    break
                if start is None or loc.valid_to > start:
                    rows.append((loc, start, loc.valid_to))
                    start = loc.valid_to
                here = self.successors[here][0]
                continue
            break
        rows.append((self.locs[here], start, until))
        return [r for r in rows if r[1] is None or r[2] is None or r[2] > r[1]]

    def write_residences(self) -> None:
        """Each member's places over time: the simulated moves between residential cells."""
        rng = self.rng
        self.successors = {lo.code: lo.successors for lo in self.plan.localities}
        rows = []
        for m, p in zip(self.members, self.persons, strict=True):
            moves = m.person.get("moves", [])
            here = moves[0][1] if moves else m.person.get("residence")
            if not here or here not in self.locs or not p.residence_id:
                continue
            birth = m.person["birth_date"]
            start: dt.date | None = birth if rng.random() < BORN_LOCAL else m.stints[0][1]
            for day, _old, new in moves:
                if new == here:
                    continue
                rows += [
                    Residence(person=p, locality=lo, start_on=s, end_on=e)
                    for lo, s, e in self.chain(here, start, day)
                ]
                here, start = new, day
            died = m.exit_on if m.exit_reason == "DEATH" else None
            rows += [
                Residence(person=p, locality=lo, start_on=s, end_on=e)
                for lo, s, e in self.chain(here, start, None, died)
            ]
        Residence.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["residences"] = len(rows)

    def write_other_residences(self) -> None:
        """Everyone else (heads not members, candidates): their current place, since
        birth or since they moved there as adults."""
        rng = self.rng
        people = (
            Person.objects.filter(residence__isnull=False)
            .exclude(Exists(Residence.objects.filter(person=OuterRef("pk"))))
            .only("pk", "birth_date", "residence_id")
            .order_by("pk")
        )
        rows = []
        for p in people:
            start = p.birth_date
            if rng.random() >= BORN_LOCAL:
                start = add_years(p.birth_date, 18) + dt.timedelta(days=rng.randint(0, 7000))
                start = min(start, self.end)
            rows.append(Residence(person=p, locality_id=p.residence_id, start_on=start))
        Residence.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["residences"] = self.counts.get("residences", 0) + len(rows)
