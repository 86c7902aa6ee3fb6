"""`dangvien restore FILE` into an empty database (one with no tables yet)."""

import os
import sqlite3
import subprocess

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import pg_env


class Command(BaseCommand):
    help = "Restore a backup made by `dangvien backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **opts):
        if not os.path.exists(file):
            raise CommandError(f"Không có tệp {file}.")
        tables = connection.introspection.table_names()
        if tables:
            raise CommandError(
                f"Cơ sở dữ liệu đích đã có {len(tables)} bảng: chỉ khôi phục vào cơ sở dữ "
                "liệu trống, để không ghi đè dữ liệu đang dùng."
            )
        vendor = connection.vendor
        if vendor == "sqlite":
            source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
            try:
                source.execute("PRAGMA schema_version").fetchone()
            except sqlite3.DatabaseError as e:
                raise CommandError(f"{file} không phải bản sao lưu SQLite: {e}") from e
            connection.ensure_connection()
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        elif vendor == "postgresql":
            env, conn_args = pg_env()
            result = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                    connection.settings_dict["NAME"],
                    *conn_args,
                    file,
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise CommandError(f"pg_restore thất bại: {result.stderr.strip()}")
        else:
            raise CommandError(f"Chưa hỗ trợ khôi phục cơ sở dữ liệu {vendor}.")
        count = len(connection.introspection.table_names())
        self.stdout.write(f"Đã khôi phục {count} bảng từ {file}.")
