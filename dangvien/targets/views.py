"""The targets page: every target of the unit's subtree in the running term, with its
pace and forecast, laggards first; a committee's target beside its children's sum."""

from collections import defaultdict

from django.shortcuts import render
from django.utils.translation import gettext as _

from dangvien.accounts.models import Role
from dangvien.accounts.scoping import is_unrestricted, roles_for
from dangvien.core.keyset import BadCursor, bad_cursor, paginate_sorted, query_without_cursor
from dangvien.core.views import day_from
from dangvien.reports.views import asked_unit

from .pace import ORDER, Pace, targets_report


def pace_key(p: Pace) -> tuple:
    """`targets_report`'s order (laggards first, the lowest share first; the share kept to
    a millionth of a percent, as a cursor carries no float), made unique."""
    pct = round((p.pct or 0) * 1_000_000)
    return (ORDER[p.forecast], pct, p.target.unit.path, str(p.target.metric), p.target.pk)


def target_list(request):
    day, error = day_from(request)
    unit, wrong = asked_unit(request, day)
    error = error or wrong
    if unit is None:
        return render(request, "targets/targets.html", {"error": _("You have no unit.")})
    rows = targets_report(unit, day)
    if request.GET.get("format") == "xlsx" and not error:
        from dangvien.accounts.audit import A, log
        from dangvien.reports.exports import XLSX, attachment
        from dangvien.reports.office import targets_xlsx

        log(A.EXPORT, unit, detail=f"targets report {day} (xlsx)")
        name = f"chi-tieu-{unit.code}-{day:%Y%m%d}.xlsx"
        return attachment(targets_xlsx(unit, day, rows), name, XLSX)
    # A parent's target beside the sum of its children's for the same metric and term.
    children: dict[tuple, float] = defaultdict(float)
    for p in rows:
        parent = p.target.unit.parent_id
        children[(parent, p.target.metric, p.target.term_id)] += float(p.target.value)
    # The pace is computed in Python (actuals against each term's span), so the laggards-
    # first list is paged by its sort key; the sums, the PDF and Excel cover every row.
    try:
        page = paginate_sorted(
            rows,
            pace_key,
            request.GET.get("cursor"),
            name="targets",
            width=5,
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    table = [(p, children.get((p.target.unit_id, p.target.metric, p.target.term_id))) for p in page]
    # One term for every row (the usual case): named once above the table with how much
    # of it has passed, not on every row; the children's sums only where a row has one.
    # (each committee has its own term rows: one term is one name and span)
    terms = {(p.target.term.name, p.target.term.start, p.target.term.end) for p in rows}
    return render(
        request,
        "targets/targets.html",
        {
            "rows": table,
            "one_term": rows[0] if len(terms) == 1 else None,
            "with_sums": any(total is not None for _p, total in table),
            "page": page,
            "unit": unit,
            "day": day,
            "error": error,
            "may_define": may_define_terms(request.user),
        },
    )


def may_define_terms(user) -> bool:
    """Whether the user may use the terms page (as `board_units` decides)."""
    return is_unrestricted(user) or (
        roles_for(user, False).filter(kind=Role.Kind.ORG_BOARD).exists()
    )
