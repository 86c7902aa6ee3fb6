"""A child `dangvien` process on the test's own database: on PostgreSQL the test database
itself, on SQLite (in memory in tests) a file copy made before the child starts and
copied back once it has ended. Tests using it need `django_db(transaction=True)` (the
child sees only committed rows)."""

import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


@contextmanager
def child_database(tmp_path: Path):
    """Yields the environment for a child process; on leaving, what the child committed
    is in the test's database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["IMPORT_DIR"] = str(settings.IMPORT_DIR)
    if connection.vendor != "sqlite":
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
            f"/{s['NAME']}"
        )
        yield env
        return
    target = tmp_path / "child.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    env["DATABASE_URL"] = f"sqlite:///{target}"
    yield env
    back = sqlite3.connect(target)  # a killed child's unfinished transaction is ignored
    back.backup(connection.connection)
    back.close()


def dangvien(*args: str) -> list[str]:
    return [sys.executable, "-m", "dangvien", *args]
