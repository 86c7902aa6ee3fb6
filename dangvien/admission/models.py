"""Candidates on the source list and the dated events of their admission dossier.

The events are the record; `Candidate.stage` caches the stage the latest event put the
candidate in, so the pipeline board is one indexed query. Only `services.record()`
writes events and stages (with an optimistic version check).
"""

import datetime as dt
import time

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangvien.membership.models import Membership
from dangvien.orgs.models import OrgUnit
from dangvien.people.models import Person


class Stage(models.TextChoices):
    LISTED = "LISTED", _("Listed")
    COURSE_DONE = "COURSE_DONE", _("Course done")
    APPLIED = "APPLIED", _("Applied")
    VERIFYING = "VERIFYING", _("Verifying background")
    INTRODUCED = "INTRODUCED", _("Introduced")
    COMMENTED = "COMMENTED", _("Residence comments")
    CELL_VOTED = "CELL_VOTED", _("Cell voted")
    SUB_COMMITTEE = "SUB_COMMITTEE", _("Sub-committee appraised")
    GRASSROOTS_VOTED = "GRASSROOTS_VOTED", _("Grassroots committee voted")
    DECIDED = "DECIDED", _("Admission decided")
    # No longer reached: the ceremony puts a dossier on probation (`services.STAGE_AFTER`;
    # migration 0004 moved the dossiers that stood here). Kept for its place in `ORDER`.
    CEREMONY_HELD = "CEREMONY_HELD", _("Ceremony held")
    PROBATION = "PROBATION", _("On probation")
    CONFIRMED = "CONFIRMED", _("Confirmed as full member")
    CARD_ISSUED = "CARD_ISSUED", _("Party card issued")
    WITHDRAWN = "WITHDRAWN", _("Withdrawn")
    REJECTED = "REJECTED", _("Rejected")
    STRUCK_OFF = "STRUCK_OFF", _("Struck off")


ORDER = list(Stage)
# The stages a dossier can stand in, as the board and the stage filter offer them.
SHOWN = [s for s in ORDER if s != Stage.CEREMONY_HELD]
EXITS = (Stage.WITHDRAWN, Stage.REJECTED, Stage.STRUCK_OFF)
CLOSED = (*EXITS, Stage.CARD_ISSUED)
# Open dossiers of people already admitted: followed to confirmation and the party card.
ADMITTED = (Stage.CEREMONY_HELD, Stage.PROBATION, Stage.CONFIRMED)


class Tag(models.TextChoices):
    ETHNIC_MINORITY = "ETHNIC_MINORITY", _("Ethnic minority")
    YOUTH_UNION = "YOUTH_UNION", _("Youth Union member")
    ENLISTING = "ENLISTING", _("About to enlist")
    WOMAN = "WOMAN", _("Woman")
    GRASSROOTS_OFFICIAL = "GRASSROOTS_OFFICIAL", _("Grassroots official")
    MILITIA = "MILITIA", _("Militia")
    COMMUNE_POLICE = "COMMUNE_POLICE", _("Commune police")
    DISCHARGED_SOLDIER = "DISCHARGED_SOLDIER", _("Discharged soldier")
    TEACHER = "TEACHER", _("Teacher")
    HEALTH_WORKER = "HEALTH_WORKER", _("Health worker")
    LOCALITY_HEAD = "LOCALITY_HEAD", _("Hamlet or residential-group head")
    RELIGIOUS = "RELIGIOUS", _("Religious believer")
    PRIVATE_ENTERPRISE = "PRIVATE_ENTERPRISE", _("Private-enterprise worker")
    BUSINESS_OWNER = "BUSINESS_OWNER", _("Business owner")


# The priority groups that tell a personal detail (sex, ethnicity, religion): a role that
# shows names only sees them neither on a candidate nor as a filter (README: "names only").
PERSONAL_TAGS = frozenset({Tag.WOMAN, Tag.ETHNIC_MINORITY, Tag.RELIGIOUS})


def personal_tag_refused(tag: str) -> str:
    """Why a role that shows names only may not filter by the group `tag` (the pages and
    the API say the same)."""
    return gettext(
        "Your role shows names only: filtering by the priority group “%(group)s” "
        "needs the personal-data grant."
    ) % {"group": Tag(tag).label}


def tags_shown(tags, personal: bool) -> list:
    """A candidate's tags (`CandidateTag` rows) that may be shown: all of them with
    `personal`, else those that tell no personal detail."""
    return [t for t in tags if personal or t.tag not in PERSONAL_TAGS]


class CandidateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Candidates of cells in the user's scope."""
        from dangvien.accounts.scoping import scope_filter

        q = scope_filter(user, "cell__path")
        return self if q is None else self.filter(q)

    def editable_by(self, user):
        """Candidates the user may change: in scope, and not as a read-only leader."""
        from dangvien.accounts.models import Role
        from dangvien.accounts.scoping import is_unrestricted, prefix_q, roles_for

        if is_unrestricted(user):
            return self
        paths = list(
            roles_for(user, False)
            .exclude(kind=Role.Kind.LEADER)
            .values_list("unit__path", flat=True)
        )
        return self.filter(prefix_q("cell__path", paths))

    def active(self):
        return self.exclude(stage__in=CLOSED)

    def not_yet_admitted(self):
        """Open dossiers before the ceremony: the "quần chúng" in the pipeline."""
        return self.exclude(stage__in=(*CLOSED, *ADMITTED))

    def admitted_open(self):
        """Open dossiers after the ceremony: new members on probation or awaiting the card."""
        return self.filter(stage__in=ADMITTED)

    def tagged(self, tag: str):
        return self.filter(Exists(CandidateTag.objects.filter(candidate=OuterRef("pk"), tag=tag)))


class Candidate(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="candidacies", verbose_name=_("person")
    )
    cell = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("cell")
    )
    listed_on = models.DateField(_("listed on"))
    helper = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="helping",
        verbose_name=_("helper"),
    )
    difficult_area = models.BooleanField(
        _("difficult or ethnic-minority area"),
        default=False,
        help_text=_("Primary school then suffices (education rule)."),
    )
    youth_union_exists = models.BooleanField(
        _("a Youth Union exists where they work"), default=True
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.LISTED, db_index=True
    )
    stage_since = models.DateField(_("in this stage since"))
    membership = models.OneToOneField(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacy",
        verbose_name=_("membership"),
    )
    # Optimistic concurrency: a transition updates only the version it read.
    version = models.PositiveIntegerField(default=0, editable=False)

    objects = CandidateQuerySet.as_manager()
    # Set by `services.list_candidate`: warnings to show at once (rules.checks.Finding).
    listing_warnings: list

    class Meta:
        ordering = ["person__sort_name"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        indexes = [
            # The pipeline board: candidates of a subtree grouped by stage.
            models.Index(fields=["cell", "stage"], name="candidate_cell_stage"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED


class CandidateTag(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("priority group"), max_length=24, choices=Tag.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "tag"], name="candidate_tag_unique")
        ]

    def __str__(self) -> str:
        return self.get_tag_display()


class LiveEventManager(models.Manager):
    """Steps not voided: what every stage, deadline, check, report and document reads."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_at__isnull=True)


class AllEventsManager(models.Manager):
    """Every step, voided ones included."""


class Event(models.Model):
    """One dated step of a dossier, with its document (form) and number.

    `objects` (the default manager, so `candidate.events` too) leaves voided steps out;
    `all_objects` keeps them, for the dossier page that shows them struck through, the
    audit and the retention jobs."""

    class Kind(models.TextChoices):
        LISTED = "LISTED", _("Put on the source list")
        HELPER_ASSIGNED = "HELPER_ASSIGNED", _("Helper assigned")
        COURSE_CERTIFICATE = "COURSE_CERTIFICATE", _("Party awareness course certificate")
        APPLICATION = "APPLICATION", _("Application (1-KNĐ)")
        DECLARATION = "DECLARATION", _("Background declaration (2-KNĐ)")
        VERIFICATION_REQUEST = "VERIFICATION_REQUEST", _("Verification request sent")
        VERIFICATION_ANSWER = "VERIFICATION_ANSWER", _("Verification answer received")
        INTRODUCTION = "INTRODUCTION", _("Introduction by a full member (3-KNĐ)")
        YOUTH_UNION_RESOLUTION = (
            "YOUTH_UNION_RESOLUTION",
            _("Youth Union resolution introducing (4-KNĐ)"),
        )
        RESIDENCE_COMMENT = "RESIDENCE_COMMENT", _("Comments of the residence (5-KNĐ)")
        CELL_VOTE = "CELL_VOTE", _("Cell resolution proposing admission (6-KNĐ)")
        SUB_COMMITTEE_APPRAISAL = "SUB_COMMITTEE_APPRAISAL", _("Sub-committee appraisal (7-KNĐ)")
        GRASSROOTS_VOTE = "GRASSROOTS_VOTE", _("Grassroots committee resolution (8-KNĐ)")
        DECISION = "DECISION", _("Admission decision (9-KNĐ)")
        CEREMONY = "CEREMONY", _("Admission ceremony held")
        SELF_REVIEW = "SELF_REVIEW", _("Self-review after probation (10-KNĐ)")
        HELPER_COMMENT = "HELPER_COMMENT", _("Helper's comments (11-KNĐ)")
        CONFIRMATION_RESIDENCE = (
            "CONFIRMATION_RESIDENCE",
            _("Comments of the residence on probation (12-KNĐ)"),
        )
        CONFIRMATION_CELL_VOTE = (
            "CONFIRMATION_CELL_VOTE",
            _("Cell resolution proposing confirmation (13-KNĐ)"),
        )
        CONFIRMATION_SUB_COMMITTEE = (
            "CONFIRMATION_SUB_COMMITTEE",
            _("Sub-committee appraisal for confirmation (14-KNĐ)"),
        )
        CONFIRMATION_GRASSROOTS_VOTE = (
            "CONFIRMATION_GRASSROOTS_VOTE",
            _("Grassroots resolution proposing confirmation (15-KNĐ)"),
        )
        CONFIRMATION_DECISION = (
            "CONFIRMATION_DECISION",
            _("Decision confirming full membership (16-KNĐ)"),
        )
        CARD_ISSUED = "CARD_ISSUED", _("Party card handed over")
        EXCEPTION = "EXCEPTION", _("Exception approved")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn from the list")
        REJECTED = "REJECTED", _("Admission rejected")
        STRUCK_OFF = "STRUCK_OFF", _("Struck off after probation")

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="events", verbose_name=_("candidate")
    )
    kind = models.CharField(_("step"), max_length=32, choices=Kind.choices)
    date = models.DateField(_("date"))
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Votes: of the cell's full members (6-KNĐ, 13-KNĐ) …
    full_members = models.PositiveIntegerField(_("full members of the cell"), null=True, blank=True)
    # … or of the committee's members: the grassroots committee (8-KNĐ, 15-KNĐ), the Youth
    # Union committee (4-KNĐ).
    committee_members = models.PositiveIntegerField(_("committee members"), null=True, blank=True)
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    in_favour = models.PositiveIntegerField(_("in favour"), null=True, blank=True)
    # Introductions and helpers.
    introducer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="introductions",
        verbose_name=_("introducer / helper"),
    )
    worked_together_since = models.DateField(
        _("worked, studied or lived together since"), null=True, blank=True
    )
    # Verification: whose background (the applicant, a parent, the spouse, …).
    subject = models.CharField(_("person verified"), max_length=120, blank=True)
    # Decisions.
    received_on = models.DateField(_("received on"), null=True, blank=True)
    extended = models.BooleanField(_("deadline extended once"), default=False)
    card_number = models.CharField(_("party card number"), max_length=20, blank=True)
    # Exceptions to a rule.
    rule = models.CharField(_("rule"), max_length=40, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=120, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # A step recorded by mistake is voided, never deleted: kept (struck through on the
    # dossier) and out of every stage, deadline and check.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True)

    # Declared first: the default manager, used by related managers (`candidate.events`)
    # and prefetches. The base manager stays Django's plain one (saves reach every row).
    objects = LiveEventManager()
    all_objects = AllEventsManager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        indexes = [models.Index(fields=["candidate", "kind"], name="event_candidate_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}"


_OVERRIDES: dict[str, tuple[float, dict[dt.date, bool]]] = {}
OVERRIDES_TTL = 60.0  # seconds: another worker process sees a change within a minute


class CalendarDay(models.Model):
    """A one-off day off or worked day the government announced and the holiday package
    does not know yet; the working-day arithmetic honours it."""

    class Kind(models.TextChoices):
        OFF = "OFF", _("Day off")
        WORKED = "WORKED", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _OVERRIDES.clear()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _OVERRIDES.clear()
        return result

    @classmethod
    def overrides(cls) -> dict[dt.date, bool]:
        """{date: True if worked, False if off}, for `rules.calendar` (one query a minute:
        the board asks it once per candidate)."""
        hit = _OVERRIDES.get("all")
        now = time.monotonic()
        if hit and now - hit[0] < OVERRIDES_TTL:
            return hit[1]
        data = {
            day: kind == cls.Kind.WORKED for day, kind in cls.objects.values_list("date", "kind")
        }
        _OVERRIDES["all"] = (now, data)
        return data

    @classmethod
    def overrides_if_any(cls) -> tuple[dict[dt.date, bool], bool]:
        """For the command line, which also runs with no database yet: (overrides,
        whether they could be read)."""
        from django.db import DatabaseError

        try:
            return cls.overrides(), True
        except DatabaseError:
            return {}, False

    @staticmethod
    def forget() -> None:
        """Drop the cached overrides (tests roll back rows without a signal)."""
        _OVERRIDES.clear()
