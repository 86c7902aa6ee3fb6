"""Versions of the regulations, keyed by number and date (numbers are reused).

Every number a check uses lives here with its citation; code asks the set in force on
the date of the step being checked (`in_force_on`) or the one a user names (`get`).
"""

import datetime as dt
from dataclasses import dataclass, replace

D = dt.date


@dataclass(frozen=True)
class Document:
    """A regulation or guidance, keyed by number and date (numbers are reused)."""

    area: str  # charter, guidance, procedures, religion, business_owner
    kind: str  # "Quy định", "Hướng dẫn"
    number: str
    issued: dt.date
    in_force: dt.date | None = None  # when later than the date of issue

    @property
    def effective(self) -> dt.date:
        return self.in_force or self.issued

    def __str__(self) -> str:
        text = f"{self.kind} {self.number} ngày {self.issued:%d/%m/%Y}"
        if self.in_force:
            text += f" (hiệu lực từ {self.in_force:%d/%m/%Y})"
        return text


# Dates from DOMAIN.md ("Rule sets"), read from law portals quoting the texts; the ones
# re-checked with a search name their source. A document is cited only from its own date
# (or its later entry into force), so a regulation in force before its guidance is cited
# with the previous guidance meanwhile.
DOCUMENTS: list[Document] = [
    Document("charter", "Quy định", "45-QĐ/TW", D(2011, 11, 1)),
    Document("charter", "Quy định", "29-QĐ/TW", D(2016, 7, 25)),  # (tailieumienphi.vn)
    Document("charter", "Quy định", "24-QĐ/TW", D(2021, 7, 30)),
    # In force from its signature, 20/01/2025 (phamkietsonha.edu.vn, full text of 232).
    Document("charter", "Quy định", "232-QĐ/TW", D(2025, 1, 20)),
    # Signed 26/05/2025, in force 01/07/2025 (thads.moj.gov.vn, 04/06/2025).
    Document("charter", "Quy định", "294-QĐ/TW", D(2025, 5, 26), D(2025, 7, 1)),
    Document("guidance", "Hướng dẫn", "01-HD/TW", D(2012, 1, 5)),
    Document("guidance", "Hướng dẫn", "01-HD/TW", D(2016, 9, 20)),
    Document("guidance", "Hướng dẫn", "01-HD/TW", D(2021, 9, 28)),
    # 06-HD/TW of 09/06/2025 replaces 01-HD/TW (2021) (thoidai.com.vn, 18/06/2025).
    Document("guidance", "Hướng dẫn", "06-HD/TW", D(2025, 6, 9)),
    Document("procedures", "Hướng dẫn", "12-HD/BTCTW", D(2012, 5, 17)),
    Document("procedures", "Hướng dẫn", "09-HD/BTCTW", D(2017, 6, 5)),
    Document("procedures", "Hướng dẫn", "12-HD/BTCTW", D(2022, 1, 18)),
    Document("religion", "Quy định", "123-QĐ/TW", D(2004, 9, 28)),  # (thinhvuongvietnam.com)
    # 06-QĐ/TW of 28/08/2018 replaced 123-QĐ/TW (thinhvuongvietnam.com, Q&A on 06-QĐ/TW).
    Document("religion", "Quy định", "06-QĐ/TW", D(2018, 8, 28)),
    Document("business_owner", "Hướng dẫn", "08-HD/BTCTW", D(2021, 9, 27)),
]
AREAS = ("charter", "guidance", "procedures", "religion", "business_owner")


def document_on(area: str, day: dt.date) -> Document | None:
    """The document of `area` in force on `day` (the latest one effective by then)."""
    found = None
    for doc in DOCUMENTS:
        later = found is None or doc.effective >= found.effective
        if doc.area == area and doc.effective <= day and later:
            found = doc
    return found


@dataclass(frozen=True)
class RuleSet:
    id: str
    in_force_from: dt.date
    charter: str  # number of the regulation implementing the Party Charter
    # Readmission rules (29-QĐ/TW §3.5 and its successors): from the 2016 set on.
    readmission: bool = True
    # Numbers (DOMAIN.md, "Eligibility rules").
    age_min_years: int = 18
    age_max_years: int = 60  # "đủ 60 tuổi (tính theo tháng)": 60 years and 0 months
    youth_union_max_age: int = 30
    listing_min_age: int = 16  # Youth Union age: the youngest worth putting on the list
    course_validity_months: int = 60
    # The 2012 and 2016 guidance accepted "lower secondary or equivalent"; 2021 dropped it.
    education_accepts_equivalent: bool = True
    education_min_grade: int = 9  # of 12
    education_min_grade_difficult_area: int = 5  # primary school suffices
    introducers_required: int = 2
    introducer_tenure_months: int = 12
    # In favour ≥ 2/3 of the cell's full members (6-KNĐ, 13-KNĐ) or of the grassroots
    # committee's members (8-KNĐ, 15-KNĐ), never of those present.
    vote_share_numerator: int = 2
    vote_share_denominator: int = 3
    grassroots_failed_votes_to_superior: int = 3
    decision_working_days: int = 60
    decision_extension_working_days: int = 30
    ceremony_working_days: int = 30
    probation_months: int = 12
    confirmation_review_working_days: int = 30
    confirmation_decision_working_days: int = 30
    confirmation_extension_working_days: int = 30
    readmission_gap_months: int = 36
    readmission_gap_after_conviction_months: int = 60  # from the expungement
    # Transfers of party activity: within 30 working days of being introduced (the date
    # of the transfer letter) the member presents it to the receiving cell committee;
    # later, the member or organisation at fault reports why. 29-QĐ/TW (2016) §6.3.1.c
    # (thuvienphapluat.vn), 24-QĐ/TW (2021) §6.3.1 (luathongduc.com, 11/01/2022),
    # 294-QĐ/TW (2025) §6.3.1 (ngoisao.vn, 08/06/2025); 45-QĐ/TW not re-checked.
    transfer_receipt_working_days: int = 30
    until: dt.date | None = None  # the day before the next set, filled below

    @property
    def charter_document(self) -> Document:
        return next(d for d in DOCUMENTS if d.area == "charter" and d.number == self.charter)

    def window_day(self, day: dt.date | None) -> dt.date:
        """`day` brought inside this set's period (a user may check against another set)."""
        start = self.in_force_from
        if day is None or day < start:
            return start
        if self.until and day > self.until:
            return self.until
        return day

    def documents(self, day: dt.date | None = None) -> dict[str, Document]:
        """The documents this set cites on `day`: its regulation, and for each other area
        the document in force then."""
        on = self.window_day(day)
        docs = {"charter": self.charter_document}
        for area in AREAS[1:]:
            doc = document_on(area, on)
            if doc is not None:
                docs[area] = doc
        return docs

    def periods(self) -> list[tuple[dt.date, dict[str, Document]]]:
        """The set's documents as they change over its period (a guidance cited from its
        own date): [(from, documents)], for `rules list`."""
        starts = [self.in_force_from] + sorted(
            d.effective
            for d in DOCUMENTS
            if d.area != "charter"
            and self.in_force_from < d.effective
            and (self.until is None or d.effective <= self.until)
        )
        return [(day, self.documents(day)) for day in dict.fromkeys(starts)]

    @property
    def name(self) -> str:
        docs = self.documents(self.until or self.in_force_from)
        guidance = docs.get("guidance")
        return f"{self.charter_document}" + (f", {guidance}" if guidance else "")

    def cite(self, rule: str, day: dt.date | None = None) -> str:
        """The document(s) a rule comes from in this set, on the day checked."""
        docs = self.documents(day)
        area = rule.split(".")[0]
        charter, guidance = str(docs["charter"]), docs.get("guidance")
        with_guidance = f"{charter}; {guidance}" if guidance else charter
        if area == "religion":
            return str(docs["religion"])
        if area == "business_owner" and "business_owner" in docs:
            return str(docs["business_owner"])
        if area in ("deadline", "vote", "sequence", "probation"):
            return with_guidance
        if area == "readmission":
            return charter
        return f"{guidance} ({charter})" if guidance else charter


def _sets() -> list[RuleSet]:
    sets = [
        RuleSet(id="2012", in_force_from=D(2011, 11, 1), charter="45-QĐ/TW", readmission=False),
        RuleSet(id="2016", in_force_from=D(2016, 7, 25), charter="29-QĐ/TW"),
        RuleSet(
            id="2021",
            in_force_from=D(2021, 7, 30),
            charter="24-QĐ/TW",
            education_accepts_equivalent=False,
        ),
        RuleSet(
            id="2025",
            in_force_from=D(2025, 1, 20),
            charter="232-QĐ/TW",
            education_accepts_equivalent=False,
        ),
        RuleSet(
            id="2025-07",
            in_force_from=D(2025, 7, 1),
            charter="294-QĐ/TW",
            education_accepts_equivalent=False,
        ),
    ]
    out = []
    for rs, nxt in zip(sets, [*sets[1:], None], strict=True):
        until = nxt.in_force_from - dt.timedelta(days=1) if nxt else None
        out.append(replace(rs, until=until))
    return out


RULE_SETS: list[RuleSet] = _sets()
BY_ID = {rs.id: rs for rs in RULE_SETS}


class UnknownRuleSet(KeyError):
    pass


def get(rule_set_id: str) -> RuleSet:
    try:
        return BY_ID[rule_set_id]
    except KeyError:
        raise UnknownRuleSet(rule_set_id) from None


def in_force_on(day: dt.date) -> RuleSet:
    """The latest set in force on `day` (the earliest set for older days)."""
    current = RULE_SETS[0]
    for rs in RULE_SETS:
        if rs.in_force_from <= day:
            current = rs
    return current
