"""Residence as dated history: the move action, the person page's section, the API, the
writers that keep it (imports, the new-candidate form) and the coverage report that
reads it for past dates."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from dangvien.accounts.models import AuditEntry, Role
from dangvien.core.errors import InvalidField, NotAllowed
from dangvien.imports import candidates as cand_import
from dangvien.imports.members import COLUMNS
from dangvien.membership.models import Stint
from dangvien.orgs.models import Locality
from dangvien.people.models import Person, Residence
from dangvien.people.record import full_record
from dangvien.records.people import move_residence
from dangvien.reports.coverage import coverage
from dangvien.reports.structure import structure

from . import factories as f

D = dt.date
TODAY = D(2024, 6, 1)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def tdp_a2(org):
    return Locality.objects.get(code="WA-TDP2")


def history(person) -> list[tuple[str, dt.date | None, dt.date | None]]:
    return [
        (r.locality.code, r.start_on, r.end_on)
        for r in Residence.objects.filter(person=person).order_by(
            F("start_on").asc(nulls_first=True), "pk"
        )
    ]


def codes(rows):
    return {r["code"] for r in rows}


# ----- the action ------------------------------------------------------------------------


def test_a_move_ends_the_current_row_and_starts_a_new_one(org, personas, tdp_a2):
    row = move_residence(org.an, tdp_a2, on=D(2020, 3, 1), by=personas.ward_a_officer, today=TODAY)
    assert history(org.an) == [("WA-TDP1", None, D(2020, 3, 1)), ("WA-TDP2", D(2020, 3, 1), None)]
    assert row.start_on == D(2020, 3, 1)
    assert Person.objects.get(pk=org.an.pk).residence == tdp_a2
    # Audited: the ended row, the new one and the person's current residence.
    entries = AuditEntry.objects.filter(person_id=org.an.pk, model="people.residence")
    assert {e.action for e in entries} == {AuditEntry.Action.UPDATE, AuditEntry.Action.CREATE}
    moved = AuditEntry.objects.filter(model="people.person", object_id=str(org.an.pk)).latest("pk")
    assert moved.after["residence_id"] == tdp_a2.pk
    # Another move later, then back again: the history keeps every period.
    move_residence(org.an, org.tdp_a1, on=D(2022, 1, 1), by=personas.ward_a_officer, today=TODAY)
    assert history(org.an)[-2:] == [
        ("WA-TDP2", D(2020, 3, 1), D(2022, 1, 1)),
        ("WA-TDP1", D(2022, 1, 1), None),
    ]


def test_a_move_recorded_again_on_the_same_day_corrects_it(org, personas, tdp_a2):
    officer = personas.ward_a_officer
    move_residence(org.dung, tdp_a2, on=D(2020, 3, 1), by=officer, today=TODAY)
    home_b = Locality.objects.create(
        code="WA-TDP3",
        name="Tổ dân phố 3",
        kind="RESIDENTIAL_GROUP",
        parent=org.ward_a_loc,
        valid_from=D(2000, 1, 1),
    )
    move_residence(org.dung, home_b, on=D(2020, 3, 1), by=officer, today=TODAY)
    assert history(org.dung) == [("WA-TDP1", None, D(2020, 3, 1)), ("WA-TDP3", D(2020, 3, 1), None)]


def test_refused_moves_write_nothing(org, personas, tdp_a2):
    officer = personas.ward_a_officer
    move_residence(org.an, tdp_a2, on=D(2020, 3, 1), by=officer, today=TODAY)
    before = history(org.an)
    cases = [
        (org.tdp_a1, D(2020, 2, 1), "on", "từ ngày 01/03/2020"),  # before the current start
        (org.ward_a_loc, D(2021, 1, 1), "locality", "không phải là thôn"),  # a ward
        (tdp_a2, D(2021, 1, 1), "locality", "hiện đã cư trú"),  # already there
        (org.tdp_a1, D(2025, 1, 1), "on", "ở tương lai"),
        (org.tdp_a1, D(1979, 1, 1), "on", "trước ngày sinh"),
    ]
    for place, day, field, words in cases:
        with pytest.raises(InvalidField) as e:
            move_residence(org.an, place, on=day, by=officer, today=TODAY)
        assert e.value.field == field and words in str(e.value), str(e.value)
    closed = Locality.objects.create(
        code="WA-OLD",
        name="Tổ cũ",
        kind="RESIDENTIAL_GROUP",
        parent=org.ward_a_loc,
        valid_from=D(2000, 1, 1),
        valid_to=D(2019, 1, 1),
    )
    with pytest.raises(InvalidField) as e:
        move_residence(org.an, closed, on=D(2021, 1, 1), by=officer, today=TODAY)
    assert "không tồn tại vào ngày 01/01/2021" in str(e.value)
    assert history(org.an) == before


def test_scope_of_moves(org, personas, tdp_a2):
    wb = Locality.objects.get(code="WB-TDP1")
    with pytest.raises(NotAllowed):  # ward A may not say someone lives in ward B
        move_residence(org.an, wb, on=D(2021, 1, 1), by=personas.ward_a_officer, today=TODAY)
    with pytest.raises(NotAllowed):  # nor ward B move ward A's member
        move_residence(org.an, wb, on=D(2021, 1, 1), by=personas.ward_b_officer, today=TODAY)
    leader = f.user("leader.a", Role.Kind.LEADER, org.ward_a)
    with pytest.raises(NotAllowed):
        move_residence(org.an, tdp_a2, on=D(2021, 1, 1), by=leader, today=TODAY)
    assert history(org.an) == [("WA-TDP1", None, None)]
    # The city's board may move a ward A member to ward B.
    move_residence(org.an, wb, on=D(2021, 1, 1), by=personas.city_officer, today=TODAY)
    assert Person.objects.get(pk=org.an.pk).residence == wb


# ----- reports for past dates --------------------------------------------------------------


def test_coverage_reads_where_members_lived_on_the_day(org, personas, tdp_a2):
    """An moved from group 1 to group 2 of ward A on 01/03/2020."""
    move_residence(org.an, tdp_a2, on=D(2020, 3, 1), by=personas.ward_a_officer, today=TODAY)
    before, after = coverage(org.ward_a, D(2020, 2, 1)), coverage(org.ward_a, D(2020, 4, 1))
    assert {r["code"]: r["members"] for r in before.at_risk} == {"WA-TDP1": 1, "WA-TDP2": 1}
    assert not before.without_members
    assert codes(after.without_members) == {"WA-TDP1"}
    assert {r["code"]: r["members"] for r in after.at_risk} == {"WA-TDP2": 2}
    # Cell A1 serves group 1; its member now lives in group 2.
    assert not before.cells_living_elsewhere
    assert after.cells_living_elsewhere == [
        {
            "code": "A1",
            "name": "Chi bộ Tổ dân phố 1",
            "commune": "Đảng bộ phường A",
            "members": 1,
            "local": 0,
        }
    ]
    # The party's own counts do not depend on where members live.
    assert structure(org.ward_a, D(2020, 2, 1)).figures["members"] == 2
    assert structure(org.ward_a, D(2020, 4, 1)).figures["members"] == 2


def test_tai_trang_counts_members_who_lived_there_in_the_period(org, personas):
    wb = Locality.objects.get(code="WB-TDP1")
    wa = org.tdp_a1
    move_residence(org.cuong, wa, on=D(2018, 1, 1), by=personas.city_officer, today=TODAY)
    m = org.cuong.memberships.get()
    m.exit_on, m.exit_reason = D(2019, 1, 1), "DEATH"
    m.save(update_fields=["exit_on", "exit_reason"])
    Stint.objects.filter(membership=m).update(end_on=D(2019, 1, 1), reason_out="EXIT")
    city = coverage(org.city, D(2020, 1, 1), since=D(2015, 1, 1))
    # Group 1 of ward B had him until he moved away in 2018: tái trắng since 2015.
    assert codes(city.without_members) == {wb.code}
    assert city.relapsed == [{"code": wb.code, "name": wb.name, "commune": "Phường B", "left": 1}]
    # Counted from 2018 on, the group was already without him.
    assert not coverage(org.city, D(2020, 1, 1), since=D(2018, 6, 1)).relapsed
    # Ward A's group 1, where he died, still has An.
    assert wa.code not in codes(city.without_members)


def test_coverage_queries_do_not_grow_with_members(org, personas, tdp_a2):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            coverage(org.city, D(2021, 1, 1))
        return len(ctx.captured_queries)

    first = queries()
    for i in range(6):
        p = f.person(f"Người Số {i}", D(1980, 1, 1 + i), residence=org.tdp_a1)
        f.member(p, org.cell_a1, ceremony=D(2010, 1, 1))
        move_residence(p, tdp_a2, on=D(2019, 1, 1 + i), by=personas.city_officer, today=TODAY)
    assert queries() == first
    c = coverage(org.ward_a, D(2021, 1, 1))
    assert {r["code"]: r["members"] for r in c.at_risk} == {"WA-TDP1": 1}  # An alone
    assert c.cells_living_elsewhere == [
        {
            "code": "A1",
            "name": "Chi bộ Tổ dân phố 1",
            "commune": "Đảng bộ phường A",
            "members": 7,
            "local": 1,
        }
    ]
    old = coverage(org.ward_a, D(2018, 6, 1))  # before the six moved
    assert {r["code"]: r["members"] for r in old.at_risk} == {"WA-TDP2": 1}  # Bình


# ----- the person page and the API -----------------------------------------------------------


def test_the_person_page_shows_the_history_and_records_a_move(client, org, personas, tdp_a2):
    client.force_login(personas.ward_a_officer)
    url = reverse("person_detail", args=[org.an.pk])
    page = client.get(url).content.decode()
    assert "Nơi cư trú qua các thời kỳ" in page and "trước khi có dữ liệu" in page
    move = reverse("person_move", args=[org.an.pk])
    assert f'hx-get="{move}"' in page and 'value="WA-TDP2"' not in page  # loads when opened
    form = client.get(move, HTTP_HX_REQUEST="true").content.decode()
    assert "/localities/options/" in form  # the picker asks for what is typed
    offered = client.get("/localities/options/?list=locality&locality=To dan pho").content
    assert "Tổ dân phố 2, Phường A" in offered.decode()
    assert "Phường B" not in offered.decode()  # ward B's groups are not offered
    response = client.post(move, {"locality": "WA-TDP2", "on": "01/03/2020"})
    assert response.status_code == 302 and response["Location"].endswith("#residence")
    assert history(org.an)[-1] == ("WA-TDP2", D(2020, 3, 1), None)
    page = client.get(url).content.decode()
    assert "Đã ghi việc Nguyễn Văn An chuyển đến cư trú tại Tổ dân phố 2, Phường A." in page
    assert "01/03/2020" in page
    # The history of changes lists the move.
    assert "Nơi cư trú</em>: Tổ dân phố 1 → Tổ dân phố 2" in page
    # A date before the current row's start: the reason, nothing written.
    client.post(move, {"locality": "WA-TDP1", "on": "01/01/2020"})
    page = client.get(url).content.decode()
    assert "từ ngày 01/03/2020: ngày chuyển nơi cư trú phải từ ngày đó trở về sau" in page
    assert len(history(org.an)) == 2
    bad = client.post(move, {"locality": "WA-TDP1", "on": "31/02/2021"}, follow=True)
    assert "Cư trú từ ngày" in bad.content.decode()
    assert len(history(org.an)) == 2


def test_person_page_scope_for_moves(client, org, personas):
    move = reverse("person_move", args=[org.an.pk])
    client.force_login(personas.ward_b_officer)
    assert client.post(move, {"locality": "WB-TDP1", "on": "01/03/2020"}).status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert client.post(move, {"locality": "WA-TDP2", "on": "01/03/2020"}).status_code == 403
    page = client.get(reverse("person_detail", args=[org.an.pk])).content.decode()
    assert move not in page  # a names-only leader sees no form
    assert client.get(move).status_code == 403
    client.force_login(personas.ward_a_officer)  # a group outside the picker: refused
    refused = client.post(move, {"locality": "WB-TDP1", "on": "01/03/2020"}, follow=True)
    assert "Không có địa bàn nào trong phạm vi của bạn tên “WB-TDP1”" in refused.content.decode()
    assert history(org.an) == [("WA-TDP1", None, None)]


def test_api_records_a_move(client, org, personas):
    client.force_login(personas.ward_a_officer)
    url = f"/api/people/{org.an.pk}/residence"

    def post(body):
        return client.post(url, json.dumps(body), content_type="application/json")

    r = post({"locality": "wa-tdp2", "on": "2020-03-01"})
    assert r.status_code == 201, r.content
    assert [x["locality"] for x in r.json()["residences"]] == ["WA-TDP1", "WA-TDP2"]
    assert r.json()["residence"] == "WA-TDP2"
    early = post({"locality": "WA-TDP1", "on": "2020-01-01"})
    assert early.status_code == 400 and early.json()["field"] == "on"
    assert "01/03/2020" in early.json()["error"]
    unknown = post({"locality": "WB-TDP1", "on": "2021-01-01"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "locality"
    client.force_login(personas.ward_b_officer)
    assert post({"locality": "WB-TDP1", "on": "2021-01-01"}).status_code == 404
    client.force_login(f.user("leader.a", Role.Kind.LEADER, org.ward_a))
    assert post({"locality": "WA-TDP1", "on": "2021-01-01"}).status_code == 403
    assert len(history(org.an)) == 2


# ----- the writers that set a residence ------------------------------------------------


def xlsx(tmp_path, columns, rows, name="file.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(columns)
    for r in rows:
        ws.append([r.get(c) for c in columns])
    path = tmp_path / name
    wb.save(path)
    return str(path)


MEMBER = {
    "Họ và tên": "Đinh Thị Hoa",
    "Ngày sinh": "12/03/1985",
    "Giới tính": "Nữ",
    "Số CCCD": "064185000777",
    "Dân tộc": "Ba Na",
    "Tôn giáo": "Không",
    "Trình độ giáo dục phổ thông": "12/12",
    "Trình độ chuyên môn": "Đại học",
    "Lý luận chính trị": "Trung cấp",
    "Nghề nghiệp": "Viên chức sự nghiệp",
    "Mã đơn vị": "A2",
    "Mã địa bàn cư trú": "WA-TDP2",
    "Ngày quyết định kết nạp": "01/03/2010",
    "Ngày vào Đảng": "15/03/2010",
    "Ngày chính thức": "15/03/2011",
    "Số thẻ đảng viên": "41234567",
    "Ngày ra khỏi Đảng": "",
    "Lý do ra khỏi Đảng": "",
}


def test_member_import_writes_the_history(org, tmp_path):
    call_command("import", "members", xlsx(tmp_path, COLUMNS, [MEMBER]))
    hoa = Person.objects.get(citizen_id="064185000777")
    assert history(hoa) == [("WA-TDP2", None, None)]
    assert AuditEntry.objects.filter(model="people.residence", person_id=hoa.pk).exists()
    # The next file has her in group 1: a move on the day of the import.
    moved = xlsx(tmp_path, COLUMNS, [{**MEMBER, "Mã địa bàn cư trú": "WA-TDP1"}], "v2.xlsx")
    call_command("import", "members", moved)
    today = dt.date.today()
    assert history(hoa) == [("WA-TDP2", None, today), ("WA-TDP1", today, None)]
    assert Person.objects.get(pk=hoa.pk).residence.code == "WA-TDP1"
    call_command("import", "members", moved)  # the same file again: nothing changes
    assert len(history(hoa)) == 2


def test_candidate_import_and_form_write_the_history(client, org, personas, tmp_path):
    row = {
        "Họ và tên": "Rơ Châm Hyơk",
        "Ngày sinh": "15/06/2001",
        "Giới tính": "Nữ",
        "Số CCCD": "064301000456",
        "Dân tộc": "Gia Rai",
        "Tôn giáo": "Không",
        "Trình độ giáo dục phổ thông": "12/12",
        "Trình độ chuyên môn": "Trung cấp",
        "Lý luận chính trị": "Không",
        "Nghề nghiệp": "",
        "Mã địa bàn cư trú": "WA-TDP1",
        "Mã chi bộ": "A1",
        "Ngày vào danh sách nguồn": "10/01/2024",
        "Nhóm ưu tiên": "Phụ nữ",
        "Đoàn viên": "Có",
        "Số CCCD người giúp đỡ": "",
    }
    call_command("import", "candidates", xlsx(tmp_path, cand_import.COLUMNS, [row]))
    assert history(Person.objects.get(citizen_id="064301000456")) == [("WA-TDP1", None, None)]
    client.force_login(personas.ward_a_officer)
    form = {
        "cell": "A1",
        "listed_on": "01/06/2016",
        "full_name": "Đỗ Thị Hạnh",
        "birth_date": "12/03/1996",
        "sex": "F",
        "citizen_id": "064196000123",
        "ethnicity": "01",
        "religion": "00",
        "general_education": "UPPER_SECONDARY",
        "professional": "UNIVERSITY",
        "occupation": "OTHER",
        "residence": "WA-TDP2",
        "youth_union_exists": "on",
    }
    assert client.post(reverse("candidate_new"), form).status_code == 302
    assert history(Person.objects.get(citizen_id="064196000123")) == [("WA-TDP2", None, None)]


def test_full_record_has_the_residence_history(org, personas, tdp_a2):
    move_residence(org.an, tdp_a2, on=D(2020, 3, 1), by=personas.ward_a_officer, today=TODAY)
    record = full_record(org.an)
    assert [(r["locality_code"], r["start_on"], r["end_on"]) for r in record["residences"]] == [
        ("WA-TDP1", None, "2020-03-01"),
        ("WA-TDP2", "2020-03-01", None),
    ]
    assert record["residences"][1]["locality_name"] == "Tổ dân phố 2, Phường A"


def test_the_localities_page_counts_where_members_lived_on_the_day(client, org, personas, tdp_a2):
    move_residence(org.an, tdp_a2, on=D(2020, 3, 1), by=personas.ward_a_officer, today=TODAY)
    client.force_login(personas.ward_a_officer)

    def residents(day):
        rows = client.get("/localities/", {"date": day}).context["groups"][0]["rows"]
        return {r["loc"].code: r["residents"] for r in rows}

    assert residents("01/02/2020") == {"WA-TDP1": 1, "WA-TDP2": 1}
    assert residents("01/04/2020") == {"WA-TDP1": 0, "WA-TDP2": 2}
