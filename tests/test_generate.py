"""The synthetic country for the benchmarks (issue 14, item 1): `dangvien generate`."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from dangvien.admission.models import Candidate, Event
from dangvien.admission.services import STAGE_OF
from dangvien.demo.country import PROVINCES, REORG_DAY, Country
from dangvien.membership.models import Membership, Stint
from dangvien.orgs.models import Locality, OrgUnit
from dangvien.people.models import Person, Residence
from dangvien.records.models import ExitDecision, PartyCard, Transfer
from dangvien.reports.structure import structure

from .conftest import with_totp

pytestmark = pytest.mark.django_db
END = dt.date(2026, 11, 30)
N = 3000
FIGURES = (
    "members",
    "official",
    "probationary",
    "women",
    "ethnic_minority",
    "religious",
    "youth",
    "grassroots_orgs",
    "cells",
)


def generate(seed: int = 3) -> Country:
    country = Country(N, seed=seed, end=END)
    country.run()
    return country


def test_the_country_adds_up(client):
    country = generate()
    assert country.counts.members == N
    vn = OrgUnit.objects.get(code="VN")
    provinces = list(OrgUnit.objects.filter(parent=vn).order_by("code"))
    assert [p.code for p in provinces] == [f"T{i:02d}" for i in range(1, 35)]
    assert all(p.kind == "SUPERIOR" for p in provinces)

    # Every member today has one open stint, in a member-holding unit of a province.
    open_stints = Stint.objects.members_on(END).select_related("unit")
    per_member = Counter(open_stints.values_list("membership_id", flat=True))
    assert len(per_member) == N and set(per_member.values()) == {1}
    assert Stint.objects.filter(end_on__isnull=True, membership__exit_on__isnull=True).count() == N
    for s in open_stints.filter(end_on__isnull=True)[:200]:
        assert s.unit.kind in OrgUnit.MEMBER_HOLDING_KINDS
        assert s.unit.path.split("/")[1] in {p.code for p in provinces}
        assert s.unit.exists_on(END)

    # The country's report is the sum of its provinces', today and before the merge.
    for day in (END, dt.date(2024, 1, 1)):
        whole = structure(vn, day).figures
        parts = [structure(p, day).figures for p in provinces]
        for name in FIGURES:
            assert whole[name] == sum(p[name] for p in parts), (name, day)
    today = structure(vn, END).figures
    assert today["members"] == N
    # About 118 members per grassroots organisation and 22 per cell at scale; a country
    # this small has at least two communes and an agency in each province.
    assert 30 <= N / today["grassroots_orgs"] <= 140
    assert 12 <= N / today["cells"] <= 26
    assert 0 < today["probationary"] < 0.06 * N
    assert 0.3 < today["women"] / N < 0.6

    # The restructuring of 01/07/2025: merged communes closed, naming their successor; a
    # date before it shows the old communes and their members.
    merged = OrgUnit.objects.filter(code__regex=r"^T\d\d-M\d\d$")
    assert merged.count() >= 34
    for new in merged.filter(code__startswith="T01-"):
        olds = list(new.predecessors.all())
        assert len(olds) == 2 and all(o.valid_to == REORG_DAY for o in olds)
        assert new.valid_from == REORG_DAY and new.locality.valid_from == REORG_DAY
        assert all(o.locality.successors.get() == new.locality for o in olds)
        before = dt.date(2025, 6, 30)
        assert not OrgUnit.objects.on(before).filter(pk=new.pk).exists()
        assert OrgUnit.objects.on(before).filter(pk__in=[o.pk for o in olds]).count() == 2
        assert structure(new, before).figures["members"] == 0
        old_members = sum(structure(o, before).figures["members"] for o in olds)
        assert old_members > 0
        moved = Stint.objects.filter(unit__parent=new, start_on=REORG_DAY, reason_in="REORGANISED")
        assert moved.exists()
        assert structure(new, END).figures["members"] > 0
    reorganised = Stint.objects.filter(reason_out="REORGANISED")
    assert reorganised.exists() and not reorganised.exclude(end_on=REORG_DAY).exists()

    # History: transfers, exits with decisions, cards for full members, residences.
    assert (
        Transfer.objects.filter(kind="OFFICIAL").count()
        == Stint.objects.filter(reason_out="TRANSFER").count()
    )
    exits = Membership.objects.filter(exit_on__isnull=False)
    assert exits.count() == ExitDecision.objects.count() > 0
    assert {r for r in exits.values_list("exit_reason", flat=True)} == {"DEATH", "STRUCK_OFF"}
    assert not Stint.objects.filter(membership__in=exits, end_on__isnull=True).exists()
    assert not PartyCard.objects.filter(membership__confirmed_on__isnull=True).exists()
    carded = Membership.objects.exclude(card_number=None)
    assert carded.count() == PartyCard.objects.filter(ended_on=None).count()
    assert not Person.objects.filter(residence=None).exists()
    assert not Person.objects.exclude(residences__isnull=False).exists()
    assert not Residence.objects.exclude(Q(end_on__isnull=True) | Q(end_on=REORG_DAY)).exists()

    # Candidates at every stage, their stage the one their latest event gives.
    stages = set(Candidate.objects.values_list("stage", flat=True))
    assert {"LISTED", "APPLIED", "CELL_VOTED", "DECIDED", "PROBATION", "CARD_ISSUED"} <= stages
    for c in Candidate.objects.all()[:300]:
        events = list(Event.objects.filter(candidate=c).order_by("date", "pk"))
        assert [e.date for e in events] == sorted(e.date for e in events)
        assert STAGE_OF[events[-1].kind] == c.stage and c.stage_since == events[-1].date
    assert (
        Candidate.objects.exclude(membership=None).filter(membership__exit_on__isnull=False).count()
        == 0
    )

    # The pickers' accent-free names, written by COPY beside the names (no save()).
    from dangvien.core.text import search_key

    for model in (OrgUnit, Locality):
        names = list(model.objects.values_list("name", "search_name"))
        assert names and all(key == search_key(name) for name, key in names), model

    # The app works on it unchanged: the reports' command and the pages, for an admin.
    call_command("report", "structure", "--org", "T01", "--as-of", END.isoformat())
    admin = with_totp(get_user_model().objects.create_superuser("root", password="pw-gen-2026!"))
    client.force_login(admin)
    person = Membership.objects.filter(exit_on=None).first().person
    for url in (
        "/",
        reverse("unit_tree"),
        reverse("unit_detail", args=["T01"]),
        reverse("unit_detail", args=["T01-M01"]),
        reverse("person_list") + "?q=nguyen",
        reverse("person_detail", args=[person.pk]),
        reverse("statistics") + "?unit=T01",
        reverse("candidate_list"),
        reverse("locality_list"),
    ):
        assert client.get(url).status_code == 200, url
    # A unit and a locality found by the name typed
    found = client.get(reverse("unit_options"), {"unit": "Thanh Hoa"}).content.decode()
    assert "Thanh Hóa" in found
    hamlet = Locality.objects.filter(kind__in=Locality.BASE_KINDS).first()
    found = client.get(reverse("locality_options"), {"locality": hamlet.name}).content.decode()
    assert hamlet.name in found


def test_a_second_run_is_refused_in_vietnamese():
    call_command("generate", "--members", "1000", "--seed", "5")
    counts = (OrgUnit.objects.count(), Person.objects.count(), Locality.objects.count())
    with translation.override("vi"), pytest.raises(CommandError) as refused:
        call_command("generate", "--members", "1000")
    assert "cơ sở dữ liệu" in str(refused.value) and "trống" in str(refused.value)
    assert counts == (OrgUnit.objects.count(), Person.objects.count(), Locality.objects.count())


def snapshot() -> tuple:
    return (
        list(OrgUnit.objects.order_by("pk").values_list("pk", "code", "name", "path", "valid_to")),
        list(
            Person.objects.order_by("pk").values_list(
                "pk", "full_name", "birth_date", "sex", "citizen_id"
            )
        ),
        list(
            Stint.objects.order_by("pk").values_list(
                "pk", "membership_id", "unit_id", "start_on", "end_on"
            )
        ),
        list(Event.objects.order_by("pk").values_list("pk", "candidate_id", "kind", "date")),
    )


def test_the_same_seed_gives_the_same_country():
    with transaction.atomic():
        generate(seed=11)
        first = snapshot()
        transaction.set_rollback(True)
    assert not OrgUnit.objects.exists()
    generate(seed=11)
    assert snapshot() == first
    assert len(PROVINCES) == 34
