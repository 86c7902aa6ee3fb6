"""Pages of transfers of party activity: issue (sending unit), receive or cancel, out of and
in from outside the system, temporary activity, and the list of transfers in transit.

Each page shows its form on GET and calls the one action function on POST; a refused
value comes back beside its field. Out of scope: 404; a side that may not act: 403.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import may_write, writable_paths
from dangvien.core.dates import parse_date
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.core.keyset import BadCursor, bad_cursor, paginate, query_without_cursor
from dangvien.core.views import get_visible, today
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.orgs.picker import labels_across, matching_unit_options, resolve_unit
from dangvien.people.models import Person

from . import exits
from . import transfers as tr
from .models import TemporaryStay, Transfer
from .transfer_forms import (
    CancelForm,
    EndTemporaryForm,
    InForm,
    IssueForm,
    OutForm,
    ReceiveForm,
    TemporaryForm,
)


def member_units():
    return OrgUnit.objects.filter(kind__in=tr.MEMBER_UNITS)


def act(form, action) -> Any:
    """Run `action` on a valid form; a refusal becomes the form's error (403 when out of
    scope). None when refused."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except NotAllowed as e:
        raise PermissionDenied(str(e)) from e
    except InvalidField as e:
        form.add_error(e.field if e.field in form.fields else None, str(e))
    except ActionError as e:
        form.add_error(None, str(e))
    return None


def member_of(request, pk: int) -> tuple[Person, Membership, Stint]:
    """The person (in scope, else 404), their current membership and stint; 403 unless the
    user may change the records of that unit."""
    person = get_visible(Person.objects.visible_to(request.user), pk=pk)
    try:
        exits.refuse_if_dead(person)
    except ActionError as e:
        if writable_paths(request.user) == []:  # a role that only reads
            raise PermissionDenied from None
        messages.error(request, str(e))
        raise Redirect(person.pk) from None
    m = tr.current_membership(person)
    stint = (
        Stint.objects.filter(membership=m, end_on__isnull=True).select_related("unit").first()
        if m
        else None
    )
    if m is None or stint is None:
        if writable_paths(request.user) == []:  # a role that only reads
            raise PermissionDenied
        messages.error(
            request, _("%(name)s is in no unit at present.") % {"name": person.full_name}
        )
        raise Redirect(person.pk)
    if not may_write(request.user, stint.unit):
        raise PermissionDenied
    return person, m, stint


class Redirect(Exception):
    def __init__(self, pk: int):
        self.pk = pk


def person_page(view):
    """A person's action page: back to the person page when there is nothing to act on."""

    def wrapped(request, pk: int):
        try:
            return view(request, pk)
        except Redirect as r:
            return redirect("person_detail", pk=r.pk)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def picked(text: str, units, day):
    return resolve_unit(units, text or "", day)


@person_page
def transfer_issue(request, pk: int):
    """The sending unit issues a transfer to another unit in the system."""
    person, m, stint = member_of(request, pk)
    day = today()
    form = IssueForm(request.POST or None)
    if request.method == "POST":
        done = act(
            form,
            lambda d: tr.issue_transfer(
                m,
                to_unit=picked(d["to_unit"], OrgUnit.objects.all(), d["on"]),
                on=d["on"],
                document_number=d["document_number"],
                by=request.user,
            ),
        )
        if done:
            messages.success(
                request,
                _("Transfer issued: %(name)s is in transit to %(unit)s.")
                % {"name": person.full_name, "unit": done.to_unit.name},
            )
            return redirect("person_detail", pk=person.pk)
    return render(
        request,
        "records/transfer_issue.html",
        {
            "person": person,
            "stint": stint,
            "form": form,
            # Only the cells matching what the field holds (none on a fresh form): the
            # list grows as the user types, never the whole system's list of cells.
            "options": matching_unit_options(member_units(), day, form["to_unit"].value() or ""),
        },
    )


# The fields that pick a cell of the whole system (a transfer's receiving cell, a host).
CELL_FIELDS = ("to_unit", "host_unit")


def transfer_unit_options(request):
    """The cells a transfer or a temporary stay may name whose name contains the text
    typed (htmx, `?list=to_unit&to_unit=…`): cells of the whole system open today, not
    only the user's (a member moves to another ward's cell), offered to a user who may
    record transfers."""
    if writable_paths(request.user) == []:
        raise PermissionDenied
    name = request.GET.get("list", "to_unit")
    if name not in CELL_FIELDS:
        name = "to_unit"
    text = request.GET.get(name, "")[:300]
    options = matching_unit_options(member_units(), today(), text)
    return render(request, "_unit_datalist.html", {"options": options, "name": name})


@person_page
def transfer_out(request, pk: int):
    """Out of the system: to another province or a party body not managed here."""
    person, m, stint = member_of(request, pk)
    form = OutForm(request.POST or None)
    if request.method == "POST":
        done = act(
            form,
            lambda d: tr.transfer_out(
                m,
                on=d["on"],
                outside_body=d["outside_body"],
                document_number=d["document_number"],
                by=request.user,
            ),
        )
        if done:
            messages.success(
                request,
                _("%(name)s was transferred out of the system to %(body)s.")
                % {"name": person.full_name, "body": done.outside_body},
            )
            return redirect("person_detail", pk=person.pk)
    return render(
        request, "records/transfer_out.html", {"person": person, "stint": stint, "form": form}
    )


@person_page
def temporary_start(request, pk: int):
    """Temporary party activity in a host unit, or a party body outside the system."""
    person, m, stint = member_of(request, pk)
    day = today()
    form = TemporaryForm(request.POST or None)
    if request.method == "POST":

        def start(d):
            host = None
            if d["host_unit"]:
                host = picked(d["host_unit"], OrgUnit.objects.all(), d["start_on"])
                if host is None:
                    raise InvalidField("host_unit", _("Choose the unit from the list."))
            return tr.start_temporary(
                m,
                host_unit=host,
                host_body=d["host_body"],
                start_on=d["start_on"],
                end_on=d["end_on"],
                document_number=d["document_number"],
                by=request.user,
            )

        if act(form, start):
            messages.success(request, _("Temporary party activity recorded."))
            return redirect("person_detail", pk=person.pk)
    return render(
        request,
        "records/temporary_start.html",
        {
            "person": person,
            "stint": stint,
            "form": form,
            "options": matching_unit_options(member_units(), day, form["host_unit"].value() or ""),
        },
    )


def visible_transfer(request, pk: int) -> Transfer:
    return get_visible(
        tr.visible_transfers(request.user).select_related(
            "membership__person", "from_unit", "to_unit"
        ),
        pk=pk,
    )


def transfer_receive(request, pk: int):
    """The receiving unit records the member's arrival."""
    t = visible_transfer(request, pk)
    if t.to_unit is None or not may_write(request.user, t.to_unit):
        raise PermissionDenied
    form = ReceiveForm(request.POST or None, initial={"cell": str(t.to_unit_id)})
    if request.method == "POST":
        done = act(
            form,
            lambda d: tr.receive_transfer(
                t,
                on=d["on"],
                document_number=d["document_number"],
                cell=chosen_cell(d["cell"]),
                by=request.user,
            ),
        )
        if done:
            messages.success(
                request,
                _("Received: %(name)s takes part in party activity in %(unit)s.")
                % {"name": t.membership.person.full_name, "unit": done.received_in.name},
            )
            return redirect("person_detail", pk=t.membership.person_id)
    # The cells open on the arrival date once it is known (a refused form keeps it), and
    # the list follows the date as it is typed (htmx asks `transfer_receive_cells`).
    arrival = getattr(form, "cleaned_data", {}).get("on")
    form.fields["on"].widget.attrs.update(
        {
            "hx-get": reverse("transfer_receive_cells", args=[t.pk]),
            "hx-trigger": "change",
            "hx-target": "#id_cell",
            "hx-swap": "outerHTML",
            "hx-include": "#id_cell",
        }
    )
    return render(
        request,
        "records/transfer_receive.html",
        {
            "t": t,
            "form": form,
            "due": tr.receipt_due(t),
            "person": t.membership.person,
            "cells": cell_choices(t, arrival, form["cell"].value()),
        },
    )


def cell_choices(t: Transfer, arrival, chosen: str | None) -> list[tuple[str, str, bool]]:
    """(id, label, selected) of the cells the member may join: those open on `arrival`;
    without it, those open on some day from the issue to today, each open only part of
    that time labelled with its dates."""
    chosen = chosen or str(t.to_unit_id)
    day = today()
    start = t.issued_on or day
    if arrival is not None:
        units = list(tr.receiving_cells(t, arrival))
    else:
        units = list(tr.receiving_cells(t, start, until=day))
    out = []
    for c in units:
        label = c.name
        if arrival is None and c.valid_to is not None:
            label += " " + _("(open until %(d)s)") % {
                "d": tr.fmt(c.valid_to - dt.timedelta(days=1))
            }
        elif arrival is None and c.valid_from > start:
            label += " " + _("(open from %(d)s)") % {"d": tr.fmt(c.valid_from)}
        out.append((str(c.pk), label, str(c.pk) == chosen))
    return out


def transfer_receive_cells(request, pk: int):
    """The receipt form's list of cells for the arrival date typed (htmx, `?on=`): a date
    not understood gives the list for any arrival from the issue to today."""
    t = visible_transfer(request, pk)
    if t.to_unit is None or not may_write(request.user, t.to_unit):
        raise PermissionDenied
    try:
        arrival = parse_date(request.GET.get("on", "")[:20])
    except ValidationError:
        arrival = None
    return render(
        request,
        "records/_receive_cells.html",
        {"t": t, "cells": cell_choices(t, arrival, request.GET.get("cell"))},
    )


def chosen_cell(value: str) -> OrgUnit | None:
    """The cell picked on the receipt form (its id); None (the named cell) when empty. An
    id of no unit is refused beside the field."""
    value = (value or "").strip()
    if not value:
        return None
    unit = OrgUnit.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if unit is None:
        raise InvalidField("cell", _("Choose the unit from the list."))
    return unit


def transfer_cancel(request, pk: int):
    """The sending unit cancels a transfer not yet received."""
    t = visible_transfer(request, pk)
    if t.from_unit is None or not may_write(request.user, t.from_unit):
        raise PermissionDenied
    form = CancelForm(request.POST or None)
    if request.method == "POST":
        done = act(form, lambda d: tr.cancel_transfer(t, reason=d["reason"], by=request.user))
        if done:
            messages.success(request, _("Transfer cancelled."))
            return redirect("person_detail", pk=t.membership.person_id)
    return render(
        request,
        "records/transfer_cancel.html",
        {"t": t, "form": form, "person": t.membership.person},
    )


def visible_stays(user):
    people = Person.objects.visible_to(user)
    stays = TemporaryStay.objects.select_related("membership__person", "host_unit")
    hosted = OrgUnit.objects.visible_to(user)
    return stays.filter(membership__person__in=people) | stays.filter(host_unit__in=hosted)


def temporary_end(request, pk: int):
    """The home or the host unit records the member back home."""
    stay = get_visible(visible_stays(request.user), pk=pk)
    sides = [u for u in (tr.home_unit(stay), stay.host_unit) if u is not None]
    if not any(may_write(request.user, u) for u in sides):
        raise PermissionDenied
    form = EndTemporaryForm(request.POST or None)
    if request.method == "POST" and act(
        form, lambda d: tr.end_temporary(stay, on=d["on"], by=request.user)
    ):
        messages.success(request, _("The end of the temporary activity is recorded."))
        person = stay.membership.person
        if Person.objects.visible_to(request.user).filter(pk=person.pk).exists():
            return redirect("person_detail", pk=person.pk)
        return redirect("transfer_list")
    return render(
        request,
        "records/temporary_end.html",
        {"stay": stay, "form": form, "person": stay.membership.person},
    )


def transfer_in(request):
    """A member transferred in from outside the system (another province, a party body
    not managed here)."""
    if writable_paths(request.user) == []:
        raise PermissionDenied
    day = today()
    mine = OrgUnit.objects.visible_to(request.user).filter(kind__in=tr.MEMBER_UNITS)
    form = InForm(
        request.POST or None, localities=Locality.objects.visible_to(request.user).on(day)
    )
    if request.method == "POST":

        def receive(d):
            return tr.transfer_in(
                form.person_data(),
                to_unit=picked(d["to_unit"], mine, d["on"]),
                on=d["on"],
                outside_body=d["outside_body"],
                document_number=d["document_number"],
                decision_on=d["decision_on"],
                decision_number=d["decision_number"],
                ceremony_on=d["ceremony_on"],
                confirmed_on=d["confirmed_on"],
                by=request.user,
            )

        done = act(form, receive)
        if done:
            messages.success(
                request,
                _("Received: %(name)s takes part in party activity in %(unit)s.")
                % {"name": done.membership.person.full_name, "unit": done.to_unit.name},
            )
            return redirect("person_detail", pk=done.membership.person_id)
    # Only the cells matching what the field holds: the list grows as the user types
    # (`unit_options`, cells in the user's scope), never every cell in scope.
    options = matching_unit_options(mine, day, form["to_unit"].value() or "")
    return render(request, "records/transfer_in.html", {"form": form, "options": options})


RECENT_PAGE = 50


def transfer_list(request):
    """Transfers in transit to or from the user's units, with the receipt deadline; and the
    latest transfers recorded there."""
    from dangvien.accounts.scoping import scope_paths

    day = today()
    scoped = tr.visible_transfers(request.user).select_related(
        "membership__person", "from_unit", "to_unit"
    )
    paths = scope_paths(request.user)

    def mine(unit) -> bool:
        return unit is not None and (paths is None or any(unit.path.startswith(p) for p in paths))

    pending = list(scoped.filter(tr.pending_q()).order_by("issued_on", "pk"))
    rows = []
    for t in pending:
        due = tr.receipt_due(t)
        rows.append(
            {
                "t": t,
                "due": due,
                "overdue": bool(due and due < day),
                "incoming": mine(t.to_unit),
                "outgoing": mine(t.from_unit),
                "may_receive": t.to_unit is not None and may_write(request.user, t.to_unit),
                "may_cancel": t.from_unit is not None and may_write(request.user, t.from_unit),
            }
        )
    # The transfers done (received, cancelled, out of or in from outside the system),
    # newest first by the transfer's date (the arrival's, in from outside), a keyset page
    # at a time.
    done = (
        scoped.exclude(tr.pending_q())
        .select_related("received_in")
        .annotate(day=Coalesce("issued_on", "received_on"))
    )
    try:
        recent = paginate(
            done,
            ("-day", "-pk"),
            request.GET.get("cursor"),
            name="transfers-recent",
            size=RECENT_PAGE,
            query=query_without_cursor(request),
        )
    except BadCursor:
        return bad_cursor(request)
    name_transfer_units([r["t"] for r in rows] + list(recent.items))
    return render(
        request,
        "records/transfer_list.html",
        {
            "incoming": [r for r in rows if r["incoming"]],
            "outgoing": [r for r in rows if r["outgoing"] and not r["incoming"]],
            "recent": recent,
            "day": day,
            "may_receive_in": writable_paths(request.user) != [],
        },
    )


def name_transfer_units(transfers) -> None:
    """`from_label`, `to_label`, `received_label`: each unit named with its grassroots
    organisation where the page's units span several (a cell's name alone is ambiguous
    across a province), the outside body's name for a unit outside the system."""
    units = {
        u.path: u
        for t in transfers
        for u in (t.from_unit, t.to_unit, t.received_in)
        if u is not None
    }
    labels = labels_across(units.values())
    for t in transfers:
        t.from_label = labels[t.from_unit.path] if t.from_unit else t.outside_body
        t.to_label = labels[t.to_unit.path] if t.to_unit else t.outside_body
        t.received_label = labels[t.received_in.path] if t.received_in else ""
