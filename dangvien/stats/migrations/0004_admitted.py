"""The `admitted` running totals (admissions per day of decision) added to counts built
before them, and each person's admissions to their stored contribution: computed from the
rows in SQL (`sqlbuild.add_admitted`), on a database whose counts are built. A database
without a build gets them with its first `dangvien rebuild-stats`."""

from django.db import migrations


def add_admitted(apps, schema_editor):
    # The live code, as people/0006 does: the tables it writes are this app's, unchanged
    # since 0001.
    from dangvien.stats import sqlbuild
    from dangvien.stats.store import all_superiors

    if not apps.get_model("stats", "Built").objects.exists():
        return
    counts = apps.get_model("stats", "UnitCount")
    if counts.objects.filter(key="admitted").exists():
        return  # built by code that already counts them
    with schema_editor.connection.cursor() as cur:
        sqlbuild.add_admitted(cur, all_superiors())


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0003_version"),
        ("membership", "0002_regulation_fidelity"),
        ("orgs", "0003_restructuring"),
        ("people", "0006_person_scope"),
    ]

    operations = [migrations.RunPython(add_admitted, migrations.RunPython.noop)]
