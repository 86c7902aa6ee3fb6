"""Import organisation units: validate every row first, then write all or nothing.

Columns (Vietnamese headers, as in the template): Mã đơn vị, Tên đơn vị, Loại, Mã đơn
vị cấp trên, Ngày thành lập. Rows match existing units by code; a second import of the
same file changes nothing.
"""

import datetime as dt

from django.db import transaction

from dangvien.accounts.audit import A, log
from dangvien.orgs.models import OrgUnit

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

CODE, NAME, KIND, PARENT, FOUNDED = (
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại",
    "Mã đơn vị cấp trên",
    "Ngày thành lập",
)
COLUMNS = [CODE, NAME, KIND, PARENT, FOUNDED]
SLUG = "units"
TITLE = "đơn vị (tổ chức đảng)"
OPTIONAL: set[str] = set()
K = OrgUnit.Kind
KINDS = {
    "Cấp trên cơ sở": K.SUPERIOR,
    "Đảng bộ cơ sở": K.GRASSROOTS_COMMITTEE,
    "Chi bộ cơ sở": K.GRASSROOTS_CELL,
    "Đảng bộ bộ phận": K.SUB_COMMITTEE,
    "Chi bộ": K.CELL,
    "Tổ đảng": K.PARTY_GROUP,
}
# Which kinds may sit under which.
PARENTS: dict[str, set[str | None]] = {
    K.SUPERIOR: {None, K.SUPERIOR},
    K.GRASSROOTS_COMMITTEE: {K.SUPERIOR},
    K.GRASSROOTS_CELL: {K.SUPERIOR},
    K.SUB_COMMITTEE: {K.GRASSROOTS_COMMITTEE},
    K.CELL: {K.GRASSROOTS_COMMITTEE, K.SUB_COMMITTEE},
    K.PARTY_GROUP: {K.CELL, K.GRASSROOTS_CELL},
}
ALLOWED = {KIND: list(KINDS)}
EXAMPLE: list[object] = ["PHUONGA-CB01", "Chi bộ Tổ dân phố 1", "Chi bộ", "PHUONGA", "15/03/1990"]
HINTS = {
    CODE: "Chữ in hoa không dấu, số, dấu gạch ngang; duy nhất.",
    PARENT: "Để trống chỉ với đơn vị cao nhất.",
    FOUNDED: "dd/mm/yyyy.",
}


def allowed_lists() -> dict[str, list[str]]:
    return ALLOWED


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    plan, stream = start(path, COLUMNS, OPTIONAL)
    if stream is None:
        return plan
    existing = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    # A units file is small: read it whole, so a row may name a parent listed below it.
    items = list(stream)
    kinds_in_file = {
        str(r.get(CODE) or "").upper(): KINDS.get(str(r.get(KIND) or "")) for _n, r in items
    }
    in_file: dict[str, int] = {}  # code → row
    for index, (number, row) in enumerate(items, start=1):
        if progress:
            progress(index)
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        code = checked_code(row, CODE, in_file, bad, "đơn vị")
        name = row.get(NAME)
        if not name:
            bad(NAME, None, "thiếu tên đơn vị")
        kind = KINDS.get(str(row.get(KIND) or ""))
        if kind is None:
            bad(
                KIND,
                row.get(KIND),
                "loại không có trong danh mục",
                suggest(row.get(KIND), list(KINDS)),
            )
        founded = parse_day(row.get(FOUNDED))
        if founded is None:
            bad(FOUNDED, row.get(FOUNDED), "không phải là ngày", "viết dd/mm/yyyy")
        elif founded > today:
            bad(FOUNDED, row.get(FOUNDED), "ngày ở tương lai")
        parent_code = str(row.get(PARENT) or "").upper() or None
        parent_kind: str | None = None
        if parent_code:
            if parent_code in kinds_in_file and kinds_in_file[parent_code]:
                parent_kind = kinds_in_file[parent_code]
            elif parent_code in existing:
                parent_kind = existing[parent_code].kind
                if not scope.unit_ok(existing[parent_code].path):
                    bad(PARENT, parent_code, OUT_OF_SCOPE)
            else:
                bad(
                    PARENT,
                    parent_code,
                    "mã đơn vị cấp trên không tồn tại",
                    "kiểm tra mã, hoặc thêm dòng của đơn vị cấp trên vào tệp",
                )
        if parent_code is None and scope.units is not None:
            bad(PARENT, None, "chỉ quản trị hệ thống được lập đơn vị cao nhất")
        if code in existing and not scope.unit_ok(existing[code].path):
            bad(CODE, code, OUT_OF_SCOPE)
        if kind and (parent_code is None or parent_kind) and parent_kind not in PARENTS[kind]:
            bad(PARENT, parent_code, f"“{row.get(KIND)}” không thể trực thuộc đơn vị này")
        if len(plan.problems) > before:
            continue
        record = {
            "row": number,
            "code": code,
            "name": name,
            "kind": kind,
            "parent": parent_code,
            "valid_from": founded,
        }
        in_file[code] = number
        old = existing.get(code)
        if old is None:
            plan.add_new(record)
        elif (old.parent.code if old.parent else None) != parent_code:
            bad(
                PARENT,
                parent_code,
                "đổi đơn vị cấp trên của một đơn vị đã có",
                "giải thể đơn vị cũ và lập đơn vị kế thừa",
            )
        elif (old.name, old.kind, old.valid_from) != (name, kind, founded):
            plan.add_updated(record)
        else:
            plan.unchanged += 1
    return plan


@transaction.atomic
def commit(plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None) -> None:
    """Write a valid plan (parents before children, since the file may list them so)."""
    assert plan.ok
    create_parents_first(
        plan.new,
        OrgUnit,
        lambda r, parent: OrgUnit.objects.create(
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            parent=parent,
            valid_from=r["valid_from"],
        ),
    )
    for r in plan.updated:
        unit = OrgUnit.objects.get(code=r["code"])
        unit.name, unit.kind, unit.valid_from = r["name"], r["kind"], r["valid_from"]
        unit.save()
    log(
        A.CREATE,
        user=by,
        detail=f"import units sha256={plan.sha256[:16]} new="
        f"{len(plan.new)} updated={len(plan.updated)} unchanged={plan.unchanged}",
    )
