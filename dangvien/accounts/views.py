"""The audit page: administrators filter and export the audit log."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from dangvien.core.dates import parse_date
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.orgs.models import OrgUnit
from dangvien.reports.exports import table_response

from .audit import A, export_purpose, log
from .models import AuditEntry
from .scoping import is_unrestricted


def audit_log(request):
    if not is_unrestricted(request.user):
        raise PermissionDenied
    qs = AuditEntry.objects.all()
    errors = []
    g = request.GET
    if g.get("user"):
        qs = qs.filter(username__iexact=g["user"].strip())
    if g.get("action") in A.values:
        qs = qs.filter(action=g["action"])
    if g.get("person", "").strip():
        if g["person"].strip().isdigit():
            qs = qs.filter(person_id=int(g["person"]))
        else:
            errors.append(_("The person id must be a number."))
    if g.get("unit", "").strip():
        unit = OrgUnit.objects.filter(code=g["unit"].strip().upper()).first()
        if unit is None:
            errors.append(_("Unknown unit code “%(code)s”.") % {"code": g["unit"]})
        else:
            qs = qs.filter(unit_path__startswith=unit.path)
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        if g.get(key, "").strip():
            try:
                qs = qs.filter(**{lookup: parse_date(g[key], field=key)})
            except ValidationError as e:
                errors.append(e.messages[0])
    if errors:
        qs = qs.none()
    purpose = export_purpose(request)
    fmt = g.get("format", "")
    if fmt in ("csv", "xlsx") and not purpose:
        errors.append(_("State the purpose of the export (the request it answers)."))
    if fmt in ("csv", "xlsx") and not errors:
        log(A.EXPORT, detail=f"audit log {fmt}; purpose: {purpose}; {g.urlencode()}"[:400])
        columns = ["at", "user", "ip", "action", "model", "object_id", "object"]
        columns += ["person_id", "unit_path", "detail", "before", "after"]
        return table_response(
            fmt,
            "nhat-ky",
            columns,
            (
                [
                    "" if v is None else str(v)
                    for v in (
                        row.at.isoformat(),
                        row.username,
                        row.ip,
                        row.action,
                        row.model,
                        row.object_id,
                        row.object_repr,
                        row.person_id,
                        row.unit_path,
                        row.detail,
                        row.before,
                        row.after,
                    )
                ]
                for row in qs.iterator()
            ),
        )
    # Newest first, a keyset page (no OFFSET, no COUNT over the whole log).
    try:
        page = paginate(
            qs,
            ("-at", "-pk"),
            g.get("cursor"),
            name="audit",
            size=100,
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    return render(
        request,
        "accounts/audit.html",
        {
            "page": page,
            "actions": A.choices,
            "error": " ".join(errors),
            "query": query_without_cursor(request),
        },
    )
