import datetime as dt
from typing import cast

from django import forms
from django.db.models import Exists, OuterRef
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from dangvien.accounts.scoping import names_only_paths, personal_everywhere, scope_paths
from dangvien.core.dates import add_years
from dangvien.membership.models import Membership, Stint, full_on_q, member_on_q
from dangvien.orgs.models import OrgUnit
from dangvien.orgs.picker import resolve_unit
from dangvien.reference.models import Ethnicity, Religion

from .models import COLLEGE_OR_HIGHER, GeneralEducation, Professional, Sex

STATUS_CHOICES = [
    ("", _("Any")),
    ("member", _("Member today")),
    ("probationary", _("Probationary member")),
    ("full", _("Full member")),
    ("left", _("Left the party")),
    ("non_member", _("Not a member")),
]


# The filters on personal fields: a names-only role may not use them.
PERSONAL_FILTERS = (
    "sex",
    "ethnicity",
    "religion",
    "age_min",
    "age_max",
    "education",
    "professional",
)


class PersonFilter(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=200,
        # Searchable: the list holds the units matching what is typed (htmx asks
        # `unit_options`); without JavaScript a typed name is resolved on submit.
        widget=forms.TextInput(
            attrs={
                "list": "unit-options",
                "autocomplete": "off",
                "size": 40,
                "hx-get": reverse_lazy("unit_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#unit-options",
                "hx-swap": "outerHTML",
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", _("Any")), *Sex.choices], required=False)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False)
    religion = forms.ChoiceField(label=_("Religion"), required=False)
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=120)
    education = forms.ChoiceField(
        label=_("General education"),
        choices=[("", _("Any")), *GeneralEducation.choices],
        required=False,
    )
    professional = forms.ChoiceField(
        label=_("Qualification"),
        choices=[("", _("Any")), ("college_plus", _("College or higher")), *Professional.choices],
        required=False,
    )

    def __init__(self, *args, user=None, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        # A role that shows names only, with no personal-data grant anywhere, is not
        # offered the personal filters or columns (a forged one is still refused: clean).
        self.names_only = bool(
            user is not None
            and user.is_authenticated
            and names_only_paths(user)
            and scope_paths(user, personal=True) == []
        )
        cast(forms.ChoiceField, self.fields["ethnicity"]).choices = [
            ("", _("Any")),
            ("minority", _("Ethnic minorities")),
            *[(e.code, e.name) for e in Ethnicity.objects.all()],
        ]
        cast(forms.ChoiceField, self.fields["religion"]).choices = [
            ("", _("Any")),
            ("believer", _("Religious believers")),
            *[(r.code, r.name) for r in Religion.objects.all()],
        ]

    def shown(self) -> list[forms.BoundField]:
        """The filters the page offers."""
        return [f for f in self if not (self.names_only and f.name in PERSONAL_FILTERS)]

    def clean_unit(self):
        typed = self.cleaned_data["unit"].strip()
        if not typed:
            return None
        unit = resolve_unit(OrgUnit.objects.visible_to(self.user), typed, self.today)
        if unit is None:
            raise forms.ValidationError(
                _("No unit in your scope is called “%(name)s”: pick one from the list.")
                % {"name": typed}
            )
        return unit

    def clean(self):
        data = super().clean()
        lo, hi = data.get("age_min"), data.get("age_max")
        if lo is not None and hi is not None and lo > hi:
            raise forms.ValidationError(_("“Age from” must not be greater than “Age to”."))
        used = [f for f in PERSONAL_FILTERS if data.get(f) not in (None, "")]
        unit = data.get("unit")
        if used and not personal_everywhere(self.user, under=unit.path if unit else None):
            # Refused, not ignored: a names-only leader would otherwise learn who is, say,
            # a believer from who is left in the list (ASVS V8).
            raise forms.ValidationError(
                _(
                    "Your role shows names only: filtering or exporting by %(fields)s "
                    "needs the personal-data grant."
                )
                % {"fields": ", ".join(str(self.fields[f].label).lower() for f in used)}
            )
        return data

    def apply(self, qs, search: bool = True):
        """The filters on `qs`; without `search`, all but the name (the caller reads the
        name through `scope_branches`)."""
        d, day = self.cleaned_data, self.today
        if d.get("q") and search:
            qs = qs.find(d["q"])
        memberships = Membership.objects.filter(person=OuterRef("pk"))
        status = d.get("status")
        if status == "member":
            qs = qs.filter(Exists(memberships.filter(member_on_q(day))))
        elif status == "probationary":
            qs = qs.filter(Exists(memberships.filter(member_on_q(day) & ~full_on_q(day))))
        elif status == "full":
            qs = qs.filter(Exists(memberships.filter(member_on_q(day) & full_on_q(day))))
        elif status == "left":
            qs = qs.filter(Exists(memberships.filter(exit_on__lte=day))).exclude(
                Exists(memberships.filter(member_on_q(day)))
            )
        elif status == "non_member":
            qs = qs.exclude(Exists(memberships))
        if d.get("unit"):
            stints = Stint.objects.on(day).filter(
                membership__person=OuterRef("pk"), unit__path__startswith=d["unit"].path
            )
            qs = qs.filter(Exists(stints))
        if d.get("sex"):
            qs = qs.filter(sex=d["sex"])
        if d.get("ethnicity") == "minority":
            qs = qs.exclude(ethnicity__code=Ethnicity.KINH)
        elif d.get("ethnicity"):
            qs = qs.filter(ethnicity__code=d["ethnicity"])
        if d.get("religion") == "believer":
            qs = qs.exclude(religion__code=Religion.NONE)
        elif d.get("religion"):
            qs = qs.filter(religion__code=d["religion"])
        if d.get("age_min") is not None:  # age ≥ n  ⇔  born on or before today − n years
            qs = qs.filter(birth_date__lte=add_years(day, -d["age_min"]))
        if d.get("age_max") is not None:  # age ≤ n  ⇔  born after today − (n+1) years
            qs = qs.filter(birth_date__gt=add_years(day, -(d["age_max"] + 1)))
        if d.get("education"):
            qs = qs.filter(general_education=d["education"])
        if d.get("professional") == "college_plus":
            qs = qs.filter(professional__in=COLLEGE_OR_HIGHER)
        elif d.get("professional"):
            qs = qs.filter(professional=d["professional"])
        return qs
