"""Browser tests of the reports: the board's dashboard and its charts, a ward officer's
coverage, and a term with its target defined on the terms page and read on the pace page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dangvien.accounts.models import Role
from dangvien.orgs.models import Locality
from dangvien.targets.models import Target, Term
from tests import factories as f
from tests.conftest import with_totp
from tests.e2e import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The Chromium fixture and the login (with the board officer's second factor) of the
# browser tests.
browser = test_browser.browser
log_in = test_browser.log_in


def localities(org):
    """A hamlet of ward A and a residential group of ward B where no member lives."""
    f.locality("WA-TH3", "Thôn Đồi Thông", Locality.Kind.HAMLET, org.ward_a_loc)
    f.locality("WB-TDP9", "Tổ dân phố Hoa Lư", Locality.Kind.RESIDENTIAL_GROUP, org.ward_b_loc)


def running_term(org):
    """A term running today with admission targets for the city and both wards, and one
    admission forty days ago (the dashboard's charts read today's figures)."""
    today = timezone.localdate()
    start = today.replace(year=today.year - 1, day=1)
    term = Term.objects.create(
        unit=org.city, name="Nhiệm kỳ thử", start=start, end=start.replace(year=start.year + 5)
    )
    for unit, value in ((org.city, 10), (org.ward_a, 6), (org.ward_b, 4)):
        Target.objects.create(term=term, unit=unit, metric="ADMITTED", value=value)
    newcomer = f.person("Hồ Thị Mới", dt.date(1998, 4, 2), "F", residence=org.tdp_a1)
    f.member(newcomer, org.cell_a1, ceremony=today - dt.timedelta(days=40), confirmed=None)
    return term


def test_board_officer_reads_the_dashboard_charts_and_opens_coverage(live_server, browser, org):
    localities(org)
    running_term(org)
    with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city))
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "btc.city")
    page.goto(f"{base}/dashboard/")
    blocks = page.locator("section.chart-block:not(.structure)")
    assert blocks.count() == 3  # members over time, admissions per month, targets by unit
    for i in range(3):
        block = blocks.nth(i)
        chart = block.locator("svg.chart")
        assert chart.count() == 1
        assert chart.get_attribute("aria-label")
        marks = chart.locator("rect, circle").count()
        assert marks > 0
        # The chart's table beside it, with figures.
        assert block.locator("table td").count() > 0
    members, admissions, targets = (blocks.nth(i) for i in range(3))
    assert members.locator("svg.chart circle").count() == members.locator("table td").count()
    # One bar per month of the table.
    assert admissions.locator("svg.chart rect").count() == admissions.locator("table td").count()
    # The last twelve months' table holds the one admission.
    month_counts = [int(t) for t in admissions.locator("table td").all_inner_texts()]
    assert sum(month_counts) == 1
    # One bar per ward with a target, and the wards in the table.
    assert targets.locator("svg.chart rect").count() == 2
    table = targets.locator("table").inner_text()
    assert "Đảng bộ phường A" in table and "Đảng bộ phường B" in table
    # Follow the coverage link: the city's whole area, ward B's empty group included.
    with page.expect_navigation():
        page.locator("a[href*='/statistics/coverage/']").first.click()
    assert "/statistics/coverage/" in page.url
    page.wait_for_selector("#localities-total")
    assert page.inner_text("#localities-total") == "5"
    assert "Tổ dân phố Hoa Lư" in page.inner_text("body")
    page.close()


def test_ward_officer_sees_only_the_wards_coverage(live_server, browser, org):
    localities(org)
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.goto(f"{base}/statistics/coverage/")
    assert "Đảng bộ phường A" in page.inner_text("h2")
    # Ward A's three localities: two residential groups and the empty hamlet.
    assert page.inner_text("#localities-total") == "3"
    empty = page.locator("h3#without_members + table").inner_text()
    assert "Thôn Đồi Thông, Phường A" in empty and "WA-TH3" not in empty  # names, no codes
    assert page.locator("h3#without_members").inner_text().endswith("(1)")
    body = page.inner_text("body")
    for other in ("Tổ dân phố Hoa Lư", "WB-TDP9", "WB-TDP1", "Đảng bộ phường B", "Lê Văn Cường"):
        assert other not in body, other
    # The unit field shows the unit by name and asks the server for the names typed,
    # within ward A's subtree only; the page itself lists no other unit.
    field = page.locator("input[name=unit]")
    assert field.input_value() == "Đảng bộ phường A – Đảng bộ thành phố Thử"
    assert page.locator("datalist#unit-options option").count() == 1
    field.fill("")
    field.press_sequentially("to dan pho")
    cell = "Chi bộ Tổ dân phố 2 – Đảng bộ phường A"
    page.wait_for_selector(f'datalist#unit-options option[value="{cell}"]', state="attached")
    options = [
        o.get_attribute("value") or "" for o in page.locator("datalist#unit-options option").all()
    ]
    assert options[0] == "Chi bộ Tổ dân phố 1 – Đảng bộ phường A", options
    assert not any("phường B" in o or "(B)" in o for o in options), options
    field.fill(cell)
    with page.expect_navigation():
        field.press("Enter")
    assert "Chi bộ Tổ dân phố 2" in page.inner_text("h2")
    assert field.input_value() == cell
    page.close()


def test_board_officer_defines_a_term_with_a_target_and_reads_its_forecast(
    live_server, browser, org
):
    with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city))
    today = timezone.localdate()
    start = today.replace(year=today.year - 1, day=1)
    end = start.replace(year=start.year + 5)
    newcomer = f.person("Hồ Thị Mới", dt.date(1998, 4, 2), "F", residence=org.tdp_a1)
    f.member(newcomer, org.cell_a1, ceremony=today - dt.timedelta(days=40), confirmed=None)
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "btc.city")
    page.goto(f"{base}/targets/")
    with page.expect_navigation():
        page.click("a#define-terms")
    page.fill("form#new-term input[name=unit]", "Đảng bộ thành phố Thử")  # searched by name
    page.fill("form#new-term input[name=name]", "Nhiệm kỳ thử")
    page.fill("form#new-term input[name=start]", start.strftime("%d/%m/%Y"))
    page.fill("form#new-term input[name=end]", end.strftime("%d/%m/%Y"))
    with page.expect_navigation():
        page.click("form#new-term button[type=submit]")
    term = Term.objects.get()
    assert page.url.endswith(f"/targets/terms/{term.pk}/")
    page.fill(f"input[name=t-{org.city.pk}-ADMITTED]", "10")
    with page.expect_navigation():
        page.click("form#targets-form button[type=submit]")
    assert "1" in page.inner_text("#saved")
    assert page.input_value(f"input[name=t-{org.city.pk}-ADMITTED]") == "10"
    with page.expect_navigation():
        page.click("a#pace-link")
    # The one term is named above the table, with how much of it has gone.
    assert "Nhiệm kỳ thử" in page.inner_text("#term-line")
    row = page.locator("#targets tbody tr", has_text="Đảng bộ thành phố Thử")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    # Target, unit, value, actual, share, needed, forecast (no children's targets).
    assert cells[1] == "Đảng bộ thành phố Thử" and cells[2] == "10" and cells[3] == "1"
    assert re.fullmatch(r"10[,.]0%", cells[4]), cells
    assert cells[6] == "chậm tiến độ"  # 1 of 10 with a fifth of the term gone
    page.close()


def test_board_officer_downloads_the_report_draft_and_reads_it_in_word(
    live_server, browser, org, tmp_path
):
    """The development page's link gives the periodic report draft as a Word document:
    its five sections, the city's figures in sentences (3 members on 31/12/2017: An and
    Cường full, Bình probationary; 1 admitted in 2017, Bình in February) and the two
    charts as pictures."""
    from docx import Document

    with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city))
    base = live_server.url
    page = browser.new_page(locale="vi-VN", accept_downloads=True)
    log_in(page, base, "btc.city")
    page.goto(f"{base}/statistics/development/?unit=CITY&from=01/01/2017&to=31/12/2017")
    assert page.inner_text("#admitted-total") == "1"
    link = page.locator("a[href*='/reports/draft.docx']")
    assert link.inner_text() == "Dự thảo báo cáo (Word)"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "du-thao-bao-cao-CITY-20170101-20171231.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    headings = [t for t in paragraphs if re.match(r"^(I|II|III|IV|V)\. ", t)]
    assert headings == [
        "I. TÌNH HÌNH ĐẢNG VIÊN VÀ CƠ CẤU",
        "II. KẾT QUẢ KẾT NẠP ĐẢNG VIÊN",
        "III. THÔN, LÀNG, TỔ DÂN PHỐ CHƯA CÓ ĐẢNG VIÊN, TÁI TRẮNG",
        "IV. NGUỒN KẾT NẠP VÀ THỜI HẠN HỒ SƠ",
        "V. NHIỆM VỤ THỜI GIAN TỚI",
    ]
    text = "\n".join(paragraphs)
    assert (
        "Đến ngày 31/12/2017, Đảng bộ thành phố Thử có 3 đảng viên (chính thức 2, dự bị 1)" in text
    )
    assert "toàn đảng bộ kết nạp 1 đảng viên mới" in text
    # The figure of admissions per month: Bình's decision (19/02/2017) in February.
    assert len(doc.inline_shapes) == 2
    assert "Số đảng viên kết nạp theo tháng: 01/17: 0; 02/17: 1; 03/17: 0;" in text
    assert "31/12/2017: 3." in text  # the chart of members ends on the report's date
    head = doc.tables[0].rows[0].cells
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in head[1].text
    page.close()
