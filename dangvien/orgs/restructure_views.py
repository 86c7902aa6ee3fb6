"""The restructuring page of the organisation board: choose an operation, see what it
would change, apply it, and undo a recent one while nothing newer depends on it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from dangvien.accounts.audit import who
from dangvien.accounts.models import Role
from dangvien.accounts.scoping import is_unrestricted, roles_for
from dangvien.core import jobs
from dangvien.imports.reader import parse_day

from . import locality_restructure, tasks
from .fields import LocalityPickField, MultiLocalityPickField, MultiUnitPickField, UnitPickField
from .models import Locality, OrgUnit, Restructuring
from .picker import resolve_unit
from .restructure import Effect, Kind, Op, holdings, plan


def board_units(user):
    """Units the user may restructure: administrators everywhere; organisation-board
    officers inside their subtrees; nobody else."""
    if is_unrestricted(user):
        return OrgUnit.objects.all()
    paths = list(
        roles_for(user, False).filter(kind=Role.Kind.ORG_BOARD).values_list("unit__path", flat=True)
    )
    if not paths:
        raise PermissionDenied
    return OrgUnit.objects.visible_to(user)


class RestructureForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Change"), choices=Kind.choices)
    # Searched by name as typed (a province's board restructures among thousands of
    # units): one input per unit to change, one for the target and the new superior.
    units: forms.Field = MultiUnitPickField(label=gettext_lazy("Units to change"))
    target: forms.Field = UnitPickField(
        label=gettext_lazy("Existing unit that receives them"), required=False
    )
    parent: forms.Field = UnitPickField(label=gettext_lazy("New superior unit"), required=False)
    code = forms.CharField(label=gettext_lazy("New code"), max_length=40, required=False)
    name = forms.CharField(label=gettext_lazy("New name"), max_length=255, required=False)
    day = forms.CharField(
        label=gettext_lazy("Effective from (dd/mm/yyyy)"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        pool = units if units is not None else OrgUnit.objects.none()
        for name in ("units", "target", "parent"):
            self.fields[name].pool = pool  # type: ignore[attr-defined]

    def clean_day(self):
        day = parse_day(self.cleaned_data["day"])
        if day is None:
            raise forms.ValidationError(_("Write the date as dd/mm/yyyy."))
        if day > timezone.localdate():
            raise forms.ValidationError(_("The effective date cannot be in the future."))
        return day

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def ops(self) -> list[Op]:
        d = self.cleaned_data
        target = d["target"].code if d.get("target") else d["code"]
        parent = d["parent"].code if d.get("parent") else ""
        return [
            Op(d["kind"], u.code, d["day"], target=target, name=d["name"], parent=parent, row=i)
            for i, u in enumerate(d["units"], start=1)
        ]


class PlacesForm(RestructureForm):
    """The same operations on localities (communes, wards, hamlets, villages, groups)."""

    units = MultiLocalityPickField(label=gettext_lazy("Localities to change"))
    target = LocalityPickField(
        label=gettext_lazy("Existing locality that receives them"), kinds="all", required=False
    )
    parent = LocalityPickField(
        label=gettext_lazy("New parent locality"), kinds="all", required=False
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, units=None, **kwargs)
        pool = places if places is not None else Locality.objects.none()
        for name in ("units", "target", "parent"):
            self.fields[name].pool = pool  # type: ignore[attr-defined]


def place_label(loc: Locality) -> str:
    above = f", {loc.parent.name}" if loc.parent else ""
    return f"{loc.name}{above} ({loc.code})"


def label(unit: OrgUnit) -> str:
    """A unit with its code and, for a cell, its grassroots organisation's code."""
    parts = unit.path.strip("/").split("/")
    where = f" – {parts[-2]}" if len(parts) > 2 else ""
    return f"{unit.name} ({unit.code}{where})"


def restructure_page(request):
    units = board_units(request.user)
    form = RestructureForm(request.POST or None, units=units)
    effect = None
    if request.method == "POST" and form.is_valid():
        scope = {u.pk for u in units.only("pk")}
        ops = form.ops()
        if request.POST.get("action") == "apply":
            effect = plan(ops, scope_ok=lambda unit: unit.pk in scope)
            if effect.ok:
                done = queue_apply(request, ops, scope, places=False)
                if isinstance(done, HttpResponse):
                    return done
                effect = done
        else:
            effect = plan(ops, scope_ok=lambda unit: unit.pk in scope)
    recent = Restructuring.objects.select_related("applied_by")[:20]
    return render(
        request,
        "orgs/restructure.html",
        {"form": form, "effect": effect, "recent": recent, "history": history(units)},
    )


def history(units, days: int = 10) -> list[dict]:
    """The last `days` days on which some of `units` closed, newest first, with how many
    closed and how many began that day: the restructurings the data holds, whether
    applied here or loaded with the history (the demo's 2025 reform)."""
    closed = dict(
        units.filter(valid_to__isnull=False)
        .values_list("valid_to")
        .annotate(n=Count("pk"))
        .order_by()
    )
    last = sorted(closed, reverse=True)[:days]
    opened = dict(
        units.filter(valid_from__in=last)
        .values_list("valid_from")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [{"day": d, "closed": closed[d], "opened": opened.get(d, 0)} for d in last]


def locality_restructure_page(request):
    """Restructuring localities: the organisation board's, within the localities its
    units lead."""
    board_units(request.user)  # the organisation board and administrators only
    places = Locality.objects.visible_to(request.user)
    form = PlacesForm(request.POST or None, places=places)
    effect = None
    if request.method == "POST" and form.is_valid():
        scope = set(places.values_list("pk", flat=True))
        ops = form.ops()
        effect = locality_restructure.plan(ops, scope_ok=lambda loc: loc.pk in scope)
        if request.POST.get("action") == "apply" and effect.ok:
            done = queue_apply(request, ops, scope, places=True)
            if isinstance(done, HttpResponse):
                return done
            effect = done
    recent = Restructuring.objects.filter(summary__contains="địa bàn").select_related("applied_by")[
        :20
    ]
    return render(
        request,
        "orgs/restructure.html",
        {"form": form, "effect": effect, "recent": recent, "places": True},
    )


def queue_apply(request, ops: list[Op], scope: set[int], *, places: bool):
    """Queue the checked operations for the worker and send the user to the task's page.
    With a backend that runs the task in this request (TASKS_BACKEND immediate), its
    outcome is here already: a message and back to the form, or the problems."""
    result = tasks.apply_restructuring.enqueue(
        tasks.ops_json(ops), sorted(scope), places, **who(request)
    )
    if not result.is_finished:
        return redirect("restructure_task", task_id=result.id)
    if result.status != TaskResultStatus.SUCCESSFUL:
        raise RuntimeError(result.errors[0].traceback if result.errors else "task failed")
    out = result.return_value or {}
    if not out.get("ok"):
        return Effect(problems=[tuple(p) for p in out.get("problems", [])], places=places)
    messages.success(request, _("Restructuring applied: %(s)s") % {"s": "; ".join(out["lines"])})
    return redirect("locality_restructure" if places else "restructure")


# The tasks whose page is restructure_task.
TASK_NAMES = {
    t.module_path for t in (tasks.apply_restructuring, tasks.undo_restructuring, tasks.split_unit)
}


def finished(request, result) -> dict | None:
    """A task the backend ran within this request (TASKS_BACKEND immediate): its
    outcome; None when it waits for the worker."""
    if not result.is_finished:
        return None
    if result.status != TaskResultStatus.SUCCESSFUL:
        raise RuntimeError(result.errors[0].traceback if result.errors else "task failed")
    return result.return_value or {}


def restructure_task(request, task_id):
    """The page of a queued restructuring: its state while the worker has it, then what
    it changed or why nothing was. Only the board member who asked (or an
    administrator) sees it; anyone else gets “not found”."""
    board_units(request.user)  # the organisation board and administrators only
    try:
        result = default_task_backend.get_result(str(task_id))
    except (TaskResultDoesNotExist, NotImplementedError, ValueError) as e:
        raise Http404 from e
    if result.task.module_path not in TASK_NAMES:
        raise Http404
    asked_by = result.kwargs.get("user_id")
    if asked_by != request.user.pk and not is_unrestricted(request.user):
        raise Http404
    out = result.return_value if result.status == TaskResultStatus.SUCCESSFUL else None
    applying = result.task.module_path == tasks.apply_restructuring.module_path
    places = applying and len(result.args) > 2 and bool(result.args[2])
    return render(
        request,
        "orgs/restructure_task.html",
        {
            "result": result,
            "state": jobs.label_of(result.status),
            "busy": not result.is_finished,
            "waiting": result.status == TaskResultStatus.READY,
            "failed": result.status == TaskResultStatus.FAILED,
            "out": out,
            "places": places,
        },
    )


def restructure_undo(request, pk: int):
    if request.method != "POST":
        return redirect("restructure")
    units = board_units(request.user)
    record = get_object_or_404(Restructuring, pk=pk)
    touched = set(record.changes.get("units", [])) | {
        u for u, _end in record.changes.get("closed", [])
    }
    if touched - set(units.filter(pk__in=touched).values_list("pk", flat=True)):
        raise PermissionDenied
    places = set(record.changes.get("localities", [])) | {
        loc for loc, _end in record.changes.get("loc_closed", [])
    }
    visible = Locality.objects.visible_to(request.user).filter(pk__in=places)
    if places - set(visible.values_list("pk", flat=True)):
        raise PermissionDenied
    result = tasks.undo_restructuring.enqueue(record.pk, **who(request))
    out = finished(request, result)
    if out is None:
        return redirect("restructure_task", task_id=result.id)
    if out["ok"]:
        messages.success(request, _("Restructuring undone."))
    else:
        messages.error(request, out["error"])
    return redirect("restructure")


def parse_parts(text: str) -> list[tuple[str, str]]:
    """'CODE | Name' per line."""
    parts = []
    for line in text.splitlines():
        if line.strip():
            code, _sep, name = line.partition("|")
            parts.append((code.strip().upper(), " ".join(name.split())))
    return parts


def restructure_split(request):
    """Split a unit: first the unit, the date and the new units; then, for each child
    unit, member, locality served and candidate, the new unit it goes to."""
    units = board_units(request.user)
    data = request.POST if request.method == "POST" else request.GET
    today = timezone.localdate()
    typed = data.get("unit", "").strip()[:300]  # a code, or the name the picker offers
    unit = resolve_unit(units, typed, today) if typed else None
    if unit is not None and not unit.exists_on(today):
        unit = None
    day = parse_day(data.get("day", ""))
    parts = parse_parts(data.get("parts", ""))
    error = ""
    held = None
    if data.get("unit"):
        if unit is None:
            error = _("Choose a unit in your scope.")
        elif day is None or day > today:
            error = _("Write the effective date as dd/mm/yyyy, not in the future.")
        elif len(parts) < 2:
            error = _("Write at least two new units, one per line: CODE | Name.")
        else:
            held = holdings(unit, day)
    if request.method == "POST" and held is not None and unit is not None and day is not None:
        assign = {
            kind: {obj.pk: data.get(f"{kind}-{obj.pk}", "") for obj in objects}
            for kind, objects in held.items()
        }
        result = tasks.split_unit.enqueue(
            unit.pk,
            day.isoformat(),
            [list(p) for p in parts],
            {kind: {str(pk): code for pk, code in codes.items()} for kind, codes in assign.items()},
            **who(request),
        )
        out = finished(request, result)
        if out is None:
            return redirect("restructure_task", task_id=result.id)
        if out["ok"]:
            summary = "; ".join(out["lines"])
            messages.success(request, _("Restructuring applied: %(s)s") % {"s": summary})
            return redirect("restructure")
        error = out["error"]
    return render(
        request,
        "orgs/restructure_split.html",
        {
            "unit": unit,
            "unit_value": unit or typed,
            "day": data.get("day", ""),
            "parts": parts,
            "parts_text": data.get("parts", ""),
            "held": held,
            "error": error,
            "label": label,
        },
    )
