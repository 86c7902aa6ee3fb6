"""The audit log page says its entries in words (field titles, names, labels, dates as
dd/mm/yyyy) and its filter offers choices instead of asking for codes and ids."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dangvien.accounts.models import AuditEntry, Role
from dangvien.people.models import Position

from .conftest import with_totp

D = dt.date


def admin_client(client):
    admin = with_totp(get_user_model().objects.create_superuser("root", password="pw-admin-2017!"))
    client.force_login(admin)
    return admin


def page(client, **params) -> str:
    got = client.get(reverse("audit_log"), params, HTTP_ACCEPT_LANGUAGE="vi")
    assert got.status_code == 200
    return got.content.decode()


def entries_html(body: str) -> str:
    return body.split('<table class="data audit">')[1].split("</table>")[0]


def test_changes_show_titles_labels_names_and_dates(client, org, personas):
    org.an.birth_date = D(1981, 6, 2)
    org.an.sex = "F"
    org.an.save()
    role = personas.ward_b_officer.roles.get()
    role.unit = org.ward_a
    role.save()
    admin_client(client)
    # The person's and the role's entries (a unit's own creation lists its code).
    body = entries_html(page(client, model="people.person"))
    body += entries_html(page(client, model="accounts.role"))
    assert "ngày sinh" in body.lower() and "01/05/1980 → 02/06/1981" in body
    assert "giới tính" in body.lower() and "Nam → Nữ" in body
    assert "Đảng bộ phường B → Đảng bộ phường A" in body  # the role's unit, by name
    for raw in ("birth_date", "unit_id", "sex", "1980-05-01", "WARDA", "CITY/WARDB/"):
        assert raw not in body, raw
    assert re.search(rf">\s*{org.ward_b.pk}\s*→", body) is None  # no bare id
    # The person an entry is about, by name, linking to the log filtered on them.
    assert f'href="?person={org.an.pk}"' not in body  # the record is the person itself
    Position.objects.create(
        person=org.an,
        kind=Position.Kind.RESIDENTIAL_GROUP_HEAD,
        locality=org.tdp_a1,
        start_on=D(2020, 1, 1),
    )
    body = entries_html(page(client))
    assert f'href="?person={org.an.pk}">Nguyễn Văn An</a>' in body
    assert "Tổ trưởng tổ dân phố" in body and "RESIDENTIAL_GROUP_HEAD" not in body


def test_a_page_of_entries_reads_related_names_in_a_few_queries(client, org, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client(client)
    role = personas.ward_b_officer.roles.get()
    stint = org.an.memberships.get().stints.get()

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            page(client)
        return len(context)

    def change(units):
        for unit in units:
            role.unit = unit
            role.save()
            stint.unit = unit
            stint.save(update_fields=["unit"])

    change([org.ward_a])
    page(client)  # the session is written back on the first page of the minute only
    few = queries()
    units = [org.ward_b, org.cell_a1, org.cell_a2, org.cell_b1, org.city, org.ward_a]
    change(units * 3)
    # The same number of queries for 2 entries as for 38 naming 6 units: one per kind of
    # record named, not one per entry or per value.
    assert queries() == few
    body = entries_html(page(client))
    assert "Chi bộ Tổ dân phố 2 → Chi bộ Tổ dân phố 1 (B)" in body
    assert "<td>hệ thống</td>" in body and "<td>system</td>" not in body  # fixture rows


def test_the_filter_offers_users_kinds_and_the_unit_picker(client, org, personas):
    org.an.occupation = "RETIRED"
    org.an.save()
    role = personas.ward_b_officer.roles.get()
    role.valid_from = D(2020, 1, 1)
    role.save()
    admin = admin_client(client)
    body = page(client)
    form = body.split('<form method="get" class="filters">')[1].split("</form>")[0]
    # Users are searched by name as the admin types, never all listed.
    assert 'list="user-options"' in form and 'hx-get="' + reverse("audit_user_options") in form
    assert "ward.a" not in form and '<select name="user">' not in form
    offered = client.get(reverse("audit_user_options"), {"user": "WARD"}).content.decode()
    assert '<datalist id="user-options">' in offered
    assert 'value="ward.a"' in offered and 'value="ward.b"' in offered
    assert "btc.city" not in offered
    kinds = form.split('<select name="model">')[1].split("</select>")[0]
    assert 'value="people.person"' in kinds and ">Người<" in kinds
    assert ">Đối tượng ưu tiên của quần chúng<" in kinds and "Candidate tag" not in kinds
    labels = [part.split("<")[0] for part in kinds.split('" >')[1:]]
    assert labels.index("Địa bàn") < labels.index("Huy hiệu Đảng")  # đ sorts as d
    assert 'list="unit-options"' in form and 'hx-get="' + reverse("unit_options") in form
    for code_field in ("Unit code", "Mã đơn vị", "Person id", 'name="person"'):
        assert code_field not in form

    def listed(**params):
        return [e.pk for e in client.get(reverse("audit_log"), params).context["page"]]

    people = listed(model="people.person")
    assert people and all(AuditEntry.objects.get(pk=pk).model == "people.person" for pk in people)
    # The unit chosen by its name (what the picker fills in): the entries under ward B.
    in_b = listed(unit="Đảng bộ phường B")
    assert in_b and all(
        AuditEntry.objects.get(pk=pk).unit_path.startswith(org.ward_b.path) for pk in in_b
    )
    assert listed(unit="Đảng bộ phường B") == listed(unit=org.ward_b.code)
    assert 'value="Đảng bộ phường B – Đảng bộ thành phố Thử"' in page(client, unit="WARDB")
    # A user chosen from the list: only their entries.
    client.force_login(personas.ward_a_officer)
    client.get(reverse("person_detail", args=[org.an.pk]))
    client.force_login(admin)
    by_ward_a = listed(user="ward.a")
    assert by_ward_a and {AuditEntry.objects.get(pk=pk).username for pk in by_ward_a} == {"ward.a"}
    # The same user named by an id from a link, by their login in any case, or by a
    # label; the field then shows the label.
    assert listed(user=str(personas.ward_a_officer.pk)) == listed(user="WARD.A") == by_ward_a
    personas.ward_a_officer.last_name = "Lê Văn Hải"
    personas.ward_a_officer.save()
    assert listed(user="Lê Văn Hải (ward.a)") == by_ward_a
    assert 'value="Lê Văn Hải (ward.a)"' in page(client, user=str(personas.ward_a_officer.pk))
    # A choice not offered is a Vietnamese error and no rows, never everything.
    for bad in ({"user": "999999"}, {"user": "ward"}, {"model": "auth.permission"}, {"unit": "X"}):
        got = client.get(reverse("audit_log"), bad, HTTP_ACCEPT_LANGUAGE="vi")
        assert got.status_code == 200 and len(got.context["page"]) == 0
        assert 'class="error"' in got.content.decode()


def test_a_person_filter_shows_the_persons_name(client, org, personas):
    org.an.occupation = "RETIRED"
    org.an.save()
    admin_client(client)
    body = page(client, person=org.an.pk)
    form = body.split('<form method="get" class="filters">')[1].split("</form>")[0]
    assert "Nguyễn Văn An" in form
    assert Role.objects.exists()


@pytest.mark.parametrize(
    "stored, said",
    [
        ("403 GET /people/12/", "Bị từ chối truy cập (/people/12/)"),
        (
            "404: outside scope (people.person) /api/people/9",
            "Yêu cầu xem người ngoài phạm vi được giao (bị từ chối)",
        ),
        ("user name: ward.x", "Tên đăng nhập đã thử: ward.x"),
        ("admin list people.person 3 rows ?q=", "Mở danh sách người trong trang quản trị"),
        ("development report 2017-01-01–2017-12-31 (xlsx)", "Xuất báo cáo phát triển đảng viên"),
        ("dashboard 2026-11-30 (pdf)", "Xuất bảng điều khiển (pdf)"),
        (
            "people list xlsx, 12 rows; purpose: Thanh tra; q=an",
            "Xuất danh sách người (xlsx, 12 dòng); mục đích: Thanh tra",
        ),
        ("export members.xlsx purpose: Báo cáo quý", "Xuất dữ liệu; mục đích: Báo cáo quý"),
        ("restructure MERGE A → B from 2025-07-01", "Sắp xếp lại tổ chức đảng hoặc địa bàn"),
        ("upload members ds.xlsx sha256=ab12cd", "Tải lên tệp để nhập: ds.xlsx"),
        ("wrong two-factor code", "Sai mã xác thực hai bước"),
    ],
)
def test_stored_details_are_said_in_vietnamese(stored, said):
    from django.utils import translation

    from dangvien.core.audit_text import audit_detail

    with translation.override("vi"):
        assert said in audit_detail(stored)


def test_fields_without_a_title_of_their_own_are_named_in_vietnamese(db):
    from django.utils import translation

    from dangvien.core.audit_text import change_rows, model_title

    with translation.override("vi"):
        rows = change_rows(
            "admission.candidatetag", [("candidate_id", None, 999999), ("tag", None, "WOMEN")]
        )
        assert [r[0] for r in rows] == ["quần chúng", "đối tượng ưu tiên"]
        assert rows[0][2] == "–"  # a record no longer there: no bare id
        voided = change_rows("admission.event", [("voided_by_id", None, 1)])
        assert voided[0][0] == "người hủy"
        assert model_title("admission.candidatetag") == "đối tượng ưu tiên của quần chúng"
