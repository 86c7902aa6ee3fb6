"""Running an import from the upload page: the file is kept on disk under IMPORT_DIR
while it is checked, previewed and written; progress goes to a small file beside it so
that any worker process can show it; each run is one `ImportRun` row.

The check and the write are background tasks (imports.tasks) that `dangvien worker`
runs; the page refreshes itself and says whether the task waits for the worker.

While a run is checked or written its process says so: `worker` holds "host:pid" and a
heartbeat file beside the upload is touched every few seconds (a file, not a column:
the write holds the database's one write lock on SQLite). A run whose process is gone,
or whose heartbeat is older than IMPORT_STALE_MINUTES, crashed: `reap_stale` marks it
failed with its reason (the write is one transaction, so nothing of it remains).
"""

import datetime as dt
import os
import socket
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    run.warnings = [w.line() for w in plan.warnings[:MAX_PROBLEMS]]
    run.problem_count = len(plan.problems)
    run.problems = problems_json(plan.problems)


def begin_run(kind: str, path, user=None) -> ImportRun:
    """An import made on the command line, listed with the others from its start (so
    that a killed process leaves a run that is seen to have crashed)."""
    try:
        sha256 = file_hash(path)
    except OSError:
        sha256 = ""  # the check says why
    return ImportRun.objects.create(
        kind=kind, file_name=Path(path).name[:255], sha256=sha256, user=user, status=S.CHECKING
    )


def finish_run(
    run: ImportRun, plan: Plan, *, status: str, problems: list[Problem] | None = None
) -> ImportRun:
    fill(run, plan)
    run.sha256 = plan.sha256 or run.sha256
    if problems:
        run.problem_count, run.problems = len(problems), problems_json(problems)
    run.status = status
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


# ----- heartbeat and crashed runs ---------------------------------------------------------
BUSY = (S.CHECKING, S.WRITING)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_path(run: ImportRun) -> Path:
    return import_dir() / f"{run.pk}.heartbeat"


def beat_seconds() -> float:
    return max(1.0, min(10.0, settings.IMPORT_STALE_MINUTES * 60 / 6))


class working:  # noqa: N801 (used as `with working(run):`)
    """While the block runs, the run names this process and its heartbeat file is
    touched every few seconds by a small thread (it dies with the process)."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> ImportRun:
        run = self.run
        if run.worker != worker_id():
            claim(run)
        path = heartbeat_path(run)
        path.touch()

        def beat() -> None:
            while not self.stop.wait(beat_seconds()):
                try:
                    path.touch()
                except OSError:  # the folder went away: the run will be seen as stale
                    return

        self.thread = threading.Thread(target=beat, daemon=True, name=f"beat-{run.pk}")
        self.thread.start()
        return run

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()
        heartbeat_path(self.run).unlink(missing_ok=True)


def claim(run: ImportRun) -> None:
    """The run is this process's from now on."""
    run.worker, run.heartbeat_at = worker_id(), timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(worker=run.worker, heartbeat_at=run.heartbeat_at)


def last_beat(run: ImportRun) -> dt.datetime:
    beat = run.heartbeat_at or run.created_at
    try:
        mtime = heartbeat_path(run).stat().st_mtime
    except OSError:
        return beat
    return max(beat, dt.datetime.fromtimestamp(mtime, tz=dt.UTC))


def process_gone(worker: str) -> bool:
    """The worker ran on this host and its process no longer exists. (Machines sharing
    IMPORT_DIR and the database must have distinct host names, as they normally do.)"""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def crashed(run: ImportRun, now: dt.datetime) -> str | None:
    """Why a busy run is no longer worked on (None while it is)."""
    if run.status not in BUSY or waiting(run):  # a queued task waits, it has not crashed
        return None
    step = "kiểm tra" if run.status == S.CHECKING else "ghi"
    beat = last_beat(run)
    if run.worker and process_gone(run.worker):
        why = f"tiến trình {run.worker} không còn chạy"
    elif now - beat > dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES):
        local = timezone.localtime(beat)
        why = f"không hoạt động từ {local:%H:%M:%S %d/%m/%Y}"
    else:
        return None
    return f"tiến trình {step} đã dừng đột ngột ({why}); không có gì được ghi"


def reap_stale(now: dt.datetime | None = None) -> int:
    """Mark crashed runs failed, with the reason; their files stay until discarded or
    purged by retention. Returns how many were found."""
    now = now or timezone.now()
    found = 0
    for run in ImportRun.objects.filter(status__in=BUSY):
        reason = crashed(run, now)
        if reason is None:
            continue
        problem = Problem(1, "", None, reason, "tải tệp lên lại để kiểm tra và ghi lại")
        found += ImportRun.objects.filter(pk=run.pk, status=run.status).update(
            status=S.FAILED, problem_count=1, problems=problems_json([problem]), finished_at=now
        )
        for path in (progress_path(run), heartbeat_path(run)):
            path.unlink(missing_ok=True)
    return found


def over_limit(run: ImportRun | None, user) -> str | None:
    """Why another run may not start now (one per user, IMPORT_MAX_CONCURRENT in all),
    or None. `run`, when given, is the one about to start (not counted)."""
    reap_stale()
    busy = ImportRun.objects.filter(status__in=BUSY)
    if run is not None:
        busy = busy.exclude(pk=run.pk)
    if user is not None and busy.filter(user=user).exists():
        return str(ONE_PER_USER)
    if busy.count() >= settings.IMPORT_MAX_CONCURRENT:
        return str(SERVER_BUSY) % {"n": settings.IMPORT_MAX_CONCURRENT}
    return None


ONE_PER_USER = _(
    "You already have an import being checked or written: wait until it finishes, then "
    "start the next one."
)
SERVER_BUSY = _(
    "The server is already checking or writing %(n)d imports, as many as it takes at once: "
    "try again in a few minutes."
)


# ----- the two steps ----------------------------------------------------------------------
def check(run: ImportRun) -> None:
    """Validate the stored file; READY with the counts, or INVALID with the problems."""
    importer = IMPORTERS[run.kind]
    path = stored_path(run)
    try:
        with working(run):
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
    with working(run):
        write_steps(run, by)
    run.finished_at = timezone.now()
    run.save()


def write_steps(run: ImportRun, by) -> None:
    importer = IMPORTERS[run.kind]
    path = stored_path(run)
    today = timezone.localdate()
    try:
        plan = importer.validate(
            path, today, scope=scope_of(run), progress=progress_writer(run, run.rows or None)
        )
    except UnreadableFile as e:
        plan = Plan(sha256=run.sha256, problems=[Problem(1, "", None, str(e).rstrip("."))])
    if not plan.ok:
        plan.discard()
        fill(run, plan)
        run.status = S.FAILED
        return
    try:
        importer.commit(plan, path, by=by, today=today, progress=progress_writer(run, plan.rows))
    except Changed as e:
        run.problem_count, run.problems = len(e.problems), problems_json(e.problems)
        run.status = S.FAILED
    else:
        fill(run, plan)
        run.status = S.DONE
        discard(run)


def discard(run: ImportRun) -> None:
    """The uploaded file holds personal data: gone once written or cancelled."""
    paths = [progress_path(run), heartbeat_path(run)]
    if run.stored:
        paths.append(stored_path(run))
    for path in paths:
        path.unlink(missing_ok=True)


SPILL_DAYS = 1  # a checked-rows spill lives for one check and write, never a day


def purge_uploads(days: int, dry_run: bool = False) -> int:
    """Delete uploaded files of imports left unfinished for more than `days` (they hold
    personal data), crashed runs' included; the runs stay listed, marked cancelled.
    Spill files of checked rows that a killed process left behind go too."""
    reap_stale()  # a status put right, no data removed: also on a dry run
    cutoff = timezone.now() - dt.timedelta(days=days)
    stale = ImportRun.objects.filter(created_at__lt=cutoff).exclude(stored="")
    stale = stale.exclude(status__in=BUSY)
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
    left = timezone.now().timestamp() - SPILL_DAYS * 86_400
    for spill in import_dir().glob("checked-*.spill"):
        try:
            if spill.stat().st_mtime < left:
                count += 1
                if not dry_run:
                    spill.unlink(missing_ok=True)
        except OSError:
            continue
    return count


def guarded(func, run: ImportRun, *args) -> None:
    """A step run by the worker: an error marks the run failed (never left spinning),
    then goes on to the task's own result."""
    try:
        func(run, *args)
    except Exception as e:
        run.status = S.FAILED
        run.problems = problems_json([Problem(1, "", None, f"lỗi hệ thống: {e}")])
        run.problem_count = 1
        run.finished_at = timezone.now()
        run.save()
        raise


def enqueue(step, run: ImportRun, request) -> None:
    """Queue a step (imports.tasks) for `dangvien worker`, on behalf of the request's user
    and address; the run keeps the task's id for its page. The id is saved in the same
    transaction that queues the task, so the worker never sees a task its run lacks."""
    from dangvien.accounts.audit import who

    with transaction.atomic():
        result = step.enqueue(run.pk, **who(request))
        # No process works on it until the worker claims it (the check's worker is gone).
        run.task_id, run.worker, run.heartbeat_at = str(result.id), "", None
        ImportRun.objects.filter(pk=run.pk).update(
            task_id=run.task_id, worker="", heartbeat_at=None
        )


def waiting(run: ImportRun) -> bool:
    """Queued for the worker and not yet taken (no process has claimed it)."""
    return run.busy and bool(run.task_id) and not run.worker
