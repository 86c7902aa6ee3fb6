"""Party cards: issue to full members only, unique numbers, reissue with the history kept,
the pipeline's card step, the lists (page, 1-TĐV Word), the person page and the API."""

import datetime as dt
import io
import json

import pytest
from django.utils import translation
from docx import Document

from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import Membership, Stint
from dangvien.records import cards
from dangvien.records.models import PartyCard
from dangvien.reports.structure import structure

from . import factories as f
from .admission_helpers import K, admit, lan, step

D = dt.date
NOW = D(2026, 11, 30)


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def membership(person) -> Membership:
    return Membership.objects.get(person=person)


def rows_of(content: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(content))
    table = doc.tables[-2]  # the list; the last table is the signature block
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def test_issue_a_card_to_a_full_member(org, personas):
    m = membership(org.an)
    members = [structure(org.ward_a, d).figures["members"] for d in (D(2019, 1, 1), NOW)]
    card = cards.issue_card(
        m,
        number="64.000123",
        issued_on=D(2020, 1, 10),
        issuing_body="Thành ủy Thử",
        by=personas.ward_a_officer,
        now=NOW,
    )
    m.refresh_from_db()
    assert m.card_number == "64.000123"
    assert (card.issued_on, card.reason, card.ended_on) == (D(2020, 1, 10), "FIRST", None)
    # A card changes no count of members, before or after.
    assert [structure(org.ward_a, d).figures["members"] for d in (D(2019, 1, 1), NOW)] == members
    # The eligible list leaves them out from then on, and only then.
    assert not cards.without_card(org.ward_a, D(2020, 1, 10)).filter(pk=m.pk).exists()
    # A second first card is refused: reissue instead.
    with pytest.raises(InvalidField, match="đang có thẻ đảng viên số 64.000123"):
        cards.issue_card(
            m, number="64.000999", issued_on=D(2021, 1, 1), by=personas.ward_a_officer, now=NOW
        )


def test_a_number_already_used_is_refused_naming_it_and_nothing_is_written(org, personas):
    cards.issue_card(
        membership(org.an), number="64.000123", issued_on=D(2020, 1, 10), by=None, now=NOW
    )
    cuong = membership(org.cuong)
    with pytest.raises(InvalidField) as e:
        cards.issue_card(
            cuong, number=" 64.000123 ", issued_on=D(2020, 2, 1), by=personas.city_officer, now=NOW
        )
    assert e.value.field == "number" and "64.000123 đã" in str(e.value)
    cuong.refresh_from_db()
    assert cuong.card_number is None and not cuong.cards.exists()
    # A number recorded on a membership only (an import) counts as used too.
    Membership.objects.filter(pk=cuong.pk).update(card_number="64.000777")
    with pytest.raises(InvalidField, match="64.000777"):
        cards.reissue_card(
            membership(org.an),
            number="64.000777",
            issued_on=D(2021, 1, 1),
            reason="LOST",
            by=None,
            now=NOW,
        )
    assert membership(org.an).cards.get().ended_on is None  # nothing written


def test_a_probationary_member_gets_no_card(org, personas):
    binh = membership(org.binh)  # probationary since 2017, never confirmed
    with pytest.raises(InvalidField) as e:
        cards.issue_card(
            binh, number="64.000500", issued_on=D(2018, 6, 1), by=personas.ward_a_officer, now=NOW
        )
    assert e.value.field == "issued_on"
    assert "chưa là đảng viên chính thức" in str(e.value) and "01/06/2018" in str(e.value)
    assert not PartyCard.objects.exists()
    # A full member, but on a day before full membership: refused as well.
    with pytest.raises(InvalidField, match="31/05/2006"):
        cards.issue_card(
            membership(org.an), number="64.000501", issued_on=D(2006, 5, 31), by=None, now=NOW
        )
    with pytest.raises(InvalidField, match="chưa đến"):
        cards.issue_card(
            membership(org.an), number="64.000501", issued_on=D(2027, 1, 1), by=None, now=NOW
        )
    assert not PartyCard.objects.exists()


def test_reissue_ends_the_previous_card_and_keeps_it(org, personas):
    m = membership(org.an)
    first = cards.issue_card(m, number="64.000123", issued_on=D(2010, 3, 1), by=None, now=NOW)
    with pytest.raises(InvalidField, match="lý do"):
        cards.reissue_card(
            m, number="64.000124", issued_on=D(2020, 1, 1), reason="FIRST", by=None, now=NOW
        )
    with pytest.raises(InvalidField, match="01/03/2010"):
        cards.reissue_card(
            m, number="64.000124", issued_on=D(2009, 1, 1), reason="LOST", by=None, now=NOW
        )
    second = cards.reissue_card(
        m,
        number="64.000124",
        issued_on=D(2020, 1, 1),
        reason=PartyCard.Reason.LOST,
        by=personas.secretary_a,
        now=NOW,
    )
    third = cards.reissue_card(
        m, number="64.000125", issued_on=D(2024, 5, 2), reason="DAMAGED", by=None, now=NOW
    )
    first.refresh_from_db()
    second.refresh_from_db()
    m.refresh_from_db()
    assert m.card_number == "64.000125"
    history = [(c.number, c.reason, c.ended_on) for c in m.cards.order_by("issued_on")]
    assert history == [
        ("64.000123", "FIRST", D(2020, 1, 1)),
        ("64.000124", "LOST", D(2024, 5, 2)),
        ("64.000125", "DAMAGED", None),
    ]
    assert third.issued_on == D(2024, 5, 2)
    # The old number stays taken.
    with pytest.raises(InvalidField, match="64.000123"):
        cards.reissue_card(
            m, number="64.000123", issued_on=D(2025, 1, 1), reason="OTHER", by=None, now=NOW
        )


def test_reissue_of_a_number_recorded_before_the_history(org):
    m = membership(org.an)
    Membership.objects.filter(pk=m.pk).update(card_number="64.000050")
    with pytest.raises(InvalidField, match="hãy cấp lại"):
        cards.issue_card(m, number="64.000051", issued_on=D(2020, 1, 1), by=None, now=NOW)
    cards.reissue_card(
        m, number="64.000051", issued_on=D(2020, 1, 1), reason="LOST", by=None, now=NOW
    )
    assert [(c.number, c.ended_on) for c in m.cards.order_by("pk")] == [
        ("64.000050", D(2020, 1, 1)),
        ("64.000051", None),
    ]


def test_scope_out_of_the_subtree_and_read_only_roles_are_refused(org, personas):
    from dangvien.accounts.models import Role

    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    m = membership(org.an)
    for user in (personas.ward_b_officer, leader):
        with pytest.raises(NotAllowed):
            cards.issue_card(m, number="64.000123", issued_on=D(2020, 1, 1), by=user, now=NOW)
    assert not PartyCard.objects.exists()
    m.refresh_from_db()
    assert m.card_number is None


def test_the_pipeline_card_step_creates_the_card(org):
    c = admit(lan(org), org)
    step(c, K.SELF_REVIEW, D(2018, 7, 21))
    step(c, K.HELPER_COMMENT, D(2018, 7, 22), introducer=org.an)
    step(c, K.CONFIRMATION_CELL_VOTE, D(2018, 7, 30), full_members=12, in_favour=11)
    step(c, K.CONFIRMATION_DECISION, D(2018, 8, 20), document_number="789-QĐ/TU")
    step(c, K.CARD_ISSUED, D(2018, 9, 5), card_number="41000001")
    card = PartyCard.objects.get(number="41000001")
    assert (card.membership_id, card.issued_on, card.reason) == (
        c.membership_id,
        D(2018, 9, 5),
        "FIRST",
    )
    assert cards.card_in_use(card.membership) == card


def test_eligible_list_page_and_the_1_tdv_word_list(client, org, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get("/cards/", {"unit": "WARDA", "date": "30/11/2026"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Nguyễn Văn An" in body and "Trần Thị Bình" not in body  # Bình is probationary
    rows = rows_of(client.get("/units/WARDA/cards.docx").content)
    assert [r[1] for r in rows] == ["Nguyễn Văn An"]
    cards.issue_card(membership(org.an), number="64.000123", issued_on=D(2020, 1, 10), by=None)
    assert "Nguyễn Văn An" not in client.get("/cards/", {"unit": "WARDA"}).content.decode()
    assert rows_of(client.get("/units/WARDA/cards.docx").content) == []
    # Before the card the member was still without one.
    before = client.get("/cards/", {"unit": "WARDA", "date": "01/01/2020"}).content.decode()
    assert "Nguyễn Văn An" in before
    # A unit out of scope is refused with a message, not shown.
    other = client.get("/cards/", {"unit": "B1"}).content.decode()
    assert "Lê Văn Cường" not in other


def test_issue_and_reissue_from_the_person_page(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = f"/people/{org.an.pk}/"
    page = client.get(url).content.decode()
    assert 'id="party-cards"' in page and f"/people/{org.an.pk}/cards/issue/" in page
    bad = client.post(
        f"/people/{org.an.pk}/cards/issue/",
        {"number": "64.000123", "issued_on": "31/02/2020"},
        follow=True,
    )
    assert "không phải là ngày hợp lệ" in bad.content.decode() or "31/02/2020" in (
        bad.content.decode()
    )
    assert not PartyCard.objects.exists()
    done = client.post(
        f"/people/{org.an.pk}/cards/issue/",
        {"number": "64.000123", "issued_on": "10/01/2020", "issuing_body": "Thành ủy"},
    )
    assert done.status_code == 302
    assert membership(org.an).card_number == "64.000123"
    page = client.get(url).content.decode()
    assert "64.000123" in page and "Cấp lần đầu" in page and "/cards/reissue/" in page
    client.post(
        f"/people/{org.an.pk}/cards/reissue/",
        {"number": "64.000124", "issued_on": "02/05/2024", "reason": "LOST"},
    )
    page = client.get(url).content.decode()
    assert "64.000124" in page and "Cấp lại: mất thẻ" in page and "02/05/2024" in page
    # Out of scope: 404; a leader reads only: 403; GET is not a write.
    client.force_login(personas.ward_b_officer)
    assert client.post(f"/people/{org.an.pk}/cards/issue/", {}).status_code == 404
    assert client.get(f"/people/{org.an.pk}/cards/issue/").status_code == 405


def test_cards_api(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = f"/api/cards/people/{org.an.pk}"
    post = lambda body: client.post(url, json.dumps(body), content_type="application/json")  # noqa: E731
    created = post({"number": "64.000123", "issued_on": "2020-01-10"})
    assert created.status_code == 201, created.content
    assert created.json()["number"] == "64.000123"
    again = post({"number": "64.000123", "issued_on": "2021-01-10", "reason": "LOST"})
    assert again.status_code == 422 and "64.000123" in again.content.decode()
    assert (
        post({"number": "64.000124", "issued_on": "2021-01-10", "reason": "LOST"}).status_code
        == 201
    )
    listed = client.get(url).json()
    assert [(c["number"], c["ended_on"]) for c in listed] == [
        ("64.000124", None),
        ("64.000123", "2021-01-10"),
    ]
    binh = client.post(
        f"/api/cards/people/{org.binh.pk}",
        json.dumps({"number": "64.000200", "issued_on": "2020-01-10"}),
        content_type="application/json",
    )
    assert binh.status_code == 422 and "issued_on" in binh.content.decode()
    without = client.get("/api/cards/without", {"unit": "WARDA"}).json()
    assert without == []
    client.force_login(personas.ward_b_officer)
    assert client.get(url).status_code == 404
    assert post({"number": "64.000300", "issued_on": "2021-01-10"}).status_code == 404


def test_the_unit_in_charge_now_issues_even_a_card_dated_earlier(org, personas):
    """Sơn moved from cell A1 to cell B1 in 2024: ward B keeps his records now."""
    son = f.person("Mai Văn Sơn", D(1985, 3, 3))
    m = f.member(son, org.cell_a1, ceremony=D(2010, 3, 1), stint_end=D(2024, 7, 1))
    Stint.objects.create(
        membership=m, unit=org.cell_b1, start_on=D(2024, 7, 1), reason_in="TRANSFER"
    )
    with pytest.raises(NotAllowed):
        cards.issue_card(
            m, number="64.000900", issued_on=D(2015, 1, 1), by=personas.ward_a_officer, now=NOW
        )
    cards.issue_card(
        m, number="64.000900", issued_on=D(2015, 1, 1), by=personas.ward_b_officer, now=NOW
    )
    # The ward A list of 2014 had him without a card; that of 2016 no more.
    assert cards.without_card(org.ward_a, D(2014, 1, 1)).filter(pk=m.pk).exists()
    assert not cards.without_card(org.ward_a, D(2016, 1, 1)).filter(pk=m.pk).exists()


def test_a_list_across_wards_names_each_cell_with_its_ward(client, org, personas):
    """A cell's name alone is ambiguous across a city ("Chi bộ Tổ dân phố 1" in every
    ward): the city's list adds the ward; a ward's own list names the cell alone."""
    client.force_login(personas.city_officer)
    page = client.get("/cards/", {"unit": "CITY", "date": "30/11/2026"})
    row = next(m for m in page.context["rows"] if m.person_id == org.an.pk)
    assert row.unit_label == f"{org.cell_a1.name} – {org.ward_a.name}"
    client.force_login(personas.ward_a_officer)
    page = client.get("/cards/", {"unit": "WARDA", "date": "30/11/2026"})
    row = next(m for m in page.context["rows"] if m.person_id == org.an.pk)
    assert row.unit_label == org.cell_a1.name
