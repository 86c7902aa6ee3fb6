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
from .exports import DOCX, attachment
from .pdf import PDF
from .views import asked_unit


def unit_in_scope(request) -> OrgUnit:
    """The `?unit=` among those the user sees (default: the top of their scope)."""
    unit, wrong = asked_unit(request)
    if unit is None or wrong:
        raise Http404(wrong or _("You have no unit."))
    return unit


def development_pdf(request):
    from .development import development
    from .pdf import development_pdf as render

    unit = unit_in_scope(request)
    start, end, error = period(request)
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"development report {start}–{end} (pdf)")
    name = f"phat-trien-dang-vien-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return attachment(render(development(unit, start, end)), name, PDF)


def coverage_pdf(request):
    from .coverage import coverage
    from .pdf import coverage_pdf as render

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
    name = f"dia-ban-{unit.code}-{day:%Y%m%d}.pdf"
    return attachment(render(coverage(unit, day, since)), name, PDF)


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
    from .draft import draft_docx as render

    unit = unit_in_scope(request)
    start, end, error = period(request)
    if error:
        return HttpResponseBadRequest(error)
    log(A.EXPORT, unit, detail=f"periodic report draft {start}–{end} (docx)")
    name = f"du-thao-bao-cao-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.docx"
    return attachment(render(unit, start, end, request.user), name, DOCX)


def dashboard_pdf(request):
    from dangvien.core.views import today

    from .pdf import dashboard_pdf as render

    unit = unit_in_scope(request)
    day = today()
    log(A.EXPORT, unit, detail=f"dashboard {day} (pdf)")
    name = f"so-lieu-{unit.code}-{day:%Y%m%d}.pdf"
    return attachment(render(unit, day, request.user), name, PDF)
