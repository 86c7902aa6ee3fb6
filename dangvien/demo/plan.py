"""The shape of the demo Pleiku City organisation in 2010–2017, drawn with a seeded RNG.

Real names for the city, its 23 communes and wards and the kinds of grassroots
organisations the article lists; hamlets, villages, cells and sizes are synthetic.
`weight` is a unit's expected share of members; the simulation turns it into people.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from dangvien.core.text import search_key

from .names import VILLAGE_NAMES

D = dt.date
HISTORY_START = D(2010, 1, 1)
ARTICLE_DAY = D(2017, 11, 30)  # the seed article's figures are as of this day

WARDS = [
    "Chi Lăng",
    "Diên Hồng",
    "Đống Đa",
    "Hoa Lư",
    "Hội Phú",
    "Hội Thương",
    "Ia Kring",
    "Phù Đổng",
    "Tây Sơn",
    "Thắng Lợi",
    "Thống Nhất",
    "Trà Bá",
    "Yên Đỗ",
    "Yên Thế",
]
COMMUNES = [
    "An Phú",
    "Biển Hồ",
    "Chư Á",
    "Chư HDrông",
    "Diên Phú",
    "Gào",
    "Ia Kênh",
    "Tân Sơn",
    "Trà Đa",
]
# Wards that include Jrai villages (làng) besides residential groups.
WARDS_WITH_VILLAGES = {"Chi Lăng", "Thắng Lợi", "Thống Nhất", "Trà Bá", "Yên Đỗ", "Yên Thế"}

# (code, name, sector, expected members) of the 45 other grassroots organisations.
OTHER_GRASSROOTS = [
    ("CQDANG", "Đảng bộ các cơ quan Đảng thành phố", "AGENCY", 95),
    ("CQCHINHQUYEN", "Đảng bộ Cơ quan Chính quyền thành phố", "AGENCY", 210),
    ("MTDOANTHE", "Chi bộ Mặt trận Tổ quốc và các đoàn thể thành phố", "AGENCY", 26),
    ("TOAAN", "Chi bộ Tòa án nhân dân thành phố", "AGENCY", 18),
    ("VKS", "Chi bộ Viện Kiểm sát nhân dân thành phố", "AGENCY", 16),
    ("THADS", "Chi bộ Chi cục Thi hành án dân sự thành phố", "AGENCY", 12),
    ("CCTHUE", "Chi bộ Chi cục Thuế thành phố", "AGENCY", 28),
    ("KHOBAC", "Chi bộ Kho bạc Nhà nước thành phố", "AGENCY", 14),
    ("BHXH", "Chi bộ Bảo hiểm xã hội thành phố", "AGENCY", 15),
    ("NHCSXH", "Chi bộ Ngân hàng Chính sách xã hội thành phố", "AGENCY", 13),
    ("TTYTE", "Đảng bộ Trung tâm Y tế thành phố", "PUBLIC_SERVICE", 72),
    ("TTCHINHTRI", "Chi bộ Trung tâm Bồi dưỡng chính trị thành phố", "PUBLIC_SERVICE", 9),
    ("BQLDA", "Chi bộ Ban Quản lý dự án đầu tư xây dựng thành phố", "PUBLIC_SERVICE", 17),
    ("TTVHTT", "Chi bộ Trung tâm Văn hóa – Thông tin và Thể thao thành phố", "PUBLIC_SERVICE", 14),
    *[
        (
            f"THCS-{search_key(n).replace(' ', '').upper()}",
            f"Chi bộ Trường THCS {n}",
            "PUBLIC_SERVICE",
            size,
        )
        for n, size in [
            ("Nguyễn Du", 24),
            ("Phạm Hồng Thái", 22),
            ("Lê Lợi", 18),
            ("Trần Phú", 21),
            ("Hùng Vương", 16),
            ("Nguyễn Huệ", 19),
            ("Chu Văn An", 17),
            ("Lý Tự Trọng", 15),
            ("Lê Quý Đôn", 20),
            ("Nguyễn Trãi", 14),
            ("Trần Quốc Toản", 12),
            ("Võ Thị Sáu", 13),
            ("Lê Hồng Phong", 18),
            ("Nguyễn Bỉnh Khiêm", 11),
            ("Tôn Đức Thắng", 12),
            ("Quang Trung", 15),
        ]
    ],
    ("MOITRUONG", "Chi bộ Công ty TNHH MTV Môi trường Đô thị Gia Lai", "ENTERPRISE", 24),
    ("CAPNUOC", "Chi bộ Công ty Cổ phần Cấp nước Gia Lai", "ENTERPRISE", 27),
    ("DIENLUC", "Đảng bộ Điện lực Pleiku", "ENTERPRISE", 38),
    ("XDGIAOTHONG", "Chi bộ Công ty Cổ phần Xây dựng Giao thông Pleiku", "ENTERPRISE", 12),
    ("BQLCHO", "Chi bộ Ban Quản lý các chợ thành phố", "ENTERPRISE", 15),
    ("BENXE", "Chi bộ Công ty Cổ phần Bến xe Pleiku", "ENTERPRISE", 10),
    ("CAPHE", "Chi bộ Công ty Cổ phần Cà phê Pleiku", "ENTERPRISE", 18),
    ("DUOC", "Chi bộ Công ty Cổ phần Dược – Vật tư y tế Pleiku", "ENTERPRISE", 11),
    ("INPLEIKU", "Chi bộ Công ty Cổ phần In Pleiku", "ENTERPRISE", 9),
    ("BUUDIEN", "Chi bộ Bưu điện thành phố Pleiku", "ENTERPRISE", 13),
    ("VIENTHONG", "Chi bộ Trung tâm Viễn thông Pleiku", "ENTERPRISE", 16),
    ("KHOANGSAN", "Chi bộ Công ty Cổ phần Khoáng sản Pleiku", "ENTERPRISE", 10),
    ("PHUTHINH", "Chi bộ Công ty TNHH Phú Thịnh (doanh nghiệp tư nhân)", "ENTERPRISE", 8),
    ("CATP", "Đảng bộ Công an thành phố Pleiku", "POLICE", 340),
    ("QSTP", "Đảng bộ Quân sự thành phố Pleiku", "ARMY", 240),
]
# Opened under Directive 07-CT/TU on party organisations in private enterprises.
PRIVATE_ENTERPRISE_OPENED = {"PHUTHINH": D(2015, 5, 19)}
# A brickworks whose party cell was dissolved when it closed; members moved to wards.
CLOSED_GRASSROOTS = [
    ("XNGACH", "Chi bộ Xí nghiệp Gạch ngói Pleiku", "ENTERPRISE", 14, D(2013, 6, 30))
]

CELL_NAMES = {
    "AGENCY": [
        "Chi bộ Văn phòng",
        "Chi bộ Phòng Nội vụ",
        "Chi bộ Phòng Tài chính – Kế hoạch",
        "Chi bộ Phòng Tài nguyên và Môi trường",
        "Chi bộ Phòng Giáo dục và Đào tạo",
        "Chi bộ Phòng Quản lý đô thị",
        "Chi bộ Phòng Lao động – Thương binh và Xã hội",
        "Chi bộ Phòng Kinh tế",
        "Chi bộ Phòng Tư pháp",
        "Chi bộ Thanh tra",
        "Chi bộ Phòng Văn hóa – Thông tin",
        "Chi bộ Phòng Y tế",
    ],
    "PUBLIC_SERVICE": [
        "Chi bộ Khối Điều trị",
        "Chi bộ Khối Dự phòng",
        "Chi bộ Hành chính",
        "Chi bộ Dân số – Kế hoạch hóa gia đình",
        "Chi bộ Trạm Y tế",
    ],
    "ENTERPRISE": ["Chi bộ Kỹ thuật", "Chi bộ Kinh doanh", "Chi bộ Văn phòng"],
    "POLICE": [
        "Chi bộ Đội Cảnh sát giao thông",
        "Chi bộ Đội Cảnh sát hình sự",
        "Chi bộ Đội An ninh",
        "Chi bộ Đội Cảnh sát kinh tế",
        "Chi bộ Đội Tham mưu",
        "Chi bộ Đội Cảnh sát quản lý hành chính",
        "Chi bộ Nhà tạm giữ",
        "Chi bộ Đội Phòng cháy chữa cháy",
        "Chi bộ Đội Cảnh sát điều tra",
        "Chi bộ Đội Cảnh sát cơ động",
        "Chi bộ Đội Xây dựng phong trào",
        "Chi bộ Đội Hậu cần",
    ],
    "ARMY": [
        "Chi bộ Cơ quan Quân sự",
        "Chi bộ Trung đội Dân quân cơ động",
        "Chi bộ Đại đội Bộ binh 1",
        "Chi bộ Đại đội Bộ binh 2",
        "Chi bộ Hậu cần – Kỹ thuật",
        "Chi bộ Tham mưu",
    ],
}


def code_of(name: str) -> str:
    return search_key(name).replace(" ", "").upper()


@dataclass
class LocalitySpec:
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None = None
    successors: list[str] = field(default_factory=list)


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    category: str
    parent: str | None
    valid_from: dt.date
    valid_to: dt.date | None = None
    locality: str | None = None
    weight: float = 0.0  # expected members held directly (member-holding units only)
    serves: list[str] = field(default_factory=list)  # localities served (cells)
    successors: list[str] = field(default_factory=list)
    area: str = ""  # "NEAR": a neighbouring district's, simulated in a stream of its own


@dataclass
class Reorganisation:
    """On `day`, members of `closing` units move to `target(old_unit)`."""

    day: dt.date
    moves: dict[str, str]


@dataclass
class Plan:
    localities: list[LocalitySpec]
    units: list[UnitSpec]
    reorganisations: list[Reorganisation]

    def unit(self, code: str) -> UnitSpec:
        return next(u for u in self.units if u.code == code)

    def locality(self, code: str) -> LocalitySpec:
        return next(lo for lo in self.localities if lo.code == code)


def founding(rng: random.Random, earliest: int = 1976, latest: int = 2005) -> dt.date:
    return D(rng.randint(earliest, latest), rng.randint(1, 12), rng.randint(1, 28))


def build_plan(rng: random.Random) -> Plan:
    locs: list[LocalitySpec] = [
        LocalitySpec("PLEIKU", "Thành phố Pleiku", "CITY", None, D(1929, 4, 24))
    ]
    units: list[UnitSpec] = [
        UnitSpec(
            "PLEIKU",
            "Đảng bộ thành phố Pleiku",
            "SUPERIOR",
            "OTHER",
            None,
            D(1975, 3, 17),
            locality="PLEIKU",
        )
    ]
    reorgs: list[Reorganisation] = []
    village_names = iter(rng.sample(VILLAGE_NAMES, len(VILLAGE_NAMES)) * 3)

    for is_ward, names in ((True, WARDS), (False, COMMUNES)):
        for name in names:
            code = code_of(name)
            prefix = "phường" if is_ward else "xã"
            locs.append(
                LocalitySpec(
                    code,
                    f"{prefix.capitalize()} {name}",
                    "WARD" if is_ward else "COMMUNE",
                    "PLEIKU",
                    D(1976, 1, 1),
                )
            )
            units.append(
                UnitSpec(
                    code,
                    f"Đảng bộ {prefix} {name}",
                    "GRASSROOTS_COMMITTEE",
                    "COMMUNE_WARD",
                    "PLEIKU",
                    founding(rng, 1976, 1995),
                    locality=code,
                )
            )
            _commune_ward(rng, code, name, is_ward, locs, units, reorgs, village_names)

    for code, name, sector, size in OTHER_GRASSROOTS:
        opened = PRIVATE_ENTERPRISE_OPENED.get(code, founding(rng, 1980, 2008))
        _grassroots(rng, code, name, sector, size, opened, None, units)
    for code, name, sector, size, closed in CLOSED_GRASSROOTS:
        _grassroots(rng, code, name, sector, size, D(1992, 5, 1), closed, units)
    return Plan(locs, units, reorgs)


def _grassroots(rng, code, name, sector, size, opened, closed, units) -> None:
    if size < 30:
        units.append(
            UnitSpec(code, name, "GRASSROOTS_CELL", sector, "PLEIKU", opened, closed, weight=size)
        )
        return
    units.append(UnitSpec(code, name, "GRASSROOTS_COMMITTEE", sector, "PLEIKU", opened, closed))
    n_cells = max(3, round(size / 22))
    names = CELL_NAMES[sector]
    parents = [code]
    if sector == "POLICE":  # a large committee has sub-committees (đảng ủy bộ phận)
        for i, sub in enumerate(["Đảng bộ bộ phận Cảnh sát", "Đảng bộ bộ phận An ninh"], 1):
            units.append(UnitSpec(f"{code}-BP{i}", sub, "SUB_COMMITTEE", sector, code, opened))
            parents.append(f"{code}-BP{i}")
    for i in range(n_cells):
        cell_name = names[i] if i < len(names) else f"Chi bộ số {i + 1}"
        parent = parents[i % len(parents)]
        units.append(
            UnitSpec(
                f"{code}-C{i + 1:02d}",
                cell_name,
                "CELL",
                sector,
                parent,
                opened,
                closed,
                weight=size / n_cells * rng.uniform(0.7, 1.3),
            )
        )


def _commune_ward(rng, code, name, is_ward, locs, units, reorgs, village_names) -> None:
    founded = D(1976, 1, 1)
    base: list[tuple[str, str, str]] = []  # (code, name, kind)
    if is_ward:
        for i in range(1, rng.randint(9, 19) + 1):
            base.append((f"{code}-TDP{i:02d}", f"Tổ dân phố {i}", "RESIDENTIAL_GROUP"))
        if name in WARDS_WITH_VILLAGES:
            for _ in range(rng.randint(1, 2)):
                v = next(village_names)
                base.append((f"{code}-{code_of(v)}", f"Làng {v}", "VILLAGE"))
    else:
        for i in range(1, rng.randint(4, 9) + 1):
            base.append((f"{code}-THON{i}", f"Thôn {i}", "HAMLET"))
        for _ in range(rng.randint(1, 5)):
            v = next(village_names)
            base.append((f"{code}-{code_of(v)}", f"Làng {v}", "VILLAGE"))
    for lcode, lname, kind in base:
        locs.append(LocalitySpec(lcode, lname, kind, code, founded))

    member_scale = rng.uniform(190, 290) if is_ward else rng.uniform(95, 165)
    functional = [
        ("CQ", "Chi bộ Cơ quan", 0.09),
        ("QS", "Chi bộ Quân sự", 0.04),
        ("CA", "Chi bộ Công an", 0.04),
        ("TH", "Chi bộ Trường Tiểu học", 0.04),
    ]
    if is_ward:
        functional.append(("MN", "Chi bộ Trường Mầm non", 0.025))
    for suffix, cname, share in functional:
        units.append(
            UnitSpec(
                f"{code}-{suffix}",
                cname,
                "CELL",
                "AGENCY" if suffix != "TH" and suffix != "MN" else "PUBLIC_SERVICE",
                code,
                founding(rng, 1980, 2005),
                weight=member_scale * share,
            )
        )
    residential_total = member_scale * (1 - sum(s for *_, s in functional))

    # Residential cells: mostly one per locality, some shared (ghép), some localities none.
    i = 0
    groups: list[list[tuple[str, str, str]]] = []
    while i < len(base):
        lcode, lname, kind = base[i]
        none_p = 0.3 if kind == "VILLAGE" else 0.04
        if rng.random() < none_p:
            i += 1
            continue
        if i + 1 < len(base) and base[i + 1][2] == kind and rng.random() < 0.14:
            groups.append([base[i], base[i + 1]])
            i += 2
        else:
            groups.append([base[i]])
            i += 1
    weights = [rng.uniform(0.5, 1.5) * (0.6 if g[0][2] == "VILLAGE" else 1.0) for g in groups]
    total_w = sum(weights)
    for group, w in zip(groups, weights, strict=True):
        members = residential_total * w / total_w
        short = [g[1].replace("Tổ dân phố ", "").replace("Thôn ", "") for g in group]
        if len(group) == 1:
            cname, ccode = f"Chi bộ {group[0][1]}", group[0][0]
        else:
            kind_word = group[0][1].rsplit(" ", 1)[0]
            cname = f"Chi bộ {kind_word} {'–'.join(short)}"
            ccode = group[0][0] + "-" + group[1][0].rsplit("-", 1)[1]
        ccode = "C-" + ccode
        cell = UnitSpec(
            ccode,
            cname,
            "CELL",
            "RESIDENTIAL",
            code,
            founding(rng, 1985, 2008),
            serves=[g[0] for g in group],
        )
        units.append(cell)
        if members >= 34:  # large cells work in party groups (tổ đảng)
            n_groups = 2 if members < 50 else 3
            for k in range(1, n_groups + 1):
                units.append(
                    UnitSpec(
                        f"{ccode}-T{k}",
                        f"Tổ đảng số {k}",
                        "PARTY_GROUP",
                        "RESIDENTIAL",
                        ccode,
                        cell.valid_from,
                        weight=members / n_groups,
                    )
                )
        else:
            cell.weight = members

    _history_events(rng, code, name, base, units, locs, reorgs)


def _history_events(rng, code, name, base, units, locs, reorgs) -> None:
    """Units opened and closed: two residential groups merged; a shared cell split."""
    if name == "Hoa Lư":
        # 1 July 2014: residential groups 7 and 8 merge into a new group 7.
        day = D(2014, 7, 1)
        old_locs = [f"{code}-TDP07", f"{code}-TDP08"]
        new_loc = LocalitySpec(
            f"{code}-TDP07M", "Tổ dân phố 7 (mới)", "RESIDENTIAL_GROUP", code, day
        )
        locs.append(new_loc)
        for spec in locs:
            if spec.code in old_locs:
                spec.valid_to, spec.successors = day, [new_loc.code]
        closing = [u for u in units if set(u.serves) & set(old_locs)]
        # The new cell also keeps serving any other locality a closing shared cell served.
        kept = [s for c in closing for s in c.serves if s not in old_locs]
        new_cell = UnitSpec(
            f"C-{code}-TDP07M",
            "Chi bộ Tổ dân phố 7 (mới)",
            "CELL",
            "RESIDENTIAL",
            code,
            day,
            serves=[new_loc.code, *kept],
            weight=sum(_held(units, c) for c in closing),
        )
        moves = {}
        for cell in closing:
            cell.valid_to, cell.successors = day, [new_cell.code]
            for u in units:
                if u.code == cell.code or u.parent == cell.code:
                    u.valid_to = day
                    moves[u.code] = new_cell.code
        units.append(new_cell)
        reorgs.append(Reorganisation(day, moves))
    if name == "Biển Hồ":
        # 1 March 2016: the hamlet cell shared by Thôn 3 and Thôn 4 splits in two.
        day = D(2016, 3, 1)
        shared = UnitSpec(
            f"C-{code}-THON3-4",
            "Chi bộ Thôn 3–4",
            "CELL",
            "RESIDENTIAL",
            code,
            D(1998, 1, 1),
            valid_to=day,
            serves=[f"{code}-THON3", f"{code}-THON4"],
        )
        for u in [u for u in units if set(u.serves) & set(shared.serves)]:
            units.remove(u)
            for child in [c for c in units if c.parent == u.code]:
                units.remove(child)
        shared.weight = 42
        splits = [
            UnitSpec(
                f"C-{code}-THON{n}-M",
                f"Chi bộ Thôn {n}",
                "CELL",
                "RESIDENTIAL",
                code,
                day,
                serves=[f"{code}-THON{n}"],
                weight=21,
            )
            for n in (3, 4)
        ]
        shared.successors = [s.code for s in splits]
        units.extend([shared, *splits])
        reorgs.append(Reorganisation(day, {shared.code: "SPLIT:" + ",".join(shared.successors)}))


def _held(units: list[UnitSpec], cell: UnitSpec) -> float:
    return cell.weight + sum(u.weight for u in units if u.parent == cell.code)
