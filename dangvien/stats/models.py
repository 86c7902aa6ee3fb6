"""Precomputed member counts of the large subtrees (issue #14, item 2).

The structure report of a superior committee (a province, the country) reads these
rows instead of counting every member's stint: for each superior unit and each count
key ("members", "women", "eth:KINH", "ym:1975-03", …) the running total from a date on
(`since`) until the unit's next row for that key. A report for a date reads, per key,
the last row on or before it: one index seek per key, so its cost grows with the keys
(about a hundred, plus the birth months) and not with the members counted.

Grassroots organisations and the units below them are small (a few thousand members at
most) and keep being counted from the stints directly.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


# The count tables are derived from the rows: no database check of each row's unit or
# person, and no index of the unit's own where a unique index leads with it (migration
# 0007). Django still deletes them with their unit or person.
class UnitCount(models.Model):
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("unit"),
        db_constraint=False,
        db_index=False,
    )
    key = models.CharField(max_length=40)
    since = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("precomputed count")
        verbose_name_plural = _("precomputed counts")
        constraints = [
            # Serves the report's seek:
            # WHERE unit=? AND key=? AND since<=? ORDER BY since DESC LIMIT 1.
            models.UniqueConstraint(
                fields=["unit", "key", "since"], name="unitcount_unit_key_since"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.key} {self.since}: {self.n}"


class StatKey(models.Model):
    """The keys a unit has counts for: the list the report seeks one by one."""

    unit = models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    key = models.CharField(max_length=40)
    # The birth month of a birth-day key ("d:03:…"), 0 for every other key: the report
    # reads the day keys of one or two months only.
    month = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="statkey_unit_key")]
        # Serves the report's key list: WHERE unit=? AND month IN (0, m1, m2).
        indexes = [models.Index(fields=["unit", "month"], name="statkey_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.key}"


class PersonStat(models.Model):
    """What one person adds to the counts, as last applied: a change subtracts this and
    adds the new contribution, whichever rows changed and however they were written."""

    person = models.OneToOneField(
        "people.Person",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        db_constraint=False,
    )
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.person_id}"


class Built(models.Model):
    """Present once the counts match the rows: after `dangvien rebuild-stats`, or from the
    start on a database that had no members when this table was made. Until then the
    reports count from the rows."""

    built_at = models.DateTimeField()
    people = models.IntegerField(default=0)
    rows = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M}"


class Version(models.Model):
    """A number that grows with every write to the domain's rows (`stats.fresh`): the
    figures cached under it (the dashboard's alerts and coverage gaps) are recomputed
    after any change, and only then."""

    n = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.n)
