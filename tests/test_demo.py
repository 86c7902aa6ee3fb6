"""The demo organisation matches the seed article as of 30 Nov 2017 (DOMAIN.md)."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from dangvien.membership.models import Membership
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit
from dangvien.people.models import Person

D = dt.date


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from dangvien.demo.load import Loader

        Loader(log=lambda _msg: None).load()
        yield
        from django.core.management import call_command as cc

        cc("flush", interactive=False, verbosity=0)


@pytest.fixture
def report(demo, capsys):
    call_command("report", "structure", "--org", "PLEIKU", "--as-of", "2017-11-30")
    return json.loads(capsys.readouterr().out)


@pytest.mark.django_db
def test_demo_matches_the_article(report):
    assert report["grassroots_orgs"] == 68
    assert report["members"] > 7650
    pct = report["pct"]
    assert pct["upper_secondary"] > 78
    assert pct["college_or_higher"] > 37
    assert pct["women"] > 42
    assert 5.0 < pct["ethnic_minority"] < 5.5
    assert pct["youth"] > 10
    assert 115 <= report["religious"] < 130 and 1.5 < pct["religious"] < 1.7


@pytest.mark.django_db
def test_demo_admissions_and_history(demo):
    admitted = Membership.objects.admitted_between
    assert admitted(D(2015, 7, 1), D(2017, 11, 30)).count() > 400
    assert admitted(D(2017, 1, 1), D(2017, 11, 30)).count() > 130
    # Units opened and closed, with successors named.
    closed = OrgUnit.objects.filter(valid_to__isnull=False)
    assert closed.filter(kind=OrgUnit.Kind.GRASSROOTS_CELL).exists()
    assert any(u.successors.exists() for u in closed)
    assert Membership.objects.filter(exit_reason="DEATH").exists()
    assert Membership.objects.filter(stints__reason_in="TRANSFER").exists()
    assert Membership.objects.filter(stints__reason_in="REORGANISED").exists()


@pytest.mark.django_db
def test_demo_localities(demo):
    communes = Locality.objects.filter(kind__in=["COMMUNE", "WARD"])
    assert communes.count() == 23
    assert {"Phường Hoa Lư", "Xã Chư HDrông"} <= set(communes.values_list("name", flat=True))
    villages = Locality.objects.filter(kind="VILLAGE")
    assert villages.exists()
    assert Person.objects.filter(
        residence__kind="VILLAGE", ethnicity__code__in=["10", "13"]
    ).exists()
    day = D(2017, 11, 30)
    base = Locality.objects.on(day).filter(kind__in=Locality.BASE_KINDS)
    served = LocalityCell.objects.on(day).filter(locality=OuterRef("pk"))
    assert base.exclude(Exists(served)).exists()  # some localities have no cell
    assert (
        base.exclude(Exists(Person.objects.filter(residence=OuterRef("pk")))).count() < base.count()
    )
    assert OrgUnit.objects.filter(code__in=["HOALU", "TAYSON"]).count() == 2


@pytest.mark.django_db
def test_demo_pipeline_has_source_lists_in_every_commune_and_ward(demo):
    from dangvien.admission.models import Candidate, Stage
    from dangvien.admission.views import communes_with_lists

    pleiku = OrgUnit.objects.get(code="PLEIKU")
    assert communes_with_lists(pleiku, D(2017, 11, 30)) == (23, 23)
    stages = set(Candidate.objects.values_list("stage", flat=True))
    assert {Stage.LISTED, Stage.CELL_VOTED, Stage.DECIDED, Stage.WITHDRAWN} <= stages
    # Demo candidates stop before the ceremony: the calibrated figures stay as they are.
    assert not Candidate.objects.filter(membership__isnull=False).exists()
