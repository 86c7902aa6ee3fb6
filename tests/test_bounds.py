"""Bounds on every input (issue 10, item 8): dates, vote counts, NUL in files, step
kinds, self-approved exceptions — each a clear Vietnamese refusal, never a 500."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangvien.admission.models import Candidate, Event
from dangvien.imports import candidates as cand_import
from dangvien.imports.models import ImportRun

from .admission_helpers import K, lan, prepare
from .test_import_more import CAND

D = dt.date
EXTREME_DATES = ["9999-12-31", "31/12/9999", "0001-01-01", "1899-12-31", "2100-01-01"]


def date_urls(org, candidate):
    """Every page that reads a date from its query string, with the parameter's name."""
    c = candidate.pk
    return [
        ("/alerts/", "date"),
        ("/alerts/?format=csv&purpose=ki%E1%BB%83m+tra", "date"),
        ("/statistics/", "date"),
        ("/statistics/?format=xlsx", "date"),
        ("/units/", "date"),
        ("/units/A1/", "date"),
        ("/localities/", "date"),
        (f"/candidates/{c}/", "date"),
        ("/units/A1/candidates.docx", "date"),
        ("/units/A1/cards.docx", "date"),
        ("/audit/", "from"),
        ("/audit/", "to"),
        ("/", "date"),
    ]


@pytest.mark.parametrize("value", EXTREME_DATES)
def test_no_date_parameter_gives_a_500(client, personas, org, value):
    from django.contrib.auth import get_user_model

    c = lan(org)
    admin = get_user_model().objects.create_superuser("root", password="pw-test-2017!")
    failures = []
    for user in (personas.ward_a_officer, admin):
        client.force_login(user)
        for url, param in date_urls(org, c):
            joiner = "&" if "?" in url else "?"
            response = client.get(f"{url}{joiner}{param}={value}", HTTP_ACCEPT_LANGUAGE="vi")
            if response.status_code >= 500:
                failures.append(f"{user} {url} {param}={value}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_far_date_on_the_alerts_page_is_refused_in_vietnamese(client, personas, org):
    lan(org)
    client.force_login(personas.ward_a_officer)
    body = client.get("/alerts/?date=9999-12-31", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "31/12/9999" in body or "9999-12-31" in body
    assert "ngày" in body.lower()


# ----- vote counts ----------------------------------------------------------------------
def at_cell_vote(org):
    c = lan(org)
    prepare(c, org)
    c.refresh_from_db()
    return c


def api_vote(client, c, **fields):
    body = {"kind": "CELL_VOTE", "date": "2017-05-10", "version": c.version, **fields}
    response = client.post(
        f"/api/candidates/{c.pk}/events", json.dumps(body), content_type="application/json"
    )
    return response


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"full_members": 12, "present": 13, "in_favour": 10}, "present"),
        ({"full_members": 12, "present": 9, "in_favour": 10}, "in_favour"),
        ({"full_members": 12, "in_favour": 13}, "in_favour"),
        ({"full_members": -1, "in_favour": 0}, "full_members"),
        ({"full_members": 12, "present": -3, "in_favour": 10}, "present"),
        ({"full_members": 10**9, "in_favour": 10**9}, "full_members"),
        ({"full_members": 2**63, "in_favour": 1}, "full_members"),
    ],
)
def test_vote_counts_are_bounded_and_consistent_on_the_api(client, personas, org, fields, named):
    c = at_cell_vote(org)
    client.force_login(personas.secretary_a)
    events = Event.objects.count()
    response = api_vote(client, c, **fields)
    assert response.status_code == 422, response.content
    assert named in response.content.decode()
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"full_members": "12", "present": "13", "in_favour": "10"}, "present"),
        ({"full_members": "12", "present": "9", "in_favour": "10"}, "in_favour"),
        ({"full_members": "12", "in_favour": "13"}, "in_favour"),
        ({"full_members": "1000000", "in_favour": "1000000"}, "full_members"),
    ],
)
def test_vote_counts_are_bounded_and_consistent_on_the_page(client, personas, org, fields, named):
    c = at_cell_vote(org)
    client.force_login(personas.secretary_a)
    events = Event.objects.count()
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {"kind": "CELL_VOTE", "date": "10/05/2017", "version": c.version, **fields},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 200
    assert named in response.context["form"].errors, response.context["form"].errors
    assert Event.objects.count() == events


def test_a_sound_vote_still_records(client, personas, org):
    c = at_cell_vote(org)
    client.force_login(personas.secretary_a)
    response = api_vote(client, c, full_members=12, present=11, in_favour=10)
    assert response.status_code == 201, response.content


# ----- dates of steps and birth dates ---------------------------------------------------
def test_a_step_dated_before_1900_is_refused(client, personas, org):
    c = lan(org)
    client.force_login(personas.secretary_a)
    body = {"kind": "APPLICATION", "date": "1800-01-01", "version": c.version}
    response = client.post(
        f"/api/candidates/{c.pk}/events", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422 and "date" in response.content.decode()
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {"kind": "APPLICATION", "date": "01/01/1800", "version": c.version},
    )
    assert "date" in response.context["form"].errors
    assert not Event.objects.filter(kind=K.APPLICATION).exists()


def test_a_birth_date_before_1900_is_refused_on_the_candidate_form(client, personas, org):
    from .test_admission_pages import NEW

    client.force_login(personas.ward_a_officer)
    response = client.post(
        reverse("candidate_new"), {**NEW, "birth_date": "01/01/1850", "citizen_id": ""}
    )
    assert "birth_date" in response.context["form"].errors
    response = client.post(reverse("candidate_new"), {**NEW, "listed_on": "01/01/1850"})
    assert "listed_on" in response.context["form"].errors
    assert not Candidate.objects.exists()


# ----- step kinds the page does not offer ------------------------------------------------
@pytest.mark.parametrize("kind", ["LISTED"])
def test_the_api_refuses_the_step_kinds_the_page_does_not_offer(client, personas, org, kind):
    c = lan(org)
    client.force_login(personas.secretary_a)
    body = {"kind": kind, "date": "2017-01-05", "version": c.version}
    response = client.post(
        f"/api/candidates/{c.pk}/events", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422 and "kind" in response.content.decode()
    assert Event.objects.filter(kind=kind).count() == 1  # the listing itself only


# ----- exceptions approved by someone else ----------------------------------------------
def exception(**change):
    return {
        "kind": "EXCEPTION",
        "date": "2017-01-05",
        "rule": "age.min",
        "approved_by": "Ban Thường vụ Thành ủy",
        "document_number": "12-CV/TU",
        **change,
    }


@pytest.mark.parametrize("approver", ["secretary.a1", "SECRETARY.A1", " secretary.a1 "])
def test_an_officer_cannot_approve_their_own_exception(client, personas, org, approver):
    c = lan(org)
    client.force_login(personas.secretary_a)
    response = client.post(
        f"/api/candidates/{c.pk}/events",
        json.dumps({**exception(approved_by=approver), "version": c.version}),
        content_type="application/json",
    )
    assert response.status_code == 422 and "approved_by" in response.content.decode()
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {**exception(approved_by=approver, date="05/01/2017"), "version": c.version},
    )
    assert "approved_by" in response.context["form"].errors
    assert not Event.objects.filter(kind=K.EXCEPTION).exists()


def test_an_officer_cannot_name_themselves_as_approver(client, personas, org):
    personas.secretary_a.first_name, personas.secretary_a.last_name = "Hà", "Nguyễn Thu"
    personas.secretary_a.save()
    c = lan(org)
    client.force_login(personas.secretary_a)
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {**exception(approved_by="Nguyễn Thu Hà", date="05/01/2017"), "version": c.version},
    )
    assert "approved_by" in response.context["form"].errors
    assert not Event.objects.filter(kind=K.EXCEPTION).exists()


def test_an_exception_shows_its_approver_apart_from_who_recorded_it(client, personas, org):
    c = lan(org)
    client.force_login(personas.secretary_a)
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {**exception(date="05/01/2017"), "version": c.version},
    )
    assert response.status_code == 302
    body = client.get(reverse("candidate_detail", args=[c.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    text = body.content.decode()
    timeline = text[text.index('id="timeline"') :]
    row = next(r for r in timeline.split("<tr>") if "Tuổi tối thiểu" in r)
    assert "cấp duyệt Ban Thường vụ Thành ủy" in " ".join(row.split())
    assert "secretary.a1" in row  # who recorded it, in its own column


# ----- NUL in an imported file ----------------------------------------------------------
def test_a_nul_in_a_csv_cell_is_a_checked_problem(client, personas, org):
    client.force_login(personas.ward_a_officer)
    header = cand_import.COLUMNS
    row = {**CAND, "Họ và tên": "Rơ Châm\x00Hyơk"}
    text = ",".join(header) + "\n" + ",".join(str(row.get(c) or "") for c in header) + "\n"
    upload = SimpleUploadedFile("nguon.csv", text.encode("utf-8"))
    client.post("/imports/new/", {"kind": "candidates", "file": upload})
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.INVALID, run.problems
    problem = run.problems[0]
    assert problem["column"] == "Họ và tên" and "lỗi hệ thống" not in problem["message"]
    assert "NUL" in problem["message"] or "ký tự" in problem["message"]
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(
    ("column", "value"), [("Ngày sinh", "01/01/1850"), ("Ngày vào danh sách nguồn", "1899-12-31")]
)
def test_dates_before_1900_are_refused_in_the_candidate_import(org, tmp_path, column, value):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from .test_import_more import TODAY, xlsx

    path = xlsx(tmp_path, cand_import.COLUMNS, [{**CAND, column: value}])
    plan = cand_import.validate(path, TODAY)
    assert (column, "trước năm 1900") in [(p.column, p.message) for p in plan.problems]
    with pytest.raises(CommandError):
        call_command("import", "candidates", path)
    assert not Candidate.objects.exists()
