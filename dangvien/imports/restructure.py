"""Import a restructuring (sắp xếp tổ chức) of units, or of localities: one row per unit
(locality), all checked first, applied in one transaction through `orgs.restructure`
(`orgs.locality_restructure`); the same file twice changes nothing.

Columns, in this order: Mã đơn vị, Loại thay đổi, Mã đơn vị mới, Tên đơn vị mới, Mã đơn
vị cấp trên mới, Ngày hiệu lực (for localities: Mã địa bàn, …). Kinds: Hợp nhất (the rows
sharing a `Mã đơn vị mới` form a new unit of that code and name under that parent), Sáp
nhập (the unit joins the existing unit `Mã đơn vị mới`), Chuyển (the unit and its subtree
move under `Mã đơn vị cấp trên mới`), Đổi tên, Giải thể (refused while it still has
members; a locality, while someone still lives there). The old unit closes on `Ngày hiệu
lực` (it exists until the day before) and names its successor; members, child units and
candidates (for a locality: residents, child localities, serving cells, positions) move on
that date. Splitting, where each member's destination is chosen, is not a spreadsheet
operation.
"""

import datetime as dt

from dangvien.orgs import locality_restructure, restructure
from dangvien.orgs.restructure import Kind, Op

from .base import CODE_RE, EVERYWHERE, Changed, Progress, Scope, start, suggest
from .reader import Plan, Problem, parse_day

KINDS = {
    "Hợp nhất": Kind.MERGE,
    "Sáp nhập": Kind.ABSORB,
    "Chuyển": Kind.MOVE,
    "Đổi tên": Kind.RENAME,
    "Giải thể": Kind.DISSOLVE,
}


class RestructureImporter:
    """The importer of a restructuring of `noun`s ("đơn vị" or "địa bàn"), through the
    service module `service` (its `plan` and `apply`); `in_scope(scope, path)` tells
    whether a unit (locality) path is in the importing user's scope."""

    OPTIONAL: set[str] = set()

    def __init__(self, slug: str, noun: str, title: str, example: list[object], service, in_scope):
        self.SLUG, self.TITLE, self.noun = slug, title, noun
        self.service, self.in_scope = service, in_scope
        self.CODE, self.KIND, self.TARGET = f"Mã {noun}", "Loại thay đổi", f"Mã {noun} mới"
        self.NAME, self.PARENT = f"Tên {noun} mới", f"Mã {noun} cấp trên mới"
        self.DAY = "Ngày hiệu lực"
        self.COLUMNS = [self.CODE, self.KIND, self.TARGET, self.NAME, self.PARENT, self.DAY]
        self.ALLOWED = {self.KIND: list(KINDS)}
        self.EXAMPLE = example
        self.HINTS = {
            self.CODE: f"Mã của {noun} đang hoạt động.",
            self.KIND: "Hợp nhất, Sáp nhập, Chuyển, Đổi tên hoặc Giải thể.",
            self.TARGET: f"Hợp nhất: mã {noun} mới; Sáp nhập: mã {noun} nhận; Chuyển, Đổi "
            f"tên: để trống để hệ thống đặt mã kế thừa.",
            self.NAME: "Hợp nhất, Đổi tên: tên mới.",
            self.PARENT: f"Hợp nhất, Chuyển: mã {noun} cấp trên mới.",
            self.DAY: f"dd/mm/yyyy: ngày đầu tiên của {noun} mới.",
        }
        self.NEEDS: dict[str, tuple[str, ...]] = {
            Kind.MERGE: (self.TARGET, self.NAME, self.PARENT),
            Kind.ABSORB: (self.TARGET,),
            Kind.MOVE: (self.PARENT,),
            Kind.RENAME: (self.NAME,),
            Kind.DISSOLVE: (),
        }
        self.FIELD = {
            "code": self.CODE,
            "target": self.TARGET,
            "name": self.NAME,
            "parent": self.PARENT,
        }

    def allowed_lists(self) -> dict[str, list[str]]:
        return self.ALLOWED

    def validate(
        self, path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
    ) -> Plan:
        plan, stream = start(path, self.COLUMNS, self.OPTIONAL)
        if stream is None:
            return plan
        ops: list[Op] = []
        values: dict[tuple[int, str], object] = {}
        for index, (number, row) in enumerate(stream, start=1):
            if progress:
                progress(index)
            plan.rows += 1
            before = len(plan.problems)
            op = self.row_op(row, number, today, plan, values)
            if op is not None and len(plan.problems) == before:
                ops.append(op)
        if plan.problems:
            return plan
        effect = self.service.plan(ops, scope_ok=lambda obj: self.in_scope(scope, obj.path))
        for row, field, message, fix in effect.problems:
            column = self.FIELD.get(field, self.CODE)
            plan.problems.append(Problem(row, column, values.get((row, column)), message, fix))
        for op in effect.applied:
            plan.add_new(vars(op))
        plan.unchanged = len(effect.unchanged)
        plan.details = effect.lines()  # type: ignore[attr-defined]
        return plan

    def row_op(self, row: dict, number: int, today: dt.date, plan: Plan, values) -> Op | None:
        def bad(column, value, message, fix=""):
            plan.problems.append(Problem(number, column, value, message, fix))

        for column in self.COLUMNS:
            values[(number, column)] = row.get(column)
        code = str(row.get(self.CODE) or "").strip().upper()
        if not CODE_RE.match(code):
            bad(
                self.CODE,
                row.get(self.CODE),
                f"mã {self.noun} không hợp lệ",
                "chữ in hoa không dấu, số, gạch ngang",
            )
        kind = KINDS.get(str(row.get(self.KIND) or "").strip())
        if kind is None:
            bad(
                self.KIND,
                row.get(self.KIND),
                "loại thay đổi không có trong danh mục",
                suggest(row.get(self.KIND), list(KINDS)),
            )
        day = parse_day(row.get(self.DAY))
        if day is None:
            bad(self.DAY, row.get(self.DAY), "không phải là ngày", "viết dd/mm/yyyy")
        elif day > today:
            bad(
                self.DAY,
                row.get(self.DAY),
                "ngày hiệu lực ở tương lai",
                "nhập khi quyết định đã có hiệu lực",
            )
        elif day.year < 1930:
            bad(self.DAY, row.get(self.DAY), "ngày quá xa trong quá khứ")
        target = str(row.get(self.TARGET) or "").strip().upper()
        if target and not CODE_RE.match(target):
            bad(
                self.TARGET,
                row.get(self.TARGET),
                f"mã {self.noun} mới không hợp lệ",
                "chữ in hoa không dấu, số, gạch ngang, tối đa 40 ký tự",
            )
        name = " ".join(str(row.get(self.NAME) or "").split())
        parent = str(row.get(self.PARENT) or "").strip().upper()
        given = {self.TARGET: target, self.NAME: name, self.PARENT: parent}
        for column in self.NEEDS.get(kind or "", ()):
            if not given[column]:
                bad(column, None, f"“{row.get(self.KIND)}” cần cột này")
        if kind is None or day is None:
            return None
        return Op(kind, code, day, target=target, name=name, parent=parent, row=number)

    def commit(
        self, plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None
    ) -> None:
        """Apply the checked operations; if the tree moved since the check, write nothing."""
        assert plan.ok
        effect = self.service.apply([Op(**r) for r in plan.new], by=by)
        if not effect.ok:
            raise Changed(
                [
                    Problem(row, self.FIELD.get(f, self.CODE), None, m, fix)
                    for row, f, m, fix in effect.problems
                ]
            )


UNITS = RestructureImporter(
    "restructure",
    "đơn vị",
    "sắp xếp tổ chức (hợp nhất, sáp nhập, chuyển, đổi tên, giải thể)",
    ["PHUONGA", "Hợp nhất", "PHUONGAB", "Đảng bộ phường AB", "TINH", "01/07/2025"],
    restructure,
    lambda scope, path: scope.unit_ok(path),
)
LOCALITIES = RestructureImporter(
    "restructure-places",
    "địa bàn",
    "sắp xếp địa bàn (hợp nhất, sáp nhập, chuyển, đổi tên, giải thể thôn, tổ dân phố, xã, phường)",
    ["TDP1", "Hợp nhất", "TDP1-2", "Tổ dân phố 1", "PHUONGA", "01/07/2025"],
    locality_restructure,
    lambda scope, path: scope.locality_ok(path),
)
