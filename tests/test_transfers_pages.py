"""The transfer pages and the JSON API: each side's step, dates typed dd/mm/yyyy, units
picked by name, errors beside the field in Vietnamese, scope (404 / 403)."""

import datetime as dt
import json

from dangvien.accounts.models import Role
from dangvien.membership.models import Membership, Stint
from dangvien.people.models import Person
from dangvien.records.models import TemporaryStay, Transfer
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}


def page(client, url, user, data=None):
    client.force_login(user)
    if data is None:
        return client.get(url, **VI)
    return client.post(url, data, **VI)


def issue(client, org, personas, **data):
    form = {"to_unit": "Chi bộ Tổ dân phố 1 (B)", "on": "02/03/2020", "document_number": "15"}
    return page(client, f"/people/{org.an.pk}/transfer/", personas.ward_a_officer, form | data)


def test_ward_a_issues_and_ward_b_receives_through_the_pages(client, org, personas):
    body = page(client, f"/people/{org.an.pk}/", personas.ward_a_officer).content.decode()
    assert "Chuyển sinh hoạt trong hệ thống" in body  # the section and its buttons
    form = page(client, f"/people/{org.an.pk}/transfer/", personas.ward_a_officer)
    assert form.status_code == 200
    assert (
        'hx-get="/transfers/units/?list=to_unit"' in form.content.decode()
    )  # the searchable picker
    response = issue(client, org, personas)
    assert response.status_code == 302, response.content.decode()[:2000]
    t = Transfer.objects.get()
    assert (t.to_unit, t.issued_on, t.document_number) == (org.cell_b1, D(2020, 3, 2), "15")
    body = page(client, f"/people/{org.an.pk}/", personas.ward_a_officer).content.decode()
    assert "Đã giới thiệu chuyển sinh hoạt" in body and "Hủy chuyển sinh hoạt" in body
    assert f"/transfers/{t.pk}/receive/" not in body  # the sending side does not receive

    # Ward B sees the incoming member in its list and on the person page, and receives.
    listing = page(client, "/transfers/", personas.ward_b_officer).content.decode()
    assert "Nguyễn Văn An" in listing and f"/transfers/{t.pk}/receive/" in listing
    body = page(client, f"/people/{org.an.pk}/", personas.ward_b_officer).content.decode()
    assert "Đang chuyển sinh hoạt từ Chi bộ Tổ dân phố 1 đến Chi bộ Tổ dân phố 1 (B)" in body
    assert f"/transfers/{t.pk}/cancel/" not in body
    assert page(client, f"/transfers/{t.pk}/cancel/", personas.ward_b_officer).status_code == 403
    assert page(client, f"/transfers/{t.pk}/receive/", personas.ward_a_officer).status_code == 403
    bad = page(client, f"/transfers/{t.pk}/receive/", personas.ward_b_officer, {"on": "01/03/2020"})
    assert bad.status_code == 200
    assert "trước ngày giới thiệu chuyển đi (02/03/2020)" in bad.content.decode()
    done = page(
        client, f"/transfers/{t.pk}/receive/", personas.ward_b_officer, {"on": "20/03/2020"}
    )
    assert done.status_code == 302
    assert structure(org.ward_b, D(2020, 3, 20)).figures["members"] == 2
    assert page(client, f"/people/{org.an.pk}/", personas.ward_a_officer).status_code == 404


def test_issue_form_errors_beside_the_field(client, org, personas):
    r = issue(client, org, personas, to_unit="Đảng bộ phường B")
    assert r.status_code == 200 and "không phải là chi bộ" in r.content.decode()
    r = issue(client, org, personas, to_unit="không có đơn vị này")
    assert "Chọn đơn vị trong danh sách" in r.content.decode()
    r = issue(client, org, personas, on="31/02/2020")
    assert r.status_code == 200 and Transfer.objects.count() == 0
    assert Stint.objects.get(membership__person=org.an).end_on is None


def test_scope_of_the_pages(client, org, personas):
    a = org.an.pk
    assert page(client, f"/people/{a}/transfer/", personas.ward_b_officer).status_code == 404
    assert page(client, f"/people/{a}/transfer-out/", personas.ward_b_officer).status_code == 404
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    for url in (f"/people/{a}/transfer/", f"/people/{a}/temporary/", "/transfers/in/"):
        assert page(client, url, leader).status_code == 403
    assert page(client, "/transfers/", leader).status_code == 200
    # Ward B does not issue for ward A's member even by posting the form.
    r = page(
        client,
        f"/people/{a}/transfer/",
        personas.ward_b_officer,
        {"to_unit": "B1", "on": "02/03/2020"},
    )
    assert r.status_code == 404 and Transfer.objects.count() == 0


def test_transfer_out_and_in_through_the_pages(client, org, personas):
    r = page(
        client,
        f"/people/{org.an.pk}/transfer-out/",
        personas.ward_a_officer,
        {"on": "10/05/2021", "outside_body": "Đảng bộ tỉnh Kon Tum", "document_number": "20"},
    )
    assert r.status_code == 302
    assert Membership.objects.get(person=org.an).exit_reason == "TRANSFER_OUT"
    assert structure(org.ward_a, D(2021, 5, 10)).figures["members"] == 1
    form = {
        "to_unit": "Chi bộ Tổ dân phố 1 (B)",
        "on": "10/01/2022",
        "outside_body": "Đảng bộ huyện Đăk Hà",
        "document_number": "45",
        "full_name": "Đinh Văn Đến",
        "birth_date": "12/04/1988",
        "sex": "M",
        "citizen_id": "064088001234",
        "ethnicity": "01",
        "religion": "00",
        "general_education": "UPPER_SECONDARY",
        "professional": "UNIVERSITY",
        "occupation": "OTHER",
        "decision_on": "20/08/2012",
        "ceremony_on": "02/09/2012",
        "confirmed_on": "02/09/2013",
    }
    bad = page(
        client, "/transfers/in/", personas.ward_b_officer, form | {"ceremony_on": "01/08/2012"}
    )
    assert bad.status_code == 200 and "trước ngày quyết định (20/08/2012)" in bad.content.decode()
    assert not Person.objects.filter(citizen_id="064088001234").exists()
    r = page(client, "/transfers/in/", personas.ward_b_officer, form)
    assert r.status_code == 302, r.content.decode()[:3000]
    p = Person.objects.get(citizen_id="064088001234")
    assert structure(org.ward_b, D(2022, 1, 10)).figures["members"] == 2
    assert page(client, f"/people/{p.pk}/", personas.ward_b_officer).status_code == 200


def test_temporary_activity_is_listed_at_the_host_with_a_mark(client, org, personas):
    r = page(
        client,
        f"/people/{org.binh.pk}/temporary/",
        personas.ward_a_officer,
        {"host_unit": "Chi bộ Tổ dân phố 1 (B)", "start_on": "01/02/2021", "end_on": "01/08/2021"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    stay = TemporaryStay.objects.get()
    host = page(client, "/units/B1/?date=01/03/2021", personas.ward_b_officer).content.decode()
    assert "Đảng viên sinh hoạt tạm thời tại đây" in host and "Trần Thị Bình" in host
    assert "tạm thời</span>" in host
    later = page(client, "/units/B1/?date=01/08/2021", personas.ward_b_officer).content.decode()
    assert "Trần Thị Bình" not in later
    home = page(client, "/units/A2/?date=01/03/2021", personas.ward_a_officer).content.decode()
    assert "Trần Thị Bình" in home  # still counted and listed at home
    r = page(client, f"/temporary/{stay.pk}/end/", personas.ward_b_officer, {"on": "01/07/2021"})
    assert r.status_code == 302
    stay.refresh_from_db()
    assert stay.end_on == D(2021, 7, 1)


def test_alerts_page_and_command_show_a_transfer_not_received(client, org, personas, capsys):
    issue(client, org, personas)
    import re

    for user in (personas.ward_a_officer, personas.ward_b_officer):
        body = page(client, "/alerts/?date=2020-05-01", user).content.decode()
        assert "Chuyển sinh hoạt chưa được tiếp nhận" in body
        assert "chưa được tiếp nhận: hạn 14/04/2020" in body
        # The figure counts every row the page lists, the overdue transfer included.
        rows = len(re.findall(r'<tr class="(?:overdue)?">', body))
        assert rows == 1 and "<p>1 cảnh báo</p>" in body
    from django.core.management import call_command

    call_command("alerts", "--as-of", "2020-05-01", "--org", "WARDB", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert [a["kind"] for a in data["transfer_alerts"]] == ["transfer_not_received"]
    call_command("alerts", "--as-of", "2020-05-01")
    assert "Nguyễn Văn An" in capsys.readouterr().out


def test_statistics_page_shows_members_in_transit(client, org, personas):
    issue(client, org, personas)
    body = page(client, "/statistics/?unit=CITY&date=05/03/2020", personas.city_officer)
    assert 'id="in-transit">1<' in body.content.decode()


# ----- the JSON API ---------------------------------------------------------------------
def api(client, user, url, payload):
    client.force_login(user)
    return client.post(url, json.dumps(payload), content_type="application/json", **VI)


def test_api_issue_receive_cancel(client, org, personas):
    r = api(
        client,
        personas.ward_b_officer,
        "/api/transfers",
        {"person_id": org.an.pk, "to_unit": "B1", "on": "2020-03-02"},
    )
    assert r.status_code == 404  # ward B does not see ward A's member
    r = api(
        client,
        personas.ward_a_officer,
        "/api/transfers",
        {"person_id": org.an.pk, "to_unit": "WARDB", "on": "2020-03-02"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "to_unit"
    assert "không phải là chi bộ" in r.json()["detail"][0]["msg"]
    r = api(
        client,
        personas.ward_a_officer,
        "/api/transfers",
        {"person_id": org.an.pk, "to_unit": "B1", "on": "2020-03-02", "document_number": "15"},
    )
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    assert r.json()["due"] == "2020-04-14"
    client.force_login(personas.ward_b_officer)
    assert [t["id"] for t in client.get("/api/transfers").json()] == [tid]
    r = api(client, personas.ward_a_officer, f"/api/transfers/{tid}/receive", {"on": "2020-03-05"})
    assert r.status_code == 403
    r = api(client, personas.secretary_a, f"/api/transfers/{tid}/cancel", {"reason": "nhầm"})
    assert r.status_code == 200 and r.json()["cancelled_on"]
    r = api(client, personas.ward_b_officer, f"/api/transfers/{tid}/receive", {"on": "2020-03-05"})
    assert r.status_code == 409
    assert Stint.objects.get(membership__person=org.an).end_on is None


def test_api_out_in_and_temporary(client, org, personas):
    r = api(
        client,
        personas.ward_a_officer,
        "/api/transfers/out",
        {"person_id": org.an.pk, "on": "2021-05-10", "outside_body": "Tỉnh ủy Kon Tum"},
    )
    assert r.status_code == 201 and r.json()["kind"] == "OUT"
    payload = {
        "person": {
            "full_name": "Đinh Văn Đến",
            "birth_date": "1988-04-12",
            "sex": "M",
            "citizen_id": "064088001234",
        },
        "to_unit": "B1",
        "on": "2022-01-10",
        "outside_body": "Đảng bộ huyện Đăk Hà",
        "decision_on": "2012-08-20",
        "ceremony_on": "2012-09-02",
        "confirmed_on": "2013-09-02",
    }
    assert api(client, personas.ward_a_officer, "/api/transfers/in", payload).status_code == 403
    r = api(client, personas.ward_b_officer, "/api/transfers/in", payload)
    assert r.status_code == 201 and r.json()["to_unit"] == "B1"
    r = api(
        client,
        personas.ward_a_officer,
        "/api/transfers/temporary",
        {"person_id": org.binh.pk, "host_unit": "B1", "start_on": "2021-02-01"},
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = api(
        client, personas.ward_b_officer, f"/api/transfers/temporary/{sid}/end", {"on": "2021-06-01"}
    )
    assert r.status_code == 200 and r.json()["end_on"] == "2021-06-01"
    r = api(
        client,
        personas.ward_a_officer,
        "/api/transfers/temporary",
        {"person_id": org.binh.pk, "start_on": "2099-02-01"},
    )
    assert r.status_code == 422


def test_vietnamese_pages_show_no_english(client, org, personas):
    issue(client, org, personas)
    t = Transfer.objects.get()
    page(
        client,
        f"/people/{org.binh.pk}/temporary/",
        personas.ward_a_officer,
        {"host_unit": "B1", "start_on": "01/02/2021"},
    )
    stay = TemporaryStay.objects.get()
    english = ["Transfer", "Receive", "Cancel", "unit", "Temporary", "Host", "Until", "From "]
    urls = [
        (personas.ward_b_officer, f"/people/{org.an.pk}/"),
        (personas.ward_b_officer, "/transfers/"),
        (personas.ward_b_officer, f"/transfers/{t.pk}/receive/"),
        (personas.ward_a_officer, f"/transfers/{t.pk}/cancel/"),
        (personas.ward_a_officer, f"/people/{org.binh.pk}/"),
        (personas.ward_a_officer, f"/people/{org.binh.pk}/transfer/"),
        (personas.ward_a_officer, f"/people/{org.binh.pk}/transfer-out/"),
        (personas.ward_a_officer, "/transfers/in/"),
        (personas.ward_b_officer, f"/temporary/{stay.pk}/end/"),
        (personas.ward_b_officer, "/units/B1/?date=01/03/2021"),
        (personas.ward_b_officer, "/alerts/?date=2020-05-01"),
    ]
    for user, url in urls:
        response = page(client, url, user)
        assert response.status_code == 200, url
        main = response.content.decode().split("<main", 1)[-1]
        shown = [w for w in english if f">{w}" in main or f" {w}" in main]
        assert not shown, (url, shown)


def test_alerts_export_dashboard_and_draft_include_a_transfer_not_received(client, org, personas):
    """The transfer not received in time appears, in the alerts page's words, in the
    alerts XLSX, on the dashboard of both sides and in the report draft."""
    import io

    from openpyxl import load_workbook

    from dangvien.reports.draft import draft

    issue(client, org, personas)
    wording = (
        "Chuyển sinh hoạt đến Chi bộ Tổ dân phố 1 (B) (giới thiệu ngày 02/03/2020) "
        "chưa được tiếp nhận"
    )
    response = page(
        client, "/alerts/?date=2020-05-01&format=xlsx&purpose=rà soát", personas.ward_b_officer
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert ["Đảng viên", "Nơi chuyển đi", "Cảnh báo", "Hạn", "Quá hạn"] in rows
    row = next(r for r in rows if r[0] == "Nguyễn Văn An")
    assert row[1] == "Chi bộ Tổ dân phố 1" and row[2].startswith(wording)
    assert "hạn 14/04/2020" in row[2] and row[3].date() == D(2020, 4, 14) and row[4] == "có"
    for user in (personas.ward_a_officer, personas.ward_b_officer):
        body = page(client, "/dashboard/", user).content.decode()
        assert wording in body and "Nguyễn Văn An" in body
    city = page(client, "/dashboard/?unit=CITY", personas.city_officer).content.decode()
    assert wording in city  # the city is above both wards
    d = draft(org.ward_b, D(2020, 1, 1), D(2020, 5, 1))
    text = " ".join(dict(d.sections)["Nguồn kết nạp và thời hạn hồ sơ"])
    assert "Chuyển sinh hoạt đảng: 1 trường hợp quá hạn chưa được tiếp nhận" in text
    assert f"Nguyễn Văn An: {wording}: hạn 14/04/2020" in text
    before = draft(org.ward_b, D(2020, 1, 1), D(2020, 3, 1))  # not yet issued
    text = " ".join(dict(before.sections)["Nguồn kết nạp và thời hạn hồ sơ"])
    assert "0 trường hợp quá hạn chưa được tiếp nhận và 0 trường hợp" in text


def test_the_issue_form_picks_the_receiving_cell_by_name(client, org, personas):
    """No list of every cell with its code in the page: the picker asks for the cells whose
    name holds what is typed, any ward's (a member moves across wards), cells only."""
    form = page(client, f"/people/{org.an.pk}/transfer/", personas.ward_a_officer)
    body = form.content.decode()
    assert 'list="to_unit-options"' in body and 'hx-target="#to_unit-options"' in body
    assert "Chi bộ Tổ dân phố 1 (B)" not in body and "<option" not in body.split("<form")[-1]
    found = client.get("/transfers/units/", {"to_unit": "to dan pho 1"}, **VI).content.decode()
    assert 'value="Chi bộ Tổ dân phố 1 – Đảng bộ phường A"' in found
    assert 'value="Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"' in found  # another ward's
    assert "Tổ dân phố 2" not in found
    wards = client.get("/transfers/units/", {"to_unit": "phường"}, **VI).content.decode()
    assert 'value="Đảng bộ phường' not in wards  # a ward is no receiving cell
    assert client.get("/transfers/units/", {"to_unit": "t"}).content.decode().count("<option") == 0
    # A typed name shown again with its error keeps its matches in the list.
    again = issue(client, org, personas, to_unit="Tổ dân phố 2", on="31/02/2020")
    assert 'value="Chi bộ Tổ dân phố 2 – Đảng bộ phường A"' in again.content.decode()
    # The name chosen from the list is what the form receives.
    r = issue(client, org, personas, to_unit="Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B")
    assert r.status_code == 302 and Transfer.objects.get().to_unit == org.cell_b1
    # The host of a temporary stay is picked the same way.
    stay = page(client, f"/people/{org.binh.pk}/temporary/", personas.ward_a_officer)
    body = stay.content.decode()
    assert 'hx-get="/transfers/units/?list=host_unit"' in body and "(B)" not in body
    hosts = client.get("/transfers/units/", {"list": "host_unit", "host_unit": "to dan pho 1"})
    hosts_body = hosts.content.decode()
    assert '<datalist id="host_unit-options">' in hosts_body
    assert 'value="Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"' in hosts_body
    odd = client.get("/transfers/units/", {"list": "x><script", "to_unit": "to dan pho"})
    assert '<datalist id="to_unit-options">' in odd.content.decode()
    # A role that only reads issues no transfer and gets no list.
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert client.get("/transfers/units/", {"to_unit": "to dan pho"}).status_code == 403


def test_latest_transfers_newest_first_a_page_at_a_time(client, org, personas, monkeypatch):
    """By the transfer's date (the arrival's for one in from outside), not by when it was
    typed in; the next page through a signed cursor, a forged one refused (400)."""
    import re

    from dangvien.records import transfer_views

    monkeypatch.setattr(transfer_views, "RECENT_PAGE", 4)
    m = Membership.objects.get(person=org.an)
    days = [D(2019, 5, 1), D(2021, 1, 1), D(2018, 3, 3), D(2021, 1, 1), D(2020, 7, 7)]
    for i, day in enumerate(days):
        Transfer.objects.create(
            membership=m, kind="OUT", from_unit=org.cell_a1, issued_on=day, outside_body=f"Nơi {i}"
        )
    Transfer.objects.create(
        membership=m,
        kind="IN",
        to_unit=org.cell_a1,
        received_on=D(2022, 2, 2),
        outside_body="Nơi 5",
    )
    Transfer.objects.create(  # in transit: listed above, not among the latest
        membership=m,
        kind="OFFICIAL",
        from_unit=org.cell_a1,
        to_unit=org.cell_b1,
        issued_on=D(2023, 1, 1),
        outside_body="Nơi 6",
    )

    def recent(r):
        table = r.content.decode().split('id="recent"')[1].split("</table>")[0]
        return re.findall(r"Nơi \d", table)

    first = page(client, "/transfers/", personas.ward_a_officer)
    assert recent(first) == ["Nơi 5", "Nơi 3", "Nơi 1", "Nơi 4"]
    link = re.search(r'href="(\?cursor=[^"]+)" rel="next"', first.content.decode()).group(1)
    second = client.get("/transfers/" + link.replace("&amp;", "&"), **VI)
    assert recent(second) == ["Nơi 0", "Nơi 2"]
    assert 'rel="next"' not in second.content.decode()
    back = re.search(r'href="(\?cursor=[^"]+)" rel="prev"', second.content.decode()).group(1)
    assert recent(client.get("/transfers/" + back, **VI)) == ["Nơi 5", "Nơi 3", "Nơi 1", "Nơi 4"]
    forged = client.get("/transfers/?cursor=abc", **VI)
    assert forged.status_code == 400 and "không hợp lệ" in forged.content.decode()


def test_the_list_names_each_cell_with_its_ward(client, org, personas):
    """Both sides' cells are called "Chi bộ Tổ dân phố 1": the list adds each one's ward
    (as the people list does), in transit and once received."""
    assert issue(client, org, personas).status_code == 302
    listing = page(client, "/transfers/", personas.city_officer).content.decode()
    incoming = listing.split('id="incoming"')[1].split("</table>")[0]
    assert f"{org.cell_a1.name} – {org.ward_a.name}" in incoming
    assert f"{org.cell_b1.name} – {org.ward_b.name}" in incoming
    t = Transfer.objects.get()
    page(client, f"/transfers/{t.pk}/receive/", personas.ward_b_officer, {"on": "20/03/2020"})
    listing = page(client, "/transfers/", personas.city_officer).content.decode()
    recent = listing.split('id="recent"')[1].split("</table>")[0]
    assert f"{org.cell_a1.name} – {org.ward_a.name}" in recent
