"""Pages of positions held: the holders of a unit's cells and localities, and the
assign / end forms of the person page (`records/_positions.html`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import writable_paths
from dangvien.core.dates import parse_date
from dangvien.core.errors import ActionError, NotAllowed
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.core.views import day_from, get_visible, today
from dangvien.orgs.fields import LOCALITY_KINDS
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.orgs.picker import label_units, picker_label, resolve_locality, resolve_unit
from dangvien.people.models import Person, Position

from . import positions as service


def default_unit(user):
    from dangvien.reports.views import default_unit as first_unit

    return first_unit(user)


def position_list(request):
    """Post holders of a unit (its cells, and the localities it leads) or of a locality,
    on a date, each marked member or not."""
    day, error = day_from(request)
    visible = OrgUnit.objects.visible_to(request.user)
    typed = request.GET.get("unit", "").strip()
    unit = resolve_unit(visible, typed, day) if typed else None
    if typed and unit is None:
        error = _("No unit in your scope is called “%(name)s”: pick one from the list.") % {
            "name": typed
        }
    locality = None
    typed_place = request.GET.get("locality", "").strip()[:300]
    if typed_place:  # a code from a link, or the name the picker offers
        locality = resolve_locality(
            Locality.objects.visible_to(request.user), typed_place, day, LOCALITY_KINDS["post"]
        )
        if locality is None:
            error = _("No locality in your scope is called “%(name)s”: pick one from the list.") % {
                "name": typed_place
            }
    if unit is None and locality is None:
        unit = default_unit(request.user)
    rows = service.holders_query(day=day, unit=unit, locality=locality)
    if unit is None and locality is None:
        rows = rows.none()
    # A keyset page (no OFFSET): a district lists thousands of holders.
    try:
        page = paginate(
            rows,
            service.HOLDER_KEYS,
            request.GET.get("cursor"),
            name="positions",
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    counted = rows.order_by().aggregate(n=Count("pk"), m=Count("pk", filter=Q(is_member=True)))
    cells = []
    if unit is not None:
        found = visible.subtree(unit, on=day).filter(kind__in=service.CELL_KINDS)
        with_committee = service.cells_with_committee(found, day)
        cells = [(c, label, c.pk in with_committee) for c, label in label_units(found)]
    return render(
        request,
        "records/positions.html",
        {
            "day": day,
            "error": error,
            "unit": unit,
            "locality": locality,
            "page": page,
            "holders": counted["n"],
            "members": counted["m"],
            "cells": cells,
            "unit_value": picker_label(unit) if unit else "",
            "locality_value": locality or typed_place,
        },
    )


def writable_person(request, pk: int) -> Person:
    person = get_visible(Person.objects.visible_to(request.user), pk=pk)
    if writable_paths(request.user) == []:
        raise PermissionDenied
    return person


def position_assign(request, pk: int):
    """POST from the person page: the person holds a post from a date. GET: the form,
    which the person page loads only when it is opened (htmx asks for the form alone);
    its cell and locality are searched by name as the user types."""
    person = writable_person(request, pk)
    if request.method == "GET":
        context = person_positions(request.user, person, pickers=True)
        template = "records/_position_form.html" if request.htmx else "records/position_form.html"
        return render(request, template, {"person": person, "ps": context})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    data = request.POST
    kind = data.get("kind", "")
    try:
        start = parse_date(data.get("start_on"), field=_("From"))
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect("person_detail", pk=pk)
    # Typed or picked by name (a code from a link too), resolved on the post's first day.
    locality = unit = None
    if kind in service.CELL_POSTS:
        typed = data.get("unit", "").strip()[:300]
        cells = OrgUnit.objects.visible_to(request.user).filter(kind__in=service.CELL_KINDS)
        unit = resolve_unit(cells, typed, start) if typed else None
        missing = _("No unit in your scope is called “%(name)s”: pick one from the list.")
    else:
        typed = data.get("locality", "").strip()[:300]
        places = Locality.objects.visible_to(request.user)
        locality = (
            resolve_locality(places, typed, start, kinds=LOCALITY_KINDS["post"]) if typed else None
        )
        missing = _("No locality in your scope is called “%(name)s”: pick one from the list.")
    if typed and unit is None and locality is None:
        messages.error(request, _("Not recorded: %(why)s") % {"why": missing % {"name": typed}})
        return redirect("person_detail", pk=pk)
    try:
        p = service.assign_position(
            person, kind=kind, locality=locality, unit=unit, start_on=start, by=request.user
        )
    except NotAllowed as e:
        raise PermissionDenied(str(e)) from None
    except ActionError as e:
        messages.error(request, _("Not recorded: %(why)s") % {"why": e})
    else:
        messages.success(
            request,
            _("Recorded: %(name)s holds “%(post)s” in %(place)s from %(d)s.")
            % {
                "name": person.full_name,
                "post": p.get_kind_display(),
                "place": service.where(p),
                "d": p.start_on.strftime("%d/%m/%Y"),
            },
        )
    return redirect("person_detail", pk=pk)


def position_end(request, pk: int):
    """POST from the person page: the post is no longer held from a date."""
    position = get_visible(
        Position.objects.filter(person__in=Person.objects.visible_to(request.user)).select_related(
            "person", "locality", "unit"
        ),
        pk=pk,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if writable_paths(request.user) == []:
        raise PermissionDenied
    back = position.person_id
    try:
        on = parse_date(request.POST.get("end_on"), field=_("Until"))
    except ValidationError as e:
        messages.error(request, e.messages[0])
        return redirect("person_detail", pk=back)
    try:
        service.end_position(position, on=on, by=request.user)
    except NotAllowed as e:
        raise PermissionDenied(str(e)) from None
    except ActionError as e:
        messages.error(request, _("Not recorded: %(why)s") % {"why": e})
    else:
        messages.success(
            request,
            _("Recorded: “%(post)s” held until %(d)s.")
            % {"post": position.get_kind_display(), "d": on.strftime("%d/%m/%Y")},
        )
    return redirect("person_detail", pk=back)


def person_positions(user, person: Person, pickers: bool = False) -> dict:
    """What the person page's positions section shows (`records/_positions.html`); with
    `pickers`, the cells and localities its form offers (`records/_position_form.html`)."""
    day = today()
    rows = list(person.positions.select_related("locality", "unit").order_by("-start_on"))
    can_edit = writable_paths(user) != []
    from .exits import shown_death

    context: dict = {"positions": rows, "can_edit_positions": can_edit, "day": day}
    # A post held until death may still be ended; none is taken up after it.
    context["may_assign"] = can_edit and shown_death(person) is None
    if can_edit and pickers:  # cells and localities are searched by name as typed
        context["position_kinds"] = Position.Kind.choices
        context["cell_kinds"] = [str(k) for k in service.CELL_POSTS]
    return context
