"""The structure statistics as a report: two dates side by side, one row per grassroots
organisation, and the XLSX document an office files (opened back and compared)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dangvien.orgs.models import OrgUnit
from dangvien.reports.structure import HEADLINE, ORG_KEYS, grassroots_rows, structure
from dangvien.reports.xlsx import PARTY, SIGN_LEFT, SIGN_RIGHT, structure_xlsx

from . import factories as f

D = dt.date
DAY = D(2017, 11, 30)
BEFORE = D(2016, 11, 30)  # Bình (cell A2) is admitted on 01/03/2017
FIRST_ROW = 10  # heading block rows 1–7, header row 9


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def table(ws) -> list[tuple]:
    """The rows of the sheet's table: from under the header down to the first blank row."""
    rows = []
    for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True):
        if r[0] is None:
            break
        rows.append(r)
    return rows


def texts(ws) -> list[str]:
    return [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]


def test_headline_sheet_matches_the_json(org):
    s = structure(org.city, DAY)
    data = s.as_json()
    wb = workbook(structure_xlsx(s))
    ws = wb.worksheets[0]
    rows = table(ws)
    assert rows[0][1] == data["members"] == 3
    for i, (key, _label) in enumerate(HEADLINE, 1):
        label, count, share = rows[i][:3]
        assert count == data[key], key
        assert share == pytest.approx(data["pct"][key] / 100, abs=1e-4), key
        assert 0 <= share <= 1
        cell = ws.cell(FIRST_ROW + i, 3)
        assert cell.number_format == "0.0%"
        assert ws.cell(FIRST_ROW + i, 2).number_format == "#,##0"
    women = dict((k, i) for i, (k, _l) in enumerate(HEADLINE, 1))["women"]
    assert rows[women][2] == pytest.approx(1 / 3, abs=1e-4)  # a fraction, not 33.33


def test_one_sheet_per_table_with_heading_and_signature(org):
    s = structure(org.ward_a, DAY)
    wb = workbook(structure_xlsx(s))
    # Headline, the eight breakdowns, the per-organisation table.
    assert len(wb.worksheets) == 1 + len(s.breakdowns) + 1
    for ws in wb.worksheets:
        words = texts(ws)
        assert PARTY == "ĐẢNG CỘNG SẢN VIỆT NAM" and PARTY in words
        assert ws["A1"].value == "ĐẢNG BỘ THÀNH PHỐ THỬ"  # the superior
        assert ws["A2"].value == "ĐẢNG ỦY PHƯỜNG A"  # the issuing committee
        assert "Thử, ngày 30 tháng 11 năm 2017" in words
        assert SIGN_LEFT in words and SIGN_RIGHT in words
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert len(ws.title) <= 31


def test_a_breakdown_sheet_matches_the_json(org):
    s = structure(org.city, DAY)
    data = s.as_json()["breakdowns"]["sex"]
    ws = workbook(structure_xlsx(s)).worksheets[1]  # the first breakdown: sex
    rows = table(ws)
    assert [(r[0], r[1]) for r in rows] == [(b["label"], b["count"]) for b in data]
    for r, b in zip(rows, data, strict=True):
        assert r[2] == pytest.approx(b["pct"] / 100, abs=1e-4)


def test_the_per_organisation_sheet_matches_the_rows_and_adds_up(org):
    s = structure(org.city, DAY)
    orgs = [o.as_json() for o in grassroots_rows(org.city, DAY)]
    assert [(o["code"], o["members"]) for o in orgs] == [("WARDA", 2), ("WARDB", 1)]
    ws = workbook(structure_xlsx(s)).worksheets[-1]
    rows = table(ws)
    body, total = rows[:-1], rows[-1]
    assert [r[0] for r in body] == ["Đảng bộ phường A", "Đảng bộ phường B"]
    for r, o in zip(body, orgs, strict=True):
        assert r[1] == o["members"]
        for i, (key, _label) in enumerate(ORG_KEYS):
            assert r[2 + 2 * i] == o[key], key
            assert r[3 + 2 * i] == pytest.approx(o["pct"][key] / 100, abs=1e-4), key
    assert body[0][2] == 1 and body[0][3] == pytest.approx(0.5)  # Bình: 1 woman of 2
    assert ws.cell(FIRST_ROW, 4).number_format == "0.0%"
    assert total[1] == s.figures["members"] == 3


def test_per_organisation_rows_sum_to_the_total_and_keep_outsiders(org):
    total = structure(org.city, DAY).figures["members"]
    assert sum(o.members for o in grassroots_rows(org.city, DAY)) == total
    # A cell straight under the city (no grassroots organisation): its own row.
    loose = f.unit("LOOSE", "Chi bộ trực thuộc lạ", OrgUnit.Kind.CELL, org.city)
    f.member(f.person("Hồ Văn Lạc"), loose, ceremony=D(2011, 1, 1))
    rows = grassroots_rows(org.city, DAY)
    assert sum(o.members for o in rows) == structure(org.city, DAY).figures["members"] == 4
    assert rows[-1].code == "" and rows[-1].members == 1
    # Below a grassroots organisation: that organisation's row, the unit's members only.
    below = grassroots_rows(org.cell_a1, DAY)
    assert [(o.code, o.members) for o in below] == [("WARDA", 1)]
    # On a date before Bình's admission, ward A had one member.
    assert [o.members for o in grassroots_rows(org.city, BEFORE)][:2] == [1, 1]


def test_per_organisation_rows_take_a_fixed_number_of_queries(org):
    for i in range(5):
        ward = f.unit(f"W{i}", f"Đảng bộ xã {i}", OrgUnit.Kind.GRASSROOTS_COMMITTEE, org.city)
        cell = f.unit(f"W{i}C", f"Chi bộ thôn {i}", OrgUnit.Kind.CELL, ward)
        f.member(f.person(f"Người Số {i}"), cell, ceremony=D(2012, 1, 1))
    with CaptureQueriesContext(connection) as ctx:
        rows = grassroots_rows(org.city, DAY)
    assert len(rows) == 7 and sum(o.members for o in rows) == 8
    assert len(ctx.captured_queries) <= 2


def test_compared_xlsx_has_both_dates_and_the_change(org):
    later, earlier = structure(org.city, DAY), structure(org.city, BEFORE)
    wb = workbook(structure_xlsx(later, earlier))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[FIRST_ROW - 1]]
    assert "30/11/2016" in header[1] and "30/11/2017" in header[3]
    members = table(ws)[0]
    assert members[1:6:2] == (2, 3, 1)  # on 30/11/2016, on 30/11/2017, change
    assert "Ngày 30/11/2016 và ngày 30/11/2017, có so sánh tăng, giảm" in texts(ws)
    women = table(ws)[1 + [k for k, _l in HEADLINE].index("women")]
    assert women[2] == pytest.approx(0.0) and women[4] == pytest.approx(1 / 3, abs=1e-4)
    assert women[6] == pytest.approx(1 / 3, abs=1e-4)
    assert ws.cell(FIRST_ROW + 1, 7).number_format.startswith("+0.0%")
    orgs = table(wb.worksheets[-1])
    assert [r[1:4] for r in orgs[:2]] == [(2, 1, 1), (1, 1, 0)]


def test_page_compares_two_dates(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(
        reverse("statistics"),
        {"unit": "CITY", "date": "30/11/2017", "compare": "30/11/2016"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="compare-headline"' in body
    assert "30/11/2016" in body and "30/11/2017" in body
    members = response.context["compared"]["headline"][0]
    assert (members.a, members.b, members.change) == (2, 3, 1)
    assert '<td class="num change">+1</td>' in body
    assert [(r["org"].code, r["before"], r["change"]) for r in response.context["orgs"]] == [
        ("WARDA", 1, 1),
        ("WARDB", 1, 0),
    ]
    # The Excel link carries both dates; the download has the compared tables.
    xlsx = client.get(
        reverse("statistics"),
        {"unit": "CITY", "date": "2017-11-30", "compare": "2016-11-30", "format": "xlsx"},
    )
    assert "compare=2016-11-30" in body
    assert table(workbook(xlsx.content).worksheets[0])[0][1:6:2] == (2, 3, 1)


def test_bad_compare_date_is_a_vietnamese_error(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(
        reverse("statistics"),
        {"unit": "CITY", "date": "30/11/2017", "compare": "31/02/2017"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "không phải là ngày hợp lệ" in body
    assert "So sánh với ngày: “31/02/2017”" in body  # names the field that was wrong
    assert response.context["compared"] is None
    assert 'value="31/02/2017"' in body  # kept for correction
    assert response.context["s"].figures["members"] == 3


def test_cli_writes_the_same_document_with_compare(org, tmp_path):
    out = tmp_path / "s.xlsx"
    call_command(
        "report", "structure", "--org", "CITY", "--as-of", "30/11/2017",
        "--compare", "30/11/2016", "--format", "xlsx", "-o", str(out),
    )  # fmt: skip
    wb = load_workbook(out)
    assert table(wb.worksheets[0])[0][1:6:2] == (2, 3, 1)
    assert SIGN_RIGHT in texts(wb.worksheets[-1])


def test_page_lists_the_first_organisations_and_counts_them_all(client, personas, org, monkeypatch):
    """A province has hundreds of grassroots organisations: the page lists the first
    ORGS_SHOWN in tree order, its total and heading count them all, a note says how many
    more there are, and the Excel file still has every row."""
    from dangvien.reports import views

    client.force_login(personas.city_officer)
    monkeypatch.setattr(views, "ORGS_SHOWN", 1)
    response = client.get(
        reverse("statistics"), {"unit": "CITY", "date": "30/11/2017"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    body = response.content.decode()
    assert [r["org"].code for r in response.context["orgs"]] == ["WARDA"]
    assert response.context["org_total"] == 3 and 'id="orgs-total">3<' in body
    assert "Theo tổ chức cơ sở đảng" in body and "(2)</h2>" in body
    assert "…và 1 tổ chức cơ sở đảng khác, đã tính trong dòng tổng" in body
    xlsx = client.get(
        reverse("statistics"), {"unit": "CITY", "date": "2017-11-30", "format": "xlsx"}
    )
    assert [r[0] for r in table(workbook(xlsx.content).worksheets[-1])][:2] == [
        "Đảng bộ phường A",
        "Đảng bộ phường B",
    ]


def test_the_organisation_table_follows_a_new_member(client, personas, org):
    """The table is kept between visits (`stats.fresh`) only until the rows change."""
    client.force_login(personas.city_officer)

    def ward_b() -> int:
        page = client.get(reverse("statistics"), {"unit": "CITY", "date": "30/11/2017"})
        return next(r["org"].members for r in page.context["orgs"] if r["org"].code == "WARDB")

    assert ward_b() == ward_b() == 1
    f.member(f.person("Đinh Văn Mới"), org.cell_b1, ceremony=D(2015, 1, 1))
    assert ward_b() == 2


def test_a_small_units_personal_figures_are_withheld_from_a_names_only_role(client, personas, org):
    """Ward A's members on 30/11/2017 are fewer than 10: a leader who sees names only is
    not shown its figures by sex, age, ethnicity and religion (with the names, they would
    tell who is who), on the page, in its Excel file or on the dashboard; the board, with
    the personal-data right, sees them all."""
    from dangvien.accounts.models import Role
    from dangvien.reports.structure import SMALL_GROUP

    assert structure(org.ward_a, D(2017, 11, 30)).figures["members"] < SMALL_GROUP
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    asked = {"unit": "WARDA", "date": "30/11/2017"}
    client.force_login(leader)
    page = client.get(reverse("statistics"), asked)
    body = page.content.decode()
    assert 'id="withheld"' in body and page.context["s"].average_age is None
    titles = [str(t) for t, _rows in page.context["breakdowns"]]
    assert len(titles) == 4 and not {"Giới tính", "Độ tuổi", "Dân tộc", "Tôn giáo"} & set(titles)
    assert "women" not in page.context["s"].figures and "Nữ" not in [
        str(label) for label, _n, _p in page.context["headline"]
    ]
    (row,) = [r for r in page.context["orgs"] if r["org"].code == "WARDA"]
    assert row["cells"][0] == (None, None) and "—" in body
    # Compared with another date, both dates are withheld alike.
    both = client.get(reverse("statistics"), {**asked, "compare": "30/11/2016"})
    assert "women" not in [r.key for r in both.context["compared"]["headline"]]
    xlsx = workbook(client.get(reverse("statistics"), {**asked, "format": "xlsx"}).content)
    assert not {"Giới tính", "Độ tuổi", "Dân tộc", "Tôn giáo"} & set(xlsx.sheetnames)
    assert "Nữ" not in [c for row in xlsx.worksheets[0].iter_rows(values_only=True) for c in row]
    dashboard = client.get(reverse("dashboard"), {"unit": "WARDA"})
    assert not {"sex", "age", "ethnicity", "religion"} & {
        c["key"] for c in dashboard.context["structure"]
    }
    client.force_login(personas.city_officer)
    full = client.get(reverse("statistics"), asked)
    assert 'id="withheld"' not in full.content.decode()
    assert "women" in full.context["s"].figures
