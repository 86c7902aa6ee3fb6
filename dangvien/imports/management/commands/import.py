from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangvien.imports import members, units
from dangvien.imports.reader import UnreadableFile

IMPORTERS = {"units": units, "members": members}


class Command(BaseCommand):
    help = (
        "Import a spreadsheet: every row is checked first; any invalid row writes "
        "nothing. `import units FILE [--dry-run]` (members, localities and candidates "
        "follow)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, kind, file, dry_run=False, **opts):
        importer = IMPORTERS[kind]
        try:
            plan = importer.validate(file, timezone.localdate())
        except (UnreadableFile, OSError) as e:
            raise CommandError(str(e), returncode=2) from e
        if not plan.ok:
            for problem in plan.problems:
                self.stderr.write(problem.line())
            raise CommandError(
                f"{len(plan.problems)} lỗi: chưa ghi gì vào cơ sở dữ liệu.", returncode=1
            )
        summary = f"{len(plan.new)} mới, {len(plan.updated)} cập nhật, {plan.unchanged} không đổi"
        review = plan.review
        if review:
            summary += (
                f"; {len(review)} dòng khớp theo họ tên và ngày sinh, cần rà soát: "
                + ", ".join(map(str, review[:20]))
            )
        if dry_run:
            self.stdout.write(f"Chạy thử: {summary}. Chưa ghi gì.")
            return
        importer.commit(plan)
        self.stdout.write(f"Đã nhập: {summary}.")
