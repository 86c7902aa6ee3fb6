"""A candidate's dossier as the checks see it, parsed from plain JSON-like data.

All dates are ISO `YYYY-MM-DD`; an absent key means "not yet". Malformed input raises
DossierError with a Vietnamese message naming the key.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any


class DossierError(ValueError):
    pass


def _date(data: dict, key: str, where: str, required: bool = False) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise DossierError(f"Thiếu “{where}.{key}” (ngày dạng YYYY-MM-DD).")
        return None
    if not isinstance(value, str):
        raise DossierError(f"“{where}.{key}” phải là ngày dạng YYYY-MM-DD, nhận được {value!r}.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DossierError(
            f"“{where}.{key}” = “{value}” không phải là ngày hợp lệ (dạng YYYY-MM-DD)."
        ) from None


def _int(data: dict, key: str, where: str, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            raise DossierError(f"Thiếu “{where}.{key}” (số nguyên).")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DossierError(f"“{where}.{key}” phải là số nguyên không âm, nhận được {value!r}.")
    return value


def _bool(data: dict, key: str, where: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise DossierError(f"“{where}.{key}” phải là true hoặc false, nhận được {value!r}.")
    return value


def _obj(data: dict, key: str) -> dict | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DossierError(f"“{key}” phải là một đối tượng JSON.")
    return value


_GRADE = re.compile(r"^\s*(\d{1,2})\s*/\s*(10|12)\s*$")


def parse_grade(text: str) -> tuple[int, int]:
    """'12/12' -> (12, 12); '7/10' (the old 10-year system) -> (7, 10)."""
    m = _GRADE.match(text or "")
    if not m or int(m.group(1)) > int(m.group(2)):
        raise DossierError(
            f"“person.general_education” = “{text}” không hợp lệ (viết dạng lớp/hệ, ví dụ "
            "12/12, 9/12 hoặc 7/10)."
        )
    return int(m.group(1)), int(m.group(2))


@dataclass
class Person:
    birth_date: dt.date
    name: str = ""
    sex: str = ""
    general_education: tuple[int, int] | None = None
    difficult_area: bool = False
    youth_union_member: bool = False
    religion: str = "none"
    clergy: bool = False
    business_owner: bool = False

    @property
    def label(self) -> str:
        """How a message names the applicant mid-sentence (lower case: "quần chúng")."""
        return f"quần chúng {self.name}" if self.name else "người xin vào Đảng"

    @property
    def member_label(self) -> str:
        """After the ceremony the person is a probationary member, no longer a non-member."""
        return f"đảng viên dự bị {self.name}" if self.name else "đảng viên dự bị"


@dataclass
class Introducer:
    kind: str  # "member" or "youth_union"
    name: str = ""
    full_member_since: dt.date | None = None
    worked_together_since: dt.date | None = None
    introduced_on: dt.date | None = None
    resolution_date: dt.date | None = None


@dataclass
class Vote:
    date: dt.date
    full_members: int
    in_favour: int
    present: int | None = None


@dataclass
class CommitteeVote:
    """A resolution of a committee (8-KNĐ, 15-KNĐ): in favour of its members."""

    date: dt.date
    committee_members: int
    in_favour: int


@dataclass
class Decision:
    date: dt.date
    received_on: dt.date | None = None
    extended: bool = False


@dataclass
class Exception_:
    rule: str
    approved_by: str
    document: str
    date: dt.date


@dataclass
class Dossier:
    person: Person
    course_certificate: dt.date | None = None
    introducers: list[Introducer] = field(default_factory=list)
    youth_union_exists: bool = False
    verification_required: int | None = None
    verification_answered: int | None = None
    cell_vote: Vote | None = None
    # Every grassroots committee vote, earliest first: the last one is the one that counts,
    # failed earlier ones count towards sending the matter to the superior committee.
    grassroots_votes: list[CommitteeVote] = field(default_factory=list)
    decision: Decision | None = None
    ceremony: dt.date | None = None
    confirmation_vote: Vote | None = None
    confirmation_grassroots_votes: list[CommitteeVote] = field(default_factory=list)
    confirmation_decision: Decision | None = None
    previous_left_on: dt.date | None = None
    previous_reason: str = ""
    previous_expunged_on: dt.date | None = None  # conviction expunged (less serious crime)
    readmitted_before: bool = False
    exceptions: list[Exception_] = field(default_factory=list)
    as_of: dt.date | None = None

    def latest_step(self) -> dt.date | None:
        """Date of the latest step recorded: it picks the rule set in force."""
        dates = [
            self.confirmation_decision.date if self.confirmation_decision else None,
            *(v.date for v in self.confirmation_grassroots_votes),
            self.confirmation_vote.date if self.confirmation_vote else None,
            self.ceremony,
            self.decision.date if self.decision else None,
            *(v.date for v in self.grassroots_votes),
            self.cell_vote.date if self.cell_vote else None,
        ]
        found = [d for d in dates if d]
        return max(found) if found else self.as_of

    def exception_for(self, rule: str) -> Exception_ | None:
        return next((e for e in self.exceptions if e.rule == rule), None)


def _vote(data: dict | None, where: str) -> Vote | None:
    if data is None:
        return None
    vote = Vote(
        date=_date(data, "date", where, required=True),  # type: ignore[arg-type]
        full_members=_int(data, "full_members", where, required=True),  # type: ignore[arg-type]
        in_favour=_int(data, "in_favour", where, required=True),  # type: ignore[arg-type]
        present=_int(data, "present", where),
    )
    if vote.in_favour > vote.full_members:
        raise DossierError(f"“{where}.in_favour” lớn hơn số đảng viên chính thức “full_members”.")
    if vote.present is not None and vote.in_favour > vote.present:
        raise DossierError(f"“{where}.in_favour” lớn hơn số có mặt “present”.")
    return vote


def _committee_votes(value: Any, where: str) -> list[CommitteeVote]:
    """One vote (an object) or every attempt (a list of objects, earliest first)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items, 1):
        at = f"{where}[{i}]" if isinstance(value, list) else where
        if not isinstance(item, dict):
            raise DossierError(f"“{at}” phải là một đối tượng JSON (hoặc một danh sách).")
        vote = CommitteeVote(
            date=_date(item, "date", at, required=True),  # type: ignore[arg-type]
            committee_members=_int(item, "committee_members", at, required=True),  # type: ignore[arg-type]
            in_favour=_int(item, "in_favour", at, required=True),  # type: ignore[arg-type]
        )
        if vote.committee_members == 0:
            raise DossierError(f"“{at}.committee_members” phải lớn hơn 0.")
        if vote.in_favour > vote.committee_members:
            raise DossierError(f"“{at}.in_favour” lớn hơn số cấp ủy viên “committee_members”.")
        out.append(vote)
    return sorted(out, key=lambda v: v.date)


def _decision(data: dict | None, where: str) -> Decision | None:
    if data is None:
        return None
    return Decision(
        date=_date(data, "date", where, required=True),  # type: ignore[arg-type]
        received_on=_date(data, "received_on", where),
        extended=_bool(data, "extended", where),
    )


def parse(data: Any) -> Dossier:
    """Build a Dossier from decoded JSON, or raise DossierError."""
    if not isinstance(data, dict):
        raise DossierError("Hồ sơ phải là một đối tượng JSON.")
    p = _obj(data, "person")
    if p is None:
        raise DossierError("Thiếu “person” (thông tin người xin vào Đảng).")
    grade = p.get("general_education")
    person = Person(
        birth_date=_date(p, "birth_date", "person", required=True),  # type: ignore[arg-type]
        name=str(p.get("name") or ""),
        sex=str(p.get("sex") or ""),
        general_education=parse_grade(grade) if grade else None,
        difficult_area=_bool(p, "difficult_area", "person"),
        youth_union_member=_bool(p, "youth_union_member", "person"),
        religion=str(p.get("religion") or "none"),
        clergy=_bool(p, "clergy", "person"),
        business_owner=_bool(p, "business_owner", "person"),
    )
    course = _obj(data, "course")
    introducers = []
    raw_intro = data.get("introducers") or []
    if not isinstance(raw_intro, list):
        raise DossierError("“introducers” phải là một danh sách.")
    for i, item in enumerate(raw_intro, 1):
        where = f"introducers[{i}]"
        if not isinstance(item, dict) or item.get("kind") not in ("member", "youth_union"):
            raise DossierError(f"“{where}.kind” phải là “member” hoặc “youth_union”.")
        introducers.append(
            Introducer(
                kind=item["kind"],
                name=str(item.get("name") or ""),
                full_member_since=_date(item, "full_member_since", where),
                worked_together_since=_date(item, "worked_together_since", where),
                introduced_on=_date(item, "introduced_on", where),
                resolution_date=_date(item, "resolution_date", where),
            )
        )
    verification = _obj(data, "verification") or {}
    confirmation = _obj(data, "confirmation") or {}
    previous = _obj(data, "previous_membership") or {}
    exceptions = []
    raw_exc = data.get("exceptions") or []
    if not isinstance(raw_exc, list):
        raise DossierError("“exceptions” phải là một danh sách.")
    for i, item in enumerate(raw_exc, 1):
        where = f"exceptions[{i}]"
        if not isinstance(item, dict) or not item.get("rule"):
            raise DossierError(f"“{where}.rule” là bắt buộc.")
        for key in ("approved_by", "document"):
            if not str(item.get(key) or "").strip():
                raise DossierError(
                    f"“{where}.{key}” là bắt buộc: ngoại lệ phải ghi người duyệt và số văn bản."
                )
        exceptions.append(
            Exception_(
                rule=str(item["rule"]),
                approved_by=str(item["approved_by"]),
                document=str(item["document"]),
                date=_date(item, "date", where, required=True),  # type: ignore[arg-type]
            )
        )
    ceremony = _obj(data, "ceremony")
    return Dossier(
        person=person,
        course_certificate=_date(course, "certificate_date", "course") if course else None,
        introducers=introducers,
        youth_union_exists=_bool(data, "youth_union_exists", "dossier"),
        verification_required=_int(verification, "required", "verification"),
        verification_answered=_int(verification, "answered", "verification"),
        cell_vote=_vote(_obj(data, "cell_vote"), "cell_vote"),
        grassroots_votes=_committee_votes(data.get("grassroots_vote"), "grassroots_vote"),
        decision=_decision(_obj(data, "decision"), "decision"),
        ceremony=_date(ceremony, "date", "ceremony", required=True) if ceremony else None,
        confirmation_vote=_vote(_obj(confirmation, "cell_vote"), "confirmation.cell_vote"),
        confirmation_grassroots_votes=_committee_votes(
            confirmation.get("grassroots_vote"), "confirmation.grassroots_vote"
        ),
        confirmation_decision=_decision(_obj(confirmation, "decision"), "confirmation.decision"),
        previous_left_on=_date(previous, "left_on", "previous_membership"),
        previous_reason=str(previous.get("reason") or "").strip().lower(),
        previous_expunged_on=_date(previous, "expunged_on", "previous_membership"),
        readmitted_before=_bool(previous, "readmitted_before", "previous_membership"),
        exceptions=exceptions,
        as_of=_date(data, "as_of", "dossier"),
    )
