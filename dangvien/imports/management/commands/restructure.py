from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Apply a restructuring described in a spreadsheet (XLSX or CSV; the columns of "
        "`dangvien import template restructure`): every row checked first, then all of it "
        "in one transaction; the same file twice changes nothing. Same as "
        "`dangvien import restructure FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and preview only")

    def handle(self, *args, file, dry_run=False, **opts):
        call_command(
            "import",
            "restructure",
            file,
            dry_run=dry_run,
            no_progress=True,
            stdout=self.stdout,
            stderr=self.stderr,
        )
