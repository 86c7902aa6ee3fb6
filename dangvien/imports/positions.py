"""Import positions held (chức vụ): who holds which post where, from when (and until when),
through `records.positions` — every row checked first, then all written in one
transaction or none.

Columns: Số CCCD and Họ và tên (the person, who must be recorded already; the name must
match), Chức vụ (the Vietnamese name of the post), Mã địa bàn (for a post held in a
locality: hamlet or village head, residential group head, commune police, militia, team
leader, heads of the Front and mass organisations) or Mã chi bộ (for a post held in a
cell: secretary, deputy secretary, committee member), Từ ngày and an optional Đến ngày
(the first day the post is no longer held). A row already recorded changes nothing; the
same post from the same day with an end date now given ends it. Positions change no
count of members (`core.bulk.touched()` is not needed).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import translation

from dangvien.accounts.audit import A, log
from dangvien.core.errors import ActionError
from dangvien.core.text import clean_name
from dangvien.membership.models import Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import Person, Position
from dangvien.records import positions as svc

from .base import EVERYWHERE, OUT_OF_SCOPE, Changed, Progress, Scope, start, suggest
from .reader import Plan, Problem, parse_day

CCCD, NAME, KIND, PLACE, CELL, FROM, UNTIL = (
    "Số CCCD",
    "Họ và tên",
    "Chức vụ",
    "Mã địa bàn",
    "Mã chi bộ",
    "Từ ngày",
    "Đến ngày",
)
SLUG = "positions"
TITLE = "chức vụ (trưởng thôn, tổ trưởng, bí thư chi bộ…)"
COLUMNS = [CCCD, NAME, KIND, PLACE, CELL, FROM, UNTIL]
OPTIONAL = {PLACE, CELL, UNTIL}
P = Position.Kind
# The posts with a place: in a locality or in a cell (the others name no place).
KINDS_WITH_PLACE = (*svc.LOCALITY_POSTS, *svc.CELL_POSTS)


def kind_names() -> dict[str, str]:
    """Vietnamese name of each post → its code."""
    with translation.override("vi"):
        return {str(P(k).label): k for k in KINDS_WITH_PLACE}


NOBODY_IN_SCOPE = "không có người mang số CCCD này trong phạm vi bạn được giao"
NOBODY_IN_SCOPE_FIX = (
    "kiểm tra số CCCD; nếu người đó thuộc đơn vị khác, đề nghị Ban Tổ chức cấp ủy "
    "(nơi xem được người đó) ghi chức vụ"
)
ALLOWED: dict[str, list[str]] = {}
EXAMPLE: list[object] = ["064095001234", "Nguyễn Văn A", "Trưởng thôn, làng", "XA-THON1", "", ""]
HINTS = {
    CCCD: "12 chữ số; người đã có trong hệ thống.",
    NAME: "Họ tên đúng như đã ghi trong hệ thống (để đối chiếu).",
    KIND: "Tên chức vụ theo danh sách ở trang thứ hai.",
    PLACE: "Chức vụ ở thôn, làng, tổ dân phố, xã, phường: mã địa bàn.",
    CELL: "Bí thư, phó bí thư, chi ủy viên: mã chi bộ.",
    FROM: "dd/mm/yyyy: ngày bắt đầu giữ chức vụ.",
    UNTIL: "dd/mm/yyyy: ngày đầu tiên không còn giữ; để trống nếu đang giữ.",
}


def allowed_lists() -> dict[str, list[str]]:
    return {KIND: list(kind_names())}


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    plan, stream = start(path, COLUMNS, OPTIONAL)
    if stream is None:
        return plan
    names = kind_names()
    items = list(stream)  # small files
    people = {
        p.citizen_id: p
        for p in Person.objects.filter(
            citizen_id__in={str(r.get(CCCD) or "").replace(" ", "") for _n, r in items}
        )
    }
    # In a restricted scope (the upload page), only the people the uploader sees: a
    # number of someone outside gets the same answer as an unknown one (no attaching,
    # and no saying who holds it nor whether it exists).
    inside = set(people.values())
    if scope.units is not None:
        inside = set(
            Person.objects.within(scope.units, scope.localities).filter(
                pk__in=[p.pk for p in people.values()]
            )
        )
    places = {x.code: x for x in Locality.objects.all()}
    cells = {u.code: u for u in OrgUnit.objects.filter(kind__in=svc.CELL_KINDS)}
    taken: list[tuple[int, str, str, int, dt.date, dt.date | None, int]] = []
    for index, (number, row) in enumerate(items, start=1):
        if progress:
            progress(index)
        plan.rows += 1
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        cccd = str(row.get(CCCD) or "").replace(" ", "")
        person = people.get(cccd)
        if person is not None and person not in inside:
            person = None
        if not cccd:
            bad(CCCD, None, "thiếu số CCCD")
        elif person is None and scope.units is not None:
            bad(CCCD, cccd, NOBODY_IN_SCOPE, NOBODY_IN_SCOPE_FIX)
        elif person is None:
            bad(CCCD, cccd, "không có người mang số CCCD này", "nhập người đó trước")
        name = clean_name(str(row.get(NAME) or ""))
        if person is not None and name.casefold() != person.full_name.casefold():
            bad(NAME, name, f"số CCCD này là của {person.full_name}", "kiểm tra họ tên và CCCD")
        kind = names.get(str(row.get(KIND) or "").strip())
        if kind is None:
            bad(
                KIND,
                row.get(KIND),
                "chức vụ không có trong danh mục",
                suggest(row.get(KIND), list(names)),
            )
        start_on = parse_day(row.get(FROM))
        if start_on is None:
            bad(FROM, row.get(FROM), "không phải là ngày", "viết dd/mm/yyyy")
        elif start_on > today:
            bad(FROM, row.get(FROM), "ngày ở tương lai")
        end_on = None
        if row.get(UNTIL) not in (None, ""):
            end_on = parse_day(row.get(UNTIL))
            if end_on is None:
                bad(UNTIL, row.get(UNTIL), "không phải là ngày", "viết dd/mm/yyyy")
            elif end_on > today:
                bad(UNTIL, row.get(UNTIL), "ngày ở tương lai")
            elif start_on is not None and end_on <= start_on:
                bad(UNTIL, row.get(UNTIL), "không sau ngày bắt đầu giữ chức vụ")
        place_code = str(row.get(PLACE) or "").strip().upper()
        cell_code = str(row.get(CELL) or "").strip().upper()
        place: Locality | OrgUnit | None = None
        if kind in svc.CELL_POSTS:
            place = cells.get(cell_code)
            if place is None:
                bad(CELL, cell_code or None, "cần mã chi bộ đã có cho chức vụ này")
            elif not scope.unit_ok(place.path):
                bad(CELL, cell_code, OUT_OF_SCOPE)
        elif kind is not None:
            place = places.get(place_code)
            if place is None or place.kind not in svc.LOCALITY_POSTS[kind]:
                with translation.override("vi"):
                    kinds = ", ".join(
                        str(Locality.Kind(k).label).lower() for k in svc.LOCALITY_POSTS[kind]
                    )
                bad(PLACE, place_code or None, f"cần mã địa bàn ({kinds}) cho chức vụ này")
                place = None
            elif not scope.locality_ok(place.path):
                bad(PLACE, place_code, OUT_OF_SCOPE)
        if place is not None and start_on is not None and not place.exists_on(start_on):
            bad(FROM, row.get(FROM), f"{place.name} không tồn tại vào ngày này")
        if len(plan.problems) > before:
            continue
        assert person is not None and kind is not None and place is not None
        assert start_on is not None
        is_cell = kind in svc.CELL_POSTS
        where = {"unit": place} if is_cell else {"locality": place}
        if (
            is_cell
            and not Stint.objects.members_on(start_on)
            .in_subtree(place)
            .filter(membership__person=person)
            .exists()
        ):
            bad(NAME, name, f"không phải là đảng viên của {place.name} vào ngày bắt đầu")
            continue
        same = Position.objects.filter(person=person, kind=kind, start_on=start_on, **where).first()
        if same is not None and (same.end_on == end_on or end_on is None):
            plan.unchanged += 1
            continue
        if same is not None and same.end_on is None:
            plan.add_updated({"row": number, "existing": same, "end_on": end_on})
            continue
        # Overlaps: the same person in the same post, or a second holder of a post held
        # by one at a time, in the database or earlier in the file.
        overlap = Q(start_on__lt=end_on) if end_on else Q()
        stored = Position.objects.filter(kind=kind, **where).filter(
            overlap, Q(end_on__isnull=True) | Q(end_on__gt=start_on)
        )
        own = stored.filter(person=person).first()
        other = stored.exclude(person=person).select_related("person").first()
        fix = "ghi ngày kết thúc của chức vụ đang có trước"
        if own is not None:
            bad(FROM, row.get(FROM), f"đã giữ chức vụ này từ {own.start_on:%d/%m/%Y}", fix)
            continue
        if kind in svc.SINGLE_HOLDER and other is not None:
            bad(
                FROM,
                row.get(FROM),
                f"{place.name} đã có {other.person.full_name} giữ chức vụ này "
                f"từ {other.start_on:%d/%m/%Y}",
                fix,
            )
            continue
        for row2, kind2, model2, pk2, s2, e2, person2 in taken:
            if (kind2, model2, pk2) != (kind, type(place).__name__, place.pk):
                continue
            overlaps = (e2 is None or e2 > start_on) and (end_on is None or end_on > s2)
            if overlaps and (person2 == person.pk or kind in svc.SINGLE_HOLDER):
                bad(FROM, row.get(FROM), f"trùng thời gian với dòng {row2}")
                break
        if len(plan.problems) > before:
            continue
        if is_cell:
            seated = Position.objects.filter(unit_id=place.pk, kind__in=svc.CELL_POSTS).filter(
                svc.held_on_q(start_on)
            ).count() + sum(
                1
                for _r, k2, m2, pk2, s2, e2, _p in taken
                if k2 in svc.CELL_POSTS
                and (m2, pk2) == ("OrgUnit", place.pk)
                and s2 <= start_on
                and (e2 is None or e2 > start_on)
            )
            if seated >= svc.COMMITTEE_MAX:
                bad(CELL, cell_code, f"chi ủy đã đủ {svc.COMMITTEE_MAX} người vào ngày này")
                continue
        taken.append((number, kind, type(place).__name__, place.pk, start_on, end_on, person.pk))
        plan.add_new(
            {
                "row": number,
                "person": person,
                "kind": kind,
                "where": where,
                "start_on": start_on,
                "end_on": end_on,
            }
        )
    return plan


@transaction.atomic
def commit(plan: Plan, path=None, *, by=None, today: dt.date | None = None, progress=None) -> None:
    """Write the checked rows through the positions service (the same checks again): a
    refusal now means the database moved since the check, and nothing is written."""
    assert plan.ok
    today = today or dt.date.today()
    for index, r in enumerate([*plan.new, *plan.updated], start=1):
        if progress:
            progress(index)
        try:
            with translation.override("vi"):
                if "existing" in r:
                    position = Position.objects.get(pk=r["existing"].pk)
                else:
                    position = svc.assign_position(
                        r["person"],
                        kind=r["kind"],
                        start_on=r["start_on"],
                        by=None,
                        today=today,
                        **r["where"],
                    )
                if r["end_on"] is not None:
                    svc.end_position(position, on=r["end_on"], by=None, today=today)
        except ActionError as e:
            raise Changed(
                [Problem(r["row"], FROM, None, str(e).rstrip("."), "kiểm tra lại tệp")]
            ) from e
    log(
        A.CREATE,
        user=by,
        detail=f"import positions sha256={plan.sha256[:16]} new={len(plan.new)} "
        f"updated={len(plan.updated)} unchanged={plan.unchanged}",
    )
