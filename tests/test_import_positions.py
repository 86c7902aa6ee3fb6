"""Importing positions held (chức vụ) from a spreadsheet: template, every row checked
first, then all written or none; Vietnamese problems naming row and column; scope; the
same file twice changes nothing; the command line and the upload page."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dangvien.accounts.models import AuditEntry
from dangvien.imports import positions
from dangvien.imports.base import Scope
from dangvien.imports.registry import IMPORTERS
from dangvien.people.models import Person, Position

TODAY = dt.date(2026, 11, 29)
K = Position.Kind


def xlsx(tmp_path, rows, name="chuc-vu.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(positions.COLUMNS)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return str(path)


@pytest.fixture
def dung(org):
    p = Person.objects.get(pk=org.dung.pk)
    p.citizen_id = "064199000111"
    p.save(update_fields=["citizen_id"])
    return p


AN = ["064080123456", "Nguyễn Văn An"]
DUNG = ["064199000111", "Phạm Thị Dung"]


def test_import_then_the_same_file_changes_nothing(org, dung, tmp_path, capsys):
    path = xlsx(
        tmp_path,
        [
            [*AN, "Bí thư chi bộ", "", "A1", "01/01/2020", ""],
            [*DUNG, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "15/03/2021", "01/07/2024"],
            [*AN, "Công an viên", "WA", "", "01/02/2022", ""],
        ],
    )
    assert "positions" in IMPORTERS
    call_command("import", "positions", path)
    secretary = Position.objects.get(kind=K.CELL_SECRETARY)
    assert (secretary.person, secretary.unit, secretary.start_on) == (
        org.an,
        org.cell_a1,
        dt.date(2020, 1, 1),
    )
    head = Position.objects.get(kind=K.RESIDENTIAL_GROUP_HEAD)
    assert (head.person, head.locality, head.end_on) == (
        dung,
        org.tdp_a1,
        dt.date(2024, 7, 1),
    )
    assert Position.objects.get(kind=K.COMMUNE_POLICE).locality == org.ward_a_loc
    assert AuditEntry.objects.filter(detail__startswith="import positions").exists()
    capsys.readouterr()
    call_command("import", "positions", path)
    assert "0 mới, 0 cập nhật, 3 không đổi" in capsys.readouterr().out
    assert Position.objects.count() == 3


def test_an_end_date_given_later_ends_the_post(org, tmp_path):
    row = [*AN, "Bí thư chi bộ", "", "A1", "01/01/2020", ""]
    call_command("import", "positions", xlsx(tmp_path, [row]))
    row[-1] = "01/01/2025"
    plan = positions.validate(xlsx(tmp_path, [row], "b.xlsx"), TODAY)
    assert (plan.n_new, plan.n_updated) == (0, 1)
    call_command("import", "positions", xlsx(tmp_path, [row], "b.xlsx"))
    assert Position.objects.get().end_on == dt.date(2025, 1, 1)


@pytest.mark.parametrize(
    "row, column, says",
    [
        (
            [*AN[:1], "Nguyễn Văn Ân", "Bí thư chi bộ", "", "A1", "01/01/2020", ""],
            "Họ và tên",
            "số CCCD này là của Nguyễn Văn An",
        ),
        (
            ["064000000000", "Ai Đó", "Bí thư chi bộ", "", "A1", "01/01/2020", ""],
            "Số CCCD",
            "không có người mang số CCCD này",
        ),
        ([*AN, "Bí thư", "", "A1", "01/01/2020", ""], "Chức vụ", "có phải “Bí thư chi bộ”?"),
        ([*AN, "Bí thư chi bộ", "", "", "01/01/2020", ""], "Mã chi bộ", "cần mã chi bộ"),
        (
            [*AN, "Trưởng thôn, làng", "WA-TDP1", "", "01/01/2020", ""],
            "Mã địa bàn",
            "cần mã địa bàn (thôn, làng)",
        ),
        (
            [*AN, "Bí thư chi bộ", "", "A2", "01/01/2020", ""],
            "Họ và tên",
            "không phải là đảng viên của Chi bộ Tổ dân phố 2",
        ),
        ([*AN, "Bí thư chi bộ", "", "A1", "31/02/2020", ""], "Từ ngày", "không phải là ngày"),
        (
            [*AN, "Bí thư chi bộ", "", "A1", "01/01/2020", "01/01/2019"],
            "Đến ngày",
            "không sau ngày bắt đầu",
        ),
    ],
)
def test_a_bad_row_says_why_in_vietnamese_and_nothing_is_written(
    org, dung, tmp_path, row, column, says
):
    good = [*DUNG, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "15/03/2021", ""]
    path = xlsx(tmp_path, [good, row])
    plan = positions.validate(path, TODAY)
    assert [(p.row, p.column) for p in plan.problems] == [(3, column)], plan.problems
    assert says in plan.problems[0].line()
    with pytest.raises(CommandError):
        call_command("import", "positions", path)
    assert not Position.objects.exists()  # not even the good row


def test_a_second_holder_in_the_file_or_the_database_is_refused(org, dung, tmp_path):
    head = [*DUNG, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "15/03/2021", ""]
    second = [*AN, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "01/01/2022", ""]
    plan = positions.validate(xlsx(tmp_path, [head, second]), TODAY)
    assert [(p.row, p.message) for p in plan.problems] == [(3, "trùng thời gian với dòng 2")]
    call_command("import", "positions", xlsx(tmp_path, [head], "a.xlsx"))
    plan = positions.validate(xlsx(tmp_path, [second], "b.xlsx"), TODAY)
    assert "đã có Phạm Thị Dung giữ chức vụ này từ 15/03/2021" in plan.problems[0].line()


def test_out_of_scope_rows_are_refused(org, dung, tmp_path):
    path = xlsx(tmp_path, [[*DUNG, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "15/03/2021", ""]])
    plan = positions.validate(
        path, TODAY, scope=Scope(units=[org.ward_b.path], localities=[org.ward_b_loc.path])
    )
    assert "ngoài phạm vi" in " ".join(p.message for p in plan.problems)


@pytest.fixture
def cuong(org):
    p = Person.objects.get(pk=org.cuong.pk)
    p.citizen_id = "064060000777"
    p.save(update_fields=["citizen_id"])
    return p


CUONG = ["064060000777", "Lê Văn Cường"]


def test_a_person_outside_the_scope_is_refused_even_in_a_place_inside_it(
    org, dung, cuong, tmp_path
):
    """Ward A's officer may name ward A's places, not attach a post to ward B's member:
    the row is refused naming it, nothing is written, and the answer is the same as for
    an unknown number (it neither confirms the person nor says their name)."""
    ward_a = Scope(units=[org.ward_a.path], localities=[org.ward_a_loc.path])
    rows = [
        [*DUNG, "Tổ trưởng tổ dân phố", "WA-TDP1", "", "15/03/2021", ""],
        [*CUONG, "Tổ trưởng tổ dân phố", "WA-TDP2", "", "15/03/2021", ""],
        ["064060000777", "Tên Bịa", "Tổ trưởng tổ dân phố", "WA-TDP2", "", "15/03/2021", ""],
        ["064099999999", "Ai Đó", "Tổ trưởng tổ dân phố", "WA-TDP2", "", "15/03/2021", ""],
    ]
    plan = positions.validate(xlsx(tmp_path, rows), TODAY, scope=ward_a)
    assert [(p.row, p.column) for p in plan.problems] == [
        (3, "Số CCCD"),
        (4, "Số CCCD"),
        (5, "Số CCCD"),
    ], plan.problems
    said = {p.line().split(": ", 1)[1].replace(f"“{p.value}”", "") for p in plan.problems}
    assert len(said) == 1  # one answer for outside, misnamed and unknown
    assert "Dòng 3, cột “Số CCCD” “064060000777”: không có người mang số CCCD này trong " in (
        plan.problems[0].line()
    )
    assert "Lê Văn Cường" not in " ".join(p.line() for p in plan.problems)
    # The whole city sees ward B's member: the same row goes through.
    assert positions.validate(xlsx(tmp_path, rows[:2], "b.xlsx"), TODAY).ok


def test_the_upload_page_refuses_a_person_outside_the_officers_scope(
    client, personas, org, dung, cuong, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangvien.imports.models import ImportRun

    path = xlsx(tmp_path, [[*CUONG, "Tổ trưởng tổ dân phố", "WA-TDP2", "", "15/03/2021", ""]])
    client.force_login(personas.ward_a_officer)
    with open(path, "rb") as fh:
        upload = SimpleUploadedFile("chuc-vu.xlsx", fh.read())
    client.post("/imports/new/", {"kind": "positions", "file": upload})
    run = ImportRun.objects.get()
    page = client.get(f"/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "không có người mang số CCCD này trong phạm vi bạn được giao" in page
    client.post(f"/imports/{run.pk}/write/")
    assert not Position.objects.exists()


def test_the_upload_page_offers_the_positions_import(client, personas, org):
    client.force_login(personas.ward_a_officer)
    body = client.get("/imports/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Chức vụ (trưởng thôn, tổ trưởng, bí thư chi bộ…)" in body
    template = client.get("/imports/template/positions.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_the_template_keeps_the_citizen_id_as_text(client, personas, org):
    """Excel must not turn 012345678901 into the number 12345678901: the CCCD column
    (and the code columns) of the template are formatted as text."""
    import io

    from openpyxl import load_workbook

    client.force_login(personas.ward_a_officer)
    got = client.get("/imports/template/positions.xlsx")
    ws = load_workbook(io.BytesIO(got.content)).worksheets[0]
    headers = [c.value for c in ws[1]]
    for column in (positions.CCCD, positions.PLACE, positions.CELL):
        letter = "ABCDEFG"[headers.index(column)]
        assert ws.column_dimensions[letter].number_format == "@", column
        assert ws[f"{letter}2"].number_format == "@", column
    cccd = ws.cell(row=2, column=headers.index(positions.CCCD) + 1)
    assert cccd.value == "064095001234" and cccd.data_type == "s"
    # Dates and names keep the general format.
    assert ws.column_dimensions["F"].number_format == "General"
