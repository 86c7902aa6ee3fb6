"""`dangvien worker`: runs the background tasks queued in the database (imports from the
upload page, the daily alerts when enqueued). A thin wrapper of django_tasks_db's
`db_worker` with production defaults: no code reloading, a worker id naming the host and
process, the default queue. Run one (or more) beside the web server; see the README."""

import os
import socket

from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Command as DBWorker

from dangvien.core import jobs


class Command(DBWorker):
    help = (
        "Run the background tasks queued in the database (imports, alerts); "
        "--batch runs those waiting, then exits."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # A reload would stop a task half-way on every code change: never by default.
        parser.set_defaults(reload=False, worker_id=f"{socket.gethostname()}:{os.getpid()}"[-64:])

    def handle(self, *args, **options):
        # A worker killed half-way (SIGKILL, out of memory) left its task RUNNING: failed
        # now, with the reason, so that its page stops waiting.
        for task_id in jobs.fail_orphans():
            message = _("Task %(id)s: its worker had stopped; marked failed.")
            self.stderr.write(message % {"id": task_id})
        return super().handle(*args, **options)
