"""Pages that change a person's own record: the edit form (with its confirmation step
for changes to past statistics) and the move of residence on the person page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.core.views import get_visible, today
from dangvien.people.models import Person, Sex

from . import people as actions
from .exits import death_of, refuse_if_dead
from .person_forms import MoveForm, PersonEditForm, signature


def editable_person(request, pk: int) -> Person:
    """The person, 404 outside the user's scope, 403 for a role that only reads."""
    person = get_visible(
        Person.objects.visible_to(request.user).select_related(
            "ethnicity", "religion", "residence__parent"
        ),
        pk=pk,
    )
    if not actions.may_edit(request.user, person):
        raise PermissionDenied
    return person


def person_edit(request, pk: int):
    person = editable_person(request, pk)
    form = PersonEditForm(request.POST or None, initial=PersonEditForm.initial_for(person))
    pending: list[tuple[str, str, str]] = []  # (field, before, after) awaiting confirmation
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            statistic = actions.pending_confirmation(person, changes)
            confirmed = bool(statistic) and form.cleaned_data["confirmed"] == signature(
                changes, statistic
            )
            saved = actions.update_person(
                person,
                changes,
                version=form.cleaned_data["version"],
                by=request.user,
                confirm=confirmed,
            )
        except actions.NeedsConfirmation as e:
            data = request.POST.copy()
            data["confirmed"] = signature(changes, e.fields)
            form.data = data
            pending = [
                (actions.field_label(f), display(f, getattr(person, f)), display(f, changes[f]))
                for f in e.fields
            ]
            form.warning = str(e)  # type: ignore[attr-defined]
        except ChangedMeanwhile as e:
            form.add_error(None, str(e))
        except InvalidField as e:
            form.add_error(e.field if e.field in form.fields else None, str(e))
        except NotAllowed as e:
            raise PermissionDenied(str(e)) from e
        else:
            messages.success(
                request, _("The record of %(name)s was saved.") % {"name": saved.full_name}
            )
            return redirect("person_detail", pk=person.pk)
    return render(
        request,
        "records/person_edit.html",
        {"person": person, "form": form, "pending": pending},
    )


def display(field: str, value) -> str:
    """A value as the page shows it: dd/mm/yyyy, the label of a choice, a name."""
    if field == "sex":
        return str(dict(Sex.choices).get(value, value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def person_move(request, pk: int):
    """Record a move (POST from the person page's residence section). GET: the form, which
    the person page loads only when it is opened, for its list of places is the whole of
    the user's scope (htmx asks for the form alone; without it, a page of its own)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    person = editable_person(request, pk)
    if request.method == "GET":
        return move_form(request, person)
    try:
        refuse_if_dead(person)
    except ActionError as e:
        messages.error(request, str(e))
        return redirect(f"{person_url(person)}#residence")
    form = MoveForm(request.POST, localities=move_choices(request.user))
    if form.is_valid():
        try:
            actions.move_residence(
                person, form.cleaned_data["locality"], on=form.cleaned_data["on"], by=request.user
            )
        except InvalidField as e:
            messages.error(request, str(e))
        except NotAllowed as e:
            raise PermissionDenied(str(e)) from e
        else:
            messages.success(
                request,
                _("The move of %(name)s to %(place)s was recorded.")
                % {"name": person.full_name, "place": form.cleaned_data["locality"].long_name},
            )
    else:
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}: {error}")
    return redirect(f"{person_url(person)}#residence")


def move_form(request, person: Person):
    dead = death_of(person) is not None  # no move to record once they have died
    form = None
    if not dead:
        form = MoveForm(initial={"on": today()}, localities=move_choices(request.user))
    template = "records/_move_form.html" if request.htmx else "records/move_form.html"
    return render(request, template, {"person": person, "form": form})


def person_url(person: Person) -> str:
    from django.urls import reverse

    return reverse("person_detail", args=[person.pk])


def move_choices(user):
    """The hamlets, villages and residential groups the user may record a move to."""
    return actions.writable_localities(user)
