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
    # Switch the unit from the searchable list (names, not codes): the ward's own figures.
    page.fill("input[name=unit]", "Đảng bộ phường B")
    page.click("form.filters button[type=submit]")
    assert page.inner_text("#members-total") == "1"
    page.close()


def submit(page):
    """Record the step and wait for the page that answers (a redirect or the errors)."""
    with page.expect_navigation():
        page.click("form.step-form button[type=submit]")


def pick(page, selector: str, typed: str, label: str) -> None:
    """Type into a picker, wait for the server's list to offer `label`, choose it (as a
    click on the offered option does: the label fills the field) and leave the field."""
    page.fill(selector, typed)
    list_id = page.get_attribute(selector, "list")
    page.wait_for_selector(f'#{list_id} option[value="{label}"]', state="attached")
    page.fill(selector, label)
    page.press(selector, "Tab")  # "change": what depends on the field follows


def record(page, kind, date, **fields):
    form = "form.step-form"
    # The form proposes the expected step; another one is chosen from the list and htmx
    # swaps in that step's form (its own fields). Choosing the same step again would
    # still fire "change" and swap the form under the fields being filled: skip it.
    if page.input_value(f"{form} select[name=kind]") != kind:
        page.select_option(f"{form} select[name=kind]", kind)
        page.wait_for_selector(f"{form} input[name=for_kind][value={kind}]", state="attached")
    page.fill(f"{form} input[name=date]", date)
    for name, value in fields.items():
        selector = f"{form} [name={name}]"
        if page.locator(f"{form} select[name={name}]").count():
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    submit(page)
    errors = page.locator(".error").all_inner_texts()
    assert not errors, errors


def test_candidate_from_source_list_to_ceremony(live_server, browser, org):
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.click("text=Danh sách nguồn")
    page.click("text=Thêm quần chúng")
    pick(page, "input[name=cell]", "dân phố 1", "Chi bộ Tổ dân phố 1 – Đảng bộ phường A")
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
    record(page, "GRASSROOTS_VOTE", "2017-05-25", committee_members="9", in_favour="8")
    record(page, "DECISION", "2017-07-03", document_number="456-QĐ/TU")
    record(page, "CEREMONY", "2017-07-20")
    assert "Đang dự bị" in page.inner_text("#stage")  # from the ceremony on
    assert "9-KNĐ" in page.inner_text(".checklist")
    assert "là đảng viên dự bị từ ngày 20/07/2017" in page.inner_text("p.notice")
    page.click("dd a:has-text('Đảng viên dự bị từ')")
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


def test_ward_officer_adds_a_candidate_with_a_helper_above_1000_and_records_three_steps(
    live_server, browser, org
):
    from dangvien.admission.models import Candidate

    helper = f.person("Đinh Văn Lực", f.D(1970, 4, 4), "M", residence=org.tdp_a1, pk=1528)
    f.member(helper, org.cell_a1, ceremony=f.D(2001, 2, 3))
    namesake = f.person("Đinh Văn Lực", f.D(1985, 1, 1), "M", pk=2001)
    f.member(namesake, org.cell_a2, ceremony=f.D(2003, 2, 3))  # another cell of the ward
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    base = live_server.url
    page = browser.new_page(locale="en-US")  # dates stay dd/mm/yyyy whatever the language
    log_in(page, base, "ward.a")
    page.goto(f"{base}/candidates/new/")
    pick(page, "input[name=cell]", "to dan pho 1", "Chi bộ Tổ dân phố 1 – Đảng bộ phường A")
    page.wait_for_selector("select[name=helper] option[value='1528']", state="attached")
    labels = page.locator("select[name=helper] option").all_inner_texts()
    assert "Đinh Văn Lực (1970)" in labels and not any("1985" in t for t in labels)
    page.select_option("select[name=helper]", "1528")
    page.fill("input[name=listed_on]", "01/06/2016")
    page.fill("input[name=full_name]", "Đỗ Thị Hạnh")
    page.fill("input[name=birth_date]", "12/03/1996")
    page.select_option("select[name=sex]", "F")
    page.check("input[name=youth_union_member]")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert "Đỗ Thị Hạnh" in page.inner_text("h1")
    c = Candidate.objects.get(person__full_name="Đỗ Thị Hạnh")
    assert c.helper_id == 1528

    form = "form.step-form"
    # 1. The form proposes the course certificate, dated like the dossier (2016, not today).
    assert page.input_value(f"{form} select[name=kind]") == "COURSE_CERTIFICATE"
    assert page.input_value(f"{form} input[name=date]") == "01/06/2016"
    assert page.locator(f"{form} [name=full_members]").count() == 0
    page.fill(f"{form} input[name=date]", "10/08/2016")
    page.fill(f"{form} input[name=document_number]", "CN-0815")
    submit(page)
    assert not page.locator(".error").count(), page.locator(".error").all_inner_texts()
    # 2. Then the application, proposed next, with the last step's date.
    assert page.input_value(f"{form} select[name=kind]") == "APPLICATION"
    assert page.input_value(f"{form} input[name=date]") == "10/08/2016"
    page.fill(f"{form} input[name=date]", "05/01/2017")
    submit(page)
    # 3. Another step chosen: htmx brings its own fields (whose background is verified).
    assert page.locator(f"{form} [name=subject]").count() == 0
    record(page, "VERIFICATION_REQUEST", "10/01/2017", subject="Bản thân")
    timeline = page.inner_text("#timeline")
    for text in ("10/08/2016", "05/01/2017", "10/01/2017", "CN-0815", "Bản thân"):
        assert text in timeline
    assert c.events.count() == 5  # listed, helper assigned and the three steps
    page.close()


def test_the_top_bar_fits_and_breakdown_tables_keep_their_height(live_server, browser, org):
    with_totp(f.user("btc.city", Role.Kind.ORG_BOARD, org.city))
    base = live_server.url
    page = browser.new_page(locale="vi-VN", viewport={"width": 1366, "height": 800})
    log_in(page, base, "btc.city")
    assert page.locator("header.top").bounding_box()["height"] < 60  # one line
    page.goto(f"{base}/statistics/?date=30/11/2017")
    heights = [t.bounding_box()["height"] for t in page.locator(".breakdowns table").all()]
    rows = [t.locator("tr").count() for t in page.locator(".breakdowns table").all()]
    per_row = [h / n for h, n in zip(heights, rows, strict=True)]
    assert max(per_row) < 2 * min(per_row), per_row  # no table stretched to its neighbour
    icon = page.get_attribute("link[rel=icon]", "href")
    assert page.request.get(f"{base}{icon}").status == 200
    page.close()


def test_the_person_page_loads_its_forms_when_opened_and_records_a_move(live_server, browser, org):
    """The position and move forms come with htmx when their section is opened, their
    places searched by name as typed; the move recorded through the loaded form shows on
    the page."""
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    base = live_server.url
    page = browser.new_page(locale="vi-VN")
    log_in(page, base, "ward.a")
    page.goto(f"{base}/people/{org.dung.pk}/")
    assert page.locator("#position-form").count() == 0
    page.click("#positions summary")
    page.wait_for_selector("#position-form input[name=locality]")
    pick(page, "#position-form input[name=locality]", "tổ dân", "Tổ dân phố 1, Phường A")
    page.click("#residence summary")
    page.wait_for_selector("#move-form")
    pick(page, "#move-form input[name=locality]", "phố 2", "Tổ dân phố 2, Phường A")
    page.fill("#move-form input[name=on]", "01/03/2020")
    page.click("#move-form button[type=submit]")
    page.wait_for_selector("#residence td:has-text('01/03/2020')")
    assert "Tổ dân phố 2, Phường A" in page.inner_text("#residence")
    page.close()
