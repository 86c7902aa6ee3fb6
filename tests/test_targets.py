"""Terms, targets, pace and forecast on a small organisation with known answers."""

import datetime as dt
import json

from django.core.management import call_command

from dangvien.targets.models import Target, Term
from dangvien.targets.pace import Forecast, pace, targets_report

from . import factories as f

D = dt.date


def term_with(org, **targets):
    term = Term.objects.create(
        unit=org.city, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    for metric, value in targets.items():
        Target.objects.create(term=term, unit=org.city, metric=metric, value=value)
    return term


def test_pace_of_admissions_half_way_through_the_term(org):
    term = term_with(org, ADMITTED=4)
    for i, day in enumerate([D(2016, 3, 1), D(2017, 5, 1)]):
        p = f.person(f"Người Mới {i}", D(1995, 1, 1), "M")
        f.member(p, org.cell_a1, ceremony=day, confirmed=None)
    # Bình (decision 19/02/2017) and the two above: 3 admitted by 30/11/2017.
    got = pace(term.targets.get(), D(2017, 11, 30))
    assert got.actual == 3 and got.pct == 75.0
    assert got.elapsed_pct == 48.4  # 883 of 1,826 days
    assert got.forecast == Forecast.ON_TRACK  # 3 in under half the term: 6 at this rate
    higher = Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=40)
    behind = pace(higher, D(2017, 11, 30))
    # Ward A admitted 3 of 40: 37 more in 943 days (30.98 months), 1.2 a month.
    assert behind.forecast == Forecast.BEHIND and behind.needed_per_month == 1.2
    early = pace(term.targets.get(unit=org.city), D(2016, 2, 1))
    assert early.actual == 0 and early.forecast == Forecast.BEHIND


def test_shares_and_the_laggards_first(org):
    term_with(org, ADMITTED=1, OWN_CELL=100, CELL_COMMITTEES=60, HEADS_MEMBERS=100)
    rows = targets_report(org.city, D(2017, 11, 30))
    by_metric = {p.target.metric: p for p in rows}
    assert by_metric["ADMITTED"].forecast == Forecast.MET
    assert by_metric["OWN_CELL"].actual == 100.0 and by_metric["OWN_CELL"].forecast == Forecast.MET
    assert by_metric["CELL_COMMITTEES"].forecast == Forecast.NO_DATA
    assert by_metric["HEADS_MEMBERS"].forecast == Forecast.NO_DATA  # no head recorded
    assert [p.forecast for p in rows] == sorted(
        (p.forecast for p in rows),
        key=[Forecast.BEHIND, Forecast.ON_TRACK, Forecast.NO_DATA, Forecast.MET].index,
    )
    # Outside the term, no target runs.
    assert targets_report(org.city, D(2021, 1, 1)) == []


def test_report_targets_command_and_page(org, client, personas, capsys):
    term = term_with(org, ADMITTED=4)
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=3)
    Target.objects.create(term=term, unit=org.ward_b, metric="ADMITTED", value=1)
    call_command("report", "targets", "--org", "CITY", "--as-of", "2017-11-30")
    data = json.loads(capsys.readouterr().out)["targets"]
    assert {(t["unit"], t["target"], t["actual"]) for t in data} == {
        ("CITY", 4.0, 1),
        ("WARDA", 3.0, 1),
        ("WARDB", 1.0, 0),
    }
    assert data[0]["forecast"] == "behind"
    client.force_login(personas.city_officer)
    body = client.get("/targets/", {"unit": "CITY", "date": "30/11/2017"}).content.decode()
    assert "chậm tiến độ" in body and ">4<" in body  # the children's sum beside the city's 4
