"""Checks of a dossier against a rule set: pure functions returning findings.

Each check reads its numbers from the RuleSet; a blocking finding can only be passed by
a recorded exception (approver, document, date), which turns it into a warning.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from dangvien.core.civil import add_months, full_months, years_between

from . import rulesets
from .calendar import add_working_days
from .dossier import Dossier
from .rulesets import RuleSet

BLOCKING, WARNING = "blocking", "warning"
READMISSION_FORBIDDEN = {"abandoned", "corruption", "expelled"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    citation: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


class Checker:
    def __init__(self, dossier: Dossier, rs: RuleSet):
        self.d, self.rs = dossier, rs
        self.findings: list[Finding] = []
        person = dossier.person
        self.who = person.member_label if dossier.ceremony else person.label

    def add(self, rule: str, severity: str, message: str) -> None:
        # A message may open with the person's label ("quần chúng …"): a sentence starts
        # with a capital letter.
        message = message[:1].upper() + message[1:]
        self.findings.append(Finding(rule, severity, message, self.rs.cite(rule)))

    def judged_on(self) -> dt.date | None:
        """Eligibility is judged on the cell vote date (or `as_of` before the vote)."""
        return self.d.cell_vote.date if self.d.cell_vote else self.d.as_of

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
        years = years_between(born, day)
        if years > rs.age_max_years:
            self.add(
                "age.max",
                BLOCKING,
                f"{self.who} đã {years} tuổi vào ngày {fmt(day)}, quá {rs.age_max_years} "
                "tuổi: chỉ kết nạp khi Ban Thường vụ Tỉnh ủy đồng ý bằng văn bản.",
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
                    "cùng công tác.",
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
                    f"Người giới thiệu {name} mới cùng công tác {max(months, 0)} tháng, "
                    f"cần ít nhất {self.rs.introducer_tenure_months} tháng.",
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

    def vote(self, rule: str, vote, what: str) -> None:
        rs = self.rs
        if vote.in_favour * rs.vote_share_denominator < vote.full_members * rs.vote_share_numerator:
            self.add(
                rule,
                BLOCKING,
                f"{what} {self.who}: {vote.in_favour}/{vote.full_members} đảng viên chính "
                f"thức tán thành, cần ít nhất {rs.vote_share_numerator}/"
                f"{rs.vote_share_denominator} số đảng viên chính thức của chi bộ.",
            )

    # ----- deadlines ---------------------------------------------------------------------
    def deadlines(self) -> None:
        d, rs = self.d, self.rs
        if d.cell_vote:
            self.vote("vote.cell", d.cell_vote, "Chi bộ biểu quyết đề nghị kết nạp")
            days = rs.decision_working_days + (
                rs.decision_extension_working_days if d.decision and d.decision.extended else 0
            )
            due = add_working_days(d.cell_vote.date, days)
            if d.decision and d.decision.date < d.cell_vote.date:
                self.add(
                    "sequence.order",
                    BLOCKING,
                    f"Quyết định kết nạp {self.who} ({fmt(d.decision.date)}) trước nghị "
                    f"quyết chi bộ ({fmt(d.cell_vote.date)}).",
                )
            late_on = d.decision.date if d.decision else d.as_of
            if late_on and late_on > due:
                self.add(
                    "deadline.decision",
                    BLOCKING,
                    f"Quyết định kết nạp {self.who} phải có trong {days} ngày làm việc từ "
                    f"nghị quyết chi bộ {fmt(d.cell_vote.date)}, tức chậm nhất "
                    f"{fmt(due)}"
                    + (
                        f"; ngày quyết định {fmt(d.decision.date)}."
                        if d.decision
                        else "; đến nay chưa có."
                    ),
                )
        if d.decision:
            received = d.decision.received_on or d.decision.date
            due = add_working_days(received, rs.ceremony_working_days)
            if d.ceremony and d.ceremony < d.decision.date:
                self.add(
                    "sequence.order",
                    BLOCKING,
                    f"Lễ kết nạp {self.who} ({fmt(d.ceremony)}) trước ngày quyết định "
                    f"({fmt(d.decision.date)}).",
                )
            late_on = d.ceremony or d.as_of
            if late_on and late_on > due:
                self.add(
                    "deadline.ceremony",
                    BLOCKING,
                    f"Lễ kết nạp {self.who} phải tổ chức trong {rs.ceremony_working_days} "
                    f"ngày làm việc từ khi nhận quyết định ({fmt(received)}), chậm nhất "
                    f"{fmt(due)}"
                    + (
                        f"; tổ chức ngày {fmt(d.ceremony)}."
                        if d.ceremony
                        else "; đến nay chưa tổ chức."
                    ),
                )
        if d.ceremony:
            self.confirmation(d.ceremony)

    def confirmation(self, ceremony: dt.date) -> None:
        d, rs = self.d, self.rs
        end = add_months(ceremony, rs.probation_months)
        due = add_working_days(end, rs.confirmation_review_working_days)
        vote = d.confirmation_vote
        if vote:
            self.vote("vote.confirmation", vote, "Chi bộ xét công nhận chính thức cho")
            if vote.date < end:
                self.add(
                    "probation.length",
                    BLOCKING,
                    f"{self.who}: chi bộ xét công nhận chính thức ngày {fmt(vote.date)}, "
                    f"trước khi hết {rs.probation_months} tháng dự bị ({fmt(end)}).",
                )
        late_on = vote.date if vote else d.as_of
        if late_on and late_on > due:
            self.add(
                "deadline.confirmation",
                BLOCKING,
                f"Chi bộ phải xét công nhận chính thức cho {self.who} trong "
                f"{rs.confirmation_review_working_days} ngày làm việc sau khi hết dự bị "
                f"({fmt(end)}), chậm nhất {fmt(due)}"
                + (f"; xét ngày {fmt(vote.date)}." if vote else "; đến nay chưa xét."),
            )
        if vote and d.confirmation_decision:
            days = rs.confirmation_decision_working_days + (
                rs.confirmation_extension_working_days if d.confirmation_decision.extended else 0
            )
            due = add_working_days(vote.date, days)
            if d.confirmation_decision.date > due:
                self.add(
                    "deadline.confirmation_decision",
                    BLOCKING,
                    f"Quyết định công nhận chính thức cho {self.who} phải có trong {days} "
                    f"ngày làm việc từ nghị quyết chi bộ ({fmt(vote.date)}), chậm nhất "
                    f"{fmt(due)}; ngày quyết định {fmt(d.confirmation_decision.date)}.",
                )

    # ----- special groups ----------------------------------------------------------------
    def special(self) -> None:
        p, rs = self.d.person, self.rs
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
        if p.business_owner and rs.business_owner:
            self.add(
                "business_owner.conditions",
                WARNING,
                f"{self.who} là chủ doanh nghiệp tư nhân: xem xét các điều kiện riêng "
                "(chấp hành pháp luật, nghĩa vụ thuế, bảo đảm quyền lợi người lao động).",
            )
        if self.d.previous_left_on:
            self.readmission()

    def readmission(self) -> None:
        d, rs = self.d, self.rs
        left = d.previous_left_on
        assert left is not None
        if not rs.readmission:
            self.add(
                "readmission.review",
                WARNING,
                f"{self.who} từng là đảng viên (ra khỏi Đảng ngày {fmt(left)}): xem xét "
                "kết nạp lại theo quy định.",
            )
            return
        if d.readmitted_before:
            self.add(
                "readmission.once",
                BLOCKING,
                f"{self.who} đã được kết nạp lại một lần: chỉ kết nạp lại một lần.",
            )
        if d.previous_reason in READMISSION_FORBIDDEN:
            self.add(
                "readmission.forbidden",
                BLOCKING,
                f"{self.who} ra khỏi Đảng vì lý do không được xem xét kết nạp lại "
                f"({d.previous_reason}).",
            )
        day = self.judged_on()
        if day:
            months = full_months(left, day)
            if months < rs.readmission_gap_months:
                self.add(
                    "readmission.gap",
                    BLOCKING,
                    f"{self.who} ra khỏi Đảng ngày {fmt(left)}, mới {months} tháng, cần ít "
                    f"nhất {rs.readmission_gap_months} tháng.",
                )

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
        if finding.severity != BLOCKING or exc is None:
            return finding
        return Finding(
            finding.rule,
            WARNING,
            f"{finding.message} Đã có ngoại lệ: {exc.document} ngày {fmt(exc.date)} "
            f"({exc.approved_by}).",
            finding.citation,
        )


def check(
    dossier: Dossier, rule_set_id: str | None = None, today: dt.date | None = None
) -> tuple[RuleSet, list[Finding]]:
    """Check a dossier against the set named, or the one in force on its latest step."""
    if rule_set_id:
        rs = rulesets.get(rule_set_id)
    else:
        rs = rulesets.in_force_on(dossier.latest_step() or today or dt.date.today())
    return rs, Checker(dossier, rs).run()


def report(dossier: Dossier, rule_set_id: str | None = None, today: dt.date | None = None) -> dict:
    """The JSON contract: {"rule_set": id, "findings": [...]}."""
    rs, findings = check(dossier, rule_set_id, today)
    return {"rule_set": rs.id, "findings": [f.as_dict() for f in findings]}
