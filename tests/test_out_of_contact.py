"""Periods out of contact within a membership (mất liên lạc): recorded by the officer of the
member's unit, audited, refused when wrong (Vietnamese, nothing written), and subtracted
from party age and so from the badges due (Quy định 24-QĐ/TW, điểm 4.5.1)."""

import datetime as dt

import pytest
from django.utils import translation

from dangvien.accounts.models import AuditEntry
from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.membership.models import Membership
from dangvien.records import badges, exits
from dangvien.records.models import OutOfContact

from . import factories as f

D = dt.date
NOW = D(2026, 11, 30)


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def hung(org):
    """Admitted by a decision of 20/08/1976: 50 years of party age on 20/08/2026."""
    p = f.person("Đỗ Văn Hùng", D(1950, 1, 1))
    f.member(p, org.cell_a1, ceremony=D(1976, 9, 2), decision=D(1976, 8, 20))
    return p


def test_a_period_out_of_contact_is_not_counted_in_party_age(org, personas, hung):
    m = Membership.objects.get(person=hung)
    assert badges.reach_date([m], 50) == D(2026, 8, 20)
    assert badges.due_list(org.ward_a, D(2026, 9, 2))[0].years == 50
    period = exits.record_out_of_contact(
        m,
        start_on=D(1990, 1, 1),
        end_on=D(1991, 1, 1),  # 365 days out of contact
        note="Đi làm ăn xa, không báo",
        by=personas.ward_a_officer,
        today=NOW,
    )
    assert badges.gap_days([m]) == 365
    assert badges.reach_date([m], 50) == D(2026, 8, 20) + dt.timedelta(days=365)
    assert badges.party_age([m], D(2026, 9, 2)) == 49
    assert badges.party_age([m], D(1990, 6, 1)) == badges.party_age([m], D(1990, 12, 31)) == 13
    # The badge list for 02/09/2026 now offers 45 years (50 is not reached yet).
    rows = badges.due_list(org.ward_a, D(2026, 9, 2))
    assert [(r.person, r.years, r.age) for r in rows] == [(hung, 45, 49)]
    entries = AuditEntry.objects.filter(action="CREATE", object_id=str(period.pk))
    assert any("outofcontact" in e.model.lower() for e in entries), [e.model for e in entries]


def test_still_out_of_contact_stops_party_age_until_restored(org, personas, hung):
    m = Membership.objects.get(person=hung)
    period = exits.record_out_of_contact(
        m, start_on=D(2026, 1, 1), by=personas.ward_a_officer, today=NOW
    )
    assert badges.reach_date([m], 50) is None
    assert badges.party_age([m], D(2026, 11, 30)) == 49  # stands still since 01/01/2026
    assert [r.years for r in badges.due_list(org.ward_a, D(2026, 11, 7))] == [45]
    exits.restore_contact(period, on=D(2026, 3, 1), by=personas.ward_a_officer, today=NOW)
    assert badges.reach_date([m], 50) == D(2026, 8, 20) + dt.timedelta(days=59)
    with pytest.raises(Exception, match="Đã ghi liên lạc lại từ ngày 01/03/2026"):
        exits.restore_contact(period, on=D(2026, 4, 1), by=personas.ward_a_officer, today=NOW)


@pytest.mark.parametrize(
    "kwargs, field, says",
    [
        ({"start_on": D(1975, 1, 1)}, "start_on", "trước ngày quyết định kết nạp"),
        ({"start_on": D(2027, 1, 1)}, "start_on", "chưa đến"),
        ({"start_on": D(1990, 1, 1), "end_on": D(1989, 1, 1)}, "end_on", "không sau ngày"),
        ({"start_on": D(1990, 6, 1), "end_on": D(1990, 8, 1)}, "start_on", "đã được ghi mất"),
    ],
)
def test_bad_periods_are_refused_and_nothing_written(org, personas, hung, kwargs, field, says):
    m = Membership.objects.get(person=hung)
    exits.record_out_of_contact(
        m, start_on=D(1990, 1, 1), end_on=D(1991, 1, 1), by=personas.ward_a_officer, today=NOW
    )
    with pytest.raises(InvalidField, match=says) as e:
        exits.record_out_of_contact(m, **kwargs, by=personas.ward_a_officer, today=NOW)
    assert e.value.field == field
    assert OutOfContact.objects.count() == 1


def test_out_of_scope_is_refused(org, personas, hung):
    m = Membership.objects.get(person=hung)
    with pytest.raises(NotAllowed):
        exits.record_out_of_contact(
            m, start_on=D(1990, 1, 1), by=personas.ward_b_officer, today=NOW
        )
    assert not OutOfContact.objects.exists()


def test_the_page_records_and_restores(client, org, personas, hung):
    client.force_login(personas.ward_a_officer)
    url = f"/people/{hung.pk}/out-of-contact/"
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    body = client.get(f"/people/{hung.pk}/", **vi).content.decode()
    assert url in body
    body = client.get(url, **vi).content.decode()
    assert "Thời gian mất liên lạc" in body and "Quy định 24-QĐ/TW" in body
    bad = client.post(url, {"action": "add", "start_on": "01/01/1970"}, **vi)
    assert bad.status_code == 200 and "trước ngày quyết định kết nạp" in bad.content.decode()
    assert not OutOfContact.objects.exists()
    ok = client.post(url, {"action": "add", "start_on": "01/01/1990"}, **vi)
    assert ok.status_code == 302
    period = OutOfContact.objects.get()
    assert period.end_on is None and period.recorded_by == personas.ward_a_officer
    done = client.post(url, {"action": "restore", "period": period.pk, "on": "01/01/1991"}, **vi)
    assert done.status_code == 302
    period.refresh_from_db()
    assert period.end_on == D(1991, 1, 1)
    body = client.get(url, **vi).content.decode()
    assert "01/01/1990" in body and "01/01/1991" in body
    # Another ward's officer reads nothing (404) and writes nothing.
    client.force_login(personas.ward_b_officer)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "add", "start_on": "01/01/1995"}).status_code == 404


def test_a_period_id_above_1000_is_not_localised_in_the_restore_form(client, org, personas, hung):
    """The form posts the period's id back: "12.345" would name no period."""
    client.force_login(personas.ward_a_officer)
    url = f"/people/{hung.pk}/out-of-contact/"
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    assert client.post(url, {"action": "add", "start_on": "01/01/1990"}, **vi).status_code == 302
    OutOfContact.objects.update(id=12345)
    body = client.get(url, **vi).content.decode()
    assert 'name="period" value="12345"' in body
    done = client.post(url, {"action": "restore", "period": "12345", "on": "01/01/1991"}, **vi)
    assert done.status_code == 302 and OutOfContact.objects.get().end_on == D(1991, 1, 1)
