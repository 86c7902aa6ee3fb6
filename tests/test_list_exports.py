"""Every list exports its filtered view to XLSX and CSV; lists with personal data ask
for a purpose (recorded) and stay inside the user's scope."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from dangvien.accounts.models import AuditEntry

from .admission_helpers import lan


def rows_of(response):
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_unit_tree_and_localities_export_what_the_page_shows(client, personas, fmt):
    client.force_login(personas.ward_a_officer)
    units = rows_of(client.get(f"/units/?date=2017-11-30&format={fmt}"))
    assert units[0][:2] == ["Mã", "Đơn vị"]
    assert [r[0] for r in units[1:]] == ["WARDA", "A1", "A2"]  # ward A's subtree only
    assert units[1][-1] in (2, "2")  # members on the date, rolled up
    localities = rows_of(client.get(f"/localities/?date=2017-11-30&format={fmt}"))
    assert [r[1] for r in localities[1:]] == ["WA-TDP1", "WA-TDP2"]
    assert localities[1][4] == "Chi bộ Tổ dân phố 1"


def test_source_list_export_needs_a_purpose_and_keeps_to_scope(client, personas, org):
    lan(org)
    client.force_login(personas.ward_a_officer)
    page = client.get("/candidates/?unit=WARDA&format=csv")
    assert page["Content-Type"].startswith("text/html") and "mục đích" in page.content.decode()
    response = client.get("/candidates/?unit=WARDA&format=csv&purpose=báo cáo cấp ủy")
    rows = rows_of(response)
    assert rows[1][:2] == ["Vũ Thị Lan", "15/08/1995"] or rows[1][:2] == [
        "Vũ Thị Lan",
        "1995-08-15",
    ]
    assert AuditEntry.objects.filter(action="EXPORT", detail__contains="báo cáo cấp ủy").exists()
    client.force_login(personas.ward_b_officer)
    response = client.get("/candidates/?format=xlsx&purpose=báo cáo cấp ủy")
    assert "Vũ Thị Lan" not in str(rows_of(response))


def test_alerts_export(client, personas, org):
    lan(org, birth=dt.date(2000, 1, 1))
    client.force_login(personas.ward_a_officer)
    rows = rows_of(client.get("/alerts/?date=2017-12-15&format=xlsx&purpose=rà soát hạn"))
    assert rows[0][:3] == ["Quần chúng", "Chi bộ", "Cảnh báo"]
    assert any(r[0] == "Vũ Thị Lan" and "18" in r[2] for r in rows[1:]), rows


def test_the_people_workbook_has_date_cells_and_a_named_sheet(client, personas, org):
    client.force_login(personas.ward_a_officer)
    response = client.get(
        "/people/", {"q": "Nguyễn Văn An", "format": "xlsx", "purpose": "rà soát"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Danh sách"
    cell = sheet.cell(2, 2)
    assert sheet.cell(2, 1).value == "Nguyễn Văn An"
    assert cell.value.date() == org.an.birth_date and cell.number_format == "DD/MM/YYYY"
    csv_rows = rows_of(
        client.get("/people/", {"q": "Nguyễn Văn An", "format": "csv", "purpose": "rà soát"})
    )
    assert csv_rows[1][1] == org.an.birth_date.strftime("%d/%m/%Y")


def test_an_alert_without_a_deadline_is_not_marked_overdue_in_the_file(org):
    """An introducer who left the cell needs action at once but has no deadline: the
    file's "Quá hạn" column says nothing rather than "có" beside an empty date."""
    from dangvien.admission.deadlines import Alert
    from dangvien.admission.views import alert_rows, name_cells

    c = lan(org)
    name_cells([c])  # (as the view does before writing the file)
    rows = list(
        alert_rows(
            [
                Alert(c, "introducer_left", "Người giới thiệu đã chuyển đi", None, True),
                Alert(c, "deadline", "Hạn", dt.date(2017, 1, 1), True),
            ],
            [],
        )
    )
    assert [r[4] for r in rows] == ["", "có"]
