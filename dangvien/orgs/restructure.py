"""Restructuring the organisation tree as dated operations: merge, absorb, move, rename,
dissolve.

A unit is never re-parented or renamed in place: it closes on the effective day (its
`valid_to`, the first day it no longer exists) and names its successor; its child units
are carried over as new units under the successor, its members' stints end and begin
again there (`REORGANISED`), the localities it served are served by its successor, and
the candidates on its source list move with it. Every report for a day before the
operation therefore still sees the tree as it was, and every report after it the new one.

`plan()` checks a list of operations against the database and says what each would do
(or why it cannot), changing nothing; `apply()` carries out a checked list in one
transaction. An operation already applied (the unit closed that day with that successor)
is reported as unchanged, so the same list applied twice changes nothing the second time.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangvien.accounts.audit import A, log
from dangvien.core.bulk import many_writes, touched
from dangvien.membership.models import Stint

from .models import LocalityCell, OrgUnit, Restructuring

CHANGE_KEYS = (
    "units",
    "stints",
    "ended",
    "rehomed",
    "links",
    "links_ended",
    "candidates",
    "closed",
    "successions",
)


class Kind(models.TextChoices):
    # Hợp nhất: the rows sharing a new code form a new unit.
    MERGE = "MERGE", _("Merge into a new unit")
    ABSORB = "ABSORB", _("Merge into an existing unit")  # Sáp nhập
    MOVE = "MOVE", _("Move under another superior unit")  # Chuyển, with the subtree
    RENAME = "RENAME", _("Rename")  # Đổi tên
    DISSOLVE = "DISSOLVE", _("Dissolve")  # Giải thể: only without members


# How a stored summary names each kind (data for the office, in its language).
SUMMARY_WORD: dict[str, str] = {
    Kind.MERGE: "Hợp nhất",
    Kind.ABSORB: "Sáp nhập",
    Kind.MOVE: "Chuyển",
    Kind.RENAME: "Đổi tên",
    Kind.DISSOLVE: "Giải thể",
}


def summary_of(ops: list["Op"], noun: str = "đơn vị") -> str:
    """'Hợp nhất đơn vị WARDA → WARDAB; …' for the list of restructurings."""
    out = []
    for op in ops:
        to = op.target or op.parent or op.name
        out.append(
            f"{SUMMARY_WORD.get(op.kind, op.kind)} {noun} {op.code}" + (f" → {to}" if to else "")
        )
    return "; ".join(out)


@dataclass
class Op:
    """One operation; `row` is where it came from (a spreadsheet row), for messages."""

    kind: str
    code: str
    day: dt.date
    target: str = ""  # MERGE: the new unit; ABSORB: the existing one; MOVE/RENAME: optional
    name: str = ""  # MERGE and RENAME: the new name
    parent: str = ""  # MERGE and MOVE: the new parent
    row: int = 0


@dataclass
class Effect:
    """What the checked operations would do."""

    applied: list[Op] = field(default_factory=list)  # ops to carry out
    unchanged: list[Op] = field(default_factory=list)  # already done
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, field, msg, fix
    units_closed: int = 0
    units_created: int = 0
    members_moved: int = 0
    candidates_moved: int = 0
    roles: list[str] = field(default_factory=list)  # "user: role on unit", to review
    term_targets: list[str] = field(default_factory=list)  # targets set on closing units
    units: list[str] = field(default_factory=list)  # the units that close
    members: list[str] = field(default_factory=list)  # the members who move
    candidates: list[str] = field(default_factory=list)  # the candidates who move
    targets: set[str] = field(default_factory=set)
    record: "Restructuring | None" = None  # once applied
    places: bool = False  # localities rather than units

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The preview in Vietnamese, one line per figure."""
        if self.places:
            return [
                f"{len(self.applied)} thao tác sẽ thực hiện, "
                f"{len(self.unchanged)} đã thực hiện trước đó",
                f"{self.units_closed} địa bàn đóng lại, {self.units_created} địa bàn lập mới "
                "(kế thừa)",
                f"{self.members_moved} người cư trú chuyển sang địa bàn kế thừa",
            ] + (
                [
                    "Cấp ủy lãnh đạo địa bàn được hợp nhất (gán địa bàn kế thừa khi sắp xếp "
                    "đơn vị cùng ngày, hoặc quản trị viên gán): " + "; ".join(self.roles)
                ]
                if self.roles
                else []
            )
        out = [
            f"{len(self.applied)} thao tác sẽ thực hiện, "
            f"{len(self.unchanged)} đã thực hiện trước đó",
            f"{self.units_closed} đơn vị đóng lại, {self.units_created} đơn vị lập mới (kế thừa)",
            f"{self.members_moved} đảng viên chuyển sang đơn vị kế thừa",
            f"{self.candidates_moved} quần chúng trong danh sách nguồn chuyển theo chi bộ",
        ]
        if self.term_targets:
            out.append(
                "Chỉ tiêu nhiệm kỳ đặt cho đơn vị đóng lại (đặt lại cho đơn vị kế thừa nếu cần): "
                + "; ".join(self.term_targets)
            )
        if self.roles:
            out.append(
                "Vai trò trên đơn vị đóng lại (quản trị viên cấp vai trò trên đơn vị kế thừa "
                "nếu cần): " + "; ".join(self.roles)
            )
        return out


def open_on(unit: OrgUnit, day: dt.date) -> bool:
    return unit.valid_from <= day and (unit.valid_to is None or unit.valid_to > day)


def subtree_ids(unit: OrgUnit) -> set[int]:
    return set(OrgUnit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def free_code(code: str, day: dt.date, taken: set[str]) -> str:
    """A new unit's code derived from the old one: `CODE-YYYY` (then -2, -3 … if taken)."""
    base = f"{code[: 40 - 5]}-{day.year}"
    out, n = base, 2
    while out in taken:
        out = f"{base[: 40 - len(str(n)) - 1]}-{n}"
        n += 1
    taken.add(out)
    return out


def plan(ops: list[Op], scope_ok=lambda unit: True) -> Effect:
    """Check `ops`; count what they would change. Nothing is written."""
    effect = Effect()
    units = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    seen: dict[str, int] = {}
    merges: dict[str, Op] = {}

    def bad(op: Op, column: str, message: str, fix: str = "") -> None:
        effect.problems.append((op.row, column, message, fix))

    for op in ops:
        unit = units.get(op.code)
        if unit is None:
            bad(op, "code", f"không có đơn vị mã {op.code}", "kiểm tra mã đơn vị")
            continue
        if op.code in seen:
            bad(op, "code", f"đơn vị {op.code} đã có ở dòng {seen[op.code]}", "mỗi đơn vị một dòng")
            continue
        seen[op.code] = op.row
        if not scope_ok(unit):
            bad(op, "code", "ngoài phạm vi bạn được giao")
            continue
        if done(op, unit):
            effect.unchanged.append(op)
            continue
        before = op.day - dt.timedelta(days=1)
        if not open_on(unit, before) or not open_on(unit, op.day) and unit.valid_to != op.day:
            closed = unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else ""
            bad(
                op,
                "code",
                f"đơn vị {op.code} không hoạt động ngày {before:%d/%m/%Y}"
                + (f" (đã đóng từ {closed})" if closed else ""),
                "kiểm tra ngày hiệu lực",
            )
            continue
        if unit.valid_to is not None:
            bad(op, "code", f"đơn vị {op.code} đã có ngày đóng {unit.valid_to:%d/%m/%Y}")
            continue
        if unit.parent is None:
            bad(op, "code", "không sắp xếp được đơn vị cao nhất")
            continue
        subtree = subtree_ids(unit)
        if op.kind == Kind.MERGE:
            first = merges.setdefault(op.target, op)
            if op.target in units:
                bad(op, "target", f"mã {op.target} đã được dùng", "chọn một mã mới")
                continue
            if (first.name, first.parent, first.day) != (op.name, op.parent, op.day):
                bad(
                    op,
                    "target",
                    f"các dòng hợp nhất vào {op.target} khác nhau về tên, cấp trên hoặc ngày",
                    f"ghi giống dòng {first.row}",
                )
                continue
            if units[first.code].kind != unit.kind:
                bad(op, "code", "chỉ hợp nhất các đơn vị cùng loại")
                continue
            if not parent_ok(op, unit, units, subtree, bad, scope_ok):
                continue
        elif op.kind == Kind.ABSORB:
            target = units.get(op.target)
            if target is None:
                bad(op, "target", f"không có đơn vị mã {op.target}", "kiểm tra mã đơn vị nhận")
                continue
            if target.pk in subtree or not open_on(target, op.day):
                bad(op, "target", f"không sáp nhập được vào {op.target}")
                continue
            if target.kind != unit.kind:
                bad(op, "target", "chỉ sáp nhập vào đơn vị cùng loại")
                continue
            if not scope_ok(target):
                bad(op, "target", "ngoài phạm vi bạn được giao")
                continue
        elif op.kind == Kind.MOVE:
            if op.target and op.target in units:
                bad(op, "target", f"mã {op.target} đã được dùng", "để trống hoặc chọn mã mới")
                continue
            if not parent_ok(op, unit, units, subtree, bad, scope_ok):
                continue
        elif op.kind == Kind.RENAME:
            if not op.name:
                bad(op, "name", "thiếu tên mới")
                continue
            if op.target and op.target in units:
                bad(op, "target", f"mã {op.target} đã được dùng", "để trống hoặc chọn mã mới")
                continue
        elif op.kind == Kind.DISSOLVE:
            left = Stint.objects.members_on(op.day).filter(unit__in=subtree).count()
            if left:
                bad(
                    op,
                    "code",
                    f"đơn vị {op.code} còn {left} đảng viên ngày {op.day:%d/%m/%Y}",
                    "chuyển sinh hoạt hoặc sáp nhập trước khi giải thể",
                )
                continue
        effect.applied.append(op)
        count(effect, op, unit, subtree)
    return effect


def parent_ok(op, unit, units, subtree, bad, scope_ok) -> bool:
    parent = units.get(op.parent)
    if parent is None:
        bad(op, "parent", f"không có đơn vị cấp trên mã {op.parent}", "kiểm tra mã")
        return False
    if parent.pk in subtree or not open_on(parent, op.day):
        bad(op, "parent", f"đơn vị {op.parent} không thể là cấp trên mới")
        return False
    if not scope_ok(parent):
        bad(op, "parent", "ngoài phạm vi bạn được giao")
        return False
    return True


def done(op: Op, unit) -> bool:
    """Was this operation applied already (same day, a successor as it would make)? For a
    unit or a locality alike."""
    if unit.valid_to != op.day:
        return False
    successors = list(unit.successors.all())
    if op.kind == Kind.DISSOLVE:
        return not successors
    if op.kind in (Kind.MERGE, Kind.ABSORB):
        return any(s.code == op.target for s in successors)
    if op.kind == Kind.MOVE:
        return any(s.parent and s.parent.code == op.parent for s in successors)
    return any(s.name == op.name for s in successors)


def count(effect: Effect, op: Op, unit: OrgUnit, subtree: set[int]) -> None:
    """Add what `op` would change to `effect`: counts, and the names behind them."""
    from dangvien.accounts.models import Role
    from dangvien.admission.models import Candidate

    opened = list(
        OrgUnit.objects.filter(pk__in=subtree)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=op.day))
        .order_by("path")
    )
    effect.units_closed += len(opened)
    effect.units.extend(f"{u.name} ({u.code})" for u in opened)
    if op.kind != Kind.DISSOLVE:
        effect.units_created += len(opened) - 1  # the children, carried over
        new_target = op.kind == Kind.MERGE and op.target not in effect.targets
        if op.kind in (Kind.MOVE, Kind.RENAME) or new_target:
            effect.units_created += 1
        effect.targets.add(op.target)
    moving = Stint.objects.members_on(op.day).filter(unit__in=subtree)
    effect.members_moved += moving.count()
    effect.members.extend(
        moving.order_by("membership__person__sort_name").values_list(
            "membership__person__full_name", flat=True
        )
    )
    listed = Candidate.objects.active().filter(cell__in=subtree)
    effect.candidates_moved += listed.count()
    effect.candidates.extend(listed.values_list("person__full_name", flat=True))
    for role in Role.objects.filter(unit__in=subtree).select_related("user", "unit"):
        effect.roles.append(f"{role.user.username}: {role.get_kind_display()} – {role.unit.code}")
    from dangvien.targets.models import Target

    for target in Target.objects.filter(unit__in=subtree, term__end__gte=op.day).select_related(
        "term", "unit"
    ):
        effect.term_targets.append(
            f"{target.term.name} – {target.unit.code}: {target.get_metric_display()} "
            f"{target.value.normalize():f}"
        )


@transaction.atomic
@many_writes()  # the precomputed counts are refreshed once, at the end
def apply(ops: list[Op], *, by=None) -> Effect:
    """Check and carry out `ops` in one transaction, recorded as one `Restructuring` that
    can be undone; refuses (changes nothing) on a problem."""
    effect = plan(ops)
    if not effect.ok or not effect.applied:
        return effect
    taken = set(OrgUnit.objects.values_list("code", flat=True))
    made: dict[str, OrgUnit] = {}
    rec: dict[str, list] = {key: [] for key in CHANGE_KEYS}
    for op in effect.applied:
        unit = OrgUnit.objects.get(code=op.code)
        if op.kind == Kind.DISSOLVE:
            for part in OrgUnit.objects.filter(path__startswith=unit.path).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
            ):
                for link in LocalityCell.objects.filter(cell=part).filter(
                    Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
                ):
                    rec["links_ended"].append([link.pk, iso(link.valid_to)])
                    link.valid_to = op.day
                    link.save(update_fields=["valid_to"])
                close(part, op.day, None, rec)
            log(A.UPDATE, user=by, detail=f"restructure DISSOLVE {op.code} from {op.day:%Y-%m-%d}")
            continue
        if op.kind == Kind.MERGE:
            if op.target not in made:
                made[op.target] = copy(
                    unit, op.target, op.name, OrgUnit.objects.get(code=op.parent), op.day, rec
                )
                taken.add(op.target)
            successor = made[op.target]
        elif op.kind == Kind.ABSORB:
            successor = OrgUnit.objects.get(code=op.target)
        else:
            parent = OrgUnit.objects.get(code=op.parent) if op.kind == Kind.MOVE else unit.parent
            code = op.target or free_code(unit.code, op.day, taken)
            taken.add(code)
            successor = copy(unit, code, op.name or unit.name, parent, op.day, rec)
        carry(unit, successor, op.day, taken, rec)
        log(
            A.UPDATE,
            user=by,
            detail=f"restructure {op.kind} {op.code} → {successor.code} from {op.day:%Y-%m-%d}",
        )
    effect.record = Restructuring.objects.create(
        day=effect.applied[0].day,
        summary=summary_of(effect.applied),
        changes=rec,
        applied_by=by if getattr(by, "pk", None) else None,
    )
    return effect


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def copy(unit: OrgUnit, code: str, name: str, parent, day: dt.date, rec: dict) -> OrgUnit:
    new = OrgUnit.objects.create(
        code=code,
        name=name,
        kind=unit.kind,
        category=unit.category,
        parent=parent,
        locality=led_on(unit.locality, day),
        valid_from=day,
    )
    rec["units"].append(new.pk)
    return new


def led_on(locality, day: dt.date):
    """The locality a unit's successor leads from `day`: the same one, or, when the
    localities were restructured on that day first, the one locality that succeeded it."""
    if locality is None or locality.valid_to is None or locality.valid_to > day:
        return locality
    successors = list(locality.successors.filter(valid_from=day))
    return successors[0] if len(successors) == 1 else locality


def carry(unit: OrgUnit, successor: OrgUnit, day: dt.date, taken: set[str], rec: dict) -> None:
    """Close `unit`, moving its members, localities, candidates and open children (as new
    units under `successor`) over to `successor`."""
    distribute(unit, lambda _kind, _obj: successor, day, taken, rec)
    close(unit, day, successor, rec)


def distribute(unit: OrgUnit, where, day: dt.date, taken: set[str], rec: dict) -> None:
    """Move what `unit` holds on `day` to the successor `where(kind, object)` names for it:
    kind is "unit" (a child, carried over as a new unit), "member" (a membership),
    "locality" (a served locality's link) or "candidate"."""
    from dangvien.admission.models import Candidate

    for child in unit.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)):
        to = where("unit", child)
        new = copy(child, free_code(child.code, day, taken), child.name, to, day, rec)
        carry(child, new, day, taken, rec)
    # Stints that began on or after the day belong to the successor outright.
    for stint in Stint.objects.filter(unit=unit, start_on__gte=day):
        rec["rehomed"].append([stint.pk, unit.pk])
        stint.unit = where("member", stint.membership)
        stint.save(update_fields=["unit"])
    for stint in Stint.objects.filter(unit=unit, start_on__lt=day).filter(
        Q(end_on__isnull=True) | Q(end_on__gt=day)
    ):
        end, reason = stint.end_on, stint.reason_out
        rec["ended"].append([stint.pk, iso(end), reason])
        stint.end_on, stint.reason_out = day, Stint.ReasonOut.REORGANISED
        stint.save(update_fields=["end_on", "reason_out"])
        new_stint = Stint.objects.create(
            membership=stint.membership,
            unit=where("member", stint.membership),
            start_on=day,
            end_on=end,
            reason_in=Stint.ReasonIn.REORGANISED,
            reason_out=reason if end else "",
        )
        rec["stints"].append([new_stint.pk, iso(end)])
    for link in LocalityCell.objects.filter(cell=unit).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    ):
        end = link.valid_to
        rec["links_ended"].append([link.pk, iso(end)])
        link.valid_to = day
        link.save(update_fields=["valid_to"])
        new_link = LocalityCell.objects.create(
            locality=link.locality,
            cell=where("locality", link.locality),
            valid_from=day,
            valid_to=end,
        )
        rec["links"].append(new_link.pk)
    for c in Candidate.objects.active().filter(cell=unit):
        rec["candidates"].append([c.pk, unit.pk])
        c.cell = where("candidate", c)
        c.save(update_fields=["cell"])


class SplitError(Exception):
    pass


def holdings(unit: OrgUnit, day: dt.date) -> dict[str, list]:
    """What a split of `unit` on `day` must give out: its open child units, its members
    (on the day or arriving after), the localities it serves and its candidates."""
    from dangvien.admission.models import Candidate
    from dangvien.membership.models import Membership

    stints = Stint.objects.filter(unit=unit).filter(Q(end_on__isnull=True) | Q(end_on__gt=day))
    return {
        "unit": list(unit.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))),
        "member": list(
            Membership.objects.filter(stints__in=stints)
            .distinct()
            .select_related("person")
            .order_by("person__sort_name")
        ),
        "locality": [
            link.locality
            for link in LocalityCell.objects.filter(cell=unit)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
            .select_related("locality")
        ],
        "candidate": list(Candidate.objects.active().filter(cell=unit).select_related("person")),
    }


@transaction.atomic
@many_writes()  # the precomputed counts are refreshed once, at the end
def split(
    unit: OrgUnit,
    day: dt.date,
    parts: list[tuple[str, str]],
    assign: dict[str, dict[int, str]],
    *,
    by=None,
) -> Restructuring:
    """Split `unit` on `day` into new units `parts` ([(code, name)]) under its parent;
    `assign[kind][id]` is the code of the part each child unit, member, locality and
    candidate goes to (every one must be given a part). Recorded, and undoable."""
    if not (open_on(unit, day - dt.timedelta(days=1)) and unit.valid_to is None):
        raise SplitError(f"Đơn vị {unit.code} không hoạt động vào ngày {day:%d/%m/%Y}.")
    if unit.parent is None:
        raise SplitError("Không chia tách được đơn vị cao nhất.")
    codes = [c for c, _n in parts]
    if len(parts) < 2 or len(set(codes)) != len(codes):
        raise SplitError("Cần ít nhất hai đơn vị mới, mỗi đơn vị một mã khác nhau.")
    taken = set(OrgUnit.objects.values_list("code", flat=True))
    for code, name in parts:
        if code in taken or not re.match(r"^[A-Z0-9][A-Z0-9-]{0,39}$", code):
            raise SplitError(f"Mã {code} không dùng được (đã có, hoặc không hợp lệ).")
        if not name.strip():
            raise SplitError(f"Thiếu tên của đơn vị {code}.")
    held = holdings(unit, day)
    for kind, objects in held.items():
        for obj in objects:
            if assign.get(kind, {}).get(obj.pk) not in codes:
                raise SplitError(f"Chưa chọn đơn vị mới cho: {obj}.")
    rec: dict[str, list] = {key: [] for key in CHANGE_KEYS}
    made = {code: copy(unit, code, name, unit.parent, day, rec) for code, name in parts}
    taken |= set(made)
    distribute(unit, lambda kind, obj: made[assign[kind][obj.pk]], day, taken, rec)
    rec["closed"].append([unit.pk, iso(unit.valid_to)])
    unit.valid_to = day
    unit.save(update_fields=["valid_to", "path", "depth"])
    for part in made.values():
        unit.successors.add(part)
        rec["successions"].append([unit.pk, part.pk])
    summary = f"Chia tách đơn vị {unit.code} → {', '.join(codes)}"
    log(A.UPDATE, user=by, detail=f"restructure {summary} from {day:%Y-%m-%d}")
    return Restructuring.objects.create(
        day=day, summary=summary, changes=rec, applied_by=by if getattr(by, "pk", None) else None
    )


def close(unit: OrgUnit, day: dt.date, successor: OrgUnit | None, rec: dict) -> None:
    rec["closed"].append([unit.pk, iso(unit.valid_to)])
    unit.valid_to = day
    unit.save(update_fields=["valid_to", "path", "depth"])
    if successor is not None:
        unit.successors.add(successor)
        rec["successions"].append([unit.pk, successor.pk])


class CannotUndo(Exception):
    pass


def records_on(created: set[int]) -> list[str]:
    """What member records made after a restructuring name the units it created
    (transfers, temporary stays, quality ratings, congress terms and targets): each
    keeps its unit, so the restructuring can no longer be undone."""
    from dangvien.records.models import QualityRating, TemporaryStay, Transfer
    from dangvien.targets.models import Target, Term

    found = []
    if Transfer.objects.filter(
        Q(from_unit__in=created) | Q(to_unit__in=created) | Q(received_in__in=created)
    ).exists():
        found.append("quyết định chuyển sinh hoạt đảng gắn với đơn vị kế thừa")
    if TemporaryStay.objects.filter(host_unit__in=created).exists():
        found.append("sinh hoạt tạm thời tại đơn vị kế thừa")
    if QualityRating.objects.filter(unit__in=created).exists():
        found.append("xếp loại chất lượng tại đơn vị kế thừa")
    if (
        Term.objects.filter(unit__in=created).exists()
        or Target.objects.filter(unit__in=created).exists()
    ):
        found.append("nhiệm kỳ hoặc chỉ tiêu của đơn vị kế thừa")
    return found


@transaction.atomic
@many_writes()  # the precomputed counts are refreshed once, at the end
def undo(record: Restructuring, *, by=None) -> None:
    """Reverse an applied restructuring, if nothing newer depends on it: no member,
    unit, candidate or role was added to the units it created, and nothing it created
    has changed since."""
    from dangvien.accounts.models import Role
    from dangvien.admission.models import Candidate
    from dangvien.people.models import Position

    from . import locality_restructure

    if record.undone_at:
        raise CannotUndo("Thao tác sắp xếp này đã được hoàn tác.")
    ch = {key: record.changes.get(key, []) for key in CHANGE_KEYS}
    created = set(ch["units"])
    made = dict(ch["stints"])  # created stint → the end it was created with
    ours = set(made) | {s for s, _u in ch["rehomed"]}
    newer = []
    if Stint.objects.filter(unit__in=created).exclude(pk__in=ours).exists():
        newer.append("đảng viên mới sinh hoạt ở đơn vị kế thừa")
    if OrgUnit.objects.filter(parent__in=created).exclude(pk__in=created).exists():
        newer.append("đơn vị mới lập dưới đơn vị kế thừa")
    successors = created | {new for _old, new in ch["successions"]}
    if OrgUnit.objects.filter(pk__in=successors).exclude(valid_to__isnull=True).exists():
        newer.append("đơn vị kế thừa đã được sắp xếp tiếp")
    moved = {c for c, _cell in ch["candidates"]}
    if Candidate.objects.filter(cell__in=created).exclude(pk__in=moved).exists():
        newer.append("quần chúng mới trong danh sách nguồn của đơn vị kế thừa")
    if Role.objects.filter(unit__in=created).exists():
        newer.append("vai trò người dùng trên đơn vị kế thừa")
    if Position.objects.filter(unit__in=created).exists():
        newer.append("chức danh gắn với đơn vị kế thừa")
    newer += records_on(created)
    now = Stint.objects.filter(pk__in=made).values_list("pk", "end_on")
    if len(now) != len(made) or any(iso(end) != made[pk] for pk, end in now):
        newer.append("quá trình sinh hoạt ở đơn vị kế thừa đã thay đổi")
    newer += locality_restructure.newer_than(record.changes)
    if newer:
        raise CannotUndo("Không hoàn tác được vì đã có thay đổi mới hơn: " + "; ".join(newer) + ".")
    # Queryset writes send no model signal: name the persons whose stints change.
    stints = [*made, *(pk for pk, _e, _r in ch["ended"]), *(pk for pk, _u in ch["rehomed"])]
    touched(Stint.objects.filter(pk__in=stints).values_list("membership__person_id", flat=True))
    Stint.objects.filter(pk__in=made).delete()
    for pk, end, reason in ch["ended"]:
        Stint.objects.filter(pk=pk).update(end_on=end, reason_out=reason)
    for pk, unit in ch["rehomed"]:
        Stint.objects.filter(pk=pk).update(unit=unit)
    LocalityCell.objects.filter(pk__in=ch["links"]).delete()
    for pk, end in ch["links_ended"]:
        LocalityCell.objects.filter(pk=pk).update(valid_to=end)
    touched(  # the candidates' scope (`dangvien.people.scope`) moves back with their cell
        Candidate.objects.filter(pk__in=[pk for pk, _c in ch["candidates"]]).values_list(
            "person_id", flat=True
        )
    )
    for pk, cell in ch["candidates"]:
        Candidate.objects.filter(pk=pk).update(cell=cell)
    through = OrgUnit.successors.through
    for old, new in ch["successions"]:
        through.objects.filter(from_orgunit=old, to_orgunit=new).delete()
    for pk, end in ch["closed"]:
        OrgUnit.objects.filter(pk=pk).update(valid_to=end)
    try:
        for unit in OrgUnit.objects.filter(pk__in=created).order_by("-depth"):
            unit.delete()
    except ProtectedError as e:  # a record the checks above do not name: refused all the same
        raise CannotUndo(
            "Không hoàn tác được vì đã có hồ sơ mới gắn với đơn vị kế thừa "
            f"({', '.join(sorted({str(o._meta.verbose_name) for o in e.protected_objects}))})."
        ) from e
    locality_restructure.reverse(record.changes)
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    log(A.UPDATE, user=by, detail=f"restructure undone #{record.pk}: {record.summary}")
