"""Roles: a user holds a role on a unit; scope is the union of those units' subtrees."""

from django.conf import settings
from django.db import models
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

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "unit"], name="role_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()} – {self.unit}"
