"""The terms page of the organisation board: define a congress term for a committee and
set its targets per unit and metric (the committee's own and its direct children's).

Only organisation-board officers (inside their subtrees) and administrators use it; every
change goes to the audit trail."""

import decimal

from django import forms
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangvien.accounts import audit
from dangvien.core.dates import parse_date
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import matching_unit_options, resolve_unit
from dangvien.orgs.restructure_views import board_units

from .models import SHARES, Metric, Target, Term

A = audit.A
# Target.value is DecimalField(max_digits=10, decimal_places=1).
LARGEST = decimal.Decimal("999999999.9")


class TermForm(forms.Form):
    unit = forms.CharField(label=gettext_lazy("Committee"), max_length=300)
    name = forms.CharField(label=gettext_lazy("Term"), max_length=60)
    start = forms.CharField(
        label=gettext_lazy("From (dd/mm/yyyy)"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    end = forms.CharField(
        label=gettext_lazy("To (dd/mm/yyyy)"),
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units.exclude(kind=OrgUnit.Kind.PARTY_GROUP)
        # Searched by name on the server (`unit_options`), never a list of every unit.
        self.fields["unit"].widget.attrs.update(
            {
                "list": "unit-options",
                "size": "50",
                "autocomplete": "off",
                "placeholder": _("Type a name to search"),
                "hx-get": reverse("unit_options") + "?list=unit",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#unit-options",
                "hx-swap": "outerHTML",
            }
        )

    def options(self) -> list[tuple[str, str]]:
        """The committees matching what the field holds (none on a fresh form)."""
        return matching_unit_options(self.units, timezone.localdate(), self["unit"].value() or "")

    def clean_unit(self):
        typed = self.cleaned_data["unit"].strip()
        unit = resolve_unit(self.units, typed, timezone.localdate())
        if unit is None:
            raise forms.ValidationError(
                _("%(code)s is not one of your units: choose a unit in your subtree.")
                % {"code": typed}
            )
        return unit

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Name the term, e.g. 2015–2020."))
        return name

    def _day(self, field):
        try:
            return parse_date(self.cleaned_data[field])
        except forms.ValidationError as e:
            raise forms.ValidationError(e.messages[0]) from None

    def clean_start(self):
        return self._day("start")

    def clean_end(self):
        return self._day("end")

    def clean(self):
        d = super().clean()
        if d.get("start") and d.get("end") and d["end"] <= d["start"]:
            self.add_error("end", _("The term must end after it starts."))
        return d


def create_term(*, unit: OrgUnit, name: str, start, end, by) -> Term:
    """The one write function for a new term."""
    term = Term.objects.create(unit=unit, name=name, start=start, end=end)
    audit.log(A.CREATE, term, after=audit.snapshot(term), unit_path=unit.path, user=by)
    return term


def term_units(term: Term) -> list[OrgUnit]:
    """The rows of a term's targets table: its committee and the committee's direct
    children open on the term's first day."""
    children = (
        OrgUnit.objects.on(term.start)
        .filter(parent=term.unit)
        .exclude(kind=OrgUnit.Kind.PARTY_GROUP)
        .order_by("path")
    )
    return [term.unit, *children]


def parse_value(raw: str, metric: str) -> tuple[decimal.Decimal | None, str | None]:
    """A target value from the table (empty = no target) and an error message."""
    text = raw.strip().replace(" ", "").replace(",", ".")
    if not text:
        return None, None
    try:
        value = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None, _("“%(v)s” is not a number.") % {"v": raw.strip()}
    if not value.is_finite():
        return None, _("“%(v)s” is not a number.") % {"v": raw.strip()}
    if value < 0:
        return None, _("A target cannot be negative.")
    if metric in SHARES and value > 100:
        return None, _("A percentage target cannot exceed 100.")
    if value > LARGEST:
        return None, _("This target is too large.")
    if value != value.quantize(decimal.Decimal("0.1")):
        return None, _("Write at most one decimal place.")
    return value.quantize(decimal.Decimal("0.1")), None


def set_targets(term: Term, values: dict[tuple[int, str], decimal.Decimal | None], *, by) -> int:
    """The one write function for a term's targets: set, change or remove (None) each
    (unit id, metric) value; every change audited. Returns the number of changes."""
    existing = {(t.unit_id, t.metric): t for t in term.targets.select_related("unit")}
    paths = dict(OrgUnit.objects.filter(pk__in={u for u, _m in values}).values_list("pk", "path"))
    changes = 0
    with transaction.atomic():
        for (unit_id, metric), value in values.items():
            target = existing.get((unit_id, metric))
            path = paths[unit_id]
            if value is None:
                if target is not None:
                    before = audit.snapshot(target)
                    target.delete()
                    audit.log(A.DELETE, target, before=before, unit_path=path, user=by)
                    changes += 1
            elif target is None:
                target = Target.objects.create(
                    term=term, unit_id=unit_id, metric=metric, value=value
                )
                audit.log(A.CREATE, target, after=audit.snapshot(target), unit_path=path, user=by)
                changes += 1
            elif target.value != value:
                before = audit.snapshot(target)
                target.value = value
                target.save(update_fields=["value"])
                audit.log(
                    A.UPDATE,
                    target,
                    before=before,
                    after=audit.snapshot(target),
                    unit_path=path,
                    user=by,
                )
                changes += 1
    return changes


def term_list(request):
    units = board_units(request.user)
    form = TermForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        term = create_term(
            unit=d["unit"], name=d["name"], start=d["start"], end=d["end"], by=request.user
        )
        return redirect("term_targets", pk=term.pk)
    terms = Term.objects.filter(unit__in=units).select_related("unit").order_by("-start")
    return render(
        request, "targets/terms.html", {"form": form, "terms": terms, "options": form.options()}
    )


def term_targets(request, pk: int):
    units = board_units(request.user)
    term = get_object_or_404(Term.objects.select_related("unit"), pk=pk)
    if not units.filter(pk=term.unit_id).exists():
        raise Http404
    rows = term_units(term)
    metrics = list(Metric)
    current = {(t.unit_id, t.metric): t.value for t in term.targets.all()}
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        values: dict[tuple[int, str], decimal.Decimal | None] = {}
        for unit in rows:
            for metric in metrics:
                key = f"t-{unit.pk}-{metric.value}"
                raw = request.POST.get(key, "")
                posted[key] = raw
                value, error = parse_value(raw, metric.value)
                if error:
                    errors[key] = error
                values[(unit.pk, metric.value)] = value
        if not errors:
            changed = set_targets(term, values, by=request.user)
            return redirect(f"{request.path}?saved={changed}")
    table = []
    for unit in rows:
        cells = []
        for metric in metrics:
            key = f"t-{unit.pk}-{metric.value}"
            if request.method == "POST":
                shown = posted.get(key, "")
            else:
                known = current.get((unit.pk, metric.value))
                shown = "" if known is None else format(known.normalize(), "f")
            cells.append((key, shown, errors.get(key), f"{unit.name}: {metric.label}"))
        table.append((unit, cells))
    saved_count = request.GET.get("saved")
    # The pace page on today, or on the term's nearer end when it is not running.
    pace_day = min(max(timezone.localdate(), term.start), term.end)
    return render(
        request,
        "targets/term_targets.html",
        {
            "term": term,
            "pace_day": pace_day,
            "metrics": metrics,
            "table": table,
            "errors": errors,
            "saved": int(saved_count) if (saved_count or "").isdigit() else None,
        },
    )
