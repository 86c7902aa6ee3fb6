"""Import party members (the member template): validate every row, then all or nothing.

Rows match people by citizen ID, else by party card number, else by name + birth date +
unit (flagged for review). A second import of the same file changes nothing.
"""

import datetime as dt
import difflib
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from dangvien.accounts.audit import A, log
from dangvien.core.civil import add_years
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
)
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion

from .reader import Plan, Problem, parse_day, rows
from .units import file_hash

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
}
MEMBER_UNITS = (OrgUnit.Kind.CELL, OrgUnit.Kind.GRASSROOTS_CELL, OrgUnit.Kind.PARTY_GROUP)


def occupations() -> dict[str, str]:
    """Occupation names as users write them (the Vietnamese labels) → codes."""
    with translation.override("vi"):
        return {str(label): value for value, label in Occupation.choices}


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
    found = allowed.get(str(value or ""))
    if found is None:
        close = difflib.get_close_matches(str(value or ""), list(allowed), n=1, cutoff=0.5)
        bad(
            column,
            value,
            "không có trong danh mục",
            f"có phải “{close[0]}”?" if close else "một trong: " + ", ".join(allowed),
        )
    return found


def validate(path, today: dt.date) -> Plan:
    plan = Plan(sha256=file_hash(path))
    headers, stream = rows(path)
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        plan.problems.append(
            Problem(1, ", ".join(missing), None, "thiếu cột", "dùng đúng tiêu đề của tệp mẫu")
        )
        return plan
    units = {u.code: u for u in OrgUnit.objects.filter(kind__in=MEMBER_UNITS)}
    localities = {loc.code: loc for loc in Locality.objects.all()}
    codes = set(ProvinceCode.objects.values_list("code", flat=True))
    jobs = occupations()
    seen_cccd: dict[str, int] = {}
    seen_card: dict[str, int] = {}
    for number, row in stream:
        before = len(plan.problems)

        def bad(column, value, message, fix="", number=number):
            plan.problems.append(Problem(number, column, value, message, fix))

        name = clean_name(str(row.get("Họ và tên") or ""))
        if not name:
            bad("Họ và tên", None, "thiếu họ tên")
        born_raw = row.get("Ngày sinh")
        born = parse_day(born_raw)
        if (
            born is None
            and isinstance(born_raw, int | str)
            and str(born_raw).isdigit()
            and len(str(born_raw)) == 4
        ):
            born = dt.date(int(str(born_raw)), 1, 1)  # old records: the year only
        if born is None:
            bad("Ngày sinh", born_raw, "không phải là ngày", "viết dd/mm/yyyy hoặc năm")
        elif born > today:
            bad("Ngày sinh", born_raw, "ngày ở tương lai")
        sex = cast(str | None, choice(row.get("Giới tính"), SEX, "Giới tính", bad))
        ethnicity = Ethnicity.objects.match(str(row.get("Dân tộc") or ""))
        if ethnicity is None:
            names = list(Ethnicity.objects.values_list("name", flat=True))
            close = difflib.get_close_matches(str(row.get("Dân tộc") or ""), names, n=1)
            bad(
                "Dân tộc",
                row.get("Dân tộc"),
                "không có trong danh mục 54 dân tộc",
                f"có phải “{close[0]}”?" if close else "dùng tên chính thức",
            )
        religion = Religion.objects.match(str(row.get("Tôn giáo") or "Không"))
        if religion is None:
            names = list(Religion.objects.values_list("name", flat=True))
            close = difflib.get_close_matches(str(row.get("Tôn giáo") or ""), names, n=1)
            bad(
                "Tôn giáo",
                row.get("Tôn giáo"),
                "không có trong danh mục tôn giáo",
                f"có phải “{close[0]}”?" if close else "dùng tên chính thức hoặc “Không”",
            )
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
            choice(row.get("Nghề nghiệp"), jobs, "Nghề nghiệp", bad)
            if row.get("Nghề nghiệp")
            else Occupation.OTHER
        )
        unit = units.get(str(row.get("Mã đơn vị") or "").upper())
        if unit is None:
            bad(
                "Mã đơn vị",
                row.get("Mã đơn vị"),
                "không phải mã của một chi bộ",
                "dùng mã chi bộ, chi bộ cơ sở hoặc tổ đảng đã có",
            )
        loc_code = str(row.get("Mã địa bàn cư trú") or "").upper()
        residence = localities.get(loc_code) if loc_code else None
        if loc_code and residence is None:
            bad("Mã địa bàn cư trú", loc_code, "mã địa bàn không tồn tại")
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
        if born and ceremony and ceremony < add_years(born, 18):
            bad("Ngày vào Đảng", row.get("Ngày vào Đảng"), "trước khi đủ 18 tuổi")
        if decided and ceremony and decided > ceremony:
            bad("Ngày quyết định kết nạp", row.get("Ngày quyết định kết nạp"), "sau ngày vào Đảng")
        if ceremony and confirmed and confirmed < ceremony:
            bad("Ngày chính thức", row.get("Ngày chính thức"), "trước ngày vào Đảng")
        if ceremony and left and left < ceremony:
            bad("Ngày ra khỏi Đảng", row.get("Ngày ra khỏi Đảng"), "trước ngày vào Đảng")
        reason = None
        if row.get("Lý do ra khỏi Đảng") or left:
            reason = choice(row.get("Lý do ra khỏi Đảng"), EXIT, "Lý do ra khỏi Đảng", bad)
        cccd = str(row.get("Số CCCD") or "").replace(" ", "") or None
        if cccd and born and sex:
            try:
                cccd = validate_cccd(cccd, sex=sex, birth_date=born, province_codes=codes)
            except ValidationError as e:
                bad("Số CCCD", cccd, e.messages[0].rstrip("."))
        if cccd and cccd in seen_cccd:
            bad("Số CCCD", cccd, f"trùng với dòng {seen_cccd[cccd]}")
        card = str(row.get("Số thẻ đảng viên") or "") or None
        if card and card in seen_card:
            bad("Số thẻ đảng viên", card, f"trùng với dòng {seen_card[card]}")
        if len(plan.problems) > before:
            continue
        if cccd:
            seen_cccd[cccd] = number
        if card:
            seen_card[card] = number
        record = {
            "row": number,
            "person": {
                "full_name": name,
                "birth_date": born,
                "sex": sex,
                "citizen_id": cccd,
                "ethnicity": ethnicity,
                "religion": religion,
                "general_education": edu,
                "professional": prof,
                "political_theory": theory,
                "residence": residence,
                "occupation": occupation,
            },
            "unit": unit,
            "decision_on": decided,
            "ceremony_on": ceremony,
            "confirmed_on": confirmed,
            "card_number": card,
            "exit_on": left,
            "exit_reason": reason or "",
        }
        existing, by_name = match(record)
        if existing is None:
            if cccd and Person.objects.filter(citizen_id=cccd).exists():
                bad("Số CCCD", cccd, "đã có người khác mang số CCCD này")
                continue
            plan.new.append(record)
        elif existing.search_name != search_key(name) or existing.birth_date != born:
            # Same citizen ID or card, another name or birth date: never merge two people.
            bad(
                "Số CCCD" if cccd else "Số thẻ đảng viên",
                cccd or card,
                "đã có người khác mang số này (họ tên hoặc ngày sinh khác)",
                "kiểm tra lại số, họ tên và ngày sinh",
            )
        else:
            if by_name:
                plan.review.append(number)
            record["existing"] = existing
            if differs(existing, record):
                plan.updated.append(record)
            else:
                plan.unchanged += 1
    return plan


def match(record) -> tuple[Person | None, bool]:
    """The person a row is about: by CCCD, by card, else by name + birth + unit."""
    p = record["person"]
    if p["citizen_id"]:
        found = Person.objects.filter(citizen_id=p["citizen_id"]).first()
        if found:
            return found, False
    if record["card_number"]:
        m = Membership.objects.filter(card_number=record["card_number"]).first()
        if m:
            return m.person, False
    found = Person.objects.filter(
        search_name=search_key(p["full_name"]),
        birth_date=p["birth_date"],
        memberships__stints__unit=record["unit"],
    ).first()
    return found, found is not None


def differs(person: Person, record) -> bool:
    p = record["person"]
    if any(getattr(person, k) != v for k, v in p.items()):
        return True
    m = person.memberships.filter(ceremony_on=record["ceremony_on"]).first()
    if m is None:
        return True
    return (m.decision_on, m.confirmed_on, m.card_number, m.exit_on, m.exit_reason) != (
        record["decision_on"],
        record["confirmed_on"],
        record["card_number"],
        record["exit_on"],
        record["exit_reason"],
    )


@transaction.atomic
def commit(plan: Plan, *, by=None) -> None:
    assert plan.ok
    for record in plan.new + plan.updated:
        person: Person = record.get("existing") or Person()
        for key, value in record["person"].items():
            setattr(person, key, value)
        person.save()
        m = person.memberships.filter(ceremony_on=record["ceremony_on"]).first() or Membership(
            person=person, ceremony_on=record["ceremony_on"]
        )
        m.decision_on, m.confirmed_on = record["decision_on"], record["confirmed_on"]
        m.card_number, m.exit_on = record["card_number"], record["exit_on"]
        m.exit_reason = record["exit_reason"]
        created = m.pk is None
        m.save()
        if created:
            Stint.objects.create(
                membership=m,
                unit=record["unit"],
                start_on=m.ceremony_on,
                end_on=m.exit_on,
                reason_in=Stint.ReasonIn.EXISTING,
                reason_out=Stint.ReasonOut.EXIT if m.exit_on else "",
            )
    log(
        A.CREATE,
        user=by,
        detail=f"import members sha256={plan.sha256[:16]} new="
        f"{len(plan.new)} updated={len(plan.updated)} unchanged={plan.unchanged} "
        f"review={len(plan.review)}",
    )
