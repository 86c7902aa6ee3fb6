from collections import defaultdict

from django.db.models import Count, Exists, FilteredRelation, OuterRef
from django.shortcuts import render
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import prefix_q
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.core.views import day_from, get_visible
from dangvien.membership.models import Stint
from dangvien.people.models import resident_on_q
from dangvien.reports.exports import table_response
from dangvien.stats import read as stats

from .models import Locality, LocalityCell, OrgUnit


def rolled_up_counts(units, day) -> dict[str, int]:
    """Members on `day` per unit path, each unit counting its whole subtree (SQL GROUP BY)."""
    direct = (
        Stint.objects.members_on(day)
        .filter(unit__in=units)
        .values("unit__path")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[str, int] = defaultdict(int)
    for row in direct:
        parts = row["unit__path"].strip("/").split("/")
        for i in range(1, len(parts) + 1):
            totals["/".join(parts[:i]) + "/"] += row["n"]
    return totals


def can_restructure(user) -> bool:
    from dangvien.accounts.models import Role
    from dangvien.accounts.scoping import is_unrestricted, roles_for

    return is_unrestricted(user) or roles_for(user, False).filter(kind=Role.Kind.ORG_BOARD).exists()


def unit_tree(request):
    day, error = day_from(request)
    show_closed = request.GET.get("closed") == "1"
    units = OrgUnit.objects.visible_to(request.user)
    shown = units if show_closed else units.on(day)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv") and not error:  # the file: every unit, not one page
        counts = rolled_up_counts(units, day)
        rows = [(u, counts.get(u.path, 0), not u.exists_on(day)) for u in shown]
        parents = dict(OrgUnit.objects.values_list("pk", "code"))
        return table_response(
            fmt,
            f"to-chuc-dang-{day:%Y%m%d}",
            [
                _("Code"),
                _("Unit"),
                _("Kind"),
                _("Part of"),
                _("Valid from"),
                _("Closed on"),
                _("Members"),
            ],
            (
                [
                    u.code,
                    u.name,
                    u.get_kind_display(),
                    parents.get(u.parent_id, ""),
                    u.valid_from,
                    u.valid_to,
                    n,
                ]
                for u, n, _closed in rows
            ),
        )
    # The page: a keyset page of the tree in path order (a unit, then its subtree), the
    # members counted for the page's units only.
    try:
        page = paginate(
            shown,
            ("path", "pk"),
            request.GET.get("cursor"),
            name="units",
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    # A superior committee's members from the precomputed counts (its subtree may be a
    # province); the stints counted only under the page's other units.
    counts = stats.members_of(list(page), day)
    paths = {u.path for u in page if u.path not in counts}
    tops = sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    if tops:
        counts = {**rolled_up_counts(units.filter(prefix_q("path", tops)), day), **counts}
    rows = [(u, counts.get(u.path, 0), not u.exists_on(day)) for u in page]
    grassroots = units.on(day).filter(kind__in=OrgUnit.GRASSROOTS_KINDS).count()
    return render(
        request,
        "orgs/unit_tree.html",
        {
            "rows": rows,
            "page": page,
            "day": day,
            "error": error,
            "show_closed": show_closed,
            "grassroots": grassroots,
            "can_restructure": can_restructure(request.user),
        },
    )


def unit_detail(request, code: str):
    day, error = day_from(request)
    unit = get_visible(
        OrgUnit.objects.visible_to(request.user).select_related("parent", "locality"), code=code
    )
    counts = rolled_up_counts(OrgUnit.objects.subtree(unit), day)
    children = [(c, counts.get(c.path, 0)) for c in unit.children.order_by("path")]
    links = LocalityCell.objects.filter(cell=unit).select_related("locality")
    members = (
        Stint.objects.members_on(day)
        .filter(unit=unit)
        .select_related("membership__person")
        .order_by("membership__person__sort_name")
    )
    visible_ancestors = set(
        OrgUnit.objects.visible_to(request.user)
        .filter(code__in=[a.code for a in unit.ancestors()])
        .values_list("code", flat=True)
    )
    personal = OrgUnit.objects.visible_to(request.user, personal=True).filter(pk=unit.pk).exists()
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "day": day,
            "error": error,
            "total": counts.get(unit.path, 0),
            "children": children,
            "links": links,
            "members": members,
            "ancestors": unit.ancestors(),
            "visible_ancestors": visible_ancestors,
            "successors": unit.successors.all(),
            "predecessors": unit.predecessors.all(),
            "personal": personal,
        },
    )


TOPS = (Locality.Kind.COMMUNE, Locality.Kind.WARD)


def locality_groups(items, localities, day) -> list[dict]:
    """`items` (communes, wards and their hamlets in path order: a whole list or a page
    of it) grouped under their commune or ward, with the cells serving each hamlet and
    the members living there on `day`; a page that starts inside a commune repeats its
    heading. `count` is the commune's whole number of localities, whatever the page."""
    tops = [loc for loc in items if loc.kind in TOPS]
    base = [loc for loc in items if loc.kind in Locality.BASE_KINDS]
    known = {t.pk for t in tops}
    if base and base[0].parent_id not in known:
        tops[:0] = localities.filter(pk=base[0].parent_id, kind__in=TOPS)
    cells = defaultdict(list)
    for link in LocalityCell.objects.on(day).filter(locality__in=base).select_related("cell"):
        cells[link.locality_id].append(link.cell)
    # Where members lived on the day: the residence history's rows in force then.
    lived = "membership__person__residences"
    residents = dict(
        Stint.objects.members_on(day)
        .annotate(home=FilteredRelation(lived, condition=resident_on_q(day, f"{lived}__")))
        .filter(home__locality__in=base)
        .values_list("home__locality")
        .annotate(n=Count("id"))
        .order_by()
    )
    shared_cells = set(
        LocalityCell.objects.on(day)
        .filter(cell__in={c.pk for own in cells.values() for c in own})
        .values("cell")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values_list("cell", flat=True)
    )
    counts = dict(
        localities.filter(kind__in=Locality.BASE_KINDS, parent__in=tops)
        .values_list("parent")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_parent = defaultdict(list)
    for loc in base:
        own = cells[loc.pk]
        by_parent[loc.parent_id].append(
            {
                "loc": loc,
                "cells": own,
                "residents": residents.get(loc.pk, 0),
                "shared": any(c.pk in shared_cells for c in own),
            }
        )
    return [{"top": t, "rows": by_parent.get(t.pk, []), "count": counts.get(t.pk, 0)} for t in tops]


def locality_totals(localities, day) -> dict[str, int]:
    """The hamlets of the whole list, those with no member living there and those with no
    cell serving them, on `day` (counted in SQL, whatever page is shown)."""
    base = localities.filter(kind__in=Locality.BASE_KINDS)
    lived = "membership__person__residences"
    living = Stint.objects.members_on(day).filter(
        resident_on_q(day, f"{lived}__"), **{f"{lived}__locality": OuterRef("pk")}
    )
    serving = LocalityCell.objects.on(day).filter(locality=OuterRef("pk"))
    return {
        "base": base.count(),
        "no_members": base.exclude(Exists(living)).count(),
        "no_cell": base.exclude(Exists(serving)).count(),
    }


def locality_list(request):
    day, error = day_from(request)
    localities = Locality.objects.visible_to(request.user).on(day)
    # Communes and wards with their hamlets, in path order (a commune, then its hamlets).
    listed = localities.filter(kind__in=(*TOPS, *Locality.BASE_KINDS))
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv") and not error:  # the file is never paged
        groups = locality_groups(list(listed.order_by("path", "pk")), localities, day)
        return table_response(
            fmt,
            f"dia-ban-{day:%Y%m%d}",
            [
                _("Commune or ward"),
                _("Code"),
                _("Locality"),
                _("Kind"),
                _("Cell serving it"),
                _("Shared cell"),
                _("Members living there"),
            ],
            (
                [
                    g["top"].name,
                    r["loc"].code,
                    r["loc"].name,
                    r["loc"].get_kind_display(),
                    "; ".join(c.name for c in r["cells"]),
                    _("yes") if r["shared"] else "",
                    r["residents"],
                ]
                for g in groups
                for r in g["rows"]
            ),
        )
    try:
        page = paginate(
            listed,
            ("path", "pk"),
            request.GET.get("cursor"),
            name="localities",
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    return render(
        request,
        "orgs/locality_list.html",
        {
            "groups": locality_groups(page.items, localities, day),
            "page": page,
            "can_restructure": can_restructure(request.user),
            "day": day,
            "error": error,
            "totals": locality_totals(localities, day),
        },
    )


def unit_options_view(request):
    """The options of a searchable unit picker (htmx, `?unit=` or `?q=`): a `<datalist>`
    of the units in the user's scope whose name contains the text typed; only party
    cells with `?kind=cell`."""
    from dangvien.core.views import today

    from .picker import matching_unit_options

    name = request.GET.get("list", "unit")
    if not name.isidentifier():
        name = "unit"
    text = (request.GET.get(name) or request.GET.get("q", ""))[:300]
    visible = OrgUnit.objects.visible_to(request.user)
    if request.GET.get("kind") == "cell":
        visible = visible.filter(kind__in=OrgUnit.CELL_KINDS)
    options = matching_unit_options(visible, today(), text)
    return render(
        request,
        "_unit_datalist.html",
        {"options": options, "name": name, "list_id": slot_list_id(request, name)},
    )


def locality_options_view(request):
    """The options of a searchable locality picker (htmx, `?list=<field>&<field>=<text>`):
    a `<datalist>` of the localities in the user's scope whose name holds the text
    typed; `?kinds=base` only hamlets, villages and residential groups, `?kinds=post`
    also communes and wards, `?kinds=all` every kind."""
    from dangvien.core.views import today

    from .fields import LOCALITY_KINDS
    from .picker import matching_locality_options

    name = request.GET.get("list", "locality")
    if not name.isidentifier():
        name = "locality"
    text = (request.GET.get(name) or request.GET.get("q", ""))[:300]
    asked = request.GET.get("kinds", "")
    kinds = LOCALITY_KINDS[asked] if asked in LOCALITY_KINDS else LOCALITY_KINDS["base"]
    options = matching_locality_options(
        Locality.objects.visible_to(request.user), today(), text, kinds=kinds
    )
    return render(
        request,
        "_unit_datalist.html",
        {"options": options, "name": name, "list_id": slot_list_id(request, name)},
    )


def slot_list_id(request, name: str) -> str:
    """The `<datalist>` id of a picker: `<name>-options`, or `<name>-<slot>-options` for
    one of several inputs of the same name (`fields.MultiPickerInput`)."""
    slot = request.GET.get("slot", "")
    return f"{name}-{slot}-options" if slot.isdigit() and len(slot) < 3 else f"{name}-options"
