"""The demo organisation after 2017: the province above the city, the communes of the
neighbouring districts that joined in 2025, two earlier commune merges and the reform of
1 July 2025 that removed the district tier.

Sources: Nghị quyết 1195/NQ-UBTVQH15 (Tân Sơn merged into Biển Hồ, in force 1 Nov 2024;
Pleiku then had 21 communes and wards); the Pleiku standing committee's plan of April 2025
(plo.vn, 17/04/2025), carried out from 1 July 2025 under Nghị quyết 1664/NQ-UBTVQH15:
the 21 communes and wards with Nghĩa Hưng, Chư Đăng Ya (Chư Păh), Hà Bầu (Đăk Đoa) and
Ia Pếch (Ia Grai) became five wards and two communes (DOMAIN.md, "The 2025 reform").
No source was found for Chư HDrông: the demo merges it into Ia Kênh, its neighbour, on
1 Jan 2020 (the 2019–2021 round of commune mergers) — a stated choice, not a fact.

Units are never re-parented: a unit that changes parent closes and names a successor
under the new parent, so every subtree query for an earlier date still sees the tree as
it was. Members follow through `Reorganisation.moves`.
"""

import datetime as dt
import random

from .plan import (
    LocalitySpec,
    Plan,
    Reorganisation,
    UnitSpec,
    _commune_ward,
    code_of,
)

D = dt.date
PROVINCE = "GIALAI"
CITY = "PLEIKU"
REFORM_DAY = D(2025, 7, 1)
# (day, merged commune, receiving commune); the Chư HDrông date is the demo's choice.
EARLIER_MERGES = [(D(2020, 1, 1), "CHUHDRONG", "IAKENH"), (D(2024, 11, 1), "TANSON", "BIENHO")]
# Districts around Pleiku whose communes joined the new units in 2025.
NEIGHBOURS = [
    ("CHUPAH", "huyện Chư Păh", ["Nghĩa Hưng", "Chư Đăng Ya"]),
    ("DAKDOA", "huyện Đăk Đoa", ["Hà Bầu"]),
    ("IAGRAI", "huyện Ia Grai", ["Ia Pếch"]),
]
# The new wards and communes from 1 July 2025: (code, name, kind, merged from).
REFORM = [
    ("PLEIKU-P", "Pleiku", "WARD", ["TAYSON", "HOITHUONG", "HOALU", "PHUDONG", "TRADA"]),
    ("THONGNHAT-P", "Thống Nhất", "WARD", ["YENTHE", "DONGDA", "THONGNHAT"]),
    ("DIENHONG-P", "Diên Hồng", "WARD", ["YENDO", "DIENHONG", "IAKRING", "DIENPHU"]),
    ("HOIPHU-P", "Hội Phú", "WARD", ["TRABA", "HOIPHU", "CHILANG"]),
    ("ANPHU-P", "An Phú", "WARD", ["THANGLOI", "CHUA", "ANPHU"]),
    ("BIENHO-X", "Biển Hồ", "COMMUNE", ["BIENHO", "NGHIAHUNG", "CHUDANGYA", "HABAU"]),
    ("GAO-X", "Gào", "COMMUNE", ["IAKENH", "GAO", "IAPECH"]),
]
# The provincial blocs that took the city's agencies, services and enterprises.
BLOCS = [
    ("GIALAI-CQD", "Đảng bộ các cơ quan Đảng tỉnh Gia Lai", "AGENCY"),
    ("GIALAI-UBND", "Đảng bộ Ủy ban nhân dân tỉnh Gia Lai", "AGENCY"),
    ("GIALAI-CA", "Đảng bộ Công an tỉnh Gia Lai", "POLICE"),
    ("GIALAI-QS", "Đảng bộ Quân sự tỉnh Gia Lai", "ARMY"),
]
BLOC_OF = {
    "CQDANG": "GIALAI-CQD",
    "MTDOANTHE": "GIALAI-CQD",
    "CATP": "GIALAI-CA",
    "QSTP": "GIALAI-QS",
}
# Cells of a commune's own offices that merge into one per new unit.
MERGED_FUNCTIONS = ("CQ", "QS", "CA")


def add_province(plan: Plan) -> None:
    """The provincial committee and province above the city (from before 2010)."""
    plan.localities.insert(
        0, LocalitySpec(PROVINCE, "Tỉnh Gia Lai", "PROVINCE", None, D(1991, 8, 12))
    )
    plan.units.insert(
        0,
        UnitSpec(
            PROVINCE,
            "Đảng bộ tỉnh Gia Lai",
            "SUPERIOR",
            "OTHER",
            None,
            D(1975, 3, 17),
            locality=PROVINCE,
        ),
    )
    plan.locality(CITY).parent = PROVINCE
    plan.unit(CITY).parent = PROVINCE


def add_neighbours(plan: Plan, rng: random.Random) -> None:
    """The four communes of neighbouring districts, with their own cells and localities;
    `area="NEAR"` keeps them out of the city's simulated stream."""
    for dcode, dname, communes in NEIGHBOURS:
        plan.localities.append(
            LocalitySpec(dcode, dname.capitalize(), "DISTRICT", PROVINCE, D(1991, 8, 12))
        )
        plan.units.append(
            UnitSpec(
                dcode,
                f"Đảng bộ {dname}",
                "SUPERIOR",
                "OTHER",
                PROVINCE,
                D(1977, 1, 1),
                locality=dcode,
                area="NEAR",
            )
        )
        for name in communes:
            code = code_of(name)
            plan.localities.append(
                LocalitySpec(code, f"Xã {name}", "COMMUNE", dcode, D(1980, 1, 1))
            )
            plan.units.append(
                UnitSpec(
                    code,
                    f"Đảng bộ xã {name}",
                    "GRASSROOTS_COMMITTEE",
                    "COMMUNE_WARD",
                    dcode,
                    D(1980, 1, 1),
                    locality=code,
                    area="NEAR",
                )
            )
            first = len(plan.units)
            _commune_ward(
                rng,
                code,
                name,
                False,
                plan.localities,
                plan.units,
                plan.reorganisations,
                iter(_VILLAGES[name]),
            )
            for u in plan.units[first:]:
                u.area = "NEAR"


# Villages named after the communes' real Jrai and Bahnar villages are not needed: the
# demo draws from its own list, but the neighbours get fixed names so that the city's
# draws do not move.
_VILLAGES = {
    "Nghĩa Hưng": ["Ia Jông", "Phăm Kleo", "Ia Lang", "Bông Hưng", "Pờ Yôm"],
    "Chư Đăng Ya": ["Ia Ring", "Chư Đăng Ya", "Đê Kôn", "Plei Ia Kó", "Bối Khe"],
    "Hà Bầu": ["Tơ Kơ", "Ia Klong", "Kon Mơ Nây", "Pơ Nang", "Đê Klah"],
    "Ia Pếch": ["Ia Pếch", "Plei Mun", "Plei Bông", "Ia Bang", "Tơ Vơn"],
}


def merge_into(plan: Plan, day: dt.date, source: str, target: str, moves: dict) -> None:
    """Close commune `source` and carry its localities and cells over to `target`."""
    src, dst = plan.unit(source), plan.unit(target)
    src_loc, dst_loc = plan.locality(src.locality or ""), plan.locality(dst.locality or "")
    src.valid_to, src.successors = day, [*src.successors, target]
    src_loc.valid_to, src_loc.successors = day, [*src_loc.successors, dst_loc.code]
    new_loc: dict[str, str] = {}
    for loc in [lo for lo in plan.localities if lo.parent == src_loc.code and _open(lo, day)]:
        code, name = _next_locality(plan, dst_loc, loc)
        plan.localities.append(LocalitySpec(code, name, loc.kind, dst_loc.code, day))
        loc.valid_to, loc.successors = day, [code]
        new_loc[loc.code] = code
    for cell in [u for u in plan.units if u.parent == src.code and _open(u, day)]:
        suffix = cell.code.rsplit("-", 1)[-1]
        if cell.serves:
            serves = [new_loc[s] for s in cell.serves if s in new_loc]
            names = [plan.locality(s).name for s in serves]
            code = "C-" + serves[0] + "".join("-" + s.rsplit("-", 1)[-1] for s in serves[1:])
            new = _copy(cell, code, f"Chi bộ {' – '.join(names)}", target, day, serves=serves)
        elif suffix in MERGED_FUNCTIONS and not cell.serves:
            code = f"{target}-{suffix}"
            existing = next((u for u in plan.units if u.code == code), None)
            if existing is None:
                existing = _copy(cell, code, cell.name, target, day)
                existing.weight = 0.0
                plan.units.append(existing)
            existing.weight += _held(plan, cell)
            _close(plan, cell, day, existing.code, moves)
            continue
        else:
            code = _free(plan, f"{target}-{suffix}")
            where = src_loc.name.split(" ", 1)[1]
            new = _copy(cell, code, f"{cell.name.split(' (')[0]} ({where})", target, day)
        plan.units.append(new)
        _close(plan, cell, day, new.code, moves)
        for group in [u for u in plan.units if u.parent == cell.code and _open(u, day)]:
            g = _copy(
                group, f"{new.code}-{group.code.rsplit('-', 1)[-1]}", group.name, new.code, day
            )
            plan.units.append(g)
            _close(plan, group, day, g.code, moves)


def move_under(
    plan: Plan,
    day: dt.date,
    unit: UnitSpec,
    parent: str,
    suffix: str,
    kind: str | None = None,
    moves: dict | None = None,
) -> UnitSpec:
    """Move `unit` and its subtree under `parent`: new units whose codes end in `suffix`."""
    moves = {} if moves is None else moves
    new = _copy(unit, unit.code + suffix, unit.name, parent, day)
    if kind:
        new.kind = kind
    plan.units.append(new)
    _close(plan, unit, day, new.code, moves)
    for child in [u for u in plan.units if u.parent == unit.code and _open(u, day)]:
        move_under(plan, day, child, new.code, suffix, moves=moves)
    return new


def extend(plan: Plan, rng: random.Random, end: dt.date) -> Plan:
    """The plan of 2010–2017 carried on to `end`: province, neighbours, merges, reform."""
    add_province(plan)
    add_neighbours(plan, rng)
    reform(plan, rng, end)
    return plan


def reform(plan: Plan, rng: random.Random, end: dt.date) -> None:
    """The earlier merges and the reform of 1 July 2025, as reorganisations of the plan."""
    for day, source, target in EARLIER_MERGES:
        if day > end:
            return
        moves: dict[str, str] = {}
        merge_into(plan, day, source, target, moves)
        plan.reorganisations.append(Reorganisation(day, moves))
    day = REFORM_DAY
    if day > end:
        return
    moves = {}
    city, city_loc = plan.unit(CITY), plan.locality(CITY)
    new_units = []
    for code, name, kind, sources in REFORM:
        word = "phường" if kind == "WARD" else "xã"
        plan.localities.append(
            LocalitySpec(code, f"{word.capitalize()} {name}", kind, PROVINCE, day)
        )
        unit = UnitSpec(
            code,
            f"Đảng bộ {word} {name}",
            "GRASSROOTS_COMMITTEE",
            "COMMUNE_WARD",
            PROVINCE,
            day,
            locality=code,
        )
        plan.units.append(unit)
        new_units.append(unit)
        for source in sources:
            merge_into(plan, day, source, code, moves)
    for code, name, sector in BLOCS:
        plan.units.append(UnitSpec(code, name, "SUPERIOR", sector, PROVINCE, day))
    wards = [u.code for u in new_units if u.code.endswith("-P")]
    for g in [u for u in plan.units if u.parent == CITY and _open(u, day) and u.kind != "SUPERIOR"]:
        if g.category == "COMMUNE_WARD":
            continue
        if g.code.startswith("THCS-"):  # lower-secondary schools went to the wards
            move_under(plan, day, g, rng.choice(wards), "-P", kind="CELL", moves=moves)
        else:
            move_under(plan, day, g, BLOC_OF.get(g.code, "GIALAI-UBND"), "-GL", moves=moves)
    for dcode, _name, _communes in NEIGHBOURS:
        plan.unit(dcode).valid_to = day
        plan.locality(dcode).valid_to = day
    # The city committee closes without a successor: its wards are succeeded one by one
    # (a successor's officers see its predecessors' records, not the whole old city).
    city.valid_to = city_loc.valid_to = day
    city_loc.successors = [u.code for u in new_units]
    plan.reorganisations.append(Reorganisation(day, moves))


# ----- helpers ------------------------------------------------------------------------
def _open(spec, day: dt.date) -> bool:
    return spec.valid_from < day and (spec.valid_to is None or spec.valid_to > day)


def _held(plan: Plan, cell: UnitSpec) -> float:
    return cell.weight + sum(u.weight for u in plan.units if u.parent == cell.code)


def _copy(u: UnitSpec, code: str, name: str, parent: str, day: dt.date, serves=None) -> UnitSpec:
    return UnitSpec(
        code,
        name,
        u.kind,
        u.category,
        parent,
        day,
        locality=u.locality,
        weight=u.weight,
        serves=list(serves or []),
    )


def _close(plan: Plan, u: UnitSpec, day: dt.date, successor: str, moves: dict) -> None:
    u.valid_to, u.successors = day, [*u.successors, successor]
    if u.weight > 0:
        moves[u.code] = successor


def _free(plan: Plan, code: str, taken=None) -> str:
    taken = (
        taken
        if taken is not None
        else {u.code for u in plan.units} | {lo.code for lo in plan.localities}
    )
    if code not in taken:
        return code
    n = 2
    while f"{code}{n}" in taken:
        n += 1
    return f"{code}{n}"


def _next_locality(plan: Plan, parent: LocalitySpec, loc: LocalitySpec) -> tuple[str, str]:
    """Code and name of `loc` in its new commune or ward: numbered groups and hamlets
    continue the receiving unit's numbering, villages keep their names."""
    taken = {lo.code for lo in plan.localities} | {u.code for u in plan.units}
    if loc.kind == "VILLAGE":
        return _free(
            plan, f"{parent.code}-{code_of(loc.name.replace('Làng ', ''))}", taken
        ), loc.name
    siblings = [lo for lo in plan.localities if lo.parent == parent.code and lo.kind == loc.kind]
    k = len(siblings) + 1
    if loc.kind == "RESIDENTIAL_GROUP":
        code, name = f"{parent.code}-TDP{k:02d}", f"Tổ dân phố {k}"
    else:
        code, name = f"{parent.code}-THON{k}", f"Thôn {k}"
    while code in taken:  # numbering left by a closed locality
        k += 1
        code = code[: code.rfind("-") + 1] + (f"TDP{k:02d}" if "TDP" in code else f"THON{k}")
        name = name.rsplit(" ", 1)[0] + f" {k}"
    return code, name
