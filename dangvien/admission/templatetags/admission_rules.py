from django import template

from dangvien.admission.rule_titles import NOT_EXCEPTABLE, title

register = template.Library()


@register.filter
def rule_title(rule: str) -> str:
    """`{{ f.rule|rule_title }}`: the rule's title in the page's language."""
    return title(rule)


@register.filter
def vote_failed(findings) -> bool:
    """Whether a blocking finding is a failed vote (answered by rejection, not exception)."""
    return any(f.rule in NOT_EXCEPTABLE for f in findings)
