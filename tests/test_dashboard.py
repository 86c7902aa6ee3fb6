"""The dashboard and its server-drawn charts."""

import datetime as dt
import re

from dangvien.reports.charts import bar_chart, line_chart
from dangvien.targets.models import Target, Term

D = dt.date


def test_charts_are_svg_without_style_or_script():
    svg = bar_chart("Kết nạp", ["01/26", "02/26"], [3, 5], marks=[4, 4])
    assert svg.startswith("<svg") and svg.count("<rect") == 2 and "<polyline" in svg
    assert "style=" not in svg and "<script" not in svg
    line = line_chart("Đảng viên", ["2010", "2011", "hôm nay"], [7650, 7700, 7720])
    assert line.count("<circle") == 3 and "hôm nay: 7.720</title>" in line


def test_dashboard_for_the_board(client, personas, org):
    today = dt.date.today()
    term = Term.objects.create(
        unit=org.city, name="2025–2030", start=D(2025, 7, 1), end=D(2030, 6, 30)
    )
    Target.objects.create(term=term, unit=org.city, metric="ADMITTED", value=10)
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=6)
    client.force_login(personas.city_officer)
    body = client.get("/dashboard/", {"unit": "CITY"}).content.decode()
    assert re.search(r'id="dash-members">3<', body)
    # Members over time, admissions per month, targets by unit; then the structure charts.
    structure = body.count('class="chart chart-bars"')
    assert structure == 5 and body.count("<svg") == 3 + structure
    assert "Đảng bộ phường A" in body and str(today.year) in body


def test_dashboard_for_a_ward_officer_shows_the_ward(client, personas, org):
    client.force_login(personas.ward_b_officer)
    body = client.get("/dashboard/").content.decode()
    assert 'id="dash-members">1<' in body and "Đảng bộ phường B" in body


def test_the_targets_chart_names_its_units_not_their_codes(client, personas, org):
    term = Term.objects.create(
        unit=org.city, name="2025–2030", start=D(2025, 7, 1), end=D(2030, 6, 30)
    )
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=6)
    client.force_login(personas.city_officer)
    body = client.get("/dashboard/", {"unit": "CITY"}).content.decode()
    chart = body.split("<svg")[3].split("</svg>")[0]  # members, admissions, then targets
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert "phường A" not in labels and "A" in labels  # 'Đảng bộ phường A' under its bar
    assert "WARDA" not in chart


def test_a_chart_of_small_counts_names_each_grid_line_once():
    """One admission in a month: the axis reads 0, 1, 2, 3, 4, not 0, 0, 1, 1, 1."""
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', bar_chart("x", ["a"], [1]))
    assert ticks == ["0", "1", "2", "3", "4"]
    line = line_chart("x", ["2025", "2026"], [0, 3])
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', line)
    assert len(set(ticks)) == 5


def test_the_term_card_names_the_term_once(client, personas, org):
    """A term named 'Nhiệm kỳ 2025–2030' reads 'so với đầu nhiệm kỳ 2025–2030', never
    'đầu nhiệm kỳ Nhiệm kỳ …'; a name that is only the years reads the same."""
    today = dt.date.today()
    start, end = today - dt.timedelta(days=100), today + dt.timedelta(days=1000)
    term = Term.objects.create(unit=org.city, name="Nhiệm kỳ 2025–2030", start=start, end=end)
    client.force_login(personas.city_officer)
    body = client.get("/dashboard/", {"unit": "CITY"}).content.decode()
    assert "so với đầu nhiệm kỳ 2025–2030<" in body
    assert "nhiệm kỳ Nhiệm kỳ" not in body
    term.name = "2025–2030"
    term.save(update_fields=["name"])
    body = client.get("/dashboard/", {"unit": "CITY"}).content.decode()
    assert "so với đầu nhiệm kỳ 2025–2030<" in body
    assert Term(name="nhiem ky XV").span == "XV" and Term(name="Nhiệm kỳ").span == "Nhiệm kỳ"


def test_grid_lines_fall_on_round_numbers():
    """Found in the demo: a chart of members read 7.406 / 7.810 / 8.213, one of
    admissions 0 / 309 / 617. Every grid line is now a round step from a round base."""

    def ticks(svg: str) -> list[int]:
        found = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', svg)
        return [int(t.replace(".", "")) for t in found]

    members = ticks(line_chart("x", ["2024", "2025", "today"], [7406, 7810, 8213]))
    assert members == [7250, 7500, 7750, 8000, 8250]
    admissions = ticks(bar_chart("x", ["a", "b"], [1110, 300]))
    assert admissions == [0, 500, 1000, 1500, 2000]
    for chart in (members, admissions):
        steps = {b - a for a, b in zip(chart, chart[1:], strict=False)}
        assert len(steps) == 1 and chart[0] % steps.pop() == 0
