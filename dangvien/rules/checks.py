"""Checks of a dossier against a rule set: pure functions returning findings.

Each check reads its numbers from the RuleSet; a blocking finding can only be passed by
a recorded exception (approver, document, date), which turns it into a warning.
"""

import datetime as dt

from dangvien.core.civil import add_months, full_months, years_between

from . import rulesets
from .calendar import Overrides
from .dossier import Dossier
from .findings import BLOCKING, WARNING, Finding, fmt
from .readmission import READMISSION_FORBIDDEN, ReadmissionChecks
from .rulesets import RuleSet
from .steps import StepChecks, committee_vote_passes

__all__ = [
    "BLOCKING",
    "READMISSION_FORBIDDEN",
    "WARNING",
    "Finding",
    "check",
    "committee_vote_passes",
    "listing",
    "report",
]
# A recorded exception for these is the provincial standing committee's written consent,
# which must be dated no later than the admission decision.
CONSENT_BEFORE_DECISION = ("age.max", "readmission.consent")


class Checker(StepChecks, ReadmissionChecks):
    """Every check of a dossier; `run()` returns the findings, exceptions applied."""

    # ----- eligibility -------------------------------------------------------------------
    def age(self) -> None:
        day = self.judged_on()
        if day is None:
            return
        born, rs = self.d.person.birth_date, self.rs
        months = full_months(born, day)
        if months < rs.age_min_years * 12:
            self.add(
                "age.min",
                BLOCKING,
                f"{self.who} mới {months // 12} tuổi {months % 12} tháng vào ngày "
                f"{fmt(day)}, cần đủ {rs.age_min_years} tuổi (tính theo tháng).",
            )
        # "Đủ 60 tuổi (tính theo tháng)": 60 years and 0 months is the limit; one more
        # full month is over it.
        if months > rs.age_max_years * 12:
            self.add(
                "age.max",
                BLOCKING,
                f"{self.who} đã {months // 12} tuổi {months % 12} tháng vào ngày {fmt(day)}, "
                f"quá {rs.age_max_years} tuổi (tính theo tháng). Chỉ kết nạp người trên "
                f"{rs.age_max_years} tuổi khi có đủ sức khỏe và uy tín, ở nơi chưa có tổ chức "
                "đảng hoặc chưa có đảng viên hoặc do yêu cầu đặc biệt, và được Ban Thường vụ "
                "Tỉnh ủy đồng ý bằng văn bản trước khi quyết định kết nạp.",
            )

    def education(self) -> None:
        grade = self.d.person.general_education
        if grade is None or self.judged_on() is None:
            return
        level, system = grade
        rs = self.rs
        if system == 10:
            level = level + 2 if level >= 5 else level + 1  # old 10-year system
            if not rs.education_accepts_equivalent:
                self.add(
                    "education.min",
                    WARNING,
                    f"{self.who} học hệ 10 năm ({grade[0]}/10): kiểm tra văn bằng tương "
                    "đương, hướng dẫn hiện hành không còn ghi “hoặc tương đương”.",
                )
        needed = (
            rs.education_min_grade_difficult_area
            if self.d.person.difficult_area
            else rs.education_min_grade
        )
        if level < needed:
            self.add(
                "education.min",
                BLOCKING,
                f"{self.who} có trình độ {grade[0]}/{grade[1]}, cần tối thiểu "
                f"{needed}/12"
                + ("" if self.d.person.difficult_area else " (tốt nghiệp trung học cơ sở)")
                + ".",
            )

    def course(self) -> None:
        day = self.judged_on()
        if day is None:
            return
        cert = self.d.course_certificate
        if cert is None:
            if self.d.cell_vote:
                self.add(
                    "course.valid",
                    BLOCKING,
                    f"{self.who} chưa có giấy chứng nhận lớp bồi dưỡng nhận thức về Đảng.",
                )
            return
        expires = add_months(cert, self.rs.course_validity_months)
        if day > expires:
            self.add(
                "course.valid",
                BLOCKING if self.d.cell_vote else WARNING,
                f"Giấy chứng nhận bồi dưỡng nhận thức về Đảng của {self.who} cấp ngày "
                f"{fmt(cert)} đã hết hạn ngày {fmt(expires)} "
                f"({self.rs.course_validity_months} tháng).",
            )

    def youth_union_applies(self) -> bool:
        day = self.judged_on()
        return bool(
            day
            and self.d.youth_union_exists
            and years_between(self.d.person.birth_date, day) <= self.rs.youth_union_max_age
        )

    def youth_union(self) -> None:
        if self.youth_union_applies() and not self.d.person.youth_union_member:
            self.add(
                "youth_union.required",
                BLOCKING,
                f"{self.who} trong độ tuổi đoàn, nơi có tổ chức Đoàn, phải là đoàn viên.",
            )

    def introducers(self) -> None:
        if self.d.cell_vote is None and not self.d.introducers:
            return
        members = [i for i in self.d.introducers if i.kind == "member"]
        youth = [i for i in self.d.introducers if i.kind == "youth_union"]
        if self.d.cell_vote is not None:
            if self.youth_union_applies():
                if not youth or not members:
                    self.add(
                        "introducers.count",
                        BLOCKING,
                        f"{self.who} trong độ tuổi đoàn: cần nghị quyết giới thiệu của "
                        "Ban Chấp hành Đoàn cơ sở và 1 đảng viên chính thức giới thiệu "
                        f"(hiện có {len(youth)} nghị quyết, {len(members)} đảng viên).",
                    )
            elif len(members) < self.rs.introducers_required and not (youth and members):
                self.add(
                    "introducers.count",
                    BLOCKING,
                    f"{self.who} cần {self.rs.introducers_required} đảng viên chính thức "
                    f"giới thiệu, hiện có {len(members)}.",
                )
        for n, intro in enumerate(members, 1):
            name = intro.name or f"thứ {n}"
            day = intro.introduced_on or self.judged_on()
            if day is None:
                continue
            if intro.full_member_since is None or intro.worked_together_since is None:
                self.add(
                    "introducers.tenure",
                    WARNING,
                    f"Người giới thiệu {name}: chưa ghi ngày chính thức hoặc ngày bắt đầu "
                    "cùng công tác, học tập hoặc cư trú.",
                )
                continue
            if intro.full_member_since > day:
                self.add(
                    "introducers.tenure",
                    BLOCKING,
                    f"Người giới thiệu {name} chưa là đảng viên chính thức vào ngày "
                    f"{fmt(day)} (chính thức từ {fmt(intro.full_member_since)}).",
                )
            months = full_months(intro.worked_together_since, day)
            if months < self.rs.introducer_tenure_months:
                self.add(
                    "introducers.tenure",
                    BLOCKING,
                    f"Người giới thiệu {name} mới cùng công tác, học tập hoặc cư trú với "
                    f"{self.who} {max(months, 0)} tháng, cần ít nhất "
                    f"{self.rs.introducer_tenure_months} tháng.",
                )

    def verification(self) -> None:
        if self.d.cell_vote is None:
            return
        required, answered = self.d.verification_required, self.d.verification_answered
        if required is None:
            self.add(
                "verification.complete",
                WARNING,
                f"Chưa ghi kết quả thẩm tra lý lịch của {self.who}.",
            )
        elif (answered or 0) < required:
            self.add(
                "verification.complete",
                BLOCKING,
                f"Thẩm tra lý lịch {self.who}: mới nhận {answered or 0}/{required} văn bản "
                "trả lời.",
            )

    def special(self) -> None:
        p = self.d.person
        if p.religion.strip().lower() not in ("none", "không", ""):
            self.add(
                "religion.believer",
                WARNING,
                f"{self.who} theo tôn giáo ({p.religion}): thực hiện thêm các điều kiện "
                "và thủ tục kết nạp người có đạo.",
            )
            if p.clergy:
                self.add(
                    "religion.clergy",
                    BLOCKING,
                    f"{self.who} là chức sắc, chức việc tôn giáo: cần ý kiến đồng ý của Ban "
                    "Thường vụ Tỉnh ủy.",
                )
        if p.business_owner and self.rs.documents(self.day).get("business_owner"):
            self.add(
                "business_owner.conditions",
                WARNING,
                f"{self.who} là chủ doanh nghiệp tư nhân: xem xét các điều kiện riêng "
                "(chấp hành pháp luật, nghĩa vụ thuế, bảo đảm quyền lợi người lao động).",
            )
        if self.d.previous_left_on:
            self.readmission()

    def run(self) -> list[Finding]:
        self.age()
        self.education()
        self.course()
        self.youth_union()
        self.introducers()
        self.verification()
        self.deadlines()
        self.special()
        return [self.excepted(f) for f in self.findings]

    def excepted(self, finding: Finding) -> Finding:
        exc = self.d.exception_for(finding.rule)
        if exc is None or finding.severity != BLOCKING and finding.rule != "readmission.consent":
            return finding
        decision = self.d.decision
        if finding.rule in CONSENT_BEFORE_DECISION and decision and exc.date > decision.date:
            return Finding(
                finding.rule,
                BLOCKING,
                f"{finding.message} Văn bản đồng ý {exc.document} ngày {fmt(exc.date)} "
                f"({exc.approved_by}) sau ngày quyết định kết nạp {fmt(decision.date)}: "
                "phải có trước khi quyết định.",
                finding.citation,
            )
        return Finding(
            finding.rule,
            WARNING,
            f"{finding.message} Đã có ngoại lệ: {exc.document} ngày {fmt(exc.date)} "
            f"({exc.approved_by}).",
            finding.citation,
        )


def listing(
    name: str, birth_date: dt.date, listed_on: dt.date, rs: RuleSet | None = None
) -> list[Finding]:
    """Warnings when a person is put on the source list younger than Youth Union age or
    already past the upper age (counted in months), so it shows at once."""
    rs = rs or rulesets.in_force_on(listed_on)
    who = f"Quần chúng {name}" if name else "Người được đưa vào danh sách nguồn"
    months = full_months(birth_date, listed_on)
    out = []
    if months < rs.listing_min_age * 12:
        out.append(
            Finding(
                "age.listing",
                WARNING,
                f"{who} mới {max(months, 0) // 12} tuổi {max(months, 0) % 12} tháng vào ngày "
                f"{fmt(listed_on)}, chưa đến tuổi đoàn ({rs.listing_min_age}); phải đủ "
                f"{rs.age_min_years} tuổi (tính theo tháng) khi chi bộ xét kết nạp.",
                rs.cite("age.min", listed_on),
            )
        )
    if months > rs.age_max_years * 12:
        out.append(
            Finding(
                "age.listing",
                WARNING,
                f"{who} đã {months // 12} tuổi {months % 12} tháng vào ngày {fmt(listed_on)}, "
                f"quá {rs.age_max_years} tuổi (tính theo tháng): chỉ kết nạp khi có đủ sức "
                "khỏe và uy tín, ở nơi chưa có tổ chức đảng hoặc đảng viên hoặc do yêu cầu "
                "đặc biệt, được Ban Thường vụ Tỉnh ủy đồng ý bằng văn bản.",
                rs.cite("age.max", listed_on),
            )
        )
    return out


def check(
    dossier: Dossier,
    rule_set_id: str | None = None,
    today: dt.date | None = None,
    overrides: Overrides | None = None,
) -> tuple[RuleSet, list[Finding]]:
    """Check a dossier against the set named, or the one in force on its latest step;
    `overrides` are the calendar's recorded days off and worked days."""
    if rule_set_id:
        rs = rulesets.get(rule_set_id)
    else:
        rs = rulesets.in_force_on(dossier.latest_step() or today or dt.date.today())
    return rs, Checker(dossier, rs, overrides).run()


def report(
    dossier: Dossier,
    rule_set_id: str | None = None,
    today: dt.date | None = None,
    overrides: Overrides | None = None,
) -> dict:
    """The JSON contract: {"rule_set": id, "findings": [...]}."""
    rs, findings = check(dossier, rule_set_id, today, overrides)
    return {"rule_set": rs.id, "findings": [f.as_dict() for f in findings]}
