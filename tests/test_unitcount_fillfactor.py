"""`stats_unitcount` keeps room on its pages (fillfactor 50, migration stats.0006) so that a
large import's update of the running totals is HOT (no index entries written)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_running_totals_leave_room_on_every_page():
    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is PostgreSQL's; SQLite has no such setting")
    with connection.cursor() as cur:
        cur.execute("SELECT reloptions FROM pg_class WHERE relname = 'stats_unitcount'")
        (options,) = cur.fetchone()
    assert "fillfactor=50" in options
