"""Forms of the person page's actions: correcting the details, recording a move.

They parse what was typed (dates dd/mm/yyyy, choices); the checks that decide (CCCD part
by part, duplicates, scope, the history's dates) are the actions' own, in
`dangvien.records.people`, so that the page and the API say the same."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dangvien.admission.forms import date_field
from dangvien.orgs.fields import LocalityPickField
from dangvien.people.models import (
    GeneralEducation,
    Occupation,
    PoliticalTheory,
    Professional,
    Sex,
)
from dangvien.reference.models import Ethnicity, Religion

from .people import EDITABLE


class PersonEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=128)
    birth_date = date_field(_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
    ethnicity = forms.ModelChoiceField(
        label=_("Ethnicity"),
        queryset=Ethnicity.objects.all(),
        to_field_name="code",
        empty_label=None,
    )
    religion = forms.ModelChoiceField(
        label=_("Religion"),
        queryset=Religion.objects.all(),
        to_field_name="code",
        empty_label=None,
    )
    general_education = forms.ChoiceField(
        label=_("General education"), choices=GeneralEducation.choices
    )
    professional = forms.ChoiceField(
        label=_("Professional qualification"), choices=Professional.choices
    )
    political_theory = forms.ChoiceField(
        label=_("Political theory"), choices=PoliticalTheory.choices
    )
    occupation = forms.ChoiceField(label=_("Occupation"), choices=Occupation.choices)
    youth_union_member = forms.BooleanField(label=_("Youth Union member"), required=False)
    business_owner = forms.BooleanField(label=_("Private-business owner"), required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=20, required=False)
    address = forms.CharField(
        label=_("Home address"),
        max_length=255,
        required=False,
        widget=forms.TextInput({"size": 60}),
    )
    # The version the form was read at, and the statistic changes the user confirmed.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    confirmed = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    @classmethod
    def initial_for(cls, person) -> dict:
        initial = {f: getattr(person, f) for f in EDITABLE}
        initial["ethnicity"] = person.ethnicity.code
        initial["religion"] = person.religion.code
        initial["citizen_id"] = person.citizen_id or ""
        initial["version"] = person.version
        return initial

    def changes(self) -> dict:
        """The submitted values of the editable fields (the action keeps those that differ)."""
        return {f: self.cleaned_data[f] for f in EDITABLE}


def signature(person_changes: dict, fields: list[str]) -> str:
    """What the user confirmed: the statistic fields and their new values, so that a
    value changed again after the warning is warned about again."""

    def value(v):
        return getattr(v, "code", v)

    return ";".join(f"{f}={value(person_changes[f])}" for f in fields)


class MoveForm(forms.Form):
    # Searched by name on the server: a province's officer may write to thousands.
    locality = LocalityPickField(label=_("New place of residence"))
    on = date_field(_("Living there from"))

    def __init__(self, *args, localities, **kwargs):
        super().__init__(*args, **kwargs)
        cast(LocalityPickField, self.fields["locality"]).pool = localities
