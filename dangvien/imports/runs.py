"""Running an import from the upload page: the file is kept on disk under IMPORT_DIR
while it is checked, previewed and written; progress goes to a small file beside it so
that any worker process can show it; each run is one `ImportRun` row.

With IMPORT_BACKGROUND (the default) the check and the write run in a thread and the
page refreshes itself; the tests run them inline.
"""

import contextvars
import datetime as dt
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from dangvien.accounts.audit import A, log
from dangvien.core.deploy import private_dir

from .base import Changed, Scope, count_rows, file_hash
from .models import ImportRun
from .reader import Plan, Problem, UnreadableFile
from .registry import IMPORTERS

S = ImportRun.Status
MAX_PROBLEMS = 2000


def import_dir() -> Path:
    return private_dir(settings.IMPORT_DIR)  # 0700: uploads hold personal data


def stored_path(run: ImportRun) -> Path:
    return import_dir() / run.stored


def problems_json(problems: list[Problem]) -> list[dict]:
    out = []
    for p in problems[:MAX_PROBLEMS]:
        value = p.value
        if isinstance(value, dt.date | dt.datetime):
            value = value.strftime("%d/%m/%Y")
        out.append(
            {
                "row": p.row,
                "column": p.column,
                "value": None if value is None else str(value),
                "message": p.message,
                "fix": p.fix,
            }
        )
    return out


def problems_of(run: ImportRun) -> list[Problem]:
    return [Problem(**p) for p in run.problems]


def fill(run: ImportRun, plan: Plan) -> None:
    run.rows = plan.rows or (plan.n_new + plan.n_updated + plan.unchanged)
    run.new, run.updated, run.unchanged = plan.n_new, plan.n_updated, plan.unchanged
    run.review = plan.review[:MAX_PROBLEMS]
    run.problem_count = len(plan.problems)
    run.problems = problems_json(plan.problems)


def record_run(
    kind: str, path, plan: Plan, *, status: str, problems: list[Problem] | None = None, user=None
) -> ImportRun:
    """An import made on the command line, listed with the others."""
    run = ImportRun(
        kind=kind, file_name=Path(path).name[:255], sha256=plan.sha256, user=user, status=status
    )
    fill(run, plan)
    if problems:
        run.problem_count, run.problems = len(problems), problems_json(problems)
    run.finished_at = timezone.now()
    run.save()
    return run


def save_upload(kind: str, upload, user, scope: Scope) -> ImportRun:
    suffix = Path(upload.name).suffix.lower()
    name = f"{uuid.uuid4().hex}{suffix}"
    with open(import_dir() / name, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    run = ImportRun.objects.create(
        kind=kind,
        file_name=Path(upload.name).name[:255],
        stored=name,
        sha256=file_hash(import_dir() / name),
        user=user,
        status=S.CHECKING,
        scope_units=scope.units,
        scope_localities=scope.localities,
    )
    log(A.CREATE, run, detail=f"upload {kind} {run.file_name} sha256={run.sha256[:16]}")
    return run


def scope_of(run: ImportRun) -> Scope:
    return Scope(units=run.scope_units, localities=run.scope_localities)


# ----- progress, through a file any process can read ------------------------------------
def progress_path(run: ImportRun) -> Path:
    return import_dir() / f"{run.pk}.progress"


def progress_writer(run: ImportRun, total: int | None):
    path = progress_path(run)
    last = [-1]

    def write(done: int) -> None:
        if done - last[0] >= 500 or done == total:
            last[0] = done
            path.write_text(f"{done} {total or 0}")

    write(0)
    return write


def progress_of(run: ImportRun) -> tuple[int, int]:
    try:
        done, total = progress_path(run).read_text().split()
        return int(done), int(total)
    except (OSError, ValueError):
        return 0, 0


# ----- the two steps ----------------------------------------------------------------------
def check(run: ImportRun) -> None:
    """Validate the stored file; READY with the counts, or INVALID with the problems."""
    importer = IMPORTERS[run.kind]
    path = stored_path(run)
    try:
        plan = importer.validate(
            path,
            timezone.localdate(),
            scope=scope_of(run),
            progress=progress_writer(run, count_rows(path)),
        )
    except UnreadableFile as e:
        plan = Plan(sha256=run.sha256, problems=[Problem(1, "", None, str(e).rstrip("."))])
    plan.discard()  # the write checks again (the database may move while the user reads)
    fill(run, plan)
    run.status = S.READY if plan.ok else S.INVALID
    run.finished_at = timezone.now()
    run.save()


def write(run: ImportRun, by) -> None:
    """Check again (the database may have moved) and write, all or nothing."""
    importer = IMPORTERS[run.kind]
    path = stored_path(run)
    today = timezone.localdate()
    plan = importer.validate(
        path, today, scope=scope_of(run), progress=progress_writer(run, run.rows or None)
    )
    if not plan.ok:
        plan.discard()
        fill(run, plan)
        run.status = S.FAILED
    else:
        try:
            importer.commit(
                plan, path, by=by, today=today, progress=progress_writer(run, plan.rows)
            )
        except Changed as e:
            run.problem_count, run.problems = len(e.problems), problems_json(e.problems)
            run.status = S.FAILED
        else:
            fill(run, plan)
            run.status = S.DONE
            discard(run)
    run.finished_at = timezone.now()
    run.save()


def discard(run: ImportRun) -> None:
    """The uploaded file holds personal data: gone once written or cancelled."""
    for path in (stored_path(run), progress_path(run)):
        path.unlink(missing_ok=True)


def purge_uploads(days: int, dry_run: bool = False) -> int:
    """Delete uploaded files of imports left unfinished for more than `days` (they hold
    personal data); the runs stay listed, marked cancelled."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    stale = ImportRun.objects.filter(created_at__lt=cutoff).exclude(stored="")
    stale = stale.exclude(status__in=[S.CHECKING, S.WRITING])
    count = 0
    for run in stale:
        if not stored_path(run).exists():
            continue
        count += 1
        if not dry_run:
            discard(run)
            if run.status in (S.READY, S.INVALID, S.FAILED):
                run.status = S.CANCELLED
                run.save(update_fields=["status"])
    return count


def in_background(func, run: ImportRun, *args) -> None:
    if not settings.IMPORT_BACKGROUND:
        func(run, *args)
        return

    def target():
        close_old_connections()
        try:
            func(run, *args)
        except Exception as e:  # never leave a run spinning
            run.status = S.FAILED
            run.problems = problems_json([Problem(1, "", None, f"lỗi hệ thống: {e}")])
            run.problem_count = 1
            run.finished_at = timezone.now()
            run.save()
            raise
        finally:
            connection.close()

    # The thread runs in a copy of the request's context, so that its audit entries keep
    # the uploader's user and address (accounts.audit reads them from a context variable).
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(target,), daemon=True, name=f"import-{run.pk}"
    ).start()
