"""Small builders for test data; every test states the rows it relies on."""

import datetime as dt

from django.contrib.auth import get_user_model

from dangvien.accounts.models import Role
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people.models import Person, Residence
from dangvien.reference.models import Ethnicity, Religion

D = dt.date


def locality(code, name, kind, parent=None, valid_from=D(2000, 1, 1), valid_to=None):
    return Locality.objects.create(
        code=code, name=name, kind=kind, parent=parent, valid_from=valid_from, valid_to=valid_to
    )


def unit(
    code,
    name,
    kind,
    parent=None,
    valid_from=D(2000, 1, 1),
    valid_to=None,
    loc=None,
    serves=(),
    category=OrgUnit.Category.OTHER,
):
    u = OrgUnit.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        locality=loc,
        category=category,
    )
    for served in serves:
        LocalityCell.objects.create(
            locality=served, cell=u, valid_from=valid_from, valid_to=valid_to
        )
    return u


def person(
    name="Nguyễn Văn An",
    birth=D(1980, 5, 1),
    sex="M",
    ethnicity="01",
    religion="00",
    residence=None,
    **extra,
):
    p = Person(
        full_name=name,
        birth_date=birth,
        sex=sex,
        ethnicity=Ethnicity.objects.get(code=ethnicity),
        religion=Religion.objects.get(code=religion),
        residence=residence,
        general_education=extra.pop("general_education", "UPPER_SECONDARY"),
        **extra,
    )
    p.save()
    if residence is not None:  # the history as the writers keep it: "since before"
        Residence.objects.create(person=p, locality=residence, start_on=None)
    return p


def member(
    p,
    cell,
    ceremony=D(2010, 3, 1),
    decision=None,
    confirmed="auto",
    exit_on=None,
    exit_reason="",
    stint_end=None,
):
    """A membership with one stint in `cell` from the ceremony."""
    if confirmed == "auto":
        confirmed = ceremony.replace(year=ceremony.year + 1)
    m = Membership.objects.create(
        person=p,
        decision_on=decision or ceremony - dt.timedelta(days=10),
        ceremony_on=ceremony,
        confirmed_on=confirmed,
        exit_on=exit_on,
        exit_reason=exit_reason,
    )
    Stint.objects.create(
        membership=m,
        unit=cell,
        start_on=ceremony,
        end_on=stint_end or exit_on,
        reason_in=Stint.ReasonIn.ADMITTED,
        reason_out=Stint.ReasonOut.EXIT if exit_on else "",
    )
    return m


def user(username, role=None, on=None, password="pw-test-2017!"):
    u = get_user_model().objects.create_user(username, password=password)
    if role:
        Role.objects.create(user=u, kind=role, unit=on)
    return u
