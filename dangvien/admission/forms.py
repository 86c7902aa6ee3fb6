import datetime as dt
from collections import Counter
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangvien.orgs.fields import LocalityPickField, UnitPickField
from dangvien.orgs.models import OrgUnit
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
from .rule_titles import exception_choices

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class DateInput(forms.DateInput):
    """A date typed and shown dd/mm/yyyy whatever the browser's language (an
    `<input type=date>` follows the browser's locale, so it is not used)."""

    input_type = "text"

    def __init__(self, attrs=None):
        base = {"placeholder": "dd/mm/yyyy", "autocomplete": "off", "size": 12, "class": "date"}
        super().__init__({**base, **(attrs or {})}, format="%d/%m/%Y")


def date_field(label, required=True):
    return forms.DateField(
        label=label, required=required, input_formats=DATE_FORMATS, widget=DateInput()
    )


class PersonChoiceField(forms.ModelChoiceField):
    """People told apart by birth year: two members of a cell may share a name."""

    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.birth_date:%Y})"


class CandidateForm(forms.Form):
    """A new candidate: the person (new, or found by citizen ID) and the listing."""

    cell = UnitPickField(label=_("Cell"), cells=True)
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
    residence = LocalityPickField(label=_("Place of residence"), required=False)
    youth_union_member = forms.BooleanField(label=_("Youth Union member"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("Priority groups"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    helper = PersonChoiceField(
        label=_("Helper (full member of the cell)"),
        required=False,
        queryset=Person.objects.none(),
        empty_label="—",
    )
    difficult_area = forms.BooleanField(
        label=_("Difficult or ethnic-minority area"), required=False
    )
    youth_union_exists = forms.BooleanField(
        label=_("A Youth Union exists there"), required=False, initial=True
    )

    def __init__(self, *args, cells, localities, helpers, **kwargs):
        super().__init__(*args, **kwargs)
        # Searched by name on the server (a province holds thousands of cells and
        # hamlets), labelled with their superior or their ward: "Chi bộ Tổ dân phố 1"
        # exists in many wards.
        cast(UnitPickField, self.fields["cell"]).pool = cells
        cast(LocalityPickField, self.fields["residence"]).pool = localities
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


K = Event.Kind
VOTE = ("document_number", "full_members", "present", "in_favour")
# A grassroots committee votes by its members (cấp ủy viên), not the cell's full members.
COMMITTEE_VOTE = ("document_number", "committee_members", "present", "in_favour")
# The fields each step uses, besides its kind, date and note.
FIELDS: dict[str, tuple[str, ...]] = {
    K.HELPER_ASSIGNED: ("introducer",),
    K.COURSE_CERTIFICATE: ("document_number",),
    K.APPLICATION: (),
    K.DECLARATION: (),
    K.VERIFICATION_REQUEST: ("subject", "document_number"),
    K.VERIFICATION_ANSWER: ("subject", "document_number"),
    K.INTRODUCTION: ("introducer", "worked_together_since"),
    K.YOUTH_UNION_RESOLUTION: ("document_number", "committee_members", "in_favour"),
    K.RESIDENCE_COMMENT: ("document_number",),
    K.CELL_VOTE: VOTE,
    K.SUB_COMMITTEE_APPRAISAL: ("document_number",),
    K.GRASSROOTS_VOTE: COMMITTEE_VOTE,
    K.DECISION: ("document_number", "received_on", "extended"),
    K.CEREMONY: (),
    K.SELF_REVIEW: (),
    K.HELPER_COMMENT: (),
    K.CONFIRMATION_RESIDENCE: (),
    K.CONFIRMATION_CELL_VOTE: VOTE,
    K.CONFIRMATION_SUB_COMMITTEE: ("document_number",),
    K.CONFIRMATION_GRASSROOTS_VOTE: COMMITTEE_VOTE,
    K.CONFIRMATION_DECISION: ("document_number", "extended"),
    K.CARD_ISSUED: ("card_number",),
    K.EXCEPTION: ("rule", "approved_by", "document_number"),
    K.WITHDRAWN: ("document_number",),
    K.REJECTED: ("document_number",),
    K.STRUCK_OFF: ("document_number",),
}
# Who votes: a cell's full members, or a grassroots committee's members (cấp ủy viên).
VOTERS: dict[str, Any] = {
    K.CELL_VOTE: _("Full members of the cell"),
    K.CONFIRMATION_CELL_VOTE: _("Full members of the cell"),
    K.GRASSROOTS_VOTE: _("Members of the grassroots committee"),
    K.CONFIRMATION_GRASSROOTS_VOTE: _("Members of the grassroots committee"),
}
ADMISSION_PATH = (
    K.COURSE_CERTIFICATE,
    K.APPLICATION,
    K.DECLARATION,
    K.VERIFICATION_REQUEST,
    K.VERIFICATION_ANSWER,
    K.YOUTH_UNION_RESOLUTION,
    K.INTRODUCTION,
    K.RESIDENCE_COMMENT,
    K.CELL_VOTE,
    K.SUB_COMMITTEE_APPRAISAL,
    K.GRASSROOTS_VOTE,
    K.DECISION,
    K.CEREMONY,
    K.SELF_REVIEW,
    K.HELPER_COMMENT,
    K.CONFIRMATION_RESIDENCE,
    K.CONFIRMATION_CELL_VOTE,
    K.CONFIRMATION_SUB_COMMITTEE,
    K.CONFIRMATION_GRASSROOTS_VOTE,
    K.CONFIRMATION_DECISION,
    K.CARD_ISSUED,
)


def expected_step(c, events, *, sub_committee: bool) -> str:
    """The step a dossier most likely needs next, proposed by the form."""
    done = Counter(e.kind for e in events)
    grassroots_cell = c.cell.kind == OrgUnit.Kind.GRASSROOTS_CELL
    youth = bool(c.person.youth_union_member)
    for kind in ADMISSION_PATH:
        if kind == K.VERIFICATION_ANSWER:
            if done[K.VERIFICATION_ANSWER] < done[K.VERIFICATION_REQUEST]:
                return kind
            continue
        if kind == K.YOUTH_UNION_RESOLUTION and not youth:
            continue
        if kind == K.INTRODUCTION:
            needed = 1 if done[K.YOUTH_UNION_RESOLUTION] else 2
            if done[kind] < needed:
                return kind
            continue
        if kind in (K.SUB_COMMITTEE_APPRAISAL, K.CONFIRMATION_SUB_COMMITTEE) and not sub_committee:
            continue
        if kind in (K.GRASSROOTS_VOTE, K.CONFIRMATION_GRASSROOTS_VOTE) and grassroots_cell:
            continue
        if not done[kind]:
            return kind
    return K.CARD_ISSUED


def default_date(events, today: dt.date) -> dt.date:
    """The form's date: that of the latest step (a 2017 dossier goes on in 2017), never
    after today."""
    latest = max((e.date for e in events), default=today)
    return min(latest, today)


class StepForm(forms.Form):
    """One step of a dossier, with only the fields its kind uses (`FIELDS`)."""

    kind = forms.ChoiceField(label=_("Step"), choices=Event.Kind.choices)
    # The kind the fields were shown for: a changed kind shows its fields, records nothing.
    for_kind = forms.CharField(widget=forms.HiddenInput, required=False)
    date = date_field(_("Date"))
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    full_members = forms.IntegerField(
        label=_("Full members of the cell"), min_value=0, max_value=10000, required=False
    )
    committee_members = forms.IntegerField(
        label=_("Committee members"), min_value=1, max_value=10000, required=False
    )
    present = forms.IntegerField(label=_("Present"), min_value=0, max_value=10000, required=False)
    in_favour = forms.IntegerField(
        label=_("In favour"), min_value=0, max_value=10000, required=False
    )
    introducer = PersonChoiceField(
        label=_("Introducer / helper"),
        required=False,
        queryset=Person.objects.none(),
        empty_label="—",
    )
    worked_together_since = date_field(_("Worked, studied or lived together since"), required=False)
    subject = forms.CharField(label=_("Person verified"), max_length=120, required=False)
    received_on = date_field(_("Decision received on"), required=False)
    extended = forms.BooleanField(label=_("Deadline extended once"), required=False)
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    rule = forms.ChoiceField(label=_("Rule excepted"), required=False)
    approved_by = forms.CharField(label=_("Approved by"), max_length=120, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    ALWAYS = ("kind", "for_kind", "date", "note", "version")

    def __init__(self, *args, introducers, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_kind = kind
        self.fields["introducer"].queryset = introducers  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            c for c in Event.Kind.choices if c[0] in bounds.RECORDABLE_KINDS
        ]
        self.fields["rule"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *exception_choices(),
        ]
        if kind in VOTERS:
            self.fields["full_members"].label = VOTERS[kind]
            self.fields["committee_members"].label = VOTERS[kind]
        if kind == K.YOUTH_UNION_RESOLUTION:
            self.fields["committee_members"].label = _("Members of the Youth Union committee")
        if kind == K.HELPER_ASSIGNED:
            self.fields["introducer"].label = _("Helper")
        if kind == K.INTRODUCTION:
            self.fields["introducer"].label = _("Introducer (full member)")
        keep = {*self.ALWAYS, *FIELDS.get(kind, ())}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @property
    def switched(self) -> bool:
        """Posted after changing the step without the page updating its fields."""
        return self.is_bound and self.data.get("for_kind", self.step_kind) != self.step_kind

    def step_fields(self):
        """The bound fields shown for this step, in display order."""
        return [self[n] for n in self.fields if n not in ("kind", "for_kind", "version")]

    def clean(self):
        """Dates and vote counts within bounds and in order (in favour ≤ present ≤ full
        members), each error on its field."""
        data = super().clean()
        today = timezone.localdate()
        for field in ("date", "worked_together_since", "received_on"):
            wrong = bounds.date_error(data.get(field), today)
            if wrong:
                self.add_error(field, wrong)
        # A grassroots committee votes by its members: they stand for the full members.
        committee = "committee_members" in self.fields
        voters = data.get("committee_members") if committee else data.get("full_members")
        errors = bounds.vote_errors(voters, data.get("present"), data.get("in_favour"))
        for field, message in errors.items():
            if field == "full_members" and committee:
                field = "committee_members"
            if field in self.fields:
                self.add_error(field, message)
        return data
