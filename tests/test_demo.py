"""The demo organisation matches the seed article as of 30 Nov 2017 (DOMAIN.md) and
lives on to the day it is generated, through the merges of 2020, 2024 and 2025."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db.models import Exists, OuterRef
from django.utils import timezone

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
    # Inside what the article's words imply: "hơn 7.650", "hơn 78%", "gần 5,5%", "gần 130"…
    assert report["grassroots_orgs"] == 68
    assert 7651 <= report["members"] <= 7800
    pct = report["pct"]
    assert 78 < pct["upper_secondary"] < 79
    assert 37 < pct["college_or_higher"] < 38
    assert 42 < pct["women"] < 43
    assert 5.0 < pct["ethnic_minority"] < 5.5
    assert 10 < pct["youth"] < 11
    assert 120 <= report["religious"] <= 129 and 1.5 < pct["religious"] < 1.7


@pytest.mark.django_db
def test_demo_development_report_matches_the_article(demo, capsys):
    def admitted(start: str, end: str) -> dict:
        call_command("report", "development", "--org", "PLEIKU", "--from", start, "--to", end)
        return json.loads(capsys.readouterr().out)

    call_command("report", "targets", "--org", "PLEIKU", "--as-of", "2017-11-30")
    targets = json.loads(capsys.readouterr().out)["targets"]
    (city,) = [t for t in targets if t["unit"] == "PLEIKU" and t["metric"] == "ADMITTED"]
    assert city["target"] == 800 and 45 <= city["pct"] <= 60  # "about 50%" in the article
    # Every target of the article has a row, with data (cell committees from positions).
    metrics = {t["metric"]: t for t in targets if t["unit"] == "PLEIKU"}
    assert len(metrics) == 6
    assert [m for m, t in metrics.items() if t["actual"] is None] == []

    term = admitted("2015-07-01", "2017-11-30")
    assert term["admitted"] > 400 and len(term["by_org"]) > 40
    assert admitted("2017-01-01", "2017-11-30")["admitted"] > 130


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
    city = Locality.objects.get(code="PLEIKU")
    communes = Locality.objects.subtree(city, on=D(2017, 11, 30)).filter(
        kind__in=["COMMUNE", "WARD"]
    )
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


def structure_of(code: str, day: dt.date, capsys) -> dict:
    call_command("report", "structure", "--org", code, "--as-of", day.isoformat())
    return json.loads(capsys.readouterr().out)


REFORM = D(2025, 7, 1)
NEW_PLEIKU = ["TAYSON", "HOITHUONG", "HOALU", "PHUDONG", "TRADA"]


@pytest.mark.django_db
def test_demo_lives_to_the_day_it_is_generated(demo, capsys):
    today = timezone.localdate()
    admitted = Membership.objects.admitted_between
    assert admitted(today - dt.timedelta(days=120), today).exists()
    assert Membership.objects.filter(exit_on__gte=D(today.year, 1, 1)).exists()
    now = structure_of("GIALAI", today, capsys)
    assert now["members"] > 7500
    # Nine years on, probation is the last year's intake, not the stock of 2017.
    assert now["probationary"] < 0.04 * now["members"]
    assert 45 < now["average_age"] < 55
    # The city committee closed with the district tier; its wards live on as new ones.
    assert OrgUnit.objects.get(code="PLEIKU").valid_to == REFORM
    assert structure_of("PLEIKU", today, capsys)["members"] == 0


@pytest.mark.django_db
def test_demo_reform_before_on_and_after_the_merge_day(demo, capsys):
    before, on = REFORM - dt.timedelta(days=1), REFORM
    old = sum(structure_of(code, before, capsys)["members"] for code in NEW_PLEIKU)
    assert old > 1000
    for code in NEW_PLEIKU:
        assert structure_of(code, on, capsys)["members"] == 0
        unit = OrgUnit.objects.get(code=code)
        assert list(unit.successors.values_list("code", flat=True)) == ["PLEIKU-P"]
    new = structure_of("PLEIKU-P", on, capsys)["members"]
    # Phường Pleiku's members on its first day: those of its five wards (and of the
    # schools given to it) the day before, less anyone who left on the reform day.
    from dangvien.membership.models import Stint

    carried = set(
        Stint.objects.members_on(on)
        .filter(unit__path__startswith=OrgUnit.objects.get(code="PLEIKU-P").path)
        .values_list("membership", flat=True)
    )
    came_from = set(
        Stint.objects.filter(membership__in=carried, end_on=on).values_list(
            "unit__predecessors__code", flat=True
        )
    ) | set(
        Stint.objects.filter(membership__in=carried, end_on=on).values_list(
            "unit__parent__code", flat=True
        )
    )
    assert len(carried) == new > old * 0.95
    assert set(NEW_PLEIKU) <= {c for c in came_from if c}
    assert structure_of("PLEIKU", before, capsys)["members"] > 7000


@pytest.mark.django_db
def test_demo_officers_follow_their_wards(demo):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    hoalu, dienhong = users.get(username="phuong.hoalu"), users.get(username="phuong.dienhong")
    seen = set(OrgUnit.objects.visible_to(hoalu).values_list("code", flat=True))
    assert {"PLEIKU-P", "HOALU", "TAYSON"} <= seen
    assert "DIENHONG-P" not in seen and "DIENHONG" not in seen
    seen = set(OrgUnit.objects.visible_to(dienhong).values_list("code", flat=True))
    assert {"DIENHONG-P", "DIENHONG", "YENDO"} <= seen and "PLEIKU-P" not in seen
    board = users.get(username="btc.pleiku")
    assert OrgUnit.objects.visible_to(board).filter(code="GIALAI").exists()
