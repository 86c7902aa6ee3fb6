"""The dashboard's structure charts: one server-drawn SVG per breakdown (sex, age bands,
ethnicity, general education, political theory), each with its table, no inline style or
script (the strict CSP), readable in print.

The city on 30/11/2017, counted by hand: An (M, born 01/05/1980: 37), Bình (F, Gia-rai,
10/02/1995: 22), Cường (M, 07/07/1960: 57), and in this test Hoa (F, 01/01/1950: 67) in
cell B1 and Khánh (M, 01/06/1990: 27, intermediate political theory) in cell A1. Five
members: men 3 (60%), women 2 (40%); aged ≤ 30: 2 (40%), 36–40, 56–60 and > 60: 1 each
(20%); Kinh 4 (80%), Gia-rai 1 (20%); political theory none 4, intermediate 1.
"""

import datetime as dt
import re

import pytest

from dangvien.reports import dashboard
from dangvien.reports.charts import hbar_chart

from . import factories as f

D = dt.date


@pytest.fixture
def five(org, monkeypatch):
    monkeypatch.setattr(dashboard, "today", lambda: D(2017, 11, 30))
    hoa = f.person("Đặng Thị Hoa", D(1950, 1, 1), "F")
    f.member(hoa, org.cell_b1, ceremony=D(1975, 5, 1))
    khanh = f.person("Lý Văn Khánh", D(1990, 6, 1), "M", political_theory="INTERMEDIATE")
    f.member(khanh, org.cell_a1, ceremony=D(2016, 4, 1))
    return org


def sections(body: str) -> dict[str, str]:
    """{the chart's title: its section's HTML} of the structure charts."""
    found = re.findall(
        r'<section class="chart-block structure"[^>]*><h4>(.*?)</h4>(.*?)</section>', body, re.S
    )
    return dict(found)


def table(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<tr><td>(.*?)</td><td class="num">(.*?)</td><td class="num">(.*?)</td></tr>', html
    )


def test_structure_charts_of_the_city(client, personas, five):
    client.force_login(personas.city_officer)
    page = client.get("/dashboard/", {"unit": "CITY"})
    body = page.content.decode()
    assert 'id="dash-members">5<' in body
    assert "Cơ cấu đảng viên ngày 30/11/2017" in body
    charts = sections(body)
    assert list(charts) == [
        "Giới tính",
        "Độ tuổi",
        "Dân tộc",
        "Giáo dục phổ thông",
        "Lý luận chính trị",
    ]
    assert table(charts["Giới tính"]) == [("Nam", "3", "60,0"), ("Nữ", "2", "40,0")]
    assert table(charts["Độ tuổi"]) == [
        ("≤ 30", "2", "40,0"),
        ("36–40", "1", "20,0"),
        ("56–60", "1", "20,0"),
        ("&gt; 60", "1", "20,0"),
    ]
    assert table(charts["Dân tộc"]) == [("Kinh", "4", "80,0"), ("Gia-rai", "1", "20,0")]
    assert table(charts["Lý luận chính trị"]) == [
        ("Không", "4", "80,0"),
        ("Trung cấp", "1", "20,0"),
    ]
    for title, html in charts.items():
        svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
        assert f'aria-label="{title}"' in svg
        # One bar per row of the table beside it; the figure and share written at the end.
        assert svg.count("<rect") == len(table(html)), title
        assert "style=" not in svg and "<script" not in svg and "on" + "load" not in svg
    ages = charts["Độ tuổi"]
    widths = [float(w) for w in re.findall(r'<rect x="190" y="[^"]+" width="([^"]+)"', ages)]
    assert widths[0] == 2 * widths[1] == 2 * widths[2] == 2 * widths[3]  # 2 : 1 : 1 : 1
    assert "2 (40%)</text>" in ages and "1 (20%)</text>" in ages
    # No inline style anywhere on the page: the CSP forbids it.
    assert "style=" not in body
    assert "style-src 'self'" in page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]


def test_a_ward_sees_its_own_structure(client, personas, five):
    client.force_login(personas.ward_a_officer)
    charts = sections(client.get("/dashboard/").content.decode())
    # Ward A: An (37), Bình (22, F, Gia-rai), Khánh (27).
    assert table(charts["Giới tính"]) == [("Nam", "2", "66,7"), ("Nữ", "1", "33,3")]
    assert table(charts["Độ tuổi"]) == [("≤ 30", "2", "66,7"), ("36–40", "1", "33,3")]


def test_empty_unit_has_no_structure_chart(client, personas, org, monkeypatch):
    monkeypatch.setattr(dashboard, "today", lambda: D(1980, 1, 1))  # before every member
    client.force_login(personas.city_officer)
    body = client.get("/dashboard/", {"unit": "CITY"}).content.decode()
    assert sections(body) == {} and 'id="structure-charts"' not in body


def test_hbar_chart_escapes_and_draws_one_bar_per_row():
    svg = hbar_chart("Cơ cấu <1>", ["A & B", "C"], [4, 0], shares=[100.0, 0.0])
    assert svg.startswith("<svg") and svg.count("<rect") == 2
    assert "A &amp; B: 4 (100%)" in svg and "Cơ cấu &lt;1&gt;" in svg
    assert 'width="0.0"' in svg  # an empty category keeps its row, with no bar
    assert "style=" not in svg and "<script" not in svg


def test_dashboard_pdf_has_the_structure_tables(client, personas, five):
    """The PDF of the dashboard (today: the five members, men 3 of 5) prints the tables."""
    import io

    from pypdf import PdfReader

    client.force_login(personas.city_officer)
    response = client.get("/dashboard/report.pdf", {"unit": "CITY"})
    assert response.status_code == 200
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages
    ).replace("\n", " ")
    assert "Cơ cấu đảng viên: giới tính" in text
    assert "Cơ cấu đảng viên: lý luận chính trị" in text
    assert "Nam 3 60%" in text and "Trung cấp 1 20%" in text
