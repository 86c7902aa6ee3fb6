"""Crashed imports: a run left checking or writing by a process that died is seen as
such (its process is gone, or its heartbeat is older than IMPORT_STALE_MINUTES), marked
failed with its reason, can be discarded from the page, and its files are purged by
retention; a write killed with SIGKILL leaves nothing half-written."""

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangvien.imports import members, runs
from dangvien.imports.models import ImportRun
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from .conftest import with_totp
from .shared_db import child_database, dangvien
from .test_import_members import ROW

S = ImportRun.Status


def waiting_run(user, status, *, heartbeat_age: dt.timedelta, worker="elsewhere:4242"):
    """A run as a worker on another machine left it, with its uploaded file."""
    run = ImportRun.objects.create(
        kind="members",
        file_name="lon.csv",
        stored="a" * 32 + ".csv",
        sha256="0" * 64,
        user=user,
        status=status,
        worker=worker,
        heartbeat_at=timezone.now() - heartbeat_age,
    )
    runs.stored_path(run).write_text("Họ và tên\nĐinh Thị Hoa\n", encoding="utf-8")
    return run


def test_a_run_whose_heartbeat_stopped_is_shown_failed_and_can_be_discarded(
    client, personas, settings
):
    settings.IMPORT_STALE_MINUTES = 5
    officer = personas.ward_a_officer
    checking = waiting_run(officer, S.CHECKING, heartbeat_age=dt.timedelta(minutes=6))
    writing = waiting_run(officer, S.WRITING, heartbeat_age=dt.timedelta(hours=2))
    alive = waiting_run(officer, S.CHECKING, heartbeat_age=dt.timedelta(minutes=1))
    client.force_login(officer)
    page = client.get(f"/imports/{checking.pk}/").content.decode()
    checking.refresh_from_db()
    assert checking.status == S.FAILED and checking.finished_at is not None
    assert "tiến trình kiểm tra đã dừng đột ngột" in page
    assert "tiến trình kiểm tra đã dừng đột ngột" in checking.problems[0]["message"]
    assert 'http-equiv="refresh"' not in page  # no longer spinning
    assert f'action="/imports/{checking.pk}/cancel/"' in page  # discard from the page
    writing.refresh_from_db()
    assert writing.status == S.FAILED
    assert writing.problems[0]["message"].startswith("tiến trình ghi đã dừng đột ngột")
    alive.refresh_from_db()
    assert alive.status == S.CHECKING  # a recent heartbeat: still working
    # Discarded from the page: the file (personal data) goes.
    assert client.post(f"/imports/{checking.pk}/cancel/").status_code == 302
    checking.refresh_from_db()
    assert checking.status == S.CANCELLED and not runs.stored_path(checking).exists()
    # A crashed run no longer blocks the user's next upload; the living one does.
    alive.delete()
    assert runs.over_limit(None, officer) is None


def test_a_heartbeat_file_keeps_a_long_run_alive(personas, settings):
    settings.IMPORT_STALE_MINUTES = 5
    run = waiting_run(personas.ward_a_officer, S.WRITING, heartbeat_age=dt.timedelta(hours=1))
    runs.heartbeat_path(run).touch()  # touched by its process a moment ago
    assert runs.reap_stale() == 0
    run.refresh_from_db()
    assert run.status == S.WRITING
    old = time.time() - 3600
    os.utime(runs.heartbeat_path(run), (old, old))
    assert runs.reap_stale() == 1


def test_retention_purges_the_files_of_crashed_runs(personas, settings, capsys):
    run = waiting_run(personas.ward_a_officer, S.WRITING, heartbeat_age=dt.timedelta(days=8))
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    spill = settings.IMPORT_DIR / "checked-abc.spill"  # left by a killed write
    spill.write_bytes(b"rows")
    old = time.time() - 2 * 86_400
    os.utime(spill, (old, old))
    fresh = settings.IMPORT_DIR / "checked-new.spill"  # a write going on now
    fresh.write_bytes(b"rows")
    call_command("retention")
    run.refresh_from_db()
    assert run.status == S.CANCELLED and not runs.stored_path(run).exists()
    assert "tiến trình ghi đã dừng đột ngột" in run.problems[0]["message"]
    assert not spill.exists() and fresh.exists()
    assert "2 tệp nhập dữ liệu bỏ dở" in capsys.readouterr().out


# ----- kill -9 in the middle of a write --------------------------------------------------
def member_rows(n: int) -> str:
    lines = [",".join(members.COLUMNS)]
    for i in range(n):
        row = {**ROW, "Số CCCD": f"064185{i:06d}", "Số thẻ đảng viên": f"5{i:07d}"}
        lines.append(",".join(str(row[c] or "") for c in members.COLUMNS))
    return "\n".join(lines) + "\n"


def run_in_child_db(env) -> ImportRun | None:
    """The one run of the child's database (id and status), read while it works."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=5) as db:
            row = db.execute("SELECT id, status FROM imports_importrun").fetchone()
        return ImportRun(pk=row[0], status=row[1]) if row else None
    return ImportRun.objects.first()


@pytest.mark.django_db(transaction=True)
def test_a_write_killed_mid_way_is_failed_and_leaves_nothing(org, client, tmp_path, settings):
    path = tmp_path / "nhieu.csv"
    path.write_text(member_rows(6000), encoding="utf-8")
    people, memberships = Person.objects.count(), Membership.objects.count()
    with child_database(tmp_path) as env:
        child = subprocess.Popen(
            dangvien("import", "members", str(path), "--no-progress"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        seen, done = None, 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            seen = run_in_child_db(env)
            if seen is not None and seen.status == S.WRITING:
                done = runs.progress_of(seen)[0]
                if done >= 2000:  # the first 1,000 rows written, in the transaction
                    break
            time.sleep(0.02)
        assert done >= 2000 and child.poll() is None, child.communicate()
        child.send_signal(signal.SIGKILL)
        child.wait()
        left = run_in_child_db(env)
        assert left is not None and left.status == S.WRITING  # what the dead process left
    # Nothing half-written: the write is one transaction.
    assert Person.objects.count() == people and Membership.objects.count() == memberships
    assert not Person.objects.filter(citizen_id__startswith="064185").exists()
    run = ImportRun.objects.get()
    assert run.worker.endswith(f":{child.pid}")
    admin = with_totp(superuser())
    client.force_login(admin)
    listing = client.get("/imports/").content.decode()
    run.refresh_from_db()
    assert run.status == S.FAILED
    assert "tiến trình ghi đã dừng đột ngột" in run.problems[0]["message"]
    assert "không còn chạy" in run.problems[0]["message"]
    assert "Thất bại hoặc bị dừng, chưa ghi gì" in listing
    assert run.sha256 and run.sha256[:12] in listing
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "tiến trình ghi đã dừng đột ngột" in page
    assert list(settings.IMPORT_DIR.glob("checked-*.spill"))  # left by the killed write
    old = time.time() - 2 * 86_400
    for spill in settings.IMPORT_DIR.glob("checked-*.spill"):
        os.utime(spill, (old, old))
    call_command("retention")
    assert not list(settings.IMPORT_DIR.glob("checked-*.spill"))


def superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("quantri", password="x" * 16)
