"""Exemptions from party work and activity (miễn công tác và sinh hoạt đảng): counted in
their own column of the statistics on their dates only, shown on the person page, refused
when overlapping or for a non-member, scoped."""

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from dangvien.accounts.models import AuditEntry, Role
from dangvien.core.errors import ActionError, InvalidField, NotAllowed
from dangvien.membership.models import ExitReason, Membership
from dangvien.records import exits
from dangvien.records.models import Exemption
from dangvien.reports.structure import HEADLINE, structure

from . import factories as f

D = dt.date
TODAY = D(2024, 6, 1)


def exempt(unit, day):
    return structure(unit, day).figures["exempt"]


def m_of(person):
    return Membership.objects.get(person=person, exit_on__isnull=True)


def test_counted_in_its_column_on_its_dates_only(org, personas):
    e = exits.grant_exemption(
        m_of(org.an),
        reason="AGE",
        start_on=D(2019, 1, 1),
        end_on=D(2020, 1, 1),
        document_number="3-QĐ/CB",
        by=personas.ward_a_officer,
        today=TODAY,
    )
    assert (e.reason, e.start_on, e.end_on, e.document_number) == (
        "AGE",
        D(2019, 1, 1),
        D(2020, 1, 1),
        "3-QĐ/CB",
    )
    assert exempt(org.ward_a, D(2018, 12, 31)) == 0
    assert exempt(org.ward_a, D(2019, 1, 1)) == 1
    assert exempt(org.city, D(2019, 12, 31)) == 1
    assert exempt(org.ward_a, D(2020, 1, 1)) == 0  # no longer exempt on the end date
    assert exempt(org.ward_b, D(2019, 6, 1)) == 0
    assert exempt(org.cell_a2, D(2019, 6, 1)) == 0
    s = structure(org.city, D(2019, 6, 1))
    # Still members, counted as ever; the share is of the members.
    assert s.figures["members"] == 3 and s.pct["exempt"] == pytest.approx(33.33, abs=0.01)
    assert "exempt" in [k for k, _label in HEADLINE]


def test_ended_with_end_exemption(org, personas):
    e = exits.grant_exemption(
        m_of(org.cuong), reason="ILLNESS", start_on=D(2021, 3, 1), by=None, today=TODAY
    )
    assert exempt(org.ward_b, TODAY) == 1
    exits.end_exemption(e, on=D(2022, 3, 1), by=personas.ward_b_officer, today=TODAY)
    e.refresh_from_db()
    assert e.end_on == D(2022, 3, 1)
    assert exempt(org.ward_b, D(2022, 2, 28)) == 1
    assert exempt(org.ward_b, D(2022, 3, 1)) == 0
    with pytest.raises(ActionError, match="đã kết thúc ngày 01/03/2022"):
        exits.end_exemption(e, on=D(2023, 1, 1), by=None, today=TODAY)
    # A new exemption after the first one ended is fine.
    exits.grant_exemption(
        m_of(org.cuong), reason="AGE", start_on=D(2023, 1, 1), by=None, today=TODAY
    )
    assert exempt(org.ward_b, TODAY) == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "says"),
    [
        ({"start_on": D(2005, 5, 31)}, "start_on", "không phải là đảng viên"),
        ({"start_on": D(2024, 6, 2)}, "start_on", "ngày 02/06/2024 chưa đến"),
        ({"end_on": D(2019, 1, 1)}, "end_on", "phải sau ngày bắt đầu (01/01/2019)"),
        ({"reason": "LAZY"}, "reason", "không có trong danh sách"),
        ({"start_on": D(2019, 6, 1)}, "start_on", "trùng với các ngày này"),
        ({"start_on": D(2018, 6, 1), "end_on": D(2018, 7, 1)}, None, None),  # before: fine
        ({"start_on": D(2018, 6, 1), "end_on": D(2019, 1, 2)}, "start_on", "trùng"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(org, kwargs, field, says):
    m = m_of(org.an)
    exits.grant_exemption(
        m, reason="AGE", start_on=D(2019, 1, 1), end_on=D(2020, 1, 1), by=None, today=TODAY
    )
    args = {"reason": "ILLNESS", "start_on": D(2019, 1, 1), "by": None, "today": TODAY} | kwargs
    audit = AuditEntry.objects.count()
    if field is None:
        exits.grant_exemption(m, **args)
        assert Exemption.objects.count() == 2
        return
    with pytest.raises(InvalidField) as err:
        exits.grant_exemption(m, **args)
    assert err.value.field == field and says in str(err.value)
    assert Exemption.objects.count() == 1
    assert AuditEntry.objects.count() == audit


def test_non_members_and_members_who_left(org):
    left = f.member(
        f.person("Hồ Văn Em"),
        org.cell_a1,
        ceremony=D(2000, 1, 1),
        exit_on=D(2015, 1, 1),
        exit_reason=ExitReason.DEATH,
    )
    with pytest.raises(InvalidField, match="ngày 01/01/2016 Hồ Văn Em không phải là đảng viên"):
        exits.grant_exemption(left, reason="AGE", start_on=D(2016, 1, 1), by=None, today=TODAY)
    # Recorded afterwards for a time when still a member: it ends when they left.
    e = exits.grant_exemption(left, reason="AGE", start_on=D(2014, 1, 1), by=None, today=TODAY)
    assert e.end_on == D(2015, 1, 1)
    with pytest.raises(InvalidField, match="sau ngày Hồ Văn Em ra khỏi Đảng"):
        exits.end_exemption(e, on=D(2016, 1, 1), by=None, today=D(2014, 6, 1))
    assert exempt(org.cell_a1, D(2014, 12, 31)) == 1
    assert exempt(org.cell_a1, D(2015, 1, 1)) == 0


def test_probationary_members_may_be_exempt(org):
    # DOMAIN.md limits no exemption to full members: any member on the date.
    exits.grant_exemption(
        m_of(org.binh), reason="ILLNESS", start_on=D(2017, 6, 1), by=None, today=TODAY
    )
    assert exempt(org.cell_a2, D(2017, 6, 1)) == 1


def test_reversed_exit_brings_the_exemption_back(org):
    m = m_of(org.an)
    exits.grant_exemption(m, reason="AGE", start_on=D(2019, 1, 1), by=None, today=TODAY)
    d = exits.record_exit(m, on=D(2020, 5, 10), reason="DEATH", by=None, today=TODAY)
    assert exempt(org.ward_a, D(2021, 1, 1)) == 0
    exits.reverse_exit(d, reason="Ghi nhầm", by=None, today=TODAY)
    assert exempt(org.ward_a, D(2021, 1, 1)) == 1


def test_scope(org, personas):
    m = m_of(org.an)
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    for user in (personas.ward_b_officer, leader):
        with pytest.raises(NotAllowed):
            exits.grant_exemption(m, reason="AGE", start_on=D(2019, 1, 1), by=user, today=TODAY)
    assert not Exemption.objects.exists()
    e = exits.grant_exemption(
        m, reason="AGE", start_on=D(2019, 1, 1), by=personas.secretary_a, today=TODAY
    )
    with pytest.raises(NotAllowed):
        exits.end_exemption(e, on=D(2020, 1, 1), by=personas.ward_b_officer, today=TODAY)


# ----- pages, statistics page and export --------------------------------------------------
def test_pages_grant_show_and_end(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = f"/people/{org.an.pk}/exemptions/new/"
    r = client.post(url, {"reason": "ILLNESS", "start_on": "01/01/2019", "end_on": "01/01/2019"})
    assert r.status_code == 200
    assert "Miễn đến ngày: ngày 01/01/2019 phải sau ngày bắt đầu" in r.content.decode()
    assert not Exemption.objects.exists()
    r = client.post(url, {"reason": "ILLNESS", "start_on": "01/01/2019", "document_number": "7"})
    assert r.status_code == 302
    e = Exemption.objects.get()
    body = client.get(f"/people/{org.an.pk}/").content.decode()
    assert "Được miễn công tác và sinh hoạt đảng từ ngày 01/01/2019 (Sức khỏe yếu, bệnh)" in body
    assert "Thôi miễn sinh hoạt" in body
    stats = client.get("/statistics/?unit=WARDA&date=01/06/2019").content.decode()
    assert "Miễn công tác và sinh hoạt đảng" in stats
    r = client.post(f"/people/{org.an.pk}/exemptions/{e.pk}/end/", {"on": "01/03/2020"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.end_on == D(2020, 3, 1)
    body = client.get(f"/people/{org.an.pk}/").content.decode()
    assert "Được miễn công tác" not in body and "01/03/2020" in body


def test_statistics_export_has_the_exempt_row(client, org, personas):
    exits.grant_exemption(m_of(org.an), reason="AGE", start_on=D(2019, 1, 1), by=None, today=TODAY)
    client.force_login(personas.ward_a_officer)
    r = client.get("/statistics/?unit=WARDA&date=2019-06-01&format=xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    rows = [tuple(c.value for c in row) for ws in wb.worksheets for row in ws.iter_rows()]
    row = next(x for x in rows if x and x[0] == "Miễn công tác và sinh hoạt đảng")
    assert row[1] == 1


def test_pages_are_scoped(client, org, personas):
    e = exits.grant_exemption(
        m_of(org.cuong), reason="AGE", start_on=D(2019, 1, 1), by=None, today=TODAY
    )
    client.force_login(personas.ward_a_officer)
    assert client.get(f"/people/{org.cuong.pk}/exemptions/new/").status_code == 404
    assert client.get(f"/people/{org.cuong.pk}/exemptions/{e.pk}/end/").status_code == 404
    assert client.get(f"/people/{org.an.pk}/exemptions/{e.pk}/end/").status_code == 404
    client.force_login(f.user("leader.b", Role.Kind.LEADER, org.ward_b))
    assert client.get(f"/people/{org.cuong.pk}/exemptions/{e.pk}/end/").status_code == 403
    assert client.post(f"/people/{org.cuong.pk}/exemptions/new/").status_code == 403


def test_api(client, org, personas):
    client.force_login(personas.ward_a_officer)
    post = lambda url, data: client.post(url, json.dumps(data), content_type="application/json")  # noqa: E731
    r = post("/api/exemptions", {"person_id": org.an.pk, "reason": "AGE", "start_on": "2030-01-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "start_on"
    r = post("/api/exemptions", {"person_id": org.an.pk, "reason": "AGE", "start_on": "2019-01-01"})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["reason_label"] == "Tuổi cao"
    r = post("/api/exemptions", {"person_id": org.an.pk, "reason": "AGE", "start_on": "2019-02-01"})
    assert r.status_code == 422 and "trùng" in r.json()["detail"][0]["msg"]
    assert [x["id"] for x in client.get(f"/api/exemptions?person={org.an.pk}").json()] == [pk]
    r = post(f"/api/exemptions/{pk}/end", {"on": "2020-01-01"})
    assert r.status_code == 200 and r.json()["end_on"] == "2020-01-01"
    other = {"person_id": org.cuong.pk, "reason": "AGE", "start_on": "2019-01-01"}
    assert post("/api/exemptions", other).status_code == 404
    assert client.get(f"/api/exemptions?person={org.cuong.pk}").status_code == 404
