"""Forms of the transfer pages: dates typed dd/mm/yyyy, units chosen by name from a list
(`orgs.picker`), the checks themselves left to `records.transfers`."""

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dangvien.admission.forms import date_field
from dangvien.orgs.fields import LocalityPickField
from dangvien.people.models import GeneralEducation, Occupation, Professional, Sex
from dangvien.reference.models import Ethnicity, Religion


def text(label, max_length=60, required=False, **kw):
    return forms.CharField(label=label, max_length=max_length, required=required, **kw)


def cell_picker(name: str) -> forms.TextInput:
    """A cell searchable by name: the list holds the cells matching what is typed (htmx
    asks `transfer_unit_options`); without JavaScript a typed name is resolved on submit."""
    return forms.TextInput(
        attrs={
            "list": f"{name}-options",
            "autocomplete": "off",
            "size": 50,
            "placeholder": _("Type a name to search"),
            "hx-get": format_lazy("{}?list={}", reverse_lazy("transfer_unit_options"), name),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#{name}-options",
            "hx-swap": "outerHTML",
        }
    )


class IssueForm(forms.Form):
    to_unit = text(
        _("Receiving unit"), max_length=300, required=True, widget=cell_picker("to_unit")
    )
    on = date_field(_("Transfer date"))
    document_number = text(_("Transfer letter number"))


class ReceiveForm(forms.Form):
    on = date_field(_("Date of arrival"))
    document_number = text(_("Receipt number"))
    # A cell of the receiving organisation (its id); empty: the cell the sender named.
    cell = forms.CharField(label=_("Cell the member joins"), required=False, max_length=20)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OutForm(forms.Form):
    on = date_field(_("Transfer date"))
    outside_body = text(_("Receiving party body"), max_length=200, required=True)
    document_number = text(_("Transfer letter number"))


class TemporaryForm(forms.Form):
    host_unit = text(_("Host unit"), max_length=300, widget=cell_picker("host_unit"))
    host_body = text(_("Host party body outside the system"), max_length=200)
    start_on = date_field(_("From"))
    end_on = date_field(_("Until (first day back)"), required=False)
    document_number = text(_("Transfer letter number"))


class EndTemporaryForm(forms.Form):
    on = date_field(_("Back on"))


class InForm(forms.Form):
    """A member transferred in from outside the system: the person (new, or found by
    citizen ID), their admission documents and the transfer letter."""

    to_unit = text(_("Receiving unit"), max_length=300, required=True)
    on = date_field(_("Date of arrival"))
    outside_body = text(_("Sending party body"), max_length=200, required=True)
    document_number = text(_("Transfer letter number"))
    full_name = text(_("Full name"), max_length=128, required=True)
    birth_date = date_field(_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    citizen_id = text(_("Citizen ID (CCCD)"), max_length=20)
    ethnicity = forms.ModelChoiceField(
        label=_("Ethnicity"), queryset=Ethnicity.objects.all(), to_field_name="code", initial="01"
    )
    religion = forms.ModelChoiceField(
        label=_("Religion"), queryset=Religion.objects.all(), to_field_name="code", initial="00"
    )
    general_education = forms.ChoiceField(
        label=_("General education"),
        choices=GeneralEducation.choices,
        initial=GeneralEducation.UPPER_SECONDARY,
    )
    professional = forms.ChoiceField(
        label=_("Professional qualification"), choices=Professional.choices
    )
    occupation = forms.ChoiceField(
        label=_("Occupation"), choices=Occupation.choices, initial=Occupation.OTHER
    )
    residence = LocalityPickField(label=_("Place of residence"), required=False)
    decision_on = date_field(_("Admission decision date"))
    decision_number = text(_("Decision number"), max_length=40)
    ceremony_on = date_field(_("Admission ceremony date"))
    confirmed_on = date_field(_("Full member since"), required=False)

    PERSON = (
        "full_name",
        "birth_date",
        "sex",
        "citizen_id",
        "ethnicity",
        "religion",
        "general_education",
        "professional",
        "occupation",
        "residence",
    )

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].pool = localities  # type: ignore[attr-defined]

    def person_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self.PERSON}
