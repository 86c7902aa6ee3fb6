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


# ----- correcting and deleting a period ------------------------------------------------


def _as_if_committed():
    """The test's transaction never commits: forget that it already moved the figures'
    version (`stats.fresh` moves it once per transaction), as a new request would."""
    from django.db import connection

    connection.run_on_commit.clear()


def _period(hung, personas):
    """01/01/1990 to 01/01/1991: 365 days out of contact."""
    m = Membership.objects.get(person=hung)
    return m, exits.record_out_of_contact(
        m, start_on=D(1990, 1, 1), end_on=D(1991, 1, 1), by=personas.ward_a_officer, today=NOW
    )


def test_a_corrected_period_changes_party_age_and_is_audited(org, personas, hung):
    from dangvien.stats import fresh

    m, period = _period(hung, personas)
    assert badges.gap_days([m]) == 365
    _as_if_committed()
    version = fresh.current()
    exits.change_out_of_contact(
        period,
        start_on=D(1990, 1, 1),
        end_on=D(1992, 1, 1),  # 730 days
        note="Sửa theo hồ sơ",
        by=personas.ward_a_officer,
        today=NOW,
    )
    period.refresh_from_db()
    assert (period.end_on, period.note) == (D(1992, 1, 1), "Sửa theo hồ sơ")
    assert badges.gap_days([m]) == 730
    assert badges.reach_date([m], 50) == D(2026, 8, 20) + dt.timedelta(days=730)
    assert fresh.current() > version  # cached figures are recomputed
    update = AuditEntry.objects.get(action="UPDATE", object_id=str(period.pk))
    assert update.person_id == hung.pk  # on the person's history of changes
    assert "1991-01-01" in str(update.changes()) and "1992-01-01" in str(update.changes())
    # A period still running once corrected stops party age again.
    exits.change_out_of_contact(
        period, start_on=D(2026, 1, 1), end_on=None, by=personas.ward_a_officer, today=NOW
    )
    assert badges.reach_date([m], 50) is None


@pytest.mark.parametrize(
    "kwargs, field, says",
    [
        ({"start_on": D(1975, 1, 1)}, "start_on", "trước ngày quyết định kết nạp"),
        ({"start_on": D(2027, 1, 1)}, "start_on", "chưa đến"),
        ({"start_on": D(1990, 1, 1), "end_on": D(1989, 1, 1)}, "end_on", "không sau ngày"),
        ({"start_on": D(1995, 6, 1), "end_on": D(1995, 8, 1)}, "start_on", "đã được ghi mất"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_changed(org, personas, hung, kwargs, field, says):
    m, period = _period(hung, personas)
    exits.record_out_of_contact(
        m, start_on=D(1995, 1, 1), end_on=D(1996, 1, 1), by=personas.ward_a_officer, today=NOW
    )
    with pytest.raises(InvalidField, match=says) as e:
        exits.change_out_of_contact(period, **kwargs, by=personas.ward_a_officer, today=NOW)
    assert e.value.field == field
    period.refresh_from_db()
    assert (period.start_on, period.end_on) == (D(1990, 1, 1), D(1991, 1, 1))
    assert not AuditEntry.objects.filter(action="UPDATE", object_id=str(period.pk)).exists()


def test_a_deleted_period_counts_in_party_age_again(org, personas, hung):
    from dangvien.stats import fresh

    m, period = _period(hung, personas)
    assert badges.party_age([m], D(2026, 9, 2)) == 49
    _as_if_committed()
    version = fresh.current()
    pk = period.pk
    exits.delete_out_of_contact(period, by=personas.ward_a_officer)
    assert not OutOfContact.objects.exists()
    assert badges.party_age([m], D(2026, 9, 2)) == 50
    assert [r.years for r in badges.due_list(org.ward_a, D(2026, 9, 2))] == [50]
    assert fresh.current() > version
    gone = AuditEntry.objects.get(action="DELETE", object_id=str(pk))
    assert gone.person_id == hung.pk


def test_correcting_or_deleting_out_of_scope_is_refused(org, personas, hung):
    _m, period = _period(hung, personas)
    with pytest.raises(NotAllowed):
        exits.change_out_of_contact(
            period, start_on=D(1980, 1, 1), by=personas.ward_b_officer, today=NOW
        )
    with pytest.raises(NotAllowed):
        exits.delete_out_of_contact(period, by=personas.ward_b_officer)
    period.refresh_from_db()
    assert period.start_on == D(1990, 1, 1)


def test_the_person_page_corrects_and_deletes_a_period(client, org, personas, hung):
    from dangvien.accounts.models import Role

    _m, period = _period(hung, personas)
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    edit = f"/people/{hung.pk}/out-of-contact/{period.pk}/edit/"
    delete = f"/people/{hung.pk}/out-of-contact/{period.pk}/delete/"
    client.force_login(personas.ward_a_officer)
    body = client.get(f"/people/{hung.pk}/", **vi).content.decode()
    assert edit in body and delete in body
    # The whole history shows the period's start and end.
    history = body[body.index('id="qua-trinh"') :]
    assert "Mất liên lạc với tổ chức đảng" in history and "01/01/1990" in history
    assert "Liên lạc lại với tổ chức đảng" in history and "01/01/1991" in history
    form = client.get(edit, **vi).content.decode()
    assert 'value="01/01/1990"' in form and 'value="01/01/1991"' in form
    for bad, says in [
        ({"start_on": "31/02/1990", "end_on": "01/01/1991"}, "Nhập một ngày hợp lệ"),
        ({"start_on": "01/01/1990", "end_on": "01/01/1989"}, "không sau ngày"),
    ]:
        r = client.post(edit, bad, **vi)
        assert r.status_code == 200 and says in r.content.decode(), r.content.decode()
    period.refresh_from_db()
    assert (period.start_on, period.end_on) == (D(1990, 1, 1), D(1991, 1, 1))
    ok = client.post(edit, {"start_on": "01/06/1990", "end_on": "01/01/1991"}, **vi)
    assert ok.status_code == 302
    period.refresh_from_db()
    assert period.start_on == D(1990, 6, 1)
    # Deleting asks first: the page itself changes nothing.
    ask = client.get(delete, **vi).content.decode()
    assert "Chỉ xóa khi thời gian này được ghi nhầm" in ask and "01/06/1990" in ask
    assert OutOfContact.objects.exists()
    # Another ward's officer finds nothing; a leader may not change the record.
    client.force_login(personas.ward_b_officer)
    assert client.get(edit).status_code == 404
    assert client.post(delete, {"confirm": "True"}).status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert client.post(delete, {"confirm": "True"}).status_code in (403, 404)
    assert OutOfContact.objects.exists()
    # A forged id is a 404, never a 500.
    client.force_login(personas.ward_a_officer)
    assert client.get(f"/people/{hung.pk}/out-of-contact/999999/edit/").status_code == 404
    done = client.post(delete, {"confirm": "True"}, **vi)
    assert done.status_code == 302 and not OutOfContact.objects.exists()
    body = client.get(f"/people/{hung.pk}/", **vi).content.decode()
    assert "Đã xóa thời gian mất liên lạc từ ngày 01/06/1990" in body


def test_the_person_page_offers_to_record_a_period_in_words_of_its_own(client, org, personas, hung):
    """The link to the form says what it does, not the section's heading a second time;
    none for a member who died (nothing new to record)."""
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    client.force_login(personas.ward_a_officer)
    body = client.get(f"/people/{hung.pk}/", **vi).content.decode()
    assert body.count(">Thời gian mất liên lạc<") == 1  # the heading only
    assert ">Ghi thời gian mất liên lạc</a>" in body
    m = Membership.objects.get(person=hung)
    exits.record_exit(m, on=D(2020, 1, 1), reason="DEATH", by=personas.ward_a_officer)
    body = client.get(f"/people/{hung.pk}/", **vi).content.decode()
    assert "Ghi thời gian mất liên lạc" not in body
