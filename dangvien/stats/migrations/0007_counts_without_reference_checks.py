"""The precomputed counts are derived from the rows: the database stops checking their
references to units and persons one by one (`core.db.drop_reference_checks`), and the
unit's own index goes from the two count tables, where the unique indexes (unit, key,
since) and (unit, key) lead with it. Measured on an import of 100,000 members into a
300,000-member country (PostgreSQL, 01/12/2026): see the README's scale section. Django
still deletes a unit's or a person's counts with them; `dangvien rebuild-stats` and the
consistency checks (`stats.check`) work on them as before."""

import django.db.models.deletion
from django.db import migrations, models

from dangvien.core.db import drop_reference_checks, restore_reference_checks

# (model, columns, drop their own index too)
TABLES = [
    ("UnitCount", ["unit_id"], True),
    ("StatKey", ["unit_id"], True),
    ("PersonStat", ["person_id"], False),
]


def forwards(apps, schema_editor):
    for name, columns, indexes in TABLES:
        drop_reference_checks(schema_editor, apps.get_model("stats", name), columns, indexes)


def backwards(apps, schema_editor):
    for name, columns, indexes in TABLES:
        restore_reference_checks(schema_editor, apps.get_model("stats", name), columns, indexes)


class Migration(migrations.Migration):
    dependencies = [("stats", "0006_unitcount_fillfactor")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="unitcount",
                    name="unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.orgunit",
                        verbose_name="unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="statkey",
                    name="unit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.orgunit",
                    ),
                ),
                migrations.AlterField(
                    model_name="personstat",
                    name="person",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="people.person",
                    ),
                ),
            ],
        )
    ]
