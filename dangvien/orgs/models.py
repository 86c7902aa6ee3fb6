"""The party organisation tree and the map of localities, both effective-dated.

Nothing here is ever deleted: a unit or locality closes on a date (`valid_to`, the
first day it no longer exists) and names its successors. Subtrees use a materialised
path of codes, so "everything under X" is one indexed prefix query, for any date.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EffectiveQuerySet(models.QuerySet):
    def on(self, day: dt.date):
        """Rows that exist on `day`."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)

    def subtree(self, root, on: dt.date | None = None, include_root: bool = True):
        """`root` and everything under it (on a date, if given)."""
        qs = self.filter(path__startswith=root.path)
        if not include_root:
            qs = qs.exclude(pk=root.pk)
        return qs.on(on) if on else qs


class OrgUnitQuerySet(EffectiveQuerySet):
    def visible_to(self, user, personal: bool = False):
        """Units in the user's scope: the subtrees of the units they hold roles on (with
        `personal`, those where they may see personal details)."""
        from dangvien.accounts.scoping import scope_filter

        q = scope_filter(user, "path", personal)
        return self if q is None else self.filter(q)


class LocalityQuerySet(EffectiveQuerySet):
    def visible_to(self, user):
        """Localities under the communes, wards or city that the user's units lead."""
        from dangvien.accounts.scoping import locality_paths, prefix_q

        paths = locality_paths(user)
        return self if paths is None else self.filter(prefix_q("path", paths))


class EffectiveDated(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # Materialised path "PLEIKU/HOALU/HOALU-TDP1/": subtree = path prefix.
    # Index used by subtree(), visible_to() and every report's unit filter.
    path = models.CharField(max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("closed on"), null=True, blank=True, help_text=_("First day it no longer exists.")
    )

    class Meta:
        abstract = True
        indexes = [
            # PostgreSQL needs the pattern opclass for `path LIKE 'X/%'` to use an index.
            models.Index(
                fields=["path"],
                name="%(app_label)s_%(class)s_path_like",
                opclasses=["varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 1
        super().save(*args, **kwargs)

    def keep_search_name(self, kwargs: dict) -> dict:
        """Set the accent-free `search_name` the pickers compare from `name` (in the
        subclasses that have one), saved with it when only some fields are saved."""
        from dangvien.core.text import search_key

        self.search_name = search_key(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs = {**kwargs, "update_fields": {*fields, "search_name"}}
        return kwargs

    def compute_path(self) -> str:
        parent = getattr(self, "parent", None)
        return (parent.path if parent else "") + self.code + "/"

    def exists_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to > day)

    def ancestors(self):
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {o.code: o for o in type(self).objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class Locality(EffectiveDated):
    class Kind(models.TextChoices):
        PROVINCE = "PROVINCE", _("Province")
        DISTRICT = "DISTRICT", _("District")
        CITY = "CITY", _("City")
        COMMUNE = "COMMUNE", _("Commune")
        WARD = "WARD", _("Ward")
        HAMLET = "HAMLET", _("Hamlet")
        VILLAGE = "VILLAGE", _("Village")
        RESIDENTIAL_GROUP = "RESIDENTIAL_GROUP", _("Residential group")

    BASE_KINDS = (Kind.HAMLET, Kind.VILLAGE, Kind.RESIDENTIAL_GROUP)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )

    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successors"),
    )

    # The accent-free name (`core.text.search_key`), kept in step by save(): what the
    # searchable locality picker (`picker.matching_localities`) compares; its index
    # (pattern ops on PostgreSQL) serves the exact-name and name-prefix matches.
    search_name = models.CharField(max_length=255, default="", editable=False)

    objects = LocalityQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        indexes = [
            *EffectiveDated.Meta.indexes,
            models.Index(
                fields=["search_name"],
                name="locality_search_name",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        verbose_name = _("locality")
        verbose_name_plural = _("localities")

    def save(self, *args, **kwargs):
        super().save(*args, **self.keep_search_name(kwargs))

    @property
    def long_name(self) -> str:
        """'Tổ dân phố 7, Phường Hoa Lư': a base locality with its commune or ward."""
        if self.parent is not None and self.kind in self.BASE_KINDS:
            return f"{self.name}, {self.parent.name}"
        return self.name


class OrgUnit(EffectiveDated):
    class Kind(models.TextChoices):
        SUPERIOR = "SUPERIOR", _("Superior committee")
        GRASSROOTS_COMMITTEE = "GRASSROOTS_COMMITTEE", _("Grassroots committee")
        GRASSROOTS_CELL = "GRASSROOTS_CELL", _("Grassroots cell")
        SUB_COMMITTEE = "SUB_COMMITTEE", _("Sub-committee")
        CELL = "CELL", _("Cell")
        PARTY_GROUP = "PARTY_GROUP", _("Party group")

    class Category(models.TextChoices):
        COMMUNE_WARD = "COMMUNE_WARD", _("Commune or ward")
        RESIDENTIAL = "RESIDENTIAL", _("Hamlet, village or residential group")
        AGENCY = "AGENCY", _("Party, state or mass-organisation agency")
        PUBLIC_SERVICE = "PUBLIC_SERVICE", _("School, hospital or public service")
        ENTERPRISE = "ENTERPRISE", _("Enterprise")
        POLICE = "POLICE", _("Police")
        ARMY = "ARMY", _("Army")
        OTHER = "OTHER", _("Other")

    GRASSROOTS_KINDS = (Kind.GRASSROOTS_COMMITTEE, Kind.GRASSROOTS_CELL)
    # Party cells: a cell, or a grassroots cell (its own cell), as a cell picker offers.
    CELL_KINDS = (Kind.CELL, Kind.GRASSROOTS_CELL)
    # Units whose members are counted in a cell (a grassroots cell is its own cell).
    MEMBER_HOLDING_KINDS = (Kind.GRASSROOTS_CELL, Kind.CELL, Kind.PARTY_GROUP)

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    category = models.CharField(
        _("sector"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("superior unit"),
    )

    # The commune, ward or city a committee leads; scopes localities for its officers.
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committees",
        verbose_name=_("locality led"),
    )
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successors"),
    )

    # The accent-free name (`core.text.search_key`), kept in step by save(): what the
    # searchable unit picker (`picker.matching_units`) compares. Its index (pattern ops
    # on PostgreSQL) serves the exact-name and name-prefix matches; a trigram index
    # (migration 0004) the matches inside the name.
    search_name = models.CharField(max_length=255, default="", editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        indexes = [
            *EffectiveDated.Meta.indexes,
            models.Index(
                fields=["search_name"],
                name="orgunit_search_name",
                opclasses=["varchar_pattern_ops"],
            ),
            # The picker's order (higher units first, then by name): a common start
            # ("chi bo") is read in order and stopped at the page, not sorted whole.
            models.Index(fields=["depth", "search_name", "id"], name="orgunit_depth_search"),
        ]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")

    def save(self, *args, **kwargs):
        super().save(*args, **self.keep_search_name(kwargs))

    @property
    def is_grassroots(self) -> bool:
        return self.kind in self.GRASSROOTS_KINDS

    def grassroots(self) -> "OrgUnit | None":
        """The grassroots organisation this unit belongs to (itself if grassroots)."""
        if self.is_grassroots:
            return self
        return next((a for a in reversed(self.ancestors()) if a.is_grassroots), None)


class LocalityCell(models.Model):
    """A cell serving a locality over a period; one cell may serve several (chi bộ ghép)."""

    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="cell_links", verbose_name=_("locality")
    )
    cell = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="locality_links", verbose_name=_("cell")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)

    objects = EffectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("cell serving a locality")
        verbose_name_plural = _("cells serving localities")
        indexes = [models.Index(fields=["locality", "valid_from"], name="loccell_loc_from")]

    def __str__(self) -> str:
        return f"{self.cell} → {self.locality}"


class Restructuring(models.Model):
    """One applied restructuring (a list of operations carried out together) and every
    row it changed, so that it can be undone while nothing newer depends on it."""

    day = models.DateField(_("effective from"))
    summary = models.TextField(_("operations"))
    # {"units": [ids created], "stints": [ids created], "ended": [[id, end, reason]],
    #  "rehomed": [[stint id, old unit id]], "links": [ids created],
    #  "links_ended": [[id, valid_to]], "candidates": [[id, old cell id]],
    #  "closed": [[unit id, valid_to]], "successions": [[from id, to id]]}
    changes = models.JSONField(default=dict)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at"]
        verbose_name = _("restructuring")
        verbose_name_plural = _("restructurings")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.summary[:80]}"


def paths_above(path: str) -> list[str]:
    """The paths of a unit and of every unit above it ("A/B/" → "A/", "A/B/")."""
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def unit_on(unit: OrgUnit, day: dt.date) -> OrgUnit:
    """The unit that stood for `unit` on `day`: itself while it existed, else the
    predecessor (through merges, carried-over cells and renames) that existed then, so
    that a document dated before a restructuring names the bodies of its day."""
    through = OrgUnit.successors.through
    frontier, seen = [unit], {unit.pk}
    while frontier:
        for u in frontier:
            if u.exists_on(day):
                return u
        earlier = OrgUnit.objects.filter(
            pk__in=through.objects.filter(to_orgunit__in=[u.pk for u in frontier]).values(
                "from_orgunit"
            )
        ).exclude(pk__in=seen)
        frontier = list(earlier.order_by("valid_from", "pk"))
        seen.update(u.pk for u in frontier)
    return unit


def holders_on(codes, day: dt.date) -> dict[str, str]:
    """Code → the code of the unit that holds it on `day`: itself while it is open, else
    the unit that succeeded it, followed while that one closed by `day` too (a loop of
    successors, were one recorded, ends where it turns back)."""
    links = dict(
        OrgUnit.successors.through.objects.values_list("from_orgunit__code", "to_orgunit__code")
    )
    closed = set(
        OrgUnit.objects.filter(valid_to__lte=day, code__in=links).values_list("code", flat=True)
    )
    out = {}
    for code in codes:
        here, seen = code, {code}
        while here in closed and links[here] not in seen:
            here = links[here]
            seen.add(here)
        out[code] = here
    return out


def with_predecessors(unit_ids) -> set[int]:
    """`unit_ids` and every unit they succeeded, transitively (one query per generation):
    a ward formed by a merge carries the history of the wards it replaced."""
    seen = set(unit_ids)
    frontier = set(seen)
    through = OrgUnit.successors.through
    while frontier:
        earlier = set(
            through.objects.filter(to_orgunit__in=frontier).values_list("from_orgunit", flat=True)
        )
        frontier = earlier - seen
        seen |= frontier
    return seen
