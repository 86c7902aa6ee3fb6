"""The person → scope table (`PersonScope`, `dangvien.people.scope`): who may see each
person, kept on every write, so that an officer's name search reads one range of the
index `person_scope_search` (key, search_name, person) in order and stops at the page.
On PostgreSQL the copied name is a COLLATE "C" column (compared byte by byte, as the
index `person_search_key` of 0005 reads the person's). The table is filled from the rows here (the live code of
`dangvien.people.scope.rebuild`, which reads people, stints, candidates and transfers)."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The column itself compares bytes, so the index holds it plain and an
        # index-only scan can test a later word (`LIKE '% hoa%'`) without the table.
        schema_editor.execute(
            "ALTER TABLE people_personscope "
            'ALTER COLUMN search_name TYPE varchar(128) COLLATE "C"'
        )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS person_scope_search ON people_personscope "
        '("key", search_name, person_id)'
    )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS person_scope_search")


def fill(apps, schema_editor):
    from dangvien.people import scope

    scope.rebuild(words=False)  # their table comes with 0007


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_search_keyset_index"),
        ("admission", "0003_event_void"),
        ("records", "0002_from_existing"),
        ("membership", "0002_regulation_fidelity"),
        ("orgs", "0003_restructuring"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonScope",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=402)),
                ("search_name", models.CharField(max_length=128)),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scopes",
                        to="people.person",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("person", "key"), name="person_scope_unique")
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
