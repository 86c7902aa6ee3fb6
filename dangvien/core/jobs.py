"""Background jobs: Django's tasks framework (the `django-tasks` backport until Django 6,
with the `django-tasks-db` database backend), run by `dangvien worker`.

How a job is registered (imports.tasks, orgs.tasks and admission.tasks are the examples):

    from django_tasks import task

    @task()
    def rebuild_stats(unit_id: int | None = None, *, user_id=None, ip=None) -> dict:
        with on_behalf(user_id, ip):      # the audit names who asked, from where
            ...                           # the work, in its own transaction
        return {...}                      # JSON: the progress page may show it

Arguments and the return value are stored as JSON in the queue table: pass ids, never
model instances. A page enqueues with `some_task.enqueue(..., **who(request))`, keeps
the returned id (`result.id`) on its own row and shows `state_of(id)` until the job
ends. A command may run the function directly (`some_task.call(...)`) or `--enqueue` it.
`rebuild-stats` is registered this way in stats.tasks (`dangvien rebuild-stats --enqueue`).
"""

import os
import socket
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

STATE_LABELS = {
    TaskResultStatus.READY: _("Waiting for the background worker (dangvien worker)"),
    TaskResultStatus.RUNNING: _("Running in the background worker"),
    TaskResultStatus.SUCCESSFUL: _("Finished"),
    TaskResultStatus.FAILED: _("Stopped by an error"),
}


def state_of(task_id: str) -> str | None:
    """The task's status (a TaskResultStatus value), read from the queue: the same in
    every process. None when unknown: no id, a backend that keeps no results (immediate)
    or a result already pruned."""
    if not task_id or not default_task_backend.supports_get_result:
        return None
    try:
        return str(default_task_backend.get_result(task_id).status)
    except TaskResultDoesNotExist:
        return None


def label_of(state: str | None) -> str:
    return str(STATE_LABELS.get(state, "")) if state else ""  # type: ignore[call-overload]


class WorkerGone(RuntimeError):
    """The worker that ran a task ended without finishing it (killed, the machine
    restarted): the task is marked failed with this reason."""


def worker_alive(worker_id: str, host: str) -> bool | None:
    """Whether the `dangvien worker` of this id (host:pid, see the worker command) is
    still running: None when it ran on another host (it cannot be checked from here)."""
    wid_host, _sep, pid = worker_id.rpartition(":")
    if not wid_host or not pid.isdigit() or not host.endswith(wid_host):
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user holds that pid: not our worker
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        # The pid may have been reused since: alive only if it is still a worker.
        try:
            return b"worker" in cmdline.read_bytes()
        except OSError:
            return False
    return True


def fail_orphans(host: str | None = None) -> list[str]:
    """Tasks left RUNNING by a worker of this host that is gone (SIGKILL, out of memory,
    a power cut): marked failed, so that their pages stop waiting and say so. Run when
    a worker starts. Returns their ids."""
    from django_tasks_db.models import DBTaskResult

    host = host or socket.gethostname()
    failed = []
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        last = row.worker_ids[-1] if row.worker_ids else ""
        if worker_alive(str(last), host) is False:
            row.set_failed(
                WorkerGone(
                    _("The background worker %(worker)s stopped before the task ended.")
                    % {"worker": last}
                )
            )
            failed.append(str(row.pk))
    return failed
