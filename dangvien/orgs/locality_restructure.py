"""Restructuring localities (communes, wards, hamlets, villages, residential groups) as
dated operations, the way `orgs.restructure` does units: merge, absorb, move, rename,
dissolve.

A locality is never re-parented or renamed in place: it closes on the effective day (its
`valid_to`) and names its successor; its open child localities are carried over as new
localities under the successor; the residence rows in force end that day and begin again
in the successor (so coverage for a date before still sees where people lived then); the
cells that served it serve its successor; the positions held in it (hamlet head, team
leader …) end and begin again there; the committees that lead it lead its successor.
A locality where someone still lives cannot be dissolved.

Recorded as a `Restructuring` (the keys below in `changes`) and undone by
`orgs.restructure.undo` while nothing newer depends on it.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q

from dangvien.accounts.audit import A, log
from dangvien.core.bulk import many_writes, touched

from .models import Locality, LocalityCell, OrgUnit, Restructuring
from .restructure import Effect, Kind, Op, done, free_code, iso, summary_of

LOCALITY_KEYS = (
    "localities",  # [ids created]
    "loc_closed",  # [[id, valid_to before]]
    "loc_successions",  # [[from id, to id]]
    "residences",  # [ids created]
    "residences_ended",  # [[id, end before]]
    "residences_rehomed",  # [[id, old locality id]]
    "residents",  # [[person id, old current residence id]]
    "loc_links",  # [LocalityCell ids created]
    "loc_links_ended",  # [[id, valid_to before]]
    "positions",  # [ids created]
    "positions_ended",  # [[id, end before]]
    "leads",  # [[unit id, old locality id]]
)


def running(day: dt.date) -> Q:
    """Rows with `start_on`/`end_on` still running on `day` (or starting after it)."""
    return Q(end_on__isnull=True) | Q(end_on__gt=day)


def died_by(day: dt.date, prefix: str = "") -> Q:
    """Q for people (or, with `prefix`, rows of theirs) who died on or before `day`: a
    restructuring after a death neither moves them nor counts them as living there."""
    from dangvien.membership.models import ExitReason, Membership

    dead = Membership.objects.filter(exit_reason=ExitReason.DEATH, exit_on__lte=day)
    return Q(**{f"{prefix}pk__in": dead.values("person_id")})


def residents_on(locs, day: dt.date):
    """Residence rows of the living in `locs` on `day`."""
    from dangvien.people.models import Residence, resident_on_q

    rows = Residence.objects.filter(locality__in=locs).filter(resident_on_q(day))
    return rows.exclude(died_by(day, "person__"))


def plan(ops: list[Op], scope_ok=lambda loc: True) -> Effect:
    """Check `ops` (codes are locality codes); count what they would change."""
    effect = Effect(places=True)
    locs = {lo.code: lo for lo in Locality.objects.select_related("parent")}
    seen: dict[str, int] = {}
    merges: dict[str, Op] = {}

    def bad(op: Op, column: str, message: str, fix: str = "") -> None:
        effect.problems.append((op.row, column, message, fix))

    for op in ops:
        loc = locs.get(op.code)
        if loc is None:
            bad(op, "code", f"không có địa bàn mã {op.code}", "kiểm tra mã địa bàn")
            continue
        if op.code in seen:
            bad(
                op,
                "code",
                f"địa bàn {op.code} đã có ở dòng {seen[op.code]}",
                "mỗi địa bàn một dòng",
            )
            continue
        seen[op.code] = op.row
        if not scope_ok(loc):
            bad(op, "code", "ngoài phạm vi bạn được giao")
            continue
        if done(op, loc):
            effect.unchanged.append(op)
            continue
        before = op.day - dt.timedelta(days=1)
        if not loc.exists_on(before) or loc.valid_to is not None:
            bad(
                op,
                "code",
                f"địa bàn {op.code} không còn hoạt động ngày {before:%d/%m/%Y}",
                "kiểm tra ngày hiệu lực",
            )
            continue
        if loc.parent is None:
            bad(op, "code", "không sắp xếp được địa bàn cao nhất")
            continue
        subtree = set(
            Locality.objects.filter(path__startswith=loc.path).values_list("pk", flat=True)
        )
        if op.kind == Kind.MERGE:
            first = merges.setdefault(op.target, op)
            if op.target in locs:
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
            if locs[first.code].kind != loc.kind:
                bad(op, "code", "chỉ hợp nhất các địa bàn cùng loại")
                continue
            if not parent_ok(op, locs, subtree, bad, scope_ok):
                continue
        elif op.kind == Kind.ABSORB:
            target = locs.get(op.target)
            if target is None or target.pk in subtree or not target.exists_on(op.day):
                bad(op, "target", f"không sáp nhập được vào địa bàn {op.target}")
                continue
            if target.kind != loc.kind:
                bad(op, "target", "chỉ sáp nhập vào địa bàn cùng loại")
                continue
            if not scope_ok(target):
                bad(op, "target", "ngoài phạm vi bạn được giao")
                continue
        elif op.kind == Kind.MOVE:
            if op.target and op.target in locs:
                bad(op, "target", f"mã {op.target} đã được dùng", "để trống hoặc chọn mã mới")
                continue
            if not parent_ok(op, locs, subtree, bad, scope_ok):
                continue
        elif op.kind == Kind.RENAME:
            if not op.name:
                bad(op, "name", "thiếu tên mới")
                continue
            if op.target and op.target in locs:
                bad(op, "target", f"mã {op.target} đã được dùng", "để trống hoặc chọn mã mới")
                continue
        elif op.kind == Kind.DISSOLVE:
            living = residents_on(subtree, op.day).count()
            if living:
                bad(
                    op,
                    "code",
                    f"địa bàn {op.code} còn {living} người cư trú ngày {op.day:%d/%m/%Y}",
                    "sáp nhập vào địa bàn khác thay vì giải thể",
                )
                continue
        effect.applied.append(op)
        opened = Locality.objects.filter(pk__in=subtree).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
        )
        effect.units_closed += opened.count()
        effect.units.extend(f"{lo.name} ({lo.code})" for lo in opened.order_by("path"))
        if op.kind != Kind.DISSOLVE:
            effect.units_created += opened.count() - 1
            if op.kind != Kind.ABSORB and not (
                op.kind == Kind.MERGE and op.target in effect.targets
            ):
                effect.units_created += 1
            effect.targets.add(op.target)
        if op.kind in (Kind.MERGE, Kind.ABSORB):
            for unit in OrgUnit.objects.filter(locality=loc).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
            ):
                effect.roles.append(f"{unit.name} ({unit.code}) – {loc.name}")
        moving = residents_on(subtree, op.day).select_related("person")
        effect.members_moved += moving.count()
        effect.members.extend(r.person.full_name for r in moving.order_by("person__sort_name"))
    return effect


def parent_ok(op, locs, subtree, bad, scope_ok) -> bool:
    parent = locs.get(op.parent)
    if parent is None:
        bad(op, "parent", f"không có địa bàn cấp trên mã {op.parent}", "kiểm tra mã")
        return False
    if parent.pk in subtree or not parent.exists_on(op.day):
        bad(op, "parent", f"địa bàn {op.parent} không thể là cấp trên mới")
        return False
    if not scope_ok(parent):
        bad(op, "parent", "ngoài phạm vi bạn được giao")
        return False
    return True


@transaction.atomic
@many_writes()  # the residents' scopes (and counts) are refreshed once, at the end
def apply(ops: list[Op], *, by=None, scope_ok=lambda loc: True) -> Effect:
    """Check and carry out `ops` in one transaction, recorded as one undoable
    `Restructuring`; refuses (changes nothing) on a problem."""
    effect = plan(ops, scope_ok)
    if not effect.ok or not effect.applied:
        return effect
    taken = set(Locality.objects.values_list("code", flat=True))
    made: dict[str, Locality] = {}
    rec: dict[str, list] = {key: [] for key in LOCALITY_KEYS}
    for op in effect.applied:
        loc = Locality.objects.get(code=op.code)
        if op.kind == Kind.DISSOLVE:
            for part in Locality.objects.filter(path__startswith=loc.path).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
            ):
                for link in LocalityCell.objects.filter(locality=part).filter(
                    Q(valid_to__isnull=True) | Q(valid_to__gt=op.day)
                ):
                    rec["loc_links_ended"].append([link.pk, iso(link.valid_to)])
                    link.valid_to = op.day
                    link.save(update_fields=["valid_to"])
                close(part, op.day, None, rec)
            log(A.UPDATE, user=by, detail=f"restructure locality DISSOLVE {op.code} {op.day}")
            continue
        if op.kind == Kind.MERGE:
            if op.target not in made:
                parent = Locality.objects.get(code=op.parent)
                made[op.target] = copy(loc, op.target, op.name, parent, op.day, rec)
                taken.add(op.target)
            successor = made[op.target]
        elif op.kind == Kind.ABSORB:
            successor = Locality.objects.get(code=op.target)
        else:
            above = Locality.objects.get(code=op.parent) if op.kind == Kind.MOVE else loc.parent
            code = op.target or free_code(loc.code, op.day, taken)
            taken.add(code)
            successor = copy(loc, code, op.name or loc.name, above, op.day, rec)
        carry(loc, successor, op.day, taken, rec, one_to_one=op.kind in (Kind.MOVE, Kind.RENAME))
        log(
            A.UPDATE,
            user=by,
            detail=f"restructure locality {op.kind} {op.code} → {successor.code} from {op.day}",
        )
    effect.record = Restructuring.objects.create(
        day=effect.applied[0].day,
        summary=summary_of(effect.applied, "địa bàn"),
        changes=rec,
        applied_by=by if getattr(by, "pk", None) else None,
    )
    return effect


def copy(loc: Locality, code: str, name: str, parent, day: dt.date, rec: dict) -> Locality:
    new = Locality.objects.create(
        code=code, name=name, kind=loc.kind, parent=parent, valid_from=day
    )
    rec["localities"].append(new.pk)
    return new


def close(loc: Locality, day: dt.date, successor: Locality | None, rec: dict) -> None:
    rec["loc_closed"].append([loc.pk, iso(loc.valid_to)])
    loc.valid_to = day
    loc.save(update_fields=["valid_to", "path", "depth"])
    if successor is not None:
        loc.successors.add(successor)
        rec["loc_successions"].append([loc.pk, successor.pk])


def carry(
    loc: Locality,
    successor: Locality,
    day: dt.date,
    taken: set[str],
    rec: dict,
    one_to_one: bool = True,
) -> None:
    """Close `loc`, moving its children (as new localities under `successor`), residents,
    serving cells and positions over to `successor`; the committees that lead it lead
    `successor` only when it stands for `loc` alone (a move, a rename, a carried child):
    a merged locality's committee is set by the units' own restructuring, so that no
    officer comes to see another ward's people unasked."""
    from dangvien.people.models import Person, Position, Residence

    for child in loc.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day)):
        new = copy(child, free_code(child.code, day, taken), child.name, successor, day, rec)
        carry(child, new, day, taken, rec)
    for res in Residence.objects.filter(locality=loc, start_on__gte=day):
        rec["residences_rehomed"].append([res.pk, loc.pk])
        res.locality = successor
        res.save(update_fields=["locality"])
    # The dead keep the place they lived in when they died: no row begins after death.
    for res in (
        Residence.objects.filter(locality=loc)
        .filter(Q(start_on__isnull=True) | Q(start_on__lt=day))
        .filter(running(day))
        .exclude(died_by(day, "person__"))
    ):
        end = res.end_on
        rec["residences_ended"].append([res.pk, iso(end)])
        res.end_on = day
        res.save(update_fields=["end_on"])
        moved = Residence.objects.create(
            person=res.person, locality=successor, start_on=day, end_on=end
        )
        rec["residences"].append(moved.pk)
    for person in Person.objects.filter(residence=loc).exclude(died_by(day)):
        rec["residents"].append([person.pk, loc.pk])
        Person.objects.filter(pk=person.pk).update(residence=successor)
        touched([person.pk])  # an update() sends no signal: who sees the person moved
    for link in LocalityCell.objects.filter(locality=loc).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    ):
        end = link.valid_to
        rec["loc_links_ended"].append([link.pk, iso(end)])
        link.valid_to = day
        link.save(update_fields=["valid_to"])
        new_link = LocalityCell.objects.create(
            locality=successor, cell=link.cell, valid_from=day, valid_to=end
        )
        rec["loc_links"].append(new_link.pk)
    for post in Position.objects.filter(locality=loc, start_on__lt=day).filter(running(day)):
        end = post.end_on
        rec["positions_ended"].append([post.pk, iso(end)])
        post.end_on = day
        post.save(update_fields=["end_on"])
        new_post = Position.objects.create(
            person=post.person, kind=post.kind, locality=successor, start_on=day, end_on=end
        )
        rec["positions"].append(new_post.pk)
    leading = OrgUnit.objects.filter(locality=loc).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    for unit in leading if one_to_one else []:
        rec["leads"].append([unit.pk, loc.pk])
        OrgUnit.objects.filter(pk=unit.pk).update(locality=successor)
    close(loc, day, successor, rec)


def newer_than(ch: dict) -> list[str]:
    """What was added since to the localities a restructuring created, blocking its undo."""
    from dangvien.people.models import Position, Residence

    created = set(ch.get("localities", []))
    newer = []
    ours = set(ch.get("residences", [])) | {r for r, _loc in ch.get("residences_rehomed", [])}
    if Residence.objects.filter(locality__in=created).exclude(pk__in=ours).exists():
        newer.append("người mới cư trú ở địa bàn kế thừa")
    if Locality.objects.filter(parent__in=created).exclude(pk__in=created).exists():
        newer.append("địa bàn mới lập dưới địa bàn kế thừa")
    successors = created | {new for _old, new in ch.get("loc_successions", [])}
    if Locality.objects.filter(pk__in=successors).exclude(valid_to__isnull=True).exists():
        newer.append("địa bàn kế thừa đã được sắp xếp tiếp")
    posts = set(ch.get("positions", []))
    if Position.objects.filter(locality__in=created).exclude(pk__in=posts).exists():
        newer.append("chức danh mới ở địa bàn kế thừa")
    links = set(ch.get("loc_links", []))
    if LocalityCell.objects.filter(locality__in=created).exclude(pk__in=links).exists():
        newer.append("chi bộ mới phụ trách địa bàn kế thừa")
    return newer


def reverse(ch: dict) -> None:
    """Put back every row a locality restructuring changed (its checks passed)."""
    from dangvien.people.models import Person, Position, Residence

    Residence.objects.filter(pk__in=ch.get("residences", [])).delete()
    for pk, end in ch.get("residences_ended", []):
        Residence.objects.filter(pk=pk).update(end_on=end)
    for pk, loc in ch.get("residences_rehomed", []):
        Residence.objects.filter(pk=pk).update(locality=loc)
    for pk, loc in ch.get("residents", []):
        Person.objects.filter(pk=pk).update(residence=loc)
    touched(pk for pk, _loc in ch.get("residents", []))  # update() sends no signal
    LocalityCell.objects.filter(pk__in=ch.get("loc_links", [])).delete()
    for pk, end in ch.get("loc_links_ended", []):
        LocalityCell.objects.filter(pk=pk).update(valid_to=end)
    Position.objects.filter(pk__in=ch.get("positions", [])).delete()
    for pk, end in ch.get("positions_ended", []):
        Position.objects.filter(pk=pk).update(end_on=end)
    for pk, loc in ch.get("leads", []):
        OrgUnit.objects.filter(pk=pk).update(locality=loc)
    through = Locality.successors.through
    for old, new in ch.get("loc_successions", []):
        through.objects.filter(from_locality=old, to_locality=new).delete()
    for pk, end in ch.get("loc_closed", []):
        Locality.objects.filter(pk=pk).update(valid_to=end)
    for loc in Locality.objects.filter(pk__in=ch.get("localities", [])).order_by("-depth"):
        loc.delete()
