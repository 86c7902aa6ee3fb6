"""A transfer between the two wards done by both officers in a browser: ward A issues it
from the member's page, ward B finds it among its incoming transfers and receives it."""

import pytest

from dangvien.accounts.models import Role
from dangvien.records.models import Transfer
from dangvien.reports.structure import structure
from tests import factories as f
from tests.e2e import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The Chromium fixture and the login of the browser tests.
browser = test_browser.browser
log_in = test_browser.log_in


def test_ward_a_issues_and_ward_b_receives_a_transfer(live_server, browser, org):
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    f.user("ward.b", Role.Kind.GRASSROOTS_OFFICER, org.ward_b)
    base = live_server.url

    page = browser.new_page(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    log_in(page, base, "ward.a")
    page.goto(f"{base}/people/{org.an.pk}/")
    page.click("#transfers >> text=Chuyển sinh hoạt trong hệ thống")
    page.wait_for_selector("form#transfer-issue")
    # The destination is chosen by name: typing asks for the matching cells of any ward,
    # told apart by their ward (no list of every cell in the page).
    assert page.locator("datalist#to_unit-options option").count() == 0
    page.fill("input[name=to_unit]", "to dan pho 1")
    label = "Chi bộ Tổ dân phố 1 (B) – Đảng bộ phường B"
    page.wait_for_selector(f'datalist#to_unit-options option[value="{label}"]', state="attached")
    page.fill("input[name=to_unit]", label)
    page.fill("input[name=on]", "02/03/2020")
    page.fill("input[name=document_number]", "15-GGT/ĐU")
    with page.expect_navigation():
        page.click("form#transfer-issue button[type=submit]")
    assert "Đã giới thiệu chuyển sinh hoạt" in page.content()
    assert "Đang chuyển sinh hoạt từ Chi bộ Tổ dân phố 1 đến" in page.inner_text("#transfers")
    page.close()

    page = browser.new_page(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    log_in(page, base, "ward.b")
    page.click("nav >> text=Hồ sơ đảng viên")  # the member-records menu opens
    page.click("nav >> text=Chuyển sinh hoạt")
    incoming = page.inner_text("table#incoming")
    assert "Nguyễn Văn An" in incoming and "14/04/2020" in incoming  # the receipt deadline
    page.click('table#incoming a.button:has-text("Tiếp nhận")')
    page.wait_for_selector("form#transfer-receive")
    page.fill("input[name=on]", "20/03/2020")
    page.fill("input[name=document_number]", "08-TN")
    with page.expect_navigation():
        page.click("form#transfer-receive button[type=submit]")
    assert "Đã tiếp nhận: Nguyễn Văn An sinh hoạt tại Chi bộ Tổ dân phố 1 (B)" in page.content()
    page.goto(f"{base}/statistics/?unit=WARDB&date=20/03/2020")
    assert page.inner_text("#members-total") == "2"
    page.close()

    t = Transfer.objects.get()
    assert (t.issued_on.isoformat(), t.received_on.isoformat()) == ("2020-03-02", "2020-03-20")
    assert structure(org.ward_a, t.received_on).figures["members"] == 1


def test_ward_b_places_the_member_in_another_of_its_cells(live_server, browser, org):
    """On receipt the officer picks another cell of ward B from the list (the named cell
    is chosen by default); the member's new stint starts in the picked cell."""
    from dangvien.orgs.models import OrgUnit
    from dangvien.records import transfers as tr

    b2 = f.unit("B2", "Chi bộ Tổ dân phố 2 (B)", OrgUnit.Kind.CELL, org.ward_b)
    ward_a = f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    f.user("ward.b", Role.Kind.GRASSROOTS_OFFICER, org.ward_b)
    m = tr.current_membership(org.an)
    t = tr.issue_transfer(m, to_unit=org.cell_b1, on=f.D(2020, 3, 2), by=ward_a)
    base = live_server.url
    page = browser.new_page(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    log_in(page, base, "ward.b")
    page.goto(f"{base}/transfers/{t.pk}/receive/")
    page.wait_for_selector("form#transfer-receive")
    assert page.eval_on_selector("select#id_cell", "s => s.value") == str(org.cell_b1.pk)
    page.select_option("select#id_cell", str(b2.pk))
    page.fill("input[name=on]", "20/03/2020")
    with page.expect_navigation():
        page.click("form#transfer-receive button[type=submit]")
    assert "Đã tiếp nhận: Nguyễn Văn An sinh hoạt tại Chi bộ Tổ dân phố 2 (B)" in page.content()
    page.close()
    t.refresh_from_db()
    assert t.received_in == b2
    assert structure(b2, f.D(2020, 3, 20)).figures["members"] == 1
