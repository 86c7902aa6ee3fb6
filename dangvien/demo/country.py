"""A synthetic country for the benchmarks: `dangvien generate --members N`.

The national top `VN`, 34 provinces `T01`…`T34` of skewed sizes, and under each one
commune and ward committees (each leading its commune or ward, one cell per hamlet,
village or residential group), agency, public-service, enterprise, police and army
grassroots organisations (a committee with cells, or a grassroots cell when small) and a
few party groups. About 118 members per grassroots organisation and 22 per cell (the
national figures). `N` is the number of members on the day it is made; members who left
(died or struck off) over the 15 years come on top.

History over 15 years: admissions (decision and ceremony), confirmation after 12 months,
transfers between cells (a Transfer row, the stint ended and a new one begun), exits with
their decision, party cards, a residence per person, and on 01/07/2025 in each province a
few pairs of communes merged into new ones (old units, cells and localities close and
name their successors; members' stints end and begin again, REORGANISED). Candidates at
every stage of the pipeline, their events in order.

The people's attributes are drawn by the demo's `Simulation.person` (sex, ethnicity,
religion, education, occupation) on template units of each sector, names by the demo's
`person_name`. Rows are written one province at a time, with COPY on PostgreSQL and
batched inserts on SQLite, with primary keys allocated here: memory stays bounded by the
largest province's chunk, not the country.
"""

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dangvien.admission.models import Candidate, Event, Stage
from dangvien.core.dates import add_months, add_years
from dangvien.core.text import clean_name, search_key, sort_key
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people import scope as person_scope
from dangvien.people.models import Person, Residence
from dangvien.records.models import ExitDecision, PartyCard, Transfer
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion
from dangvien.stats import store as stats

from .candidates import TARGETS
from .names import person_name
from .plan import LocalitySpec, Plan, UnitSpec
from .simulate import INTAKE_AGE_SCALE, Simulation

REORG_DAY = dt.date(2025, 7, 1)
FOUNDED = dt.date(1976, 1, 1)  # the original units; VN and the provinces are older
PARTY_FOUNDED = dt.date(1930, 2, 3)
YEARS = 15
PER_GRASSROOTS = 118  # members per grassroots organisation (national figures)
PER_CELL = 22  # members per cell
PER_COMMUNE = 265  # members per commune or ward committee
COMMUNE_SHARE = 0.45  # members in commune and ward committees; the rest in agencies
WARD_SHARE = 0.25  # communes that are wards (residential groups, not hamlets)
GRASSROOTS_CELL_MAX = 30  # an agency organisation this small is a grassroots cell
INTAKE_SHARE = 0.3  # current members admitted within the 15 years
EXIT_SHARE = 0.12  # members who left over the 15 years, per current member
DEATH_SHARE = 0.75  # of those, deaths (the rest struck off)
TRANSFER_SHARE = 0.08  # members who moved between cells once
MERGE_SHARE = 0.1  # communes merged in pairs on REORG_DAY (at least one pair a province)
PARTY_GROUP_SHARE = 0.3  # cells of 30 members or more holding a party group
CANDIDATES_PER_CELL = 1.2  # candidates in flight (before the ceremony) per cell
RECENT_CANDIDACY = 730  # days: members admitted this recently keep their dossier
CHUNK = 20_000  # rows buffered per table before they are written

# (name, city, weight, share of villages among hamlets): the 34 provinces of 2025.
PROVINCES = [
    ("Hà Nội", True, 10.0, 0.0),
    ("Thành phố Hồ Chí Minh", True, 9.0, 0.0),
    ("Thanh Hóa", False, 5.0, 0.15),
    ("Nghệ An", False, 4.6, 0.2),
    ("Hải Phòng", True, 4.0, 0.0),
    ("Ninh Bình", False, 3.8, 0.05),
    ("Phú Thọ", False, 3.6, 0.3),
    ("Bắc Ninh", False, 3.3, 0.05),
    ("Hưng Yên", False, 3.2, 0.0),
    ("Đồng Nai", False, 3.0, 0.05),
    ("Thái Nguyên", False, 2.7, 0.3),
    ("An Giang", False, 2.6, 0.05),
    ("Quảng Ninh", False, 2.4, 0.1),
    ("Hà Tĩnh", False, 2.3, 0.05),
    ("Đắk Lắk", False, 2.3, 0.4),
    ("Quảng Trị", False, 2.1, 0.2),
    ("Gia Lai", False, 2.1, 0.5),
    ("Tây Ninh", False, 2.0, 0.02),
    ("Lâm Đồng", False, 2.0, 0.35),
    ("Đồng Tháp", False, 2.0, 0.02),
    ("Vĩnh Long", False, 1.9, 0.05),
    ("Khánh Hòa", False, 1.9, 0.15),
    ("Quảng Ngãi", False, 1.8, 0.3),
    ("Đà Nẵng", True, 1.8, 0.05),
    ("Cần Thơ", True, 1.7, 0.05),
    ("Cà Mau", False, 1.5, 0.03),
    ("Lào Cai", False, 1.5, 0.6),
    ("Tuyên Quang", False, 1.4, 0.6),
    ("Sơn La", False, 1.3, 0.8),
    ("Huế", True, 1.2, 0.1),
    ("Lạng Sơn", False, 1.0, 0.7),
    ("Điện Biên", False, 0.7, 0.8),
    ("Cao Bằng", False, 0.7, 0.8),
    ("Lai Châu", False, 0.5, 0.85),
]
SYLLABLES = [
    "An",
    "Bình",
    "Hòa",
    "Phú",
    "Tân",
    "Thạnh",
    "Long",
    "Hưng",
    "Phước",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Thành",
    "Lợi",
    "Mỹ",
    "Trung",
    "Quang",
    "Hiệp",
    "Thuận",
    "Vĩnh",
    "Xuân",
    "Hải",
    "Sơn",
    "Lộc",
    "Thịnh",
    "Đức",
    "Minh",
    "Hợp",
    "Nghĩa",
    "Yên",
    "Cát",
    "Tiến",
    "Phong",
    "Khánh",
]
# Agency organisations by sector: (category, weight, name prefix).
SECTORS = [
    ("AGENCY", 0.34, "Đảng bộ cơ quan"),
    ("PUBLIC_SERVICE", 0.3, "Đảng bộ trường, bệnh viện"),
    ("ENTERPRISE", 0.2, "Đảng bộ công ty"),
    ("POLICE", 0.09, "Đảng bộ công an"),
    ("ARMY", 0.07, "Đảng bộ quân sự"),
]
STAGE_EVENTS = [  # the events that put a candidate in each stage, in order
    (Stage.LISTED, ["LISTED"]),
    (Stage.COURSE_DONE, ["COURSE_CERTIFICATE"]),
    (Stage.APPLIED, ["APPLICATION", "DECLARATION"]),
    (Stage.VERIFYING, ["VERIFICATION_REQUEST", "VERIFICATION_ANSWER"]),
    (Stage.INTRODUCED, ["INTRODUCTION"]),
    (Stage.COMMENTED, ["RESIDENCE_COMMENT"]),
    (Stage.CELL_VOTED, ["CELL_VOTE"]),
    (Stage.GRASSROOTS_VOTED, ["GRASSROOTS_VOTE"]),
    (Stage.DECIDED, ["DECISION"]),
    (Stage.CEREMONY_HELD, ["CEREMONY"]),
    (Stage.PROBATION, ["HELPER_COMMENT"]),  # the helper's comments, six months in
    (Stage.CONFIRMED, ["CONFIRMATION_DECISION"]),
    (Stage.CARD_ISSUED, ["CARD_ISSUED"]),
]
STAGE_INDEX = {stage: i for i, (stage, _) in enumerate(STAGE_EVENTS)}


def allocate(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, largest remainders first (exact sum)."""
    if not weights:
        return []
    s = sum(weights) or 1.0
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass(slots=True)
class U:
    """A unit being generated (before it is a row)."""

    id: int
    code: str
    name: str
    kind: str
    category: str
    parent: "U | None"
    path: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    locality: int | None = None
    template: str = ""
    members: int = 0
    hamlet: int | None = None  # the locality a commune cell serves
    predecessor: "U | None" = None  # a merged commune's cell: the cell it carried over


@dataclass(slots=True)
class L:
    id: int
    code: str
    path: str


@dataclass
class Counts:
    members: int = 0
    rows: int = 0
    tables: dict[str, int] = field(default_factory=dict)


class Sink:
    """Rows buffered per table and written in chunks: COPY on PostgreSQL, executemany on
    SQLite. Each model takes the columns named at registration, the others their default."""

    def __init__(self, counts: Counts):
        connection.ensure_connection()
        self.pg = connection.vendor == "postgresql"
        self.counts = counts
        self.order: list[type[models.Model]] = []
        self.spec: dict[type[models.Model], tuple[str, list[int], tuple]] = {}
        self.buf: dict[type[models.Model], list[tuple]] = {}
        self.next_id: dict[type[models.Model], int] = {}

    def register(self, model, names: list[str]) -> None:
        meta = model._meta
        given = [meta.get_field(n) for n in names]
        rest = [f for f in meta.concrete_fields if f.name not in names and not f.primary_key]
        fields = given + rest
        cols = ", ".join(connection.ops.quote_name(c) for c in ["id", *(f.column for f in fields)])
        table = connection.ops.quote_name(meta.db_table)
        if self.pg:
            sql = f"COPY {table} ({cols}) FROM STDIN"
        else:
            marks = ", ".join(["?"] * (len(fields) + 1))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        dates = [
            i + 1
            for i, f in enumerate(given)
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        ]
        defaults = tuple(f.get_default() for f in rest)
        self.spec[model] = (sql, dates if not self.pg else [], defaults)
        self.buf[model] = []
        self.order.append(model)
        last = model.objects.aggregate(m=models.Max("pk"))["m"] or 0
        self.next_id[model] = last + 1

    def new_id(self, model) -> int:
        i = self.next_id[model]
        self.next_id[model] = i + 1
        return i

    def add(self, model, row: tuple) -> None:
        buf = self.buf[model]
        buf.append(row)
        if len(buf) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for model in self.order:  # parents first (foreign keys)
            rows = self.buf[model]
            if not rows:
                continue
            sql, dates, defaults = self.spec[model]
            self.counts.rows += len(rows)
            name = model._meta.model_name or ""
            self.counts.tables[name] = self.counts.tables.get(name, 0) + len(rows)
            if self.pg:
                with connection.connection.cursor() as cur, cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row + defaults)
            else:
                out = []
                for row in rows:
                    if dates:
                        fixed = list(row)
                        for i in dates:
                            if fixed[i] is not None:
                                fixed[i] = fixed[i].isoformat()
                        row = tuple(fixed)
                    out.append(row + defaults)
                connection.connection.executemany(sql, out)
            self.buf[model] = []

    def finish(self) -> None:
        self.flush()
        if self.pg:
            with connection.cursor() as cur:
                for sql in connection.ops.sequence_reset_sql(no_style(), self.order):
                    cur.execute(sql)


class Country:
    def __init__(
        self,
        members: int,
        seed: int = 1,
        end: dt.date | None = None,
        log: Callable[[str], None] | None = None,
    ):
        self.total = members
        self.seed = seed
        self.end = end or timezone.localdate()
        self.start = dt.date(self.end.year - YEARS, 1, 1)
        self.log = log or (lambda s: None)
        self.counts = Counts()
        self.keys: dict[str, tuple[str, str]] = {}

    # ----- sizes ----------------------------------------------------------------------
    def province_sizes(self) -> list[int]:
        rng = random.Random(self.seed)
        weights = [w * math.exp(rng.gauss(0, 0.15)) for _, _, w, _ in PROVINCES]
        return allocate(self.total, weights)

    # ----- the whole run --------------------------------------------------------------
    def run(self, progress: Callable[[int, int, str, int], None] | None = None) -> Counts:
        s = Sink(self.counts)
        self.sink = s
        s.register(
            Locality,
            [
                "code",
                "name",
                "kind",
                "path",
                "depth",
                "valid_from",
                "valid_to",
                "parent",
                "search_name",  # COPY skips save(): the pickers' accent-free names
            ],
        )
        s.register(
            OrgUnit,
            [
                "code",
                "name",
                "kind",
                "category",
                "path",
                "depth",
                "valid_from",
                "valid_to",
                "parent",
                "locality",
                "search_name",
            ],
        )
        s.register(Locality.successors.through, ["from_locality", "to_locality"])
        s.register(OrgUnit.successors.through, ["from_orgunit", "to_orgunit"])
        s.register(LocalityCell, ["locality", "cell", "valid_from", "valid_to"])
        s.register(
            Person,
            [
                "full_name",
                "search_name",
                "sort_name",
                "birth_date",
                "sex",
                "citizen_id",
                "ethnicity",
                "religion",
                "general_education",
                "professional",
                "political_theory",
                "occupation",
                "residence",
                "youth_union_member",
                "business_owner",
            ],
        )
        s.register(Residence, ["person", "locality", "start_on", "end_on"])
        s.register(
            Membership,
            [
                "person",
                "decision_on",
                "decision_number",
                "ceremony_on",
                "confirmed_on",
                "card_number",
                "exit_on",
                "exit_reason",
            ],
        )
        s.register(Stint, ["membership", "unit", "start_on", "end_on", "reason_in", "reason_out"])
        s.register(
            Transfer,
            [
                "membership",
                "kind",
                "from_unit",
                "to_unit",
                "document_number",
                "issued_on",
                "received_on",
                "recorded_at",
            ],
        )
        s.register(
            ExitDecision,
            ["membership", "on", "reason", "document_number", "decided_by", "recorded_at"],
        )
        s.register(
            PartyCard, ["membership", "number", "issued_on", "issuing_body", "reason", "ended_on"]
        )
        s.register(
            Candidate,
            ["person", "cell", "listed_on", "stage", "stage_since", "membership", "difficult_area"],
        )
        s.register(Event, ["candidate", "kind", "date", "document_number", "recorded_at"])
        now = timezone.now()
        self.recorded_at = now if s.pg else connection.ops.adapt_datetimefield_value(now)
        self.ethnicity = dict(Ethnicity.objects.values_list("code", "pk"))
        self.religion = dict(Religion.objects.values_list("code", "pk"))
        self.birth_codes = sorted(ProvinceCode.objects.values_list("code", flat=True)) or ["001"]
        self.cccd_next: dict[str, int] = {}

        sizes = self.province_sizes()
        with transaction.atomic():
            vn_loc = L(s.new_id(Locality), "VN", "VN/")
            s.add(
                Locality,
                (
                    vn_loc.id,
                    "VN",
                    "Việt Nam",
                    "PROVINCE",
                    "VN/",
                    0,
                    PARTY_FOUNDED,
                    None,
                    None,
                    search_key("Việt Nam"),
                ),
            )
            self.vn = U(
                s.new_id(OrgUnit),
                "VN",
                "Đảng Cộng sản Việt Nam",
                "SUPERIOR",
                "AGENCY",
                None,
                "VN/",
                PARTY_FOUNDED,
                locality=vn_loc.id,
            )
            self.add_unit(self.vn)
            self.vn_loc = vn_loc
            s.flush()
        for i, members in enumerate(sizes):
            with transaction.atomic():
                self.province(i, members)
                s.flush()
            if progress:
                progress(i + 1, len(sizes), f"T{i + 1:02d} {PROVINCES[i][0]}", members)
        with transaction.atomic():
            s.finish()
        stats.rebuild()  # COPY sends no signal: the precomputed counts from the rows
        person_scope.rebuild()  # and the person → scope table
        return self.counts

    # ----- rows -----------------------------------------------------------------------
    def add_unit(self, u: U) -> None:
        self.sink.add(
            OrgUnit,
            (
                u.id,
                u.code,
                u.name,
                u.kind,
                u.category,
                u.path,
                u.path.count("/") - 1,
                u.valid_from,
                u.valid_to,
                u.parent.id if u.parent else None,
                u.locality,
                search_key(u.name),
            ),
        )

    def add_locality(self, code, name, kind, parent: L, valid_from, valid_to=None) -> L:
        s = self.sink
        loc = L(s.new_id(Locality), code, parent.path + code + "/")
        s.add(
            Locality,
            (
                loc.id,
                code,
                name,
                kind,
                loc.path,
                loc.path.count("/") - 1,
                valid_from,
                valid_to,
                parent.id,
                search_key(name),
            ),
        )
        return loc

    def unit(self, code, name, kind, category, parent: U, valid_from, **kw) -> U:
        u = U(
            self.sink.new_id(OrgUnit),
            code,
            name,
            kind,
            category,
            parent,
            parent.path + code + "/",
            valid_from,
            **kw,
        )
        self.add_unit(u)
        return u

    def succeed(self, model, old_id: int, new_id: int) -> None:
        self.sink.add(
            model.successors.through, (self.sink.new_id(model.successors.through), old_id, new_id)
        )

    # ----- one province ---------------------------------------------------------------
    def province(self, index: int, total: int) -> None:
        s = self.sink
        name, city, _, villages = PROVINCES[index]
        rng = random.Random(self.seed * 1000 + index)
        code = f"T{index + 1:02d}"
        kind_name = "thành phố" if city else "tỉnh"
        ploc = self.add_locality(
            code,
            name if city else f"Tỉnh {name}",
            "CITY" if city else "PROVINCE",
            self.vn_loc,
            PARTY_FOUNDED,
        )
        pu = self.unit(
            code,
            f"Đảng bộ {kind_name} {name}",
            "SUPERIOR",
            "AGENCY",
            self.vn,
            PARTY_FOUNDED,
            locality=ploc.id,
        )

        commune_members = round(total * COMMUNE_SHARE)
        n_communes = max(2, round(commune_members / PER_COMMUNE))
        n_commune_cells = max(n_communes, round(commune_members / PER_CELL))
        n_grassroots = max(n_communes + 1, round(total / PER_GRASSROOTS))
        n_agencies = n_grassroots - n_communes

        # Communes and wards, their hamlets and cells; the first pairs merge on REORG_DAY.
        n_pairs = max(1, round(n_communes * MERGE_SHARE / 2))
        cw = [math.exp(rng.gauss(0, 0.5)) for _ in range(n_communes)]
        cells_per = [max(1, c) for c in allocate(n_commune_cells, cw)]
        communes: list[tuple[U, L, list[U], bool]] = []
        for c in range(n_communes):
            ward = city and rng.random() < 0.7 or rng.random() < WARD_SHARE
            closes = REORG_DAY if c < 2 * n_pairs else None
            ccode = f"{code}-X{c + 1:03d}"
            cname = f"{rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
            loc = self.add_locality(
                ccode,
                f"{'Phường' if ward else 'Xã'} {cname}",
                "WARD" if ward else "COMMUNE",
                ploc,
                FOUNDED,
                closes,
            )
            cu = self.unit(
                ccode,
                f"Đảng bộ {'phường' if ward else 'xã'} {cname}",
                "GRASSROOTS_COMMITTEE",
                "COMMUNE_WARD",
                pu,
                FOUNDED,
                locality=loc.id,
                valid_to=closes,
            )
            cells = []
            for k in range(cells_per[c]):
                if ward:
                    hkind, hname, tpl = "RESIDENTIAL_GROUP", f"Tổ dân phố {k + 1}", "WARD"
                elif rng.random() < villages:
                    hkind, hname, tpl = "VILLAGE", f"Bản {rng.choice(SYLLABLES)}", "VILLAGE"
                else:
                    hkind, hname, tpl = "HAMLET", f"Thôn {k + 1}", "COMMUNE"
                h = self.add_locality(f"{ccode}-{k + 1:02d}", hname, hkind, loc, FOUNDED, closes)
                cname_cell = hname if hkind == "VILLAGE" else hname[0].lower() + hname[1:]
                cell = self.unit(
                    f"{ccode}-C{k + 1:02d}",
                    f"Chi bộ {cname_cell}",
                    "CELL",
                    "RESIDENTIAL",
                    cu,
                    FOUNDED,
                    template=tpl,
                    hamlet=h.id,
                    valid_to=closes,
                )
                s.add(LocalityCell, (s.new_id(LocalityCell), h.id, cell.id, FOUNDED, closes))
                cells.append(cell)
            communes.append((cu, loc, cells, ward))

        holding: list[U] = []
        for m in range(n_pairs):
            a, b = communes[2 * m], communes[2 * m + 1]
            ward = a[3]
            mcode = f"{code}-M{m + 1:02d}"
            label = a[0].name.split(" ", 3)[-1]
            mloc = self.add_locality(
                mcode,
                f"{'Phường' if ward else 'Xã'} {label}",
                "WARD" if ward else "COMMUNE",
                ploc,
                REORG_DAY,
            )
            mu = self.unit(
                mcode,
                f"Đảng bộ {'phường' if ward else 'xã'} {label}",
                "GRASSROOTS_COMMITTEE",
                "COMMUNE_WARD",
                pu,
                REORG_DAY,
                locality=mloc.id,
            )
            n = 0
            for old_u, old_loc, cells, _ in (a, b):
                self.succeed(OrgUnit, old_u.id, mu.id)
                self.succeed(Locality, old_loc.id, mloc.id)
                for cell in cells:
                    n += 1
                    hname = f"Tổ dân phố {n}" if ward else f"Thôn {n}"
                    hkind = "RESIDENTIAL_GROUP" if ward else "HAMLET"
                    h = self.add_locality(f"{mcode}-{n:02d}", hname, hkind, mloc, REORG_DAY)
                    self.succeed(Locality, cell.hamlet or 0, h.id)
                    new = self.unit(
                        f"{mcode}-C{n:02d}",
                        f"Chi bộ {hname[0].lower()}{hname[1:]}",
                        "CELL",
                        "RESIDENTIAL",
                        mu,
                        REORG_DAY,
                        template=cell.template,
                        hamlet=h.id,
                        predecessor=cell,
                    )
                    self.succeed(OrgUnit, cell.id, new.id)
                    s.add(LocalityCell, (s.new_id(LocalityCell), h.id, new.id, REORG_DAY, None))
                    holding.append(new)
        for _cu, _, cells, _ in communes[2 * n_pairs :]:
            holding += cells
        commune_cells = list(holding)

        # Agency, public-service, enterprise, police and army organisations.
        aw = [math.exp(rng.gauss(0, 0.8)) for _ in range(n_agencies)]
        agency_members = allocate(total - commune_members, aw)
        agency_cells: list[U] = []
        for ai, size in enumerate(agency_members):
            category, _, prefix = rng.choices(SECTORS, weights=[w for _, w, _ in SECTORS])[0]
            acode = f"{code}-A{ai + 1:03d}"
            aname = f"{prefix} {rng.choice(SYLLABLES)} {rng.choice(SYLLABLES)}"
            if size <= GRASSROOTS_CELL_MAX:
                org = self.unit(
                    acode,
                    aname.replace("Đảng bộ", "Chi bộ", 1),
                    "GRASSROOTS_CELL",
                    category,
                    pu,
                    FOUNDED,
                    template=category,
                )
                agency_cells.append(org)
                continue
            org = self.unit(acode, aname, "GRASSROOTS_COMMITTEE", category, pu, FOUNDED)
            for k in range(max(2, round(size / PER_CELL))):
                agency_cells.append(
                    self.unit(
                        f"{acode}-C{k + 1:02d}",
                        f"Chi bộ {k + 1}",
                        "CELL",
                        category,
                        org,
                        FOUNDED,
                        template=category,
                    )
                )
        holding += agency_cells
        # Members: commune cells share the commune members, agency cells the rest.
        for cells, n in ((commune_cells, commune_members), (agency_cells, total - commune_members)):
            for u, k in zip(
                cells, allocate(n, [math.exp(rng.gauss(0, 0.4)) for _ in cells]), strict=True
            ):
                u.members = k
        groups = []
        for u in holding:
            if u.kind == "CELL" and u.members >= 30 and rng.random() < PARTY_GROUP_SHARE:
                g = self.unit(
                    f"{u.code}-G1",
                    "Tổ đảng 1",
                    "PARTY_GROUP",
                    u.category,
                    u,
                    u.valid_from,
                    template=u.template,
                    hamlet=u.hamlet,
                    predecessor=u.predecessor,
                )
                g.members = rng.randint(3, 8)
                u.members -= g.members
                groups.append(g)
        holding += groups
        s.flush()

        hamlets = [u.hamlet for u in commune_cells if u.hamlet and u.predecessor is None] or [
            ploc.id
        ]
        stable = [u for u in holding if u.predecessor is None and u.kind != "PARTY_GROUP"]
        sim = self.simulation(rng)
        people = People(self, sim, rng, code, hamlets, stable)
        for u in holding:
            for _ in range(u.members):
                people.member(u, exiting=False)
            exits = int(u.members * EXIT_SHARE + rng.random())
            for _ in range(exits):
                people.member(u, exiting=True)
        for u in holding:
            if u.kind == "PARTY_GROUP":
                continue
            n = int(CANDIDATES_PER_CELL + rng.random() * 2 - 1 + 0.5)
            for _ in range(max(0, n)):
                people.candidate(u)
        self.counts.members += total

    def simulation(self, rng: random.Random) -> Simulation:
        """The demo's simulation on template units, one per kind of cell, for its
        attribute draws (`person`, `stock_birth`, `death_rate`)."""
        d = FOUNDED
        locs = [
            LocalitySpec("L-WARD", "", "WARD", None, d),
            LocalitySpec("L-COMMUNE", "", "COMMUNE", None, d),
            LocalitySpec("L-TDP", "", "RESIDENTIAL_GROUP", "L-WARD", d),
            LocalitySpec("L-THON", "", "HAMLET", "L-COMMUNE", d),
            LocalitySpec("L-LANG", "", "VILLAGE", "L-COMMUNE", d),
        ]
        units = [
            UnitSpec(
                "P-WARD", "", "GRASSROOTS_COMMITTEE", "COMMUNE_WARD", None, d, locality="L-WARD"
            ),
            UnitSpec(
                "P-COMMUNE",
                "",
                "GRASSROOTS_COMMITTEE",
                "COMMUNE_WARD",
                None,
                d,
                locality="L-COMMUNE",
            ),
            UnitSpec("WARD", "", "CELL", "RESIDENTIAL", "P-WARD", d, serves=["L-TDP"]),
            UnitSpec("COMMUNE", "", "CELL", "RESIDENTIAL", "P-COMMUNE", d, serves=["L-THON"]),
            UnitSpec("VILLAGE", "", "CELL", "RESIDENTIAL", "P-COMMUNE", d, serves=["L-LANG"]),
            UnitSpec("P-AGENCY", "", "GRASSROOTS_COMMITTEE", "AGENCY", None, d),
        ]
        for category, _, _ in SECTORS:
            units.append(UnitSpec(category, "", "CELL", category, "P-AGENCY", d))
        sim = Simulation(rng, Plan(locs, units, []), self.end)
        sim.templates = {u.code: u for u in units}  # type: ignore[attr-defined]
        return sim

    def name_keys(self, name: str) -> tuple[str, str]:
        keys = self.keys.get(name)
        if keys is None:
            keys = self.keys[name] = (search_key(name), sort_key(name))
        return keys

    def cccd(self, rng: random.Random, sex: str, birth: dt.date) -> str | None:
        if rng.random() > 0.9:
            return None
        century = (0 if birth.year < 2000 else 2) + (1 if sex == "F" else 0)
        prefix = f"{rng.choice(self.birth_codes)}{century}{birth.year % 100:02d}"
        n = self.cccd_next.get(prefix, 0)
        if n >= 1_000_000:
            return None
        self.cccd_next[prefix] = n + 1
        return f"{prefix}{n:06d}"


class People:
    """The members and candidates of one province."""

    def __init__(self, country: Country, sim: Simulation, rng, code, hamlets, stable):
        self.c = country
        self.s = country.sink
        self.sim = sim
        self.rng = rng
        self.code = code
        self.hamlets = hamlets
        self.stable = stable
        self.end = country.end
        self.start = country.start

    def rand_day(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randint(0, max(0, (b - a).days)))

    def person(
        self, template: str, birth: dt.date, intake: bool, day: dt.date, residence: int | None
    ) -> int:
        c, s, rng = self.c, self.s, self.rng
        attrs = self.sim.person(self.sim.templates[template], birth, intake, day)  # type: ignore[attr-defined]
        name = clean_name(person_name(rng, attrs["sex"], attrs["ethnicity"]))
        search, sort = c.name_keys(name)
        pid = s.new_id(Person)
        youth = self.end.year - birth.year <= 30 and rng.random() < 0.8
        s.add(
            Person,
            (
                pid,
                name,
                search,
                sort,
                birth,
                attrs["sex"],
                c.cccd(rng, attrs["sex"], birth),
                c.ethnicity.get(attrs["ethnicity"]) or c.ethnicity["01"],
                c.religion.get(attrs["religion"]) or c.religion["00"],
                attrs["general_education"],
                attrs["professional"],
                attrs["political_theory"],
                attrs["occupation"],
                residence,
                bool(youth),
                attrs["business_owner"],
            ),
        )
        return pid

    def member(self, u: U, exiting: bool) -> None:
        rng, s, sim, end = self.rng, self.s, self.sim, self.end
        template = self.sim.templates[u.template]  # type: ignore[attr-defined]
        intake = rng.random() < INTAKE_SHARE and not (exiting and rng.random() < DEATH_SHARE)
        if intake:
            decision = self.rand_day(self.start, end - dt.timedelta(days=30))
            age = 18 + min(32, int(rng.gammavariate(2.0, INTAKE_AGE_SCALE)))
            birth = add_years(decision, -age) - dt.timedelta(days=rng.randint(1, 360))
            ceremony = decision + dt.timedelta(days=rng.randint(5, 28))
        else:
            birth = sim.stock_birth(template)
            if exiting:  # deaths come mostly from the oldest
                birth = add_years(birth, -rng.randint(0, 15))
            earliest = add_years(birth, 18)
            latest = self.start - dt.timedelta(days=30)
            span = max(0, (latest - earliest).days)
            ceremony = earliest + dt.timedelta(days=int(span * rng.random() ** 1.6))
            decision = ceremony - dt.timedelta(days=rng.randint(7, 30))
        confirm = add_months(ceremony, 12)
        exit_on, reason = None, ""
        if exiting:
            exit_on = min(
                end, self.rand_day(max(ceremony + dt.timedelta(days=30), self.start), end)
            )
            death = not intake or rng.random() < 0.2
            reason = "DEATH" if death else "STRUCK_OFF"
        confirmed = confirm if confirm <= end and (exit_on is None or exit_on > confirm) else None
        if exit_on and confirmed is None and reason == "DEATH":
            reason = "STRUCK_OFF"  # no death in probation: a failed probation instead

        # The member's unit over time: the home cell (its predecessor before the merge),
        # after a transfer from another cell for some.
        last = exit_on or end
        home = u
        if u.predecessor is not None and last <= REORG_DAY:
            home = u.predecessor  # left before the merge: never in the new cell
        first = max(ceremony, FOUNDED)
        reason_in = "ADMITTED" if first == ceremony else "EXISTING"
        segments: list[list] = []  # [unit, start, end, in, out]
        moved = None
        limit = min(last, REORG_DAY) if u.predecessor is not None else last
        if rng.random() < TRANSFER_SHARE and (limit - first).days > 120:
            day = self.rand_day(first + dt.timedelta(days=60), limit - dt.timedelta(days=30))
            other = rng.choice(self.stable)
            if other is not home and other is not u:
                segments.append([other, first, day, reason_in, "TRANSFER"])
                first, reason_in, moved = day, "TRANSFER", (other, day)
        if u.predecessor is not None and home is u and first < REORG_DAY:
            segments.append([u.predecessor, first, REORG_DAY, reason_in, "REORGANISED"])
            first, reason_in = REORG_DAY, "REORGANISED"
        segments.append([home, first, exit_on, reason_in, "EXIT" if exit_on else ""])

        # Where they live: the hamlet their cell serves (before and after the merge).
        current = home.hamlet or rng.choice(self.hamlets)
        residences: list[tuple[int, dt.date | None, dt.date | None]] = [(current, None, None)]
        if home.predecessor is not None and home.predecessor.hamlet:
            residences = [(home.predecessor.hamlet, None, REORG_DAY), (current, REORG_DAY, None)]
        pid = self.person(u.template, birth, intake, decision, current)
        for loc, a, b in residences:
            s.add(Residence, (s.new_id(Residence), pid, loc, a, b))

        mid = s.new_id(Membership)
        card = None
        issued = confirmed + dt.timedelta(days=rng.randint(30, 240)) if confirmed else None
        if issued and issued <= (exit_on or end):
            card = f"{10_000_000 + mid:08d}"
        s.add(
            Membership,
            (
                mid,
                pid,
                decision,
                f"{rng.randint(1, 999)}-QĐ/{self.code}",
                ceremony,
                confirmed,
                card if not exit_on else None,
                exit_on,
                reason,
            ),
        )
        for unit, a, b, rin, rout in segments:
            s.add(Stint, (s.new_id(Stint), mid, unit.id, a, b, rin, rout))
        if moved:
            other, day = moved
            s.add(
                Transfer,
                (
                    s.new_id(Transfer),
                    mid,
                    "OFFICIAL",
                    other.id,
                    segments[1][0].id,
                    f"{rng.randint(1, 999)}-GGT/{self.code}",
                    day,
                    day,
                    self.c.recorded_at,
                ),
            )
        if card:
            s.add(
                PartyCard,
                (s.new_id(PartyCard), mid, card, issued, f"Đảng bộ {self.code}", "FIRST", exit_on),
            )
        if exit_on:
            s.add(
                ExitDecision,
                (
                    s.new_id(ExitDecision),
                    mid,
                    exit_on,
                    reason,
                    f"{rng.randint(1, 999)}-QĐ/{self.code}",
                    f"Đảng bộ {self.code}",
                    self.c.recorded_at,
                ),
            )
        elif intake and (end - ceremony).days <= RECENT_CANDIDACY and home.kind != "PARTY_GROUP":
            stage = (
                Stage.CARD_ISSUED
                if card
                else Stage.CONFIRMED
                if confirmed
                else (Stage.PROBATION if (end - ceremony).days > 190 else Stage.CEREMONY_HELD)
            )
            self.dossier(pid, home, stage, decision, mid, ceremony, confirmed, issued)

    def candidate(self, cell: U) -> None:
        rng = self.rng
        stage = rng.choices([t for t, _ in TARGETS], weights=[w for _, w in TARGETS])[0]
        listed = self.end - dt.timedelta(days=rng.randint(30, 900))
        birth = add_years(listed, -(18 + int(rng.gammavariate(2.0, INTAKE_AGE_SCALE))))
        residence = cell.hamlet or rng.choice(self.hamlets)
        pid = self.person(cell.template, birth, True, listed, residence)
        self.s.add(Residence, (self.s.new_id(Residence), pid, residence, None, None))
        self.dossier(pid, cell, stage, listed, None)

    def dossier(
        self, pid, cell: U, stage, day: dt.date, mid, ceremony=None, confirmed=None, card_day=None
    ) -> None:
        """A candidate whose events, in date order, put them in `stage`."""
        s, rng = self.s, self.rng
        exit_kind = {Stage.WITHDRAWN: "WITHDRAWN", Stage.REJECTED: "REJECTED"}.get(stage)
        upto = STAGE_INDEX[Stage.COURSE_DONE if exit_kind else stage]
        steps = [k for _, kinds in STAGE_EVENTS[: upto + 1] for k in kinds]
        if exit_kind:
            steps.append(exit_kind)
        if mid is not None:  # a member's dossier ends on their real dates
            before = steps.index("DECISION")
            span = max(len(steps), 150)
            listed = day - dt.timedelta(days=span + rng.randint(0, 200))
            dates = [listed + dt.timedelta(days=(span * i) // before) for i in range(before)]
            dates.append(day)
            for k in steps[before + 1 :]:
                dates.append(
                    {
                        "CEREMONY": ceremony,
                        "HELPER_COMMENT": add_months(ceremony, 6),
                        "CONFIRMATION_DECISION": confirmed,
                        "CARD_ISSUED": card_day,
                    }[k]
                )
        else:
            listed = day
            room = max(0, (self.end - listed).days)
            offsets = sorted(rng.randint(0, room) for _ in steps[1:])
            dates = [listed] + [listed + dt.timedelta(days=o) for o in offsets]
        cid = s.new_id(Candidate)
        # The ceremony puts a dossier on probation (`services.STAGE_AFTER`).
        final = Stage.PROBATION if stage == Stage.CEREMONY_HELD else Stage(stage)
        s.add(
            Candidate,
            (cid, pid, cell.id, dates[0], final.value, dates[-1], mid, cell.template == "VILLAGE"),
        )
        for kind, date in zip(steps, dates, strict=True):
            doc = f"{rng.randint(1, 999)}/{self.code}" if kind not in ("LISTED",) else ""
            s.add(Event, (s.new_id(Event), cid, kind, date, doc, self.c.recorded_at))


def empty_database() -> bool:
    """No unit, locality or person yet: the country never mixes with the demo or real data."""
    return not (OrgUnit.objects.exists() or Locality.objects.exists() or Person.objects.exists())
