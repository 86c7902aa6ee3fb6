import resource
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from dangvien.core.db import analyze
from dangvien.demo.country import Country, empty_database

MIN_MEMBERS = 1000


class Command(BaseCommand):
    help = (
        "Generate a synthetic country of N members (VN, 34 provinces, 15 years of history) "
        "into an empty database, for the benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, required=True, help="Members today.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, members: int, seed: int = 1, **options):
        if members < MIN_MEMBERS:
            raise CommandError(_("--members must be at least %(n)d.") % {"n": MIN_MEMBERS})
        call_command("migrate", verbosity=0)
        if not empty_database():
            raise CommandError(
                _(
                    "The database already holds party organisations, localities or people: "
                    "the synthetic country is generated only into an empty database."
                )
            )
        started = time.monotonic()
        tty = sys.stdout.isatty()

        def progress(done: int, total: int, label: str, n: int) -> None:
            elapsed = time.monotonic() - started
            line = _("%(done)d/%(total)d %(label)s: %(n)d members, %(rows)d rows, %(s).0f s") % {
                "done": done,
                "total": total,
                "label": label,
                "n": n,
                "rows": country.counts.rows,
                "s": elapsed,
            }
            if tty:
                width = 30
                bar = "#" * (width * done // total) + "-" * (width - width * done // total)
                self.stdout.write(f"\r[{bar}] {line}\033[K", ending="\n" if done == total else "")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        country = Country(members, seed=seed)
        counts = country.run(progress)
        written = time.monotonic() - started
        analyze(vacuum=True)  # a settled database, as autovacuum leaves it in time
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        self.stdout.write(
            _(
                "Generated %(members)d members (%(rows)d rows) on %(db)s in %(s).1f s: "
                "%(rate)d rows per second (statistics refreshed in %(a).1f s); "
                "peak memory %(mb)d MB."
            )
            % {
                "members": counts.members,
                "rows": counts.rows,
                "db": connection.vendor,
                "s": elapsed,
                "rate": counts.rows / written if written else 0,
                "a": elapsed - written,
                "mb": peak,
            }
        )
        for table, n in sorted(counts.tables.items()):
            self.stdout.write(f"  {table:22} {n:>12,}")
