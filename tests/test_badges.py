"""Party badges: party age with a gap outside the Party, the list for an award day, the
record of an award, the Word list 4-HHĐ, the page and the API."""

import datetime as dt
import io
import json

import pytest
from django.utils import translation
from docx import Document

from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership
from dangvien.records import badges
from dangvien.records.models import Badge
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date
NOW = D(2026, 11, 30)


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def veterans(org):
    """Hùng: admitted 1976 (decision 20/08/1976), never left: 50 years on 20/08/2026.
    Tâm: admitted 1990, struck off 01/03/2000, readmitted by a decision of 01/03/2004 —
    four years outside: 30 years of party age on 01/03/2024 (1990 + 30 + 4 years)."""
    hung = f.person("Đỗ Văn Hùng", D(1950, 1, 1))
    f.member(hung, org.cell_a1, ceremony=D(1976, 9, 2), decision=D(1976, 8, 20))
    tam = f.person("Ngô Thị Tâm", D(1965, 4, 4), "F")
    f.member(
        tam,
        org.cell_a2,
        ceremony=D(1990, 5, 1),
        decision=D(1990, 3, 1),
        exit_on=D(2000, 3, 1),
        exit_reason=ExitReason.STRUCK_OFF,
    )
    f.member(tam, org.cell_a2, ceremony=D(2004, 3, 20), decision=D(2004, 3, 1))
    return hung, tam


def test_party_age_counts_from_the_first_decision_minus_the_gap(veterans):
    hung, tam = veterans
    spans = list(Membership.objects.filter(person=tam))
    assert badges.gap_days(spans) == (D(2004, 3, 1) - D(2000, 3, 1)).days
    assert badges.reach_date(spans, 30) == D(2024, 3, 1)
    assert badges.party_age(spans, D(2024, 2, 29)) == 29
    assert badges.party_age(spans, D(2024, 3, 1)) == 30
    # During the gap the age stands still.
    assert badges.party_age(spans, D(2000, 3, 1)) == badges.party_age(spans, D(2003, 12, 1)) == 10
    hung_spans = list(Membership.objects.filter(person=hung))
    assert badges.reach_date(hung_spans, 50) == D(2026, 8, 20)
    assert badges.party_age(hung_spans, NOW) == 50


def test_a_member_who_left_for_good_reaches_nothing_after_leaving(org):
    p = f.person("Lý Văn Mất", D(1940, 1, 1))
    f.member(p, org.cell_a1, ceremony=D(1970, 1, 1), decision=D(1970, 1, 1), exit_on=D(2005, 1, 1))
    spans = list(Membership.objects.filter(person=p))
    assert badges.reach_date(spans, 30) == D(2000, 1, 1)
    assert badges.reach_date(spans, 40) is None
    assert badges.party_age(spans, NOW) == 35


def test_the_list_for_an_award_day(org, veterans):
    hung, tam = veterans
    # 2/9/2026: Hùng has 50 years (since 20/08/2026), Tâm 32, An (2005) 21: nobody else.
    rows = badges.due_list(org.ward_a, D(2026, 9, 2))
    assert [(r.person, r.years, r.reached_on) for r in rows] == [
        (hung, 50, D(2026, 8, 20)),
        (tam, 30, D(2024, 3, 1)),
    ]
    # 19/5/2026: Hùng not yet 50; the highest reached is 45.
    rows = badges.due_list(org.ward_a, D(2026, 5, 19))
    assert [(r.person.full_name, r.years) for r in rows] == [
        ("Đỗ Văn Hùng", 45),
        ("Ngô Thị Tâm", 30),
    ]
    # An award leaves the member out; a later, higher one lists them again.
    Badge.objects.create(person=hung, years=45, awarded_on=D(2021, 9, 2))
    Badge.objects.create(person=tam, years=30, awarded_on=D(2024, 5, 19))
    assert badges.due_list(org.ward_a, D(2026, 5, 19)) == []
    assert [r.years for r in badges.due_list(org.ward_a, D(2026, 9, 2))] == [50]
    # A cell lists only its own members; ward B its own (Cường, admitted 1990).
    assert [r.person for r in badges.due_list(org.cell_a2, D(2026, 9, 2))] == []
    assert [r.person for r in badges.due_list(org.ward_b, D(2026, 9, 2))] == [org.cuong]
    # The statistics count the members unchanged by badges.
    assert structure(org.ward_a, D(2026, 9, 2)).figures["members"] == 4


def test_award_a_badge(org, personas, veterans):
    hung, tam = veterans
    with pytest.raises(InvalidField) as e:
        badges.award_badge(
            hung, years=50, awarded_on=D(2026, 5, 19), by=personas.ward_a_officer, now=NOW
        )
    assert e.value.field == "years"
    assert "49 năm tuổi Đảng" in str(e.value) and "Huy hiệu 50 năm" in str(e.value)
    with pytest.raises(InvalidField, match="Không có Huy hiệu 35 năm"):
        badges.award_badge(hung, years=35, awarded_on=D(2026, 9, 2), by=None, now=NOW)
    with pytest.raises(InvalidField, match="chưa đến"):
        badges.award_badge(hung, years=50, awarded_on=D(2027, 2, 3), by=None, now=NOW)
    assert not Badge.objects.exists()
    badge = badges.award_badge(
        hung,
        years=50,
        awarded_on=D(2026, 9, 2),
        decision_number="123-QĐ/TU",
        by=personas.secretary_a,
        now=NOW,
    )
    assert (badge.years, badge.awarded_on, badge.decision_number) == (
        50,
        D(2026, 9, 2),
        "123-QĐ/TU",
    )
    with pytest.raises(InvalidField, match="đã được tặng Huy hiệu 50 năm"):
        badges.award_badge(hung, years=50, awarded_on=D(2026, 11, 7), by=None, now=NOW)
    # Tâm: 30 years only from 01/03/2024 because of the four years outside.
    with pytest.raises(InvalidField, match="29 năm"):
        badges.award_badge(tam, years=30, awarded_on=D(2024, 2, 3), by=None, now=NOW)
    badges.award_badge(tam, years=30, awarded_on=D(2024, 5, 19), by=None, now=NOW)
    assert Badge.objects.count() == 2


def test_award_out_of_scope_is_refused(org, personas, veterans):
    hung, _tam = veterans
    for user in (personas.ward_b_officer, f.user("leader.x", "LEADER", org.ward_a)):
        with pytest.raises(NotAllowed):
            badges.award_badge(hung, years=50, awarded_on=D(2026, 9, 2), by=user, now=NOW)
    assert not Badge.objects.exists()


def test_badge_page_and_word_list(client, org, personas, veterans):
    client.force_login(personas.ward_a_officer)
    page = client.get("/badges/", {"unit": "WARDA", "year": "2026", "day": "9-2"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Đỗ Văn Hùng" in body and "Ngô Thị Tâm" in body and "Huy hiệu 50 năm" in body
    assert "02/09/2026" in body
    wrong = client.get("/badges/", {"unit": "WARDA", "year": "2026", "day": "9-3"})
    assert "3/2, 19/5, 2/9 hoặc 7/11" in wrong.content.decode()
    docx = client.get("/badges/list.docx", {"unit": "WARDA", "year": "2026", "day": "9-2"})
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Mẫu 4-HHĐ" in text and "DANH SÁCH ĐẢNG VIÊN ĐỀ NGHỊ TẶNG HUY HIỆU ĐẢNG" in text
    assert "Tặng đợt 02/09/2026" in text and "Tổng số: 2 đảng viên" in text
    rows = [[c.text for c in r.cells] for r in doc.tables[-2].rows[1:]]
    assert [(r[2], r[3], r[6]) for r in rows] == [
        ("Đỗ Văn Hùng", "50 năm", "20/08/1976"),
        ("Ngô Thị Tâm", "30 năm", "01/03/1990"),
    ]
    # Out of scope: ward B sees neither the people nor a file of them.
    client.force_login(personas.ward_b_officer)
    assert "Đỗ Văn Hùng" not in client.get("/badges/", {"unit": "WARDA"}).content.decode()
    assert client.get("/badges/list.docx", {"unit": "WARDA"}).status_code == 404


def test_award_from_the_person_page_and_the_api(client, org, personas, veterans):
    hung, _tam = veterans
    client.force_login(personas.ward_a_officer)
    page = client.get(f"/people/{hung.pk}/").content.decode()
    assert 'id="party-badges"' in page and "Tuổi Đảng hôm nay: 50 năm" in page
    assert f"/people/{hung.pk}/badges/award/" in page
    refused = client.post(
        f"/people/{hung.pk}/badges/award/", {"years": "50", "awarded_on": "19/05/2026"}, follow=True
    )
    assert "chưa đủ tuổi Đảng" in refused.content.decode()
    client.post(f"/people/{hung.pk}/badges/award/", {"years": "50", "awarded_on": "02/09/2026"})
    assert Badge.objects.get(person=hung).awarded_on == D(2026, 9, 2)
    api = client.get(f"/api/badges/people/{hung.pk}").json()
    assert api["party_age"] == 50 and api["badges"][0]["years"] == 50
    body = json.dumps({"years": 50, "awarded_on": "2026-09-02"})
    again = client.post(f"/api/badges/people/{hung.pk}", body, content_type="application/json")
    assert again.status_code == 422
    due = client.get("/api/badges/due", {"unit": "WARDA", "on": "2026-09-02"}).json()
    assert [(d["full_name"], d["years"]) for d in due] == [("Ngô Thị Tâm", 30)]
    client.force_login(personas.ward_b_officer)
    assert client.get(f"/api/badges/people/{hung.pk}").status_code == 404
    assert client.get("/api/badges/due", {"unit": "WARDA"}).status_code == 400


def test_a_year_past_what_a_date_holds_is_refused_in_words(client, org, personas):
    """?year=99999999999 (a forged link) is no award day: the page says so, never a 500."""
    client.force_login(personas.ward_a_officer)
    for year in ("99999999999", "-99999999999"):
        page = client.get("/badges/", {"unit": "WARDA", "year": year, "day": "9-2"})
        assert page.status_code == 200, year
        assert "3/2, 19/5, 2/9 hoặc 7/11" in page.content.decode()
