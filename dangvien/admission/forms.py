import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.cccd import validate_cccd
from dangvien.people.models import (
    GeneralEducation,
    Occupation,
    Person,
    Professional,
    Sex,
)
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion

from . import bounds
from .models import Event, Tag

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
RULE_IDS = [
    "age.min",
    "age.max",
    "education.min",
    "course.valid",
    "introducers.count",
    "introducers.tenure",
    "youth_union.required",
    "verification.complete",
    "vote.cell",
    "deadline.decision",
    "deadline.ceremony",
    "deadline.confirmation",
    "deadline.confirmation_decision",
    "vote.confirmation",
    "religion.clergy",
    "readmission.gap",
    "readmission.once",
]


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


def date_field(label, required=True):
    return forms.DateField(
        label=label, required=required, input_formats=DATE_FORMATS, widget=DateInput()
    )


class CandidateForm(forms.Form):
    """A new candidate: the person (new, or found by citizen ID) and the listing."""

    cell = forms.ModelChoiceField(
        label=_("Cell"), queryset=OrgUnit.objects.none(), to_field_name="code"
    )
    listed_on = date_field(_("Listed on"))
    full_name = forms.CharField(label=_("Full name"), max_length=128)
    birth_date = date_field(_("Date of birth"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    citizen_id = forms.CharField(label=_("Citizen ID (CCCD)"), max_length=20, required=False)
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
    residence = forms.ModelChoiceField(
        label=_("Place of residence"),
        required=False,
        queryset=Locality.objects.none(),
        to_field_name="code",
    )
    youth_union_member = forms.BooleanField(label=_("Youth Union member"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("Priority groups"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    helper = forms.ModelChoiceField(
        label=_("Helper (full member)"), required=False, queryset=Person.objects.none()
    )
    difficult_area = forms.BooleanField(
        label=_("Difficult or ethnic-minority area"), required=False
    )
    youth_union_exists = forms.BooleanField(
        label=_("A Youth Union exists there"), required=False, initial=True
    )

    def __init__(self, *args, cells, localities, helpers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cell"].queryset = cells  # type: ignore[attr-defined]
        self.fields["residence"].queryset = localities  # type: ignore[attr-defined]
        self.fields["helper"].queryset = helpers  # type: ignore[attr-defined]

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > dt.date.today():
            raise ValidationError(_("The date of birth is in the future."))
        if born < bounds.EARLIEST:
            raise ValidationError(bounds.date_error(born, timezone.localdate()))
        return born

    def clean_listed_on(self):
        listed = self.cleaned_data["listed_on"]
        wrong = bounds.date_error(listed, timezone.localdate())
        if wrong:
            raise ValidationError(wrong)
        return listed

    def clean(self):
        data = super().clean()
        number = (data.get("citizen_id") or "").strip()
        if number and data.get("birth_date") and data.get("sex"):
            codes = set(ProvinceCode.objects.values_list("code", flat=True))
            try:
                data["citizen_id"] = validate_cccd(
                    number, sex=data["sex"], birth_date=data["birth_date"], province_codes=codes
                )
            except ValidationError as e:
                self.add_error("citizen_id", e)
        return data


class StepForm(forms.Form):
    """One step of a dossier; the fields that do not apply to the step stay empty."""

    kind = forms.ChoiceField(label=_("Step"), choices=Event.Kind.choices)
    date = date_field(_("Date"))
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    full_members = forms.IntegerField(
        label=_("Full members of the cell"), min_value=0, max_value=10000, required=False
    )
    present = forms.IntegerField(label=_("Present"), min_value=0, max_value=10000, required=False)
    in_favour = forms.IntegerField(
        label=_("In favour"), min_value=0, max_value=10000, required=False
    )
    introducer = forms.ModelChoiceField(
        label=_("Introducer / helper"), required=False, queryset=Person.objects.none()
    )
    worked_together_since = date_field(_("Worked together since"), required=False)
    subject = forms.CharField(label=_("Person verified"), max_length=120, required=False)
    received_on = date_field(_("Decision received on"), required=False)
    extended = forms.BooleanField(label=_("Deadline extended once"), required=False)
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    rule = forms.ChoiceField(
        label=_("Rule excepted"), required=False, choices=[("", "—"), *[(r, r) for r in RULE_IDS]]
    )
    approved_by = forms.CharField(label=_("Approved by"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, introducers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["introducer"].queryset = introducers  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            c for c in Event.Kind.choices if c[0] in bounds.RECORDABLE_KINDS
        ]

    def clean(self):
        """Dates and vote counts within bounds and in order (in favour ≤ present ≤ full
        members), each error on its field."""
        data = super().clean()
        today = timezone.localdate()
        for field in ("date", "worked_together_since", "received_on"):
            wrong = bounds.date_error(data.get(field), today)
            if wrong:
                self.add_error(field, wrong)
        votes = [data.get(f) for f in bounds.VOTE_FIELDS]
        for field, message in bounds.vote_errors(*votes).items():
            self.add_error(field, message)
        return data
