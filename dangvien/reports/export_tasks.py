"""Report downloads of large subtrees as background tasks (see core.jobs).

A download of a unit with more than EXPORT_TASK_MEMBERS members today (0: every
download) is queued: the user is sent to the task's page, which shows its state and
offers the file once the worker has written it under EXPORT_DIR. Smaller ones are made
in the request, as before. The file and its page are the asker's only: anyone else gets
"not found". With a backend that runs the task in the request (TASKS_BACKEND
immediate), the file is handed over at once.
"""

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from dangvien.accounts.audit import on_behalf, who
from dangvien.core import jobs
from dangvien.core.deploy import private_dir
from dangvien.membership.models import Stint
from dangvien.orgs.models import OrgUnit

from .exports import DOCX, XLSX, attachment
from .pdf import PDF

Rendered = tuple[bytes, str, str]  # content, file name, content type


def day(params: dict, key: str) -> dt.date:
    return dt.date.fromisoformat(params[key])


def maybe_day(params: dict, key: str) -> dt.date | None:
    return day(params, key) if params.get(key) else None


def structure_xlsx(unit: OrgUnit, params: dict, user) -> Rendered:
    from dangvien.accounts.scoping import personal_everywhere

    from .structure import structure, withheld_pair
    from .xlsx import structure_xlsx as render

    result = structure(unit, day(params, "day"))
    compare = maybe_day(params, "compare")
    other = structure(unit, compare) if compare is not None else None
    # As the page shows them to the user (`structure.for_viewer`).
    personal = user is None or personal_everywhere(user, under=unit.path)
    if not personal:
        result, other = withheld_pair(result, other)
    if other is None:
        name = f"thong-ke-{unit.code}-{result.day.isoformat()}.xlsx"
        return render(result, None, personal=personal), name, XLSX
    # Both dates side by side, the earlier first (as on the page).
    earlier, later = (other, result) if other.day < result.day else (result, other)
    name = f"thong-ke-{unit.code}-{earlier.day.isoformat()}-{later.day.isoformat()}.xlsx"
    return render(later, earlier, personal=personal), name, XLSX


def development_xlsx(unit: OrgUnit, params: dict, user) -> Rendered:
    from .development import development, for_viewer
    from .office import development_xlsx as render

    start, end = day(params, "start"), day(params, "end")
    name = f"phat-trien-dang-vien-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return render(for_viewer(user, development(unit, start, end))), name, XLSX


def development_pdf(unit: OrgUnit, params: dict, user) -> Rendered:
    from .development import development, for_viewer
    from .pdf import development_pdf as render

    start, end = day(params, "start"), day(params, "end")
    name = f"phat-trien-dang-vien-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return render(for_viewer(user, development(unit, start, end))), name, PDF


def coverage_xlsx(unit: OrgUnit, params: dict, user) -> Rendered:
    from .coverage import coverage
    from .office import coverage_xlsx as render

    on = day(params, "day")
    name = f"dia-ban-{unit.code}-{on:%Y%m%d}.xlsx"
    return render(coverage(unit, on, maybe_day(params, "since"))), name, XLSX


def coverage_pdf(unit: OrgUnit, params: dict, user) -> Rendered:
    from .coverage import coverage
    from .pdf import coverage_pdf as render

    on = day(params, "day")
    name = f"dia-ban-{unit.code}-{on:%Y%m%d}.pdf"
    return render(coverage(unit, on, maybe_day(params, "since"))), name, PDF


def draft_docx(unit: OrgUnit, params: dict, user) -> Rendered:
    from .draft import draft_docx as render

    start, end = day(params, "start"), day(params, "end")
    name = f"du-thao-bao-cao-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.docx"
    return render(unit, start, end, user), name, DOCX


def dashboard_pdf(unit: OrgUnit, params: dict, user) -> Rendered:
    from .pdf import dashboard_pdf as render

    on = day(params, "day")
    return render(unit, on, user), f"so-lieu-{unit.code}-{on:%Y%m%d}.pdf", PDF


RENDERERS: dict[str, Callable[[OrgUnit, dict, object], Rendered]] = {
    "structure_xlsx": structure_xlsx,
    "development_xlsx": development_xlsx,
    "development_pdf": development_pdf,
    "coverage_xlsx": coverage_xlsx,
    "coverage_pdf": coverage_pdf,
    "draft_docx": draft_docx,
    "dashboard_pdf": dashboard_pdf,
}


def file_of(task_id: str) -> Path:
    return Path(settings.EXPORT_DIR) / f"{task_id}.bin"


@task(takes_context=True)
def render_export(context, kind: str, unit_id: int, params: dict, *, user_id=None, ip=None) -> dict:
    """Make the file and keep it under EXPORT_DIR (0600) for its page to hand over."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    unit = OrgUnit.objects.get(pk=unit_id)
    with on_behalf(user_id, ip):
        content, name, content_type = RENDERERS[kind](unit, params, user)
    private_dir(settings.EXPORT_DIR)
    path = file_of(str(context.task_result.id))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content if isinstance(content, bytes) else content.encode())
    return {"name": name, "content_type": content_type, "size": len(content)}


def large(unit: OrgUnit, on: dt.date) -> bool:
    """More than EXPORT_TASK_MEMBERS members in the subtree today (counted no further)."""
    limit = settings.EXPORT_TASK_MEMBERS
    if limit <= 0:
        return True
    members = Stint.objects.members_on(on).in_subtree(unit).values("pk")
    return members[: limit + 1].count() > limit


def export(request, kind: str, unit: OrgUnit, params: dict) -> HttpResponseBase:
    """The file now for a small subtree; a large one queued, and its page."""
    from dangvien.core.views import today

    if not large(unit, today()):
        content, name, content_type = RENDERERS[kind](unit, params, request.user)
        return attachment(content, name, content_type)
    result = render_export.enqueue(kind, unit.pk, params, **who(request))
    if not result.is_finished:
        return redirect("export_task", task_id=result.id)
    if result.status != TaskResultStatus.SUCCESSFUL:
        raise RuntimeError(result.errors[0].traceback if result.errors else "task failed")
    return handed_over(str(result.id), result.return_value or {})


def handed_over(task_id: str, out: dict) -> HttpResponseBase:
    path = file_of(task_id)
    if not path.exists():
        raise Http404(_("The file is no longer kept: make the report again."))
    response = FileResponse(path.open("rb"), content_type=out.get("content_type"))
    response["Content-Disposition"] = f'attachment; filename="{out.get("name", path.name)}"'
    return response


def owned_result(request, task_id):
    """The export task of this id if the user asked for it; "not found" otherwise."""
    try:
        result = render_export.get_result(str(task_id))
    except (TaskResultDoesNotExist, TaskResultMismatch, NotImplementedError, ValueError) as e:
        raise Http404(_("No such report file.")) from e
    if result.kwargs.get("user_id") != request.user.pk:
        raise Http404(_("No such report file."))
    return result


def export_task(request, task_id):
    """The page of a queued report file: its state, then the download."""
    result = owned_result(request, task_id)
    out = result.return_value if result.status == TaskResultStatus.SUCCESSFUL else None
    return render(
        request,
        "reports/export_task.html",
        {
            "result": result,
            "state": jobs.label_of(result.status),
            "busy": not result.is_finished,
            "waiting": result.status == TaskResultStatus.READY,
            "failed": result.status == TaskResultStatus.FAILED,
            "out": out,
            "ready": out is not None and file_of(str(result.id)).exists(),
        },
    )


def export_file(request, task_id):
    result = owned_result(request, task_id)
    if result.status != TaskResultStatus.SUCCESSFUL:
        raise Http404(_("The file is not ready yet."))
    return handed_over(str(result.id), result.return_value or {})


def purge_exports(days: int, dry_run: bool = False) -> int:
    """Delete report files the worker made more than `days` ago (`dangvien retention`):
    they hold personal figures and their asker has had time to take them."""
    folder = Path(settings.EXPORT_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - days * 86_400
    count = 0
    for path in folder.glob("*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                count += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
        except OSError:
            continue
    return count
