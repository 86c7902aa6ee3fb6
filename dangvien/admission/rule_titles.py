"""What each rule id means, for people: a rule id is for code, its title for pages.

Every rule id that `dangvien.rules.checks` can report has a title here (a test reads the
ids from the rules package and fails on any without one).
"""

from django.utils.translation import gettext_lazy as _

TITLES = {
    "age.min": _("Minimum age"),
    "age.max": _("Maximum age"),
    "education.min": _("Minimum general education"),
    "course.valid": _("Party awareness course certificate"),
    "introducers.count": _("Number of introducers"),
    "introducers.tenure": _("Introducers' time working together"),
    "youth_union.required": _("Youth Union membership"),
    "verification.complete": _("Background verification"),
    "vote.cell": _("Cell vote (2/3 of full members)"),
    "vote.grassroots": _("Grassroots committee vote (2/3 of committee members)"),
    "vote.grassroots_referred": _("Three failed grassroots votes: referred to the superior"),
    "vote.confirmation": _("Cell vote on confirmation"),
    "sequence.order": _("Order of the steps"),
    "deadline.decision": _("Deadline for the admission decision"),
    "deadline.ceremony": _("Deadline for the admission ceremony"),
    "deadline.confirmation": _("Deadline for the confirmation review"),
    "deadline.confirmation_decision": _("Deadline for the confirmation decision"),
    "probation.length": _("Twelve months of probation"),
    "religion.believer": _("Religious believer"),
    "religion.clergy": _("Religious dignitary"),
    "business_owner.conditions": _("Private-business owner"),
    "readmission.review": _("Readmission"),
    "readmission.once": _("Readmission only once"),
    "readmission.forbidden": _("Exit reason excluding readmission"),
    "readmission.gap": _("Time since leaving the party"),
    "readmission.consent": _("Provincial standing committee's consent to readmission"),
    "age.listing": _("Age when listed on the source list"),
}

# The title of a rule id not listed yet: its area's, so a page never shows a bare id.
AREAS = {
    "age": _("Age"),
    "education": _("Education"),
    "course": _("Party awareness course"),
    "introducers": _("Introducers"),
    "youth_union": _("Youth Union membership"),
    "verification": _("Background verification"),
    "vote": _("Vote"),
    "sequence": _("Order of the steps"),
    "deadline": _("Deadline"),
    "probation": _("Probation"),
    "religion": _("Religious believer"),
    "business_owner": _("Private-business owner"),
    "readmission": _("Readmission"),
}

# A failed vote is answered by rejecting the admission (or striking off after
# probation), never by an exception: a vote cannot be overridden by an approval. Late
# decisions and reviews, and the listing age, are warnings that need no exception.
NOT_EXCEPTABLE = (
    "vote.cell",
    "vote.grassroots",
    "vote.grassroots_referred",
    "vote.confirmation",
    "deadline.decision",
    "deadline.confirmation",
    "deadline.confirmation_decision",
    "age.listing",
)


def title(rule: str) -> str:
    """The Vietnamese (active language) title of a rule id."""
    found = TITLES.get(rule) or AREAS.get(rule.split(".")[0])
    return str(found) if found else rule


def exception_choices() -> list[tuple[str, str]]:
    """(rule id, title) of the rules an approved exception may pass."""
    return [(r, str(t)) for r, t in TITLES.items() if r not in NOT_EXCEPTABLE]
