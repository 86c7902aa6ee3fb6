"""The two steps of an upload-page import as background tasks (see core.jobs): checking
the stored file, and writing it (checked again first, then all or nothing). The page
enqueues them; `dangvien worker` runs them, in its own process, so a restart of the web
server leaves them queued or running. Crashes of the worker itself are seen by the run's
heartbeat (runs.reap_stale)."""

from django.contrib.auth import get_user_model
from django_tasks import task

from dangvien.accounts.audit import on_behalf

from . import runs
from .models import ImportRun


@task()
def check_import(run_id: int, *, user_id: int | None = None, ip: str | None = None) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.status != ImportRun.Status.CHECKING:  # cancelled or reaped meanwhile
        return run.status
    with on_behalf(user_id, ip):
        runs.guarded(runs.check, run)
    return run.status


@task()
def write_import(run_id: int, *, user_id: int | None = None, ip: str | None = None) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.status != ImportRun.Status.WRITING:
        return run.status
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with on_behalf(user_id, ip):
        runs.guarded(runs.write, run, by)
    return run.status
