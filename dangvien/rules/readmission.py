"""Readmission of a former member (kết nạp lại): 29-QĐ/TW §3.5 and its successors."""

from dangvien.core.civil import full_months

from .findings import BLOCKING, WARNING, CheckerBase, fmt

# Exit reasons (membership.ExitReason values, lower case) after which a former member is
# never readmitted: 29-QĐ/TW §3.5.2, kept by 24-QĐ/TW and 294-QĐ/TW §3.5.2.
READMISSION_FORBIDDEN = {
    "abandoned": "tự bỏ sinh hoạt đảng",
    "resigned": "làm đơn xin ra khỏi Đảng (không vì gia đình đặc biệt khó khăn)",
    "disunity": "gây mất đoàn kết nội bộ nghiêm trọng",
    "corruption": "bị kết án về tội tham nhũng",
    "serious_crime": "bị kết án về tội nghiêm trọng trở lên",
}
# 60 months from the expungement instead of 36 from leaving.
LESS_SERIOUS_CRIME = "less_serious_crime"


class ReadmissionChecks(CheckerBase):
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
