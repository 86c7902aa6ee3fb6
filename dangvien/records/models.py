"""The member register kept current: transfers of party activity, temporary activity
elsewhere, exits and their reversal, exemptions, party cards, badges, yearly ratings.

Each record is written only through `dangvien.records.services` (one function per action,
used alike by the pages, the JSON API and the imports); `Membership.exit_on`,
`Membership.card_number` and the stints stay the figures the reports count, kept in step
by those functions in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dangvien.membership.models import ExitReason, Membership
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person


class Transfer(models.Model):
    """A transfer of party activity (chuyển sinh hoạt đảng).

    Within the system the sending unit issues it (`issued_on`: the member's stint there
    ends that day) and the receiving unit records the arrival (`received_on`: a stint there
    begins); in between the member is in transit, counted in neither unit. Out of the
    system, the stint and the membership's presence here end on `issued_on`; in from
    outside, a stint begins on `received_on`.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "OFFICIAL", _("Within the system")
        OUT = "OUT", _("Out of the system")
        IN = "IN", _("In from outside the system")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("membership")
    )
    kind = models.CharField(_("kind of transfer"), max_length=12, choices=Kind.choices)
    from_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_out",
        verbose_name=_("sending unit"),
    )
    to_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_in",
        verbose_name=_("receiving unit"),
    )
    # Out of the system: where the member goes; in from outside: the body that sent them.
    outside_body = models.CharField(_("party body outside the system"), max_length=200, blank=True)
    document_number = models.CharField(_("transfer letter number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True, db_index=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_document = models.CharField(_("receipt number"), max_length=60, blank=True)
    # The cell the member joined on receipt: the one named (`to_unit`) or another cell of
    # the same grassroots organisation its officer chose.
    received_in = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_received",
        verbose_name=_("cell joined on receipt"),
    )
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_on", "pk"]
        verbose_name = _("transfer of party activity")
        verbose_name_plural = _("transfers of party activity")
        constraints = [
            models.CheckConstraint(
                condition=Q(received_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(received_on__gte=F("issued_on")),
                name="transfer_received_after_issued",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.membership.person}"


class TemporaryStay(models.Model):
    """Temporary party activity (sinh hoạt đảng tạm thời) elsewhere, for members studying
    or working away: still counted in their home unit, listed in the host unit as
    temporary."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="temporary_stays",
        verbose_name=_("membership"),
    )
    host_unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="temporary_members",
        verbose_name=_("host unit"),
    )
    host_body = models.CharField(
        _("host party body outside the system"), max_length=200, blank=True
    )
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("temporary party activity")
        verbose_name_plural = _("temporary party activity")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="stay_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} @ {self.host_unit or self.host_body}"


class ExitDecision(models.Model):
    """Why and by which decision a member left; `Membership.exit_on` mirrors the one not
    reversed. A mistaken exit is reversed with a reason, never deleted."""

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="exits", verbose_name=_("membership")
    )
    on = models.DateField(_("left on"))
    reason = models.CharField(_("reason for leaving"), max_length=24, choices=ExitReason.choices)
    document_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decided_by = models.CharField(_("deciding body"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    reversal_reason = models.TextField(_("reason for reversing"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        verbose_name = _("exit decision")
        verbose_name_plural = _("exit decisions")

    def __str__(self) -> str:
        return f"{self.membership.person}: {self.get_reason_display()}"


class Exemption(models.Model):
    """Exemption from party work and activity (miễn công tác và sinh hoạt đảng) for old
    or ill members; they remain members and are counted, with a column of their own."""

    class Reason(models.TextChoices):
        AGE = "AGE", _("Old age")
        ILLNESS = "ILLNESS", _("Illness")
        OTHER = "OTHER", _("Other")

    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="exemptions",
        verbose_name=_("membership"),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    start_on = models.DateField(_("from"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    document_number = models.CharField(_("decision number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("exemption from party work and activity")
        verbose_name_plural = _("exemptions from party work and activity")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="exemption_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.person}: {self.get_reason_display()}"


class PartyCard(models.Model):
    """A party card issued to a full member; a reissue (lost, damaged) ends the previous
    card and keeps it. `Membership.card_number` holds the latest card's number: the card
    in use, or after an exit the card it ended (see `records.cards`)."""

    class Reason(models.TextChoices):
        FIRST = "FIRST", _("First issue")
        LOST = "LOST", _("Reissued: lost")
        DAMAGED = "DAMAGED", _("Reissued: damaged")
        OTHER = "OTHER", _("Reissued: other reason")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="cards", verbose_name=_("membership")
    )
    number = models.CharField(_("party card number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    reason = models.CharField(
        _("reason"), max_length=12, choices=Reason.choices, default=Reason.FIRST
    )
    ended_on = models.DateField(_("no longer in use from"), null=True, blank=True)
    # The exit that ended the card (death, striking off, expulsion, asking to leave…);
    # reversing or voiding that exit puts the card back in use. Empty for a reissue.
    ended_by_exit = models.ForeignKey(
        ExitDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards_ended",
        verbose_name=_("ended by the exit"),
    )

    class Meta:
        ordering = ["issued_on", "pk"]
        verbose_name = _("party card")
        verbose_name_plural = _("party cards")

    def __str__(self) -> str:
        return self.number


class Badge(models.Model):
    """A party badge (Huy hiệu Đảng) for 30 … 90 years of party age, awarded once."""

    YEARS = (30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="badges", verbose_name=_("person")
    )
    years = models.PositiveSmallIntegerField(
        _("badge"), choices=[(y, format_lazy(_("{n}-year badge"), n=y)) for y in YEARS]
    )
    awarded_on = models.DateField(_("awarded on"))
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["years"]
        verbose_name = _("party badge")
        verbose_name_plural = _("party badges")
        constraints = [models.UniqueConstraint(fields=["person", "years"], name="badge_once")]

    def __str__(self) -> str:
        return f"{self.person}: {self.years}"


class QualityRating(models.Model):
    """The yearly quality rating of a member (đánh giá, xếp loại chất lượng đảng viên),
    entered by the cell the member belonged to that year."""

    class Grade(models.TextChoices):
        EXCELLENT = "EXCELLENT", _("Outstandingly completed duties")
        GOOD = "GOOD", _("Well completed duties")
        COMPLETED = "COMPLETED", _("Completed duties")
        NOT_COMPLETED = "NOT_COMPLETED", _("Did not complete duties")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("membership")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("rating"), max_length=16, choices=Grade.choices)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("cell")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("yearly quality rating")
        verbose_name_plural = _("yearly quality ratings")
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"], name="rating_once_a_year")
        ]
        indexes = [models.Index(fields=["unit", "year"], name="rating_unit_year")]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.year}: {self.get_grade_display()}"


class OutOfContact(models.Model):
    """A period within a membership when the member was out of contact with the party
    organisation (mất liên lạc với tổ chức đảng): not counted in party age (Quy định
    24-QĐ/TW, 30/07/2021, điểm 4.5.1). [start_on, end_on): `end_on` is the day contact
    was restored; empty while the member is still out of contact."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="out_of_contact",
        verbose_name=_("membership"),
    )
    start_on = models.DateField(_("out of contact from"))
    end_on = models.DateField(_("contact restored on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_on", "pk"]
        verbose_name = _("period out of contact")
        verbose_name_plural = _("periods out of contact")

    def __str__(self) -> str:
        end = f"{self.end_on:%d/%m/%Y}" if self.end_on else ""
        return f"{self.membership.person}: {self.start_on:%d/%m/%Y}–{end}"


# The records about a membership (each has `membership`), for the audit's subject.
MEMBER_RECORDS = (
    Transfer,
    TemporaryStay,
    ExitDecision,
    Exemption,
    PartyCard,
    QualityRating,
    OutOfContact,
)
