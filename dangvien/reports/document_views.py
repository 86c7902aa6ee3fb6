"""Downloads of the reports as documents: each report as a PDF, and the periodic report
draft as DOCX. Scoped exactly like the pages (`asked_unit`: a unit out of the user's scope
is not found), each download written to the audit log."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, log
from dangvien.core.dates import parse_date
from dangvien.core.views import day_from
from dangvien.orgs.models import OrgUnit

from .development_views import period
from .export_tasks import export
from .exports import attachment
from .pdf import PDF
from .views import asked_unit


def unit_in_scope(request) -> OrgUnit:
    """The `?unit=` among those the user sees (default: the top of their scope)."""
    unit, wrong = asked_unit(request)
    if unit is None or wrong:
        raise Http404(wrong or _("You have no unit."))
    return unit


def development_pdf(request):
    unit = unit_in_scope(request)
    start, end, error = period(request)
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"development report {start}–{end} (pdf)")
    return export(request, "development_pdf", unit, {"start": str(start), "end": str(end)})


def coverage_pdf(request):
    unit = unit_in_scope(request)
    day, error = day_from(request)
    since = None
    if not error and request.GET.get("since", "").strip():
        try:
            since = parse_date(request.GET["since"].strip(), field=_("Since"))
        except ValidationError as e:
            error = e.messages[0]
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"coverage report {day} (pdf)")
    params = {"day": str(day), "since": str(since) if since else None}
    return export(request, "coverage_pdf", unit, params)


def targets_pdf(request):
    from dangvien.targets.pace import targets_report

    from .pdf import targets_pdf as render

    unit = unit_in_scope(request)
    day, error = day_from(request)
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"targets report {day} (pdf)")
    name = f"chi-tieu-{unit.code}-{day:%Y%m%d}.pdf"
    return attachment(render(unit, day, targets_report(unit, day)), name, PDF)


def draft_docx(request):
    unit = unit_in_scope(request)
    start, end, error = period(request)
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"periodic report draft {start}–{end} (docx)")
    return export(request, "draft_docx", unit, {"start": str(start), "end": str(end)})


def dashboard_pdf(request):
    from dangvien.core.views import today

    unit = unit_in_scope(request)
    day = today()
    log(A.EXPORT, unit, detail=f"dashboard {day} (pdf)")
    return export(request, "dashboard_pdf", unit, {"day": str(day)})
