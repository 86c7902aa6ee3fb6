"""Yearly quality ratings: one member, a whole cell at once (all rows or none), the yearly
summary by grassroots organisation, the page and the API."""

import datetime as dt
import json

import pytest
from django.utils import translation

from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import Membership, Stint
from dangvien.records import ratings
from dangvien.records.models import QualityRating

from . import factories as f

D = dt.date
NOW = D(2026, 11, 30)
G = QualityRating.Grade


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def membership(person) -> Membership:
    return Membership.objects.get(person=person)


@pytest.fixture
def moved(org):
    """Sơn: in cell A1 until 01/07/2024, then in cell A2."""
    son = f.person("Mai Văn Sơn", D(1985, 3, 3))
    m = f.member(son, org.cell_a1, ceremony=D(2010, 3, 1), stint_end=D(2024, 7, 1))
    Stint.objects.filter(membership=m).update(reason_out=Stint.ReasonOut.TRANSFER)
    Stint.objects.create(
        membership=m, unit=org.cell_a2, start_on=D(2024, 7, 1), reason_in="TRANSFER"
    )
    return m


def test_rate_one_member(org, personas, moved):
    an = membership(org.an)
    r = ratings.rate(
        an, year=2025, grade=G.GOOD, unit=org.cell_a1, by=personas.secretary_a, now=NOW
    )
    assert (r.year, r.grade, r.unit) == (2025, "GOOD", org.cell_a1)
    # Rated again: the rating is replaced, not doubled.
    ratings.rate(an, year=2025, grade=G.EXCELLENT, unit=org.cell_a1, by=None, now=NOW)
    assert QualityRating.objects.get(membership=an).grade == "EXCELLENT"
    # Sơn belonged to both cells in 2024, to A2 only in 2025.
    ratings.rate(moved, year=2024, grade=G.COMPLETED, unit=org.cell_a1, by=None, now=NOW)
    with pytest.raises(InvalidField) as e:
        ratings.rate(moved, year=2025, grade=G.GOOD, unit=org.cell_a1, by=None, now=NOW)
    assert e.value.field == "membership"
    assert str(e.value) == "Năm 2025, Mai Văn Sơn không sinh hoạt tại Chi bộ Tổ dân phố 1."
    with pytest.raises(InvalidField, match="Năm 2027 chưa đến"):
        ratings.rate(an, year=2027, grade=G.GOOD, unit=org.cell_a1, by=None, now=NOW)
    with pytest.raises(InvalidField, match="mức xếp loại"):
        ratings.rate(an, year=2024, grade="BEST", unit=org.cell_a1, by=None, now=NOW)
    with pytest.raises(InvalidField, match="không phải là chi bộ"):
        ratings.rate(an, year=2024, grade=G.GOOD, unit=org.ward_a, by=None, now=NOW)
    # Before the admission: not a member that year.
    with pytest.raises(InvalidField, match="Năm 2004"):
        ratings.rate(an, year=2004, grade=G.GOOD, unit=org.cell_a1, by=None, now=NOW)
    assert QualityRating.objects.count() == 2


def test_scope(org, personas):
    an = membership(org.an)
    for user in (personas.ward_b_officer, f.user("leader.x", "LEADER", org.ward_a)):
        with pytest.raises(NotAllowed):
            ratings.rate(an, year=2025, grade=G.GOOD, unit=org.cell_a1, by=user, now=NOW)
    # The secretary of A1 may not rate in A2.
    binh = membership(org.binh)
    with pytest.raises(NotAllowed):
        ratings.rate(binh, year=2025, grade=G.GOOD, unit=org.cell_a2, by=personas.secretary_a)
    assert not QualityRating.objects.exists()


def test_a_cell_at_once_is_all_or_nothing(org, personas, moved):
    an, binh = membership(org.an), membership(org.binh)
    with pytest.raises(ratings.RowErrors) as e:
        ratings.rate_cell(
            org.cell_a1,
            2025,
            {an.pk: G.GOOD, moved.pk: G.EXCELLENT, binh.pk: G.GOOD},
            by=personas.ward_a_officer,
            now=NOW,
        )
    assert set(e.value.errors) == {moved.pk, binh.pk}
    assert "Mai Văn Sơn" in e.value.errors[moved.pk]
    assert not QualityRating.objects.exists()  # An's valid row was not written either
    saved = ratings.rate_cell(
        org.cell_a1, 2025, {an.pk: G.GOOD, moved.pk: ""}, by=personas.ward_a_officer, now=NOW
    )
    assert [(r.membership, r.grade) for r in saved] == [(an, "GOOD")]


def test_yearly_summary_by_grassroots_organisation(org, moved):
    an, binh, cuong = (membership(p) for p in (org.an, org.binh, org.cuong))
    ratings.rate(an, year=2025, grade=G.EXCELLENT, unit=org.cell_a1, by=None, now=NOW)
    ratings.rate(binh, year=2025, grade=G.GOOD, unit=org.cell_a2, by=None, now=NOW)
    ratings.rate(moved, year=2025, grade=G.GOOD, unit=org.cell_a2, by=None, now=NOW)
    ratings.rate(cuong, year=2025, grade=G.NOT_COMPLETED, unit=org.cell_b1, by=None, now=NOW)
    ratings.rate(cuong, year=2024, grade=G.COMPLETED, unit=org.cell_b1, by=None, now=NOW)
    rows, total = ratings.summary(org.city, 2025)
    by_code = {r.unit.code: r for r in rows}
    assert by_code["WARDA"].counts == {"EXCELLENT": 1, "GOOD": 2}
    assert by_code["WARDA"].total == 3
    assert [round(s, 1) for _n, s in by_code["WARDA"].cells() if s is not None] == [
        33.3,
        66.7,
        0.0,
        0.0,
    ]
    assert by_code["WARDB"].counts == {"NOT_COMPLETED": 1}
    assert total.total == 4 and total.counts["GOOD"] == 2
    rows, total = ratings.summary(org.ward_a, 2025)
    assert [r.unit.code for r in rows] == ["WARDA"] and total.total == 3


def test_the_summary_lists_the_organisations_of_its_year_only(org):
    """The organisations open at the year's end, when cells rate their members, and those
    holding ratings of the year: a commune merged away during the year is not a row of
    zeros."""
    from dangvien.orgs.models import OrgUnit

    K = OrgUnit.Kind.GRASSROOTS_COMMITTEE
    merged = f.unit("MID", "Đảng bộ xã Giữa", K, org.city, valid_to=D(2025, 7, 1))
    f.unit("NEW", "Đảng bộ xã Mới", K, org.city, valid_from=D(2026, 1, 1))
    rated = f.unit("RATED", "Đảng bộ xã Đã xếp loại", K, org.city, valid_to=D(2025, 7, 1))
    cell = f.unit("RATED-1", "Chi bộ 1", OrgUnit.Kind.CELL, rated, valid_to=D(2025, 7, 1))
    QualityRating.objects.create(membership=membership(org.an), year=2025, grade=G.GOOD, unit=cell)
    rows, total = ratings.summary(org.city, 2025)
    by_code = {r.unit.code: r for r in rows}
    assert {"WARDA", "WARDB", "RATED"} <= set(by_code)
    assert not set(by_code) & {"MID", "NEW"}
    assert by_code["RATED"].counts == {"GOOD": 1} and total.total == 1
    assert merged.code in {r.unit.code for r in ratings.summary(org.city, 2024)[0]}


def test_ratings_page(client, org, personas, moved):
    an = membership(org.an)
    client.force_login(personas.secretary_a)
    page = client.get("/ratings/", {"unit": "A1", "year": "2025"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Nguyễn Văn An" in body and "Hoàn thành xuất sắc nhiệm vụ" in body
    assert f'name="grade-{an.pk}"' in body and "Mai Văn Sơn" not in body  # left A1 in 2024
    refused = client.post("/ratings/", {"unit": "A1", "year": "2027", f"grade-{an.pk}": "GOOD"})
    assert "Năm 2027 chưa đến" in refused.content.decode()
    assert not QualityRating.objects.exists()
    saved = client.post("/ratings/", {"unit": "A1", "year": "2025", f"grade-{an.pk}": "GOOD"})
    assert saved.status_code == 302
    assert QualityRating.objects.get(membership=an).grade == "GOOD"
    again = client.get("/ratings/", {"unit": "A1", "year": "2025"}).content.decode()
    assert 'value="GOOD" selected' in again
    # 2024: Sơn belonged to A1 for half of the year, and is listed for the ward officer
    # (the secretary of A1 no longer sees him); a forged grade is refused, nothing saved.
    client.force_login(personas.ward_a_officer)
    table = client.post(
        "/ratings/",
        {"unit": "A1", "year": "2024", f"grade-{an.pk}": "GOOD", f"grade-{moved.pk}": "WHAT"},
    )
    assert table.status_code == 400
    assert "Hãy chọn mức xếp loại cho Mai Văn Sơn." in table.content.decode()
    assert QualityRating.objects.filter(year=2024).count() == 0
    # Another cell is out of the secretary's reach.
    client.force_login(personas.secretary_a)
    other = client.get("/ratings/", {"unit": "A2", "year": "2025"}).content.decode()
    assert "Trần Thị Bình" not in other and "grade-" not in other
    summary = client.get("/ratings/summary/", {"unit": "WARDA", "year": "2025"})
    assert summary.status_code == 200 and "100,0" in summary.content.decode()


def test_ratings_api(client, org, personas):
    an, binh = membership(org.an), membership(org.binh)
    client.force_login(personas.ward_a_officer)
    rows = client.get("/api/ratings", {"unit": "A1", "year": 2025}).json()
    assert rows == [
        {
            "membership_id": an.pk,
            "person_id": org.an.pk,
            "full_name": "Nguyễn Văn An",
            "grade": "",
        }
    ]
    post = lambda body: client.post(  # noqa: E731
        "/api/ratings", json.dumps(body), content_type="application/json"
    )
    bad = post(
        {
            "unit": "A1",
            "year": 2025,
            "grades": [
                {"membership_id": an.pk, "grade": "GOOD"},
                {"membership_id": binh.pk, "grade": "GOOD"},
            ],
        }
    )
    assert bad.status_code == 422 and str(binh.pk) in bad.json()["rows"]
    assert not QualityRating.objects.exists()
    ok = post({"unit": "A1", "year": 2025, "grades": [{"membership_id": an.pk, "grade": "GOOD"}]})
    assert ok.status_code == 200 and ok.json()[0]["grade"] == "GOOD"
    summary = client.get("/api/ratings/summary", {"unit": "WARDA", "year": 2025}).json()
    assert summary["total"]["counts"] == {"GOOD": 1}
    # A membership id from another ward is no such member: its name is never said.
    cuong = membership(org.cuong)
    probe = post(
        {"unit": "A1", "year": 2025, "grades": [{"membership_id": cuong.pk, "grade": "GOOD"}]}
    )
    assert probe.status_code == 422 and "Lê Văn Cường" not in probe.content.decode()
    client.force_login(personas.ward_b_officer)
    assert post({"unit": "A1", "year": 2025, "grades": []}).status_code == 400
    assert client.get("/api/ratings", {"unit": "A1"}).status_code == 400


def test_a_year_no_date_can_hold_is_refused_in_words(client, org, personas):
    """?year=-99999999999 (a forged link) names no year: a Vietnamese error, not a 500,
    and nothing read or saved."""
    client.force_login(personas.ward_a_officer)
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    for year in ("-99999999999", "99999999999", "10000", "abc"):
        got = client.get("/ratings/", {"unit": org.cell_a1.code, "year": year}, **vi)
        assert got.status_code == 200, year
        assert "Chọn năm trong danh sách." in got.content.decode(), year
        posted = client.post("/ratings/", {"unit": org.cell_a1.code, "year": year}, **vi)
        assert posted.status_code == 200 and "Chọn năm trong danh sách." in posted.content.decode()
    assert not QualityRating.objects.exists()
    assert client.get("/ratings/summary/", {"year": "-99999999999"}).status_code == 200


def test_the_summary_opens_on_the_last_year_rated(client, org, personas):
    """Opened before any rating of the current year is entered, the summary shows the
    last year that has some (not a page of zeros); a year asked for is kept."""
    from django.utils import timezone

    client.force_login(personas.ward_a_officer)
    being_rated = timezone.localdate().year - (1 if timezone.localdate().month < 10 else 0)
    assert client.get("/ratings/summary/", {"unit": "WARDA"}).context["year"] == being_rated
    an = membership(org.an)
    ratings.rate(an, year=2024, grade=G.GOOD, unit=org.cell_a1, by=None, now=NOW)
    page = client.get("/ratings/summary/", {"unit": "WARDA"})
    assert page.context["year"] == 2024 and page.context["total"].total == 1
    asked = client.get("/ratings/summary/", {"unit": "WARDA", "year": str(being_rated)})
    assert asked.context["year"] == being_rated
