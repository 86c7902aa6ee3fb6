"""Versions of the regulations, keyed by number and date (numbers are reused).

Every number a check uses lives here with its citation; code asks the set in force on
the date of the step being checked (`in_force_on`) or the one a user names (`get`).
"""

import datetime as dt
from dataclasses import dataclass, field

D = dt.date


@dataclass(frozen=True)
class RuleSet:
    id: str
    name: str
    in_force_from: dt.date
    charter: str  # regulation implementing the Party Charter
    guidance: str  # Secretariat guidance
    procedures: str  # Organisation Commission procedures and forms
    religion: str  # regulation on admitting religious believers
    business_owner: str | None = None  # guidance on private-business owners
    readmission: bool = False  # readmission rules exist from 2025
    # Numbers (DOMAIN.md, "Eligibility rules").
    age_min_years: int = 18
    age_max_years: int = 60
    youth_union_max_age: int = 30
    course_validity_months: int = 60
    # The 2012 and 2016 guidance accepted "lower secondary or equivalent"; 2021 dropped it.
    education_accepts_equivalent: bool = True
    education_min_grade: int = 9  # of 12
    education_min_grade_difficult_area: int = 5  # primary school suffices
    introducers_required: int = 2
    introducer_tenure_months: int = 12
    vote_share_numerator: int = 2  # in favour ≥ 2/3 of the cell's full members
    vote_share_denominator: int = 3
    decision_working_days: int = 60
    decision_extension_working_days: int = 30
    ceremony_working_days: int = 30
    probation_months: int = 12
    confirmation_review_working_days: int = 30
    confirmation_decision_working_days: int = 30
    confirmation_extension_working_days: int = 30
    readmission_gap_months: int = 36
    citations: dict[str, str] = field(default_factory=dict)

    def cite(self, rule: str) -> str:
        """The document a rule comes from in this set."""
        area = rule.split(".")[0]
        if area == "religion":
            return self.religion
        if area == "business_owner" and self.business_owner:
            return self.business_owner
        if area == "deadline" or area == "vote":
            return f"{self.charter}; {self.guidance}"
        if area == "readmission":
            return self.charter
        return f"{self.guidance} ({self.charter})"


RULE_SETS: list[RuleSet] = [
    RuleSet(
        id="2012",
        name="Quy định 45-QĐ/TW (01/11/2011), Hướng dẫn 01-HD/TW (05/01/2012)",
        in_force_from=D(2011, 11, 1),
        charter="Quy định 45-QĐ/TW ngày 01/11/2011",
        guidance="Hướng dẫn 01-HD/TW ngày 05/01/2012",
        procedures="Hướng dẫn 12-HD/BTCTW ngày 17/05/2012",
        religion="Quy định 123-QĐ/TW năm 2004",
    ),
    RuleSet(
        id="2016",
        name="Quy định 29-QĐ/TW (25/07/2016), Hướng dẫn 01-HD/TW (20/09/2016)",
        in_force_from=D(2016, 7, 25),
        charter="Quy định 29-QĐ/TW ngày 25/07/2016",
        guidance="Hướng dẫn 01-HD/TW ngày 20/09/2016",
        procedures="Hướng dẫn 09-HD/BTCTW ngày 05/06/2017",
        religion="Quy định 123-QĐ/TW năm 2004",
    ),
    RuleSet(
        id="2018",
        name="Quy định 29-QĐ/TW (2016) với Quy định 06-QĐ/TW (2018) về người có đạo",
        in_force_from=D(2018, 2, 2),
        charter="Quy định 29-QĐ/TW ngày 25/07/2016",
        guidance="Hướng dẫn 01-HD/TW ngày 20/09/2016",
        procedures="Hướng dẫn 09-HD/BTCTW ngày 05/06/2017",
        religion="Quy định 06-QĐ/TW năm 2018",
    ),
    RuleSet(
        id="2021",
        name="Quy định 24-QĐ/TW (30/07/2021), Hướng dẫn 01-HD/TW (28/09/2021), "
        "12-HD/BTCTW (18/01/2022)",
        in_force_from=D(2021, 7, 30),
        charter="Quy định 24-QĐ/TW ngày 30/07/2021",
        guidance="Hướng dẫn 01-HD/TW ngày 28/09/2021",
        procedures="Hướng dẫn 12-HD/BTCTW ngày 18/01/2022",
        religion="Quy định 06-QĐ/TW năm 2018",
        business_owner="Hướng dẫn 08-HD/BTCTW ngày 27/09/2021",
        education_accepts_equivalent=False,
    ),
    RuleSet(
        id="2025",
        name="Quy định 232-QĐ/TW (20/01/2025), Quy định 294-QĐ/TW (26/05/2025, hiệu lực "
        "01/07/2025)",
        in_force_from=D(2025, 1, 20),
        charter="Quy định 232-QĐ/TW ngày 20/01/2025; Quy định 294-QĐ/TW ngày 26/05/2025",
        guidance="Hướng dẫn 01-HD/TW ngày 28/09/2021",
        procedures="Hướng dẫn 12-HD/BTCTW ngày 18/01/2022",
        religion="Quy định 06-QĐ/TW năm 2018",
        business_owner="Hướng dẫn 08-HD/BTCTW ngày 27/09/2021",
        education_accepts_equivalent=False,
        readmission=True,
    ),
]
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
