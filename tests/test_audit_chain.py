"""The audit log's hash chain: every way of tampering with it is found by
`dangvien audit verify` (on SQLite, where no trigger protects the table)."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dangvien.accounts import chain
from dangvien.accounts.audit import A, log, log_created, snapshot
from dangvien.accounts.models import AuditEntry
from dangvien.membership.models import Stint

from . import factories as f


def touch(person, occupation):
    person.occupation = occupation
    person.save()


@pytest.fixture
def logged(org):
    """Five more entries after the fixture's own, about a person."""
    for occupation in ("RETIRED", "OTHER", "RETIRED", "OTHER"):
        touch(org.an, occupation)
    log(A.READ, org.an, detail="dossier read")
    return list(AuditEntry.objects.order_by("seq"))


def verify_fails(kind: str) -> str:
    with pytest.raises(CommandError) as err:
        call_command("audit", "verify")
    assert err.value.returncode == 1
    assert f"({kind})" in str(err.value)
    return str(err.value)


def raw(sql: str, params=()) -> None:
    """Tamper as the table's owner could: on PostgreSQL, with the trigger disabled first
    (rolled back with the test's transaction)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER USER")
        cur.execute(sql, params)


def test_an_untouched_chain_verifies_and_prints_its_head(logged, capsys):
    entries = logged
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert len({e.hash for e in entries}) == len(entries)
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert f"{len(entries)} mục" in out
    assert f"{entries[-1].seq}:{entries[-1].hash}" in out
    call_command("audit", "verify", "--head", f"{entries[2].seq}:{entries[2].hash}")


def test_a_deleted_entry_is_found(logged):
    victim = logged[3]
    raw("DELETE FROM accounts_auditentry WHERE id = %s", [victim.pk])
    message = verify_fails("deleted")
    assert f"vị trí {victim.seq + 1}: thiếu mục {victim.seq} trước" in message


def test_an_entry_inserted_behind_the_application_is_found(logged):
    raw(
        "INSERT INTO accounts_auditentry (at, username, action, model, object_id, "
        "object_repr, unit_path, detail, nonce, payload_digest, hash, erased) VALUES "
        "(%s, 'ghost', 'READ', '', '', '', '', '', '', '', '', %s)",
        [logged[0].at, False],
    )
    verify_fails("inserted")


def test_a_forged_entry_with_a_copied_position_is_found(logged):
    """An insert that copies a real entry's hash and takes a free position in the
    middle: the next entry no longer chains onto it."""
    e = logged[1]
    raw("DELETE FROM accounts_auditentry WHERE id = %s", [logged[2].pk])
    raw(
        "INSERT INTO accounts_auditentry (at, username, action, model, object_id, "
        "object_repr, unit_path, detail, nonce, payload_digest, hash, erased, seq) VALUES "
        "(%s, 'ghost', 'READ', '', '', '', '', '', %s, %s, %s, %s, %s)",
        [e.at, e.nonce, e.payload_digest, e.hash, False, logged[2].seq],
    )
    verify_fails("altered")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditentry SET detail = 'nothing happened' WHERE id = %s",
        "UPDATE accounts_auditentry SET username = 'someone.else' WHERE id = %s",
        "UPDATE accounts_auditentry SET ip = '10.9.9.9' WHERE id = %s",
        "UPDATE accounts_auditentry SET at = '2001-01-01 00:00:00' WHERE id = %s",
        "UPDATE accounts_auditentry SET action = 'READ' WHERE id = %s",
    ],
)
def test_an_altered_field_is_found(logged, sql):
    raw(sql, [logged[2].pk])
    assert f"mục id {logged[2].pk}" in verify_fails("altered")


def test_altered_before_after_values_are_found(logged):
    e = next(e for e in logged if e.action == A.UPDATE)
    before = dict(e.before)
    before["occupation"] = "FARMER"
    raw("UPDATE accounts_auditentry SET before = %s WHERE id = %s", [json.dumps(before), e.pk])
    assert "giá trị khác với lúc ghi" in verify_fails("altered")


def test_a_fake_erasure_of_a_live_entry_is_found(logged):
    """The erasure marker cannot be used to hide an entry's fields: who, when, what and
    the record stay under the hash, and an erasure needs its retention record."""
    e = next(e for e in logged if e.action == A.UPDATE)
    raw(
        "UPDATE accounts_auditentry SET erased = %s, nonce = '', object_repr = '', "
        "before = %s, after = %s WHERE id = %s",
        [True, json.dumps(chain.ERASED), json.dumps(chain.ERASED), e.pk],
    )
    assert "không có bản ghi xóa" in verify_fails("altered")
    raw("UPDATE accounts_auditentry SET username = %s WHERE id = %s", ["x", e.pk])
    assert "hoặc mục trước nó" in verify_fails("altered")


def test_a_rehashed_tail_is_caught_by_the_recorded_head(logged):
    """Someone who deletes the last entries leaves a valid shorter chain: the head
    recorded earlier (and kept elsewhere) catches it."""
    last = logged[-1]
    raw("DELETE FROM accounts_auditentry WHERE seq >= %s", [logged[-2].seq])
    call_command("audit", "verify")  # the shorter chain is consistent in itself...
    with pytest.raises(CommandError) as err:
        call_command("audit", "verify", "--head", f"{last.seq}:{last.hash}")
    assert err.value.returncode == 1 and "(deleted)" in str(err.value)


def test_bad_head_argument_is_a_usage_error(logged):
    with pytest.raises(CommandError) as err:
        call_command("audit", "verify", "--head", "abc")
    assert err.value.returncode == 2


def test_bulk_entries_are_chained_in_one_pass(org, django_assert_max_num_queries):
    people = [f.person(f"Người Thử {i}", citizen_id=f"0640801{i:05d}") for i in range(3)]
    before = AuditEntry.objects.count()
    # One read of the last hash, then inserts in batches (SQLite's variable limit makes
    # them ~50 rows each; PostgreSQL 500): never a query per entry.
    with django_assert_max_num_queries(40):
        log_created(people * 400, detail="bulk")
    assert AuditEntry.objects.count() == before + 1200
    assert chain.verify() == (before + 1200, None)


def test_a_bulk_row_has_every_field_of_an_entry_but_its_id():
    fields = {f.attname for f in AuditEntry._meta.concrete_fields if not f.primary_key}
    assert set(chain.ROW_FIELDS) == fields


def test_a_bulk_entry_stores_what_a_single_entry_would(org):
    stint = Stint.objects.get(membership__person=org.an)
    log_created([stint] * 1000, detail="bulk")  # COPY on PostgreSQL, bulk_create on SQLite
    e = AuditEntry.objects.filter(detail="bulk").order_by("seq").last()
    assert (e.action, e.model, e.object_id, e.person_id, e.unit_path) == (
        A.CREATE,
        "membership.stint",
        str(stint.pk),
        org.an.pk,
        org.cell_a1.path,
    )
    assert e.after == snapshot(stint) and e.after["start_on"] == "2005-06-01"
    assert e.object_repr == str(stint)[:200] and e.before is None
    assert chain.verify()[1] is None  # the digest over the stored `after` holds


def test_redaction_keeps_the_chain_verifiable(logged, org):
    n = chain.erase_person(org.an.pk, ["Nguyễn Văn An", "064080123456"])
    assert n == AuditEntry.objects.filter(person_id=org.an.pk).count() > 0
    verify_fails("altered")  # erased, but no record of the erasure yet
    log(A.DELETE, org.an, detail=chain.RETENTION_DETAIL)
    call_command("audit", "verify")
    e = AuditEntry.objects.filter(person_id=org.an.pk, action=A.UPDATE).first()
    assert (e.before, e.after, e.object_repr, e.nonce, e.erased) == (
        chain.ERASED,
        chain.ERASED,
        "",
        "",
        True,
    )


def test_dashed_command_names_run_their_command(tmp_path):
    """`dangvien grant-app-role` runs grant_app_role (Django names cannot hold '-');
    on SQLite it says it is for PostgreSQL only."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "dangvien", "grant-app-role", "dangvien_app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "chỉ dành cho PostgreSQL" in result.stderr
