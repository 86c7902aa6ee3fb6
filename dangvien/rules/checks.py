"""Checks of a dossier against a rule set: pure functions returning findings.

Each check reads its numbers from the RuleSet; a blocking finding can only be passed by
a recorded exception (approver, document, date), which turns it into a warning.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from dangvien.core.civil import add_months, full_months, years_between

from . import rulesets
from .calendar import Overrides, add_working_days, working_days_between
from .dossier import Dossier
from .rulesets import RuleSet

BLOCKING, WARNING = "blocking", "warning"
# Exit reasons (membership.ExitReason values, lower case) after which a former member is
# never readmitted: 29-QĐ/TW §3.5.2, kept by 24-QĐ/TW and 294-QĐ/TW §3.5.2.
READMISSION_FORBIDDEN = {
    "abandoned": "tự bỏ sinh hoạt đảng",
    "resigned": "làm đơn xin ra khỏi Đảng (không vì gia đình đặc biệt khó khăn)",
    "disunity": "gây mất đoàn kết nội bộ nghiêm trọng",
    "corruption": "bị kết án về tội tham nhũng",
    "serious_crime": "bị kết án về tội nghiêm trọng trở lên",
}
LESS_SERIOUS_CRIME = "less_serious_crime"
# A recorded exception for these is the provincial standing committee's written consent,
# which must be dated no later than the admission decision.
CONSENT_BEFORE_DECISION = ("age.max", "readmission.consent")


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


def committee_vote_passes(rs: RuleSet, committee_members: int, in_favour: int) -> bool:
    """In favour ≥ 2/3 of the committee's members (8-KNĐ, 15-KNĐ)."""
    return in_favour * rs.vote_share_denominator >= committee_members * rs.vote_share_numerator


class Checker:
    def __init__(self, dossier: Dossier, rs: RuleSet, overrides: Overrides | None = None):
        self.d, self.rs = dossier, rs
        self.overrides = overrides
        self.findings: list[Finding] = []
        self.who = dossier.person.label
        # A set cites a guidance only from the guidance's own date: cite as of the step.
        self.day = dossier.latest_step()

    def add(self, rule: str, severity: str, message: str) -> None:
        self.findings.append(Finding(rule, severity, message, self.rs.cite(rule, self.day)))

    def due(self, start: dt.date, days: int) -> dt.date:
        return add_working_days(start, days, self.overrides)

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

    def passes(self, vote) -> bool:
        return committee_vote_passes(self.rs, vote.committee_members, vote.in_favour)

    def grassroots_vote(self, votes: list, what: str) -> None:
        """8-KNĐ and 15-KNĐ: ≥ 2/3 of the grassroots committee's members (cấp ủy viên);
        after three failed votes the matter goes to the superior committee."""
        if not votes:
            return
        rs = self.rs
        last = votes[-1]
        failed = [v for v in votes if not self.passes(v)]
        if len(failed) >= rs.grassroots_failed_votes_to_superior and not self.passes(last):
            self.add(
                "vote.grassroots_referred",
                WARNING,
                f"Đảng ủy cơ sở đã {len(failed)} lần biểu quyết {what} {self.who} không đủ "
                f"{rs.vote_share_numerator}/{rs.vote_share_denominator} số cấp ủy viên tán "
                f"thành (lần cuối ngày {fmt(last.date)}: {last.in_favour}/"
                f"{last.committee_members}): báo cáo cấp ủy cấp trên trực tiếp xem xét, "
                "quyết định.",
            )
            return
        if not self.passes(last):
            self.add(
                "vote.grassroots",
                BLOCKING,
                f"Đảng ủy cơ sở biểu quyết {what} {self.who} ngày {fmt(last.date)}: "
                f"{last.in_favour}/{last.committee_members} cấp ủy viên tán thành, cần ít "
                f"nhất {rs.vote_share_numerator}/{rs.vote_share_denominator} số cấp ủy viên "
                f"(lần {len(votes)}; sau {rs.grassroots_failed_votes_to_superior} lần không "
                "đạt thì báo cáo cấp ủy cấp trên).",
            )

    # ----- deadlines ---------------------------------------------------------------------
    def deadlines(self) -> None:
        d, rs = self.d, self.rs
        if d.cell_vote:
            self.vote("vote.cell", d.cell_vote, "Chi bộ biểu quyết đề nghị kết nạp")
            self.grassroots_vote(d.grassroots_votes, "đề nghị kết nạp")
            days = rs.decision_working_days + (
                rs.decision_extension_working_days if d.decision and d.decision.extended else 0
            )
            due = self.due(d.cell_vote.date, days)
            if d.decision and d.decision.date < d.cell_vote.date:
                self.add(
                    "sequence.order",
                    BLOCKING,
                    f"Quyết định kết nạp {self.who} ({fmt(d.decision.date)}) trước nghị "
                    f"quyết chi bộ ({fmt(d.cell_vote.date)}).",
                )
            late_on = d.decision.date if d.decision else d.as_of
            if late_on and late_on > due:
                # A late decision stays valid: those responsible are reviewed (DOMAIN.md,
                # pipeline step 10), it never blocks this step or a later one.
                self.add(
                    "deadline.decision",
                    WARNING,
                    f"Quyết định kết nạp {self.who} phải có trong {days} ngày làm việc từ "
                    f"nghị quyết chi bộ {fmt(d.cell_vote.date)}, tức chậm nhất "
                    f"{fmt(due)}"
                    + (
                        f"; ngày quyết định {fmt(d.decision.date)} "
                        f"(chậm {self.late_by(due, d.decision.date)} ngày làm việc). Quyết "
                        "định vẫn có giá trị; cấp ủy có thẩm quyền quyết định kết nạp phải "
                        "kiểm điểm, làm rõ trách nhiệm về việc chậm."
                        if d.decision
                        else "; đến nay chưa có. Cấp ủy có thẩm quyền quyết định kết nạp chịu "
                        "trách nhiệm về việc chậm."
                    ),
                )
        if d.decision:
            received = d.decision.received_on or d.decision.date
            due = self.due(received, rs.ceremony_working_days)
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
                    f"ngày làm việc từ ngày nhận quyết định ({fmt(received)}"
                    + ("" if d.decision.received_on else ", ngày nhận chưa ghi: tính từ ngày ký")
                    + f"), chậm nhất {fmt(due)}"
                    + (
                        f"; tổ chức ngày {fmt(d.ceremony)}."
                        if d.ceremony
                        else "; đến nay chưa tổ chức."
                    )
                    + " Tổ chức muộn hơn chỉ khi có ý kiến đồng ý của cấp ủy cấp trên.",
                )
        if d.ceremony:
            self.confirmation(d.ceremony)

    def late_by(self, due: dt.date, day: dt.date) -> int:
        return working_days_between(due, day, self.overrides)

    def confirmation(self, ceremony: dt.date) -> None:
        d, rs = self.d, self.rs
        end = add_months(ceremony, rs.probation_months)
        due = self.due(end, rs.confirmation_review_working_days)
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
        self.grassroots_vote(d.confirmation_grassroots_votes, "đề nghị công nhận chính thức cho")
        late_on = vote.date if vote else d.as_of
        if late_on and late_on > due:
            # Full membership dates from the end of probation even when the review is late:
            # a warning naming who answers for it, never a block.
            self.add(
                "deadline.confirmation",
                WARNING,
                f"Chi bộ phải xét công nhận chính thức cho {self.who} trong "
                f"{rs.confirmation_review_working_days} ngày làm việc sau khi hết dự bị "
                f"({fmt(end)}), chậm nhất {fmt(due)}"
                + (f"; xét ngày {fmt(vote.date)}." if vote else "; đến nay chưa xét.")
                + f" Vẫn được công nhận chính thức từ {fmt(end)}; chi ủy, chi bộ phải kiểm "
                "điểm, làm rõ trách nhiệm về việc chậm.",
            )
        if vote and d.confirmation_decision:
            days = rs.confirmation_decision_working_days + (
                rs.confirmation_extension_working_days if d.confirmation_decision.extended else 0
            )
            due = self.due(vote.date, days)
            if d.confirmation_decision.date > due:
                self.add(
                    "deadline.confirmation_decision",
                    WARNING,
                    f"Quyết định công nhận chính thức cho {self.who} phải có trong {days} "
                    f"ngày làm việc từ nghị quyết chi bộ ({fmt(vote.date)}), chậm nhất "
                    f"{fmt(due)}; ngày quyết định {fmt(d.confirmation_decision.date)}. Quyết "
                    "định vẫn có giá trị; cấp ủy có thẩm quyền phải kiểm điểm, làm rõ trách "
                    "nhiệm về việc chậm.",
                )

    # ----- special groups ----------------------------------------------------------------
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

    def readmission(self) -> None:
        """Kết nạp lại (29-QĐ/TW §3.5 and successors): once only, after 36 months (60 from
        the expungement of a less serious conviction), with the provincial standing
        committee's written consent, never after the excluded exit reasons."""
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
                f"{self.who} đã được kết nạp lại một lần: chỉ được kết nạp lại một lần.",
            )
        reason = READMISSION_FORBIDDEN.get(d.previous_reason)
        if reason:
            self.add(
                "readmission.forbidden",
                BLOCKING,
                f"{self.who} ra khỏi Đảng ngày {fmt(left)} vì {reason}: không xem xét kết nạp lại.",
            )
        day = self.judged_on()
        if day:
            if d.previous_reason == LESS_SERIOUS_CRIME:
                expunged = d.previous_expunged_on
                need = rs.readmission_gap_after_conviction_months
                if expunged is None:
                    self.add(
                        "readmission.gap",
                        BLOCKING,
                        f"{self.who} bị kết án về tội ít nghiêm trọng: chưa ghi ngày được xóa "
                        f"án tích, cần ít nhất {need} tháng kể từ ngày đó.",
                    )
                elif (months := full_months(expunged, day)) < need:
                    self.add(
                        "readmission.gap",
                        BLOCKING,
                        f"{self.who} được xóa án tích ngày {fmt(expunged)}, đến ngày "
                        f"{fmt(day)} mới {max(months, 0)} tháng, cần ít nhất {need} tháng.",
                    )
            else:
                months = full_months(left, day)
                if months < rs.readmission_gap_months:
                    self.add(
                        "readmission.gap",
                        BLOCKING,
                        f"{self.who} ra khỏi Đảng ngày {fmt(left)}, đến ngày {fmt(day)} mới "
                        f"{max(months, 0)} tháng, cần ít nhất {rs.readmission_gap_months} "
                        "tháng.",
                    )
        self.add(
            "readmission.consent",
            BLOCKING if d.decision else WARNING,
            f"Kết nạp lại {self.who} cần văn bản đồng ý của Ban Thường vụ Tỉnh ủy trước khi "
            "cấp ủy có thẩm quyền quyết định.",
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
