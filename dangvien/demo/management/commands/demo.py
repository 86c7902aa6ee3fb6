import os
import subprocess
import sys
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
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Serve without the background worker (uploaded imports then wait).",
        )

    def handle(
        self,
        *args,
        no_serve=False,
        reset=False,
        addr="127.0.0.1:8000",
        no_worker=False,
        **options,
    ):
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
            worker = None if no_worker else start_worker(self.stdout.write)
            try:
                call_command("runserver", addr, use_reloader=False)
            finally:
                if worker is not None:
                    stop_worker(worker)


def start_worker(say) -> subprocess.Popen | None:
    """`dangvien worker` beside the demo's web server, as a child process on the same
    database (the environment carries DATABASE_URL and the rest)."""
    from django_tasks import default_task_backend

    if not default_task_backend.supports_get_result:  # e.g. the immediate backend
        return None
    worker = subprocess.Popen(
        [sys.executable, "-m", "dangvien", "worker", "--verbosity", "0"], env=os.environ.copy()
    )
    say(_("Background worker started (process %(pid)d).") % {"pid": worker.pid})
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM lets a task under way finish; past 30 s it is killed (its import run is
    then seen as crashed, and nothing of it was written)."""
    worker.terminate()
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
