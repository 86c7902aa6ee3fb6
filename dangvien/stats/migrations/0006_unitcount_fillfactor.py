"""Room on every page of `stats_unitcount` (PostgreSQL's fillfactor 50) for a new version
of each of its rows: a large import moves nearly every running total of the country
(`store.apply_merged`), and an update that finds room on the row's own page is a "HOT"
update, which writes no index entry. Measured on a 300,000-member country with an import
of 100,000 rows: that update took 34.5 s at the default fill (100) and 11.8 s at 50; the
table grew from 820 MB to 987 MB with its indexes.

The setting applies to pages written from now on: `dangvien rebuild-stats` (which
writes the table anew) applies it to all of them; this migration rewrites nothing, so
that it stays instant on a national database. SQLite has no such setting."""

from django.db import migrations

TABLE = "stats_unitcount"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("stats", "0005_cache_table")]

    operations = [migrations.RunPython(forwards, backwards)]
