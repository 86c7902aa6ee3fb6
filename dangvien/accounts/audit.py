"""The audit trail: every change to people, memberships, candidates, units, localities,
users and roles (with before/after values), every dossier read, export and denial.

A middleware puts the request's user and address in a context variable; model signals
and `log()` read it. Bulk inserts (the demo generator) send no signals: they are not
user actions.
"""

import contextvars
import datetime as dt
import decimal
import functools
import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from dangvien.admission.models import CalendarDay, Candidate, CandidateTag, Event
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people.models import Person, Position, Residence
from dangvien.records import models as records

from . import chain
from .models import AuditEntry, Role

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)
A = AuditEntry.Action


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, for the audit and for the lockout (AXES_CLIENT_IP_CALLABLE).

    Behind a reverse proxy (BEHIND_PROXY=1) each of the TRUSTED_PROXIES proxies appends
    the address it saw to X-Forwarded-For, so the client is the TRUSTED_PROXIES-th
    address from the right; anything further left was written by the client and is not
    believed. Without the setting the header is ignored (anyone can send it).
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    trusted = max(1, int(getattr(settings, "TRUSTED_PROXIES", 1)))
    if len(hops) < trusted:
        return remote  # fewer hops than proxies: the header is not what we expect
    candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class AuditMiddleware:
    """Makes the request available to the audit signals; logs refusals (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            response = self.get_response(request)
            admin_read(request, response)
            return response
        finally:
            _request.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, PermissionDenied):
            log(A.DENIED, detail=f"403 {request.method} {request.path}"[:400])
        return None


def who(request: HttpRequest | None = None) -> dict:
    """The current request's user id and client address, for a background task to act
    on that person's behalf (see `on_behalf`)."""
    request = request or _request.get()
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    return {"user_id": user_id, "ip": client_ip(request)}


@contextmanager
def on_behalf(user_id: int | None, ip: str | None) -> Iterator[None]:
    """Inside a background task: the audit entries written in the block name the user
    who asked for the task and the address they asked from, as the request would have.
    (A bare HttpRequest carries them: `log()` and the signals read no more of it.)"""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None and not ip:  # not asked from a page: entries say "system"
        yield
        return
    request = HttpRequest()
    if user is not None:
        request.user = user
    if ip:
        request.META["REMOTE_ADDR"] = ip
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def admin_read(request: HttpRequest, response: HttpResponse) -> None:
    """The admin site reads past the scoping gate: every list and record it shows is a
    READ entry (the list with its filters and row count)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "admin" or request.method != "GET":
        return
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is None or response.status_code != 200:
        return
    model = model_admin.model
    name = match.url_name or ""
    if name.endswith("_changelist"):
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        rows = f" {cl.result_count} rows" if cl is not None else ""
        query = request.META.get("QUERY_STRING", "")
        log(A.READ, detail=f"admin list {model._meta.label_lower}{rows} ?{query}"[:400])
    elif name.endswith("_change") and "object_id" in match.kwargs:
        from django.contrib.admin.utils import unquote

        obj = model._default_manager.filter(pk=unquote(match.kwargs["object_id"])).first()
        if obj is not None:
            log(A.READ, obj, detail="admin record")


def log(
    action: str,
    obj: models.Model | None = None,
    *,
    detail: str = "",
    before: dict | None = None,
    after: dict | None = None,
    person_id: int | None = None,
    unit_path: str = "",
    user=None,
) -> AuditEntry:
    """Append one entry, with the current request's user and address."""
    request = _request.get()
    user = user or (getattr(request, "user", None) if request else None)
    authenticated = bool(user is not None and user.is_authenticated)
    entry = AuditEntry(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else ("" if request else "system"),
        ip=client_ip(request),
        action=action,
        detail=detail[:400],
        before=before,
        after=after,
        person_id=person_id,
        unit_path=unit_path[:400],
    )
    if obj is not None:
        entry.model = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
        if person_id is None or not unit_path:
            pid, path = subject_of(obj)
            entry.person_id = person_id if person_id is not None else pid
            entry.unit_path = unit_path or path
    chain.append([entry])
    return entry


def log_created(objs: list[models.Model], *, user=None, detail: str = "") -> None:
    """One CREATE entry per record written in bulk (bulk_create sends no signals), as
    plain rows (`chain.Row`): an import writes hundreds of thousands."""
    request = _request.get()
    user = user or (getattr(request, "user", None) if request else None)
    authenticated = bool(user is not None and user.is_authenticated)
    user_id = user.pk if authenticated else None
    username = user.get_username() if authenticated else ("" if request else "system")
    ip, detail = client_ip(request), detail[:400]
    entries = []
    for obj in objs:
        pid, path = subject_of(obj)
        entries.append(
            chain.Row(
                user_id=user_id,
                username=username,
                ip=ip,
                action=A.CREATE,
                model=obj._meta.label_lower,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                person_id=pid,
                unit_path=path,
                before=None,
                after=snapshot(obj),
                detail=detail,
            )
        )
    chain.append(entries)  # hashed in Python, in order, then inserted in bulk


def subject_of(obj: models.Model) -> tuple[int | None, str]:
    """The person a record is about, and the unit path it belongs to (for filtering)."""
    if isinstance(obj, Person):
        return obj.pk, ""
    if isinstance(obj, Position | Membership | Residence | records.Badge):
        return obj.person_id, ""
    if isinstance(obj, records.MEMBER_RECORDS):
        unit = getattr(obj, "to_unit", None) or getattr(obj, "from_unit", None)
        unit = unit or getattr(obj, "unit", None) or getattr(obj, "host_unit", None)
        person_id = obj.membership.person_id  # type: ignore[attr-defined]
        return person_id, unit.path if unit else ""
    if isinstance(obj, Stint):
        return obj.membership.person_id, obj.unit.path
    if isinstance(obj, Candidate):
        return obj.person_id, obj.cell.path
    if isinstance(obj, Event | CandidateTag):
        return obj.candidate.person_id, obj.candidate.cell.path
    if isinstance(obj, OrgUnit):
        return None, obj.path
    if isinstance(obj, LocalityCell):
        return None, obj.cell.path
    if isinstance(obj, Role):
        return None, obj.unit.path
    return None, ""


SECRET_FIELDS = {"password"}


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, bool], ...]:
    return tuple((f.attname, f.name in SECRET_FIELDS) for f in model._meta.concrete_fields)


def snapshot(obj: models.Model) -> dict:
    """The concrete field values of a record, JSON-safe; secrets only as 'changed'."""
    out: dict = {}
    for attname, secret in _snapshot_fields(type(obj)):
        value = getattr(obj, attname)
        if secret:
            value = "••••" if value else ""
        elif isinstance(value, dt.date | dt.datetime | decimal.Decimal):
            value = str(value)
        out[attname] = value
    return out


def audited_models() -> list[type[models.Model]]:
    return [
        Person,
        Position,
        Residence,
        records.Transfer,
        records.TemporaryStay,
        records.ExitDecision,
        records.Exemption,
        records.PartyCard,
        records.Badge,
        records.QualityRating,
        records.OutOfContact,
        Membership,
        Stint,
        Candidate,
        CandidateTag,
        Event,
        CalendarDay,
        OrgUnit,
        Locality,
        LocalityCell,
        Role,
        get_user_model(),
    ]


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    # The base manager: a voided dossier step (hidden by the default one) keeps its audit.
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old else None


def _post_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance)
    if not created and before == after:
        return
    if update_fields == frozenset({"last_login"}):
        return  # the login itself is logged by the login signal
    log(A.CREATE if created else A.UPDATE, instance, before=before, after=after)


def _post_delete(sender, instance, **kwargs):
    log(A.DELETE, instance, before=snapshot(instance))


def _logged_in(sender, request, user, **kwargs):
    log(A.LOGIN, user=user)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        log(A.LOGOUT, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    log(A.LOGIN_FAILED, detail=f"user name: {credentials.get('username', '')}"[:400])


def connect() -> None:
    for model in audited_models():
        uid = f"audit-{model._meta.label_lower}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")


MIN_PURPOSE = 5


def export_purpose(request: HttpRequest) -> str | None:
    """The purpose a user states for exporting personal data (Decree 13/2023), or None
    when it is missing or too short; every export of personal fields asks for one."""
    purpose = " ".join((request.POST.get("purpose") or request.GET.get("purpose") or "").split())
    return purpose if len(purpose) >= MIN_PURPOSE else None
