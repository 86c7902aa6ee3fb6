"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import os

import pytest

from dangvien.accounts.models import Role
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API runs an event loop in this thread; the ORM calls the live
# server makes happen in other threads, so Django's async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")


def test_ward_officer_and_city_officer_see_their_statistics(live_server, browser, org):
    f.user("ward.a", Role.Kind.GRASSROOTS_OFFICER, org.ward_a)
    f.user("btc.city", Role.Kind.ORG_BOARD, org.city)
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
