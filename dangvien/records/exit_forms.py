"""The forms of exits and exemptions: choices with their Vietnamese labels, dates typed
dd/mm/yyyy. The checks themselves are the actions' (`records.exits`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangvien.admission.forms import date_field

from .exits import EXIT_REASONS, MAX_TEXT
from .models import Exemption


def note_field(label=None, required=False):
    return forms.CharField(
        label=label or _("Note"),
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
    )


class ExitForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for leaving"),
        choices=[("", "—"), *((r.value, r.label) for r in EXIT_REASONS)],
    )
    on = date_field(_("Date of leaving"))
    document_number = forms.CharField(
        label=_("Decision number"),
        max_length=60,
        required=False,
        help_text=_("Required except for a death."),
    )
    decided_by = forms.CharField(label=_("Deciding body"), max_length=200, required=False)
    conviction_expunged_on = date_field(_("Conviction expunged on"), required=False)
    note = note_field()


class ReverseExitForm(forms.Form):
    reason = note_field(_("Reason for reversing"), required=True)


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for the exemption"), choices=[("", "—"), *Exemption.Reason.choices]
    )
    start_on = date_field(_("Exempt from"))
    end_on = date_field(_("Exempt until (no longer exempt from this day)"), required=False)
    document_number = forms.CharField(label=_("Decision number"), max_length=60, required=False)
    note = note_field()


class EndExemptionForm(forms.Form):
    on = date_field(_("Takes up party work and activity again on"))


class ExpungedForm(forms.Form):
    on = date_field(_("Conviction expunged on"))


class OutOfContactForm(forms.Form):
    start_on = date_field(_("Out of contact from"))
    end_on = date_field(_("Contact restored on"), required=False)
    note = note_field()


class RestoreContactForm(forms.Form):
    on = date_field(_("Contact restored on"))


class ConfirmForm(forms.Form):
    """A confirmation step: its only field says the user means it (the button)."""

    confirm = forms.BooleanField(label=_("Confirm"), widget=forms.HiddenInput, initial=True)
