import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.admission.retention import anonymise, due, erase_import_traces
from dangvien.imports.runs import purge_uploads
from dangvien.reports.export_tasks import purge_exports


class Command(BaseCommand):
    help = (
        "Erase personal data of withdrawn or rejected candidates after the retention "
        "period (RETENTION_YEARS, default 5), and uploaded import files left waiting "
        "more than 7 days, and report files made by the worker more than 7 days ago. "
        "--dry-run shows what would go."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--years", type=int, default=int(os.environ.get("RETENTION_YEARS", "5"))
        )

    def handle(self, *args, dry_run=False, years=5, **opts):
        if years < 1:
            raise CommandError("Thời hạn lưu giữ phải ít nhất 1 năm.", returncode=2)
        candidates = list(due(timezone.localdate(), years))
        erased: list[str] = []
        for c in candidates:
            self.stdout.write(
                f"{'sẽ ẩn danh' if dry_run else 'ẩn danh'}: hồ sơ {c.pk} "
                f"({c.get_stage_display()} từ {c.stage_since:%d/%m/%Y}, "
                f"{c.cell.code})"
            )
            if not dry_run:
                erased += anonymise(c)
        if erased:
            traces = erase_import_traces(erased)
            self.stdout.write(f"{traces} tệp/lượt nhập dữ liệu nhắc đến họ đã được xóa.")
        self.stdout.write(
            f"{len(candidates)} hồ sơ quá {years} năm"
            + (" (chạy thử, chưa xóa gì)." if dry_run else " đã được ẩn danh.")
        )
        uploads = purge_uploads(days=7, dry_run=dry_run)
        self.stdout.write(
            f"{uploads} tệp nhập dữ liệu bỏ dở quá 7 ngày"
            + (" (chạy thử, chưa xóa gì)." if dry_run else " đã được xóa.")
        )
        files = purge_exports(days=7, dry_run=dry_run)
        message = (
            _("%(n)d report files older than 7 days (dry run, nothing deleted).")
            if dry_run
            else _("%(n)d report files older than 7 days deleted.")
        )
        self.stdout.write(message % {"n": files})
