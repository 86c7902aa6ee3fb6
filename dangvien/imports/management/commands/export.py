from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dangvien.accounts.audit import A, log
from dangvien.imports.exporters import ROWS
from dangvien.imports.registry import IMPORTERS
from dangvien.reports.exports import table_bytes


class Command(BaseCommand):
    help = (
        "Write units, localities, members or candidates in the import template's format "
        "(XLSX or CSV by the file's suffix): `export members FILE.xlsx --purpose TEXT`."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(ROWS))
        parser.add_argument("file")
        parser.add_argument("--purpose", default="", help="why (recorded in the audit)")

    def handle(self, *args, kind, file, purpose, **opts):
        fmt = Path(file).suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("Tên tệp phải kết thúc bằng .xlsx hoặc .csv.", returncode=2)
        if kind in ("members", "candidates") and len(purpose.strip()) < 5:
            raise CommandError("Dữ liệu cá nhân: ghi mục đích xuất bằng --purpose.", returncode=2)
        data = table_bytes(fmt, IMPORTERS[kind].COLUMNS, ROWS[kind]())
        Path(file).write_bytes(data)
        log(A.EXPORT, detail=f"export {kind} {Path(file).name} purpose: {purpose}")
        self.stdout.write(f"Đã ghi {file}.")
