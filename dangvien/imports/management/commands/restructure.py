from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dangvien.orgs.models import Restructuring
from dangvien.orgs.restructure import CannotUndo
from dangvien.orgs.restructure import undo as undo_restructuring


class Command(BaseCommand):
    help = (
        "Apply a restructuring described in a spreadsheet (XLSX or CSV; the columns of "
        "`dangvien import template restructure`): every row checked first, then all of it "
        "in one transaction; the same file twice changes nothing. Same as "
        "`dangvien import restructure FILE`. `--list` shows the applied ones, `--undo N` "
        "reverses one while nothing newer depends on it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")
        parser.add_argument("--dry-run", action="store_true", help="check and preview only")
        parser.add_argument(
            "--localities",
            action="store_true",
            help="the file restructures localities (Mã địa bàn, …) rather than units",
        )
        parser.add_argument("--list", action="store_true", help="the restructurings applied")
        parser.add_argument("--undo", type=int, metavar="N", help="undo restructuring N")

    def handle(self, *args, file=None, dry_run=False, undo=None, **opts):
        if opts.get("list"):
            for r in Restructuring.objects.all():
                state = f" (đã hoàn tác {r.undone_at:%d/%m/%Y})" if r.undone_at else ""
                self.stdout.write(f"{r.pk:5}  {r.day:%d/%m/%Y}  {r.summary[:90]}{state}")
            return
        if undo is not None:
            record = Restructuring.objects.filter(pk=undo).first()
            if record is None:
                raise CommandError(f"Không có thao tác sắp xếp số {undo}.")
            try:
                undo_restructuring(record)
            except CannotUndo as e:
                raise CommandError(str(e)) from e
            self.stdout.write(f"Đã hoàn tác thao tác sắp xếp số {undo}: {record.summary}")
            return
        if not file:
            raise CommandError("Cần tên tệp, hoặc --list, hoặc --undo N.")
        call_command(
            "import",
            "restructure-places" if opts.get("localities") else "restructure",
            file,
            dry_run=dry_run,
            no_progress=True,
            stdout=self.stdout,
            stderr=self.stderr,
        )
