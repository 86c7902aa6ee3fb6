"""The accent-free name of each locality, for the searchable locality picker (the
residence of a candidate or a member, a move, a post in a hamlet): filled in for the
localities already there, indexed for the exact and prefix matches (pattern ops on
PostgreSQL). Also fills the party organisations' accent-free names that a country made
by `dangvien generate` before this migration left empty."""

from django.db import migrations, models

BATCH = 2000


def fill_model(model) -> None:
    from dangvien.core.text import search_key

    last = 0
    while True:
        rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", "name", "search_name")[:BATCH])
        if not rows:
            return
        changed = []
        for row in rows:
            key = search_key(row.name)
            if row.search_name != key:
                row.search_name = key
                changed.append(row)
        model.objects.bulk_update(changed, ["search_name"])
        last = rows[-1].pk


def fill(apps, schema_editor):
    fill_model(apps.get_model("orgs", "Locality"))
    fill_model(apps.get_model("orgs", "OrgUnit"))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0004_orgunit_search_name")]

    operations = [
        migrations.AddField(
            model_name="locality",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="locality",
            index=models.Index(
                fields=["search_name"],
                name="locality_search_name",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
