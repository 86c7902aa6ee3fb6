import resource
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangvien.imports.base import Bar, Changed, count_rows
from dangvien.imports.models import ImportRun
from dangvien.imports.reader import Plan, Problem, UnreadableFile
from dangvien.imports.registry import IMPORTERS
from dangvien.imports.runs import begin_run, discard, finish_run, progress_writer, working


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
        show = not no_progress and sys.stderr.isatty()
        if dry_run:
            plan = self.checked(kind, path, show, None)
            plan.discard()
            self.stdout.write(f"Chạy thử: {plan.summary()}. Chưa ghi gì.")
            for warning in plan.warnings:
                self.stdout.write(f"  Cảnh báo: {warning.line()}")
            for line in getattr(plan, "details", []):
                self.stdout.write(f"  {line}")
            self.peak(opts)
            return
        # Listed from the start, with a heartbeat: if this process is killed, the run is
        # seen as crashed (and the write, one transaction, leaves nothing behind).
        run = begin_run(kind, path)
        with working(run):
            plan = self.checked(kind, path, show, run)
            run.status = ImportRun.Status.WRITING
            run.save(update_fields=["status"])
            bar = Bar(sys.stderr, plan.rows or None, "Ghi") if show else None
            shown = progress_writer(run, plan.rows)  # on the run's page too

            def progress(done: int) -> None:
                shown(done)
                if bar:
                    bar(done)

            try:
                IMPORTERS[kind].commit(plan, path, today=timezone.localdate(), progress=progress)
            except Changed as e:
                finish_run(run, plan, status="FAILED", problems=e.problems)
                raise CommandError(f"Không ghi gì: {e}", returncode=1) from e
            except Exception as e:  # rolled back; say so rather than leave it "writing"
                problem = Problem(1, "", None, f"lỗi hệ thống, không ghi gì: {e}")
                finish_run(run, plan, status="FAILED", problems=[problem])
                raise
            finally:
                if bar:
                    bar.close()
            finish_run(run, plan, status="DONE")
            discard(run)  # its progress file
        self.stdout.write(f"Đã nhập: {plan.summary()}.")
        for warning in plan.warnings:
            self.stdout.write(f"  Cảnh báo: {warning.line()}")
        for line in getattr(plan, "details", []):
            self.stdout.write(f"  {line}")
        self.peak(opts)

    def checked(self, kind: str, path: str, show: bool, run: ImportRun | None) -> Plan:
        """Every row checked; an unreadable or invalid file ends the command (exit 2 or
        1), recorded on `run`."""
        try:
            total = count_rows(path) if show else None
            bar = Bar(sys.stderr, total, "Kiểm tra") if show else None
            plan = IMPORTERS[kind].validate(path, timezone.localdate(), progress=bar)
            if bar:
                bar.close()
        except (UnreadableFile, OSError) as e:
            if run is not None:
                problem = Problem(1, "", None, str(e).rstrip("."))
                finish_run(run, Plan(), status="INVALID", problems=[problem])
            raise CommandError(str(e), returncode=2) from e
        if not plan.ok:
            for problem in plan.problems[:1000]:
                self.stderr.write(problem.line())
            if len(plan.problems) > 1000:
                self.stderr.write(f"… và {len(plan.problems) - 1000} lỗi khác.")
            if run is not None:
                finish_run(run, plan, status="INVALID")
            raise CommandError(
                f"{len(plan.problems)} lỗi: chưa ghi gì vào cơ sở dữ liệu.", returncode=1
            )
        return plan

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
