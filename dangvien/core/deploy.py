"""Deployment safety (ASVS V14): files holding personal data are private to the
service's user, and `dangvien check --deploy` fails on a setting or a file mode that
would expose them.

Written private: the SQLite database and its WAL files (0600, at each connection), the
backups (0600, created so before a byte is written), IMPORT_DIR (0700).
"""

import contextlib
import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, register

OTHERS = stat.S_IRWXG | stat.S_IRWXO  # any right for the group or other users


def exposed(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & OTHERS)
    except OSError:
        return False


def private_dir(path: str | Path) -> Path:
    """A folder only the service's user can enter (created 0700, tightened if wider)."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if exposed(folder):
        folder.chmod(0o700)
    return folder


def create_private(path: str | Path) -> Path:
    """An empty file readable by the service's user only, created before anything is
    written to it (an existing file is emptied and made private)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return Path(path)


def sqlite_files() -> list[Path]:
    db = settings.DATABASES["default"]
    name = str(db.get("NAME") or "")
    if db["ENGINE"] != "django.db.backends.sqlite3" or not name or "memory" in name:
        return []
    return [Path(name + suffix) for suffix in ("", "-wal", "-shm")]


def private_sqlite_file(sender, connection, **kwargs) -> None:
    """At each new SQLite connection: the database file and its WAL files 0600 (SQLite
    creates later WAL files with the database file's mode)."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for path in (Path(name + suffix) for suffix in ("", "-wal", "-shm")):
        if exposed(path):
            with contextlib.suppress(OSError):  # not ours: the deploy check reports it
                path.chmod(0o600)


def exposed_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [folder] if exposed(folder) else []
    return found + sorted(p for p in folder.rglob("*") if p.is_file() and exposed(p))


@register(Tags.security, deploy=True)
def deployment(app_configs, **kwargs) -> list[Error]:
    errors = []
    # DEV_SECRET_KEY: what settings.py falls back on when SECRET_KEY is unset.
    if not settings.SECRET_KEY or getattr(settings, "DEV_SECRET_KEY", "") == settings.SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is unset: the built-in development key signs the sessions.",
                hint="Set SECRET_KEY to 50 random characters, e.g. "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="dangvien.E001",
            )
        )
    if settings.DEBUG:
        errors.append(
            Error(
                "DEBUG is on: error pages would show settings and personal data.",
                hint="Unset DEBUG or set DEBUG=0.",
                id="dangvien.E002",
            )
        )
    files = [p for p in sqlite_files() if exposed(p)]
    files += exposed_files(Path(settings.IMPORT_DIR))
    files += exposed_files(Path(settings.BACKUP_DIR))
    if files:
        errors.append(
            Error(
                "Files with personal data are open to other users: "
                + ", ".join(f"{p} ({stat.filemode(p.stat().st_mode)})" for p in files[:10])
                + (f" and {len(files) - 10} more" if len(files) > 10 else ""),
                hint="chmod 600 for files, 700 for IMPORT_DIR and BACKUP_DIR "
                "(the application creates them so).",
                id="dangvien.E003",
            )
        )
    catalogue = Path(settings.LOCALE_PATHS[0]) / "vi/LC_MESSAGES/django.mo"
    if not catalogue.exists():
        errors.append(
            Error(
                f"The Vietnamese translations are not compiled ({catalogue} is missing): "
                "the pages would be in English and imports would refuse Vietnamese labels.",
                hint="Install with `pip install .` (it compiles them) or run `make messages`.",
                id="dangvien.E004",
            )
        )
    from django_tasks import default_task_backend

    if not default_task_backend.supports_get_result:  # e.g. the immediate backend
        backend = settings.TASKS["default"]["BACKEND"]
        errors.append(
            Error(
                f"Background tasks run inside the web requests ({backend}): "
                "a large import would hold a web worker for minutes and die with it.",
                hint="Unset TASKS_BACKEND (the database queue) and run `dangvien worker`.",
                id="dangvien.E005",
            )
        )
    return errors
