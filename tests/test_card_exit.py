"""A member's party card ends when they leave the party (death, striking off, expulsion,
asking to leave…), shown on the person page; reversing the exit puts it back in use; a
transfer out of the system leaves it; the data migration ends the cards of earlier exits."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from dangvien.membership.models import ExitReason, Membership
from dangvien.records import cards, exits, transfers
from dangvien.records.models import ExitDecision, PartyCard

D = dt.date
NOW = D(2024, 6, 1)
R = ExitReason


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def card_of(org, officer):
    m = Membership.objects.get(person=org.an)
    card = cards.issue_card(m, number="64.000123", issued_on=D(2020, 1, 10), by=officer, now=NOW)
    return m, card


def test_an_exit_ends_the_card_and_its_reversal_puts_it_back(client, org, personas):
    m, card = card_of(org, personas.ward_a_officer)
    d = exits.record_exit(
        m,
        on=D(2021, 5, 10),
        reason=R.EXPELLED,
        document_number="5-QĐ/ĐU",
        by=personas.ward_a_officer,
        today=NOW,
    )
    card.refresh_from_db()
    assert (card.ended_on, card.ended_by_exit) == (D(2021, 5, 10), d)
    assert cards.card_in_use(m) is None
    client.force_login(personas.ward_a_officer)
    body = client.get(f"/people/{org.an.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "10/05/2021 (ra khỏi Đảng: khai trừ)" in body
    # The ended card is listed once: not again as a number recorded without its card.
    section = body.split('<section id="party-cards">')[1].split("</section>")[0]
    assert section.count(f"<td>{card.number}</td>") == 1
    exits.reverse_exit(d, reason="Ghi nhầm người", by=personas.ward_a_officer, today=NOW)
    card.refresh_from_db()
    assert (card.ended_on, card.ended_by_exit) == (None, None)
    assert cards.card_in_use(m) == card
    assert not cards.without_card(org.ward_a, NOW).filter(pk=m.pk).exists()


def test_a_reissued_card_keeps_its_end_and_only_the_card_in_use_ends(org, personas):
    m, first = card_of(org, personas.ward_a_officer)
    second = cards.reissue_card(
        m,
        number="64.000456",
        issued_on=D(2021, 1, 5),
        reason=PartyCard.Reason.LOST,
        by=personas.ward_a_officer,
        now=NOW,
    )
    d = exits.record_exit(m, on=D(2022, 3, 1), reason=R.DEATH, by=None, today=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.ended_on, first.ended_by_exit) == (D(2021, 1, 5), None)
    assert (second.ended_on, second.ended_by_exit) == (D(2022, 3, 1), d)
    exits.reverse_exit(d, reason="Nhầm", by=None, today=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.ended_on == D(2021, 1, 5) and second.ended_on is None


def test_a_number_recorded_without_history_becomes_an_ended_card(org):
    m = Membership.objects.get(person=org.an)
    m.card_number = "64.000777"
    m.save(update_fields=["card_number"])
    PartyCard.objects.filter(membership=m).delete()
    d = exits.record_exit(
        m, on=D(2021, 5, 10), reason=R.RESIGNED, document_number="9-QĐ", by=None, today=NOW
    )
    card = PartyCard.objects.get(membership=m)
    assert (card.number, card.ended_on, card.ended_by_exit) == ("64.000777", D(2021, 5, 10), d)


def test_a_transfer_out_of_the_system_keeps_the_card(org, personas):
    m, card = card_of(org, personas.ward_a_officer)
    transfers.transfer_out(
        m,
        on=D(2021, 5, 10),
        outside_body="Đảng ủy phường X, tỉnh Y",
        document_number="12",
        by=personas.ward_a_officer,
        today=NOW,
    )
    card.refresh_from_db()
    assert (card.ended_on, card.ended_by_exit) == (None, None)


def test_the_data_migration_ends_the_cards_of_earlier_exits(org):
    """Exits recorded before the field (written straight, as the old code left them)."""
    m = Membership.objects.get(person=org.an)
    card = PartyCard.objects.create(membership=m, number="64.000888", issued_on=D(2020, 1, 1))
    m.card_number, m.exit_on, m.exit_reason = "64.000888", D(2021, 2, 3), "DEATH"
    m.save(update_fields=["card_number", "exit_on", "exit_reason"])
    d = ExitDecision.objects.create(membership=m, on=D(2021, 2, 3), reason="DEATH")
    reversed_ = ExitDecision.objects.create(
        membership=m, on=D(2020, 6, 1), reason="EXPELLED", reversed_on=D(2020, 7, 1)
    )
    migration = importlib.import_module("dangvien.records.migrations.0003_card_ended_by_exit")
    migration.forward(apps, None)
    card.refresh_from_db()
    assert (card.ended_on, card.ended_by_exit_id) == (D(2021, 2, 3), d.pk)
    assert not PartyCard.objects.filter(ended_by_exit=reversed_).exists()
    migration.forward(apps, None)  # run twice: nothing more changes
    assert PartyCard.objects.filter(membership=m).count() == 1


def test_the_number_stays_after_an_exit_named_as_no_longer_in_use(client, org, personas):
    """The card ends with the exit; the number stays the membership's record of it (unique
    across the Party: never given to anyone else), and the page says it is not in use."""
    m, card = card_of(org, personas.ward_a_officer)
    exits.record_exit(m, on=D(2021, 5, 10), reason=R.DEATH, by=personas.ward_a_officer, today=NOW)
    m.refresh_from_db()
    assert m.card_number == "64.000123"
    client.force_login(personas.ward_a_officer)
    body = client.get(f"/people/{org.an.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '64.000123 <span class="muted">(hết sử dụng từ ngày 10/05/2021)</span>' in body
    other = Membership.objects.get(person=org.binh)
    with pytest.raises(Exception, match="đã được dùng"):
        cards.issue_card(other, number="64.000123", issued_on=D(2022, 1, 10), by=None, now=NOW)
