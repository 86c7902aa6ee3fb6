"""Restructuring localities: residents, serving cells, positions and leading committees
follow the successor from the effective day; the history before it stays; undo restores
every row; the spreadsheet import checks every row first and writes nothing on a problem."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from dangvien.orgs import locality_restructure as lr
from dangvien.orgs.models import Locality, LocalityCell, OrgUnit, Restructuring
from dangvien.orgs.restructure import Kind, Op, undo
from dangvien.people.models import Person, Position, Residence, resident_on_q
from dangvien.records.exits import record_exit

from . import factories as f

D = dt.date
DAY = D(2024, 1, 1)


def lives_in(person: Person, day: dt.date) -> str:
    return Residence.objects.filter(person=person).filter(resident_on_q(day)).get().locality.code


def served_by(code: str, day: dt.date) -> set[str]:
    return set(
        LocalityCell.objects.filter(locality__code=code, valid_from__lte=day)
        .exclude(valid_to__lte=day)
        .values_list("cell__code", flat=True)
    )


@pytest.fixture
def places(org):
    # The factory gave An, Bình and Dung a residence "since before the records".
    org.head = Position.objects.create(
        person=org.dung,
        kind=Position.Kind.RESIDENTIAL_GROUP_HEAD,
        locality=org.tdp_a1,
        start_on=D(2020, 1, 1),
    )
    return org


def merge_groups():
    return [
        Op(
            Kind.MERGE, "WA-TDP1", DAY, target="WA-TDP12", name="Tổ dân phố 1-2", parent="WA", row=2
        ),
        Op(
            Kind.MERGE, "WA-TDP2", DAY, target="WA-TDP12", name="Tổ dân phố 1-2", parent="WA", row=3
        ),
    ]


def test_merging_two_groups_moves_residents_cells_and_positions_from_the_day(places):
    org = places
    preview = lr.plan(merge_groups())
    assert preview.ok and preview.units_closed == 2 and preview.units_created == 1
    assert preview.members_moved == 3  # An, Dung (group 1) and Bình (group 2)
    assert "3 người cư trú chuyển sang địa bàn kế thừa" in preview.lines()
    assert Locality.objects.filter(code="WA-TDP12").count() == 0  # a preview writes nothing
    effect = lr.apply(merge_groups())
    assert effect.ok and effect.record is not None
    assert lives_in(org.an, DAY - dt.timedelta(days=1)) == "WA-TDP1"
    assert lives_in(org.an, DAY) == "WA-TDP12"
    assert lives_in(org.binh, DAY) == "WA-TDP12"
    org.an.refresh_from_db()
    assert org.an.residence.code == "WA-TDP12"
    # The shared locality is served by both cells (chi bộ ghép) from the day.
    assert served_by("WA-TDP12", DAY) == {"A1", "A2"}
    assert served_by("WA-TDP1", DAY - dt.timedelta(days=1)) == {"A1"}
    # The residential group head holds the post in the merged group from the day.
    org.head.refresh_from_db()
    assert org.head.end_on == DAY
    assert Position.objects.get(locality__code="WA-TDP12").person == org.dung
    old = Locality.objects.get(code="WA-TDP1")
    assert old.valid_to == DAY and [s.code for s in old.successors.all()] == ["WA-TDP12"]


def test_a_member_who_died_before_the_merge_keeps_their_last_residence(places):
    org = places
    died = D(2022, 3, 1)
    record_exit(org.an.memberships.get(), on=died, reason="DEATH", by=None)
    preview = lr.plan(merge_groups())
    assert preview.members_moved == 2  # Dung and Bình; An is no longer living there
    assert "Nguyễn Văn An" not in preview.members
    before = list(Residence.objects.filter(person=org.an).values_list("locality", "end_on"))
    assert lr.apply(merge_groups()).ok
    # No row after the death: the one they died in stays open, at the old group.
    after = list(Residence.objects.filter(person=org.an).values_list("locality", "end_on"))
    assert after == before
    assert lives_in(org.an, DAY) == "WA-TDP1"
    org.an.refresh_from_db()
    assert org.an.residence.code == "WA-TDP1"
    assert lives_in(org.dung, DAY) == "WA-TDP12"  # the living move as before


def test_a_group_where_only_the_dead_lived_can_be_dissolved(places):
    org = places
    Residence.objects.filter(person=org.dung).delete()  # she lives elsewhere now
    assert not lr.plan([Op(Kind.DISSOLVE, "WA-TDP1", DAY, row=2)]).ok  # An lives there
    record_exit(org.an.memberships.get(), on=D(2022, 3, 1), reason="DEATH", by=None)
    assert lr.plan([Op(Kind.DISSOLVE, "WA-TDP1", DAY, row=2)]).ok


def test_the_same_file_twice_changes_nothing_and_undo_restores_every_row(places):
    org = places
    before = (
        set(Residence.objects.values_list("pk", "locality", "start_on", "end_on")),
        set(LocalityCell.objects.values_list("pk", "locality", "cell", "valid_to")),
        set(Position.objects.values_list("pk", "locality", "end_on")),
    )
    effect = lr.apply(merge_groups())
    again = lr.apply(merge_groups())
    assert again.ok and not again.applied and len(again.unchanged) == 2
    undo(effect.record)
    after = (
        set(Residence.objects.values_list("pk", "locality", "start_on", "end_on")),
        set(LocalityCell.objects.values_list("pk", "locality", "cell", "valid_to")),
        set(Position.objects.values_list("pk", "locality", "end_on")),
    )
    assert after == before
    assert not Locality.objects.filter(code="WA-TDP12").exists()
    org.an.refresh_from_db()
    assert org.an.residence == org.tdp_a1
    assert Locality.objects.get(code="WA-TDP1").valid_to is None


def test_undo_is_refused_once_someone_new_lives_in_the_successor(places):
    effect = lr.apply(merge_groups())
    newcomer = f.person("Võ Văn Mới", D(1990, 1, 1), "M")
    Residence.objects.create(
        person=newcomer, locality=Locality.objects.get(code="WA-TDP12"), start_on=D(2024, 5, 1)
    )
    with pytest.raises(Exception, match="người mới cư trú"):
        undo(effect.record)


def test_a_ward_merge_carries_its_groups_and_leaves_committees_to_the_units(places):
    org = places
    ops = [
        Op(Kind.MERGE, "WA", DAY, target="WAB", name="Phường AB", parent="CITY", row=2),
        Op(Kind.MERGE, "WB", DAY, target="WAB", name="Phường AB", parent="CITY", row=3),
    ]
    preview = lr.plan(ops)
    assert preview.units_closed == 2 + 3 and preview.units_created == 1 + 3
    assert any("Đảng bộ phường A (WARDA)" in line for line in preview.lines())
    assert lr.apply(ops).ok
    groups = Locality.objects.filter(parent__code="WAB").order_by("name")
    assert groups.count() == 3
    assert Locality.objects.get(code=lives_in(org.an, DAY)).parent.code == "WAB"
    # Ward A's committee still leads the closed ward: no officer came to see ward B's
    # people through a merge of places alone.
    assert OrgUnit.objects.get(code="WARDA").locality.code == "WA"


def test_units_merged_on_the_same_day_lead_the_merged_locality(places):
    from dangvien.orgs.restructure import apply as apply_units

    ops = [
        Op(Kind.MERGE, "WA", DAY, target="WAB", name="Phường AB", parent="CITY", row=2),
        Op(Kind.MERGE, "WB", DAY, target="WAB", name="Phường AB", parent="CITY", row=3),
    ]
    assert lr.apply(ops).ok
    unit_ops = [
        Op(Kind.MERGE, c, DAY, target="WARDAB", name="Đảng bộ phường AB", parent="CITY")
        for c in ("WARDA", "WARDB")
    ]
    assert apply_units(unit_ops).ok
    assert OrgUnit.objects.get(code="WARDAB").locality.code == "WAB"


def test_dissolving_a_place_where_people_live_is_refused(places):
    effect = lr.plan([Op(Kind.DISSOLVE, "WA-TDP1", DAY, row=2)])
    assert not effect.ok
    assert "còn 2 người cư trú" in effect.problems[0][2]


def test_a_restructuring_spreadsheet_with_one_bad_row_writes_nothing(places, tmp_path):
    path = tmp_path / "dia-ban.csv"
    path.write_text(
        "Mã địa bàn,Loại thay đổi,Mã địa bàn mới,Tên địa bàn mới,Mã địa bàn cấp trên mới,"
        "Ngày hiệu lực\n"
        "WA-TDP1,Hợp nhất,WA-TDP12,Tổ dân phố 1-2,WA,01/01/2024\n"
        "WA-TDP2,Hợp nhất,WA-TDP12,Tổ dân phố 1-2,WA,01/01/2024\n"
        "WA-TDP9,Đổi tên,,Tổ dân phố 9,,01/01/2024\n",
        encoding="utf-8",
    )
    rows = Residence.objects.count()
    with pytest.raises(CommandError):
        call_command("restructure", str(path), localities=True)
    assert Residence.objects.count() == rows and not Restructuring.objects.exists()
    path.write_text(path.read_text(encoding="utf-8").rsplit("WA-TDP9", 1)[0], encoding="utf-8")
    call_command("restructure", str(path), localities=True)
    assert Locality.objects.filter(code="WA-TDP12").exists()
    call_command("restructure", str(path), localities=True)  # twice: nothing more
    assert Restructuring.objects.count() == 1


def test_the_board_previews_and_applies_a_merge_of_groups_on_the_page(client, personas, places):
    client.force_login(personas.city_officer)
    data = {
        "kind": "MERGE",
        "units": ["Tổ dân phố 1, Phường A", "WA-TDP2"],  # a label offered, or a code
        "parent": "Phường A",
        "code": "wa-tdp12",
        "name": "Tổ dân phố 1-2",
        "day": "01/01/2024",
    }
    page = client.post(
        "/localities/restructure/", data | {"action": "preview"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    body = page.content.decode()
    assert "3 người cư trú chuyển sang địa bàn kế thừa" in body and "Địa bàn đóng lại" in body
    assert not Locality.objects.filter(code="WA-TDP12").exists()
    done = client.post("/localities/restructure/", data | {"action": "apply"})
    assert done.status_code == 302
    record = Restructuring.objects.get()
    assert record.summary.startswith("Hợp nhất địa bàn WA-TDP1 → WA-TDP12")
    listed = client.get("/localities/restructure/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Hợp nhất địa bàn WA-TDP1" in listed


def test_a_ward_officer_cannot_restructure_localities(client, personas, places):
    client.force_login(personas.ward_a_officer)
    assert client.get("/localities/restructure/").status_code == 403
