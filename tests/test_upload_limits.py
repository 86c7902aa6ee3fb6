"""Decompression bombs and other oversized uploads: refused before parsing (from the ZIP
central directory), counted while streaming, stopped at IMPORT_MAX_ROWS; at most one
running import per user and IMPORT_MAX_CONCURRENT in all; a capped, streamed error
report."""

import io
import random
import string
import subprocess
import sys
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from dangvien.imports import base, members, runs
from dangvien.imports.models import ImportRun
from dangvien.imports.reader import UnreadableFile, open_workbook, rows
from dangvien.people.models import Person

from .shared_db import child_database, dangvien
from .test_import_more import members_row
from .test_import_pages import csv_upload

S = ImportRun.Status
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def workbook_with_sheet(path, sheet_rows, *, level: int = 6):
    """A real workbook (openpyxl's parts) whose first sheet's rows are `sheet_rows`
    (bytes, written streaming): what a bomb maker would do, not what openpyxl writes."""
    wb = Workbook()
    wb.active.append(members.COLUMNS)
    plain = io.BytesIO()
    wb.save(plain)
    header = b"".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>'.encode() for c in members.COLUMNS)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                out.writestr(info.filename, source.read(info.filename))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData><row>" + header + b"</row>"
            )
            for chunk in sheet_rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def repeated_rows(total_mb: int):
    """Identical member rows (no row numbers): compresses several hundred times."""
    row = (
        "<row>"
        + "".join(
            f'<c t="inlineStr"><is><t>{v}</t></is></c>'
            for v in ("Nguyễn Văn A", "01/01/1990", "Nam", "", "Kinh", "Không")
        )
        + "</row>"
    ).encode()
    chunk = row * (MB // len(row))
    for _ in range(total_mb * MB // len(chunk)):
        yield chunk


def random_rows(total_mb: int, seed: int = 1):
    """Rows of random text: compresses hardly at all."""
    rng = random.Random(seed)
    made = 0
    while made < total_mb * MB:
        text = "".join(rng.choices(string.ascii_letters, k=2000))
        chunk = f'<row><c t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()
        made += len(chunk)
        yield chunk


# ----- the command line: a 400 MB bomb ----------------------------------------------------
MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
print(done.returncode, time.monotonic() - start,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.stdout.write(done.stderr)
"""


@pytest.mark.django_db(transaction=True)
def test_a_400_mb_bomb_is_refused_within_seconds_and_little_memory(tmp_path, settings):
    bomb = workbook_with_sheet(tmp_path / "bomb.xlsx", repeated_rows(410), level=1)
    assert bomb.stat().st_size < 10 * MB  # it is small on disk
    with zipfile.ZipFile(bomb) as z:
        assert sum(i.file_size for i in z.infolist()) > 400 * MB
    with child_database(tmp_path) as env:
        # Measured in a fresh parent of its own: RUSAGE_CHILDREN is then the command's
        # peak, not that of some earlier child of the test process.
        measured = subprocess.run(
            [sys.executable, "-c", MEASURE, *dangvien("import", "members", str(bomb))],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    code, seconds, peak_kb = measured.stderr.split()[-3:]
    assert int(code) == 2, measured.stdout
    assert float(seconds) < 20, seconds  # Python and Django start included
    assert int(peak_kb) < 300 * 1024, peak_kb
    assert "giải nén" in measured.stdout and "IMPORT_MAX_UNCOMPRESSED_MB" in measured.stdout
    run = ImportRun.objects.get()  # the refusal is listed, with its reason
    assert run.status == S.INVALID and "giải nén" in run.problems[0]["message"]


# ----- the checks one by one ----------------------------------------------------------------
def test_a_compression_ratio_over_the_limit_is_refused_from_the_directory(
    client, personas, tmp_path, settings
):
    bomb = workbook_with_sheet(tmp_path / "nen.xlsx", repeated_rows(30))
    assert bomb.stat().st_size * settings.IMPORT_MAX_RATIO < 30 * MB
    client.force_login(personas.ward_a_officer)
    with open(bomb, "rb") as f:
        upload = SimpleUploadedFile("nen.xlsx", f.read())
    client.post("/imports/new/", {"kind": "members", "file": upload})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID
    assert "nén bất thường" in run.problems[0]["message"]
    assert "IMPORT_MAX_RATIO" in run.problems[0]["message"]
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "bom nén" in page


def test_the_uncompressed_size_limit_is_a_setting(tmp_path, settings):
    honest = workbook_with_sheet(tmp_path / "lon.xlsx", random_rows(3))  # ~1:1.3
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 2
    with pytest.raises(UnreadableFile, match="quá giới hạn 2 MB"):
        rows(honest)
    settings.IMPORT_MAX_UNCOMPRESSED_MB = 200
    headers, stream = rows(honest)
    assert headers == members.COLUMNS and sum(1 for _ in stream) > 500


def test_bytes_are_counted_while_streaming(tmp_path):
    """The limit holds even where the directory would have let the file through."""
    honest = workbook_with_sheet(tmp_path / "dem.xlsx", random_rows(3))
    wb = open_workbook(honest, budget_mb=1)
    with pytest.raises(UnreadableFile, match="lớn hơn 1 MB"):
        for _ in wb.worksheets[0].iter_rows(values_only=True):
            pass


def lie_about_sizes(path, claimed: int) -> None:
    """Rewrite the central directory so that the sheet claims `claimed` bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(SHEET)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        name = bytes(data[at + 46 : at + 46 + name_len]).decode()
        if name == SHEET:
            extra_len = int.from_bytes(data[at + 30 : at + 32], "little")
            extra = at + 46 + name_len
            if int.from_bytes(data[at + 24 : at + 28], "little") == 0xFFFFFFFF:
                # ZIP64: the real sizes are in the extra field (uncompressed first)
                for i in range(extra, extra + extra_len - 12):
                    if data[i : i + 2] == b"\x01\x00":
                        data[i + 4 : i + 12] = claimed.to_bytes(8, "little")
                        break
            else:
                data[at + 24 : at + 28] = claimed.to_bytes(4, "little")
            break
        at = data.find(b"PK\x01\x02", at + 4)
    assert info.file_size > claimed
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(SHEET).file_size == claimed  # the directory now lies


def test_a_lying_central_directory_is_a_clear_error_not_a_crash(tmp_path):
    liar = workbook_with_sheet(tmp_path / "doi.xlsx", repeated_rows(20))
    lie_about_sizes(liar, 50_000)
    with pytest.raises(CommandError) as refused:
        call_command("import", "members", str(liar))
    assert refused.value.returncode == 2
    assert "Tệp Excel bị hỏng" in str(refused.value)
    assert not Person.objects.filter(full_name="Nguyễn Văn A").exists()


def test_reading_stops_at_the_row_limit(client, personas, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 3
    client.force_login(personas.ward_a_officer)
    four = [{**members_row(), "Số CCCD": f"06418500077{i}"} for i in range(4)]
    client.post("/imports/new/", {"kind": "members", "file": csv_upload(four)})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID
    assert run.problems[0]["message"].startswith("Tệp có hơn 3 dòng dữ liệu")
    # A sheet that announces row 1,000,000,000 stops at the limit, not after a billion.
    settings.IMPORT_MAX_ROWS = 1000
    far = workbook_with_sheet(tmp_path / "xa.xlsx", [b'<row r="1000000000"><c><v>1</v></c></row>'])
    headers, stream = rows(far)
    with pytest.raises(UnreadableFile, match="hơn 1.000 dòng"):
        for _ in stream:
            pass


# ----- running imports: one per user, a few in all -------------------------------------
def busy_run(user, status=S.CHECKING) -> ImportRun:
    run = ImportRun.objects.create(
        kind="members", file_name="lon.xlsx", sha256="0" * 64, user=user, status=status
    )
    runs.claim(run)  # worked on by this (living) process, heartbeat now
    return run


def test_one_running_import_per_user_and_a_global_limit(client, personas, settings):
    settings.IMPORT_MAX_CONCURRENT = 2
    busy_run(personas.ward_a_officer)
    client.force_login(personas.ward_a_officer)
    response = client.post(
        "/imports/new/", {"kind": "members", "file": csv_upload([members_row()])}
    )
    assert response.status_code == 429
    assert "Bạn đang có một lần nhập đang kiểm tra hoặc ghi" in response.content.decode()
    assert ImportRun.objects.count() == 1 and not list(settings.IMPORT_DIR.glob("*.csv"))
    # Another user may start one (one busy of two) …
    client.force_login(personas.ward_b_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    assert ImportRun.objects.count() == 2
    # … but not when two are busy.
    busy_run(personas.city_officer, S.WRITING)
    response = client.post(
        "/imports/new/", {"kind": "members", "file": csv_upload([members_row()])}
    )
    assert response.status_code == 429
    assert "Máy chủ đang kiểm tra hoặc ghi 2 lần nhập" in response.content.decode()
    assert ImportRun.objects.count() == 3


def test_writing_waits_for_the_users_running_import(client, personas, settings):
    client.force_login(personas.ward_a_officer)
    client.post("/imports/new/", {"kind": "members", "file": csv_upload([members_row()])})
    ready = ImportRun.objects.get()
    assert ready.status == S.READY
    busy_run(personas.ward_a_officer)
    response = client.post(f"/imports/{ready.pk}/write/")
    assert response.status_code == 429 and "Bạn đang có một lần nhập" in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == S.READY
    assert not Person.objects.filter(citizen_id="064185000777").exists()


# ----- the error report ------------------------------------------------------------------
def test_the_error_report_is_capped_and_says_how_many_more(client, personas, monkeypatch):
    monkeypatch.setattr(base, "REPORT_MAX_PROBLEMS", 10)
    client.force_login(personas.ward_a_officer)
    bad = [{**members_row(), "Số CCCD": f"0641850{i:05d}", "Giới tính": "?"} for i in range(15)]
    client.post("/imports/new/", {"kind": "members", "file": csv_upload(bad)})
    run = ImportRun.objects.get()
    assert run.status == S.INVALID and run.problem_count >= 15
    report = load_workbook(io.BytesIO(client.get(f"/imports/{run.pk}/report.xlsx").content))
    assert report.sheetnames == ["Lỗi", "Dữ liệu"]
    listed = list(report["Lỗi"].iter_rows(min_row=2, values_only=True))
    assert len(listed) == 11  # ten problems, then how many more
    more = run.problem_count - 10
    assert listed[-1][3].startswith(f"… và {more} lỗi khác không liệt kê")
    data = report["Dữ liệu"]
    sex = members.COLUMNS.index("Giới tính") + 1
    marked = data.cell(row=2, column=sex)
    assert marked.value == "?" and marked.fill.fgColor.rgb == "FFFFC7CE"
    why = next(p for p in run.problems if p["row"] == 2 and p["column"] == "Giới tính")
    assert marked.comment is not None and marked.comment.text.startswith(why["message"])
    assert data.cell(row=13, column=sex).comment is None  # past the cap: not marked
    assert data.max_row == 16  # every row of the file is there


def test_a_row_of_a_million_cells_is_refused_before_it_is_built(tmp_path):
    # Within the size and ratio limits, one row of many cells would still cost openpyxl
    # memory in proportion (a list of dicts per row): refused past 2,000 cells.
    cells = b"".join(b"<c><v>%d</v></c>" % (i % 997) for i in range(100_000))
    wide = workbook_with_sheet(tmp_path / "rong.xlsx", [b"<row>" + cells * 10 + b"</row>"])
    headers, stream = rows(wide)
    with pytest.raises(UnreadableFile, match="Dòng 2 có hơn 2.000 ô"):
        for _ in stream:
            pass


def with_shared_strings(path, table: list[str]):
    """Add a shared-string table (as Excel writes; openpyxl writes inline strings)."""
    items = "".join(f"<si><t>{t}</t></si>" for t in table)
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    ).encode()
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override)
            out.writestr(info.filename, data)
        out.writestr("xl/sharedStrings.xml", sst)
    copy.replace(path)
    return path


def test_a_shared_string_table_too_big_for_the_row_limit_is_refused(tmp_path, settings):
    # Millions of tiny distinct strings cost far more in memory than on disk.
    table = [f"v{i}" for i in range(300)]
    sheet = [b"<row>" + b'<c t="s"><v>%d</v></c>' % i + b"</row>" for i in range(30)]
    path = with_shared_strings(workbook_with_sheet(tmp_path / "chuoi.xlsx", sheet), table)
    settings.IMPORT_MAX_ROWS = 20  # at most 200 shared strings
    with pytest.raises(UnreadableFile, match="hơn 200 chuỗi ký tự dùng chung"):
        rows(path)
    settings.IMPORT_MAX_ROWS = 30
    headers, stream = rows(path)
    assert headers == members.COLUMNS
    assert [row["Họ và tên"] for _, row in stream][-2:] == ["v28", "v29"]
