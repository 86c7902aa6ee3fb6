"""Importing members with the member template's exact columns."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dangvien.imports.members import COLUMNS
from dangvien.membership.models import Membership
from dangvien.people.models import Person
from dangvien.records.models import ExitDecision, PartyCard
from dangvien.reports.structure import structure

ROW = {
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


def xlsx(tmp_path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r.get(c) for c in COLUMNS])
    path = tmp_path / "members.xlsx"
    wb.save(path)
    return str(path)


def test_members_import_once_then_nothing_changes(org, tmp_path, capsys):
    before = structure(org.ward_a, dt.date(2017, 11, 30)).figures["members"]
    year_only = {
        **ROW,
        "Họ và tên": "Y Văn Xưa",
        "Ngày sinh": "1950",
        "Giới tính": "Nam",
        "Số CCCD": "",
        "Dân tộc": "Kinh",
        "Số thẻ đảng viên": "",
        "Trình độ giáo dục phổ thông": "7/10",
        "Ngày quyết định kết nạp": "1975-05-01",
        "Ngày vào Đảng": "1975-05-19",
        "Ngày chính thức": "1976-05-19",
        "Ngày ra khỏi Đảng": "01/02/2016",
        "Lý do ra khỏi Đảng": "Từ trần",
    }
    path = xlsx(tmp_path, [ROW, year_only])
    call_command("import", "members", path)
    assert "2 mới" in capsys.readouterr().out
    hoa = Person.objects.get(citizen_id="064185000777")
    assert hoa.ethnicity.name == "Ba-na" and hoa.residence.code == "WA-TDP2"
    assert hoa.occupation == "PUBLIC_SERVICE"
    m = Membership.objects.get(person=hoa)
    assert m.card_number == "41234567" and m.stints.get().unit.code == "A2"
    old = Person.objects.get(full_name="Y Văn Xưa")
    assert old.birth_date == dt.date(1950, 1, 1)
    assert old.memberships.get().exit_reason == "DEATH"
    # The exit and the card stand as records the pages can reverse and reissue.
    (died,) = ExitDecision.objects.filter(membership__person=old)
    assert (died.on, died.reason, died.reversed_on) == (dt.date(2016, 2, 1), "DEATH", None)
    assert list(PartyCard.objects.filter(membership=m).values_list("number", flat=True)) == [
        "41234567"
    ]
    after = structure(org.ward_a, dt.date(2017, 11, 30))
    assert after.figures["members"] == before + 1  # Hoa; Xưa died in 2016
    call_command("import", "members", path)
    assert "0 mới, 0 cập nhật, 2 không đổi" in capsys.readouterr().out
    assert ExitDecision.objects.count() == 1 and PartyCard.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"Số CCCD": "064085000777"}, "chữ số thứ 4"),
        ({"Dân tộc": "Banaa"}, "có phải “Ba-na”"),
        ({"Tôn giáo": "Thiên chúa giáo la mã"}, "danh mục tôn giáo"),
        ({"Mã đơn vị": "WARDA"}, "không phải mã của một chi bộ"),
        ({"Ngày vào Đảng": "15/03/2000"}, "trước khi đủ 18 tuổi"),
        (
            {"Ngày ra khỏi Đảng": "01/01/2009", "Lý do ra khỏi Đảng": "Từ trần"},
            "trước ngày vào Đảng",
        ),
        ({"Ngày sinh": "30/02/1985"}, "không phải là ngày"),
        ({"Lý do ra khỏi Đảng": "Bỏ đi"}, "không có trong danh mục"),
        ({"Nghề nghiệp": "Viên chức"}, "có phải “Viên chức sự nghiệp”"),
        (
            {"Số CCCD": "064080123456", "Giới tính": "Nam", "Ngày sinh": "01/05/1980"},
            "đã có người khác",
        ),
    ],
)
def test_any_bad_member_row_writes_nothing(org, tmp_path, capsys, change, says):
    good = {
        **ROW,
        "Họ và tên": "Lò Văn Tốt",
        "Số CCCD": "064090000888",
        "Giới tính": "Nam",
        "Ngày sinh": "01/01/1990",
        "Số thẻ đảng viên": "41000002",
    }
    path = xlsx(tmp_path, [good, {**ROW, **change}])
    people = Person.objects.count()
    with pytest.raises(CommandError):
        call_command("import", "members", path)
    assert says in capsys.readouterr().err
    assert Person.objects.count() == people


def test_duplicate_cccd_inside_the_file(org, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import", "members", xlsx(tmp_path, [ROW, ROW]))
    assert "trùng với dòng 2" in capsys.readouterr().err


def test_an_import_refreshes_the_counts_once_for_the_whole_file(org, tmp_path, capsys, monkeypatch):
    """Chunks and updated rows are told to the precomputed counts and the scope table in
    one batch at the end, not one refresh per chunk or per saved row."""
    from dangvien.core.bulk import people_changed
    from dangvien.imports import members

    monkeypatch.setattr(members, "CHUNK", 2)
    rows = [
        {
            **ROW,
            "Họ và tên": f"Người Nhập {i}",
            "Số CCCD": f"06418500{i:04d}",
            "Số thẻ đảng viên": "",
        }
        for i in range(5)
    ]
    batches = []

    def heard(sender, people, **kwargs):
        batches.append(sorted(people))

    people_changed.connect(heard)
    try:
        call_command("import", "members", xlsx(tmp_path, rows))
    finally:
        people_changed.disconnect(heard)
    assert "5 mới" in capsys.readouterr().out
    imported = sorted(
        Person.objects.filter(full_name__startswith="Người Nhập").values_list("pk", flat=True)
    )
    assert len(imported) == 5
    assert batches == [imported]
    assert structure(org.ward_a, dt.date(2017, 11, 30)).figures["members"] >= 5


def test_a_large_import_audits_every_created_row_in_one_valid_chain(org, tmp_path):
    """Enough rows for the bulk path (COPY on PostgreSQL): one CREATE entry per row
    written, the whole chain still verifies."""
    from dangvien.accounts import chain
    from dangvien.accounts.models import AuditEntry
    from dangvien.membership.models import Stint
    from dangvien.people.models import Residence

    rows = []
    for i in range(250):
        left = i % 10 == 0
        rows.append(
            {
                **ROW,
                "Họ và tên": f"Đinh Thị Hoa {chr(ord('A') + i % 26)}{chr(ord('A') + i // 26)}",
                "Số CCCD": f"064185{900000 + i:06d}",
                "Số thẻ đảng viên": f"5{i:07d}",
                "Ngày ra khỏi Đảng": "01/02/2016" if left else "",
                "Lý do ra khỏi Đảng": "Từ trần" if left else "",
            }
        )
    models = (Person, Residence, Membership, Stint, PartyCard, ExitDecision)
    before = {m: m.objects.count() for m in models}
    entries = AuditEntry.objects.count()
    call_command("import", "members", xlsx(tmp_path, rows))
    created = {m._meta.label_lower: m.objects.count() - before[m] for m in models}
    assert created["people.person"] == created["membership.membership"] == 250
    assert created["records.exitdecision"] == 25
    logged = AuditEntry.objects.filter(action="CREATE", detail="import members")
    assert {m: logged.filter(model=m).count() for m in created} == created
    assert AuditEntry.objects.count() == entries + sum(created.values()) + 1  # the summary
    assert chain.verify() == (AuditEntry.objects.count(), None)
    assert logged.filter(model="people.person").first().after["citizen_id"].startswith("0641")
