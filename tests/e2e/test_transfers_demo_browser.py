"""The transfer flow in a browser on the demo's data (not the test organisation's two
wards): the officer of phường Pleiku sends a member of one of its cells to a cell of
phường Diên Hồng; Diên Hồng's officer finds the letter and receives the member."""

import pytest
from django.utils import timezone

from dangvien.membership.models import Stint
from dangvien.orgs.models import OrgUnit
from dangvien.records import transfers as tr
from dangvien.records.models import Transfer
from tests.e2e import test_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
browser = test_browser.browser


def log_in(page, base, username):
    from dangvien.demo.load import DEMO_PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")


def test_a_transfer_between_two_demo_wards(live_server, browser):
    from dangvien.demo.load import Loader

    Loader(log=lambda _msg: None).load()
    today = timezone.localdate()
    sender, receiver = OrgUnit.objects.get(code="PLEIKU-P"), OrgUnit.objects.get(code="DIENHONG-P")
    pending = Transfer.objects.filter(tr.pending_q()).values("membership_id")
    stint = (
        Stint.objects.members_on(today)
        .in_subtree(sender)
        .filter(membership__confirmed_on__isnull=False)
        .exclude(membership_id__in=pending)
        .select_related("membership__person", "unit")
        .order_by("membership__person__sort_name")
        .first()
    )
    assert stint is not None
    person = stint.membership.person
    cell = (
        OrgUnit.objects.subtree(receiver).on(today).filter(kind=OrgUnit.Kind.CELL).order_by("path")
    ).first()
    assert cell is not None
    day = today.strftime("%d/%m/%Y")
    base = live_server.url

    page = browser.new_page(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    log_in(page, base, "phuong.hoalu")
    page.goto(f"{base}/people/{person.pk}/")
    page.click("#transfers >> text=Chuyển sinh hoạt trong hệ thống")
    page.wait_for_selector("form#transfer-issue")
    page.fill("input[name=to_unit]", cell.name)  # the list holds the cells matching it
    page.wait_for_selector(
        f'datalist#to_unit-options option[value^="{cell.name} – "]', state="attached"
    )
    options = page.locator("datalist#to_unit-options option")
    labels = [options.nth(i).get_attribute("value") for i in range(options.count())]
    label = next(x for x in labels if x and x.startswith(cell.name + " – "))
    page.fill("input[name=to_unit]", label)
    page.fill("input[name=on]", day)
    with page.expect_navigation():
        page.click("form#transfer-issue button[type=submit]")
    assert "Đã giới thiệu chuyển sinh hoạt" in page.content()
    page.close()
    t = Transfer.objects.get(membership=stint.membership, received_on__isnull=True)
    assert (t.from_unit, t.to_unit) == (stint.unit, cell)

    page = browser.new_page(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    log_in(page, base, "phuong.dienhong")
    page.goto(f"{base}/transfers/")
    assert person.full_name in page.inner_text("table#incoming")
    page.goto(f"{base}/transfers/{t.pk}/receive/")
    page.wait_for_selector("form#transfer-receive")
    page.fill("input[name=on]", day)
    with page.expect_navigation():
        page.click("form#transfer-receive button[type=submit]")
    assert f"Đã tiếp nhận: {person.full_name} sinh hoạt tại {cell.name}" in page.content()
    page.close()
    assert (
        Stint.objects.members_on(today)
        .in_subtree(receiver)
        .filter(membership=stint.membership)
        .exists()
    )
    assert (
        not Stint.objects.members_on(today)
        .in_subtree(sender)
        .filter(membership=stint.membership)
        .exists()
    )
