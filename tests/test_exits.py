"""Exits from the party with their decision, and their reversal: the statistics on dates
before, on and after each event, the readmission rules, bad input and scope."""

import datetime as dt
import json

import pytest

from dangvien.accounts.models import AuditEntry, Role
from dangvien.admission import services
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership, Stint
from dangvien.records import exits
from dangvien.records.models import Exemption, ExitDecision, TemporaryStay, Transfer
from dangvien.reports.structure import structure

from . import factories as f
from .admission_helpers import LATER, K, admit, lan, step

D = dt.date
R = ExitReason
TODAY = D(2024, 6, 1)


def members(unit, day):
    return structure(unit, day).figures["members"]


def m_of(person):
    return Membership.objects.get(person=person, exit_on__isnull=True)


def test_death_ends_the_membership_stint_and_counts(org, personas):
    m = m_of(org.an)
    d = exits.record_exit(
        m, on=D(2020, 5, 10), reason=R.DEATH, by=personas.ward_a_officer, today=TODAY
    )
    assert (d.on, d.reason, d.document_number) == (D(2020, 5, 10), "DEATH", "")
    m.refresh_from_db()
    assert (m.exit_on, m.exit_reason) == (D(2020, 5, 10), "DEATH")
    stint = m.stints.get()
    assert (stint.end_on, stint.reason_out) == (D(2020, 5, 10), Stint.ReasonOut.EXIT)
    # Before, on and after the day: An counted until 09/05/2020 only (Bình in A2 stays).
    assert members(org.ward_a, D(2020, 5, 9)) == 2
    assert members(org.ward_a, D(2020, 5, 10)) == 1
    assert members(org.cell_a1, D(2020, 5, 10)) == 0
    assert members(org.city, D(2023, 1, 1)) == 2
    assert structure(org.city, D(2020, 5, 9)).figures["official"] == 2  # Bình probationary
    assert structure(org.city, D(2020, 5, 10)).figures["official"] == 1


@pytest.mark.parametrize(
    "reason",
    [
        R.RESIGNED,
        R.RESIGNED_HARDSHIP,
        R.STRUCK_OFF,
        R.ABANDONED,
        R.EXPELLED,
        R.DISUNITY,
        R.CORRUPTION,
        R.SERIOUS_CRIME,
        R.LESS_SERIOUS_CRIME,
    ],
)
def test_each_reason_with_its_decision(org, personas, reason):
    m = m_of(org.cuong)
    exits.record_exit(
        m,
        on=D(2015, 3, 1),
        reason=reason,
        document_number="12-QĐ/ĐU",
        decided_by="Đảng ủy phường B",
        by=personas.ward_b_officer,
        today=TODAY,
    )
    d = ExitDecision.objects.get(membership=m)
    assert (d.reason, d.document_number, d.decided_by) == (
        reason,
        "12-QĐ/ĐU",
        "Đảng ủy phường B",
    )
    assert d.recorded_by == personas.ward_b_officer
    assert members(org.ward_b, D(2015, 2, 28)) == 1
    assert members(org.ward_b, D(2015, 3, 1)) == 0


def rules(c, **kw):
    c.refresh_from_db()
    return {x.rule: x for x in services.findings_for(c, list(c.events.all()), **kw)[1]}


def list_again(org, p):
    return services.list_candidate(
        p, org.cell_a1, listed_on=D(2016, 6, 1), tags=[], helper=org.an, by=None, today=LATER
    )


@pytest.mark.parametrize(
    ("reason", "forbidden"),
    [
        (R.ABANDONED, True),
        (R.RESIGNED, True),
        (R.RESIGNED_HARDSHIP, False),
        (R.DISUNITY, True),
        (R.CORRUPTION, True),
        (R.SERIOUS_CRIME, True),
        (R.EXPELLED, False),
        (R.DEATH, False),
    ],
)
def test_readmission_rules_read_the_recorded_reason(org, personas, reason, forbidden):
    p = f.person("Đinh Văn Hậu", D(1980, 2, 2), youth_union_member=True, residence=org.tdp_a1)
    m = f.member(p, org.cell_a1, ceremony=D(2005, 3, 1))
    exits.record_exit(
        m, on=D(2010, 1, 1), reason=reason, document_number="9-QĐ/ĐU", by=None, today=TODAY
    )
    found = rules(list_again(org, p), as_of=D(2017, 1, 2))
    assert ("readmission.forbidden" in found) is forbidden
    if forbidden:
        assert "ra khỏi Đảng ngày 01/01/2010" in found["readmission.forbidden"].message


def test_less_serious_crime_counts_60_months_from_the_expungement(org):
    p = f.person("Đinh Văn Hậu", D(1980, 2, 2), youth_union_member=True, residence=org.tdp_a1)
    m = f.member(p, org.cell_a1, ceremony=D(2005, 3, 1))
    exits.record_exit(
        m,
        on=D(2009, 1, 1),
        reason=R.LESS_SERIOUS_CRIME,
        document_number="3-QĐ/ĐU",
        conviction_expunged_on=D(2013, 6, 1),
        by=None,
        today=TODAY,
    )
    m.refresh_from_db()
    assert m.conviction_expunged_on == D(2013, 6, 1)
    gap = rules(list_again(org, p), as_of=D(2017, 1, 2))["readmission.gap"].message
    assert "được xóa án tích ngày 01/06/2013" in gap and "cần ít nhất 60 tháng" in gap


def test_the_expungement_recorded_years_later(client, org, personas):
    p = f.person("Đinh Văn Hậu", D(1980, 2, 2), youth_union_member=True, residence=org.tdp_a1)
    m = f.member(p, org.cell_a1, ceremony=D(2005, 3, 1))
    d = exits.record_exit(
        m, on=D(2009, 1, 1), reason=R.LESS_SERIOUS_CRIME, document_number="3", by=None
    )
    c = list_again(org, p)
    assert (
        "chưa ghi ngày được xóa án tích" in rules(c, as_of=D(2017, 1, 2))["readmission.gap"].message
    )
    client.force_login(personas.secretary_a)
    url = f"/people/{p.pk}/exits/{d.pk}/expunged/"
    r = client.post(url, {"on": "01/01/2008"})
    assert "trước ngày ra khỏi Đảng (01/01/2009)" in r.content.decode()
    assert client.post(url, {"on": "01/06/2010"}).status_code == 302
    m.refresh_from_db()
    assert m.conviction_expunged_on == D(2010, 6, 1)
    assert "readmission.gap" not in rules(c, as_of=D(2017, 1, 2))  # 79 months: enough
    body = client.get(f"/people/{p.pk}/").content.decode()
    assert "Ngày được xóa án tích 01/06/2010" in body
    client.force_login(personas.ward_a_officer)
    r = client.post(
        f"/api/exits/{d.pk}/expunged", json.dumps({"on": "2011-01-01"}), "application/json"
    )
    assert r.status_code == 200 and r.json()["conviction_expunged_on"] == "2011-01-01"
    other = exits.record_exit(m_of(org.an), on=D(2020, 1, 1), reason=R.DEATH, by=None)
    with pytest.raises(ActionError, match="chỉ ghi khi bị kết án về tội ít nghiêm trọng"):
        exits.record_expungement(other, on=D(2021, 1, 1), by=None)


def test_the_pipeline_strike_off_writes_an_exit_decision(org):
    c = admit(lan(org), org)
    step(c, K.STRUCK_OFF, D(2018, 8, 1), document_number="77-QĐ/ĐU", note="Không đủ tư cách")
    d = ExitDecision.objects.get(membership__person=c.person)
    assert (d.on, d.reason, d.document_number, d.note) == (
        D(2018, 8, 1),
        "STRUCK_OFF",
        "77-QĐ/ĐU",
        "Không đủ tư cách",
    )
    assert members(org.cell_a1, D(2018, 7, 31)) == 2
    assert members(org.cell_a1, D(2018, 8, 1)) == 1
    # Undone only by voiding the dossier step first.
    with pytest.raises(ActionError, match="bước trong hồ sơ kết nạp"):
        exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)


def test_an_exit_ends_the_open_exemption_and_temporary_stay(org, personas):
    m = m_of(org.an)
    exits.grant_exemption(
        m, reason="ILLNESS", start_on=D(2019, 1, 1), by=personas.ward_a_officer, today=TODAY
    )
    TemporaryStay.objects.create(membership=m, host_body="Đảng bộ Trường", start_on=D(2019, 3, 1))
    exits.record_exit(m, on=D(2020, 5, 10), reason=R.DEATH, by=None, today=TODAY)
    assert Exemption.objects.get(membership=m).end_on == D(2020, 5, 10)
    assert TemporaryStay.objects.get(membership=m).end_on == D(2020, 5, 10)
    assert structure(org.ward_a, D(2020, 5, 9)).figures["exempt"] == 1
    assert structure(org.ward_a, D(2020, 5, 10)).figures["exempt"] == 0


# ----- reversal ---------------------------------------------------------------------------
DAYS = [D(2004, 1, 1), D(2017, 2, 28), D(2017, 3, 1), D(2020, 5, 9), D(2020, 5, 10), TODAY]


def figures_on(org, days):
    return {
        (u.code, day): structure(u, day).figures
        for u in (org.city, org.ward_a, org.cell_a1)
        for day in days
    }


def test_reversal_restores_every_dates_figures(org, personas):
    m = m_of(org.an)
    exits.grant_exemption(m, reason="AGE", start_on=D(2019, 1, 1), by=None, today=TODAY)
    before = figures_on(org, DAYS)
    d = exits.record_exit(
        m,
        on=D(2020, 5, 10),
        reason=R.EXPELLED,
        document_number="5-QĐ/ĐU",
        by=personas.ward_a_officer,
        today=TODAY,
    )
    assert figures_on(org, DAYS) != before
    exits.reverse_exit(d, reason="Ghi nhầm người", by=personas.ward_a_officer, today=TODAY)
    assert figures_on(org, DAYS) == before
    d.refresh_from_db()
    assert (d.reversed_on, d.reversal_reason) == (TODAY, "Ghi nhầm người")
    m.refresh_from_db()
    assert (m.exit_on, m.exit_reason) == (None, "")
    stint = m.stints.get()
    assert (stint.end_on, stint.reason_out) == (None, "")
    assert Exemption.objects.get(membership=m).end_on is None
    # The member may leave again, with a new decision; both are kept.
    exits.record_exit(m, on=D(2022, 1, 1), reason=R.DEATH, by=None, today=TODAY)
    assert ExitDecision.objects.filter(membership=m).count() == 2


def test_reversal_refused_when_something_newer_depends_on_it(org, personas):
    m = m_of(org.cuong)
    d = exits.record_exit(
        m, on=D(2010, 1, 1), reason=R.RESIGNED_HARDSHIP, document_number="1", by=None, today=TODAY
    )
    f.member(org.cuong, org.cell_b1, ceremony=D(2015, 2, 1))  # readmitted
    with pytest.raises(ActionError, match="đã được kết nạp lại ngày 01/02/2015"):
        exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)
    d.refresh_from_db()
    assert d.reversed_on is None


def test_reversal_refused_after_a_later_transfer_and_twice(org):
    m = m_of(org.an)
    d = exits.record_exit(m, on=D(2020, 5, 10), reason=R.DEATH, by=None, today=TODAY)
    t = Transfer.objects.create(
        membership=m, kind=Transfer.Kind.OUT, from_unit=org.cell_a1, issued_on=D(2021, 1, 1)
    )
    with pytest.raises(ActionError, match="chuyển sinh hoạt"):
        exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)
    t.delete()
    exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)
    with pytest.raises(ActionError, match="đã được hủy bỏ ngày 01/06/2024"):
        exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)
    with pytest.raises(InvalidField) as err:
        exits.reverse_exit(d, reason="  ", by=None, today=TODAY)
    assert err.value.field == "reason"


# ----- bad input: a Vietnamese message, nothing written ---------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field", "says"),
    [
        ({"on": D(2005, 5, 31)}, "on", "trước ngày kết nạp Nguyễn Văn An (01/06/2005)"),
        ({"on": D(2024, 6, 2)}, "on", "ngày 02/06/2024 chưa đến"),
        ({"document_number": ""}, "document_number", "bắt buộc nhập với lý do “Khai trừ”"),
        ({"reason": R.TRANSFER_OUT}, "reason", "ghi là chuyển sinh hoạt"),
        ({"reason": "NONSENSE"}, "reason", "không có trong danh sách"),
        ({"document_number": "x" * 61}, "document_number", "tối đa 60 ký tự"),
        (
            {"conviction_expunged_on": D(2021, 1, 1)},
            "conviction_expunged_on",
            "chỉ ghi khi bị kết án về tội ít nghiêm trọng",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_written(org, personas, kwargs, field, says):
    m = m_of(org.an)
    args = {
        "on": D(2020, 5, 10),
        "reason": R.EXPELLED,
        "document_number": "5-QĐ/ĐU",
        "by": personas.ward_a_officer,
        "today": TODAY,
    } | kwargs
    audit = AuditEntry.objects.count()
    with pytest.raises(InvalidField) as err:
        exits.record_exit(m, **args)
    assert err.value.field == field and says in str(err.value)
    assert not ExitDecision.objects.exists()
    m.refresh_from_db()
    assert m.exit_on is None and m.stints.get().end_on is None
    assert AuditEntry.objects.count() == audit


def test_an_ended_membership_cannot_leave_again(org):
    m = m_of(org.an)
    exits.record_exit(m, on=D(2020, 5, 10), reason=R.DEATH, by=None, today=TODAY)
    with pytest.raises(ActionError, match="đã ra khỏi Đảng ngày 10/05/2020"):
        exits.record_exit(m, on=D(2021, 1, 1), reason=R.DEATH, by=None, today=TODAY)
    assert ExitDecision.objects.count() == 1


def test_an_exit_before_a_later_stint_or_during_transit_is_refused(org):
    m = m_of(org.an)
    st = m.stints.get()
    st.end_on, st.reason_out = D(2018, 1, 1), Stint.ReasonOut.TRANSFER
    st.save()
    Stint.objects.create(
        membership=m,
        unit=org.cell_a2,
        start_on=D(2018, 1, 1),
        reason_in=Stint.ReasonIn.TRANSFER,
    )
    with pytest.raises(InvalidField, match="sinh hoạt ở Chi bộ Tổ dân phố 2 từ ngày 01/01/2018"):
        exits.record_exit(m, on=D(2017, 6, 1), reason=R.DEATH, by=None, today=TODAY)
    Transfer.objects.create(
        membership=m,
        kind=Transfer.Kind.OFFICIAL,
        from_unit=org.cell_a2,
        to_unit=org.cell_b1,
        issued_on=D(2020, 1, 1),
    )
    with pytest.raises(ActionError, match="đang chuyển sinh hoạt giữa hai đơn vị"):
        exits.record_exit(m, on=D(2021, 6, 1), reason=R.DEATH, by=None, today=TODAY)
    assert not ExitDecision.objects.exists()


# ----- scope ------------------------------------------------------------------------------
def test_out_of_scope_and_read_only_users_are_refused(org, personas):
    m = m_of(org.an)
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    for user in (personas.ward_b_officer, leader):
        with pytest.raises(NotAllowed, match="không có quyền thay đổi hồ sơ của Nguyễn Văn An"):
            exits.record_exit(m, on=D(2020, 5, 10), reason=R.DEATH, by=user, today=TODAY)
    assert not ExitDecision.objects.exists()
    d = exits.record_exit(m, on=D(2020, 5, 10), reason=R.DEATH, by=personas.secretary_a)
    with pytest.raises(NotAllowed):
        exits.reverse_exit(d, reason="Ghi nhầm", by=personas.ward_b_officer, today=TODAY)


# ----- pages ------------------------------------------------------------------------------
def test_record_and_reverse_an_exit_from_the_pages(client, org, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get(f"/people/{org.an.pk}/")
    body = page.content.decode()
    assert "Ghi ra khỏi Đảng" in body and "Từ trần" in body and "Khai trừ" in body
    assert 'value="DEATH"' in body and 'value="TRANSFER_OUT"' not in body
    r = client.post(
        f"/people/{org.an.pk}/exit/",
        {
            "reason": "EXPELLED",
            "on": "10/05/2020",
            "document_number": "",
            "decided_by": "Đảng ủy phường A",
        },
    )
    assert r.status_code == 200
    assert "Số quyết định: bắt buộc nhập với lý do “Khai trừ”" in r.content.decode()
    assert not ExitDecision.objects.exists()
    r = client.post(
        f"/people/{org.an.pk}/exit/",
        {"reason": "EXPELLED", "on": "10/05/2020", "document_number": "5-QĐ/ĐU"},
    )
    assert r.status_code == 302
    d = ExitDecision.objects.get()
    assert members(org.cell_a1, D(2020, 5, 10)) == 0
    body = client.get(f"/people/{org.an.pk}/").content.decode()
    assert "5-QĐ/ĐU" in body and "Hủy bỏ (ghi nhầm)" in body
    assert "Ghi ra khỏi Đảng" not in body  # no longer a member: nothing to record
    url = f"/people/{org.an.pk}/exits/{d.pk}/reverse/"
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "Ghi nhầm người"}).status_code == 302
    assert members(org.cell_a1, D(2020, 5, 10)) == 1
    body = client.get(f"/people/{org.an.pk}/").content.decode()
    assert "Ghi nhầm người" in body and "<s>10/05/2020</s>" in body


def test_pages_are_scoped(client, org, personas):
    d = exits.record_exit(m_of(org.cuong), on=D(2020, 1, 1), reason=R.DEATH, by=None)
    client.force_login(personas.ward_a_officer)
    assert client.get(f"/people/{org.cuong.pk}/exit/").status_code == 404
    assert client.post(f"/people/{org.cuong.pk}/exits/{d.pk}/reverse/").status_code == 404
    # A decision of someone else through a visible person's address: not found either.
    assert client.get(f"/people/{org.an.pk}/exits/{d.pk}/reverse/").status_code == 404
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    client.force_login(leader)
    assert client.get(f"/people/{org.an.pk}/exit/").status_code == 403
    assert client.get(f"/people/{org.dung.pk}/exit/").status_code == 404  # not a member


# ----- API --------------------------------------------------------------------------------
def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_records_reverses_and_lists(client, org, personas):
    client.force_login(personas.ward_a_officer)
    r = post(
        client,
        "/api/exits",
        {"person_id": org.an.pk, "on": "2020-05-10", "reason": "EXPELLED"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "body", "document_number"]
    assert "bắt buộc nhập" in r.json()["detail"][0]["msg"]
    payload = {
        "person_id": org.an.pk,
        "on": "2020-05-10",
        "reason": "EXPELLED",
        "document_number": "5-QĐ/ĐU",
    }
    r = post(client, "/api/exits", payload)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["reason_label"] == "Khai trừ"
    assert post(client, "/api/exits", payload).status_code == 400  # left already
    listed = client.get(f"/api/exits?person={org.an.pk}").json()
    assert [x["id"] for x in listed] == [pk]
    r = post(client, f"/api/exits/{pk}/reverse", {"reason": "Ghi nhầm"})
    assert r.status_code == 200 and r.json()["reversed_on"] is not None
    assert members(org.cell_a1, D(2020, 5, 10)) == 1


def test_api_scope(client, org, personas):
    d = exits.record_exit(m_of(org.cuong), on=D(2020, 1, 1), reason=R.DEATH, by=None)
    client.force_login(personas.ward_a_officer)
    payload = {"person_id": org.cuong.pk, "on": "2020-05-10", "reason": "DEATH"}
    assert post(client, "/api/exits", payload).status_code == 404
    assert post(client, f"/api/exits/{d.pk}/reverse", {"reason": "x"}).status_code == 404
    assert client.get(f"/api/exits?person={org.cuong.pk}").status_code == 404
    assert post(client, "/api/exits/99999999999/reverse", {"reason": "x"}).status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    payload["person_id"] = org.an.pk
    assert post(client, "/api/exits", payload).status_code == 403
    assert client.get(f"/api/exits?person={org.an.pk}").status_code == 404  # names only
    assert ExitDecision.objects.count() == 1


def test_a_dead_members_page_shows_the_death_and_no_record_forms(client, org, personas):
    """The age at death, not today's age; no form of a record that makes no sense once the
    person has died, and each such record refused if posted anyway (nothing written)."""
    from dangvien.records.models import OutOfContact, PartyCard

    an = org.an
    m = m_of(an)
    alive = client
    alive.force_login(personas.ward_a_officer)
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    page = f"/people/{an.pk}/"
    before = alive.get(page, **vi).content.decode()
    assert 'id="died-on"' not in before and f'hx-get="/people/{an.pk}/residence/"' in before
    died = D(2020, 5, 10)
    exits.record_exit(m, on=died, reason=R.DEATH, by=personas.ward_a_officer, today=TODAY)
    age = an.age_on(died)
    body = alive.get(page, **vi).content.decode()
    assert f'<dd id="died-on">10/05/2020 ({age} tuổi khi mất)</dd>' in body
    assert "tuổi)" not in body  # no age today
    assert '<p id="party-age">Tuổi Đảng khi mất: 14 năm</p>' in body  # 01/06/2005–10/05/2020
    for gone in ("/residence/", "/transfer/", "/transfer-out/", "/temporary/", "/exit/"):
        assert f"/people/{an.pk}{gone}" not in body, gone
    assert "/exits/" in body  # a death recorded by mistake may still be reversed
    ooc = alive.get(f"/people/{an.pk}/out-of-contact/", **vi).content.decode()
    assert 'id="out-of-contact-new"' not in ooc and "Đã mất ngày 10/05/2020" in ooc
    says = f"{an.full_name} đã mất ngày 10/05/2020: không thể ghi việc này nữa."
    posts = [
        (f"/people/{an.pk}/exit/", {"reason": "RESIGNED", "on": "01/06/2020"}),
        (f"/people/{an.pk}/exemptions/new/", {"reason": "OLD_AGE", "start_on": "01/06/2020"}),
        (f"/people/{an.pk}/transfer/", {"to_unit": org.cell_a2.code, "on": "01/06/2020"}),
        (f"/people/{an.pk}/transfer-out/", {"on": "01/06/2020", "outside_body": "Tỉnh khác"}),
        (f"/people/{an.pk}/temporary/", {"host_body": "Nơi khác", "start_on": "01/06/2020"}),
        (f"/people/{an.pk}/out-of-contact/", {"action": "add", "start_on": "01/01/2019"}),
        (f"/people/{an.pk}/residence/", {"locality": "", "on": "01/06/2020"}),
        (f"/people/{an.pk}/cards/reissue/", {"number": "99.999999", "issued_on": "01/06/2020"}),
    ]
    for url, data in posts:
        r = alive.post(url, data, follow=True, **vi)
        assert r.status_code == 200 and says in r.content.decode(), url
    assert ExitDecision.objects.filter(membership__person=an).count() == 1
    assert not Exemption.objects.exists() and not OutOfContact.objects.exists()
    assert not Transfer.objects.exists() and not TemporaryStay.objects.exists()
    assert not PartyCard.objects.filter(membership__person=an, number="99.999999").exists()
    # A user who only reads is refused before being told anything.
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert client.post(f"/people/{an.pk}/exit/", {}).status_code == 403
    assert client.post(f"/people/{an.pk}/transfer/", {}).status_code == 403


def test_a_member_who_left_is_said_to_have_left_since_that_day(client, org, personas):
    """'Left the party (since 10/05/2020)', never '(today)', which reads as a departure
    today."""
    an = org.an
    client.force_login(personas.ward_a_officer)
    vi = {"HTTP_ACCEPT_LANGUAGE": "vi"}
    body = client.get(f"/people/{an.pk}/", **vi).content.decode()
    assert "</strong> (hôm nay)</p>" in body  # still a member: the status as of today
    exits.record_exit(
        m_of(an), on=D(2020, 5, 10), reason=R.DEATH, by=personas.ward_a_officer, today=TODAY
    )
    body = client.get(f"/people/{an.pk}/", **vi).content.decode()
    assert "</strong> (từ 10/05/2020)</p>" in body and "(hôm nay)" not in body
