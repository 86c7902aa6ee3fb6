"""Import a source list (candidates for admission): validate every row, then all or
nothing, through the same `list_candidate` service as the page.

The person columns are the member template's; then the cell, the date put on the list,
priority groups (separated by ";"), Youth Union membership and the helper's CCCD. Rows
match people by CCCD, else by name + birth date (flagged for review). A person already on
the list of the same cell from the same date is unchanged (or has their groups updated).
"""

import datetime as dt
from typing import cast

from django.db import transaction
from django.utils import translation

from dangvien.accounts.audit import A, log
from dangvien.admission.bounds import EARLIEST
from dangvien.admission.models import Candidate, CandidateTag, Tag
from dangvien.admission.services import (
    TransitionError,
    eligible_helpers,
    list_candidate,
    stored_person,
)
from dangvien.core.text import search_key
from dangvien.membership.models import Membership
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person
from dangvien.people.residence import follow_residence
from dangvien.rules.checks import listing

from .base import EVERYWHERE, OUT_OF_SCOPE, Changed, Progress, Scope, start, suggest
from .members import COLUMNS as MEMBER_COLUMNS
from .members import PROFESSIONAL, SEX, THEORY, Lookups, person_fields
from .reader import Plan, Problem, parse_day

SLUG = "candidates"
TITLE = "quần chúng ưu tú (danh sách nguồn)"
CELL, LISTED, TAGS, YOUTH, HELPER = (
    "Mã chi bộ",
    "Ngày vào danh sách nguồn",
    "Nhóm ưu tiên",
    "Đoàn viên",
    "Số CCCD người giúp đỡ",
)
# The member template's person columns (name … occupation), the residence, then the list's.
COLUMNS = [*MEMBER_COLUMNS[:10], "Mã địa bàn cư trú", CELL, LISTED, TAGS, YOUTH, HELPER]
OPTIONAL = {"Lý luận chính trị", YOUTH, HELPER, TAGS}
YES_NO = {"Có": True, "Không": False}
CELL_KINDS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL)


def tag_names() -> dict[str, str]:
    with translation.override("vi"):
        return {str(label): value for value, label in Tag.choices}


ALLOWED = {
    "Giới tính": list(SEX),
    "Trình độ chuyên môn": list(PROFESSIONAL),
    "Lý luận chính trị": list(THEORY),
    YOUTH: list(YES_NO),
}
EXAMPLE: list[object] = [
    "Rơ Châm Hyơk",
    "15/06/2001",
    "Nữ",
    "064301000456",
    "Gia Rai",
    "Không",
    "12/12",
    "Trung cấp",
    "Không",
    "",
    "PHUONGA-TDP01",
    "PHUONGA-CB01",
    "10/01/2024",
    "",
    "Có",
    "",
]
HINTS = {
    CELL: "Mã chi bộ lập danh sách nguồn.",
    LISTED: "dd/mm/yyyy.",
    TAGS: "Các nhóm ưu tiên, cách nhau bởi dấu chấm phẩy; xem trang “Danh mục”.",
    YOUTH: "Có hoặc Không.",
    HELPER: "CCCD của đảng viên chính thức được phân công giúp đỡ; có thể để trống.",
}


def allowed_lists() -> dict[str, list[str]]:
    from .members import allowed_lists as person_lists

    lists = {k: v for k, v in person_lists().items() if k in COLUMNS}
    return {**lists, **ALLOWED, TAGS: list(tag_names())}


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    plan, stream = start(path, COLUMNS, OPTIONAL)
    if stream is None:
        return plan
    lk = Lookups(scope, unit_kinds=CELL_KINDS)
    tags_by_name = tag_names()
    seen: dict[object, int] = {}
    for index, (number, row) in enumerate(stream, start=1):
        plan.rows = index
        if progress:
            progress(index)
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        person = person_fields(row, bad, lk, today)
        cell = lk.units.get(str(row.get(CELL) or "").upper())
        if cell is None:
            bad(CELL, row.get(CELL), "không phải mã của một chi bộ", "dùng mã chi bộ đã có")
        elif not scope.unit_ok(cell.path):
            bad(CELL, row.get(CELL), OUT_OF_SCOPE)
        listed = parse_day(row.get(LISTED))
        if listed is None:
            bad(LISTED, row.get(LISTED), "không phải là ngày", "viết dd/mm/yyyy")
        elif listed > today:
            bad(LISTED, row.get(LISTED), "ngày ở tương lai")
        elif listed < EARLIEST:
            bad(LISTED, row.get(LISTED), "trước năm 1900")
        elif cell is not None and not cell.exists_on(listed):
            bad(
                LISTED, row.get(LISTED), f"chi bộ {cell.code} chưa có hoặc đã giải thể vào ngày này"
            )
        tags = []
        for name in filter(None, (t.strip() for t in str(row.get(TAGS) or "").split(";"))):
            if name in tags_by_name:
                tags.append(tags_by_name[name])
            else:
                fix = suggest(name, list(tags_by_name), "xem trang “Danh mục” của tệp mẫu")
                bad(TAGS, name, "nhóm ưu tiên không có trong danh mục", fix)
        youth_raw = row.get(YOUTH)
        youth = YES_NO.get(str(youth_raw)) if youth_raw not in (None, "") else False
        if youth is None:
            bad(YOUTH, youth_raw, "chỉ ghi “Có” hoặc “Không”")
        helper = None
        helper_id = str(row.get(HELPER) or "").replace(" ", "")
        if helper_id:
            helper = Person.objects.filter(citizen_id=helper_id).first()
            if helper is None:
                bad(HELPER, helper_id, "không có đảng viên nào mang số CCCD này")
            elif (
                cell is not None
                and listed is not None
                and not eligible_helpers(cell, listed).filter(pk=helper.pk).exists()
            ):
                bad(HELPER, helper_id, "không phải đảng viên chính thức của đảng bộ, chi bộ này")
        key = person["citizen_id"] or (search_key(person["full_name"]), person["birth_date"])
        if key in seen:
            bad("Họ và tên", person["full_name"], f"trùng với dòng {seen[key]}")
        if len(plan.problems) > before:
            continue
        seen[key] = number
        cell = cast(OrgUnit, cell)
        listed = cast(dt.date, listed)
        # Younger than 16 or past 60 on the listing day: a warning at once, as on the page.
        for finding in listing(person["full_name"], person["birth_date"], listed):
            plan.warnings.append(
                Problem(number, "Ngày sinh", row.get("Ngày sinh"), finding.message.rstrip("."))
            )
        record = {
            "row": number,
            "person": {**person, "youth_union_member": bool(youth)},
            "cell": cell,
            "listed_on": listed,
            "tags": sorted(set(tags)),
            "helper": helper,
        }
        try:
            existing, by_name = match(person, scope)
        except TransitionError as e:
            bad("Số CCCD", person["citizen_id"], str(e).rstrip("."))
            continue
        record["existing"] = existing
        if existing is None:
            plan.add_new(record)
            continue
        if by_name:
            plan.review.append(number)
        if Membership.objects.on(listed).filter(person=existing).exists():
            bad("Họ và tên", person["full_name"], "đã là đảng viên vào ngày đưa vào danh sách")
            continue
        active = Candidate.objects.active().filter(person=existing).select_related("cell").first()
        if active is None:
            plan.add_new(record)
        elif (active.cell_id, active.listed_on) != (cell.pk, listed):
            # Name another organisation's cell only to whom may see it.
            where = active.cell.name if scope.unit_ok(active.cell.path) else "một chi bộ khác"
            bad(
                CELL,
                row.get(CELL),
                f"người này đã có trong danh sách nguồn của {where} từ {active.listed_on:%d/%m/%Y}",
            )
        else:
            record["candidate"] = active
            current = sorted(active.tags.values_list("tag", flat=True))
            if current != record["tags"]:
                plan.add_updated(record)
            else:
                plan.unchanged += 1
    return plan


def match(person: dict, scope: Scope = EVERYWHERE) -> tuple[Person | None, bool]:
    """The stored person of a row: by CCCD (raising TransitionError for someone else's
    number, or for a person outside a restricted scope: one answer for both, see
    `stored_person`), else by name + birth date among the people in the scope (flagged
    for review; a namesake elsewhere is never matched, so never revealed)."""
    with translation.override("vi"):
        found = stored_person(
            person["citizen_id"],
            person["full_name"],
            person["birth_date"],
            by=None,
            within=None if scope.units is None else (scope.units, scope.localities),
        )
    if found:
        return found, False
    people = Person.objects.within(scope.units, scope.localities)
    found = people.filter(
        search_name=search_key(person["full_name"]), birth_date=person["birth_date"]
    ).first()
    return found, found is not None


@transaction.atomic
def commit(plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None) -> None:
    assert plan.ok
    today = today or dt.date.today()
    for r in plan.new:
        person: Person = r["existing"] or Person()
        if person.pk is None:
            for key, value in r["person"].items():
                setattr(person, key, value)
            person.save()
            follow_residence(person, person.residence, on=today)
        try:
            list_candidate(
                person,
                r["cell"],
                listed_on=r["listed_on"],
                tags=r["tags"],
                helper=r["helper"],
                by=by,
                today=today,
                youth_union_exists=True,
            )
        except TransitionError as e:  # the database changed since the check
            raise Changed([Problem(r["row"], "Họ và tên", r["person"]["full_name"], str(e))]) from e
    for r in plan.updated:
        c: Candidate = r["candidate"]
        CandidateTag.objects.filter(candidate=c).exclude(tag__in=r["tags"]).delete()
        have = set(c.tags.values_list("tag", flat=True))
        CandidateTag.objects.bulk_create(
            [CandidateTag(candidate=c, tag=t) for t in r["tags"] if t not in have]
        )
    log(
        A.CREATE,
        user=by,
        detail=f"import candidates sha256={plan.sha256[:16]} new="
        f"{plan.n_new} updated={plan.n_updated} unchanged={plan.unchanged}",
    )
