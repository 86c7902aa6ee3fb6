"""The upload page: choose data and file → checked (with progress) → preview of new,
updated and unchanged rows, or the problems with a downloadable report → write."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangvien.accounts.audit import A, log
from dangvien.accounts.models import Role
from dangvien.accounts.scoping import is_unrestricted, prefix_q, roles_for
from dangvien.core import jobs
from dangvien.core.keyset import (
    BadCursor,
    KeysetPage,
    bad_cursor,
    paginate,
    query_without_cursor,
)
from dangvien.reports.exports import XLSX, attachment

from . import runs, tasks
from .base import EVERYWHERE, Scope, report_xlsx, template_xlsx
from .models import ImportRun
from .registry import IMPORTERS, LABELS

S = ImportRun.Status
PERSONAL = ("members", "candidates")  # exports of personal data state their purpose


def writable_scope(user) -> Scope | None:
    """Where the user may import: administrators anywhere, officers and secretaries in
    their units' subtrees (and those units' localities), leaders nowhere."""
    if is_unrestricted(user):
        return EVERYWHERE
    roles = roles_for(user, False).exclude(kind=Role.Kind.LEADER).select_related("unit__locality")
    units = sorted({r.unit.path for r in roles})
    if not units:
        return None
    localities = sorted({r.unit.locality.path for r in roles if r.unit.locality})
    return Scope(units=units, localities=localities)


def need_scope(request) -> Scope:
    scope = writable_scope(request.user)
    if scope is None:
        raise PermissionDenied
    return scope


def visible_runs(user):
    """Administrators see every import; others their own and those of users whose units
    lie in their subtrees (a city officer sees the wards' imports)."""
    runs_qs = ImportRun.objects.select_related("user")
    if is_unrestricted(user):
        return runs_qs
    paths = list(
        roles_for(user, False).exclude(kind=Role.Kind.LEADER).values_list("unit__path", flat=True)
    )
    below = ImportRun.objects.filter(prefix_q("user__roles__unit__path", paths))
    return runs_qs.filter(Q(user=user) | Q(pk__in=below.values("pk")))


def listed(user, cursor: str | None = None, query: str = "") -> KeysetPage:
    """A keyset page of the imports the user sees, newest first (raises `BadCursor`)."""
    page = paginate(visible_runs(user), ("-created_at", "-pk"), cursor, name="imports", query=query)
    for run in page:
        run.label = LABELS.get(run.kind, run.kind)  # type: ignore[attr-defined]
    return page


def codes_in_scope(user, text: str = "") -> dict:
    """The unit and locality codes a file from this user may name that match `text` (a
    name or a code typed in the page's code search), with their superior or ward, so
    that nobody types a code from memory. Never the whole scope: a province holds tens
    of thousands of units and localities (at most `picker.MATCHES` of each)."""
    from dangvien.core.views import today
    from dangvien.orgs.models import Locality, OrgUnit
    from dangvien.orgs.picker import matching_locality_options, matching_unit_options

    day = today()
    text = text.strip()[:300]
    return {
        "code_query": text,
        "unit_codes": matching_unit_options(OrgUnit.objects.visible_to(user), day, text),
        "locality_codes": matching_locality_options(Locality.objects.visible_to(user), day, text),
    }


def code_search(request):
    """htmx: the codes matching what is typed in the import page's code search (without
    JavaScript the search reloads the page with `?codes=`)."""
    need_scope(request)
    context = codes_in_scope(request.user, request.GET.get("codes", ""))
    return render(request, "imports/_codes.html", context)


def list_context(user, cursor: str | None = None, query: str = "", codes: str = "") -> dict:
    return {
        "runs": listed(user, cursor, query),
        "kinds": list(LABELS.items()),
        "max_mb": settings.IMPORT_MAX_MB,
        "personal_kinds": PERSONAL,
        **codes_in_scope(user, codes),
    }


def import_list(request):
    need_scope(request)
    runs.reap_stale()
    try:
        context = list_context(
            request.user,
            request.GET.get("cursor"),
            query_without_cursor(request),
            request.GET.get("codes", ""),
        )
    except BadCursor:
        return bad_cursor(request)
    return render(request, "imports/import_list.html", context)


def refused(request, error: str, kind: str = "", status: int = 400) -> HttpResponse:
    response = render(
        request,
        "imports/import_list.html",
        {**list_context(request.user), "error": error, "chosen": kind},
    )
    response.status_code = status
    return response


@require_POST
def import_new(request):
    scope = need_scope(request)
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    error = None
    if kind not in IMPORTERS:
        error = _("Choose what the file holds.")
    elif upload is None:
        error = _("Choose a file.")
    elif Path(upload.name).suffix.lower() not in (".xlsx", ".csv"):
        error = _("Only .xlsx or .csv files are accepted.")
    elif upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
        error = _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_MB}
    if error:
        return refused(request, error, kind)
    busy = runs.over_limit(None, request.user)
    if busy:
        return refused(request, busy, kind, status=429)
    run = runs.save_upload(kind, upload, request.user, scope)
    busy = runs.over_limit(run, request.user)  # another request may have started meanwhile
    if busy:
        run.status = S.CANCELLED
        run.save(update_fields=["status"])
        runs.discard(run)
        return refused(request, busy, kind, status=429)
    runs.enqueue(tasks.check_import, run, request)
    return redirect("import_detail", pk=run.pk)


def visible_run(request, pk: int) -> ImportRun:
    need_scope(request)
    return get_object_or_404(visible_runs(request.user), pk=pk)


def import_detail(request, pk: int, error: str = "", status: int = 200):
    runs.reap_stale()
    run = visible_run(request, pk)
    done, total = runs.progress_of(run) if run.busy else (0, 0)
    state = jobs.state_of(run.task_id) if run.busy else None
    return render(
        request,
        "imports/import_detail.html",
        {
            "run": run,
            "label": LABELS.get(run.kind, run.kind),
            "done": done,
            "total": total,
            "task_state": state,
            "task_label": jobs.label_of(state),
            "waiting": runs.waiting(run),
            "has_file": bool(run.stored) and runs.stored_path(run).exists(),
            "problems": run.problems[:500],
            "error": error,
        },
        status=status,
    )


@require_POST
def import_write(request, pk: int):
    run = visible_run(request, pk)
    if run.status != S.READY:
        return HttpResponse(
            _("This import is not waiting for confirmation."),
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    busy = runs.over_limit(run, request.user)
    if busy:
        return import_detail(request, pk, error=busy, status=429)
    updated = ImportRun.objects.filter(pk=run.pk, status=S.READY).update(status=S.WRITING)
    if updated:  # a double click writes once
        busy = runs.over_limit(run, request.user)  # another request may have started
        if busy:
            ImportRun.objects.filter(pk=run.pk).update(status=S.READY)
            return import_detail(request, pk, error=busy, status=429)
        run.status = S.WRITING
        runs.enqueue(tasks.write_import, run, request)
    return redirect("import_detail", pk=run.pk)


@require_POST
def import_cancel(request, pk: int):
    run = visible_run(request, pk)
    if run.status in (S.READY, S.INVALID, S.FAILED):
        run.status = S.CANCELLED
        run.save(update_fields=["status"])
        runs.discard(run)
    return redirect("import_list")


def import_report(request, pk: int):
    run = visible_run(request, pk)
    path = runs.stored_path(run) if run.stored else None
    if not run.problems or path is None or not path.exists():
        raise Http404
    log(A.EXPORT, run, detail=f"import error report {run.file_name}")
    report = report_xlsx(path, runs.problems_of(run), total=run.problem_count)
    return attachment(report, f"bao-cao-loi-{run.pk}.xlsx", XLSX)


def import_template(request, kind: str):
    need_scope(request)
    if kind not in IMPORTERS:
        raise Http404
    return attachment(template_xlsx(IMPORTERS[kind]), f"mau-nhap-{kind}.xlsx", XLSX)


def import_export(request):
    """The data the user sees, in the template's format (it imports again unchanged)."""
    from dangvien.accounts.audit import export_purpose
    from dangvien.admission.models import Candidate
    from dangvien.membership.models import Membership
    from dangvien.orgs.models import Locality, OrgUnit
    from dangvien.people.models import Person
    from dangvien.reports.exports import table_response

    from .exporters import ROWS

    need_scope(request)
    kind, fmt = request.GET.get("kind", ""), request.GET.get("format", "xlsx")
    if kind not in ROWS or fmt not in ("xlsx", "csv"):
        raise Http404
    purpose = export_purpose(request)
    if kind in PERSONAL and not purpose:  # said on the page, at the purpose field
        response = render(
            request,
            "imports/import_list.html",
            {
                **list_context(request.user),
                "export_kind": kind,
                "export_format": fmt,
                "purpose_error": _("State the purpose of the export (the request it answers)."),
            },
        )
        response.status_code = 400
        return response
    user = request.user
    qs = {
        "units": lambda: OrgUnit.objects.visible_to(user),
        "localities": lambda: Locality.objects.visible_to(user),
        "members": lambda: Membership.objects.filter(
            person__in=Person.objects.visible_to(user, personal=True)
        ),
        "candidates": lambda: Candidate.objects.visible_to(user).filter(
            person__in=Person.objects.visible_to(user, personal=True)
        ),
    }[kind]()
    log(A.EXPORT, detail=f"export {kind}.{fmt}" + (f" purpose: {purpose}" if purpose else ""))
    return table_response(
        fmt, f"{kind}-{timezone.localdate():%Y%m%d}", IMPORTERS[kind].COLUMNS, ROWS[kind](qs)
    )
