"""The "where" of every entry: the client address behind a reverse proxy (for the audit
and for the lockout), background imports that keep the uploader, API denials and admin
reads in the log."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from dangvien.accounts.audit import A, client_ip
from dangvien.accounts.models import AuditEntry
from dangvien.imports.models import ImportRun
from dangvien.people.models import Person

from . import factories as f
from .admission_helpers import lan
from .conftest import with_totp
from .test_import_more import members_row
from .test_import_pages import csv_upload

PROXY = "127.0.0.1"  # nginx on the same machine


def request(xff: str | None = None, remote: str = PROXY):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("behind", "trusted", "xff", "expected"),
    [
        (False, 1, "203.0.113.9", PROXY),  # no proxy configured: the header is anyone's
        (True, 1, "203.0.113.9", "203.0.113.9"),
        (True, 1, "198.51.100.77, 203.0.113.9", "203.0.113.9"),  # a forged left part
        (True, 2, "198.51.100.77, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies
        (True, 2, "203.0.113.9", PROXY),  # fewer hops than proxies: not believed
        (True, 1, "not-an-address", PROXY),
        (True, 1, None, PROXY),
        (True, 1, " 2001:DB8::0:1 ", "2001:db8::1"),
    ],
)
def test_client_address_behind_a_proxy(settings, behind, trusted, xff, expected):
    settings.BEHIND_PROXY, settings.TRUSTED_PROXIES = behind, trusted
    assert client_ip(request(xff)) == expected


def test_audit_records_the_client_behind_the_proxy(client, personas, org, settings):
    settings.BEHIND_PROXY = True
    client.force_login(personas.ward_a_officer)
    client.get(
        reverse("person_detail", args=[org.an.pk]),
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.9",
    )
    assert AuditEntry.objects.get(action=A.READ).ip == "203.0.113.9"


def login(client, username, password, client_address):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
        HTTP_ACCEPT_LANGUAGE="vi",
    )


def test_failures_behind_the_proxy_lock_the_client_not_everyone(client, personas, settings):
    settings.BEHIND_PROXY = True
    attacker = "203.0.113.9"
    for i in range(5):  # five user names from one address: that address is locked
        login(client, f"guess{i}", "wrong", attacker)
    body = login(client, "ward.a", "pw-test-2017!", attacker).content.decode()
    assert "Tạm khóa đăng nhập" in body
    # A forged header does not get the attacker out of the lockout.
    body = login(client, "ward.a", "pw-test-2017!", f"198.51.100.1, {attacker}").content.decode()
    assert "Tạm khóa đăng nhập" in body
    # Another officer behind the same proxy logs in: the proxy's address is not locked.
    response = login(client, "ward.b", "pw-test-2017!", "198.51.100.4")
    assert response.status_code == 302
    failed = AuditEntry.objects.filter(action=A.LOGIN_FAILED)
    assert set(failed.values_list("ip", flat=True)) == {attacker}
    assert AuditEntry.objects.get(action=A.LOGIN, username="ward.b").ip == "198.51.100.4"


def test_api_denials_are_logged_like_page_denials(client, personas, org):
    c = lan(org)
    client.force_login(personas.ward_b_officer)
    assert client.get(f"/api/candidates/{c.pk}").status_code == 404
    response = client.post(
        f"/api/candidates/{c.pk}/events",
        json.dumps({"kind": "APPLICATION", "date": "2017-01-05", "version": c.version}),
        content_type="application/json",
    )
    assert response.status_code == 404
    denied = AuditEntry.objects.filter(action=A.DENIED, username="ward.b")
    assert denied.count() == 2
    assert set(denied.values_list("person_id", flat=True)) == {c.person_id}
    assert denied.filter(detail__startswith="404: outside scope").count() == 2
    assert client.get("/api/candidates/999999").status_code == 404  # none: nothing to log
    assert AuditEntry.objects.filter(action=A.DENIED).count() == 2

    leader = f.user("leader.a", "LEADER", org.ward_a)
    client.force_login(leader)
    # A names-only leader reads the names the pages show them; a write is refused.
    assert client.get(f"/api/candidates/{c.pk}").status_code == 200
    response = client.post(
        f"/api/candidates/{c.pk}/events",
        json.dumps({"kind": "APPLICATION", "date": "2017-01-05", "version": c.version}),
        content_type="application/json",
    )
    assert response.status_code == 403
    refusals = AuditEntry.objects.filter(action=A.DENIED, username="leader.a").order_by("seq")
    assert [e.detail for e in refusals] == [f"403 POST /api/candidates/{c.pk}/events"]
    reads = AuditEntry.objects.filter(action=A.READ, username="leader.a")
    assert list(reads.values_list("detail", flat=True)) == ["api, names only"]
    assert {e.person_id for e in refusals} == {c.person_id}


def test_admin_lists_and_records_are_audited(client, personas, org):
    admin = with_totp(get_user_model().objects.create_superuser("root", password="pw-admin-2017!"))
    client.force_login(admin)
    assert client.get("/admin/people/person/", {"q": "Nguyễn"}).status_code == 200
    listed = AuditEntry.objects.get(action=A.READ, username="root")
    assert listed.detail.startswith("admin list people.person 1 rows ?q=")
    assert client.get(f"/admin/people/person/{org.an.pk}/change/").status_code == 200
    read = AuditEntry.objects.filter(action=A.READ, username="root").order_by("seq").last()
    assert (read.person_id, read.detail) == (org.an.pk, "admin record")


@pytest.mark.django_db(transaction=True)
def test_a_background_import_keeps_the_uploader_and_address(client, personas, settings):
    from .worker import DATABASE_QUEUE, run_worker

    settings.TASKS = DATABASE_QUEUE  # run by the worker, away from the request
    settings.BEHIND_PROXY = True
    client.force_login(personas.ward_a_officer)
    where = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50"}
    wait = run_worker

    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])}, **where)
    wait()
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.READY, run.problems
    client.post(f"/imports/{run.pk}/write/", **where)
    wait()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.problems
    person = Person.objects.get(citizen_id="064185000777")
    written = AuditEntry.objects.filter(detail__startswith="import members")
    assert written.filter(person_id=person.pk, action=A.CREATE).exists()
    assert set(written.values_list("username", "ip")) == {("ward.a", "203.0.113.50")}
