"""`core.db.analyze`: statistics after a bulk write, and VACUUM where it can run."""

import pytest
from django.db import connection, transaction

from dangvien.core.db import analyze
from dangvien.people.models import Person

from . import factories as f

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="VACUUM and ANALYZE are PostgreSQL's"
)


def vacuums() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s",
            [Person._meta.db_table],
        )
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_vacuum_runs_outside_a_transaction_and_analyze_inside_one():
    f.person("Nguyễn Văn An")
    before = vacuums()
    analyze(Person, vacuum=True)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_force_next_flush()")
    assert vacuums() == before + 1
    with transaction.atomic():  # VACUUM cannot run in a transaction: ANALYZE instead
        analyze(Person, vacuum=True)
    assert vacuums() == before + 1
