"""Report downloads of large subtrees made by the worker (issue 14, item 5): above
EXPORT_TASK_MEMBERS members the download is queued, its page shows the task's state and
then offers the file, to its asker only; small subtrees are served in the request."""

import stat

import pytest
from django_tasks_db.models import DBTaskResult

from dangvien.accounts.models import AuditEntry, Role

from . import factories as f
from .conftest import Client, with_totp
from .worker import DATABASE_QUEUE, run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits


@pytest.fixture
def queue(settings):
    settings.TASKS = DATABASE_QUEUE


@pytest.mark.parametrize(
    "url, kind, magic",
    [
        ("/statistics/?unit=CITY&format=xlsx", "structure_xlsx", b"PK"),
        ("/statistics/coverage/?unit=CITY&format=xlsx", "coverage_xlsx", b"PK"),
        ("/statistics/development/?unit=CITY&format=xlsx", "development_xlsx", b"PK"),
        ("/statistics/development/report.pdf?unit=CITY", "development_pdf", b"%PDF"),
        ("/statistics/coverage/report.pdf?unit=CITY", "coverage_pdf", b"%PDF"),
        ("/reports/draft.docx?unit=CITY", "draft_docx", b"PK"),
        ("/dashboard/report.pdf?unit=CITY", "dashboard_pdf", b"%PDF"),
    ],
)
def test_a_large_subtree_is_exported_by_the_worker(
    client, personas, org, queue, settings, url, kind, magic
):
    settings.EXPORT_TASK_MEMBERS = 2  # the city has 3 members: large
    client.force_login(personas.city_officer)
    response = client.get(url)
    task = DBTaskResult.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/{task.pk}/"
    assert task.task_path == "dangvien.reports.export_tasks.render_export"
    assert task.args_kwargs["args"][0] == kind
    assert AuditEntry.objects.filter(action="EXPORT", username="btc.city").exists()
    waiting = client.get(response["Location"]).content.decode()
    assert "Đang chờ tiến trình chạy nền" in waiting and '<meta http-equiv="refresh"' in waiting
    assert client.get(f"/exports/{task.pk}/file/").status_code == 404  # not made yet

    run_worker()
    page = client.get(response["Location"]).content.decode()
    assert 'id="download"' in page and '<meta http-equiv="refresh"' not in page
    download = client.get(f"/exports/{task.pk}/file/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(magic)
    kept = settings.EXPORT_DIR / f"{task.pk}.bin"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_only_the_asker_gets_the_file(client, personas, org, queue, settings):
    settings.EXPORT_TASK_MEMBERS = 2
    client.force_login(personas.city_officer)
    location = client.get("/statistics/?unit=CITY&format=xlsx")["Location"]
    run_worker()
    task = DBTaskResult.objects.get()
    other = Client()
    # Another board officer of the same city, and an administrator: not theirs.
    for user in (
        with_totp(f.user("btc.khac", Role.Kind.ORG_BOARD, org.city)),
        with_totp(f.user("quantri", Role.Kind.ADMIN, org.city)),
    ):
        other.force_login(user)
        for address in (location, f"/exports/{task.pk}/file/"):
            refused = other.get(address)
            assert refused.status_code == 404
            assert "Không tìm thấy" in refused.content.decode()
    # An unknown id, or a task that is not a report file.
    client.get("/statistics/?unit=CITY")  # nothing queued by a page view
    assert client.get("/exports/00000000-0000-0000-0000-000000000000/").status_code == 404
    from dangvien.admission.tasks import daily_alerts

    alerts = daily_alerts.enqueue(as_of="2017-06-30")
    assert client.get(f"/exports/{alerts.id}/").status_code == 404


def test_a_small_subtree_is_exported_in_the_request(client, personas, org, queue, settings):
    settings.EXPORT_TASK_MEMBERS = 3  # the city has 3 members: not more than the limit
    client.force_login(personas.city_officer)
    response = client.get("/statistics/?unit=CITY&format=xlsx")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert not DBTaskResult.objects.exists()


def test_with_an_immediate_backend_the_file_comes_at_once(client, personas, org, settings):
    settings.EXPORT_TASK_MEMBERS = 0  # every download as a task
    client.force_login(personas.city_officer)
    response = client.get("/dashboard/report.pdf?unit=CITY")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="so-lieu-CITY-' in response["Content-Disposition"]


def test_a_failed_export_says_so(client, personas, org, queue, settings, monkeypatch):
    from dangvien.reports import export_tasks

    settings.EXPORT_TASK_MEMBERS = 0

    def broken(unit, params, user):
        raise ValueError("hỏng")

    monkeypatch.setitem(export_tasks.RENDERERS, "structure_xlsx", broken)
    client.force_login(personas.city_officer)
    location = client.get("/statistics/?unit=CITY&format=xlsx")["Location"]
    run_worker()
    page = client.get(location).content.decode()
    assert 'role="alert"' in page and 'id="download"' not in page


def test_retention_deletes_report_files_older_than_a_week(settings, org, capsys):
    import os
    import time

    from django.core.management import call_command

    settings.EXPORT_DIR.mkdir(parents=True)
    old = settings.EXPORT_DIR / "00000000-0000-4000-8000-000000000001.bin"
    fresh = settings.EXPORT_DIR / "00000000-0000-4000-8000-000000000002.bin"
    for path in (old, fresh):
        path.write_bytes(b"PK")
    week = time.time() - 8 * 86_400
    os.utime(old, (week, week))
    call_command("retention", "--dry-run")
    assert "1 tệp báo cáo quá 7 ngày (chạy thử, chưa xóa gì)." in capsys.readouterr().out
    assert old.exists()
    call_command("retention")
    assert "1 tệp báo cáo quá 7 ngày đã được xóa." in capsys.readouterr().out
    assert not old.exists() and fresh.exists()
