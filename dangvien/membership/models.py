"""Memberships (one per admission; a readmitted person has two), stints in units, exits.

Definitions (DOMAIN.md): a person is a member on day D when the ceremony date ≤ D and
they have not left by D (exit_on > D or no exit). Admissions in a period are counted by
the admission decision date. Status is derived from dates, never stored twice: full from
`confirmed_on` (the exact end of the 12 months of probation), probationary before.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person


class Status(models.TextChoices):
    PROBATIONARY = "PROBATIONARY", _("Probationary member")
    FULL = "FULL", _("Full member")
    LEFT = "LEFT", _("Left the party")
    NOT_YET = "NOT_YET", _("Not yet admitted")


class ExitReason(models.TextChoices):
    """Why a member left; fine enough for the readmission rules (29-QĐ/TW §3.5.2 and
    successors exclude abandoning activity, asking to leave except for special family
    hardship, serious disunity, a corruption conviction and a serious crime or worse)."""

    DEATH = "DEATH", _("Died")
    TRANSFER_OUT = "TRANSFER_OUT", _("Transferred out of the system")
    STRUCK_OFF = "STRUCK_OFF", _("Struck off")
    ABANDONED = "ABANDONED", _("Struck off for abandoning party activity")
    EXPELLED = "EXPELLED", _("Expelled")
    DISUNITY = "DISUNITY", _("Expelled for causing serious disunity")
    CORRUPTION = "CORRUPTION", _("Convicted of corruption")
    SERIOUS_CRIME = "SERIOUS_CRIME", _("Convicted of a serious crime or worse")
    LESS_SERIOUS_CRIME = "LESS_SERIOUS_CRIME", _("Convicted of a less serious crime")
    RESIGNED = "RESIGNED", _("Resigned from the party")
    RESIGNED_HARDSHIP = (
        "RESIGNED_HARDSHIP",
        _("Resigned from the party for special family hardship"),
    )


class MembershipQuerySet(models.QuerySet):
    def on(self, day: dt.date):
        """Members on `day`: ceremony held by then and not yet left."""
        return self.filter(member_on_q(day))

    def admitted_between(self, start: dt.date, end: dt.date):
        """Admissions in [start, end], by admission decision date."""
        return self.filter(decision_on__gte=start, decision_on__lte=end)

    def visible_to(self, user):
        return self.filter(person__in=Person.objects.visible_to(user))


def member_on_q(day: dt.date, prefix: str = "") -> Q:
    """Q for 'member on day', usable from any model that reaches Membership via `prefix`."""
    return Q(**{f"{prefix}ceremony_on__lte": day}) & (
        Q(**{f"{prefix}exit_on__isnull": True}) | Q(**{f"{prefix}exit_on__gt": day})
    )


def full_on_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}confirmed_on__lte": day})


class Membership(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    # Indexed: the development report starts from the period's decisions and
    # confirmations, not from every admission of the subtree.
    decision_on = models.DateField(_("admission decision date"), db_index=True)
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    ceremony_on = models.DateField(_("admission ceremony date"), db_index=True)
    confirmed_on = models.DateField(
        _("full member since"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The exact end of the 12 months of probation, once confirmed."),
    )
    card_number = models.CharField(
        _("party card number"), max_length=20, null=True, blank=True, unique=True
    )
    exit_on = models.DateField(_("left on"), null=True, blank=True, db_index=True)
    exit_reason = models.CharField(
        _("reason for leaving"), max_length=24, choices=ExitReason.choices, blank=True
    )
    # Readmission after a less serious conviction counts 60 months from this day.
    conviction_expunged_on = models.DateField(_("conviction expunged on"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["ceremony_on"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision_on__lte=models.F("ceremony_on")),
                name="membership_decision_before_ceremony",
            ),
            models.CheckConstraint(
                condition=Q(exit_on__isnull=True) | Q(exit_on__gte=models.F("ceremony_on")),
                name="membership_exit_after_ceremony",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.ceremony_on:%d/%m/%Y})"

    def status_on(self, day: dt.date) -> Status:
        if self.ceremony_on > day:
            return Status.NOT_YET
        if self.exit_on and self.exit_on <= day:
            return Status.LEFT
        if self.confirmed_on and self.confirmed_on <= day:
            return Status.FULL
        return Status.PROBATIONARY

    def status_changes(self) -> list[tuple[dt.date, str]]:
        """Dated status history: admitted, confirmed, left."""
        changes = [(self.ceremony_on, str(Status.PROBATIONARY.label))]
        if self.confirmed_on:
            changes.append((self.confirmed_on, str(Status.FULL.label)))
        if self.exit_on:
            changes.append((self.exit_on, f"{Status.LEFT.label}: {self.get_exit_reason_display()}"))
        return changes


class StintQuerySet(models.QuerySet):
    def on(self, day: dt.date):
        """Stints running on `day` (start ≤ day < end)."""
        return self.filter(Q(end_on__isnull=True) | Q(end_on__gt=day), start_on__lte=day)

    def members_on(self, day: dt.date):
        """Stints of people who are members on `day`, one per member."""
        return self.on(day).filter(member_on_q(day, "membership__"))

    def in_subtree(self, unit: OrgUnit):
        return self.filter(unit__path__startswith=unit.path)


class Stint(models.Model):
    """A period of party activity in one unit (from the start date, until end_on)."""

    class ReasonIn(models.TextChoices):
        ADMITTED = "ADMITTED", _("Admitted")
        TRANSFER_IN = "TRANSFER_IN", _("Transferred in from outside")
        TRANSFER = "TRANSFER", _("Transferred within the system")
        REORGANISED = "REORGANISED", _("Unit reorganised")
        EXISTING = "EXISTING", _("Recorded when the system started")

    class ReasonOut(models.TextChoices):
        TRANSFER = "TRANSFER", _("Transferred within the system")
        REORGANISED = "REORGANISED", _("Unit reorganised")
        EXIT = "EXIT", _("Left the party")

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="stints", verbose_name=_("membership")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="stints", verbose_name=_("unit")
    )
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    reason_in = models.CharField(_("reason in"), max_length=16, choices=ReasonIn.choices)
    reason_out = models.CharField(
        _("reason out"), max_length=16, choices=ReasonOut.choices, blank=True
    )

    objects = StintQuerySet.as_manager()

    class Meta:
        ordering = ["start_on"]
        verbose_name = _("stint in a unit")
        verbose_name_plural = _("stints in units")
        indexes = [
            # Reports: stints of a subtree running on a date.
            models.Index(fields=["unit", "start_on", "end_on"], name="stint_unit_dates"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="stint_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} @ {self.unit}"
