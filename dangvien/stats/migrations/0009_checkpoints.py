"""The precomputed counts kept as daily changes with monthly checkpoints instead of
running totals (`stats.models`): each running total becomes its change from the day
before (a row that did not change is dropped), and each month with a row gives a
checkpoint on the first of the next month holding that month's last total. Nothing is
read from the members' rows, so a national database converts in minutes, not in the
hour of `dangvien rebuild-stats`; `backwards` sums the changes into running totals again.

Why: an import of 100,000 members admitted on scattered past days moved about 4.5
million running totals at 300,000 members (every later day of every key it touched);
now it adds its changes and moves one checkpoint a month (README, scale section)."""

import django.db.models.deletion
from django.db import migrations, models


T = "stats_unitcount"
C = "stats_checkpoint"


def next_month(vendor: str, day: str) -> str:
    """SQL of the first day of the month after `day` (a date column)."""
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', {day}) + interval '1 month' AS date)"
    return f"date({day}, 'start of month', '+1 month')"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    nxt = next_month(vendor, "since")
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DELETE FROM {C}")
        if vendor == "postgresql":
            # Room on each page for the rows' next versions, as 0006 gives the changes: a
            # large import moves many checkpoints, each on its own page ("HOT" updates).
            cur.execute(f"ALTER TABLE {C} SET (fillfactor = 50)")
        cur.execute(
            f"""INSERT INTO {C} (unit_id, "key", at, n)
            SELECT unit_id, "key", at, n FROM (
                SELECT unit_id, "key", {nxt} AS at, n, ROW_NUMBER() OVER (
                    PARTITION BY unit_id, "key", {nxt} ORDER BY since DESC) AS r
                FROM {T} WHERE since < '9999-12-01') q
            WHERE r = 1"""
        )
        cur.execute(
            f"""UPDATE {T} SET n = {T}.n - q.before FROM (
                SELECT id, LAG(n, 1, 0) OVER (PARTITION BY unit_id, "key" ORDER BY since)
                    AS before
                FROM {T}) q
            WHERE q.id = {T}.id AND q.before <> 0"""
        )
        cur.execute(f"DELETE FROM {T} WHERE n = 0")
        if vendor == "postgresql":
            cur.execute(f"ANALYZE {T}")
            cur.execute(f"ANALYZE {C}")


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {T} SET n = q.total FROM (
                SELECT id, SUM(n) OVER (PARTITION BY unit_id, "key" ORDER BY since) AS total
                FROM {T}) q
            WHERE q.id = {T}.id"""
        )
        cur.execute(f"DELETE FROM {C}")


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0005_locality_search_name'),
        ('stats', '0008_birthday_keys'),
    ]

    operations = [
        migrations.CreateModel(
            name='Checkpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=40)),
                ('at', models.DateField()),
                ('n', models.IntegerField(default=0)),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.orgunit')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('unit', 'key', 'at'), name='checkpoint_unit_key_at')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
