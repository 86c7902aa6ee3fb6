"""`dangvien worker`: runs the background tasks queued in the database (imports from the
upload page, the daily alerts when enqueued). A thin wrapper of django_tasks_db's
`db_worker` with production defaults: no code reloading, a worker id naming the host and
process, the default queue. Run one (or more) beside the web server; see the README."""

import os
import socket

from django_tasks_db.management.commands.db_worker import Command as DBWorker


class Command(DBWorker):
    help = (
        "Run the background tasks queued in the database (imports, alerts); "
        "--batch runs those waiting, then exits."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # A reload would stop a task half-way on every code change: never by default.
        parser.set_defaults(reload=False, worker_id=f"{socket.gethostname()}:{os.getpid()}"[-64:])
