"""Congress terms and the targets a committee sets for them (chỉ tiêu nhiệm kỳ)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangvien.core.text import search_key
from dangvien.orgs.models import OrgUnit


class Metric(models.TextChoices):
    # Counts over the term.
    ADMITTED = "ADMITTED", _("New members admitted in the term")
    SOURCE_LIST = "SOURCE_LIST", _("Candidates on the source list")
    # Shares (%) on the day.
    CELL_COMMITTEES = "CELL_COMMITTEES", _("Locality cells with a cell committee (%)")
    OWN_CELL = "OWN_CELL", _("Hamlets, villages and residential groups with their own cell (%)")
    LOCAL_MEMBERS = "LOCAL_MEMBERS", _("Residential cells whose members mostly live locally (%)")
    HEADS_MEMBERS = "HEADS_MEMBERS", _("Hamlet, village and group heads who are members (%)")
    OFFICIALS_MEMBERS = (
        "OFFICIALS_MEMBERS",
        _("Commune police, team leaders, front and mass-organisation heads who are members (%)"),
    )


SHARES = (
    Metric.CELL_COMMITTEES,
    Metric.OWN_CELL,
    Metric.LOCAL_MEMBERS,
    Metric.HEADS_MEMBERS,
    Metric.OFFICIALS_MEMBERS,
)


class Term(models.Model):
    """A congress term of a committee, e.g. 2015–2020."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="terms", verbose_name=_("committee")
    )
    name = models.CharField(_("term"), max_length=60)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))

    class Meta:
        ordering = ["unit__path", "start"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="term_dates")
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.unit}"

    @property
    def span(self) -> str:
        """The name without a leading 'Nhiệm kỳ', for a sentence that says it already:
        'đầu nhiệm kỳ 2020–2025', never 'đầu nhiệm kỳ Nhiệm kỳ 2020–2025'."""
        words = self.name.split()
        if len(words) > 2 and search_key(" ".join(words[:2])) == "nhiem ky":
            return " ".join(words[2:])
        return self.name


class Target(models.Model):
    """One unit's target for one metric in a term (the committee's own, or a child's)."""

    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="targets", verbose_name=_("term")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="targets", verbose_name=_("unit")
    )
    metric = models.CharField(_("target"), max_length=24, choices=Metric.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=1)

    class Meta:
        ordering = ["term", "unit__path", "metric"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["term", "unit", "metric"], name="target_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()}: {self.value}"
