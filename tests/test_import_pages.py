"""The upload page: check with preview, write on confirmation, problems with a report,
scoping of what an officer may import, and the list of imports."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangvien.imports import members
from dangvien.imports.models import ImportRun
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from .test_import_more import members_row

S = ImportRun.Status


def csv_upload(rows, name="dang-vien.csv"):
    lines = [",".join(members.COLUMNS)]
    lines += [",".join(str(r[c] or "") for c in members.COLUMNS) for r in rows]
    return SimpleUploadedFile(name, ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


def test_upload_preview_then_write(client, personas, settings):
    client.force_login(personas.ward_a_officer)
    response = client.post(
        "/imports/new/", {"kind": "members", "file": csv_upload([members_row()])}
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    assert run.status == S.READY and (run.new, run.updated, run.unchanged) == (1, 0, 0)
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert 'id="count-new">1<' in page and "Ghi vào cơ sở dữ liệu" in page
    assert f"Mã băm của tệp (SHA-256)</dt><dd><code>{run.sha256}" in page
    assert not Person.objects.filter(citizen_id="064185000777").exists()  # a preview only
    assert client.post(f"/imports/{run.pk}/write/").status_code == 302
    run.refresh_from_db()
    assert run.status == S.DONE and run.user == personas.ward_a_officer
    m = Membership.objects.get(person__citizen_id="064185000777")
    assert m.stints.get().unit.code == "A2"
    assert not list(settings.IMPORT_DIR.glob("*.csv"))  # the upload is gone once written
    assert client.post(f"/imports/{run.pk}/write/").status_code == 409  # written once
    listing = client.get("/imports/").content.decode()
    assert "dang-vien.csv" in listing and run.sha256[:12] in listing
    # The same file again: nothing new.
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    again = ImportRun.objects.order_by("-pk").first()
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)


def test_a_bad_file_shows_the_problems_and_a_report(client, personas):
    client.force_login(personas.ward_a_officer)
    bad = {**members_row(), "Số CCCD": "064185000777", "Ngày sinh": "12/03/1984"}
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([bad])})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID and run.problem_count == 1
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Số CCCD" in page and "chưa ghi gì" in page
    report = client.get(f"/imports/{run.pk}/report.xlsx")
    assert report.status_code == 200
    errors = load_workbook(io.BytesIO(report.content))["Lỗi"]
    assert errors.cell(row=2, column=2).value == "Số CCCD"
    assert client.post(f"/imports/{run.pk}/write/").status_code == 409
    assert not Person.objects.filter(full_name="Đinh Thị Hoa").exists()


def test_an_officer_imports_only_into_their_own_subtree(client, personas):
    client.force_login(personas.ward_b_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID
    assert run.problems[0]["column"] == "Mã đơn vị" and "phạm vi" in run.problems[0]["message"]


def test_wrong_kind_or_file_type_is_refused_clearly(client, personas):
    client.force_login(personas.ward_a_officer)
    response = client.post(
        "/imports/new/",
        {"kind": "members", "file": SimpleUploadedFile("x.pdf", b"%PDF")},
    )
    assert (
        response.status_code == 400 and "Chỉ nhận tệp .xlsx hoặc .csv" in response.content.decode()
    )
    broken = SimpleUploadedFile("x.xlsx", b"not a workbook")
    client.post("/imports/new/", {"kind": "members", "file": broken})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID and "Không đọc được tệp Excel" in run.problems[0]["message"]


def test_the_city_officer_sees_the_wards_imports_a_ward_officer_not_the_others(client, personas):
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    client.force_login(personas.city_officer)
    assert client.get(f"/imports/{run.pk}/").status_code == 200
    client.force_login(personas.ward_b_officer)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert "dang-vien.csv" not in client.get("/imports/").content.decode()


def test_the_page_shows_progress_while_busy(client, personas, settings):
    from dangvien.imports import runs

    client.force_login(personas.ward_a_officer)
    run = ImportRun.objects.create(
        kind="members",
        file_name="big.xlsx",
        sha256="0" * 64,
        user=personas.ward_a_officer,
        status=S.CHECKING,
    )
    write = runs.progress_writer(run, 100_000)
    write(40_000)
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress max="100000" value="40000">' in page and "40.000/100.000 dòng" in page


@pytest.mark.django_db(transaction=True)
def test_a_background_check_and_write_finish_on_their_own(client, org, personas, settings):
    from .worker import DATABASE_QUEUE, run_worker

    settings.TASKS = DATABASE_QUEUE  # queued for the worker, as in production
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    assert run.status == S.CHECKING
    run_worker()
    run.refresh_from_db()
    assert run.status == S.READY, run.problems
    client.post(f"/imports/{run.pk}/write/")
    run_worker()
    run.refresh_from_db()
    assert run.status == S.DONE, run.problems
    assert Person.objects.filter(citizen_id="064185000777").exists()


def test_retention_deletes_uploads_left_waiting(client, personas, settings, capsys):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    run = ImportRun.objects.get()
    assert list(settings.IMPORT_DIR.glob("*.csv"))
    call_command("retention")
    assert list(settings.IMPORT_DIR.glob("*.csv"))  # a fresh upload stays
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    call_command("retention", "--dry-run")
    assert "1 tệp nhập dữ liệu bỏ dở" in capsys.readouterr().out
    assert list(settings.IMPORT_DIR.glob("*.csv"))
    call_command("retention")
    run.refresh_from_db()
    assert run.status == S.CANCELLED and not list(settings.IMPORT_DIR.glob("*.csv"))
