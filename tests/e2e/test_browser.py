"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangvien.accounts.models import Role
from tests import factories as f
from tests.conftest import with_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PASSWORD = "pw-test-2017!"


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the live
    # server makes happen in other threads, so Django's async-safety check does not apply.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:  # the board officer's second factor
        page.wait_for_url("**/accounts/2fa/verify/**")
        page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
        page.click("button.primary")
    page.wait_for_url(f"{base}/")


def test_ward_officer_and_city_officer_see_their_statistics(live_server, browser, org):
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city))
    base = live_server.url

    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.click("text=Thống kê")
    page.fill("input[name=date]", "2017-11-30")
    page.click("form.filters button[type=submit]")
    assert "Đảng bộ phường A" in page.inner_text("#stats-title")
    assert page.inner_text("#members-total") == "2"
    assert "Lê Văn Cường" not in page.content()
    page.close()

    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "btc.city")
    page.goto(f"{base}/statistics/?date=2017-11-30")
    assert "Đảng bộ thành phố Thử" in page.inner_text("#stats-title")
    assert page.inner_text("#members-total") == "3"
    # Switch the unit from the picker: the ward's own figures.
    page.select_option("select[name=unit]", "WARDB")
    page.click("form.filters button[type=submit]")
    assert page.inner_text("#members-total") == "1"
    page.close()


def record(page, kind, date, **fields):
    form = "form.step-form"
    page.select_option(f"{form} select[name=kind]", kind)
    page.fill(f"{form} input[name=date]", date)
    for name, value in fields.items():
        selector = f"{form} [name={name}]"
        if page.locator(f"{form} select[name={name}]").count():
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state()
    errors = page.locator(".error").all_inner_texts()
    assert not errors, errors


def test_candidate_from_source_list_to_ceremony(live_server, browser, org):
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.click("text=Danh sách nguồn")
    page.click("text=Thêm quần chúng")
    page.select_option("select[name=cell]", "A1")
    # htmx fills the helper list with the cell's full members.
    page.wait_for_selector(f"select[name=helper] option[value='{org.an.pk}']", state="attached")
    page.select_option("select[name=helper]", str(org.an.pk))
    page.fill("input[name=listed_on]", "2016-06-01")
    page.fill("input[name=full_name]", "Đỗ Thị Hạnh")
    page.fill("input[name=birth_date]", "1996-03-12")
    page.select_option("select[name=sex]", "F")
    page.fill("input[name=citizen_id]", "064196000123")
    page.check("input[name=youth_union_member]")
    page.check("input[value=WOMAN]")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "Hồ sơ: Đỗ Thị Hạnh" in page.inner_text("h1")

    record(page, "COURSE_CERTIFICATE", "2016-08-10", document_number="CN-0815")
    record(page, "APPLICATION", "2017-01-05")
    record(page, "DECLARATION", "2017-01-05")
    record(page, "VERIFICATION_REQUEST", "2017-01-10", subject="Bản thân")
    record(page, "VERIFICATION_ANSWER", "2017-03-01", subject="Bản thân")
    record(page, "YOUTH_UNION_RESOLUTION", "2017-04-01", document_number="12-NQ/ĐTN")
    record(
        page,
        "INTRODUCTION",
        "2017-04-05",
        introducer=str(org.an.pk),
        worked_together_since="2016-01-01",
    )
    record(page, "RESIDENCE_COMMENT", "2017-04-20")
    record(page, "CELL_VOTE", "2017-05-10", full_members="12", present="11", in_favour="10")
    record(page, "GRASSROOTS_VOTE", "2017-05-25", full_members="9", in_favour="8")
    record(page, "DECISION", "2017-07-03", document_number="456-QĐ/TU")
    record(page, "CEREMONY", "2017-07-20")
    assert "Đã tổ chức lễ kết nạp" in page.inner_text("#stage")
    assert "9-KNĐ" in page.inner_text(".checklist")
    page.click("text=Đảng viên dự bị từ")
    assert "20/07/2017" in page.content()
    page.close()


def test_ward_officer_imports_members_from_the_upload_page(live_server, browser, org, tmp_path):
    from dangvien.imports.members import COLUMNS
    from dangvien.people.models import Person
    from tests.test_import_members import ROW

    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    good = tmp_path / "dang-vien.csv"
    good.write_text(
        ",".join(COLUMNS) + "\n" + ",".join(str(ROW[c] or "") for c in COLUMNS) + "\n",
        encoding="utf-8-sig",
    )
    bad = tmp_path / "sai.csv"
    bad.write_text(
        ",".join(COLUMNS)
        + "\n"
        + ",".join(str({**ROW, "Mã đơn vị": "B1"}[c] or "") for c in COLUMNS)
        + "\n",
        encoding="utf-8-sig",
    )
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.click("text=Nhập dữ liệu")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=Kiểm tra tệp")
    assert "chưa ghi gì" in page.inner_text("main")
    assert "ngoài phạm vi" in page.inner_text("#problems")  # ward B's cell
    with page.expect_download() as download:
        page.click("text=Tải báo cáo lỗi")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"{base}/imports/")
    page.select_option("select[name=kind]", "members")
    page.set_input_files("input[name=file]", str(good))
    page.click("text=Kiểm tra tệp")
    assert page.inner_text("#count-new") == "1"
    assert not Person.objects.filter(citizen_id=ROW["Số CCCD"]).exists()
    page.click("text=Ghi vào cơ sở dữ liệu")
    page.wait_for_selector("p.notice")
    assert Person.objects.filter(citizen_id=ROW["Số CCCD"]).exists()
    page.goto(f"{base}/imports/")
    assert "dang-vien.csv" in page.inner_text("main") and "sai.csv" in page.inner_text("main")
    page.close()
