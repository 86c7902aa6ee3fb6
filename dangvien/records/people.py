"""Actions on a person's own record: correcting their details (`update_person`) and
recording where they live over time (`move_residence`). The person page, the JSON API
and the imports' checks say the same things in the same words.

Who may change a person: an officer (or cell secretary) whose writable scope holds the
person's current or last unit; for a non-member on a source list, their cell; for any
other non-member, the committee of the commune or ward they live in. Leaders only read.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from dangvien.accounts.scoping import is_unrestricted, may_write, prefix_q, writable_paths
from dangvien.core import memo
from dangvien.core.civil import add_years
from dangvien.core.errors import ActionError, ChangedMeanwhile, InvalidField, NotAllowed
from dangvien.core.text import clean_name
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.cccd import validate_cccd
from dangvien.people.models import (
    GeneralEducation,
    Occupation,
    Person,
    PoliticalTheory,
    Professional,
    Residence,
    Sex,
)
from dangvien.people.residence import current_residence
from dangvien.reference.models import Ethnicity, ProvinceCode, Religion
from dangvien.rules import rulesets

EARLIEST = dt.date(1900, 1, 1)
# What a user may correct, in the order of the form.
EDITABLE = (
    "full_name",
    "birth_date",
    "sex",
    "citizen_id",
    "ethnicity",
    "religion",
    "general_education",
    "professional",
    "political_theory",
    "occupation",
    "youth_union_member",
    "business_owner",
    "phone",
    "address",
)
# Fields the statistics of past dates are broken down by: changing one changes reports
# already made, so the user confirms it first.
STATISTIC_FIELDS = ("birth_date", "sex", "ethnicity", "religion")
CHOICES = {
    "sex": Sex,
    "general_education": GeneralEducation,
    "professional": Professional,
    "political_theory": PoliticalTheory,
    "occupation": Occupation,
}
PHONE_CHARACTERS = set("0123456789+ .-()")


class NeedsConfirmation(ActionError):
    """The change alters earlier statistics: nothing was written; ask again with
    `confirm=True`. `fields` names them (model field names, in form order)."""

    def __init__(self, fields: list[str]):
        self.fields = fields
        names = ", ".join(field_label(f) for f in fields)
        super().__init__(
            _(
                "Changing %(fields)s changes the statistics already reported for earlier "
                "dates. Confirm to save."
            )
            % {"fields": names}
        )


def field_label(name: str) -> str:
    """The field's name as users read it ("ngày sinh")."""
    return str(getattr(Person._meta.get_field(name), "verbose_name", name))


def field_title(name: str) -> str:
    """The field's name at the start of a message ("Ngày sinh")."""
    return capfirst(field_label(name)) if name in EDITABLE else name


# ----- scope -----------------------------------------------------------------------------


def writable_locality_paths(user) -> list[str] | None:
    """Paths of the communes and wards (and what is under them) whose residents the user
    may change: those led by the units the user writes for; None means everywhere."""
    paths = writable_paths(user)
    if paths is None:
        return None
    return list(
        OrgUnit.objects.filter(path__in=paths, locality__isnull=False)
        .values_list("locality__path", flat=True)
        .distinct()
    )


def writable_localities(user):
    """Localities the user may record someone as living in."""
    paths = writable_locality_paths(user)
    qs = Locality.objects.all()
    return qs if paths is None else qs.filter(prefix_q("path", paths))


def deciding_unit(person: Person) -> OrgUnit | None:
    """The unit whose officers keep this person's record: the current or last unit of a
    member, else the cell of their latest candidacy; None for any other non-member."""
    from dangvien.admission.models import Candidate  # candidates sit above records' models

    stint = (
        Stint.objects.filter(membership__person=person)
        .select_related("unit")
        .order_by("-start_on", "-pk")
        .first()
    )
    if stint is not None:
        return stint.unit
    candidacy = (
        Candidate.objects.filter(person=person)
        .select_related("cell")
        .order_by("-listed_on", "-pk")
        .first()
    )
    return candidacy.cell if candidacy is not None else None


def shown_may_edit(user, person: Person) -> bool:
    """`may_edit(user, person)`, asked once a request by the person page's sections."""
    return memo.kept(("may_edit", user.pk, person.pk), lambda: may_edit(user, person))


def may_edit(user, person: Person) -> bool:
    """Whether `user` may change `person`'s record (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_unrestricted(user):
        return True
    unit = deciding_unit(person)
    if unit is not None:
        return may_write(user, unit)
    places = writable_locality_paths(user) or []
    home = person.residence.path if person.residence_id and person.residence else ""
    return bool(home) and any(home.startswith(p) for p in places)


def check_may_edit(user, person: Person) -> None:
    if not may_edit(user, person):
        raise NotAllowed(_("You may not change the record of %(name)s.") % {"name": person})


# ----- editing ---------------------------------------------------------------------------


def reference(model, value, field: str):
    """An ethnic group or religion from an entry, its code or any of its names."""
    if isinstance(value, model):
        return value
    text = str(value or "").strip()
    found = model.objects.filter(code=text).first() if text else None
    found = found or (model.objects.match(text) if text else None)
    if found is None:
        raise InvalidField(
            field,
            _("%(field)s: “%(value)s” is not in the official list.")
            % {"field": field_title(field), "value": text},
        )
    return found


def as_date(value, field: str) -> dt.date:
    from dangvien.core.dates import parse_date

    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value), field=field_title(field))
    except ValidationError as e:
        raise InvalidField(field, e.messages[0]) from e


def clean_value(field: str, value: Any, today: dt.date):
    """One submitted value checked and made what the model stores; InvalidField else."""
    label = field_title(field)
    if isinstance(value, str) and "\x00" in value:
        raise InvalidField(
            field, _("%(field)s contains a character that cannot be stored.") % {"field": label}
        )
    if field == "full_name":
        name = clean_name(str(value or ""))
        if not name:
            raise InvalidField(field, _("%(field)s is required.") % {"field": label})
        if len(name) > 128:
            raise InvalidField(
                field,
                _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                % {"field": label, "n": len(name), "max": 128},
            )
        return name
    if field == "birth_date":
        born = as_date(value, field)
        if born > today:
            raise InvalidField(field, _("The date of birth is in the future."))
        if born < EARLIEST:
            raise InvalidField(
                field, _("The date %(d)s is before 1900.") % {"d": born.strftime("%d/%m/%Y")}
            )
        return born
    if field in CHOICES:
        text = str(value or "")
        if text not in CHOICES[field].values:
            raise InvalidField(
                field,
                _("%(field)s: “%(value)s” is not one of the choices.")
                % {"field": label, "value": text},
            )
        return text
    if field == "citizen_id":
        return "".join(str(value or "").split()) or None
    if field == "ethnicity":
        return reference(Ethnicity, value, field)
    if field == "religion":
        return reference(Religion, value, field)
    if field in ("youth_union_member", "business_owner"):
        if not isinstance(value, bool):
            raise InvalidField(field, _("%(field)s: answer yes or no.") % {"field": label})
        return value
    if field == "phone":
        phone = " ".join(str(value or "").split())
        digits = sum(ch.isdigit() for ch in phone)
        if phone and (set(phone) - PHONE_CHARACTERS or not 8 <= digits <= 15 or len(phone) > 20):
            raise InvalidField(
                field,
                _("%(field)s “%(value)s” is not a telephone number (8 to 15 digits).")
                % {"field": label, "value": phone},
            )
        return phone
    if field == "address":
        address = " ".join(str(value or "").split())
        if len(address) > 255:
            raise InvalidField(
                field,
                _("%(field)s is too long: %(n)d characters, at most %(max)d.")
                % {"field": label, "n": len(address), "max": 255},
            )
        return address
    raise InvalidField(field, _("“%(field)s” cannot be changed here.") % {"field": field})


def stored(person: Person, field: str):
    """The value as compared with a submitted one (an entry for the reference lists)."""
    if field in ("ethnicity", "religion"):
        return getattr(person, f"{field}_id")
    return getattr(person, field)


def comparable(field: str, value):
    return value.pk if field in ("ethnicity", "religion") else value


def check_consistency(person: Person, changed: set[str]) -> None:
    """The record after the change holds together: the CCCD matches sex and birth date
    and is nobody else's; every admission came after the 18th birthday."""
    if person.citizen_id and changed & {"citizen_id", "sex", "birth_date"}:
        codes = set(ProvinceCode.objects.values_list("code", flat=True))
        try:
            person.citizen_id = validate_cccd(
                person.citizen_id,
                sex=person.sex,
                birth_date=person.birth_date,
                province_codes=codes,
            )
        except ValidationError as e:
            raise InvalidField("citizen_id", e.messages[0]) from e
        if "citizen_id" in changed and (
            Person.objects.filter(citizen_id=person.citizen_id).exclude(pk=person.pk).exists()
        ):
            raise InvalidField("citizen_id", duplicate_cccd(person.citizen_id))
    if "birth_date" in changed:
        for ceremony in Membership.objects.filter(person=person).values_list(
            "ceremony_on", flat=True
        ):
            adult = rulesets.in_force_on(ceremony).age_min_years
            if ceremony < add_years(person.birth_date, adult):
                raise InvalidField(
                    "birth_date",
                    _(
                        "With the date of birth %(born)s, the admission ceremony of "
                        "%(day)s would be before the age of %(n)d."
                    )
                    % {
                        "born": person.birth_date.strftime("%d/%m/%Y"),
                        "day": ceremony.strftime("%d/%m/%Y"),
                        "n": adult,
                    },
                )


def duplicate_cccd(number: str) -> str:
    return _("%(field)s: %(n)s is already recorded for another person.") % {
        "field": field_title("citizen_id"),
        "n": number,
    }


def changes_of(person: Person, changes: dict, today: dt.date) -> dict:
    """{field: value} of the submitted values that differ from the record, checked."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidField(
            unknown[0], _("“%(field)s” cannot be changed here.") % {"field": unknown[0]}
        )
    out = {}
    for field in EDITABLE:
        if field not in changes:
            continue
        value = clean_value(field, changes[field], today)
        if comparable(field, value) != stored(person, field):
            out[field] = value
    return out


def pending_confirmation(person: Person, changes: dict, today: dt.date | None = None) -> list:
    """The fields among `changes` that alter earlier statistics (after checking them)."""
    values = changes_of(person, changes, today or timezone.localdate())
    return [f for f in STATISTIC_FIELDS if f in values]


def update_person(
    person: Person,
    changes: dict,
    *,
    version: int,
    by,
    confirm: bool = False,
    today: dt.date | None = None,
) -> Person:
    """Correct a person's details: `changes` maps field names (EDITABLE) to new values.

    Written only over the `version` the user read (ChangedMeanwhile otherwise); a change
    to a field past statistics are broken down by needs `confirm` (NeedsConfirmation
    otherwise). The save is audited with before and after by the model signals."""
    today = today or timezone.localdate()
    check_may_edit(by, person)
    with transaction.atomic():
        # The conditional UPDATE is the check: of two edits over the same version, the
        # second finds no row (it waits for the first to commit on PostgreSQL).
        claimed = Person.objects.filter(pk=person.pk, version=version).update(
            version=F("version") + 1
        )
        if not claimed:
            raise ChangedMeanwhile(
                _(
                    "Someone else changed the record of %(name)s after you opened it: "
                    "nothing was saved. Reload the page to see their change, then edit again."
                )
                % {"name": person.full_name}
            )
        fresh = Person.objects.select_related("ethnicity", "religion", "residence").get(
            pk=person.pk
        )
        values = changes_of(fresh, changes, today)
        touched = [f for f in STATISTIC_FIELDS if f in values]
        if touched and not confirm:
            raise NeedsConfirmation(touched)
        for field, value in values.items():
            setattr(fresh, field, value)
        check_consistency(fresh, set(values))
        if values:
            fields = list(values)
            if "full_name" in values:
                fields += ["search_name", "sort_name"]
            try:
                with transaction.atomic():
                    fresh.save(update_fields=[*fields, "version"])
            except IntegrityError as e:  # the same CCCD saved by someone at this moment
                raise InvalidField("citizen_id", duplicate_cccd(fresh.citizen_id or "")) from e
        else:
            # Nothing differs: give the version back, so nobody else's edit fails for it.
            Person.objects.filter(pk=person.pk).update(version=version)
            fresh.version = version
    return fresh


# ----- residence -------------------------------------------------------------------------


def move_residence(
    person: Person, locality: Locality, *, on: dt.date, by, today: dt.date | None = None
) -> Residence:
    """Record that `person` lives in `locality` from `on`: the current row of the history
    ends that day and a new one starts; `Person.residence` becomes `locality`. Recorded
    again on the day the current row started, it corrects that row."""
    today = today or timezone.localdate()
    check_may_edit(by, person)
    if locality.kind not in Locality.BASE_KINDS:
        raise InvalidField(
            "locality",
            _("%(place)s is not a hamlet, village or residential group.")
            % {"place": locality.long_name},
        )
    places = writable_locality_paths(by)
    if places is not None and not any(locality.path.startswith(p) for p in places):
        raise NotAllowed(_("%(place)s is outside your scope.") % {"place": locality.long_name})
    if on > today:
        raise InvalidField("on", _("The date %(d)s is in the future.") % {"d": f"{on:%d/%m/%Y}"})
    if on < person.birth_date:
        raise InvalidField(
            "on",
            _("The move on %(d)s is before %(name)s was born.")
            % {"d": f"{on:%d/%m/%Y}", "name": person.full_name},
        )
    if not locality.exists_on(on):
        raise InvalidField(
            "locality",
            _("%(place)s does not exist on %(d)s.")
            % {"place": locality.long_name, "d": f"{on:%d/%m/%Y}"},
        )
    with transaction.atomic():
        fresh = Person.objects.select_for_update().get(pk=person.pk)
        now = current_residence(fresh)
        if now is not None:
            now = Residence.objects.select_for_update().get(pk=now.pk)
        if now is not None and now.start_on is not None and on < now.start_on:
            raise InvalidField(
                "on",
                _(
                    "%(name)s has lived in %(place)s since %(since)s: a move must be dated "
                    "on or after that day."
                )
                % {
                    "name": fresh.full_name,
                    "place": now.locality.long_name,
                    "since": f"{now.start_on:%d/%m/%Y}",
                },
            )
        if now is not None and now.locality_id == locality.pk:
            raise InvalidField(
                "locality",
                _("%(name)s already lives in %(place)s.")
                % {"name": fresh.full_name, "place": locality.long_name},
            )
        if now is not None and now.start_on == on:
            now.locality = locality  # a correction of the move recorded that day
            now.save(update_fields=["locality"])
            row = now
        else:
            if now is not None:
                now.end_on = on
                now.save(update_fields=["end_on"])
            row = Residence.objects.create(person=fresh, locality=locality, start_on=on)
        fresh.residence = locality
        fresh.save(update_fields=["residence"])
    person.residence = locality
    return row


def residence_history(person: Person) -> list[Residence]:
    """The rows, earliest first ("since before the records begin" before any date)."""
    rows = list(person.residences.select_related("locality__parent"))
    return sorted(rows, key=lambda r: (r.start_on is not None, r.start_on or EARLIEST, r.pk))
