"""The audit page: administrators filter and export the audit log."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from dangvien.core.audit_text import describe_entries, model_title
from dangvien.core.dates import parse_date
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.core.text import search_key
from dangvien.orgs.fields import PickerInput
from dangvien.orgs.models import OrgUnit
from dangvien.reports.exports import table_response

from .audit import A, audited_models, export_purpose, log
from .models import AuditEntry
from .scoping import is_unrestricted, scope_filter


def users_visible_to(viewer):
    """The users the audit filter offers: everybody to an administrator; to anyone else,
    those holding a role in the viewer's scope."""
    users = get_user_model().objects.order_by("username")
    q = None if is_unrestricted(viewer) else scope_filter(viewer, "roles__unit__path")
    return users if q is None else users.filter(q).distinct()


MAX_USER_OPTIONS = 30


def matching_users(users, text: str):
    """At most MAX_USER_OPTIONS of `users` whose login or name holds `text` (any case),
    by login name; the first ones when nothing is typed."""
    text = text.strip()
    if text:
        q = Q()
        for field in ("username", "first_name", "last_name"):
            q |= Q(**{f"{field}__icontains": text})
        users = users.filter(q)
    return users.only("pk", "username", "first_name", "last_name")[:MAX_USER_OPTIONS]


def resolve_user(users, value: str):
    """The user of `users` a filter names: the label the list offered ("Name (login)"),
    a login name (any case) or an id from a link; None for anything else."""
    value = value.strip()
    login = value[value.rindex("(") + 1 : -1] if value.endswith(")") and "(" in value else value
    found = users.filter(username__iexact=login.strip())
    if value.isdigit() and not found.exists():
        found = users.filter(pk=int(value))
    return found.first()


def user_options(request):
    """The options of the audit page's user picker (htmx, `?user=<text>`): a `<datalist>`
    of at most MAX_USER_OPTIONS users the filter may name."""
    if not is_unrestricted(request.user):
        raise PermissionDenied
    found = matching_users(users_visible_to(request.user), request.GET.get("user", "")[:150])
    options = [(u.username, user_label(u)) for u in found]
    return render(request, "_unit_datalist.html", {"options": options, "name": "user"})


def record_kinds() -> list[tuple[str, str]]:
    """(label, name) of the kinds of record the log follows, by their names."""
    kinds = [(m._meta.label_lower, model_title(m._meta.label_lower)) for m in audited_models()]
    return sorted(kinds, key=lambda k: search_key(k[1]))


def audit_log(request):
    if not is_unrestricted(request.user):
        raise PermissionDenied
    from dangvien.core.views import today
    from dangvien.orgs.picker import picker_label, resolve_unit
    from dangvien.people.models import Person

    qs = AuditEntry.objects.all()
    errors = []
    g = request.GET
    kinds = record_kinds()
    user_value = g.get("user", "").strip()
    if user_value:
        chosen = resolve_user(users_visible_to(request.user), user_value)
        if chosen is None:
            errors.append(
                _("No user is called “%(name)s”: pick one from the list.") % {"name": user_value}
            )
        else:
            qs = qs.filter(user_id=chosen.pk)
            user_value = user_label(chosen)  # an id from a link shows as a name
    if g.get("action") in A.values:
        qs = qs.filter(action=g["action"])
    if g.get("model"):
        if g["model"] in dict(kinds):
            qs = qs.filter(model=g["model"])
        else:
            errors.append(_("Pick a kind of record from the list."))
    person_name = ""
    if g.get("person", "").strip():
        if g["person"].strip().isdigit():
            qs = qs.filter(person_id=int(g["person"]))
            found = Person.objects.filter(pk=int(g["person"])).values_list("full_name", flat=True)
            person_name = found.first() or _("a person no longer recorded")
        else:
            errors.append(_("Pick a person from a log entry."))
    unit_value = g.get("unit", "").strip()
    if unit_value:
        unit = resolve_unit(OrgUnit.objects.all(), unit_value, today())
        if unit is None:
            errors.append(
                _("No unit in your scope is called “%(name)s”: pick one from the list.")
                % {"name": unit_value}
            )
        else:
            qs = qs.filter(unit_path__startswith=unit.path)
            unit_value = picker_label(unit)  # a code from a link shows as a name
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
    describe_entries(page)
    return render(
        request,
        "accounts/audit.html",
        {
            "page": page,
            "actions": A.choices,
            "kinds": kinds,
            # The picker every form uses (`orgs.fields.PickerInput`), asking this page's
            # own list of users.
            "user_input": PickerInput(reverse("audit_user_options")).render("user", user_value),
            "unit_value": unit_value,
            "person_name": person_name,
            "error": " ".join(errors),
            "query": query_without_cursor(request),
        },
    )


def user_label(user) -> str:
    """'Nguyễn Văn A (ward.a)': a person's name first, the login name beside it."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username
