"""Pages of exits and exemptions: a form each, reached from the person page's section.

A person outside the user's scope is not found (404); a user who may only read the
member's unit (a leader) is refused (403), before any form is shown.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.core.views import get_visible, today
from dangvien.membership.models import Membership
from dangvien.people.models import Person

from . import exits
from .exit_forms import (
    ConfirmForm,
    EndExemptionForm,
    ExemptionForm,
    ExitForm,
    ExpungedForm,
    OutOfContactForm,
    RestoreContactForm,
    ReverseExitForm,
)
from .models import Exemption, ExitDecision, OutOfContact


def writable_person(request, pk: int) -> Person:
    person = get_visible(Person.objects.visible_to(request.user), pk=pk)
    return person


def require_write(request, m: Membership) -> None:
    unit = exits.member_unit(m)
    if unit is None:
        raise Http404(_("Not found, or outside your scope."))
    try:
        exits.check_scope(request.user, m)
    except NotAllowed:
        raise PermissionDenied from None


def unless_dead(request, person: Person):
    """The person page with the refusal, when the person has died (None otherwise): a
    user who may not change their records is refused first (403)."""
    try:
        exits.refuse_if_dead(person)
    except ActionError as e:
        last = person.memberships.order_by("-ceremony_on").first()
        if last is not None:
            require_write(request, last)
        messages.error(request, str(e))
        return redirect("person_detail", pk=person.pk)
    return None


def refused(form, e: ActionError) -> None:
    """The action's refusal on its field when the form has it, else above the form."""
    if isinstance(e, InvalidField) and e.field in form.fields:
        form.add_error(e.field, str(e))
    else:
        form.add_error(None, str(e))


def page(request, person, title, form, button=None, **extra):
    return render(
        request,
        "records/exit_form.html",
        {"person": person, "title": title, "form": form, "button": button or title, **extra},
    )


def person_exit(request, pk: int):
    """Record that a member left the party, with the decision."""
    person = writable_person(request, pk)
    if (dead := unless_dead(request, person)) is not None:
        return dead
    m = exits.open_membership(person)
    if m is None:
        raise Http404(_("%(name)s is not a party member.") % {"name": person.full_name})
    require_write(request, m)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            exits.record_exit(m, **d, by=request.user, today=today())
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("Recorded: %(name)s left the party on %(d)s.")
                % {"name": person.full_name, "d": d["on"].strftime("%d/%m/%Y")},
            )
            return redirect("person_detail", pk=person.pk)
    return page(request, person, _("Record leaving the party"), form, membership=m)


def exit_reverse(request, pk: int, exit_pk: int):
    """Reverse an exit recorded by mistake, with the reason."""
    person = writable_person(request, pk)
    decision = get_visible(
        ExitDecision.objects.filter(membership__person=person).select_related("membership"),
        pk=exit_pk,
    )
    require_write(request, decision.membership)
    form = ReverseExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exits.reverse_exit(
                decision, reason=form.cleaned_data["reason"], by=request.user, today=today()
            )
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("The exit of %(name)s was reversed: the membership runs on.")
                % {"name": person.full_name},
            )
            return redirect("person_detail", pk=person.pk)
    return page(
        request,
        person,
        _("Reverse an exit recorded by mistake"),
        form,
        button=_("Reverse the exit"),
        decision=decision,
        reversing=True,
    )


def exit_expunged(request, pk: int, exit_pk: int):
    """Record the day a former member's conviction (less serious crime) was expunged."""
    person = writable_person(request, pk)
    decision = get_visible(
        ExitDecision.objects.filter(membership__person=person).select_related("membership"),
        pk=exit_pk,
    )
    require_write(request, decision.membership)
    form = ExpungedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exits.record_expungement(
                decision, on=form.cleaned_data["on"], by=request.user, today=today()
            )
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("Recorded: the conviction of %(name)s was expunged on %(d)s.")
                % {"name": person.full_name, "d": form.cleaned_data["on"].strftime("%d/%m/%Y")},
            )
            return redirect("person_detail", pk=person.pk)
    return page(
        request,
        person,
        _("Conviction expunged on"),
        form,
        button=_("Record the expungement"),
        decision=decision,
    )


def exemption_new(request, pk: int):
    """Exempt a member from party work and activity."""
    person = writable_person(request, pk)
    if (dead := unless_dead(request, person)) is not None:
        return dead
    m = exits.open_membership(person)
    if m is None:
        raise Http404(_("%(name)s is not a party member.") % {"name": person.full_name})
    require_write(request, m)
    form = ExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exits.grant_exemption(m, **form.cleaned_data, by=request.user, today=today())
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("Recorded: %(name)s is exempt from party work and activity.")
                % {"name": person.full_name},
            )
            return redirect("person_detail", pk=person.pk)
    return page(
        request,
        person,
        _("Exemption from party work and activity"),
        form,
        button=_("Record an exemption from party work and activity"),
        membership=m,
    )


def exemption_end(request, pk: int, exemption_pk: int):
    """End an exemption: the member takes up party work and activity again."""
    person = writable_person(request, pk)
    exemption = get_visible(
        Exemption.objects.filter(membership__person=person).select_related("membership"),
        pk=exemption_pk,
    )
    require_write(request, exemption.membership)
    form = EndExemptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exits.end_exemption(
                exemption, on=form.cleaned_data["on"], by=request.user, today=today()
            )
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("Recorded: the exemption of %(name)s ends on %(d)s.")
                % {"name": person.full_name, "d": form.cleaned_data["on"].strftime("%d/%m/%Y")},
            )
            return redirect("person_detail", pk=person.pk)
    return page(request, person, _("End the exemption"), form, exemption=exemption)


def out_of_contact(request, pk: int):
    """Periods out of contact with the party organisation (not counted in party age): the
    list of every membership's, a form to add one and, for a period still running, one to
    record that contact was restored."""
    # Personal details (the dates of a member's life): in the user's personal scope only.
    person = get_visible(Person.objects.visible_to(request.user, personal=True), pk=pk)
    memberships = list(person.memberships.order_by("ceremony_on"))
    if not memberships:
        raise Http404(_("%(name)s is not a party member.") % {"name": person.full_name})
    m = memberships[-1]
    try:
        exits.check_scope(request.user, m)
        writable = exits.member_unit(m) is not None
    except NotAllowed:
        writable = False
    form = OutOfContactForm(request.POST if request.POST.get("action") == "add" else None)
    restore = RestoreContactForm(request.POST if request.POST.get("action") == "restore" else None)
    death = exits.death_of(person)
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        if death is not None:  # nothing new to record; a recorded period may be corrected
            return unless_dead(request, person)
        if request.POST.get("action") == "restore":
            period = get_visible(
                OutOfContact.objects.filter(membership=m, end_on__isnull=True),
                pk=request.POST.get("period") or 0,
            )
            if restore.is_valid():
                try:
                    exits.restore_contact(
                        period, on=restore.cleaned_data["on"], by=request.user, today=today()
                    )
                except ActionError as e:
                    refused(restore, e)
                else:
                    messages.success(request, _("Recorded: contact restored."))
                    return redirect("out_of_contact", pk=person.pk)
        elif form.is_valid():
            try:
                exits.record_out_of_contact(m, **form.cleaned_data, by=request.user, today=today())
            except ActionError as e:
                refused(form, e)
            else:
                messages.success(
                    request,
                    _("Recorded: %(name)s out of contact from %(d)s.")
                    % {
                        "name": person.full_name,
                        "d": form.cleaned_data["start_on"].strftime("%d/%m/%Y"),
                    },
                )
                return redirect("out_of_contact", pk=person.pk)
    from .badges import party_age

    return render(
        request,
        "records/out_of_contact.html",
        {
            "person": person,
            "periods": OutOfContact.objects.filter(membership__in=memberships),
            "form": form,
            "restore": restore,
            "writable": writable,
            "may_record": writable and death is None,
            "death": death,
            "party_age": party_age(memberships, today()),
        },
    )


def personal_period(request, pk: int, period_pk: int) -> tuple[Person, OutOfContact]:
    """The person (in the user's personal scope, as the periods' page) and one of their
    periods out of contact: 404 for any other id; 403 unless the user may change the
    records of the member's unit."""
    person = get_visible(Person.objects.visible_to(request.user, personal=True), pk=pk)
    period = get_visible(
        OutOfContact.objects.filter(membership__person=person).select_related("membership__person"),
        pk=period_pk,
    )
    require_write(request, period.membership)
    return person, period


def out_of_contact_edit(request, pk: int, period_pk: int):
    """Correct a period out of contact recorded with wrong dates or note."""
    person, period = personal_period(request, pk, period_pk)
    initial = {"start_on": period.start_on, "end_on": period.end_on, "note": period.note}
    form = OutOfContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            exits.change_out_of_contact(period, **form.cleaned_data, by=request.user, today=today())
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(request, _("The period out of contact was corrected."))
            return redirect("person_detail", pk=person.pk)
    return page(
        request,
        person,
        _("Correct a period out of contact"),
        form,
        button=_("Save the correction"),
        period=period,
    )


def out_of_contact_delete(request, pk: int, period_pk: int):
    """Delete a period out of contact recorded by mistake, after a confirmation."""
    person, period = personal_period(request, pk, period_pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exits.delete_out_of_contact(period, by=request.user)
        except ActionError as e:
            refused(form, e)
        else:
            messages.success(
                request,
                _("The period out of contact from %(d)s was deleted.")
                % {"d": period.start_on.strftime("%d/%m/%Y")},
            )
            return redirect("person_detail", pk=person.pk)
    return page(
        request,
        person,
        _("Delete a period out of contact"),
        form,
        button=_("Delete the period"),
        period=period,
        deleting=True,
    )
