"""Deployment (ASVS V14): `dangvien check --deploy` fails on the development key, on
DEBUG, and on personal-data files other users can read; the application writes those
files private (SQLite 0600, backups 0600, IMPORT_DIR 0700)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.utils import ConnectionHandler

from dangvien.core.deploy import deployment
from dangvien.imports.runs import import_dir

from .worker import DATABASE_QUEUE

# The checks read the production database's path from DATABASES, overridden here only.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
STRONG_KEY = "x" * 20 + "-Zq9!vL2#pR7@wT4$kM8%nB3^hF6&jD1*sG5"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # the usual umask: new files 0644, folders 0755
    yield
    os.umask(old)


@pytest.fixture
def production(settings, tmp_path):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "prod.sqlite3"),
        },
    }
    settings.TASKS = DATABASE_QUEUE  # tests run tasks in the request; production may not
    return settings


def ids() -> list[str]:
    return [e.id for e in deployment(None)]


def test_a_private_production_setup_passes(production, tmp_path):
    for folder in ("imports", "backups"):
        (tmp_path / folder).mkdir(mode=0o700)
    for file in ("prod.sqlite3", "imports/upload.xlsx", "backups/dangvien-1.sqlite3"):
        (tmp_path / file).touch(mode=0o600)
    assert ids() == []


def test_the_development_key_fails(production):
    production.SECRET_KEY = production.DEV_SECRET_KEY  # what SECRET_KEY unset gives
    assert ids() == ["dangvien.E001"]


def test_tasks_run_in_the_web_requests_fail(production):
    production.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert ids() == ["dangvien.E005"]


def test_debug_fails(production):
    production.DEBUG = True
    assert ids() == ["dangvien.E002"]


@pytest.mark.parametrize(
    "opened",
    ["prod.sqlite3", "prod.sqlite3-wal", "imports", "imports/upload.xlsx", "backups/old.dump"],
)
def test_a_personal_data_file_open_to_others_fails(production, tmp_path, opened, umask_022):
    (tmp_path / "imports").mkdir(mode=0o700)
    (tmp_path / "backups").mkdir(mode=0o700)
    for private in ("prod.sqlite3", "prod.sqlite3-wal", "imports/upload.xlsx", "backups/old.dump"):
        (tmp_path / private).touch()
        os.chmod(tmp_path / private, 0o600)
    os.chmod(tmp_path / opened, 0o755 if (tmp_path / opened).is_dir() else 0o644)
    errors = deployment(None)
    assert [e.id for e in errors] == ["dangvien.E003"]
    assert str(tmp_path / opened) in errors[0].msg


def test_check_deploy_command_fails_without_secret_key(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env |= {
        "DEBUG": "1",
        "HTTPS": "1",
        "ALLOWED_HOSTS": "dangvien.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "IMPORT_DIR": str(tmp_path / "imports"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "dangvien", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "dangvien.E001" in result.stderr and "dangvien.E002" in result.stderr


def test_the_sqlite_file_and_its_wal_are_written_0600(tmp_path, umask_022):
    path = tmp_path / "new.sqlite3"
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
            }
        }
    )
    db = handler["default"]
    try:
        with db.cursor() as cur:
            cur.execute("CREATE TABLE t (x)")
            cur.execute("INSERT INTO t VALUES (1)")
        assert mode(path) == 0o600
        assert mode(Path(f"{path}-wal")) == 0o600
    finally:
        db.close()
    path.chmod(0o644)  # opened wider by hand: the next connection closes it again
    try:
        db = handler.create_connection("default")
        db.ensure_connection()
        assert mode(path) == 0o600
    finally:
        db.close()


@pytest.mark.django_db(transaction=True)  # SQLite's backup waits for open transactions
def test_backups_are_written_0600_into_a_private_folder(settings, tmp_path, umask_022):
    settings.BACKUP_DIR = tmp_path / "backups"
    call_command("backup")
    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("dangvien-") and backup.stat().st_size > 0
    assert mode(backup) == 0o600 and mode(tmp_path / "backups") == 0o700
    named = tmp_path / "named.bin"
    call_command("backup", str(named))
    assert mode(named) == 0o600


def test_import_dir_is_created_0700_and_tightened(settings, tmp_path, umask_022):
    settings.IMPORT_DIR = tmp_path / "imports"
    assert mode(import_dir()) == 0o700
    (tmp_path / "imports").chmod(0o755)
    assert mode(import_dir()) == 0o700
