"""The fast XLSX path (`guard.vetted_copy` + calamine): calamine reads only a copy made
from what Python decompressed and counted, and only a sheet whose cells all name their
position, checked before calamine lays the sheet out; anything else goes to the bounded
openpyxl reader. Both paths give the same rows."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from dangvien.imports import guard, members, reader
from dangvien.imports.reader import UnreadableFile, rows

from .test_upload_limits import SHEET, lie_about_sizes

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def with_positions(path, sheet_rows: list[list[tuple[int, str]]], *, start: int = 1):
    """A workbook (openpyxl's parts) whose first sheet holds `sheet_rows` below the
    member header, every cell with its position: each row a list of (column, text)."""
    wb = Workbook()
    wb.active.append(["x"])
    plain = io.BytesIO()
    wb.save(plain)

    def row(number: int, cells) -> bytes:
        body = "".join(
            f'<c r="{letters(c)}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in cells
        )
        return f'<row r="{number}">{body}</row>'.encode()

    header = row(start, list(enumerate(members.COLUMNS, start=1)))
    body = b"".join(row(start + i, cells) for i, cells in enumerate(sheet_rows, start=1))
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != SHEET:
                out.writestr(info.filename, source.read(info.filename))
        out.writestr(
            SHEET,
            f'<worksheet xmlns="{NS}"><sheetData>'.encode()
            + header
            + body
            + b"</sheetData></worksheet>",
        )
    return path


def test_an_openpyxl_workbook_reads_the_same_by_both_paths(tmp_path, settings, monkeypatch):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    wb = Workbook()
    ws = wb.active
    ws.append(members.COLUMNS)
    ws.append(
        [
            "Nguyễn  Văn An",
            dt.datetime(1985, 9, 2),
            "Nam",
            64085000123,
            "Kinh",
            "Không",
            "12/12",
            None,
            None,
            None,
            "PHUONGA-CB01",
            None,
            "10/05/2010",
            "19/05/2010",
            None,
            12.5,
            None,
            None,
        ]
    )
    ws.append([None] * len(members.COLUMNS))  # a blank row is skipped, its number kept
    ws.append(["Trần Thị Bình", "01/01/1990"])
    path = tmp_path / "hai.xlsx"
    wb.save(path)
    headers, stream = rows(path)
    fast = list(stream)
    monkeypatch.setattr(reader, "calamine_rows", lambda *a: None)
    slow_headers, slow_stream = rows(path)
    slow = list(slow_stream)
    assert headers == slow_headers == members.COLUMNS
    assert [n for n, _ in fast] == [n for n, _ in slow] == [2, 4]
    first = fast[0][1]
    assert first["Họ và tên"] == "Nguyễn Văn An"  # cleaned
    assert first["Số CCCD"] == 64085000123  # a whole number stays an int, as openpyxl gives
    assert first["Số thẻ đảng viên"] == 12.5
    assert first["Nghề nghiệp"] is None
    assert reader.parse_day(first["Ngày sinh"]) == dt.date(1985, 9, 2)
    for (_, a), (_, b) in zip(fast, slow, strict=True):
        assert {k: v for k, v in a.items() if k != "Ngày sinh"} == {
            k: v for k, v in b.items() if k != "Ngày sinh"
        }
    assert not list((tmp_path / "imports").glob("vetted-*"))  # the copy is removed


def test_a_cell_far_away_is_refused_before_calamine_lays_out_the_sheet(tmp_path, settings):
    # Calamine would ask for 16,384 columns × a million rows and abort the process.
    settings.IMPORT_DIR = str(tmp_path / "imports")
    wide = with_positions(tmp_path / "rong.xlsx", [[(1, "a"), (16_384, "b")]])
    with pytest.raises(UnreadableFile, match="cột thứ 16.384 \\(hơn 2.000 ô một dòng\\)"):
        rows(wide)
    settings.IMPORT_MAX_ROWS = 1000
    far = with_positions(tmp_path / "xa.xlsx", [[(1, "a")], [(1, "b")]], start=1_048_000)
    with pytest.raises(UnreadableFile, match="hơn 1.000 dòng"):
        rows(far)
    assert not list((tmp_path / "imports").glob("vetted-*"))


def test_rows_below_an_empty_top_are_numbered_as_in_the_file(tmp_path, settings):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    path = with_positions(tmp_path / "duoi.xlsx", [[(1, "Lê Văn C")]], start=3)
    headers, stream = rows(path)
    # Row 1 is empty: it is the header row, as the openpyxl reader takes it.
    assert not any(headers)
    assert [n for n, _ in stream] == [3, 4]  # the header repeated, then the row


def test_cells_without_position_or_with_an_error_go_to_the_openpyxl_reader(tmp_path, settings):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    wb = Workbook()
    wb.active.append(members.COLUMNS)
    wb.active.append(["#DIV/0!"])
    wb.active["A2"].data_type = "e"  # an error value: calamine reads it as blank
    path = tmp_path / "loi.xlsx"
    wb.save(path)
    assert guard.vetted_copy(path, tmp_path) is None
    headers, stream = rows(path)
    assert [row["Họ và tên"] for _, row in stream] == ["#DIV/0!"]
    assert not list(tmp_path.glob("vetted-*"))


def test_a_lying_directory_is_caught_while_copying(tmp_path, settings):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    path = with_positions(tmp_path / "doi.xlsx", [[(1, "Nguyễn Văn A" * 50)]] * 500)
    lie_about_sizes(path, 5_000)
    with pytest.raises(UnreadableFile, match="Tệp Excel bị hỏng"):
        rows(path)
    assert not list((tmp_path / "imports").glob("vetted-*"))


def test_the_copy_counts_every_byte_against_the_limit(tmp_path, settings):
    settings.IMPORT_DIR = str(tmp_path / "imports")
    path = with_positions(tmp_path / "lon.xlsx", [[(1, f"{i:08d}" * 200)] for i in range(2000)])
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 2
    with pytest.raises(UnreadableFile, match="quá giới hạn 2 MB"):
        rows(path)
