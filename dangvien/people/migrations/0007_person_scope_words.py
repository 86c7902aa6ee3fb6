"""The later words of the names in the person → scope table (`PersonScopeWord`,
`dangvien.people.scope`): a wide scope's search for the names where only a later word
starts with the text reads one range of the index `person_scope_word_search` (key,
suffix, search_name, person) per key. Filled from the rows of `PersonScope` in one
statement on PostgreSQL (`scope.fill_words`), the indexes built after the rows. On
PostgreSQL the copied names compare byte by byte (COLLATE "C"), as in 0006."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from dangvien.people import scope

    with schema_editor.connection.cursor() as cur:
        if schema_editor.connection.vendor == "postgresql":
            cur.execute(
                f"ALTER TABLE {scope.WORDS} "
                'ALTER COLUMN suffix TYPE varchar(128) COLLATE "C", '
                'ALTER COLUMN search_name TYPE varchar(128) COLLATE "C"'
            )
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        scope.fill_words(cur)
        cur.execute(
            f"CREATE INDEX person_scope_word_search ON {scope.WORDS} "
            '("key", suffix, search_name, person_id)'
        )
        cur.execute(f"CREATE INDEX person_scope_word_person ON {scope.WORDS} (person_id)")
        if schema_editor.connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {scope.WORDS}")


def drop_indexes(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS person_scope_word_search")
    schema_editor.execute("DROP INDEX IF EXISTS person_scope_word_person")


class Migration(migrations.Migration):
    dependencies = [("people", "0006_person_scope")]

    operations = [
        migrations.CreateModel(
            name="PersonScopeWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=402)),
                ("suffix", models.CharField(max_length=128)),
                ("search_name", models.CharField(max_length=128)),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scope_words",
                        to="people.person",
                    ),
                ),
            ],
        ),
        migrations.RunPython(fill, drop_indexes),
    ]
