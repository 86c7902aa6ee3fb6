"""Roles: a user holds a role on a unit; scope is the union of those units' subtrees."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangvien.orgs.models import OrgUnit


class Role(models.Model):
    class Kind(models.TextChoices):
        ADMIN = "ADMIN", _("System administrator")
        ORG_BOARD = "ORG_BOARD", _("Organisation-board officer")
        GRASSROOTS_OFFICER = "GRASSROOTS_OFFICER", _("Grassroots officer")
        CELL_SECRETARY = "CELL_SECRETARY", _("Cell secretary")
        LEADER = "LEADER", _("Leader")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="roles", verbose_name=_("unit")
    )
    personal_data = models.BooleanField(
        _("may see personal details"),
        default=False,
        help_text=_("For leaders: without it they see names only."),
    )
    # A role follows its unit: when a ward merges, the officer's role on the old ward ends
    # and one on the new ward begins (granted by an administrator).
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(
        _("until"), null=True, blank=True, help_text=_("First day the role no longer holds.")
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "unit"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()} – {self.unit}"

    def holds_on(self, day) -> bool:
        """Whether the role runs on `day` (no date: from, or until, always)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


class AuditQuerySet(models.QuerySet):
    """Append-only: no bulk update or delete through the ORM."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """Who did or read what, when, from where; with the values before and after.

    Append-only: save() refuses to change a stored entry, delete() refuses; on
    PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE (migrations 0002, 0004) and
    the application's own role holds no right to them (`dangvien grant-app-role`).
    Each entry is chained to the one before by a hash (`accounts/chain.py`), checked by
    `dangvien audit verify`. The one change allowed: erasure under retention, which
    replaces the values with a marker and keeps who, when, what action (and the chain).
    """

    class Action(models.TextChoices):
        CREATE = "CREATE", _("Created")
        UPDATE = "UPDATE", _("Changed")
        DELETE = "DELETE", _("Deleted")
        READ = "READ", _("Read a dossier or record")
        EXPORT = "EXPORT", _("Exported")
        DENIED = "DENIED", _("Denied")
        LOGIN = "LOGIN", _("Logged in")
        LOGIN_FAILED = "LOGIN_FAILED", _("Failed login")
        LOGOUT = "LOGOUT", _("Logged out")

    # Set before the insert (not auto_now_add): the hash covers it.
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Plain ids, no foreign keys: deleting a user or a person never touches the log.
    user_id = models.IntegerField(_("user id"), null=True, db_index=True)
    username = models.CharField(_("user"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, db_index=True)
    model = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record id"), max_length=40, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    person_id = models.IntegerField(_("person id"), null=True, blank=True, db_index=True)
    unit_path = models.CharField(_("unit"), max_length=400, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=400, blank=True)
    # The chain (accounts/chain.py): position, nonce and digest of the erasable values,
    # and the hash over this entry and its predecessor's hash.
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    nonce = models.CharField(max_length=32, blank=True, editable=False)
    payload_digest = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)
    erased = models.BooleanField(_("erased under retention"), default=False, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # The person page's history of changes: its last 50, newest first, without the
            # reads (`people.views.person_detail`), which grow with every visit.
            models.Index(
                "person_id",
                models.F("at").desc(),
                models.F("id").desc(),
                condition=~models.Q(action="READ"),
                name="audit_person_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for the fields that differ; none once erased."""
        if self.erased:
            return []
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
