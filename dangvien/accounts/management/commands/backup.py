"""`dangvien backup FILE`: a consistent copy while the app runs.

SQLite: the online backup API (readers and the writer go on). PostgreSQL: pg_dump in
the custom format (one snapshot). The file is restored with `dangvien restore FILE`.
Without FILE it goes to BACKUP_DIR (0700) under a dated name. The file is created
readable by its owner only (0600) before a byte is written: it holds personal data.
"""

import os
import sqlite3
import subprocess

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from dangvien.accounts.audit import A, log
from dangvien.core.deploy import create_private, private_dir


def pg_env() -> tuple[dict[str, str], list[str]]:
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    args = ["-h", s.get("HOST") or "localhost", "-p", str(s.get("PORT") or 5432)]
    if s.get("USER"):
        args += ["-U", s["USER"]]
    return env, args


class Command(BaseCommand):
    help = (
        "Back up the database to FILE, or to BACKUP_DIR without one (SQLite online "
        "backup, or pg_dump on PostgreSQL); the file is written 0600."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")

    def handle(self, *args, file=None, **opts):
        vendor = connection.vendor
        if not file:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            suffix = "sqlite3" if vendor == "sqlite" else "dump"
            file = str(private_dir(settings.BACKUP_DIR) / f"dangvien-{stamp}.{suffix}")
        if vendor in ("sqlite", "postgresql"):
            try:
                create_private(file)
            except OSError as e:
                raise CommandError(f"Không ghi được tệp sao lưu {file}: {e}") from e
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif vendor == "postgresql":
            env, conn_args = pg_env()
            result = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    file,
                    *conn_args,
                    connection.settings_dict["NAME"],
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise CommandError(f"pg_dump thất bại: {result.stderr.strip()}")
        else:
            raise CommandError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {vendor}.")
        log(A.EXPORT, detail=f"backup ({vendor}) to {os.path.basename(file)}")
        self.stdout.write(f"Đã sao lưu vào {file} ({os.path.getsize(file):,} byte).")
