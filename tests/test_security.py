"""Login hardening, headers, the append-only audit trail, backups that restore."""

import hashlib
import io
import os
import sqlite3
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from dangvien.accounts.audit import A
from dangvien.accounts.models import AuditEntry
from dangvien.people.models import Person

from . import factories as f
from .admission_helpers import lan
from .conftest import with_totp


def test_passwords_are_hashed_with_argon2(db):
    user = f.user("someone")
    assert user.password.startswith("argon2$")


def test_password_rules_in_vietnamese(db):
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as err:
        validate_password("12345678")
    messages = " ".join(err.value.messages)
    assert "quá ngắn" in messages and "chỉ gồm chữ số" in messages


def test_lockout_after_five_failures_per_user(client, personas):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "ward.a", "password": "wrong"})
    assert response.status_code in (403, 429)
    body = client.post(
        url, {"username": "ward.a", "password": "pw-test-2017!"}, HTTP_ACCEPT_LANGUAGE="vi"
    ).content.decode()
    assert "Tạm khóa đăng nhập" in body  # locked even with the right password
    failed = AuditEntry.objects.filter(action=A.LOGIN_FAILED).count()
    assert failed >= 5
    from axes.utils import reset

    reset(username="ward.a")  # what the administrator's unlock does
    response = client.post(url, {"username": "ward.a", "password": "pw-test-2017!"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=A.LOGIN, username="ward.a").exists()


def test_security_headers(client, personas):
    client.force_login(personas.city_officer)
    response = client.get("/statistics/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_templates_have_no_inline_script_or_style(client, personas, org):
    client.force_login(personas.city_officer)
    for url in ("/", "/statistics/", "/units/", "/people/", "/candidates/", "/localities/"):
        body = client.get(url).content.decode()
        assert "<script>" not in body and " style=" not in body and "<style" not in body, url


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "HTTPS": "1",
        "ALLOWED_HOSTS": "dangvien.example.vn",
        "SECRET_KEY": "x" * 20 + "-Zq9!vL2#pR7@wT4$kM8%nB3^hF6&jD1*sG5",
        "DATABASE_URL": f"sqlite:///{tmp_path}/deploy.sqlite3",
        "IMPORT_DIR": str(tmp_path / "imports"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "dangvien", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_changes_are_audited_with_before_and_after(org, personas):
    org.an.full_name = "Nguyễn Văn Ân"
    org.an.save()
    entry = AuditEntry.objects.filter(model="people.person", action=A.UPDATE).get()
    assert entry.person_id == org.an.pk
    assert ("full_name", "Nguyễn Văn An", "Nguyễn Văn Ân") in entry.changes()
    role = personas.ward_b_officer.roles.get()
    role.delete()
    deleted = AuditEntry.objects.get(model="accounts.role", action=A.DELETE)
    assert deleted.before["unit_id"] == org.ward_b.pk and deleted.unit_path == "CITY/WARDB/"


def test_reads_exports_and_denials_are_audited(client, personas, org):
    client.force_login(personas.ward_a_officer)
    client.get(reverse("person_detail", args=[org.an.pk]))
    read = AuditEntry.objects.get(action=A.READ)
    assert (read.username, read.person_id, read.ip) == ("ward.a", org.an.pk, "127.0.0.1")
    client.get(reverse("statistics"), {"format": "xlsx"})
    assert AuditEntry.objects.filter(action=A.EXPORT, username="ward.a").exists()
    client.force_login(personas.ward_b_officer)
    assert client.get(reverse("person_detail", args=[org.an.pk])).status_code == 404
    denied = AuditEntry.objects.get(action=A.DENIED)
    assert (denied.username, denied.person_id) == ("ward.b", org.an.pk)
    c = lan(org)
    leader = f.user("leader", "LEADER", org.ward_a)
    client.force_login(leader)
    client.post(reverse("candidate_detail", args=[c.pk]), {"kind": "APPLICATION"})
    assert AuditEntry.objects.filter(
        action=A.DENIED, username="leader", detail__startswith="403"
    ).exists()


def test_person_page_shows_their_history(client, personas, org):
    org.an.citizen_id = "064080654321"
    org.an.save()
    client.force_login(personas.ward_a_officer)
    body = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert "064080123456" in body and "064080654321" in body  # before → after


def touch(person):
    person.occupation = "RETIRED" if person.occupation != "RETIRED" else "OTHER"
    person.save()


def test_audit_log_is_append_only(org):
    touch(org.an)
    entry = AuditEntry.objects.first()
    entry.detail = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(detail="x")


def test_postgresql_trigger_refuses_update_and_delete(org):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only (SQLite: model-level refusal)")
    from django.db import DatabaseError, transaction

    touch(org.an)
    for sql in ("UPDATE accounts_auditentry SET detail = 'x'", "DELETE FROM accounts_auditentry"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)


def test_audit_page_is_for_administrators(client, personas, org):
    touch(org.an)
    client.force_login(personas.city_officer)
    assert client.get(reverse("audit_log")).status_code == 403
    admin = with_totp(get_user_model().objects.create_superuser("root", password="pw-admin-2017!"))
    client.force_login(admin)
    response = client.get(reverse("audit_log"), {"person": org.an.pk, "action": "UPDATE"})
    assert response.status_code == 200 and len(response.context["page"]) == 1
    response = client.get(reverse("audit_log"), {"from": "not a date"})
    assert response.status_code == 200 and len(response.context["page"]) == 0
    refused = client.get(reverse("audit_log"), {"format": "csv"})
    assert refused["Content-Type"].startswith("text/html")  # no purpose, no export
    csv_body = client.get(
        reverse("audit_log"), {"format": "csv", "purpose": "Thanh tra định kỳ 2026"}
    )
    assert "people.person" in csv_body.content.decode()
    assert AuditEntry.objects.filter(action=A.EXPORT, detail__contains="Thanh tra").exists()
    xlsx = client.get(reverse("audit_log"), {"format": "xlsx", "purpose": "Thanh tra định kỳ"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert "people.person" in [row[4] for row in sheet.iter_rows(values_only=True)]


def member_checksum(rows) -> str:
    return hashlib.sha256("\n".join(",".join(map(str, r)) for r in rows).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_table_and_the_members(org, tmp_path):
    lan(org)
    backup = tmp_path / "backup.bin"
    from django.core.management import call_command

    tables = connection.introspection.table_names()
    with connection.cursor() as cur:
        counts = {}
        for t in tables:
            cur.execute(f'SELECT COUNT(*) FROM "{t}"')
            counts[t] = cur.fetchone()[0]
        cur.execute(
            "SELECT person_id, decision_on, ceremony_on, confirmed_on, exit_on "
            "FROM membership_membership ORDER BY id"
        )
        checksum = member_checksum(cur.fetchall())
    assert counts["membership_membership"] == 3 and counts["admission_candidate"] == 1
    call_command("backup", str(backup))  # logs its own entry after the copy

    if connection.vendor == "sqlite":
        target = tmp_path / "restored.sqlite3"
        url = f"sqlite:///{target}"
    else:
        name = "dangvien_restore_test"
        s = connection.settings_dict
        with connection.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "dangvien", "restore", str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    again = subprocess.run(
        [sys.executable, "-m", "dangvien", "restore", str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "trống" in again.stderr  # never over live data

    if connection.vendor == "sqlite":
        db = sqlite3.connect(target)
        fetch = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    else:
        import psycopg

        db = psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True)
        fetch = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    for t, n in counts.items():
        assert fetch(f'SELECT COUNT(*) FROM "{t}"')[0][0] == n, t
    rows = fetch(
        "SELECT person_id, decision_on, ceremony_on, confirmed_on, exit_on "
        "FROM membership_membership ORDER BY id"
    )
    assert member_checksum(rows) == checksum
    db.close()
    assert Person.objects.count() == 5


def test_full_record_export_needs_a_purpose_and_is_logged(client, personas, org):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_export", args=[org.an.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"purpose": ""})
    assert response.status_code == 302 and not AuditEntry.objects.filter(action=A.EXPORT).exists()
    response = client.post(url, {"purpose": "Đơn đề nghị ngày 01/12/2026 của đương sự"})
    data = response.json()
    assert data["person"]["citizen_id"] == "064080123456"
    assert data["memberships"][0]["stints"][0]["unit_code"] == "A1"
    entry = AuditEntry.objects.get(action=A.EXPORT)
    assert "Đơn đề nghị" in entry.detail and entry.person_id == org.an.pk
    client.force_login(personas.ward_b_officer)
    assert client.post(url, {"purpose": "tò mò muốn xem"}).status_code == 404


def test_retention_erases_old_withdrawn_candidates_and_keeps_counts(org, capsys):
    import datetime as dt

    from django.core.management import call_command

    from dangvien.admission.models import Candidate, Stage

    from .admission_helpers import K, step

    c = lan(org)
    step(c, K.WITHDRAWN, dt.date(2017, 3, 1), note="chuyển đi nơi khác")
    call_command("retention", "--dry-run")
    assert "sẽ ẩn danh: hồ sơ" in capsys.readouterr().out
    c.person.refresh_from_db()
    assert c.person.full_name == "Vũ Thị Lan"
    call_command("retention")
    c.person.refresh_from_db()
    assert c.person.full_name.startswith("Đã ẩn danh") and c.person.citizen_id is None
    assert c.person.birth_date == dt.date(1995, 1, 1)
    assert not c.events.exclude(note="").exists()
    assert Candidate.objects.filter(stage=Stage.WITHDRAWN).count() == 1  # counts stay
    call_command("retention")
    second = capsys.readouterr().out.splitlines()
    assert any(line.startswith("0 hồ sơ") for line in second), second
    # Members are never erased.
    assert org.an.full_name == "Nguyễn Văn An"


def test_session_ends_after_inactivity(client, personas, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(personas.ward_a_officer)
    assert client.get("/statistics/").status_code == 200
    # 30 minutes without a request: the stored session has expired.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/statistics/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_idle_timeout_slides_with_one_write_a_minute(client, personas, settings):
    """Pages in quick succession write the session once; a page after
    SESSION_TOUCH_SECONDS writes it back with a later expiry; no page between."""
    import time

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangvien.core import middleware

    client.force_login(personas.ward_a_officer)
    assert client.get("/statistics/").status_code == 200
    first = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as q:
        for _ in range(3):
            assert client.get("/statistics/").status_code == 200
    assert not [x for x in q.captured_queries if x["sql"].startswith('UPDATE "django_session')]
    assert Session.objects.get().expire_date == first
    # A minute later (the stored time moved back), the next page writes it again.
    session = client.session
    session[middleware.SEEN_AT] = time.time() - settings.SESSION_TOUCH_SECONDS - 1
    session.save()
    before = Session.objects.get().expire_date
    assert client.get("/statistics/").status_code == 200
    after = Session.objects.get()
    assert after.expire_date > before
    assert time.time() - after.get_decoded()[middleware.SEEN_AT] < 60


def test_pipeline_steps_audit_the_candidate_change(org):
    from .admission_helpers import K, step

    c = lan(org)
    step(c, K.APPLICATION, org.an.birth_date.replace(year=2017))
    change = AuditEntry.objects.filter(model="admission.candidate", action=A.UPDATE).last()
    assert ("stage", "LISTED", "APPLIED") in change.changes()
    assert AuditEntry.objects.filter(model="admission.event", action=A.CREATE).exists()


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Hoa-Lu-2024", "ít nhất 12 ký tự"),  # 11 characters
        (" " * 14, "khoảng trắng"),
        ("websolutions", "bị lộ"),  # zxcvbn's leaked list, not Django's
        ("Password2017!!", "bị lộ"),  # a listed word with digits and symbols around it
        ("demo-pleiku-2017", "bản demo"),
    ],
)
def test_password_rules_refuse_short_blank_leaked_and_demo(db, password, says):
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ValidationError) as err:
        validate_password(password, f.user("someone"))
    assert says in " ".join(err.value.messages)


def test_a_good_password_passes_and_the_help_lists_the_rules(db):
    from django.contrib.auth.password_validation import (
        password_validators_help_texts,
        validate_password,
    )
    from django.utils import translation

    validate_password("Cây-đa-đầu-làng 1954", f.user("someone"))
    with translation.override("vi"):
        helps = " ".join(password_validators_help_texts())
    assert "12 ký tự" in helps and "bị lộ" in helps and "bản demo" in helps


def test_the_demo_command_accepts_its_password_for_its_users(db, monkeypatch, capsys):
    from django.conf import settings as live
    from django.contrib.auth.password_validation import validate_password
    from django.core.management import call_command

    from dangvien.demo.load import DEMO_PASSWORD, DEMO_USERS
    from dangvien.orgs.models import OrgUnit

    monkeypatch.setattr(live, "DEMO", False)  # restored after the test
    f.unit("PLEIKU", "Đảng bộ thành phố Pleiku", OrgUnit.Kind.SUPERIOR)  # "already loaded"
    call_command("demo", "--no-serve")
    assert DEMO_PASSWORD in capsys.readouterr().out
    assert live.DEMO is True
    for username, full_name, _role, _unit in DEMO_USERS:
        user = get_user_model()(username=username, first_name=full_name)
        validate_password(DEMO_PASSWORD, user)  # what the demo's users log in with


def test_session_ends_after_its_absolute_lifetime_however_active(client, personas, settings):
    import time

    from dangvien.core.middleware import LOGIN_AT

    assert settings.SESSION_MAX_HOURS == 12
    response = client.post(reverse("login"), {"username": "ward.a", "password": "pw-test-2017!"})
    assert response.status_code == 302
    started = client.session[LOGIN_AT]
    assert abs(started - time.time()) < 60  # stored by the login itself

    def login_was(hours_ago: float) -> None:
        session = client.session
        session[LOGIN_AT] = time.time() - hours_ago * 3600
        session.save()

    login_was(11.9)  # active all day, still within 12 hours
    assert client.get("/statistics/").status_code == 200
    login_was(12.01)
    response = client.get("/statistics/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/statistics/").status_code == 302  # logged out, not just redirected
    assert client.get("/api/candidates").status_code == 401
