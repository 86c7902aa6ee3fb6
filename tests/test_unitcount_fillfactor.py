"""The count tables keep room on their pages (fillfactor 50, migrations stats.0006 and
stats.0009) so that a large import's updates of the changes and the checkpoints are HOT
(no index entries written)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_counts_leave_room_on_every_page():
    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is PostgreSQL's; SQLite has no such setting")
    with connection.cursor() as cur:
        for table in ("stats_unitcount", "stats_checkpoint"):
            cur.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
            (options,) = cur.fetchone()
            assert "fillfactor=50" in options, table


DERIVED = {
    "stats_unitcount": "unit_id",
    "stats_checkpoint": "unit_id",
    "stats_statkey": "unit_id",
    "stats_personstat": "person_id",
    "people_personscope": "person_id",
    "people_personscopeword": "person_id",
}


@pytest.mark.django_db
def test_the_derived_tables_leave_their_references_to_django():
    """Migrations stats.0007 and people.0008: no database check of each derived row's
    unit or person on PostgreSQL (Django deletes them with it: `test_stats`,
    `test_person_scope_table`), and no index of the unit's own on the count tables."""
    with connection.cursor() as cur:
        for table, column in DERIVED.items():
            found = connection.introspection.get_constraints(cur, table).values()
            on_column = [c for c in found if c["columns"] == [column]]
            if connection.vendor == "postgresql":
                assert not [c for c in on_column if c["foreign_key"]], table
            if table.startswith("stats_") and column == "unit_id":
                assert not [c for c in on_column if c["index"] and not c["unique"]], table
