"""PostgreSQL only: the audit table's triggers, the application's role that owns nothing
(`dangvien grant-app-role`), and concurrent writers that never fork the chain."""

import json
import os
import subprocess
import sys
import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction

from dangvien.accounts import chain
from dangvien.accounts.audit import A, log
from dangvien.accounts.models import AuditEntry

from . import factories as f

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql"),
    reason="PostgreSQL only (SQLite has no roles; its chain is tested in test_audit_chain.py)",
)

APP_ROLE = "dangvien_audit_app_test"
OWNER_ROLE = "dangvien_audit_owner_test"


def execute(sql: str, params=()) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def refused(sql: str, params=(), match: str | None = None) -> str:
    with pytest.raises(DatabaseError, match=match) as err, transaction.atomic():
        execute(sql, params)
    return str(err.value)


def drop_role(name: str) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cur.fetchone():
            cur.execute(f'DROP OWNED BY "{name}"')
            cur.execute(f'DROP ROLE "{name}"')


def test_the_triggers_let_only_the_retention_erasure_through(org):
    org.an.occupation = "RETIRED"
    org.an.save()
    e = AuditEntry.objects.get(model="people.person", action=A.UPDATE)
    marker = json.dumps(chain.ERASED)
    erase = (
        "UPDATE accounts_auditentry SET erased = true, nonce = '', object_repr = '', "
        "before = %s, after = %s{extra} WHERE id = %s"
    )
    for extra in (
        ", username = 'x'",
        ", detail = 'x'",
        ", hash = 'x'",
        ", person_id = person_id + 1000",
    ):
        refused(erase.format(extra=extra), [marker, marker, e.pk], match="append-only")
    refused("UPDATE accounts_auditentry SET detail = 'x'", match="append-only")
    refused("DELETE FROM accounts_auditentry", match="append-only")
    execute(erase.format(extra=""), [marker, marker, e.pk])  # exactly the erasure: allowed
    e = AuditEntry.objects.get(pk=e.pk)
    assert e.erased and e.before == chain.ERASED
    refused(  # and only once
        "UPDATE accounts_auditentry SET erased = true WHERE id = %s", [e.pk], match="append-only"
    )
    # TRUNCATE: a statement trigger; refused even to a role holding the right to it.
    drop_role(OWNER_ROLE)
    execute(f'CREATE ROLE "{OWNER_ROLE}" NOLOGIN')
    execute(f'GRANT TRUNCATE ON accounts_auditentry TO "{OWNER_ROLE}"')
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        execute(f'SET LOCAL ROLE "{OWNER_ROLE}"')
        execute("TRUNCATE accounts_auditentry")
    drop_role(OWNER_ROLE)
    assert AuditEntry.objects.filter(pk=e.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_application_role_writes_but_cannot_remove_or_change_the_log(org):
    drop_role(APP_ROLE)
    execute(f'CREATE ROLE "{APP_ROLE}" LOGIN')
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    result = subprocess.run(  # as an operator would: the dashed name, from the shell
        [sys.executable, "-m", "dangvien", "grant-app-role", APP_ROLE],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "chỉ đọc và thêm" in result.stdout
    owner = s["USER"]
    connection.close()
    s["USER"] = APP_ROLE  # from here on Django connects as the application's role
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT current_user, session_user")
            assert cur.fetchone() == (APP_ROLE, APP_ROLE)
        # The normal writes: a person (and its audit entry through the signals), a read.
        p = f.person("Đỗ Thị Em", f.D(2000, 1, 2), "F", citizen_id="064300111222")
        log(A.READ, p, detail="dossier read")
        assert list(
            AuditEntry.objects.filter(person_id=p.pk)
            .order_by("seq")
            .values_list("action", flat=True)
        ) == [A.CREATE, A.READ]
        # Retention's erasure goes through the SECURITY DEFINER function.
        assert chain.erase_person(p.pk, ["Đỗ Thị Em"]) == 2
        log(A.DELETE, p, detail=chain.RETENTION_DETAIL)
        assert chain.verify()[1] is None
        # Every way of removing or changing entries is refused.
        attempts = [
            "DELETE FROM accounts_auditentry",
            "UPDATE accounts_auditentry SET detail = 'x'",
            "UPDATE accounts_auditentry SET erased = true, nonce = '', object_repr = '', "
            "before = NULL, after = NULL",
            "TRUNCATE accounts_auditentry",
            "ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only",
            "ALTER TABLE accounts_auditentry DISABLE TRIGGER ALL",
            "DROP TABLE accounts_auditentry",
            "DROP TRIGGER accounts_auditentry_append_only ON accounts_auditentry",
            "CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger "
            "AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
            f'ALTER TABLE accounts_auditentry OWNER TO "{APP_ROLE}"',
        ]
        for sql in attempts:
            message = refused(sql)
            assert "permission denied" in message or "must be owner" in message, (sql, message)
        count = AuditEntry.objects.count()
    finally:
        connection.close()
        s["USER"] = owner
    assert AuditEntry.objects.count() == count
    drop_role(APP_ROLE)


def test_grant_app_role_refuses_the_owner_and_unknown_roles(db):
    from django.core.management import CommandError, call_command

    for name, message in (
        (connection.settings_dict["USER"], "superuser"),
        ("nobody_x", "Không có"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("grant_app_role", name)
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("grant_app_role", "x; DROP TABLE y")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(org):
    start = AuditEntry.objects.count()
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def writer(i: int) -> None:
        try:
            barrier.wait()
            for n in range(15):
                with transaction.atomic():
                    log(A.READ, org.an, detail=f"writer {i} read {n}")
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert AuditEntry.objects.count() == start + 60
    assert chain.verify() == (start + 60, None)
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, start + 61))
