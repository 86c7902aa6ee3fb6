"""Import party members (the member template): validate every row, then all or nothing.

Rows match people by citizen ID, else by party card number, else by name + birth date +
unit (flagged for review). A second import of the same file changes nothing.
"""

import datetime as dt
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.functions import Lower
from django.utils import translation

from dangvien.accounts import chain
from dangvien.accounts.audit import A, log, log_created
from dangvien.admission.bounds import EARLIEST
from dangvien.admission.services import OutOfScope
from dangvien.core.bulk import many_writes, touched
from dangvien.core.civil import add_years
from dangvien.core.db import analyze, copy_create
from dangvien.core.deploy import private_dir
from dangvien.core.text import clean_name, search_key
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.cccd import validate_cccd
from dangvien.people.models import (
    GeneralEducation,
    Occupation,
    Person,
    PoliticalTheory,
    Professional,
    Residence,
)
from dangvien.people.residence import first_residences, follow_residence
from dangvien.records.models import ExitDecision, PartyCard
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion
from dangvien.rules import rulesets
from dangvien.stats import fresh

from .base import (
    EVERYWHERE,
    OUT_OF_SCOPE,
    Changed,
    Progress,
    Scope,
    accepted,
    file_hash,
    missing_columns,
    suggest,
    vietnamese_labels,
    without_nul,
)
from .reader import Plan, Problem, parse_day, rows

COLUMNS = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Dân tộc",
    "Tôn giáo",
    "Trình độ giáo dục phổ thông",
    "Trình độ chuyên môn",
    "Lý luận chính trị",
    "Nghề nghiệp",
    "Mã đơn vị",
    "Mã địa bàn cư trú",
    "Ngày quyết định kết nạp",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Số thẻ đảng viên",
    "Ngày ra khỏi Đảng",
    "Lý do ra khỏi Đảng",
]
SEX = {"Nam": "M", "Nữ": "F"}
PROFESSIONAL = {
    "Không": Professional.NONE,
    "Sơ cấp": Professional.ELEMENTARY,
    "Trung cấp": Professional.INTERMEDIATE,
    "Cao đẳng": Professional.COLLEGE,
    "Đại học": Professional.UNIVERSITY,
    "Thạc sĩ": Professional.MASTER,
    "Tiến sĩ": Professional.DOCTOR,
}
THEORY = {
    "Không": PoliticalTheory.NONE,
    "Sơ cấp": PoliticalTheory.ELEMENTARY,
    "Trung cấp": PoliticalTheory.INTERMEDIATE,
    "Cao cấp": PoliticalTheory.ADVANCED,
    "Cử nhân": PoliticalTheory.BACHELOR,
}
EXIT = {
    "Từ trần": ExitReason.DEATH,
    "Chuyển đi": ExitReason.TRANSFER_OUT,
    "Xóa tên": ExitReason.STRUCK_OFF,
    "Khai trừ": ExitReason.EXPELLED,
    "Xin ra khỏi Đảng": ExitReason.RESIGNED,
    # Fine enough for the readmission rules (29-QĐ/TW §3.5.2 and successors).
    "Xóa tên do tự bỏ sinh hoạt đảng": ExitReason.ABANDONED,
    "Khai trừ do gây mất đoàn kết nội bộ nghiêm trọng": ExitReason.DISUNITY,
    "Bị kết án về tội tham nhũng": ExitReason.CORRUPTION,
    "Bị kết án về tội nghiêm trọng trở lên": ExitReason.SERIOUS_CRIME,
    "Bị kết án về tội ít nghiêm trọng": ExitReason.LESS_SERIOUS_CRIME,
    "Xin ra khỏi Đảng vì gia đình đặc biệt khó khăn": ExitReason.RESIGNED_HARDSHIP,
}
SLUG = "members"
TITLE = "đảng viên"
OPTIONAL: set[str] = set()
MEMBERSHIP_FIELDS = ("decision_on", "confirmed_on", "card_number", "exit_on", "exit_reason")
MEMBER_UNITS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL, OrgUnit.Kind.PARTY_GROUP)


def occupations() -> dict[str, str]:
    """Occupation names as users write them (the Vietnamese labels) → codes."""
    return vietnamese_labels(Occupation)


def education(text: str) -> str | None:
    """'12/12' → upper secondary, '9/12' → lower, '5/12' → primary; old 10-year system."""
    try:
        grade, system = (int(x) for x in text.replace(" ", "").split("/"))
    except ValueError:
        return None
    if system == 10:
        grade = grade + 2 if grade >= 5 else grade + 1
    elif system != 12 or not 1 <= grade <= 12:
        return None
    if grade >= 12:
        return GeneralEducation.UPPER_SECONDARY
    return GeneralEducation.LOWER_SECONDARY if grade >= 9 else GeneralEducation.PRIMARY


def choice(value, allowed: dict, column: str, bad) -> object:
    found = allowed.get(str(value or "").strip())
    if found is None:
        labels = [k for k in allowed if k not in allowed.values()]  # not the codes
        bad(column, value, "không có trong danh mục", suggest(value, labels))
    return found


def reference_index(model) -> dict[str, object]:
    """Every official name and other spelling, accent- and case-free → the entry."""
    index: dict[str, object] = {}
    for entry in model.objects.all():
        for name in [entry.name, *filter(None, entry.aliases.split("|"))]:
            index[search_key(name).replace("-", " ")] = entry
    return index


class UnitsByCode:
    """The units of some kinds by code, read a batch of codes at a time and kept: an
    import holds the units its file names, not the whole tree (a national one has
    hundreds of thousands of cells)."""

    BATCH = 5000  # codes per query

    def __init__(self, kinds):
        self.kinds = kinds
        self.found: dict[str, OrgUnit] = {}
        self.asked: set[str] = set()

    def load(self, codes: Iterable[str]) -> None:
        new = sorted(set(codes) - self.asked)
        self.asked.update(new)
        for i in range(0, len(new), self.BATCH):
            units = OrgUnit.objects.filter(kind__in=self.kinds, code__in=new[i : i + self.BATCH])
            self.found.update((u.code, u) for u in units)

    def get(self, code: str) -> OrgUnit | None:
        if code not in self.asked:
            self.load([code])
        return self.found.get(code)


class Lookups:
    """The lists a row is checked against, read once per import (not once per row)."""

    def __init__(self, scope: Scope = EVERYWHERE, unit_kinds=MEMBER_UNITS):
        self.scope = scope
        self.units = UnitsByCode(unit_kinds)
        self.localities = {x.code: x for x in Locality.objects.all()}
        self.codes = set(ProvinceCode.objects.values_list("code", flat=True))
        self.jobs = accepted(occupations())
        self.ethnicities = reference_index(Ethnicity)
        self.ethnicity_names = list(Ethnicity.objects.values_list("name", flat=True))
        self.religions = reference_index(Religion)
        self.religion_names = list(Religion.objects.values_list("name", flat=True))

    def reference(self, index, text: str):
        return index.get(search_key(text).replace("-", " "))


def birth_date(raw) -> dt.date | None:
    born = parse_day(raw)
    if born is None and isinstance(raw, int | str) and str(raw).isdigit() and len(str(raw)) == 4:
        born = dt.date(int(str(raw)), 1, 1)  # old records: the year only
    return born


def person_fields(row: dict, bad: Callable, lk: Lookups, today: dt.date) -> dict:
    """The person columns shared by the member and candidate templates, checked."""
    name = clean_name(str(row.get("Họ và tên") or ""))
    if not name:
        bad("Họ và tên", None, "thiếu họ tên")
    born_raw = row.get("Ngày sinh")
    born = birth_date(born_raw)
    if born is None:
        bad("Ngày sinh", born_raw, "không phải là ngày", "viết dd/mm/yyyy hoặc năm")
    elif born > today:
        bad("Ngày sinh", born_raw, "ngày ở tương lai")
    elif born < EARLIEST:
        bad("Ngày sinh", born_raw, "trước năm 1900")
    sex = cast(str | None, choice(row.get("Giới tính"), SEX, "Giới tính", bad))
    ethnicity = lk.reference(lk.ethnicities, str(row.get("Dân tộc") or ""))
    if ethnicity is None:
        value = row.get("Dân tộc")
        fix = suggest(value, lk.ethnicity_names, "dùng tên chính thức")
        bad("Dân tộc", value, "không có trong danh mục 54 dân tộc", fix)
    religion = lk.reference(lk.religions, str(row.get("Tôn giáo") or "Không"))
    if religion is None:
        value = row.get("Tôn giáo")
        fix = suggest(value, lk.religion_names, "dùng tên chính thức hoặc “Không”")
        bad("Tôn giáo", value, "không có trong danh mục tôn giáo", fix)
    edu = education(str(row.get("Trình độ giáo dục phổ thông") or ""))
    if edu is None:
        bad(
            "Trình độ giáo dục phổ thông",
            row.get("Trình độ giáo dục phổ thông"),
            "không hợp lệ",
            "viết lớp/hệ, ví dụ 12/12 hoặc 9/12",
        )
    prof = choice(
        row.get("Trình độ chuyên môn") or "Không", PROFESSIONAL, "Trình độ chuyên môn", bad
    )
    theory = choice(row.get("Lý luận chính trị") or "Không", THEORY, "Lý luận chính trị", bad)
    occupation = (
        choice(row.get("Nghề nghiệp"), lk.jobs, "Nghề nghiệp", bad)
        if row.get("Nghề nghiệp")
        else Occupation.OTHER
    )
    loc_code = str(row.get("Mã địa bàn cư trú") or "").upper()
    residence = lk.localities.get(loc_code) if loc_code else None
    if loc_code and residence is None:
        bad("Mã địa bàn cư trú", loc_code, "mã địa bàn không tồn tại")
    cccd = str(row.get("Số CCCD") or "").replace(" ", "") or None
    if cccd and born and sex:
        try:
            cccd = validate_cccd(cccd, sex=sex, birth_date=born, province_codes=lk.codes)
        except ValidationError as e:
            bad("Số CCCD", cccd, e.messages[0].rstrip("."))
    return {
        "full_name": name,
        "birth_date": born,
        "sex": sex,
        "citizen_id": cccd,
        "ethnicity_id": ethnicity.pk if ethnicity else None,
        "religion_id": religion.pk if religion else None,
        "general_education": edu,
        "professional": prof,
        "political_theory": theory,
        "residence_id": residence.pk if residence else None,
        "occupation": occupation,
    }


CHUNK = 1000


def checked_rows(
    path, today: dt.date, lk: Lookups, plan: Plan, progress: Progress | None
) -> Iterator[list[dict]]:
    """Stream the file and yield its valid rows a chunk at a time, each checked on its
    own and against the rows before it; problems go to `plan`."""
    headers, stream = rows(path)
    missing = missing_columns(headers, COLUMNS, OPTIONAL)
    if missing:
        plan.problems.append(missing)
        return
    stream = prefetched(without_nul(stream, plan), lk)
    # CCCD → (first row, name key, birth date, [(ceremony, exit)]): the same person may
    # come twice only as two memberships that do not overlap (re-admission).
    seen_cccd: dict[str, tuple[int, str, dt.date | None, list]] = {}
    seen_card: dict[str, int] = {}
    chunk: list[dict] = []
    for index, (number, row) in enumerate(stream, start=1):
        plan.rows = index
        if progress and index % 200 == 0:
            progress(index)
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        person = person_fields(row, bad, lk, today)
        unit = lk.units.get(str(row.get("Mã đơn vị") or "").upper())
        if unit is None:
            bad(
                "Mã đơn vị",
                row.get("Mã đơn vị"),
                "không phải mã của một chi bộ",
                "dùng mã chi bộ, chi bộ cơ sở hoặc tổ đảng đã có",
            )
        elif not lk.scope.unit_ok(unit.path):
            bad("Mã đơn vị", row.get("Mã đơn vị"), OUT_OF_SCOPE)
        dates = {}
        for column, required in (
            ("Ngày quyết định kết nạp", True),
            ("Ngày vào Đảng", True),
            ("Ngày chính thức", False),
            ("Ngày ra khỏi Đảng", False),
        ):
            raw = row.get(column)
            day = parse_day(raw) if raw not in (None, "") else None
            if raw not in (None, "") and day is None:
                bad(column, raw, "không phải là ngày", "viết dd/mm/yyyy")
            elif day and day > today:
                bad(column, raw, "ngày ở tương lai")
            elif required and day is None:
                bad(column, None, "bắt buộc")
            dates[column] = day
        decided, ceremony = dates["Ngày quyết định kết nạp"], dates["Ngày vào Đảng"]
        confirmed, left = dates["Ngày chính thức"], dates["Ngày ra khỏi Đảng"]
        born = person["birth_date"]
        if born and ceremony:
            adult = rulesets.in_force_on(ceremony).age_min_years  # 18 in every set so far
            if ceremony < add_years(born, adult):
                bad("Ngày vào Đảng", row.get("Ngày vào Đảng"), f"trước khi đủ {adult} tuổi")
        if decided and ceremony and decided > ceremony:
            bad("Ngày quyết định kết nạp", row.get("Ngày quyết định kết nạp"), "sau ngày vào Đảng")
        if ceremony and confirmed and confirmed < ceremony:
            bad("Ngày chính thức", row.get("Ngày chính thức"), "trước ngày vào Đảng")
        if ceremony and left and left < ceremony:
            bad("Ngày ra khỏi Đảng", row.get("Ngày ra khỏi Đảng"), "trước ngày vào Đảng")
        reason = None
        if row.get("Lý do ra khỏi Đảng") or left:
            reason = choice(row.get("Lý do ra khỏi Đảng"), EXIT, "Lý do ra khỏi Đảng", bad)
        if reason and not left:
            bad("Ngày ra khỏi Đảng", None, "có lý do ra khỏi Đảng nhưng thiếu ngày")
        cccd = person["citizen_id"]
        if cccd and cccd in seen_cccd:
            first, key, birth, periods = seen_cccd[cccd]
            if (key, birth) != (search_key(person["full_name"]), born):
                bad("Số CCCD", cccd, f"trùng với dòng {first} (họ tên hoặc ngày sinh khác)")
            elif any(overlap(ceremony, left, start, end) for start, end in periods):
                bad(
                    "Ngày vào Đảng",
                    row.get("Ngày vào Đảng"),
                    f"trùng hoặc chồng lên lần vào Đảng ở dòng {first}",
                    "mỗi lần vào Đảng một dòng, lần sau bắt đầu sau ngày ra khỏi Đảng lần trước",
                )
        card = str(row.get("Số thẻ đảng viên") or "") or None
        if card and card in seen_card:
            bad("Số thẻ đảng viên", card, f"trùng với dòng {seen_card[card]}")
        if len(plan.problems) > before:
            continue
        if cccd:
            entry = seen_cccd.setdefault(cccd, (number, search_key(person["full_name"]), born, []))
            entry[3].append((ceremony, left))
        if card:
            seen_card[card] = number
        chunk.append(
            {
                "row": number,
                "person": person,
                "unit_id": unit.pk if unit else None,
                "decision_on": decided,
                "ceremony_on": ceremony,
                "confirmed_on": confirmed,
                "card_number": card,
                "exit_on": left,
                "exit_reason": reason or "",
            }
        )
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
    if progress:
        progress(plan.rows)


def prefetched(stream: Iterator[tuple[int, dict]], lk: Lookups) -> Iterator[tuple[int, dict]]:
    """The rows as they come, the units they name read a chunk of rows at a time (one
    query, not one per row)."""
    batch: list[tuple[int, dict]] = []
    for item in stream:
        batch.append(item)
        if len(batch) >= CHUNK:
            lk.units.load(str(row.get("Mã đơn vị") or "").upper() for _, row in batch)
            yield from batch
            batch = []
    lk.units.load(str(row.get("Mã đơn vị") or "").upper() for _, row in batch)
    yield from batch


def overlap(start, end, other_start, other_end) -> bool:
    """Two membership periods [start, end) share a day (an open end runs on)."""
    return (end is None or other_start < end) and (other_end is None or start < other_end)


def out_of_scope() -> str:
    with translation.override("vi"):
        return str(OutOfScope()).rstrip(".")


def classify(
    chunk: list[dict], plan: Plan, scope: Scope = EVERYWHERE
) -> tuple[list[dict], list[dict]]:
    """Match a chunk's rows with the database in a few queries: (new, changed).

    In a restricted scope (the upload page), a row whose CCCD or card is a person's
    outside it is refused with one message, whatever its name and birth date (never
    attached, never said whether they match); name matches look only inside it."""
    ids = [r["person"]["citizen_id"] for r in chunk if r["person"]["citizen_id"]]
    cards = [r["card_number"] for r in chunk if r["card_number"]]
    by_cccd = {p.citizen_id: p for p in Person.objects.filter(citizen_id__in=ids)}
    card_owner = {
        m.card_number: m.person
        for m in Membership.objects.filter(card_number__in=cards).select_related("person")
    }
    unmatched = [
        r
        for r in chunk
        if r["person"]["citizen_id"] not in by_cccd and r["card_number"] not in card_owner
    ]
    by_name: dict[tuple, Person] = {}
    if unmatched:
        pairs = {
            (search_key(r["person"]["full_name"]), r["person"]["birth_date"]) for r in unmatched
        }
        # By birth date (indexed), the names compared by the database on the rows the
        # dates find: on PostgreSQL a plain `search_name IN` is served by the trigram
        # index, 5 s a chunk, and fetching every person born on those dates to compare
        # here took 81 ms a chunk against 57 at 452,000 people (LOWER: the names are
        # lower case already; it keeps the planner off the name's indexes). Any date
        # with any name comes back (3,400 people a chunk of 1,000 rows at 300,000
        # members): plain values, the pairs kept here, and only they are read as people
        # (reading all of them as models took 15 s of a 100,000-row check). Then the
        # units, in a second query: one join lets SQLite walk every stint of the units
        # instead.
        found = (
            Person.objects.filter(birth_date__in={birth for _, birth in pairs})
            .alias(name=Lower("search_name"))
            .filter(name__in={name for name, _ in pairs})
            .order_by()
            .values_list("pk", "search_name", "birth_date")
        )
        ids = [pk for pk, name, birth in found if (name, birth) in pairs]
        people = Person.objects.within(scope.units, scope.localities)
        same_name = {p.pk: p for p in people.filter(pk__in=ids).order_by()}
        stints = Stint.objects.filter(membership__person__in=list(same_name)).values_list(
            "membership__person_id", "unit_id"
        )
        for person_id, unit_id in stints:
            p = same_name[person_id]
            by_name.setdefault((p.search_name, p.birth_date, unit_id), p)
    matched: dict[int, tuple[Person, bool]] = {}
    for r in chunk:
        p = r["person"]
        if p["citizen_id"] in by_cccd:
            matched[r["row"]] = (by_cccd[p["citizen_id"]], False)
        elif r["card_number"] in card_owner:
            matched[r["row"]] = (card_owner[r["card_number"]], False)
        else:
            found = by_name.get((search_key(p["full_name"]), p["birth_date"], r["unit_id"]))
            if found is not None:
                matched[r["row"]] = (found, True)
    matched_ids = {p.pk for p, _ in matched.values()}
    memberships = {
        (m.person_id, m.ceremony_on): m
        for m in Membership.objects.filter(person_id__in=matched_ids)
    }
    inside = matched_ids
    if scope.units is not None and matched_ids:
        inside = set(
            Person.objects.within(scope.units, scope.localities)
            .filter(pk__in=matched_ids)
            .values_list("pk", flat=True)
        )
    new, changed = [], []
    for r in chunk:
        number = r["row"]
        p = r["person"]
        if number not in matched:
            new.append(r)
            continue
        existing, by_name_only = matched[number]
        if existing.pk not in inside:
            plan.problems.append(
                Problem(
                    number,
                    "Số CCCD" if p["citizen_id"] else "Số thẻ đảng viên",
                    p["citizen_id"] or r["card_number"],
                    out_of_scope(),
                )
            )
            continue
        if (
            existing.search_name != search_key(p["full_name"])
            or existing.birth_date != (p["birth_date"])
        ):
            # Same citizen ID or card, another name or birth date: never merge two people.
            plan.problems.append(
                Problem(
                    number,
                    "Số CCCD" if p["citizen_id"] else "Số thẻ đảng viên",
                    p["citizen_id"] or r["card_number"],
                    "đã có người khác mang số này (họ tên hoặc ngày sinh khác)",
                    "kiểm tra lại số, họ tên và ngày sinh",
                )
            )
            continue
        owner = card_owner.get(r["card_number"])
        if owner is not None and owner.pk != existing.pk:
            plan.problems.append(
                Problem(number, "Số thẻ đảng viên", r["card_number"], "thẻ của một người khác")
            )
            continue
        if by_name_only:
            plan.review.append(number)
        r["existing"] = existing
        r["membership"] = memberships.get((existing.pk, r["ceremony_on"]))
        if differs(existing, r):
            changed.append(r)
        else:
            plan.unchanged += 1
    return new, changed


def differs(person: Person, record) -> bool:
    if any(getattr(person, k) != v for k, v in record["person"].items()):
        return True  # plain values and ids: never a query per row
    m = record["membership"]
    if m is None:
        return True
    return any(getattr(m, key) != value for key, value in membership_values(record).items())


def validate(
    path, today: dt.date, *, scope: Scope = EVERYWHERE, progress: Progress | None = None
) -> Plan:
    """Check the whole file (streaming) and count what a commit would do. The checked
    rows go to a spill file in IMPORT_DIR (plain values, a chunk at a time), so the
    commit need not parse the spreadsheet again; memory stays that of one chunk (and of
    the sheet, for an XLSX that calamine reads whole: `reader.calamine_rows`). A plan
    that will not be committed is `discard()`ed."""
    plan = Plan(sha256=file_hash(path), version=version_now())
    lk = Lookups(scope)
    folder = private_dir(settings.IMPORT_DIR)  # with the uploads: personal data, not /tmp
    spill = tempfile.NamedTemporaryFile(  # noqa: SIM115 (handed to the plan, closed below)
        prefix="checked-", suffix=".spill", dir=folder, delete=False
    )
    try:
        with spill:
            for chunk in checked_rows(path, today, lk, plan, progress):
                new, changed = classify(chunk, plan, scope)
                for r in new:
                    plan.add_new(r, keep=False)
                for r in changed:
                    plan.add_updated(r, keep=False)
                if plan.ok:
                    kinds = {id(r): NEW for r in new} | {id(r): CHANGED for r in changed}
                    rows_ = [spilled_row(r, kinds.get(id(r))) for r in chunk]
                    pickle.dump(rows_, spill, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        Path(spill.name).unlink(missing_ok=True)
        raise
    if plan.ok:
        plan.spill = spill.name
        plan.scope = scope
    else:
        Path(spill.name).unlink(missing_ok=True)
    return plan


NEW, CHANGED = "new", "changed"


def version_now() -> int | None:
    """`stats.fresh`'s version on the primary, or None inside a transaction that has
    written domain rows itself: the version moves once per transaction, so it would not
    tell this transaction's later writes."""
    return None if fresh.writing() else fresh.current(DEFAULT_DB_ALIAS)


def spilled_row(r: dict, match: str | None) -> dict:
    """A checked row as the spill keeps it: plain values, and how the check matched it
    (NEW, CHANGED with the person's and membership's ids, None: unchanged or refused).
    The commit uses the match only if nothing was written since; else it matches again."""
    existing, membership = r.pop("existing", None), r.pop("membership", None)
    r["match"] = match
    if match == CHANGED:
        r["existing_id"] = existing.pk
        r["membership_id"] = membership.pk if membership is not None else None
    return r


def matched_at_check(chunk: list[dict]) -> tuple[list[dict], list[dict]]:
    """(new, changed) as the check found them, the changed rows' person and membership
    read back by id: `classify` without its queries, for a commit that follows a check
    with no write between them."""
    new = [r for r in chunk if r.get("match") == NEW]
    changed = [r for r in chunk if r.get("match") == CHANGED]
    people = Person.objects.in_bulk({r["existing_id"] for r in changed})
    ms = Membership.objects.in_bulk({r["membership_id"] for r in changed if r["membership_id"]})
    for r in changed:
        r["existing"] = people[r["existing_id"]]
        r["membership"] = ms.get(r["membership_id"]) if r["membership_id"] else None
    return new, changed


def spilled(plan: Plan, progress: Progress | None) -> Iterator[list[dict]]:
    assert plan.spill
    done = 0
    with open(plan.spill, "rb") as f:
        while True:
            try:
                chunk = pickle.load(f)  # our own file, written by validate() just before
            except EOFError:
                return
            done += len(chunk)
            if progress:
                progress(done)
            yield chunk


@transaction.atomic
def commit(plan: Plan, path, *, by=None, today: dt.date | None = None, progress=None) -> None:
    """Write the checked rows in chunks, in one transaction: each chunk matched again
    with the database (it may have moved since the check), then bulk inserts for new
    members (with one audit entry per record) and ordinary saves for changed ones."""
    assert plan.ok and plan.spill
    if file_hash(path) != plan.sha256:
        raise Changed([Problem(1, "", None, "tệp đã đổi sau khi kiểm tra", "kiểm tra lại tệp")])
    again = Plan(sha256=plan.sha256)
    units: dict[int, OrgUnit] = {}  # those the rows name, read as they come
    made: dict[str, Person] = {}  # CCCD → person created by an earlier row of the file
    today = today or dt.date.today()
    # Every domain writer holds the audit chain's lock until it commits and moves the
    # version under it: with the lock held and the version as the check left it, no row
    # was written since, and the check's matches stand (100,000 rows: about 25 s of
    # queries saved at 300,000 members). Else each chunk is matched again.
    chain._lock()
    unchanged = plan.version is not None and version_now() == plan.version
    # The persons written are told to the precomputed counts and the scope table once, at
    # the end (one refresh for the whole file, not one per chunk or per saved row).
    with many_writes():
        try:
            for chunk in spilled(plan, progress):
                if unchanged:
                    new, changed = matched_at_check(chunk)
                else:
                    new, changed = classify(chunk, again, cast(Scope, plan.scope or EVERYWHERE))
                if not again.ok:
                    break
                again.n_new += len(new)
                again.n_updated += len(changed)
                wanted = {r["unit_id"] for r in chunk} - units.keys()
                units.update(OrgUnit.objects.in_bulk(wanted))
                write_new(new, by, units, made)
                for record in changed:
                    write_changed(record, units, today)
        finally:
            Path(plan.spill).unlink(missing_ok=True)
        if not again.ok:
            raise Changed(again.problems)  # rolls the transaction back
        # A re-admitted person's second row is "new" at the check and "changed" here (the
        # first row created them meanwhile): compare what is written, not how it is split.
        if again.n_new + again.n_updated != plan.n_new + plan.n_updated:
            raise Changed(
                [Problem(1, "", None, "dữ liệu đã đổi sau khi kiểm tra", "kiểm tra lại tệp")]
            )
    if plan.n_new + plan.n_updated >= 1000:
        transaction.on_commit(refresh_statistics)
    log(
        A.CREATE,
        user=by,
        detail=f"import members sha256={plan.sha256[:16]} new="
        f"{plan.n_new} updated={plan.n_updated} unchanged={plan.unchanged} "
        f"review={len(plan.review)}",
    )


def refresh_statistics() -> None:
    analyze(Person, Membership, Stint)


def write_new(
    records: list[dict], by, units: dict[int, OrgUnit], made: dict[str, Person] | None = None
) -> None:
    """`made`: CCCD → person, kept across the chunks of one file. One person per CCCD: a
    re-admitted member's two rows, in one chunk or (when the commit keeps the check's
    matches) in two."""
    by_cccd: dict[str, Person] = made if made is not None else {}
    people, created = [], []
    for r in records:
        cccd = r["person"]["citizen_id"]
        person = by_cccd.get(cccd) if cccd else None
        if person is None:
            person = Person(**r["person"])
            person.fill_keys()
            created.append(person)
            if cccd:
                by_cccd[cccd] = person
        people.append(person)
    copy_create(Person, created)
    # Where they live, "since before the records begin": the file says nothing of when.
    residences = first_residences(created)
    copy_create(Residence, residences)
    memberships = [
        Membership(person=person, ceremony_on=r["ceremony_on"], **membership_values(r))
        for person, r in zip(people, records, strict=True)
    ]
    copy_create(Membership, memberships)
    stints = [
        first_stint(m, units[r["unit_id"]]) for m, r in zip(memberships, records, strict=True)
    ]
    copy_create(Stint, stints)
    touched(p.pk for p in people)  # bulk_create sends no model signal
    exits, cards = mirrored_records(memberships)
    copy_create(ExitDecision, exits)
    copy_create(PartyCard, cards)
    log_created(
        [*created, *residences, *memberships, *stints, *exits, *cards],
        user=by,
        detail="import members",
    )


def mirrored_records(memberships: list[Membership], fresh: bool = True) -> tuple[list, list]:
    """The exit decision and the party card that an imported row's "left on" and "card
    number" stand for, so that the exit can be reversed and the card reissued from the
    pages like any other (their document numbers are not in the file). `fresh`: the
    memberships were just created, so they hold no records yet."""
    numbers = [m.card_number for m in memberships if m.card_number]
    used = set(PartyCard.objects.filter(number__in=numbers).values_list("number", flat=True))
    exits, cards = [], []
    for m in memberships:
        if m.exit_on and (
            fresh
            or not ExitDecision.objects.filter(
                membership=m, on=m.exit_on, reversed_on__isnull=True
            ).exists()
        ):
            exits.append(
                ExitDecision(
                    membership=m,
                    on=m.exit_on,
                    reason=m.exit_reason or ExitReason.STRUCK_OFF,
                    note="Nhập từ bảng tính",
                )
            )
        if m.card_number and m.card_number not in used:
            cards.append(PartyCard(membership=m, number=m.card_number))
    return exits, cards


def write_changed(record: dict, units: dict[int, OrgUnit], today: dt.date) -> None:
    """A matched person's row: their details as the file says; a residence that differs
    from the stored one is a move on the day of the import (the history keeps the old)."""
    person: Person = record["existing"]
    for key, value in record["person"].items():
        setattr(person, key, value)
    person.save()
    follow_residence(person, person.residence, on=today)
    m = record["membership"] or Membership(person=person, ceremony_on=record["ceremony_on"])
    for key, value in membership_values(record).items():
        setattr(m, key, value)
    created = m.pk is None
    m.save()
    if created:
        first_stint(m, units[record["unit_id"]]).save()
    exits, cards = mirrored_records([m], fresh=created)
    for obj in [*exits, *cards]:
        obj.save()  # one by one: audited


def membership_values(record: dict) -> dict:
    """The membership columns of a row (its ceremony date identifies the membership)."""
    return {key: record[key] for key in MEMBERSHIP_FIELDS}


def first_stint(m: Membership, unit: OrgUnit) -> Stint:
    """An imported membership's stint: in the row's unit from the ceremony to the exit."""
    return Stint(
        membership=m,
        unit=unit,
        start_on=m.ceremony_on,
        end_on=m.exit_on,
        reason_in=Stint.ReasonIn.EXISTING,
        reason_out=Stint.ReasonOut.EXIT if m.exit_on else "",
    )


ALLOWED = {
    "Giới tính": list(SEX),
    "Trình độ chuyên môn": list(PROFESSIONAL),
    "Lý luận chính trị": list(THEORY),
    "Lý do ra khỏi Đảng": list(EXIT),
}
EXAMPLE: list[object] = [
    "Nguyễn Văn An",
    "02/09/1985",
    "Nam",
    "064085000123",
    "Kinh",
    "Không",
    "12/12",
    "Đại học",
    "Trung cấp",
    "",
    "PHUONGA-CB01",
    "PHUONGA-TDP01",
    "10/05/2010",
    "19/05/2010",
    "19/05/2011",
    "",
    "",
    "",
]
HINTS = {
    "Ngày sinh": "dd/mm/yyyy; hồ sơ cũ có thể chỉ ghi năm.",
    "Số CCCD": "12 chữ số; mã tỉnh, thế kỷ và giới tính, năm sinh phải khớp.",
    "Dân tộc": "Tên chính thức trong danh mục 54 dân tộc (Kinh, Gia Rai, Ba Na, …).",
    "Tôn giáo": "Không, Phật giáo, Công giáo, Tin lành, …",
    "Trình độ giáo dục phổ thông": "lớp/hệ: 12/12, 9/12; hệ cũ 10/10.",
    "Mã đơn vị": "Mã chi bộ, chi bộ cơ sở hoặc tổ đảng.",
    "Mã địa bàn cư trú": "Có thể để trống.",
    "Ngày chính thức": "Có thể để trống.",
    "Số thẻ đảng viên": "Có thể để trống.",
    "Ngày ra khỏi Đảng": "Có thể để trống.",
    "Lý do ra khỏi Đảng": "Để trống, hoặc một giá trị trong danh mục.",
}


def allowed_lists() -> dict[str, list[str]]:
    """The allowed values, with the lists kept in the database."""
    return {
        **ALLOWED,
        "Dân tộc": list(Ethnicity.objects.values_list("name", flat=True)),
        "Tôn giáo": list(Religion.objects.values_list("name", flat=True)),
        "Nghề nghiệp": list(occupations()),
    }
