"""The reports as documents: each PDF read back with a text extractor and its figures
compared with the JSON of the same report; the periodic report draft (DOCX) read back with
python-docx and its sentences' figures compared with the report functions' results."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from docx import Document
from pypdf import PdfReader

from dangvien.accounts.models import AuditEntry
from dangvien.admission.documents import date_line
from dangvien.reports.coverage import coverage
from dangvien.reports.development import development
from dangvien.reports.draft import draft
from dangvien.reports.structure import structure
from dangvien.targets.models import Target, Term
from dangvien.targets.pace import targets_report

D = dt.date
START, END = D(2017, 1, 1), D(2017, 12, 31)


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4 portrait
    return "\n".join(page.extract_text() for page in reader.pages)


def vi(x: float) -> str:
    """Vietnamese decimals: 10, 16,7."""
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}".replace(".", ",")


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def heading_of(text: str, place: str, day: dt.date) -> None:
    flat = one_line(text)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in flat
    assert "THÀNH ỦY THỬ" in flat  # the issuing committee of 'Đảng bộ thành phố Thử'
    assert date_line(place, day) in flat


@pytest.fixture
def term(org):
    term = Term.objects.create(
        unit=org.city, name="2015–2020", start=D(2015, 7, 1), end=D(2020, 6, 30)
    )
    Target.objects.create(term=term, unit=org.city, metric="ADMITTED", value=10)
    Target.objects.create(term=term, unit=org.ward_a, metric="ADMITTED", value=6)
    return term


def test_development_pdf_has_the_figures_of_the_json(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(
        "/statistics/development/report.pdf",
        {"unit": "CITY", "from": "01/01/2017", "to": "31/12/2017"},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    data = development(org.city, START, END).as_json()
    assert data["admitted"] == 1  # Bình, admitted on 01/03/2017
    text = one_line(pdf_text(response.content))
    heading_of(text, "Thử", END)
    assert "BÁO CÁO KẾT QUẢ KẾT NẠP ĐẢNG VIÊN" in text
    assert f"Số đảng viên được kết nạp: {data['admitted']}." in text
    assert f"Số đảng viên được công nhận chính thức: {data['confirmed']}." in text
    for row in data["by_org"]:
        assert f"{row['name']} {row['admitted']}" in text
        assert row["code"] not in text  # the codes split across lines: not printed
    assert f"Tổng cộng {data['admitted']}" in text
    for m in data["by_month"]:
        assert f"{m['month'][5:]}/{m['month'][:4]} {m['admitted']}" in text
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).latest("at")
    assert "development report 2017-01-01–2017-12-31 (pdf)" in entry.detail
    assert entry.username == personas.city_officer.username


def test_coverage_pdf_has_the_counts_of_the_json(client, personas, org):
    client.force_login(personas.ward_a_officer)
    response = client.get(
        "/statistics/coverage/report.pdf", {"unit": "WARDA", "date": "2018-01-01"}
    )
    assert response.status_code == 200
    data = coverage(org.ward_a, D(2018, 1, 1)).as_json()
    text = one_line(pdf_text(response.content))
    assert "ĐẢNG BỘ THÀNH PHỐ THỬ" in text and "ĐẢNG ỦY PHƯỜNG A" in text
    assert date_line("Thử", D(2018, 1, 1)) in text
    assert f"Thôn, làng, tổ dân phố trên địa bàn {data['localities']}" in text
    assert f"Thôn, làng, tổ dân phố chưa có đảng viên {data['localities_without_members']}" in text
    assert f"Chi bộ có dưới 3 đảng viên chính thức {data['cells_too_small']}" in text
    assert data["cells_too_small"] == 2  # A1 and A2 have one full member or none
    for item in data["lists"]["cells_too_small"]:
        assert f"{item['code']} {item['name']}" in text
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, detail="coverage report 2018-01-01 (pdf)"
    ).exists()


def test_targets_pdf_has_each_target_of_the_json(client, personas, org, term):
    client.force_login(personas.city_officer)
    response = client.get("/targets/report.pdf", {"unit": "CITY", "date": "30/11/2017"})
    assert response.status_code == 200
    paces = targets_report(org.city, D(2017, 11, 30))
    rows = [p.as_json() for p in paces]
    assert len(rows) == 2
    text = one_line(pdf_text(response.content))
    heading_of(text, "Thử", D(2017, 11, 30))
    for p, row in zip(paces, rows, strict=True):
        pct = vi(row["pct"]) + "%"
        # The unit by its name, as on the page and in the Excel file: not its code.
        name = p.target.unit.name
        assert f"{name} 2015–2020 {int(row['target'])} {int(row['actual'])} {pct}" in text
        assert f" {row['unit']} 2015–2020" not in text


def test_a_unit_out_of_scope_is_not_found_and_not_logged(client, personas, org):
    client.force_login(personas.ward_b_officer)
    before = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count()
    for url in (
        "/statistics/development/report.pdf",
        "/statistics/coverage/report.pdf",
        "/targets/report.pdf",
        "/reports/draft.docx",
        "/dashboard/report.pdf",
    ):
        assert client.get(url, {"unit": "WARDA"}).status_code == 404, url
        assert client.get(url, {"unit": "WARDB"}).status_code == 200, url
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() == before + 5


def test_bad_dates_are_refused_with_a_message(client, personas, org):
    client.force_login(personas.city_officer)
    response = client.get(
        "/statistics/development/report.pdf",
        {"unit": "CITY", "from": "31/12/2017", "to": "01/01/2017"},
    )
    assert response.status_code == 400
    assert (
        "kết thúc trước" in response.content.decode() or "ends before" in response.content.decode()
    )


def test_draft_docx_states_the_reports_figures(client, personas, org, term):
    client.force_login(personas.city_officer)
    response = client.get(
        "/reports/draft.docx", {"unit": "CITY", "from": "01/01/2017", "to": "30/11/2017"}
    )
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    head = doc.tables[0].rows[0].cells
    assert "THÀNH ỦY THỬ" in head[0].text and "Số: ……-BC/TU" in head[0].text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in head[1].text
    assert date_line("Thử", D(2017, 11, 30)) in head[1].text
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in text and "NHIỆM VỤ THỜI GIAN TỚI" in text
    end = D(2017, 11, 30)
    s = structure(org.city, end).figures
    assert s["members"] == 3
    assert (
        f"Đến ngày 30/11/2017, Đảng bộ thành phố Thử có {s['members']} đảng viên "
        f"(chính thức {s['official']}, dự bị {s['probationary']})" in text
    )
    r = development(org.city, D(2017, 1, 1), end)
    assert f"toàn đảng bộ kết nạp {r.admitted} đảng viên mới" in text
    own = [p for p in targets_report(org.city, end) if p.target.unit_id == org.city.pk][0]
    assert (
        f"chỉ tiêu kết nạp 10 đảng viên; đến ngày 30/11/2017 đã kết nạp {int(own.actual)}" in text
    )
    c = coverage(org.city, end)
    assert f"Trên địa bàn có {len(c.localities)} thôn, làng, tổ dân phố" in text
    assert f"{len(c.without_members)} nơi chưa có đảng viên" in text
    assert f"có {len(c.relapsed)} nơi tái trắng" in text
    # The two charts, as pictures, each followed by its figures.
    assert len(doc.inline_shapes) == 2
    per_month = {m["month"]: m["admitted"] for m in r.by_month}
    months = "; ".join(f"{m:02d}/17: {per_month.get(f'2017-{m:02d}', 0)}" for m in range(1, 12))
    assert f"Số đảng viên kết nạp theo tháng: {months}." in text
    assert sum(per_month.values()) == r.admitted == 1
    assert "30/11/2017: 3." in text  # the chart of members ends on the report's date
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, detail__contains="draft 2017-01-01–2017-11-30 (docx)"
    ).exists()


def test_draft_sections_follow_a_member_leaving_a_locality(org):
    """The draft's coverage sentence moves with the data: Bình, the only member living in
    Tổ dân phố 2 (ward A), dies in 2018 and the locality has lost its member (tái trắng)."""
    from dangvien.membership.models import Stint

    before = draft(org.ward_a, D(2017, 1, 1), D(2018, 1, 1))
    membership = org.binh.memberships.get()
    membership.exit_on, membership.exit_reason = D(2018, 6, 1), "DEATH"
    membership.save(update_fields=["exit_on", "exit_reason"])
    Stint.objects.filter(membership=membership).update(end_on=D(2018, 6, 1), reason_out="EXIT")
    after = draft(org.ward_a, D(2018, 1, 1), D(2018, 12, 31))
    places = dict(before.sections)["Thôn, làng, tổ dân phố chưa có đảng viên, tái trắng"]
    assert "0 nơi chưa có đảng viên" in places[0]
    places = dict(after.sections)["Thôn, làng, tổ dân phố chưa có đảng viên, tái trắng"]
    assert "1 nơi chưa có đảng viên (Tổ dân phố 2 phường A)" in places[0]
    assert "có 1 nơi tái trắng đảng viên (Tổ dân phố 2 phường A)" in places[1]


def test_draft_counts_late_dossiers_not_an_introducer_who_left(org):
    """An introducer no longer in the cell is an alert without a deadline: the draft says
    it apart, and counts as overdue only dossiers whose step is late (each once)."""
    from dangvien.admission import deadlines
    from dangvien.admission.models import Candidate

    from . import factories as f
    from .admission_helpers import K, lan, step

    young = lan(org, name="Lý Văn Út", birth=D(1999, 9, 10))
    quy = f.person("Hoàng Văn Quý", D(1975, 1, 1))
    f.member(
        quy, org.cell_a1, ceremony=D(2008, 3, 1), exit_on=D(2017, 6, 1), exit_reason="TRANSFER_OUT"
    )
    step(young, K.INTRODUCTION, D(2017, 5, 1), introducer=quy, worked_together_since=D(2015, 1, 1))
    end = D(2017, 8, 20)
    found = deadlines.alerts(Candidate.objects.all(), end)
    late = {a.candidate.pk for a in found if a.overdue and a.due is not None}
    assert any(a.kind == "introducer_left" and a.due is None for a in found)
    sections = dict(draft(org.ward_a, D(2017, 1, 1), end).sections)
    pipeline = " ".join(sections["Nguồn kết nạp và thời hạn hồ sơ"])
    assert f"{len(late)} hồ sơ đã quá hạn" in pipeline
    assert "1 hồ sơ có người giới thiệu không còn sinh hoạt tại chi bộ." in pipeline


def test_cli_writes_pdf_and_docx(org, term, tmp_path):
    pdf = tmp_path / "dev.pdf"
    call_command(
        "report",
        "development",
        "--org",
        "CITY",
        "--from",
        "2017-01-01",
        "--to",
        "2017-12-31",
        "--format",
        "pdf",
        "-o",
        str(pdf),
    )
    text = one_line(pdf_text(pdf.read_bytes()))
    assert f"Số đảng viên được kết nạp: {development(org.city, START, END).admitted}." in text
    cov = tmp_path / "cov.pdf"
    call_command(
        "report",
        "coverage",
        "--org",
        "WARDA",
        "--as-of",
        "2018-01-01",
        "--format",
        "pdf",
        "-o",
        str(cov),
    )
    assert "Chi bộ có dưới 3 đảng viên chính thức 2" in one_line(pdf_text(cov.read_bytes()))
    tgt = tmp_path / "tgt.pdf"
    call_command(
        "report",
        "targets",
        "--org",
        "CITY",
        "--as-of",
        "2017-11-30",
        "--format",
        "pdf",
        "-o",
        str(tgt),
    )
    assert "TIẾN ĐỘ THỰC HIỆN CHỈ TIÊU" in one_line(pdf_text(tgt.read_bytes()))
    docx = tmp_path / "draft.docx"
    call_command(
        "report",
        "draft",
        "--org",
        "CITY",
        "--from",
        "2017-01-01",
        "--to",
        "2017-11-30",
        "-o",
        str(docx),
    )
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "toàn đảng bộ kết nạp 1 đảng viên mới" in text


def test_dashboard_pdf_has_the_pages_figures(client, personas, org):
    from dangvien.reports.dashboard import members_on

    today = dt.date.today()
    running = Term.objects.create(
        unit=org.city,
        name="Nhiệm kỳ hiện tại",
        start=today - dt.timedelta(days=400),
        end=today + dt.timedelta(days=1000),
    )
    Target.objects.create(term=running, unit=org.city, metric="ADMITTED", value=12)
    Target.objects.create(term=running, unit=org.ward_b, metric="ADMITTED", value=4)
    client.force_login(personas.city_officer)
    response = client.get("/dashboard/report.pdf", {"unit": "CITY"})
    assert response.status_code == 200
    text = one_line(pdf_text(response.content))
    heading_of(text, "Thử", today)
    assert f"Số đảng viên đến ngày {today:%d/%m/%Y}: {members_on(org.city, today)}." in text
    assert members_on(org.city, today) == 3
    assert "Tăng, giảm từ đầu nhiệm kỳ hiện tại:" in text  # the term's name says it once
    c = coverage(org.city, today).as_json()
    assert f"Thôn, làng, tổ dân phố trên địa bàn {c['localities']}" in text
    assert f"Chi bộ có dưới 3 đảng viên chính thức {c['cells_too_small']}" in text
    paces = targets_report(org.city, today)
    assert len(paces) == 2
    for p in paces:
        assert f"{p.target.unit.name} {int(p.target.value)} {int(p.actual)}" in text
    assert AuditEntry.objects.filter(detail=f"dashboard {today} (pdf)").exists()


def test_the_report_pages_link_to_their_documents(client, personas, org):
    client.force_login(personas.ward_a_officer)
    pages = {
        "/statistics/development/?unit=WARDA&from=01/01/2017&to=31/12/2017": [
            "/statistics/development/report.pdf?unit=WARDA&amp;from=01/01/2017&amp;to=31/12/2017",
            "/reports/draft.docx?unit=WARDA&amp;from=01/01/2017&amp;to=31/12/2017",
        ],
        "/statistics/coverage/?unit=WARDA&date=01/01/2018": [
            "/statistics/coverage/report.pdf?unit=WARDA&amp;date=01/01/2018"
        ],
        "/targets/?unit=WARDA&date=30/11/2017": [
            "/targets/report.pdf?unit=WARDA&amp;date=30/11/2017"
        ],
        "/dashboard/?unit=WARDA": [
            "/dashboard/report.pdf?unit=WARDA",
            "/reports/draft.docx?unit=WARDA",
        ],
    }
    for page, links in pages.items():
        body = client.get(page).content.decode()
        for link in links:
            assert f'href="{link}"' in body, (page, link)
    # Each link serves its document.
    assert client.get("/targets/report.pdf?unit=WARDA&date=30/11/2017").status_code == 200


def test_cli_refuses_a_bad_period_and_writes_nothing(org, tmp_path):
    from django.core.management.base import CommandError

    out = tmp_path / "draft.docx"
    with pytest.raises(CommandError, match="kết thúc trước|ends before"):
        call_command(
            "report", "draft", "--org", "CITY", "--from", "2017-12-31", "--to", "2017-01-01",
            "-o", str(out),
        )  # fmt: skip
    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "report", "development", "--org", "NOPE", "--from", "2017-01-01", "--to", "2017-12-31",
            "--format", "pdf", "-o", str(out),
        )  # fmt: skip
    assert not out.exists()
