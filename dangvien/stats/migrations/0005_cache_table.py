"""The table of the shared cache (`settings.CACHES`, `dangvien.stats.fresh`): made by
`migrate`, so that no deployment step is needed beside it (Django's `createcachetable`,
which does nothing when the cache is kept in memory or the table exists)."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    from django.conf import settings

    schema_editor.execute(f"DROP TABLE IF EXISTS {settings.CACHE_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("stats", "0004_admitted")]

    operations = [migrations.RunPython(create, drop)]
