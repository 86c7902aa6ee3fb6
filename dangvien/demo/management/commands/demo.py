import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils.translation import gettext as _

from dangvien.core.db import analyze
from dangvien.demo.load import DEMO_PASSWORD, DEMO_USERS, Loader
from dangvien.orgs.models import OrgUnit


class Command(BaseCommand):
    help = "Migrate, generate the demo Pleiku City organisation (2010–2017) and serve the app."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Do everything but serve.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the database's data and generate the demo again.",
        )
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, no_serve=False, reset=False, addr="127.0.0.1:8000", **options):
        settings.DEMO = True  # the demo's published password is accepted here only
        call_command("migrate", verbosity=0)
        if reset:
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", "reference", "zero", verbosity=0)
            call_command("migrate", verbosity=0)
        if OrgUnit.objects.filter(code="PLEIKU").exists():
            self.stdout.write(_("The demo organisation is already loaded (use --reset)."))
        else:
            started = time.monotonic()
            Loader(log=self.stdout.write).load()
            analyze()  # PostgreSQL: statistics for the planner, before anyone queries
            self.stdout.write(
                _("Demo generated in %(s).1f s on %(db)s.")
                % {"s": time.monotonic() - started, "db": connection.vendor}
            )
        self.stdout.write(_("Demo logins (demo only), password: %(pw)s") % {"pw": DEMO_PASSWORD})
        for username, name, _role, _unit in DEMO_USERS:
            self.stdout.write(f"  {username:15} {name}")
        if not settings.REQUIRE_TWO_FACTOR:
            self.stdout.write(
                _(
                    "Two-factor login is off for this demo (REQUIRE_TWO_FACTOR=0); "
                    "production requires it for the organisation board."
                )
            )
        if not no_serve:
            self.stdout.write(f"http://{addr}/")
            call_command("runserver", addr, use_reloader=False)
