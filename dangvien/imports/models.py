"""An import as it goes: checked, previewed, written (or refused), and listed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    class Status(models.TextChoices):
        CHECKING = "CHECKING", _("Checking")
        INVALID = "INVALID", _("Errors found, nothing written")
        READY = "READY", _("Checked, waiting for confirmation")
        WRITING = "WRITING", _("Writing")
        DONE = "DONE", _("Written")
        FAILED = "FAILED", _("Failed or stopped, nothing written")
        CANCELLED = "CANCELLED", _("Cancelled")

    kind = models.CharField(_("data"), max_length=20)
    file_name = models.CharField(_("file"), max_length=255)
    stored = models.CharField(max_length=80, blank=True, editable=False)  # upload on disk
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    review = models.JSONField(_("rows to review"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)  # lines, at most 2,000
    problem_count = models.PositiveIntegerField(_("errors"), default=0)
    problems = models.JSONField(default=list, blank=True)  # the first 2,000
    scope_units = models.JSONField(null=True, blank=True)  # None: anywhere
    scope_localities = models.JSONField(null=True, blank=True)
    # Who is checking or writing it ("host:pid") and when it last said so: a run whose
    # process is gone, or silent past IMPORT_STALE_MINUTES, crashed (runs.reap_stale).
    worker = models.CharField(max_length=120, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The background task now checking or writing it (django_tasks_db's result id): the
    # page reads its state (queued, running, failed) while the run is busy.
    task_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.get_status_display()})"

    @property
    def busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.WRITING)
