"""Background jobs on the database queue: an upload-page import waits as a task until
the worker runs it, outlives the web process that queued it, and its page reads the
task's state; the daily alerts as a task; the `dangvien worker` command in a process of
its own."""

import datetime as dt
import json
import sqlite3
import subprocess
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangvien.accounts.audit import A
from dangvien.accounts.models import AuditEntry
from dangvien.imports import runs
from dangvien.imports.models import ImportRun
from dangvien.people.models import Person

from .conftest import Client, with_totp
from .shared_db import child_database, dangvien
from .test_import_more import members_row
from .test_import_pages import csv_upload
from .worker import DATABASE_QUEUE, run_worker

S = ImportRun.Status
pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits, as in production


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_QUEUE


def test_an_upload_waits_for_the_worker_then_is_checked_and_written(client, personas, queue):
    client.force_login(personas.ward_a_officer)
    response = client.post(
        "/imports/new/", {"kind": "members", "file": csv_upload([members_row()])}
    )
    run = ImportRun.objects.get()
    assert response["Location"] == f"/imports/{run.pk}/"
    # Queued, not run: the web request did no checking.
    assert run.status == S.CHECKING and run.task_id and not run.worker
    task = DBTaskResult.objects.get(pk=run.task_id)
    assert task.status == "READY" and task.task_path == "dangvien.imports.tasks.check_import"
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Đang chờ tiến trình chạy nền (dangvien worker) nhận việc" in page
    assert "Lần nhập đang xếp hàng" in page and '<meta http-equiv="refresh"' in page

    # The web server restarts: a new client, a new session, the task is still queued; a
    # long wait in the queue is not mistaken for a crash.
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert runs.reap_stale() == 0
    fresh = Client()
    fresh.force_login(personas.ward_a_officer)
    assert "Lần nhập đang xếp hàng" in fresh.get(f"/imports/{run.pk}/").content.decode()

    run_worker()
    run.refresh_from_db()
    assert run.status == S.READY and (run.new, run.updated, run.unchanged) == (1, 0, 0)
    assert DBTaskResult.objects.get(pk=run.task_id).status == "SUCCESSFUL"
    page = fresh.get(f"/imports/{run.pk}/").content.decode()
    assert 'id="count-new">1<' in page and "Ghi vào cơ sở dữ liệu" in page
    assert "xếp hàng" not in page

    fresh.post(f"/imports/{run.pk}/write/", REMOTE_ADDR="198.51.100.7")
    run.refresh_from_db()
    assert run.status == S.WRITING and not Person.objects.filter(citizen_id="064185000777")
    write_task = run.task_id
    assert DBTaskResult.objects.get(pk=write_task).task_path.endswith("write_import")
    assert "Lần nhập đang xếp hàng" in fresh.get(f"/imports/{run.pk}/").content.decode()
    run_worker()
    run.refresh_from_db()
    assert run.status == S.DONE, run.problems
    person = Person.objects.get(citizen_id="064185000777")
    # The worker wrote on behalf of the uploader, from the address the write was asked from.
    entry = AuditEntry.objects.get(action=A.CREATE, person_id=person.pk, model="people.person")
    assert (entry.username, entry.ip) == ("ward.a", "198.51.100.7")
    page = fresh.get(f"/imports/{run.pk}/").content.decode()
    assert "Đã ghi." in page and '<meta http-equiv="refresh"' not in page


def test_another_users_import_page_is_refused(client, personas, queue):
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    client.force_login(personas.ward_b_officer)  # another ward's officer
    for url in (f"/imports/{run.pk}/", f"/imports/{run.pk}/report.xlsx"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Không tìm thấy" in response.content.decode()
    assert client.post(f"/imports/{run.pk}/write/").status_code == 404
    client.force_login(personas.secretary_a)  # cell secretary: imports in their cell only
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    run.refresh_from_db()
    assert run.status == S.CHECKING  # nothing ran, nothing changed


def test_a_failing_task_fails_its_run_with_the_reason(client, personas, queue, settings):
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    runs.stored_path(run).unlink()  # the upload is gone before the worker gets to it
    run_worker()
    run.refresh_from_db()
    assert run.status == S.FAILED and run.problem_count == 1
    assert run.problems[0]["message"].startswith("lỗi hệ thống: ")
    assert DBTaskResult.objects.get(pk=run.task_id).status == "FAILED"
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Thất bại hoặc bị dừng, chưa ghi gì" in page and "lỗi hệ thống" in page
    assert '<meta http-equiv="refresh"' not in page  # not left spinning


def test_the_worker_command_runs_the_queue_in_its_own_process(client, personas, queue, tmp_path):
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    with child_database(tmp_path) as env:
        done = subprocess.run(
            dangvien("worker", "--batch", "--no-startup-delay"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    run.refresh_from_db()
    assert run.status == S.READY, run.problems
    assert run.worker.split(":")[0]  # claimed by the worker process, "host:pid"
    task = DBTaskResult.objects.get(pk=run.task_id)
    assert task.status == "SUCCESSFUL" and task.worker_ids[-1].split(":")[0]
    assert 'id="count-new">1<' in client.get(f"/imports/{run.pk}/").content.decode()


def test_the_daily_alerts_run_as_a_task(queue, org, capsys):
    call_command("alerts", "--enqueue", "--as-of", "2017-06-30")
    out = capsys.readouterr().out
    task = DBTaskResult.objects.get()
    assert f"Đã xếp hàng tác vụ cảnh báo {task.pk} ngày 30/06/2017." in out
    assert task.status == "READY"
    run_worker()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.return_value["as_of"] == "2017-06-30"
    # The same answer as the command run in its own process.
    call_command("alerts", "--as-of", "2017-06-30", "--format", "json")
    assert json.loads(capsys.readouterr().out) == task.return_value


def test_alerts_for_an_unknown_unit_queue_nothing(queue, org):
    with pytest.raises(CommandError, match="Mã đơn vị không tồn tại"):
        call_command("alerts", "--enqueue", "--org", "KHONGCO")
    assert not DBTaskResult.objects.exists()


def task_status_in(env) -> str:
    """The one task's status in the child's database, read while the child runs."""
    url = env["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        return DBTaskResult.objects.get().status
    table = DBTaskResult._meta.db_table
    with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=5) as db:
        return db.execute(f"SELECT status FROM {table}").fetchone()[0]


def test_the_demo_starts_the_worker_beside_the_server_and_stops_it(
    queue, org, tmp_path, monkeypatch
):
    from dangvien.demo.management.commands.demo import start_worker, stop_worker

    call_command("alerts", "--enqueue", "--as-of", "2017-06-30")
    said: list[str] = []
    with child_database(tmp_path) as env:
        with monkeypatch.context() as m:  # the demo hands its own environment to the worker
            for key, value in env.items():
                m.setenv(key, value)
            worker = start_worker(said.append)
        assert worker is not None and worker.poll() is None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and task_status_in(env) != "SUCCESSFUL":
            time.sleep(0.2)
        assert task_status_in(env) == "SUCCESSFUL"
        stop_worker(worker)
        assert worker.returncode == 0  # SIGTERM between tasks: a clean exit
    assert said == [f"Đã khởi động tiến trình chạy nền (tiến trình {worker.pid})."]
    assert DBTaskResult.objects.get().return_value["as_of"] == "2017-06-30"


def test_a_restructuring_from_the_page_is_applied_by_the_worker(client, personas, org, queue):
    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit, Restructuring
    from dangvien.orgs.restructure import Kind

    from . import factories as f
    from .test_restructure import DAY, members

    client.force_login(personas.city_officer)
    form = {
        "kind": Kind.ABSORB,
        "units": ["A2"],
        "target": "A1",
        "day": "01/01/2024",
        "action": "apply",
    }
    response = client.post("/units/restructure/", form)
    task = DBTaskResult.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/units/restructure/task/{task.pk}/"
    # Checked, queued, not applied: the request changed nothing.
    assert OrgUnit.objects.get(code="A2").valid_to is None and members("A1", DAY) == 1
    page = Client()  # after a restart of the web server
    page.force_login(personas.city_officer)
    waiting = page.get(response["Location"]).content.decode()
    assert "Việc sắp xếp đang xếp hàng" in waiting and '<meta http-equiv="refresh"' in waiting

    # Another board member may not read it (nor a ward officer reach it at all).
    other = with_totp(f.user("btc.khac", Role.Kind.ORG_BOARD, org.city))
    page.force_login(other)
    refused = page.get(response["Location"])
    assert refused.status_code == 404 and "Không tìm thấy" in refused.content.decode()
    page.force_login(personas.ward_a_officer)
    assert page.get(response["Location"]).status_code == 403

    run_worker()
    assert members("A1", DAY) == 2 and OrgUnit.objects.get(code="A2").valid_to is not None
    assert Restructuring.objects.get().applied_by == personas.city_officer
    page.force_login(personas.city_officer)
    done = page.get(response["Location"]).content.decode()
    assert "Đã sắp xếp tổ chức:" in done and "Đã xong" in done
    assert '<meta http-equiv="refresh"' not in done


def test_a_task_left_running_by_a_killed_worker_is_failed_when_a_worker_starts(queue, org):
    import signal
    import socket
    import sys

    from dangvien.admission.tasks import daily_alerts
    from dangvien.core import jobs
    from dangvien.orgs import tasks

    host = socket.gethostname()
    # A worker SIGKILLed half-way: its task stays RUNNING with its id, "host:pid".
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "worker"])
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    # A worker still running on this host, and one on another host (not checkable here).
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "worker"])
    try:
        rows = {}
        for name, worker_id in (
            ("killed", f"{host}:{killed.pid}"),
            ("alive", f"{host}:{alive.pid}"),
            ("elsewhere", "another-host:1"),
        ):
            result = tasks.apply_restructuring.enqueue([], [], False)
            row = DBTaskResult.objects.get(pk=result.id)
            row.claim(worker_id)
            rows[name] = row
        ready = daily_alerts.enqueue(as_of="2017-06-30")

        call_command("worker", "--batch", "--no-startup-delay", "--max-tasks", "1")
    finally:
        alive.kill()
        alive.wait()
    for row in rows.values():
        row.refresh_from_db()
    assert rows["killed"].status == "FAILED"
    assert rows["killed"].exception_class_path == "dangvien.core.jobs.WorkerGone"
    assert f"{host}:{killed.pid}" in rows["killed"].traceback
    assert rows["alive"].status == "RUNNING" and rows["elsewhere"].status == "RUNNING"
    # The worker then went on with the queue as usual.
    assert DBTaskResult.objects.get(pk=ready.id).status == "SUCCESSFUL"
    # Its page now says it stopped instead of waiting for ever.
    assert jobs.state_of(str(rows["killed"].pk)) == "FAILED"
    # Once that other worker is gone too, its task is failed in turn; and each only once.
    assert jobs.fail_orphans() == [str(rows["alive"].pk)]
    assert jobs.fail_orphans() == []


def test_an_undo_and_a_split_from_the_page_are_done_by_the_worker(client, personas, org, queue):
    from dangvien.accounts.models import Role
    from dangvien.orgs.models import OrgUnit, Restructuring
    from dangvien.orgs.restructure import Kind, Op, apply

    from . import factories as f
    from .test_restructure import DAY, members

    record = apply([Op(Kind.ABSORB, "A2", DAY, target="A1")], by=personas.city_officer).record
    assert members("A1", DAY) == 2
    client.force_login(personas.city_officer)
    response = client.post(f"/units/restructure/{record.pk}/undo/")
    task = DBTaskResult.objects.get()
    assert task.task_path == "dangvien.orgs.tasks.undo_restructuring"
    assert response["Location"] == f"/units/restructure/task/{task.pk}/"
    assert members("A1", DAY) == 2  # queued, not undone
    waiting = client.get(response["Location"]).content.decode()
    assert "Đang chờ tiến trình chạy nền" in waiting and '<meta http-equiv="refresh"' in waiting
    other = with_totp(f.user("btc.khac", Role.Kind.ORG_BOARD, org.city))
    page = Client()
    page.force_login(other)
    refused = page.get(response["Location"])
    assert refused.status_code == 404 and "Không tìm thấy" in refused.content.decode()
    run_worker()
    assert members("A1", DAY) == 1 and OrgUnit.objects.get(code="A2").valid_to is None
    done = client.get(response["Location"]).content.decode()
    assert "Đã hoàn tác thao tác sắp xếp." in done and '<meta http-equiv="refresh"' not in done
    assert Restructuring.objects.get().undone_at is not None

    # Undone twice: the worker refuses, nothing changes, the page says why.
    again = client.post(f"/units/restructure/{record.pk}/undo/")
    run_worker()
    refusal = client.get(again["Location"]).content.decode()
    assert 'id="refused"' in refusal and "đã được hoàn tác" in refusal

    # A split: checked and done by the worker.
    query = {"unit": "A1", "day": "01/01/2024", "parts": "A1-X | Chi bộ X\nA1-Y | Chi bộ Y"}
    membership = org.an.memberships.get()
    split = client.post(
        "/units/restructure/split/",
        query | {f"member-{membership.pk}": "A1-X", f"locality-{org.tdp_a1.pk}": "A1-Y"},
    )
    task = DBTaskResult.objects.get(task_path="dangvien.orgs.tasks.split_unit")
    assert split["Location"] == f"/units/restructure/task/{task.pk}/"
    assert not OrgUnit.objects.filter(code="A1-X").exists()
    run_worker()
    assert members("A1-X", DAY) == 1 and members("A1-Y", DAY) == 0
    assert "Đã sắp xếp tổ chức:" in client.get(split["Location"]).content.decode()


def test_a_split_refused_by_the_worker_changes_nothing(client, personas, org, queue):
    from dangvien.orgs.models import OrgUnit

    client.force_login(personas.city_officer)
    query = {"unit": "A1", "day": "01/01/2024", "parts": "A1-X | Chi bộ X\nA1-Y | Chi bộ Y"}
    # The member is given no part: refused inside the worker's transaction.
    split = client.post("/units/restructure/split/", query)
    run_worker()
    page = client.get(split["Location"]).content.decode()
    assert 'id="refused"' in page and "Chưa chọn" in page
    assert not OrgUnit.objects.filter(code__in=["A1-X", "A1-Y"]).exists()
    assert OrgUnit.objects.get(code="A1").valid_to is None
