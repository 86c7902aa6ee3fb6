"""Reads of reports and lists from a read replica (DATABASE_REPLICA_URL), the rest from
the primary (docs/deployment.md).

A read goes to the `replica` alias only when all of these hold:

- REPLICA_READS is on (the switch: off, every read goes to the primary);
- the view asked for it (`@replica_reads`, on report and list pages) and the request
  is a GET or HEAD;
- the model belongs to a domain app (REPLICA_APPS): sessions, users, roles, lockouts,
  two-factor devices and the audit chain are always read from the primary, so a login,
  a role change or a lockout takes effect at once;
- this user wrote nothing in the last REPLICA_STICKY_SECONDS (read-your-writes: any
  successful POST/PUT/PATCH/DELETE, or any write of a domain model through the ORM,
  marks the session), and nothing was written earlier in this request;
- no transaction is open on the primary (a transaction reads what it wrote);
- the replica answers and its replay lag is within REPLICA_MAX_LAG_SECONDS (checked at
  most every REPLICA_CHECK_SECONDS per process; unreachable or lagging: the primary).

Writes and migrations always go to the primary.
"""

import contextlib
import contextvars
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
log = logging.getLogger(__name__)

# The apps whose reads may come from the replica; everything else is read from the primary.
REPLICA_APPS = frozenset(
    {
        "reference",
        "orgs",
        "people",
        "membership",
        "records",
        "admission",
        "reports",
        "targets",
        "stats",
    }
)
WROTE_AT = "dangvien_wrote_at"  # in the session: when this user last wrote (epoch seconds)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class RequestState:
    replica: bool = False  # inside a @replica_reads view
    wrote: bool = False  # a domain model was written during this request


_state: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar(
    "replica_state", default=None
)


@contextlib.contextmanager
def replica_context():
    """Reads inside go to the replica as in a @replica_reads view (commands, tests)."""
    state = RequestState(replica=True)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def configured() -> bool:
    return REPLICA in settings.DATABASES


# -- replica health --------------------------------------------------------------------

LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
       AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()),
                'Infinity')
END
"""


def replica_lag() -> float:
    """Seconds the replica is behind the primary: 0 when it has replayed all it received
    while streaming (an idle primary is not "lag"), else the age of the last transaction
    it replayed. Not a standby (the test mirror, SQLite): 0. Raises when unreachable."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        connection.ensure_connection()
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


_health: dict[str, float | bool] = {"checked_at": float("-inf"), "ok": False}


def reset() -> None:
    """Forget the last health check (tests, and after a failover)."""
    _health.update(checked_at=float("-inf"), ok=False)


def replica_ok() -> bool:
    now = time.monotonic()
    if now - float(_health["checked_at"]) < settings.REPLICA_CHECK_SECONDS:
        return bool(_health["ok"])
    try:
        lag = replica_lag()
        ok = lag <= settings.REPLICA_MAX_LAG_SECONDS
        if not ok:
            log.warning("replica %.1f s behind: reading from the primary", lag)
    except Exception as e:  # unreachable, refused, forbidden: the primary answers instead
        log.warning("replica unavailable (%s): reading from the primary", e)
        connections[REPLICA].close()
        ok = False
    _health.update(checked_at=time.monotonic(), ok=ok)
    return ok


# -- the router ------------------------------------------------------------------------


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        state = _state.get()
        if (
            state is None
            or not state.replica
            or state.wrote
            or model._meta.app_label not in REPLICA_APPS
            or not configured()
            or not settings.REPLICA_READS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA if replica_ok() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None and model._meta.app_label in REPLICA_APPS:
            state.wrote = True  # later reads of this request, and of this user, see it
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Same data on both: an object read from the replica may point at one from the primary.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints) -> bool:
        return db != REPLICA  # a standby is read-only: it replays the primary's migrations


# -- per request -----------------------------------------------------------------------


def recently_wrote(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    wrote_at = session.get(WROTE_AT) if session is not None else None
    return wrote_at is not None and time.time() - float(wrote_at) < settings.REPLICA_STICKY_SECONDS


class ReplicaMiddleware:
    """Opens the request's routing state, and marks the session after a write so the
    user's next reads come from the primary for REPLICA_STICKY_SECONDS. Sits after the
    session middleware (it writes to the session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = RequestState()
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        wrote = state.wrote or (request.method not in SAFE_METHODS and response.status_code < 400)
        user = getattr(request, "user", None)  # (after a logout: nobody left to pin)
        if wrote and hasattr(request, "session") and user is not None and user.is_authenticated:
            request.session[WROTE_AT] = time.time()
        return response


def replica_reads(view: Callable) -> Callable:
    """A report or list page: its GET reads may come from the replica (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        state = _state.get()
        if state is None or request.method not in ("GET", "HEAD") or recently_wrote(request):
            return view(request, *args, **kwargs)
        state.replica = True
        try:
            return view(request, *args, **kwargs)
        finally:
            state.replica = False

    return wrapped
