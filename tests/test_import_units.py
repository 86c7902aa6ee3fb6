"""Importing organisation units: everything checked first, all or nothing, idempotent."""

import datetime as dt
import unicodedata

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dangvien.accounts.models import AuditEntry
from dangvien.orgs.models import OrgUnit

HEADERS = ["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên", "Ngày thành lập"]
GOOD = [
    ["WARDC", "Đảng bộ phường C", "Đảng bộ cơ sở", "CITY", "01/01/1990"],
    ["C1", "Chi bộ Tổ dân phố 1", "Chi bộ", "WARDC", dt.datetime(1995, 5, 1)],
    ["C1-T1", "Tổ đảng số 1", "Tổ đảng", "C1", "1995-05-01"],
]


def xlsx(tmp_path, rows, name="units.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return str(path)


def test_a_clean_file_imports_once_and_twice_changes_nothing(org, tmp_path, capsys):
    path = xlsx(tmp_path, [GOOD[2], GOOD[0], GOOD[1]])  # children before parents: fine
    call_command("import", "units", path, "--dry-run")
    assert "3 mới" in capsys.readouterr().out and not OrgUnit.objects.filter(code="C1").exists()
    call_command("import", "units", path)
    assert OrgUnit.objects.get(code="C1-T1").path == "CITY/WARDC/C1/C1-T1/"
    assert OrgUnit.objects.get(code="C1").valid_from == dt.date(1995, 5, 1)
    capsys.readouterr()
    call_command("import", "units", path)
    assert "0 mới, 0 cập nhật, 3 không đổi" in capsys.readouterr().out
    assert AuditEntry.objects.filter(detail__startswith="import units").count() == 2


def test_csv_with_bom_and_nfd_names(org, tmp_path, capsys):
    text = (
        ",".join(HEADERS)
        + "\n"
        + "WARDD,"
        + unicodedata.normalize("NFD", "  Đảng bộ phường  D ")
        + ",Đảng bộ cơ sở,CITY,02/03/1991\n"
    )
    path = tmp_path / "units.csv"
    path.write_text("\ufeff" + text, encoding="utf-8")
    call_command("import", "units", str(path))
    assert OrgUnit.objects.get(code="WARDD").name == "Đảng bộ phường D"


@pytest.mark.parametrize(
    ("row", "says"),
    [
        (["WARDC", "Đảng bộ phường C", "Đảng bộ cơ sở", "NOPE", "01/01/1990"], "không tồn tại"),
        (
            ["WARDC", "Đảng bộ phường C", "Đảng bộ cơ sở", "CITY", "31/02/1990"],
            "không phải là ngày",
        ),
        (["WARDC", "Đảng bộ phường C", "Đảng bộ cơ sở", "CITY", "01/01/2099"], "tương lai"),
        (
            ["WARDC", "Đảng bộ phường C", "Dang bo co so", "CITY", "01/01/1990"],
            "có phải “Đảng bộ cơ sở”",
        ),
        (
            ["ward c", "Đảng bộ phường C", "Đảng bộ cơ sở", "CITY", "01/01/1990"],
            "mã đơn vị không hợp lệ",
        ),
        (["A1", "Chi bộ chuyển", "Chi bộ", "WARDB", "01/01/2000"], "đổi đơn vị cấp trên"),
        (["WARDC", "Đảng bộ phường C", "Chi bộ", "CITY", "01/01/1990"], "không thể trực thuộc"),
    ],
)
def test_any_bad_row_writes_nothing_and_says_why(org, tmp_path, capsys, row, says):
    path = xlsx(tmp_path, [GOOD[1], row])  # one good row too: it must not be written
    count = OrgUnit.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("import", "units", path)
    assert "chưa ghi gì" in str(err.value)
    assert says in capsys.readouterr().err
    assert OrgUnit.objects.count() == count


def test_duplicates_missing_columns_and_broken_files(org, tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import", "units", xlsx(tmp_path, [GOOD[0], GOOD[0]]))
    assert "trùng với dòng 2" in capsys.readouterr().err
    wb = Workbook()
    wb.active.append(["Mã", "Tên"])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(CommandError):
        call_command("import", "units", str(tmp_path / "bad.xlsx"))
    assert "thiếu cột" in capsys.readouterr().err
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(CommandError) as err:
        call_command("import", "units", str(tmp_path / "broken.xlsx"))
    assert "Không đọc được tệp Excel" in str(err.value)
    with pytest.raises(CommandError) as err:
        call_command("import", "units", str(tmp_path / "x.pdf"))
    assert ".pdf" in str(err.value)
