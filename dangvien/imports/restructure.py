"""Import a restructuring (sắp xếp tổ chức): one row per unit, all checked first, applied
in one transaction through `orgs.restructure`; the same file twice changes nothing.

Columns, in this order: Mã đơn vị, Loại thay đổi, Mã đơn vị mới, Tên đơn vị mới, Mã đơn
vị cấp trên mới, Ngày hiệu lực. Kinds: Hợp nhất (the rows sharing a `Mã đơn vị mới` form
a new unit of that code and name under that parent), Sáp nhập (the unit joins the existing
unit `Mã đơn vị mới`), Chuyển (the unit and its subtree move under `Mã đơn vị cấp trên
mới`), Đổi tên, Giải thể (refused while it still has members). The old unit closes on
`Ngày hiệu lực` (it exists until the day before) and names its successor; members, child
units and candidates move on that date. Splitting, where each member's destination is
chosen, is not a spreadsheet operation.
"""

import datetime as dt

from dangvien.orgs import restructure
from dangvien.orgs.restructure import Kind, Op

from .base import CODE_RE, EVERYWHERE, Changed, Progress, Scope, start, suggest
from .reader import Plan, Problem, parse_day

CODE, KIND, TARGET, NAME, PARENT, DAY = (
    "Mã đơn vị",
    "Loại thay đổi",
    "Mã đơn vị mới",
    "Tên đơn vị mới",
    "Mã đơn vị cấp trên mới",
    "Ngày hiệu lực",
)
COLUMNS = [CODE, KIND, TARGET, NAME, PARENT, DAY]
SLUG = "restructure"
TITLE = "sắp xếp tổ chức (hợp nhất, sáp nhập, chuyển, đổi tên, giải thể)"
OPTIONAL: set[str] = set()
KINDS = {
    "Hợp nhất": Kind.MERGE,
    "Sáp nhập": Kind.ABSORB,
    "Chuyển": Kind.MOVE,
    "Đổi tên": Kind.RENAME,
    "Giải thể": Kind.DISSOLVE,
}
ALLOWED = {KIND: list(KINDS)}
EXAMPLE: list[object] = [
    "PHUONGA",
    "Hợp nhất",
    "PHUONGAB",
    "Đảng bộ phường AB",
    "TINH",
    "01/07/2025",
]
HINTS = {
    CODE: "Mã của đơn vị đang hoạt động.",
    KIND: "Hợp nhất, Sáp nhập, Chuyển, Đổi tên hoặc Giải thể.",
    TARGET: "Hợp nhất: mã đơn vị mới; Sáp nhập: mã đơn vị nhận; Chuyển, Đổi tên: để trống "
    "để hệ thống đặt mã kế thừa.",
    NAME: "Hợp nhất, Đổi tên: tên mới.",
    PARENT: "Hợp nhất, Chuyển: mã đơn vị cấp trên mới.",
    DAY: "dd/mm/yyyy: ngày đầu tiên của tổ chức mới.",
}
NEEDS: dict[str, tuple[str, ...]] = {
    Kind.MERGE: (TARGET, NAME, PARENT),
    Kind.ABSORB: (TARGET,),
    Kind.MOVE: (PARENT,),
    Kind.RENAME: (NAME,),
    Kind.DISSOLVE: (),
}
FIELD = {"code": CODE, "target": TARGET, "name": NAME, "parent": PARENT}


def allowed_lists() -> dict[str, list[str]]:
    return ALLOWED


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    plan, stream = start(path, COLUMNS, OPTIONAL)
    if stream is None:
        return plan
    ops: list[Op] = []
    values: dict[tuple[int, str], object] = {}
    for index, (number, row) in enumerate(stream, start=1):
        if progress:
            progress(index)
        plan.rows += 1
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        for column in COLUMNS:
            values[(number, column)] = row.get(column)
        code = str(row.get(CODE) or "").strip().upper()
        if not CODE_RE.match(code):
            bad(
                CODE,
                row.get(CODE),
                "mã đơn vị không hợp lệ",
                "chữ in hoa không dấu, số, gạch ngang",
            )
        kind = KINDS.get(str(row.get(KIND) or "").strip())
        if kind is None:
            bad(
                KIND,
                row.get(KIND),
                "loại thay đổi không có trong danh mục",
                suggest(row.get(KIND), list(KINDS)),
            )
        day = parse_day(row.get(DAY))
        if day is None:
            bad(DAY, row.get(DAY), "không phải là ngày", "viết dd/mm/yyyy")
        elif day > today:
            bad(
                DAY, row.get(DAY), "ngày hiệu lực ở tương lai", "nhập khi quyết định đã có hiệu lực"
            )
        elif day.year < 1930:
            bad(DAY, row.get(DAY), "ngày quá xa trong quá khứ")
        target = str(row.get(TARGET) or "").strip().upper()
        if target and not CODE_RE.match(target):
            bad(
                TARGET,
                row.get(TARGET),
                "mã đơn vị mới không hợp lệ",
                "chữ in hoa không dấu, số, gạch ngang, tối đa 40 ký tự",
            )
        name = " ".join(str(row.get(NAME) or "").split())
        parent = str(row.get(PARENT) or "").strip().upper()
        for column in NEEDS.get(kind or "", ()):
            if not {TARGET: target, NAME: name, PARENT: parent}[column]:
                bad(column, None, f"“{row.get(KIND)}” cần cột này")
        if len(plan.problems) > before or kind is None or day is None:
            continue
        ops.append(Op(kind, code, day, target=target, name=name, parent=parent, row=number))
    if plan.problems:
        return plan
    effect = restructure.plan(ops, scope_ok=lambda unit: scope.unit_ok(unit.path))
    for row, field, message, fix in effect.problems:
        column = FIELD.get(field, CODE)
        plan.problems.append(Problem(row, column, values.get((row, column)), message, fix))
    for op in effect.applied:
        plan.add_new(vars(op))
    plan.unchanged = len(effect.unchanged)
    plan.details = effect.lines()  # type: ignore[attr-defined]
    return plan


def commit(plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None) -> None:
    """Apply the checked operations; if the tree moved since the check, write nothing."""
    assert plan.ok
    effect = restructure.apply([Op(**r) for r in plan.new], by=by)
    if not effect.ok:
        raise Changed(
            [Problem(row, FIELD.get(f, CODE), None, m, fix) for row, f, m, fix in effect.problems]
        )
