"""The accent-free name of each party organisation, for the searchable unit picker:
filled in for the units already there, indexed for the exact and prefix matches
(pattern ops on PostgreSQL), in the picker's order (depth, name) and, on PostgreSQL, by trigrams for the matches inside a
name (`LIKE '%…%'`), which would otherwise read every unit."""

from django.db import migrations, models

BATCH = 2000


def fill(apps, schema_editor):
    from dangvien.core.text import search_key

    OrgUnit = apps.get_model("orgs", "OrgUnit")
    last = 0
    while True:
        units = list(OrgUnit.objects.filter(pk__gt=last).order_by("pk").only("pk", "name")[:BATCH])
        if not units:
            return
        for u in units:
            u.search_name = search_key(u.name)
        OrgUnit.objects.bulk_update(units, ["search_name"])
        last = units[-1].pk


def trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS orgunit_search_trgm "
        "ON orgs_orgunit USING gin (search_name gin_trgm_ops)"
    )


def no_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS orgunit_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_restructuring")]

    operations = [
        migrations.AddField(
            model_name="orgunit",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="orgunit",
            index=models.Index(
                fields=["search_name"],
                name="orgunit_search_name",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="orgunit",
            index=models.Index(fields=["depth", "search_name", "id"], name="orgunit_depth_search"),
        ),
        migrations.RunPython(trigram, no_trigram),
    ]
