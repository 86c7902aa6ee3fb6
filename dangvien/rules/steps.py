"""Votes and deadlines of the pipeline's steps: 2/3 of the cell's full members or of the
grassroots committee's members; late decisions and reviews are warnings naming who
answers for them, a late ceremony waits for the superior committee's consent."""

import datetime as dt

from dangvien.core.civil import add_months

from .calendar import working_days_between
from .findings import BLOCKING, WARNING, CheckerBase, fmt
from .rulesets import RuleSet


def committee_vote_passes(rs: RuleSet, committee_members: int, in_favour: int) -> bool:
    """In favour ≥ 2/3 of the committee's members (8-KNĐ, 15-KNĐ)."""
    return in_favour * rs.vote_share_denominator >= committee_members * rs.vote_share_numerator


class StepChecks(CheckerBase):
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
