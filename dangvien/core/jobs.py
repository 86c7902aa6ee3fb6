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
