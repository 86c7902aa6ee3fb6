"""The audit log's hash chain: each entry's hash covers its fields and the hash before it.

An entry's erasable values (before, after, the record's name, the detail) enter the
chain only through `payload_digest`, a SHA-256 over them and a random nonce stored at
insert time. Retention erasure replaces those values with a marker and clears the
nonce: the chain still verifies (it covers the digest, which stays), and with the nonce
gone the digest no longer lets anyone confirm a guessed name or CCCD.

Writers are serialised (PostgreSQL: an advisory transaction lock; SQLite: the write
lock its IMMEDIATE transactions take at BEGIN), so two concurrent requests never chain
onto the same predecessor; a unique `seq` is the last line of defence.
"""

import datetime as dt
import functools
import hashlib
import ipaddress
import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields

from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEntry

GENESIS = "0" * 64
ERASED = {"erased": "retention"}  # what before/after hold once erased under retention
# The detail of the entry that records an erasure; every erased entry needs one after it.
RETENTION_DETAIL = "retention: personal data erased"
# Any constant: the key of the PostgreSQL advisory lock that serialises the chain.
LOCK_KEY = 7_319_240_301


# One encoder for every entry (json.dumps with options builds a new one per call).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical(value) -> str:
    return _ENCODER.encode(value)


@functools.lru_cache(maxsize=1024)  # a bulk insert repeats one address
def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed  # as PostgreSQL's inet gives it back
    except ValueError:
        return value


@functools.lru_cache(maxsize=64)  # and one time
def _at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def payload_digest(e: "AuditEntry | Row", after: str | None = None) -> str:
    """`after`: `canonical(e.after)` when the caller has it already (the same text as
    the list's own encoding: separators without spaces)."""
    if after is None:
        body = canonical([e.before, e.after, e.object_repr, e.detail])
    else:
        body = f"[{canonical(e.before)},{after},{canonical(e.object_repr)},{canonical(e.detail)}]"
    return hashlib.sha256((e.nonce + body).encode()).hexdigest()


def entry_hash(prev: str, e: "AuditEntry | Row") -> str:
    fields = [
        e.seq,
        _at(e.at),
        e.user_id,
        e.username,
        _ip(e.ip),
        e.action,
        e.model,
        e.object_id,
        e.person_id,
        e.unit_path,
        e.payload_digest,
    ]
    return hashlib.sha256((prev + canonical(fields)).encode()).hexdigest()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


_buffer = threading.local()


@contextmanager
def buffered() -> Iterator[None]:
    """Entries logged inside are chained and inserted together when the block ends
    (the demo's thousands of dossier steps: one insert instead of one per entry). Each
    keeps the time it was logged; nothing inside may read the log back."""
    if getattr(_buffer, "entries", None) is not None:
        yield
        return
    _buffer.entries = []
    try:
        yield
        entries = _buffer.entries
    finally:
        _buffer.entries = None
    append(entries)


@dataclass(slots=True)
class Row:
    """An entry as plain values, for the bulk writers (`audit.log_created`: an import's
    hundreds of thousands of entries), where a model instance per entry cost more than
    its two hashes. The fields are AuditEntry's, but its id."""

    user_id: int | None
    username: str
    ip: str | None
    action: str
    model: str
    object_id: str
    object_repr: str
    person_id: int | None
    unit_path: str
    before: dict | None
    after: dict | None
    detail: str
    at: dt.datetime | None = None
    seq: int | None = None
    nonce: str = ""
    payload_digest: str = ""
    hash: str = ""
    erased: bool = False


ROW_FIELDS = [f.name for f in fields(Row)]


def as_model(e: "AuditEntry | Row") -> AuditEntry:
    if isinstance(e, AuditEntry):
        return e
    return AuditEntry(**{name: getattr(e, name) for name in ROW_FIELDS})


def append(entries: "Sequence[AuditEntry | Row]") -> None:
    """Chain `entries` in order after the last stored entry and insert them (in bulk)."""
    if not entries:
        return
    pending = getattr(_buffer, "entries", None)
    if pending is not None:
        now = timezone.now()
        for e in entries:
            e.at = e.at or now
        pending.extend(entries)
        return
    with transaction.atomic():
        _lock()  # held until the outermost transaction ends
        last = (
            AuditEntry.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        seq, prev = last or (0, GENESIS)
        now = timezone.now()
        nonces = secrets.token_hex(16 * len(entries))  # one call: 32 hex digits each
        afters = []  # each `after` encoded once, for the digest and for COPY
        for i, e in enumerate(entries):
            seq += 1
            e.seq = seq
            e.at = e.at or now
            e.ip = _ip(e.ip)
            e.nonce = nonces[32 * i : 32 * i + 32]
            afters.append(canonical(e.after))
            e.payload_digest = payload_digest(e, afters[-1])
            e.hash = prev = entry_hash(prev, e)
        if len(entries) == 1:
            as_model(entries[0]).save()
        elif connection.vendor == "postgresql" and len(entries) >= COPY_FROM:
            copy_in(entries, afters)
        else:
            AuditEntry.objects.bulk_create([as_model(e) for e in entries], batch_size=500)


# From this many entries, PostgreSQL gets them by COPY: an import's hundreds of
# thousands of entries without building and parsing an INSERT per 500 rows.
COPY_FROM = 1000
_COPIED = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def copy_in(entries: "Sequence[AuditEntry | Row]", afters: list[str]) -> None:
    """Insert chained entries by COPY (their ids are not read back: none is needed).
    JSON values go in as JSON text (`after` as `canonical` wrote it for the digest; the
    column keeps the value, not the text)."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _COPIED)
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    names = [f.attname for f in _COPIED]
    after_at = names.index("after")
    json_at = [
        i for i, f in enumerate(_COPIED) if isinstance(f, models.JSONField) and i != after_at
    ]
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for e, after in zip(entries, afters, strict=True):
            row = [getattr(e, name) for name in names]
            for i in json_at:
                row[i] = _json(row[i])
            row[after_at] = None if e.after is None else after
            copy.write_row(row)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


def erase_person(person_id: int, terms: Iterable[str]) -> int:
    """Replace the values of every entry about a person with the retention marker; the
    detail goes too where it names one of `terms` (their name, CCCD, birth date). The
    only change the log allows (PostgreSQL: through a SECURITY DEFINER function, the
    application's role holding no UPDATE right on the table)."""
    terms = [t for t in terms if t and len(t) >= 4]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT accounts_auditentry_erase(%s, %s)", [person_id, terms])
            return cur.fetchone()[0]
    count = 0
    with transaction.atomic():
        rows = AuditEntry.objects.filter(person_id=person_id, erased=False)
        for pk, before, after, detail in rows.values_list("pk", "before", "after", "detail"):
            folded = detail.lower()
            values = {
                "erased": True,
                "nonce": "",
                "object_repr": "",
                "before": None if before is None else ERASED,
                "after": None if after is None else ERASED,
                "detail": "" if any(t.lower() in folded for t in terms) else detail,
            }
            # The model's queryset refuses updates; this is the one sanctioned exception.
            count += models.QuerySet.update(AuditEntry.objects.filter(pk=pk), **values)
    return count


@dataclass
class Break:
    entry_id: int | None
    seq: int | None
    kind: str  # "deleted", "inserted", "altered"
    message: str


def verify(head: tuple[int, str] | None = None) -> tuple[int, Break | None]:
    """Walk the chain in order: (entries checked, the first break or None). `head` is a
    (seq, hash) recorded earlier, which must still be there (catches a cut tail)."""
    prev, expected, n = GENESIS, 1, 0
    fields = [f.attname for f in AuditEntry._meta.concrete_fields]
    rows = AuditEntry.objects.order_by(F("seq").asc(nulls_first=True), "pk")
    seen_head = head is None
    pending: dict[int, AuditEntry] = {}  # erased entries waiting for their erasure record
    for e in rows.only(*fields).iterator(chunk_size=2000):
        n += 1
        if e.seq is None or not e.hash:
            return n, Break(e.pk, None, "inserted", f"mục id {e.pk} không có vị trí trong chuỗi")
        if e.seq > expected:
            return n, Break(
                e.pk,
                e.seq,
                "deleted",
                f"thiếu mục {expected}"
                + (f"–{e.seq - 1}" if e.seq - 1 > expected else "")
                + f" trước mục id {e.pk}",
            )
        if e.seq < expected:
            return n, Break(e.pk, e.seq, "inserted", f"mục id {e.pk} lặp lại vị trí {e.seq}")
        if e.erased:
            shape_ok = (
                e.nonce == ""
                and e.object_repr == ""
                and e.before in (None, ERASED)
                and e.after in (None, ERASED)
            )
            if not shape_ok or e.person_id is None:
                return n, Break(
                    e.pk, e.seq, "altered", f"mục id {e.pk}: mục đã xóa theo thời hạn nhưng bị sửa"
                )
            pending.setdefault(e.person_id, e)
        elif payload_digest(e) != e.payload_digest:
            return n, Break(e.pk, e.seq, "altered", f"mục id {e.pk}: giá trị khác với lúc ghi")
        if entry_hash(prev, e) != e.hash:
            return n, Break(
                e.pk,
                e.seq,
                "altered",
                f"mục id {e.pk}: các trường của mục hoặc mục trước nó đã bị sửa",
            )
        if head is not None and e.seq == head[0]:
            if e.hash != head[1]:
                return n, Break(
                    e.pk, e.seq, "altered", f"mục id {e.pk} không phải đầu chuỗi đã ghi lại"
                )
            seen_head = True
        if e.action == AuditEntry.Action.DELETE and e.detail == RETENTION_DETAIL:
            pending.pop(e.person_id, None)  # type: ignore[arg-type]
        prev, expected = e.hash, e.seq + 1
    if pending:
        e = min(pending.values(), key=lambda x: x.seq or 0)
        return n, Break(
            e.pk,
            e.seq,
            "altered",
            f"mục id {e.pk} mang dấu đã xóa mà không có bản ghi xóa theo thời hạn",
        )
    if not seen_head:
        assert head is not None
        return n, Break(
            None, head[0], "deleted", f"đầu chuỗi đã ghi lại (vị trí {head[0]}) không còn"
        )
    return n, None


def head() -> tuple[int, str] | None:
    return (
        AuditEntry.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
