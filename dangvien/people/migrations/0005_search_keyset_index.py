"""The indexes of the people list: of the word-prefix name search and its keyset pages: the accent-free name,
then the id. On PostgreSQL the name is compared byte by byte (COLLATE "C"), so that one
index serves `LIKE 'key%'`-style ranges and `ORDER BY search_name, id` under any database
collation (`PersonQuerySet.find`); SQLite compares bytes already. `search_name` itself
exists since 0001 and every write path fills it (`Person.fill_keys`), so no data moves."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_search_key ON people_person "
            '((search_name COLLATE "C"), id)'
        )
        # The words after the first: "an" finds "Nguyễn Văn An" without reading every
        # "Nguyễn" (a trigram index cannot tell a first word from a later one).
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_later_words ON people_person USING gin "
            r"(to_tsvector('simple'::regconfig, regexp_replace(search_name, '^\S+\s*', '')))"
        )
    else:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS person_search_key ON people_person (search_name, id)"
        )

    # The people list without a search: Vietnamese name order, then date of birth, id.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS person_sort_key ON people_person (sort_name, birth_date, id)"
    )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS person_search_key")
    schema_editor.execute("DROP INDEX IF EXISTS person_sort_key")
    schema_editor.execute("DROP INDEX IF EXISTS person_later_words")


class Migration(migrations.Migration):
    dependencies = [("people", "0004_records")]

    operations = [migrations.RunPython(forwards, backwards)]
