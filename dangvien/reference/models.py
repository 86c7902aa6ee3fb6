"""Official reference lists: ethnic groups, religions, CCCD province codes.

Loaded from the CSV files in `data/` by a data migration; never typed by users.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangvien.core.text import search_key


class ReferenceQuerySet(models.QuerySet):
    def match(self, text: str):
        """The entry whose name or alias matches `text`, accents and case ignored."""
        key = search_key(text).replace("-", " ")
        for entry in self.all():
            names = [entry.name, *filter(None, entry.aliases.split("|"))]
            if any(search_key(n).replace("-", " ") == key for n in names):
                return entry
        return None


class Ethnicity(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=64)
    aliases = models.CharField(_("other spellings"), max_length=255, blank=True)

    objects = ReferenceQuerySet.as_manager()

    KINH = "01"

    class Meta:
        ordering = ["code"]
        verbose_name = _("ethnic group")
        verbose_name_plural = _("ethnic groups")

    def __str__(self) -> str:
        return self.name

    @property
    def is_minority(self) -> bool:
        return self.code != self.KINH


class Religion(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=128)
    aliases = models.CharField(_("other spellings"), max_length=255, blank=True)

    objects = ReferenceQuerySet.as_manager()

    NONE = "00"

    class Meta:
        ordering = ["code"]
        verbose_name = _("religion")
        verbose_name_plural = _("religions")

    def __str__(self) -> str:
        return self.name


class ProvinceCode(models.Model):
    """Digits 1–3 of a CCCD: the province (or country) where the birth was registered."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    province = models.CharField(_("province"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("CCCD province code")
        verbose_name_plural = _("CCCD province codes")

    def __str__(self) -> str:
        return f"{self.code} {self.province}"
