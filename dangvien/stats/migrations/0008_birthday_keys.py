"""The day-of-year key ("bd:03-14", `contrib.birthday_key`): the members born on that
day of any year. With it the structure report sums the ages of a month's birthdays at
once and reads the day keys of the years that change an age band only, about 1,300 keys
per report instead of about 3,500 (`read.birthday_keys`).

Its running totals are derived here from the day keys already counted ("d:03:1975-03-14"):
each day key's change on each day, summed over the years per unit, day of the year and
day, then carried forward; a day whose changes cancel adds no row, as `sqlbuild.build`
writes them. Nothing is read from the members' rows, so a country of millions migrates in
minutes, not in the hour of `dangvien rebuild-stats`."""

from django.db import migrations

T = "stats_unitcount"
K = "stats_statkey"
DERIVE = f"""
INSERT INTO {T} (unit_id, "key", since, n)
SELECT unit_id, bk, since, SUM(dn) OVER (PARTITION BY unit_id, bk ORDER BY since)
FROM (
    SELECT unit_id, bk, since, SUM(dn) AS dn FROM (
        SELECT unit_id, 'bd:' || SUBSTR("key", 11, 5) AS bk, since,
            n - COALESCE(LAG(n) OVER (PARTITION BY unit_id, "key" ORDER BY since), 0) AS dn
        FROM {T} WHERE "key" LIKE 'd:%'
    ) x GROUP BY unit_id, bk, since
) y
WHERE dn <> 0
"""
KEYS = f"""
INSERT INTO {K} (unit_id, "key", month)
SELECT DISTINCT unit_id, "key", CAST(SUBSTR("key", 4, 2) AS INTEGER) FROM {T}
WHERE "key" LIKE 'bd:%'
"""


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        backwards(apps, schema_editor)
        cur.execute(DERIVE)
        cur.execute(KEYS)
        if schema_editor.connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {T}")
            cur.execute(f"ANALYZE {K}")


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"""DELETE FROM {T} WHERE "key" LIKE 'bd:%'""")
        cur.execute(f"""DELETE FROM {K} WHERE "key" LIKE 'bd:%'""")


class Migration(migrations.Migration):
    dependencies = [("stats", "0007_counts_without_reference_checks")]

    operations = [migrations.RunPython(forwards, backwards)]
