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
    # Three residential cells, none with a committee recorded: 0%, behind.
    assert by_metric["CELL_COMMITTEES"].actual == 0.0
    assert by_metric["CELL_COMMITTEES"].forecast == Forecast.BEHIND
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


def test_the_targets_page_names_one_term_once_and_shows_sums_only_with_children(
    org, client, personas
):
    term = term_with(org, ADMITTED=4)
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=3)
    client.force_login(personas.city_officer)
    body = client.get("/targets/", {"unit": "CITY", "date": "30/11/2017"}).content.decode()
    table = body.split('id="targets"')[1].split("</table>")[0]
    line = body.split('id="term-line">')[1].split("</p>")[0]
    assert term.name in line and "Thời gian nhiệm kỳ đã qua" in line
    assert term.name not in table and "Thời gian nhiệm kỳ đã qua" not in table
    assert "Tổng của đơn vị trực thuộc" in table  # the city's row has its wards' 3
    ward = client.get("/targets/", {"unit": "WARDA", "date": "30/11/2017"}).content.decode()
    assert "Tổng của đơn vị trực thuộc" not in ward  # a ward's target has no children's


# The terms page: an organisation-board officer defines a term and its targets.


def test_board_officer_defines_a_term_and_its_targets(org, client, personas):
    from dangvien.accounts.models import AuditEntry

    client.force_login(personas.city_officer)
    page = client.get("/targets/").content.decode()
    assert 'href="/targets/terms/"' in page  # the link, for the board
    r = client.post(
        "/targets/terms/",
        {"unit": "CITY", "name": "2015–2020", "start": "01/07/2015", "end": "30/06/2020"},
    )
    term = Term.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/targets/terms/{term.pk}/"
    assert (term.unit, term.start, term.end) == (org.city, D(2015, 7, 1), D(2020, 6, 30))
    form = client.get(f"/targets/terms/{term.pk}/").content.decode()
    # One row per unit: the city and its two wards; one column per metric.
    for unit in (org.city, org.ward_a, org.ward_b):
        assert f'name="t-{unit.pk}-ADMITTED"' in form and f'name="t-{unit.pk}-OWN_CELL"' in form
    r = client.post(
        f"/targets/terms/{term.pk}/",
        {
            f"t-{org.city.pk}-ADMITTED": "4",
            f"t-{org.ward_a.pk}-ADMITTED": "3",
            f"t-{org.city.pk}-OWN_CELL": "100",
        },
    )
    assert r.status_code == 302
    assert {(t.unit.code, t.metric, float(t.value)) for t in term.targets.all()} == {
        ("CITY", "ADMITTED", 4.0),
        ("WARDA", "ADMITTED", 3.0),
        ("CITY", "OWN_CELL", 100.0),
    }
    # The report shows them with their pace.
    rows = {
        (p.target.unit.code, p.target.metric): p for p in targets_report(org.city, D(2017, 11, 30))
    }
    assert rows[("CITY", "ADMITTED")].actual == 1 and rows[("CITY", "ADMITTED")].pct == 25.0
    body = client.get("/targets/", {"unit": "CITY", "date": "30/11/2017"}).content.decode()
    assert "2015–2020" in body and ("25,0%" in body or "25.0%" in body)
    assert "chậm tiến độ" in body and "đã đạt" in body
    # Editing updates and removes: the city's target becomes 5, ward A's is cleared.
    client.post(
        f"/targets/terms/{term.pk}/",
        {f"t-{org.city.pk}-ADMITTED": "5", f"t-{org.city.pk}-OWN_CELL": "100"},
    )
    assert {(t.unit.code, t.metric, float(t.value)) for t in term.targets.all()} == {
        ("CITY", "ADMITTED", 5.0),
        ("CITY", "OWN_CELL", 100.0),
    }
    logged = AuditEntry.objects.filter(model__in=["targets.term", "targets.target"])
    assert sorted(logged.values_list("action", flat=True)) == sorted(
        ["CREATE", "CREATE", "CREATE", "CREATE", "UPDATE", "DELETE"]
    )
    assert logged.filter(action="UPDATE").get().before["value"] == "4.0"


def test_terms_page_is_the_boards_only(org, client, personas):
    client.force_login(personas.ward_a_officer)
    assert client.get("/targets/terms/").status_code == 403
    assert 'href="/targets/terms/"' not in client.get("/targets/").content.decode()
    assert (
        client.post(
            "/targets/terms/",
            {"unit": "WARDA", "name": "X", "start": "01/07/2015", "end": "30/06/2020"},
        ).status_code
        == 403
    )
    assert not Term.objects.exists()


def test_bad_date_or_share_over_100_writes_nothing(org, client, personas):
    client.force_login(personas.city_officer)
    r = client.post(
        "/targets/terms/",
        {"unit": "CITY", "name": "2015–2020", "start": "31/02/2015", "end": "30/06/2020"},
    )
    assert r.status_code == 200 and "không phải là ngày hợp lệ" in r.content.decode()
    r = client.post(
        "/targets/terms/",
        {"unit": "CITY", "name": "2015–2020", "start": "01/07/2020", "end": "01/07/2015"},
    )
    assert "Ngày kết thúc nhiệm kỳ phải sau ngày bắt đầu." in r.content.decode()
    assert not Term.objects.exists()
    term = term_with(org, ADMITTED=4)
    r = client.post(
        f"/targets/terms/{term.pk}/",
        {f"t-{org.city.pk}-ADMITTED": "10", f"t-{org.ward_a.pk}-OWN_CELL": "120"},
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "Chỉ tiêu tỷ lệ phần trăm không được vượt quá 100." in body
    assert 'value="120"' in body  # the bad value is shown back to be corrected
    r = client.post(f"/targets/terms/{term.pk}/", {f"t-{org.city.pk}-ADMITTED": "-1"})
    assert "Chỉ tiêu không được âm." in r.content.decode()
    # Nothing written: the city's 4 stays, no ward target.
    assert [(t.unit.code, float(t.value)) for t in term.targets.all()] == [("CITY", 4.0)]


def test_terms_page_keeps_to_the_officers_subtree(org, client, personas):
    from dangvien.accounts.models import Role

    from .conftest import with_totp

    ward_board = with_totp(f.user("btc.ward.a", Role.Kind.ORG_BOARD, org.ward_a))
    client.force_login(ward_board)
    r = client.post(
        "/targets/terms/",
        {"unit": "WARDB", "name": "2015–2020", "start": "01/07/2015", "end": "30/06/2020"},
    )
    assert r.status_code == 200
    assert "WARDB không thuộc các đơn vị của bạn" in r.content.decode()
    assert not Term.objects.exists()
    # Another committee's term: a forged id is 404, reading or writing.
    city_term = term_with(org, ADMITTED=4)
    assert client.get(f"/targets/terms/{city_term.pk}/").status_code == 404
    r = client.post(f"/targets/terms/{city_term.pk}/", {f"t-{org.city.pk}-ADMITTED": "9"})
    assert r.status_code == 404
    assert client.get("/targets/terms/999999/").status_code == 404
    assert float(city_term.targets.get().value) == 4.0
    # Its own ward: rows for the ward and its cells; a forged unit field is ignored.
    client.post(
        "/targets/terms/",
        {"unit": "WARDA", "name": "2015–2020", "start": "01/07/2015", "end": "30/06/2020"},
    )
    term = Term.objects.get(unit=org.ward_a)
    client.post(
        f"/targets/terms/{term.pk}/",
        {f"t-{org.cell_a1.pk}-ADMITTED": "2", f"t-{org.ward_b.pk}-ADMITTED": "7"},
    )
    assert [(t.unit.code, float(t.value)) for t in term.targets.all()] == [("A1", 2.0)]
