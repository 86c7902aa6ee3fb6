import resource
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangvien.imports.base import Bar, Changed, count_rows
from dangvien.imports.reader import UnreadableFile
from dangvien.imports.registry import IMPORTERS
from dangvien.imports.runs import record_run


def peak_mb() -> float:
    """This program's peak resident memory: VmHWM on Linux (ru_maxrss would also count
    the parent that forked us before exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (XLSX or CSV): every row is checked first; any invalid row "
        "writes nothing. `import units|localities|members|candidates|restructure FILE "
        "[--dry-run]`. "
        "`import template KIND FILE.xlsx` writes the template."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*sorted(IMPORTERS), "template"])
        parser.add_argument("file", nargs="+")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (logs, cron)"
        )

    def handle(self, *args, kind, file, dry_run=False, no_progress=False, **opts):
        if kind == "template":
            return self.template(file)
        (path,) = file
        importer = IMPORTERS[kind]
        today = timezone.localdate()
        show = not no_progress and sys.stderr.isatty()
        try:
            total = count_rows(path) if show else None
            bar = Bar(sys.stderr, total, "Kiểm tra") if show else None
            plan = importer.validate(path, today, progress=bar)
            if bar:
                bar.close()
        except (UnreadableFile, OSError) as e:
            raise CommandError(str(e), returncode=2) from e
        if not plan.ok:
            for problem in plan.problems[:1000]:
                self.stderr.write(problem.line())
            if len(plan.problems) > 1000:
                self.stderr.write(f"… và {len(plan.problems) - 1000} lỗi khác.")
            record_run(kind, path, plan, status="INVALID")
            raise CommandError(
                f"{len(plan.problems)} lỗi: chưa ghi gì vào cơ sở dữ liệu.", returncode=1
            )
        if dry_run:
            plan.discard()
            self.stdout.write(f"Chạy thử: {plan.summary()}. Chưa ghi gì.")
            for line in getattr(plan, "details", []):
                self.stdout.write(f"  {line}")
            self.peak(opts)
            return
        bar = Bar(sys.stderr, plan.rows or total, "Ghi") if show else None
        try:
            importer.commit(plan, path, today=today, progress=bar)
        except Changed as e:
            record_run(kind, path, plan, status="FAILED", problems=e.problems)
            raise CommandError(f"Không ghi gì: {e}", returncode=1) from e
        finally:
            if bar:
                bar.close()
        record_run(kind, path, plan, status="DONE")
        self.stdout.write(f"Đã nhập: {plan.summary()}.")
        for line in getattr(plan, "details", []):
            self.stdout.write(f"  {line}")
        self.peak(opts)

    def peak(self, opts) -> None:
        """With -v 2: the process's peak memory (for the benchmark)."""
        if opts.get("verbosity", 1) >= 2:
            self.stdout.write(f"Bộ nhớ tối đa: {peak_mb():.1f} MB")

    def template(self, args):
        from dangvien.imports.base import template_xlsx

        if len(args) != 2 or args[0] not in IMPORTERS:
            raise CommandError(
                "Cách dùng: import template units|localities|members|candidates FILE.xlsx",
                returncode=2,
            )
        kind, out = args
        with open(out, "wb") as f:
            f.write(template_xlsx(IMPORTERS[kind]))
        self.stdout.write(f"Đã ghi tệp mẫu {out}.")
