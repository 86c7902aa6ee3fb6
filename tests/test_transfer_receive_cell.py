"""The receiving grassroots organisation may place a transferred member in another of its
cells on receipt: the named cell by default, any of its cells open that day, never a cell
elsewhere (a Vietnamese error, nothing written); the stint starts in the chosen cell."""

import datetime as dt
import json

import pytest
from django.utils import translation

from dangvien.accounts.models import AuditEntry
from dangvien.core.errors import InvalidField
from dangvien.membership.models import Stint
from dangvien.orgs.models import OrgUnit
from dangvien.records import transfers as tr
from dangvien.records.models import Transfer
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date
K = OrgUnit.Kind
NOW = D(2020, 6, 1)
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def sent(org, personas):
    """An sent from ward A's cell A1 to ward B's cell B1; ward B has two more cells, one
    closed before the arrival."""
    f.unit("B2", "Chi bộ Tổ dân phố 2 (B)", K.CELL, org.ward_b)
    f.unit("B3", "Chi bộ Tổ dân phố 3 (B)", K.CELL, org.ward_b, valid_to=D(2020, 3, 1))
    m = tr.current_membership(org.an)
    return tr.issue_transfer(
        m,
        to_unit=org.cell_b1,
        on=D(2020, 3, 2),
        document_number="15",
        by=personas.ward_a_officer,
        today=NOW,
    )


def test_the_named_cell_by_default(org, personas, sent):
    t = tr.receive_transfer(sent, on=D(2020, 3, 20), by=personas.ward_b_officer, today=NOW)
    assert t.received_in == org.cell_b1
    stint = Stint.objects.get(membership=t.membership, start_on=D(2020, 3, 20))
    assert stint.unit == org.cell_b1


def test_another_cell_of_the_receiving_organisation(org, personas, sent):
    b2 = OrgUnit.objects.get(code="B2")
    t = tr.receive_transfer(sent, on=D(2020, 3, 20), cell=b2, by=personas.ward_b_officer, today=NOW)
    assert (t.to_unit, t.received_in) == (org.cell_b1, b2)
    assert Stint.objects.get(membership=t.membership, start_on=D(2020, 3, 20)).unit == b2
    assert structure(b2, D(2020, 3, 20)).figures["members"] == 1
    assert structure(org.cell_b1, D(2020, 3, 20)).figures["members"] == 1  # Cường only
    entry = AuditEntry.objects.filter(action="UPDATE", object_id=str(t.pk)).latest("pk")
    assert "transfer" in entry.model.lower()
    assert (entry.before["received_in_id"], entry.after["received_in_id"]) == (None, b2.pk)


def test_the_transfer_rows_name_the_cell_joined(org, personas, sent, client):
    b2 = OrgUnit.objects.get(code="B2")
    tr.receive_transfer(sent, on=D(2020, 3, 20), cell=b2, by=personas.ward_b_officer, today=NOW)
    client.force_login(personas.city_officer)
    joined = f"(Chi bộ tiếp nhận sinh hoạt: {b2.name})"
    page = client.get(f"/people/{sent.membership.person_id}/", HTTP_ACCEPT_LANGUAGE="vi")
    assert joined in page.content.decode()
    # The city's list spans two wards: each cell with its ward.
    listed = f"(Chi bộ tiếp nhận sinh hoạt: {b2.name} – {org.ward_b.name})"
    assert listed in client.get("/transfers/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()


@pytest.mark.parametrize(
    "code, says",
    [
        ("A2", "không thuộc Đảng bộ phường B"),  # a cell of another organisation
        ("B3", "không tồn tại vào ngày 20/03/2020"),  # closed before the arrival
        ("WARDB", "không phải là chi bộ"),  # the organisation itself holds no member
    ],
)
def test_a_cell_outside_or_closed_is_refused_and_nothing_written(org, personas, sent, code, says):
    before = (Stint.objects.count(), AuditEntry.objects.count())
    with pytest.raises(InvalidField, match=says) as e:
        tr.receive_transfer(
            sent,
            on=D(2020, 3, 20),
            cell=OrgUnit.objects.get(code=code),
            by=personas.ward_b_officer,
            today=NOW,
        )
    assert e.value.field == "cell"
    sent.refresh_from_db()
    assert (sent.received_on, sent.received_in) == (None, None)
    assert (Stint.objects.count(), AuditEntry.objects.count()) == before


def test_the_receipt_page_offers_the_open_cells_and_refuses_another(client, org, personas, sent):
    client.force_login(personas.ward_b_officer)
    url = f"/transfers/{sent.pk}/receive/"
    body = client.get(url, **VI).content.decode()
    b2 = OrgUnit.objects.get(code="B2")
    assert f'<option value="{org.cell_b1.pk}" selected>Chi bộ Tổ dân phố 1 (B) (' in body
    assert f'<option value="{b2.pk}">Chi bộ Tổ dân phố 2 (B)</option>' in body
    assert "Chi bộ Tổ dân phố 3 (B)" not in body and "Chi bộ Tổ dân phố 2<" not in body
    bad = client.post(url, {"on": "20/03/2020", "cell": str(org.cell_a2.pk)}, **VI)
    assert bad.status_code == 200
    assert "không thuộc Đảng bộ phường B" in bad.content.decode()
    assert Transfer.objects.get(pk=sent.pk).received_on is None
    bad = client.post(url, {"on": "20/03/2020", "cell": "99999"}, **VI)
    assert "Chọn đơn vị trong danh sách" in bad.content.decode()
    done = client.post(url, {"on": "20/03/2020", "cell": str(b2.pk)}, **VI)
    assert done.status_code == 302
    assert Transfer.objects.get(pk=sent.pk).received_in == b2
    body = client.get(f"/people/{org.an.pk}/", **VI).content.decode()
    assert "Chi bộ Tổ dân phố 2 (B)" in body


def test_the_api_takes_a_cell_code(client, org, personas, sent):
    client.force_login(personas.ward_b_officer)
    url = f"/api/transfers/{sent.pk}/receive"
    bad = client.post(
        url, json.dumps({"on": "2020-03-20", "cell": "A2"}), content_type="application/json"
    )
    assert bad.status_code == 422, bad.content
    assert "không thuộc" in str(bad.json())
    done = client.post(
        url, json.dumps({"on": "2020-03-20", "cell": "B2"}), content_type="application/json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["received_in"] == "B2" and done.json()["to_unit"] == "B1"


def test_the_receipt_offers_the_cells_open_on_the_arrival_date(client, org, personas, sent):
    """A cell closed since the arrival may still be the one joined; a cell opened after it
    may not. Before the date is typed the list holds every cell open some day from the
    issue to today, each with its dates; the date typed narrows it (htmx), and a form
    shown again with its error lists the cells of the date it holds."""
    b4 = f.unit("B4", "Chi bộ Tổ dân phố 4 (B)", K.CELL, org.ward_b, valid_to=D(2020, 4, 1))
    b5 = f.unit("B5", "Chi bộ Tổ dân phố 5 (B)", K.CELL, org.ward_b, valid_from=D(2021, 1, 1))
    client.force_login(personas.ward_b_officer)
    url = f"/transfers/{sent.pk}/receive/"
    body = client.get(url, **VI).content.decode()
    assert (
        f'<option value="{b4.pk}">Chi bộ Tổ dân phố 4 (B) (hoạt động đến hết ngày 31/03/2020)<'
        in body
    )
    assert (
        f'<option value="{b5.pk}">Chi bộ Tổ dân phố 5 (B) (hoạt động từ ngày 01/01/2021)<' in body
    )
    assert f'hx-get="/transfers/{sent.pk}/receive/cells/"' in body
    cells = client.get(f"{url}cells/", {"on": "20/03/2020"}, **VI).content.decode()
    assert f'<option value="{b4.pk}">Chi bộ Tổ dân phố 4 (B)</option>' in cells
    assert "Tổ dân phố 5 (B)" not in cells and "Tổ dân phố 3 (B)" not in cells
    later = client.get(f"{url}cells/", {"on": "01/02/2021"}, **VI).content.decode()
    assert "Tổ dân phố 5 (B)" in later and "Tổ dân phố 4 (B)" not in later
    unknown = client.get(f"{url}cells/", {"on": "31/02/2020"}, **VI).content.decode()
    assert "Tổ dân phố 4 (B) (hoạt động đến hết ngày" in unknown
    again = client.post(url, {"on": "20/03/2020", "cell": str(org.cell_a2.pk)}, **VI)
    shown = again.content.decode()
    assert "Tổ dân phố 4 (B)</option>" in shown and "Tổ dân phố 5 (B)" not in shown
    refused = client.post(url, {"on": "20/03/2020", "cell": str(b5.pk)}, **VI)
    assert refused.status_code == 200 and Transfer.objects.get(pk=sent.pk).received_on is None
    done = client.post(url, {"on": "20/03/2020", "cell": str(b4.pk)}, **VI)
    assert done.status_code == 302 and Transfer.objects.get(pk=sent.pk).received_in == b4
    client.force_login(personas.ward_a_officer)  # the sending side does not receive
    assert client.get(f"{url}cells/", {"on": "20/03/2020"}).status_code == 403
