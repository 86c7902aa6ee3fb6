"""The person → scope tables are derived from the rows (`dangvien.people.scope`): the
database stops checking each row's reference to its person (`core.db.
drop_reference_checks`; an import of 100,000 members writes about 1.5 million of them).
Django still deletes a person's rows with them; `dangvien rebuild-stats` rewrites them."""

import django.db.models.deletion
from django.db import migrations, models

from dangvien.core.db import drop_reference_checks, restore_reference_checks

TABLES = ["PersonScope", "PersonScopeWord"]


def forwards(apps, schema_editor):
    for name in TABLES:
        drop_reference_checks(schema_editor, apps.get_model("people", name), ["person_id"], False)


def backwards(apps, schema_editor):
    for name in TABLES:
        model = apps.get_model("people", name)
        restore_reference_checks(schema_editor, model, ["person_id"], False)


class Migration(migrations.Migration):
    dependencies = [("people", "0007_person_scope_words")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name=name.lower(),
                    name="person",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name=related,
                        to="people.person",
                    ),
                )
                for name, related in (("PersonScope", "scopes"), ("PersonScopeWord", "scope_words"))
            ],
        )
    ]
