"""Open an uploaded workbook without letting it take the server down.

An XLSX file is a ZIP archive: before anything is decompressed its central directory is
read and a workbook that would expand past IMPORT_MAX_UNCOMPRESSED_MB, or more than
IMPORT_MAX_RATIO times its own size, is refused (a "decompression bomb"); while it is
read, every decompressed byte is counted against the same limit, in case the directory
lies. openpyxl's read-only reader is used with three bounds of our own: no whole-sheet
scan for a missing dimension, at most MAX_CELLS_PER_ROW cells in a row, and a shared-
string table in proportion to IMPORT_MAX_ROWS.
"""

import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

from django.conf import settings
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

MB = 1024 * 1024
MAX_ENTRIES = 1000  # a workbook has a few dozen parts; a million would fill memory
RATIO_FLOOR = MB  # below this, no ratio is suspicious (tiny parts compress oddly)


class UnreadableFile(ValueError):
    pass


# What a damaged sheet raises while it is parsed (bad XML, a bad cell reference).
BROKEN = (SyntaxError, KeyError, TypeError, ValueError, zipfile.BadZipFile)


def thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def too_big(size: int) -> UnreadableFile:
    return UnreadableFile(
        f"Tệp Excel khi giải nén lớn hơn {size // MB} MB, quá giới hạn "
        f"{settings.IMPORT_MAX_UNCOMPRESSED_MB} MB (IMPORT_MAX_UNCOMPRESSED_MB): hãy chia "
        "thành nhiều tệp nhỏ hơn"
    )


def entry_count(path: Path) -> int:
    """Entries the ZIP's end record announces, read before zipfile loads the whole
    central directory (-1 when there is no plain end record, e.g. ZIP64)."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65_557))  # the end record and a comment of up to 64 KB
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return -1
    return struct.unpack("<H", tail[at + 10 : at + 12])[0]


def check_archive(path: Path) -> None:
    """Refuse a workbook whose parts would expand too far, from the ZIP central
    directory alone (nothing is decompressed)."""
    limit = settings.IMPORT_MAX_UNCOMPRESSED_MB * MB
    try:
        if entry_count(path) > MAX_ENTRIES:
            raise UnreadableFile(f"Tệp Excel có quá nhiều thành phần (hơn {MAX_ENTRIES})")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as e:
        if isinstance(e, UnreadableFile):
            raise
        raise UnreadableFile(f"Không đọc được tệp Excel: {e}") from e
    if len(infos) > MAX_ENTRIES:
        raise UnreadableFile(f"Tệp Excel có quá nhiều thành phần (hơn {MAX_ENTRIES})")
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise too_big(total)
    size = max(path.stat().st_size, 1)
    ratio = settings.IMPORT_MAX_RATIO
    if total > RATIO_FLOOR and total > ratio * size:
        raise UnreadableFile(
            f"Tệp Excel nén bất thường: giải nén ra gấp {total // size} lần kích thước tệp "
            f"(tối đa {ratio} lần, IMPORT_MAX_RATIO), có thể là “bom nén”; hãy lưu lại tệp "
            "bằng Excel rồi nhập lại"
        )


class Budget:
    """Bytes that may still be decompressed from one workbook."""

    def __init__(self, limit: int):
        self.left = limit
        self.limit = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise too_big(self.limit - self.left)


class Counted:
    """A part of the archive being decompressed, counted against the budget; a broken
    stream (bad CRC, truncated data) becomes an UnreadableFile."""

    CHUNK = MB

    def __init__(self, raw, budget: Budget):
        self.raw, self.budget = raw, budget

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(self.CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        try:
            data = self.raw.read(n)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise UnreadableFile(f"Tệp Excel bị hỏng: {e}") from e
        self.budget.spend(len(data))
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class GuardedZip(zipfile.ZipFile):
    """The workbook's archive; every part openpyxl opens is counted (`read` goes
    through `open` too)."""

    budget: Budget

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # type: ignore[override]
        part = super().open(name, mode, pwd, force_zip64=force_zip64)
        return part if mode != "r" else Counted(part, self.budget)


MAX_CELLS_PER_ROW = 2000  # the templates have about 20 columns; Excel allows 16,384


class BoundedParser(WorkSheetParser):
    """Rows of a sheet, as openpyxl's parser yields them, but a row is refused past
    MAX_CELLS_PER_ROW cells (openpyxl would hold a row of millions in memory before
    handing it over). Only the rows: merged cells, validations and the like are of no
    use to an import."""

    def parse(self):
        cells = 0
        for _event, element in iterparse(self.source):
            tag = element.tag
            if tag == CELL_TAG:
                cells += 1
                if cells > MAX_CELLS_PER_ROW:
                    raise UnreadableFile(
                        f"Dòng {self.row_counter + 1} có hơn {thousands(MAX_CELLS_PER_ROW)} ô: "
                        "không phải một bảng dữ liệu theo mẫu"
                    )
            elif tag == ROW_TAG:
                cells = 0
                row = self.parse_row(element)
                element.clear()  # (an emptied element per row stays: rows are capped)
                yield row


class BoundedSheet(ReadOnlyWorksheet):
    """openpyxl reads a whole sheet at opening when it has no <dimension> (a bomb of
    millions of empty rows: minutes and a gigabyte before the first row); the dimension
    comes before <sheetData>, so stop looking there. Rows come from `BoundedParser`."""

    def _cells_by_row(self, min_col, min_row, max_col, max_row, values_only=False):
        # openpyxl's own method (3.1), with the bounded parser; values only.
        filler = None if values_only else EMPTY_CELL
        max_col = max_col or self.max_column
        max_row = max_row or self.max_row
        empty_row: tuple = ()
        if max_col is not None:
            empty_row = (filler,) * (max_col + 1 - min_col)
        counter = min_row
        idx = 1
        with self._get_source() as src:
            parser = BoundedParser(
                src,
                self._shared_strings,
                data_only=self.parent.data_only,
                epoch=self.parent.epoch,
                date_formats=self.parent._date_formats,
                timedelta_formats=self.parent._timedelta_formats,
            )
            for idx, row in parser.parse():
                if max_row is not None and idx > max_row:
                    break
                for _ in range(counter, idx):  # rows missing from the file
                    counter += 1
                    yield empty_row
                if counter <= idx:
                    counter += 1
                    yield self._get_row(row, min_col, max_col, values_only)
        if max_row is not None and max_row < idx:
            for _ in range(counter, max_row + 1):
                yield empty_row

    def _get_size(self) -> None:
        with self._get_source() as src:
            for _event, element in iterparse(src, events=("start",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "dimension" and element.get("ref"):
                    try:
                        bounds = range_boundaries(element.get("ref"))
                    except ValueError:
                        return
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                    return
                if tag == "sheetData":
                    return


def too_many_strings(limit: int) -> UnreadableFile:
    return UnreadableFile(
        f"Tệp Excel có hơn {thousands(limit)} chuỗi ký tự dùng chung, quá nhiều cho giới "
        "hạn dòng (IMPORT_MAX_ROWS): hãy chia thành nhiều tệp nhỏ hơn"
    )


STRINGS_PER_ROW = 10  # distinct texts a row may add to the shared-string table
SI_TAG = f"{{{SHEET_MAIN_NS}}}si"


class GuardedReader(ExcelReader):
    def read_strings(self) -> None:
        """The shared-string table, as openpyxl reads it, but at most STRINGS_PER_ROW
        per allowed row (millions of tiny strings cost far more in memory than on disk),
        and each string's element dropped once read."""
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        limit = settings.IMPORT_MAX_ROWS * STRINGS_PER_ROW
        strings: list[str] = []
        root = None
        with self.archive.open(part.PartName[1:]) as src:
            for event, node in iterparse(src, events=("start", "end")):
                if root is None:
                    root = node
                elif event == "end" and node.tag == SI_TAG:
                    strings.append(Text.from_tree(node).content.replace("x005F_", ""))
                    root.clear()
                    if len(strings) > limit:
                        raise too_many_strings(limit)
        self.shared_strings = strings

    def read_worksheets(self) -> None:
        """Read-only worksheets (the only mode used here), with a bounded opening."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = BoundedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


def open_workbook(path: str | Path, budget_mb: int | None = None):
    """A read-only workbook (cached values, not formulas), after the archive check;
    every decompressed byte is counted (at most `budget_mb`, by default the setting)."""
    path = Path(path)
    check_archive(path)
    limit = (budget_mb if budget_mb is not None else settings.IMPORT_MAX_UNCOMPRESSED_MB) * MB
    try:
        reader = GuardedReader(path, read_only=True, data_only=True)
        reader.archive.close()  # opened plain by openpyxl: reopened counted
        archive = GuardedZip(path)
        archive.budget = Budget(limit)
        reader.archive = archive
        reader.read()
    except Exception as e:  # openpyxl raises many kinds for a broken file
        cause: BaseException | None = e
        while cause is not None:  # openpyxl wraps what our stream raised
            if isinstance(cause, UnreadableFile):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise UnreadableFile(f"Không đọc được tệp Excel: {e}") from e
    return reader.wb


# ----- the fast path: every part decompressed once, counted, re-packed for calamine ------
# python-calamine (Rust) reads a 100,000-row sheet in about 1 s where openpyxl's parser
# takes about 30 s. It is handed only a copy of the archive made here from what Python
# decompressed and counted (never the uploaded ZIP: its own decompressor is not bounded
# by our budget), and only a sheet whose every cell names its position (`r="B7"`), so
# that the positions checked below are the ones it will use: calamine lays the sheet out
# as one rectangle from the first to the last cell, so a cell at XFD1048576 would ask for
# seventeen billion cells (it aborts the process, tried with 0.9.1). A sheet with a cell
# without a position, or an error cell (calamine reads "#REF!" as blank), goes to the
# bounded openpyxl parser above instead.
CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,10})"')
CELL_TAGS = (b"<c ", b"<c>", b"<c/>")
# What copying a damaged archive raises (UnreadableFile, a subclass of ValueError, is
# passed on as it is).
DAMAGED = (OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError)
SI_TAGS = (b"<si>", b"<si ")


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class SheetScan:
    """The cells of a worksheet part as it streams past: how many, how many name their
    position, the widest column and the last row named."""

    def __init__(self) -> None:
        self.cells = self.refs = self.errors = 0
        self.columns: set[bytes] = set()
        self.rows: set[bytes] = set()
        self.tail = b""

    def feed(self, data: bytes, last: bool = False) -> None:
        data = self.tail + data
        cut = len(data) if last else data.rfind(b"<")  # a tag cut in two waits a chunk
        if cut < 0:
            cut = 0
        data, self.tail = data[:cut], data[cut:]
        self.cells += sum(data.count(t) for t in CELL_TAGS)
        self.errors += data.count(b't="e"')
        found = CELL_REF.findall(data)
        self.refs += len(found)
        for column, row in found:
            self.columns.add(column)
            self.rows.add(row)

    def widest(self) -> int:
        return max((column_number(c) for c in self.columns), default=0)

    def last_row(self) -> int:
        return max((int(r) for r in self.rows), default=0)

    def plain(self) -> bool:
        """Every cell names its position, and none holds an error value."""
        return self.cells == self.refs and not self.errors


def vetted_copy(path: Path, folder: Path) -> Path | None:
    """A copy of the workbook (stored, not compressed) in `folder` for calamine, made from
    the parts as Python decompressed them (each byte counted against the budget, each
    part's CRC checked), after the checks the openpyxl path makes while it reads: at most
    MAX_CELLS_PER_ROW columns, IMPORT_MAX_ROWS rows, and a shared-string table in
    proportion. None when a sheet needs the openpyxl path (see above); the caller
    removes the copy."""
    from .reader import too_many_rows

    check_archive(path)
    budget = Budget(settings.IMPORT_MAX_UNCOMPRESSED_MB * MB)
    limit = settings.IMPORT_MAX_ROWS * STRINGS_PER_ROW
    copy = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, removed by the caller)
        prefix="vetted-", suffix=".xlsx", dir=folder, delete=False
    )
    target = Path(copy.name)
    try:
        with (
            copy,
            zipfile.ZipFile(path) as source,
            zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as out,
        ):
            # Every part is scanned, not only those named like sheets: the workbook's
            # relations, not the names, say which part calamine will read.
            scan = SheetScan()
            for info in source.infolist():
                if info.is_dir():
                    continue
                strings = info.filename == "xl/sharedStrings.xml"
                shared = 0
                with (
                    Counted(source.open(info), budget) as part,
                    out.open(info.filename, "w", force_zip64=True) as dest,
                ):
                    while chunk := part.read(Counted.CHUNK):
                        dest.write(chunk)
                        if strings:
                            shared += sum(chunk.count(t) for t in SI_TAGS)
                        else:
                            scan.feed(chunk)
                scan.feed(b"", last=True)
                if shared > limit:
                    raise too_many_strings(limit)
            if not scan.plain():
                target.unlink(missing_ok=True)
                return None
            if scan.widest() > MAX_CELLS_PER_ROW:
                raise UnreadableFile(
                    f"Trang tính có ô ở cột thứ {thousands(scan.widest())} (hơn "
                    f"{thousands(MAX_CELLS_PER_ROW)} ô một dòng): không phải một bảng "
                    "dữ liệu theo mẫu"
                )
            if scan.last_row() > settings.IMPORT_MAX_ROWS + 1:  # and the header
                raise too_many_rows()
    except BaseException as e:
        target.unlink(missing_ok=True)
        if isinstance(e, UnreadableFile) or not isinstance(e, DAMAGED):
            raise
        raise UnreadableFile(f"Tệp Excel bị hỏng: {e}") from e
    return target
