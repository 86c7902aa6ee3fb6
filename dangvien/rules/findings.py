"""Findings, and what every group of checks shares: the dossier, the rule set, the
calendar's recorded days and where findings go (no Django)."""

import datetime as dt
from dataclasses import asdict, dataclass

from .calendar import Overrides, add_working_days
from .dossier import Dossier
from .rulesets import RuleSet

BLOCKING, WARNING = "blocking", "warning"


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


class CheckerBase:
    def __init__(self, dossier: Dossier, rs: RuleSet, overrides: Overrides | None = None):
        self.d, self.rs = dossier, rs
        self.overrides = overrides
        self.findings: list[Finding] = []
        # After the ceremony the person is a probationary member, not "quần chúng".
        self.who = dossier.person.member_label if dossier.ceremony else dossier.person.label
        # A set cites a guidance only from the guidance's own date: cite as of the step.
        self.day = dossier.latest_step()

    def add(self, rule: str, severity: str, message: str) -> None:
        # A message may open with the person's label ("quần chúng …"): a sentence starts
        # with a capital letter.
        message = message[:1].upper() + message[1:]
        self.findings.append(Finding(rule, severity, message, self.rs.cite(rule, self.day)))

    def due(self, start: dt.date, days: int) -> dt.date:
        return add_working_days(start, days, self.overrides)

    def judged_on(self) -> dt.date | None:
        """Eligibility is judged on the cell vote date (or `as_of` before the vote)."""
        return self.d.cell_vote.date if self.d.cell_vote else self.d.as_of
