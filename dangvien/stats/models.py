"""Precomputed member counts of the large subtrees (issue #14, item 2).

The structure report of a superior committee (a province, the country) reads these
rows instead of counting every member's stint. For each superior unit and each count
key ("members", "women", "eth:KINH", "ym:1975-03", …) they keep:

- `UnitCount`: the count's net change on each day it changed (`since`, `n`);
- `Checkpoint`: the count's total before the first day of each month that follows a
  month with a change (`at`, `n`: the sum of the changes before `at`).

The total on a day is the last checkpoint on or before it plus the changes from that
checkpoint to the day: two index seeks and at most a month of changes per key. A write
adds its changes on their days and moves the checkpoints after them (one a month), not
a running total on every later day: an import of members admitted on thousands of past
days touches a month's row where running totals moved every later day's.

Grassroots organisations and the units below them are small (a few thousand members at
most) and keep being counted from the stints directly.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


# The count tables are derived from the rows: no database check of each row's unit or
# person, and no index of the unit's own where a unique index leads with it (migration
# 0007). Django still deletes them with their unit or person.
def derived_unit(**options) -> models.ForeignKey:
    """A count table's unit: no database check, no index of its own (each table's unique
    index leads with it)."""
    return models.ForeignKey(
        "orgs.OrgUnit",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
        **options,
    )


class UnitCount(models.Model):
    """The net change of a count on one day (`since`); a day whose changes cancel has no
    row."""

    unit = derived_unit(verbose_name=_("unit"))
    key = models.CharField(max_length=40)
    since = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("precomputed count")
        verbose_name_plural = _("precomputed counts")
        constraints = [
            # Serves the report's sum of a month's changes:
            # WHERE unit=? AND key=? AND since BETWEEN ? AND ?; and a write's upsert.
            models.UniqueConstraint(
                fields=["unit", "key", "since"], name="unitcount_unit_key_since"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.key} {self.since}: {self.n:+}"


class Checkpoint(models.Model):
    """A count's total before `at` (the first day of a month): the sum of its changes on
    the days before. There is one after every month in which the count changed, so a
    report sums at most one month of changes after it."""

    unit = derived_unit()
    key = models.CharField(max_length=40)
    at = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Serves the report's seek:
            # WHERE unit=? AND key=? AND at<=? ORDER BY at DESC LIMIT 1.
            models.UniqueConstraint(fields=["unit", "key", "at"], name="checkpoint_unit_key_at")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.key} before {self.at}: {self.n}"


class StatKey(models.Model):
    """The keys a unit has counts for: the list the report seeks one by one."""

    unit = derived_unit()
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
