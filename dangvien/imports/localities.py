"""Import localities (communes, wards, hamlets, villages, residential groups) and the cell
that serves each: validate every row first, then write all or nothing.

Columns: Mã địa bàn, Tên, Loại, Mã địa bàn cấp trên, Mã chi bộ phụ trách, and an
optional Ngày thành lập (without it a locality counts from its parent's date). Rows match
existing localities by code; a second import of the same file changes nothing. A new
serving cell ends the old link the day before the import and starts the new one on it.
"""

import datetime as dt

from django.db import transaction

from dangvien.accounts.audit import A, log
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit

from .base import (
    EVERYWHERE,
    OUT_OF_SCOPE,
    Progress,
    Scope,
    checked_code,
    create_parents_first,
    start,
    suggest,
)
from .reader import Plan, Problem, parse_day

CODE, NAME, KIND, PARENT, CELL, FOUNDED = (
    "Mã địa bàn",
    "Tên",
    "Loại",
    "Mã địa bàn cấp trên",
    "Mã chi bộ phụ trách",
    "Ngày thành lập",
)
SLUG = "localities"
TITLE = "địa bàn (xã, phường, thôn, làng, tổ dân phố)"
COLUMNS = [CODE, NAME, KIND, PARENT, CELL, FOUNDED]
OPTIONAL = {CELL, FOUNDED}
L = Locality.Kind
KINDS = {
    "Tỉnh, thành phố": L.CITY,
    "Xã": L.COMMUNE,
    "Phường": L.WARD,
    "Thôn": L.HAMLET,
    "Làng": L.VILLAGE,
    "Tổ dân phố": L.RESIDENTIAL_GROUP,
}
PARENTS: dict[str, set[str | None]] = {
    L.CITY: {None},
    L.COMMUNE: {L.CITY},
    L.WARD: {L.CITY},
    L.HAMLET: {L.COMMUNE, L.WARD},
    L.VILLAGE: {L.COMMUNE, L.WARD},
    L.RESIDENTIAL_GROUP: {L.COMMUNE, L.WARD},
}
CELL_KINDS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL)
ALLOWED = {KIND: list(KINDS)}
EXAMPLE: list[object] = ["PHUONGA-TDP01", "Tổ dân phố 1", "Tổ dân phố", "PHUONGA", "", ""]
HINTS = {
    CODE: "Chữ in hoa không dấu, số, dấu gạch ngang; duy nhất.",
    PARENT: "Xã hoặc phường chứa thôn, làng, tổ dân phố.",
    CELL: "Mã chi bộ đang sinh hoạt tại địa bàn; để trống nếu chưa có.",
    FOUNDED: "dd/mm/yyyy; để trống thì tính từ ngày của địa bàn cấp trên.",
}


def allowed_lists() -> dict[str, list[str]]:
    return ALLOWED


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    plan, stream = start(path, COLUMNS, OPTIONAL)
    if stream is None:
        return plan
    existing = {x.code: x for x in Locality.objects.select_related("parent")}
    cells = {u.code: u for u in OrgUnit.objects.filter(kind__in=CELL_KINDS)}
    serving = {
        link.locality_id: link
        for link in LocalityCell.objects.filter(valid_to__isnull=True).select_related("cell")
    }
    items = list(stream)  # small files: a row may name a parent listed below it
    in_file_kind = {
        str(r.get(CODE) or "").upper(): KINDS.get(str(r.get(KIND) or "")) for _n, r in items
    }
    in_file: dict[str, int] = {}
    for index, (number, row) in enumerate(items, start=1):
        if progress:
            progress(index)
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        code = checked_code(row, CODE, in_file, bad, "địa bàn")
        name = row.get(NAME)
        if not name:
            bad(NAME, None, "thiếu tên địa bàn")
        kind = KINDS.get(str(row.get(KIND) or ""))
        if kind is None:
            bad(
                KIND,
                row.get(KIND),
                "loại không có trong danh mục",
                suggest(row.get(KIND), list(KINDS)),
            )
        parent_code = str(row.get(PARENT) or "").upper() or None
        parent_kind = None
        parent = existing.get(parent_code) if parent_code else None
        if parent_code:
            if in_file_kind.get(parent_code):
                parent_kind = in_file_kind[parent_code]
            elif parent is not None:
                parent_kind = parent.kind
            else:
                bad(
                    PARENT,
                    parent_code,
                    "mã địa bàn cấp trên không tồn tại",
                    "kiểm tra mã, hoặc thêm dòng của địa bàn cấp trên vào tệp",
                )
            if parent is not None and not scope.locality_ok(parent.path):
                bad(PARENT, parent_code, OUT_OF_SCOPE)
        elif scope.localities is not None:
            bad(PARENT, None, "chỉ quản trị hệ thống được lập địa bàn cao nhất")
        if kind and (parent_code is None or parent_kind) and parent_kind not in PARENTS[kind]:
            bad(PARENT, parent_code, f"“{row.get(KIND)}” không thể thuộc địa bàn này")
        old = existing.get(code)
        if old is not None and not scope.locality_ok(old.path):
            bad(CODE, code, OUT_OF_SCOPE)
        founded = None
        raw_founded = row.get(FOUNDED)
        if raw_founded not in (None, ""):
            founded = parse_day(raw_founded)
            if founded is None:
                bad(FOUNDED, raw_founded, "không phải là ngày", "viết dd/mm/yyyy")
            elif founded > today:
                bad(FOUNDED, raw_founded, "ngày ở tương lai")
        elif old is not None:
            founded = old.valid_from
        elif parent is not None:
            founded = parent.valid_from
        elif parent_code is None or parent_code not in in_file_kind:
            bad(FOUNDED, None, "thiếu ngày thành lập", "ghi ngày thành lập của địa bàn")
        cell_code = str(row.get(CELL) or "").upper() or None
        cell = cells.get(cell_code) if cell_code else None
        if cell_code and cell is None:
            bad(CELL, cell_code, "không phải mã của một chi bộ", "dùng mã chi bộ đã có")
        elif cell is not None and not scope.unit_ok(cell.path):
            bad(CELL, cell_code, OUT_OF_SCOPE)
        if len(plan.problems) > before:
            continue
        in_file[code] = number
        record = {
            "row": number,
            "code": code,
            "name": name,
            "kind": kind,
            "parent": parent_code,
            "valid_from": founded,  # None: from the parent created in the same file
            "cell": cell,
        }
        if old is None:
            plan.add_new(record)
            continue
        if (old.parent.code if old.parent else None) != parent_code:
            bad(
                PARENT,
                parent_code,
                "đổi địa bàn cấp trên của một địa bàn đã có",
                "ghi nhận sáp nhập: giải thể địa bàn cũ và lập địa bàn kế thừa",
            )
            continue
        link = serving.get(old.pk)
        same_cell = (link.cell.code if link else None) == cell_code or cell_code is None
        if (old.name, old.kind, old.valid_from) == (name, kind, founded) and same_cell:
            plan.unchanged += 1
        else:
            record["existing"] = old
            plan.add_updated(record)
    return plan


@transaction.atomic
def commit(plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None) -> None:
    assert plan.ok
    today = today or dt.date.today()

    def make(r: dict, parent) -> Locality:
        loc = Locality.objects.create(
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            parent=parent,
            valid_from=r["valid_from"] or (parent.valid_from if parent else today),
        )
        if r["cell"] is not None:
            LocalityCell.objects.create(
                locality=loc, cell=r["cell"], valid_from=max(loc.valid_from, r["cell"].valid_from)
            )
        return loc

    create_parents_first(plan.new, Locality, make)
    for r in plan.updated:
        loc = Locality.objects.get(pk=r["existing"].pk)
        loc.name, loc.kind, loc.valid_from = r["name"], r["kind"], r["valid_from"]
        loc.save()
        cell = r["cell"]
        if cell is None:
            continue
        current = LocalityCell.objects.filter(locality=loc, valid_to__isnull=True).first()
        if current is not None and current.cell_id == cell.pk:
            continue
        start = max(today, loc.valid_from, cell.valid_from)
        if current is not None:
            current.valid_to = start
            current.save()
        LocalityCell.objects.create(locality=loc, cell=cell, valid_from=start)
    log(
        A.CREATE,
        user=by,
        detail=f"import localities sha256={plan.sha256[:16]} new="
        f"{len(plan.new)} updated={len(plan.updated)} unchanged={plan.unchanged}",
    )
