"""The development report's pipeline pace: median working days between the funnel's steps
and the deadlines missed in the period, on the page, in the JSON, the XLSX and the PDF.

Every date is in May–August 2019, where Vietnam has no public holiday, so the working
days are the weekdays; one Friday (23/08/2019) is recorded as a day off (`CalendarDay`)
and moves a due day. Ward A's dossiers, counted by hand:

- Xuân (cell A1): application Mon 06/05, cell vote Mon 03/06, decision Wed 28/08. The
  decision was due 60 working days after the vote: 12 weeks to Mon 26/08, one more for
  the day off, so Tue 27/08; it came one working day late. Vote → decision: 62 weekdays
  less the day off, 61. A decision voided (10/06) and a ceremony voided (30/08) count
  nowhere.
- Yến (cell A1): application Mon 20/05, vote Mon 03/06, decision Mon 17/06 (10 working
  days), received Wed 19/06: the ceremony was due 30 working days later, Wed 31/07; held
  Fri 02/08, 2 working days late. Decision → ceremony: 34.
- Zung (cell A2): application Mon 24/06, vote Mon 01/07 (5), decision Fri 05/07 (4),
  received Mon 08/07, ceremony Wed 10/07 (3 after the decision; due 19/08, on time).
- Phúc (cell A2): ceremony Fri 01/06/2018, probation ended Sat 01/06/2019; the cell's
  review was due 30 working days later, Fri 12/07; it met Mon 15/07 (1 late); the
  confirmation decision Mon 22/07 (5 working days after, due 26/08: on time).
- Ward B's Vĩnh: vote 03/06, decision Mon 02/12: late, but in ward B only.

Medians in 2019 for ward A: application → vote [20, 10, 5] → 10; vote → decision
[61, 10, 4] → 10; decision → ceremony [34, 3] → 18.5.
"""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dangvien.admission.models import CalendarDay, Candidate, Event, Stage
from dangvien.orgs.models import OrgUnit
from dangvien.reports.development import development
from dangvien.reports.pdf import development_pdf

from . import factories as f

D = dt.date
K = Event.Kind
YEAR = (D(2019, 1, 1), D(2019, 12, 31))


def dossier(name, cell, steps, stage=Stage.DECIDED):
    p = f.person(name, D(1995, 3, 3), "F")
    c = Candidate.objects.create(
        person=p, cell=cell, listed_on=D(2018, 1, 2), stage=stage, stage_since=D(2019, 1, 2)
    )
    for kind, day, *extra in steps:
        fields = extra[0] if extra else {}
        Event.objects.create(candidate=c, kind=kind, date=day, **fields)
    return c


@pytest.fixture
def pipeline(org):
    CalendarDay.objects.create(date=D(2019, 8, 23), kind=CalendarDay.Kind.OFF, note="Nghỉ bù")
    voided = {"voided_at": timezone.now(), "void_reason": "Ghi nhầm"}
    xuan = dossier(
        "Đỗ Thị Xuân",
        org.cell_a1,
        [
            (K.APPLICATION, D(2019, 5, 6)),
            (K.CELL_VOTE, D(2019, 6, 3)),
            (K.DECISION, D(2019, 6, 10), voided),
            (K.DECISION, D(2019, 8, 28)),
            (K.CEREMONY, D(2019, 8, 30), voided),
        ],
    )
    yen = dossier(
        "Mai Thị Yến",
        org.cell_a1,
        [
            (K.APPLICATION, D(2019, 5, 20)),
            (K.CELL_VOTE, D(2019, 6, 3)),
            (K.DECISION, D(2019, 6, 17), {"received_on": D(2019, 6, 19)}),
            (K.CEREMONY, D(2019, 8, 2)),
        ],
    )
    dossier(
        "Lò Thị Zung",
        org.cell_a2,
        [
            (K.APPLICATION, D(2019, 6, 24)),
            (K.CELL_VOTE, D(2019, 7, 1)),
            (K.DECISION, D(2019, 7, 5), {"received_on": D(2019, 7, 8)}),
            (K.CEREMONY, D(2019, 7, 10)),
        ],
    )
    phuc = dossier(
        "Hà Văn Phúc",
        org.cell_a2,
        [
            (K.CEREMONY, D(2018, 6, 1)),
            (K.CONFIRMATION_CELL_VOTE, D(2019, 7, 15)),
            (K.CONFIRMATION_DECISION, D(2019, 7, 22)),
        ],
        stage=Stage.CONFIRMED,
    )
    dossier(
        "Trịnh Văn Vĩnh",
        org.cell_b1,
        [(K.CELL_VOTE, D(2019, 6, 3)), (K.DECISION, D(2019, 12, 2))],
    )
    return {"xuan": xuan, "yen": yen, "phuc": phuc}


def funnel(report) -> dict[str, dict]:
    return {s["step"]: s for s in report.funnel}


def missed(report) -> dict[str, dict]:
    return {x["deadline"]: x for x in report.deadlines_missed}


def test_medians_and_deadlines_of_the_ward(pipeline, org):
    r = development(org.ward_a, *YEAR)
    steps = funnel(r)
    assert [steps[k]["candidates"] for k in ("APPLICATION", "CELL_VOTE", "DECISION")] == [3, 3, 3]
    assert steps["CEREMONY"]["candidates"] == 2  # Xuân's voided ceremony left out
    assert (steps["CELL_VOTE"]["median_working_days"], steps["CELL_VOTE"]["timed"]) == (10, 3)
    assert (steps["DECISION"]["median_working_days"], steps["DECISION"]["timed"]) == (10, 3)
    assert (steps["CEREMONY"]["median_working_days"], steps["CEREMONY"]["timed"]) == (18.5, 2)
    # Phúc's ceremony (Fri 01/06/2018) → confirmation decision (Mon 22/07/2019): 296
    # weekdays; less 12 days off (03/09/2018, 31/12/2018, 01/01/2019, Tết 04–08/02/2019,
    # 15/04/2019, 29/04, 30/04, 01/05/2019), plus 2 Saturdays worked (05/01, 04/05/2019).
    assert steps["CONFIRMATION_DECISION"]["timed"] == 1
    assert steps["CONFIRMATION_DECISION"]["median_working_days"] == 286
    assert steps["LISTED"]["median_working_days"] is None and steps["LISTED"]["timed"] == 0
    m = missed(r)
    assert (m["decision"]["taken"], m["decision"]["late"]) == (3, 1)
    (late,) = m["decision"]["items"]
    assert late["person"] == "Đỗ Thị Xuân" and late["candidate_id"] == pipeline["xuan"].pk
    assert (late["due"], late["on"], late["late_working_days"]) == ("2019-08-27", "2019-08-28", 1)
    assert (m["ceremony"]["taken"], m["ceremony"]["late"]) == (2, 1)
    assert m["ceremony"]["pct"] == 50.0
    (late,) = m["ceremony"]["items"]
    assert (late["person"], late["due"], late["late_working_days"]) == (
        "Mai Thị Yến",
        "2019-07-31",
        2,
    )
    assert (m["confirmation_review"]["taken"], m["confirmation_review"]["late"]) == (1, 1)
    assert m["confirmation_review"]["items"][0]["due"] == "2019-07-12"
    assert (m["confirmation_decision"]["taken"], m["confirmation_decision"]["late"]) == (1, 0)


def test_without_the_day_off_the_decision_is_two_days_late(pipeline, org):
    CalendarDay.objects.get(date=D(2019, 8, 23)).delete()
    r = development(org.ward_a, *YEAR)
    (late,) = missed(r)["decision"]["items"]
    assert (late["due"], late["late_working_days"]) == ("2019-08-26", 2)
    # Vote → decision: Xuân 62, Yến 10, Zung 4.
    assert funnel(r)["DECISION"]["median_working_days"] == 10


def test_the_period_and_the_subtree_decide_what_counts(pipeline, org):
    # From July: Yến's decision (17/06) is outside; Xuân's (late) and Zung's inside.
    r = development(org.ward_a, D(2019, 7, 1), D(2019, 12, 31))
    m = missed(r)
    assert (m["decision"]["taken"], m["decision"]["late"]) == (2, 1)
    assert funnel(r)["DECISION"]["median_working_days"] == 32.5  # (61 + 4) / 2
    # Ward B alone: Vĩnh's decision was due 27/08 (the day off counts there too).
    b = missed(development(org.ward_b, *YEAR))["decision"]
    assert (b["taken"], b["late"]) == (1, 1)
    # The city: both wards.
    city = missed(development(org.city, *YEAR))["decision"]
    assert (city["taken"], city["late"]) == (4, 2)
    # 2018: nothing of these dossiers in the period except Phúc's ceremony.
    r2018 = development(org.ward_a, D(2018, 1, 1), D(2018, 12, 31))
    assert all(x["taken"] == 0 for x in r2018.deadlines_missed)
    assert funnel(r2018)["CEREMONY"]["candidates"] == 1


def test_the_page_shows_medians_and_late_dossiers_in_vietnamese(pipeline, client, personas):
    client.force_login(personas.ward_a_officer)
    page = client.get("/statistics/development/", {"from": "01/01/2019", "to": "31/12/2019"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Số ngày làm việc từ bước trước (trung vị)" in body
    assert "Thời hạn bị chậm trong kỳ" in body
    assert re.search(r"Tổ chức lễ kết nạp</td><td[^>]*>2</td><td[^>]*>18,5<", body)
    assert 'id="late-1">1<' in body and 'id="late-2">1<' in body
    assert 'id="open-2">1<' in body and 'id="open-1">0<' in body
    assert f'href="/candidates/{pipeline["xuan"].pk}/"' in body
    assert "27/08/2019" in body and "28/08/2019" in body
    for english in ("Median", "Deadline", "Late", "CEREMONY", "confirmation_review"):
        assert english not in body, english
    # Ward B's late decision is not ward A's.
    assert "Trịnh Văn Vĩnh" not in body


def test_command_json_xlsx_and_pdf_carry_the_same_figures(pipeline, org, tmp_path, capsys):
    args = ["report", "development", "--org", "WARDA", "--from", "2019-01-01", "--to", "2019-12-31"]
    call_command(*args)
    data = json.loads(capsys.readouterr().out)
    ceremony = next(s for s in data["funnel"] if s["step"] == "CEREMONY")
    assert ceremony["median_working_days"] == 18.5
    assert [x["late"] for x in data["deadlines_missed"]] == [1, 1, 1, 0]
    # Xuân's decision (28/08, nothing received) put her ceremony due 30 working days
    # later, in October: still not held on 31/12, so open at the end of the year (the
    # alerts page lists such dossiers); no other deadline ran out untaken.
    assert [x["open"] for x in data["deadlines_missed"]] == [0, 1, 0, 0]
    out = tmp_path / "dev.xlsx"
    call_command(*args, "--format", "xlsx", "--output", str(out))
    capsys.readouterr()
    wb = load_workbook(out)
    ws = wb["Quy trình kết nạp"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=10, values_only=True) if r[0]}
    assert rows["Tổ chức lễ kết nạp"][1:4] == (2, 18.5, 2)
    ws = wb["Thời hạn bị chậm"]
    table = [r for r in ws.iter_rows(min_row=10, values_only=True) if r[0] and r[1] is not None]
    assert [(r[1], r[2]) for r in table] == [
        (x["taken"], x["late"]) for x in data["deadlines_missed"]
    ]
    late = wb["Hồ sơ chậm thời hạn"]
    names = [r[1] for r in late.iter_rows(min_row=10, values_only=True) if isinstance(r[0], int)]
    assert names == ["Đỗ Thị Xuân", "Mai Thị Yến", "Hà Văn Phúc"]
    due = [r[4] for r in late.iter_rows(min_row=10, values_only=True) if isinstance(r[0], int)]
    assert due[0].date() == D(2019, 8, 27)
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(development_pdf(development(org.ward_a, *YEAR)))).pages
    )
    assert "Thời hạn bị chậm trong kỳ" in text and "Hồ sơ chậm thời hạn" in text
    assert "18,5" in text and "Đỗ Thị Xuân" in text and "27/08/2019" in text


def rows_index(ws, label: str) -> int:
    for row in ws.iter_rows(min_row=1):
        if row[0].value == label:
            return row[0].row
    raise AssertionError(label)


def test_development_xlsx_house_style_and_counts(org, tmp_path, capsys):
    call_command(
        "report",
        "development",
        "--org",
        "WARDA",
        "--from",
        "2017-01-01",
        "--to",
        "2017-12-31",
        "--format",
        "xlsx",
        "-o",
        str(tmp_path / "d.xlsx"),
    )
    assert capsys.readouterr().out.strip().endswith("d.xlsx")
    wb = load_workbook(tmp_path / "d.xlsx")
    ws = wb["Tổng hợp"]
    assert ws["A1"].value == "ĐẢNG BỘ THÀNH PHỐ THỬ"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in [c.value for c in ws[1]]
    assert ws["A5"].value == "BÁO CÁO KẾT QUẢ KẾT NẠP ĐẢNG VIÊN"
    assert ws["A7"].value == "Từ ngày 01/01/2017 đến ngày 31/12/2017"
    assert [c.value for c in ws[9]][:2] == ["Chỉ tiêu", "Số lượng"]
    assert ws["B10"].value == 1 and ws["B10"].number_format == "#,##0"  # Bình
    values = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "NGƯỜI LẬP BIỂU" in values and "T/M BAN THƯỜNG VỤ" in values
    ws = wb["Theo dân tộc"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=10, values_only=True) if r[0]}
    assert rows["Dân tộc thiểu số"][1:] == (1, 1.0) and rows["Kinh"][1:] == (0, 0.0)
    # The priority groups overlap (one person in several): their total is the admissions.
    groups = [r for r in wb["Theo nhóm ưu tiên"].iter_rows(min_row=10, values_only=True) if r[0]]
    assert ("Tổng số (một người có thể thuộc nhiều nhóm)", 1) in [g[:2] for g in groups]
    org_rows = [r for r in wb["Theo tổ chức cơ sở đảng"].iter_rows(min_row=10, values_only=True)]
    assert org_rows[0][:3] == (1, "Đảng bộ phường A", 1)
    assert int(ws.page_setup.paperSize) == 9  # A4


def test_coverage_and_targets_xlsx_match_the_json(org, tmp_path, capsys):
    from dangvien.orgs.models import Locality
    from dangvien.targets.models import Target, Term

    f.locality("WA-TH3", "Thôn Đồi Thông", Locality.Kind.HAMLET, org.ward_a_loc)
    term = Term.objects.create(
        unit=org.city, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    Target.objects.create(term=term, unit=org.city, metric="ADMITTED", value=4)
    Target.objects.create(term=term, unit=org.city, metric="OWN_CELL", value=100)
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=3)
    Target.objects.create(term=term, unit=org.ward_b, metric="ADMITTED", value=1)
    call_command("report", "coverage", "--org", "CITY", "--as-of", "2017-11-30")
    data = json.loads(capsys.readouterr().out)
    call_command(
        "report", "coverage", "--org", "CITY", "--as-of", "2017-11-30", "--format", "xlsx",
        "-o", str(tmp_path / "c.xlsx"),
    )  # fmt: skip
    assert capsys.readouterr().out.strip().endswith("c.xlsx")
    wb = load_workbook(tmp_path / "c.xlsx")
    summary = {r[0]: r[1] for r in wb["Tổng hợp"].iter_rows(min_row=10, values_only=True) if r[0]}
    # Four localities (three residential groups and the hamlet), the hamlet without member
    # nor cell: as in the JSON.
    assert summary["Thôn, làng, tổ dân phố trên địa bàn"] == data["localities"] == 4
    assert summary["Thôn, làng, tổ dân phố chưa có đảng viên"] == 1
    assert data["localities_without_members"] == 1
    assert summary["Chi bộ có dưới 3 đảng viên chính thức"] == data["cells_too_small"]
    empty = wb["Chưa có đảng viên (1)"]
    rows = [r for r in empty.iter_rows(min_row=10, values_only=True) if r[0] == 1]
    assert rows == [(1, "WA-TH3", "Thôn Đồi Thông", "Phường A")]
    # Targets: 1 admitted (Bình, 2017) of 4, a count; own cell a share.
    call_command("report", "targets", "--org", "CITY", "--as-of", "2017-11-30")
    targets = json.loads(capsys.readouterr().out)["targets"]
    call_command(
        "report", "targets", "--org", "CITY", "--as-of", "2017-11-30", "--format", "xlsx",
        "-o", str(tmp_path / "t.xlsx"),
    )  # fmt: skip
    ws = load_workbook(tmp_path / "t.xlsx")["Tiến độ chỉ tiêu"]
    rows = [r for r in ws.iter_rows(min_row=10, values_only=True) if isinstance(r[0], int)]
    assert len(rows) == len(targets) == 4
    by_metric = {t["metric_name"]: t for t in targets if t["unit"] == "CITY"}
    rows = [r for r in rows if r[2] == "Đảng bộ thành phố Thử"]
    for r in rows:
        t = by_metric[r[1]]
        share = t["metric"] == "OWN_CELL"
        assert r[2] == "Đảng bộ thành phố Thử" and r[3] == "2015–2020"
        assert r[4] == (t["target"] / 100 if share else t["target"])
        assert r[6] == (round(t["actual"] / 100, 4) if share else t["actual"])
        assert r[7] == round(t["pct"] / 100, 4)
    admitted = next(r for r in rows if by_metric[r[1]]["metric"] == "ADMITTED")
    # 1 admitted of 4; ward A's target of 3 and ward B's of 1 make the children's sum.
    assert admitted[6] == 1 and admitted[7] == 0.25 and admitted[5] == 4
    cell = next(c for c in ws[rows_index_int(ws)] if c.column == 8)
    assert cell.number_format == "0.0%"


def rows_index_int(ws) -> int:
    for row in ws.iter_rows(min_row=10):
        if isinstance(row[0].value, int):
            return row[0].row
    raise AssertionError("no row")


def test_unknown_unit_in_xlsx_is_refused(org, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command(
            "report", "targets", "--org", "NOPE", "--as-of", "2017-11-30", "--format", "xlsx",
            "-o", str(tmp_path / "x.xlsx"),
        )  # fmt: skip
    assert not (tmp_path / "x.xlsx").exists()
    assert OrgUnit.objects.filter(code="NOPE").count() == 0


def test_the_report_draft_states_the_periods_pace(pipeline, org):
    from dangvien.reports.draft import draft

    sections = dict(draft(org.ward_a, *YEAR).sections)
    text = " ".join(sections["Nguồn kết nạp và thời hạn hồ sơ"])
    assert "có quyết định kết nạp: 10" in text and "tổ chức lễ kết nạp: 18,5" in text
    assert "quyết định kết nạp chậm so với nghị quyết chi bộ: 1/3" in text
    assert "lễ kết nạp chậm so với ngày nhận quyết định: 1/2" in text


def test_working_day_spans_agree_with_the_calendar():
    """The report's span arithmetic is the calendar's own, across Tết and a recorded day
    off, asked in any order (an earlier day re-bases it)."""
    from dangvien.reports.pipeline import Days
    from dangvien.rules.calendar import add_working_days, working_days_between

    off = {D(2019, 8, 23): False, D(2019, 3, 9): True}
    days = Days(off, D(2019, 1, 1), D(2019, 2, 1))
    for a, b in [
        (D(2019, 1, 15), D(2019, 3, 20)),
        (D(2019, 6, 3), D(2019, 8, 28)),
        (D(2018, 12, 20), D(2019, 2, 14)),
        (D(2019, 8, 28), D(2019, 6, 3)),
    ]:
        assert days.between(a, b) == working_days_between(a, b, off), (a, b)
    for a, n in [(D(2019, 1, 25), 30), (D(2019, 6, 3), 60), (D(2018, 11, 2), 90)]:
        assert days.add(a, n) == add_working_days(a, n, off), (a, n)


def test_the_pages_export_the_office_workbooks(client, personas, org):
    from dangvien.accounts.models import AuditEntry

    client.force_login(personas.ward_a_officer)
    page = client.get("/statistics/development/", {"from": "01/01/2017", "to": "31/12/2017"})
    assert "format=xlsx" in page.content.decode()
    response = client.get(
        "/statistics/development/", {"from": "01/01/2017", "to": "31/12/2017", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert "phat-trien-dang-vien-WARDA-20170101-20171231.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["Tổng hợp"]["B10"].value == 1  # Bình, as the JSON's `admitted`
    coverage_page = client.get("/statistics/coverage/", {"date": "30/11/2017"}).content.decode()
    assert 'id="coverage-xlsx"' in coverage_page
    response = client.get("/statistics/coverage/", {"date": "30/11/2017", "format": "xlsx"})
    summary = load_workbook(io.BytesIO(response.content))["Tổng hợp"]
    assert summary["A10"].value == "Thôn, làng, tổ dân phố trên địa bàn"
    assert summary["B10"].value == 2  # ward A's two residential groups
    response = client.get("/targets/", {"date": "30/11/2017", "format": "xlsx"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Tiến độ chỉ tiêu"]
    # Out of scope: no workbook, the page says the code is unknown.
    for url in ("/statistics/coverage/", "/statistics/development/", "/targets/"):
        refused = client.get(url, {"unit": "WARDB", "format": "xlsx"})
        assert "Content-Disposition" not in refused, url
        assert "WARDB" in refused.content.decode()
    details = set(
        AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).values_list("detail", flat=True)
    )
    assert "development report 2017-01-01–2017-12-31 (xlsx)" in details
    assert "coverage report 2017-11-30 (xlsx)" in details
    assert "targets report 2017-11-30 (xlsx)" in details
