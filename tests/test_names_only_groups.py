"""A role that shows names only (a leader without the personal-data grant) learns no
personal detail through a candidate's priority groups (woman, ethnic minority, religious
believer), and is told so where a page would otherwise say "0" or offer a file it may
not have (found walking the demo as lanhdao.hoalu, 01/12/2026)."""

import csv
import io
import json

import pytest
from django.urls import reverse

from dangvien.accounts.models import Role
from dangvien.admission.models import Tag

from . import factories as f
from .admission_helpers import lan

pytestmark = pytest.mark.django_db


@pytest.fixture
def believer(org):
    c = lan(org)
    c.tags.create(tag=Tag.RELIGIOUS)
    return c


@pytest.fixture
def leader(org):
    return f.user("leader.a", Role.Kind.LEADER, org.ward_a)


def test_the_leader_sees_no_personal_group_on_the_list_or_in_its_file(
    client, personas, believer, leader
):
    client.force_login(personas.ward_a_officer)
    body = client.get("/candidates/", {"unit": "WARDA"}, HTTP_ACCEPT_LANGUAGE="vi")
    row = body.content.decode().split('id="candidates"')[1].split("</table>")[0]
    assert "Người có đạo" in row and "Phụ nữ" in row, row
    client.force_login(leader)
    page = client.get("/candidates/", {"unit": "WARDA"}, HTTP_ACCEPT_LANGUAGE="vi")
    row = page.content.decode().split('id="candidates"')[1].split("</table>")[0]
    assert "Vũ Thị Lan" in row and "Đoàn viên" in row
    assert "Người có đạo" not in row and "Phụ nữ" not in row
    offered = [v for v, _label in page.context["tags"]]
    assert Tag.YOUTH_UNION in offered and Tag.RELIGIOUS not in offered
    assert Tag.WOMAN not in offered and Tag.ETHNIC_MINORITY not in offered
    export = client.get(
        "/candidates/", {"unit": "WARDA", "format": "csv", "purpose": "kiểm tra nguồn"}
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1][0] == "Vũ Thị Lan" and rows[1][1] == ""
    assert "Người có đạo" not in rows[1][4] and "Đoàn viên" in rows[1][4]


def test_filtering_by_a_personal_group_is_refused_not_ignored(client, personas, believer, leader):
    client.force_login(leader)
    for url in ("/candidates/", "/candidates/board/"):
        page = client.get(url, {"unit": "WARDA", "tag": "RELIGIOUS"}, HTTP_ACCEPT_LANGUAGE="vi")
        body = page.content.decode()
        assert page.status_code == 200, url
        assert "Vai trò của bạn chỉ xem được họ tên: lọc theo nhóm ưu tiên" in body, url
        assert "Vũ Thị Lan" not in body, url
    # A group that tells nothing personal is a filter like any other.
    page = client.get("/candidates/", {"unit": "WARDA", "tag": "YOUTH_UNION"})
    assert "Vũ Thị Lan" in page.content.decode()
    client.force_login(personas.ward_a_officer)
    page = client.get("/candidates/", {"unit": "WARDA", "tag": "RELIGIOUS"})
    assert "Vũ Thị Lan" in page.content.decode()


def test_the_dossier_and_the_api_keep_the_groups_too(client, believer, leader):
    client.force_login(leader)
    page = client.get(reverse("candidate_detail", args=[believer.pk]), HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    assert [t.tag for t in page.context["tags"]] == [Tag.YOUTH_UNION]
    listed = client.get("/api/candidates", {"unit": "WARDA"})
    assert listed.status_code == 200
    assert [c["tags"] for c in listed.json()] == [[Tag.YOUTH_UNION]]
    refused = client.get("/api/candidates", {"unit": "WARDA", "tag": "RELIGIOUS"})
    assert refused.status_code == 400
    assert "chỉ xem được họ tên" in json.loads(refused.content)["error"]


def test_lists_of_personal_details_say_so_instead_of_zero(client, personas, org, leader):
    client.force_login(leader)
    for url in ("/cards/", "/badges/"):
        body = client.get(url, {"unit": "WARDA"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert 'id="names-only"' in body, url
        assert ".docx" not in body and "(Word)" not in body, url
    refused = client.get(reverse("badge_list_docx"), {"unit": "WARDA"})
    assert refused.status_code == 403
    candidates = client.get("/candidates/", {"unit": "WARDA"}).content.decode()
    assert "candidates.docx" not in candidates
    client.force_login(personas.ward_a_officer)
    for url in ("/cards/", "/badges/"):
        body = client.get(url, {"unit": "WARDA"}).content.decode()
        assert 'id="names-only"' not in body and "(Word)" in body, url
    assert "candidates.docx" in client.get("/candidates/", {"unit": "WARDA"}).content.decode()


def test_the_menu_offers_the_import_page_only_to_whom_may_write(client, personas, leader):
    client.force_login(leader)
    assert 'href="/imports/"' not in client.get("/dashboard/").content.decode()
    assert client.get("/imports/").status_code == 403
    client.force_login(personas.ward_a_officer)
    assert 'href="/imports/"' in client.get("/dashboard/").content.decode()
