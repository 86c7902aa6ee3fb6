"""The read replica (core.dbrouter): which alias answers which read, read-your-writes,
falling back to the primary, and a real streaming replica when DATABASE_REPLICA_URL
names one (CI starts it: .ci/run; REQUIRE_REPLICA=1 makes its absence a failure).

Without DATABASE_REPLICA_URL the `replica` alias is a second connection to the test
database (TEST MIRROR). Routing needs committed data on both connections, so these
tests are transactional; inside an open transaction every read goes to the primary,
which is why the rest of the suite is unaffected.
"""

import os
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangvien.accounts.models import AuditEntry
from dangvien.core import dbrouter
from dangvien.core.dbrouter import (
    REPLICA,
    WROTE_AT,
    ReplicaMiddleware,
    ReplicaRouter,
    replica_context,
)
from dangvien.orgs.models import Locality
from dangvien.people.models import Person

from . import factories as f

BOTH = ["default", REPLICA]
transactional = pytest.mark.django_db(transaction=True, databases=BOTH)
REAL = bool(settings.DATABASE_REPLICA_URL)
router = ReplicaRouter()


@pytest.fixture(autouse=True)
def _fresh_health(settings):
    settings.REPLICA_CHECK_SECONDS = 0  # every read checks the replica afresh
    dbrouter.reset()
    yield
    dbrouter.reset()


def replica_queries(client, url):
    """How many of the page's queries ran on the replica (its health check aside)."""
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(url)
    assert response.status_code == 200
    return sum("pg_is_in_recovery" not in q["sql"] for q in on_replica.captured_queries)


# -- which alias for which read and write ----------------------------------------------


@transactional
def test_reads_go_to_the_primary_outside_a_replica_view():
    assert router.db_for_read(Person) == "default"


@transactional
def test_domain_reads_in_a_replica_view_go_to_the_replica():
    with replica_context():
        assert router.db_for_read(Person) == REPLICA
        assert router.db_for_read(Locality) == REPLICA


@transactional
def test_the_switch_turns_replica_reads_off(settings):
    settings.REPLICA_READS = False
    with replica_context():
        assert router.db_for_read(Person) == "default"


@transactional
def test_sessions_users_and_audit_are_always_read_from_the_primary():
    with replica_context():
        assert router.db_for_read(get_user_model()) == "default"
        assert router.db_for_read(AuditEntry) == "default"
        assert router.db_for_read(SessionStore().model) == "default"


@transactional
def test_writes_go_to_the_primary_and_later_reads_follow():
    with replica_context() as state:
        assert router.db_for_write(Person) == "default"
        assert state.wrote
        assert router.db_for_read(Person) == "default"


@transactional
def test_an_audit_entry_is_not_a_write_that_pins_the_request():
    with replica_context() as state:
        router.db_for_write(AuditEntry)
        assert not state.wrote
        assert router.db_for_read(Person) == REPLICA


@transactional
def test_inside_a_transaction_reads_stay_on_the_primary():
    with replica_context(), transaction.atomic():
        assert router.db_for_read(Person) == "default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "people")
    assert not router.allow_migrate(REPLICA, "people")


@transactional
def test_a_queryset_in_a_replica_view_runs_on_the_replica():
    f.locality("R1", "Phường Một", Locality.Kind.WARD)
    with replica_context():
        qs = Locality.objects.filter(code="R1")
        assert qs.db == REPLICA
        assert qs.get().name == "Phường Một"


# -- through the pages: read-your-writes -----------------------------------------------


@transactional
def test_report_pages_read_the_replica_and_other_pages_do_not(org, personas, client):
    client.force_login(personas.city_officer)
    assert replica_queries(client, reverse("statistics")) > 0
    assert replica_queries(client, reverse("dashboard")) > 0
    assert replica_queries(client, reverse("person_list")) > 0
    assert replica_queries(client, reverse("person_detail", args=[org.an.pk])) == 0


@transactional
def test_after_a_post_the_user_reads_the_primary_for_a_while(personas, client, settings):
    client.force_login(personas.city_officer)
    assert replica_queries(client, reverse("statistics")) > 0
    response = client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert response.status_code == 302  # a successful write
    assert client.session[WROTE_AT] > time.time() - 5
    assert replica_queries(client, reverse("statistics")) == 0
    assert replica_queries(client, reverse("person_list")) == 0
    session = client.session  # the window has passed
    session[WROTE_AT] = time.time() - settings.REPLICA_STICKY_SECONDS - 1
    session.save()
    assert replica_queries(client, reverse("statistics")) > 0


@transactional
def test_a_refused_post_does_not_pin_the_user(personas, client):
    client.force_login(personas.ward_a_officer)
    response = client.post(reverse("restructure_undo", args=[999999]))
    assert response.status_code >= 400
    assert WROTE_AT not in client.session
    assert replica_queries(client, reverse("statistics")) > 0


@transactional
def test_a_logout_leaves_no_mark(personas, client):
    client.force_login(personas.ward_a_officer)
    assert client.post(reverse("logout")).status_code == 302
    assert WROTE_AT not in client.session


@transactional
def test_an_orm_write_during_a_get_pins_the_user():
    def view(request):
        f.locality("G1", "Phường Ghi", Locality.Kind.WARD)  # a domain write in a GET
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = get_user_model().objects.create(username="writer")
    ReplicaMiddleware(view)(request)
    assert WROTE_AT in request.session
    assert dbrouter.recently_wrote(request)


@transactional
def test_a_read_only_get_does_not_pin_the_user():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = get_user_model().objects.create(username="reader")
    ReplicaMiddleware(lambda r: HttpResponse(str(Locality.objects.count())))(request)
    assert WROTE_AT not in request.session


# -- falling back to the primary -------------------------------------------------------


@pytest.fixture
def unreachable_replica():
    replica = connections[REPLICA]
    saved = dict(replica.settings_dict)
    if replica.vendor == "sqlite":
        replica.settings_dict["NAME"] = "/nonexistent-dangvien-dir/replica.sqlite3"
    else:
        replica.settings_dict["PORT"] = 1  # nothing listens there: connection refused
    replica.close()  # (after: Django never closes an in-memory SQLite connection)
    yield
    replica.close()
    replica.settings_dict.clear()
    replica.settings_dict.update(saved)


@transactional
def test_an_unreachable_replica_falls_back_to_the_primary(personas, client, unreachable_replica):
    client.force_login(personas.city_officer)
    with replica_context():
        assert router.db_for_read(Person) == "default"
    assert client.get(reverse("statistics")).status_code == 200
    assert client.get(reverse("person_list")).status_code == 200


@transactional
def test_a_replica_too_far_behind_falls_back(personas, client, settings):
    client.force_login(personas.city_officer)
    settings.REPLICA_MAX_LAG_SECONDS = -1  # any lag, even none, is too much
    with replica_context():
        assert router.db_for_read(Person) == "default"
    assert replica_queries(client, reverse("statistics")) == 0


@transactional
def test_the_health_check_is_cached(settings):
    settings.REPLICA_CHECK_SECONDS = 60
    with replica_context():
        assert router.db_for_read(Person) == REPLICA
        with CaptureQueriesContext(connections[REPLICA]) as checks:
            router.db_for_read(Person)
            router.db_for_read(Locality)
        assert checks.captured_queries == []


# -- a real streaming replica ----------------------------------------------------------


def test_ci_has_a_real_replica():
    """CI sets REQUIRE_REPLICA=1 in its PostgreSQL phase: the real-replica tests below
    must then run against a standby, never quietly against the mirror."""
    if os.environ.get("REQUIRE_REPLICA") == "1":
        assert REAL, "REQUIRE_REPLICA=1 but DATABASE_REPLICA_URL is not set"


def wait_until(condition, seconds=20.0):
    """Poll (replication is asynchronous) instead of sleeping a fixed time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def on_replica(sql, params=()):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@transactional
def test_a_row_written_on_the_primary_arrives_on_the_replica():
    if REAL:
        assert connections[REPLICA].vendor == "postgresql"
        assert on_replica("SELECT pg_is_in_recovery()"), "the replica is not a standby"
    code = f"RR{time.monotonic_ns() % 10**8}"
    f.locality(code, "Phường Sao Chép", Locality.Kind.WARD)
    assert wait_until(lambda: Locality.objects.using(REPLICA).filter(code=code).exists())
    assert dbrouter.replica_lag() < 5
    with replica_context():
        assert Locality.objects.get(code=code).name == "Phường Sao Chép"


@pytest.mark.skipif(not REAL, reason="needs a real standby (DATABASE_REPLICA_URL)")
@transactional
def test_read_your_writes_against_a_lagging_replica(personas, client, settings):
    """Replay paused on the standby: someone else's fresh row is not yet on the report
    pages (they read the replica, within the lag bound), but the writer sees it."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    client.force_login(personas.city_officer)
    on_replica("SELECT pg_wal_replay_pause()")
    try:
        received = on_replica("SELECT pg_last_wal_receive_lsn()::text")
        f.person("Võ Thị Trễ", f.D(1990, 1, 1), "F", residence=Locality.objects.get(code="WA-TDP1"))
        assert wait_until(
            lambda: on_replica("SELECT pg_last_wal_receive_lsn()::text") != received
        )  # the row reached the standby, which holds it unreplayed
        assert "Võ Thị Trễ" not in client.get(reverse("person_list")).content.decode()
        session = client.session
        session[WROTE_AT] = time.time()  # as a successful POST leaves it
        session.save()
        assert "Võ Thị Trễ" in client.get(reverse("person_list")).content.decode()
    finally:
        on_replica("SELECT pg_wal_replay_resume()")
    session = client.session
    del session[WROTE_AT]
    session.save()
    assert wait_until(lambda: "Võ Thị Trễ" in client.get(reverse("person_list")).content.decode())
