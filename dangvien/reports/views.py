from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangvien.accounts.audit import A, log
from dangvien.accounts.scoping import roles_for
from dangvien.core.views import day_from
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import resolve_unit

from .exports import XLSX, attachment
from .structure import BREAKDOWN_TITLES, HEADLINE, structure
from .xlsx import structure_xlsx


def default_unit(user) -> OrgUnit | None:
    """The top of the user's scope: the shallowest unit they may see, open today if any."""
    visible = OrgUnit.objects.visible_to(user).order_by("depth", "path")
    return visible.on(timezone.localdate()).first() or visible.first()


def asked_unit(request) -> tuple[OrgUnit | None, str | None]:
    """The unit asked for in `?unit=CODE` among those the user sees, or the top of their
    scope; with an error message when the code is unknown or out of scope."""
    code = request.GET.get("unit", "").strip().upper()
    unit = OrgUnit.objects.visible_to(request.user).filter(code=code).first() if code else None
    if unit is not None:
        return unit, None
    error = _("Unknown unit code “%(code)s”.") % {"code": code} if code else None
    return default_unit(request.user), error


def statistics(request):
    day, error = day_from(request)
    visible = OrgUnit.objects.visible_to(request.user)
    typed = request.GET.get("unit", "").strip()
    unit = resolve_unit(visible, typed, day) if typed else default_unit(request.user)
    if unit is None and typed:
        error = _("No unit in your scope is called “%(name)s”: pick one from the list.") % {
            "name": typed
        }
        unit = default_unit(request.user)
    if unit is None:
        return render(request, "reports/statistics.html", {"error": _("You have no unit.")})
    result = structure(unit, day)
    if request.GET.get("format") == "xlsx" and not error:
        log(A.EXPORT, unit, detail=f"structure statistics {day.isoformat()} (xlsx)")
        name = f"thong-ke-{unit.code}-{day.isoformat()}.xlsx"
        return attachment(structure_xlsx(result), name, XLSX)
    headline = [(label, result.figures[key], result.pct[key]) for key, label in HEADLINE]
    breakdowns = [(BREAKDOWN_TITLES[k], rows) for k, rows in result.breakdowns.items()]
    return render(
        request,
        "reports/statistics.html",
        {
            "s": result,
            "unit": unit,
            "day": day,
            "error": error,
            "headline": headline,
            "breakdowns": breakdowns,
        },
        status=200,
    )


def home(request):
    unit = default_unit(request.user)
    day, _error = day_from(request)
    result = structure(unit, day) if unit else None
    roles = (
        roles_for(request.user, False).select_related("unit")
        if request.user.is_authenticated
        else []
    )
    pipeline = None
    if unit:
        from dangvien.admission.models import Candidate
        from dangvien.admission.views import communes_with_lists

        active = (
            Candidate.objects.visible_to(request.user)
            .active()
            .filter(cell__path__startswith=unit.path)
        )
        with_list, communes = communes_with_lists(unit, day)
        pipeline = {"active": active.count(), "with_list": with_list, "communes": communes}
    # A notice for the officers of a unit formed by a merge: what they now see, and since when.
    merged = [
        {"unit": r.unit, "since": r.unit.valid_from, "from": list(r.unit.predecessors.all())}
        for r in roles
        if r.unit.predecessors.exists()
    ]
    return render(
        request,
        "home.html",
        {
            "unit": unit,
            "s": result,
            "day": day,
            "roles": roles,
            "pipeline": pipeline,
            "merged": merged,
        },
    )
