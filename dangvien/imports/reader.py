"""Read a spreadsheet (XLSX, or CSV in UTF-8 with or without BOM) row by row, streaming.

A workbook is read by calamine from a copy that `guard.vetted_copy` made and checked
(decompression bombs refused before parsing, bytes counted while copying, positions and
rows bounded), or, for a sheet that copy cannot vouch for, through
`guard.open_workbook`'s bounded openpyxl reader; reading stops at IMPORT_MAX_ROWS rows.
"""

import csv
import datetime as dt
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from python_calamine import CalamineWorkbook, SheetTypeEnum

from dangvien.core.deploy import private_dir

from .guard import BROKEN, UnreadableFile, open_workbook, thousands, vetted_copy


def too_many_rows() -> UnreadableFile:
    limit = thousands(settings.IMPORT_MAX_ROWS)
    return UnreadableFile(
        f"Tệp có hơn {limit} dòng dữ liệu, quá giới hạn cho một lần nhập "
        f"(IMPORT_MAX_ROWS): hãy chia thành nhiều tệp, mỗi tệp tối đa {limit} dòng"
    )


def clean(value) -> object:
    """Text NFC with single spaces; other cell values as they are."""
    if isinstance(value, str):
        text = " ".join(unicodedata.normalize("NFC", value).split())
        if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
            text = text[1:]  # neutralised by our own export: the value is what follows
        return text or None
    return value


@dataclass
class Problem:
    row: int
    column: str
    value: object
    message: str
    fix: str = ""

    def line(self) -> str:
        value = "" if self.value is None else f" “{self.value}”"
        fix = f" Cách sửa: {self.fix}" if self.fix else ""
        return f"Dòng {self.row}, cột “{self.column}”{value}: {self.message}.{fix}"


def rows(path: str | Path) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """(headers, iterator of (row number in the file, {header: value}))."""
    path = Path(path)
    suffix = path.suffix.lower()
    max_rows = settings.IMPORT_MAX_ROWS + 1  # and the header
    if suffix == ".csv":
        try:
            handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
            reader = csv.reader(handle)
            header_row = next(reader, None)
        except (OSError, UnicodeDecodeError) as e:
            raise UnreadableFile(f"Không đọc được tệp CSV (cần mã hóa UTF-8): {e}") from e
        if header_row is None:
            raise UnreadableFile("Tệp CSV trống.")
        headers = [str(clean(h) or "") for h in header_row]

        def csv_rows():
            with handle:
                try:
                    for number, values in enumerate(reader, start=2):
                        if number > max_rows:
                            raise too_many_rows()
                        if any(v.strip() for v in values):
                            yield (
                                number,
                                dict(zip(headers, (clean(v) for v in values), strict=False)),
                            )
                except (csv.Error, UnicodeDecodeError) as e:
                    raise UnreadableFile(f"Không đọc được tệp CSV: {e}") from e

        return headers, csv_rows()
    if suffix in (".xlsx", ".xlsm"):
        fast = calamine_rows(path, max_rows)
        if fast is not None:
            return fast
        wb = open_workbook(path)
        if not wb.worksheets:
            raise UnreadableFile("Tệp Excel không có trang tính nào.")
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            first = next(it, None)
        except UnreadableFile:
            wb.close()
            raise
        except BROKEN as e:
            wb.close()
            raise UnreadableFile(f"Không đọc được tệp Excel: {e}") from e
        if first is None:
            raise UnreadableFile("Trang tính đầu tiên trống.")
        headers = [str(clean(h) or "") for h in first]

        def xlsx_rows():
            # Counted by row number, blank rows included: a sheet announcing row
            # 1,000,000,000 stops here, not after a billion empty rows.
            try:
                for number, values in enumerate(it, start=2):
                    if number > max_rows:
                        raise too_many_rows()
                    if any(v not in (None, "") for v in values):
                        yield number, dict(zip(headers, (clean(v) for v in values), strict=False))
            except UnreadableFile:
                raise
            except BROKEN as e:
                raise UnreadableFile(f"Không đọc được tệp Excel: {e}") from e
            finally:
                wb.close()

        return headers, xlsx_rows()
    raise UnreadableFile(f"Chỉ nhận tệp .xlsx hoặc .csv, không nhận “{path.suffix}”.")


def cell(value) -> object:
    """A calamine cell as openpyxl gives it: a whole number an int (calamine reads every
    number as a float: a CCCD typed as a number must not become "64085000123.0"), an
    empty cell None, text cleaned."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return clean(value)


def calamine_rows(path: Path, max_rows: int) -> tuple[list[str], Iterator[tuple[int, dict]]] | None:
    """`rows()` of a workbook through calamine, or None when `guard.vetted_copy` sends it
    to the openpyxl reader. The sheet is read whole (about 0.8 s and 100 MB for 100,000
    rows of the member template), then handed over row by row."""
    copy = vetted_copy(path, private_dir(settings.IMPORT_DIR))  # personal data, not /tmp
    if copy is None:
        return None
    try:
        wb = CalamineWorkbook.from_path(str(copy))
        sheets = [i for i, m in enumerate(wb.sheets_metadata) if m.typ == SheetTypeEnum.WorkSheet]
        if not sheets:
            raise UnreadableFile("Tệp Excel không có trang tính nào.")
        sheet = wb.get_sheet_by_index(sheets[0])
        wb.close()
    except UnreadableFile:
        raise
    except Exception as e:  # calamine's errors: a broken part, bad XML, a password
        raise UnreadableFile(f"Không đọc được tệp Excel: {e}") from e
    finally:
        copy.unlink(missing_ok=True)  # the sheet is in memory now
    if sheet.start is None:
        raise UnreadableFile("Trang tính đầu tiên trống.")
    # calamine gives the rows from the sheet's first row on (those above its first cell
    # empty, as openpyxl does: row 1 is the header row, even empty) and the columns from
    # its first used column on (the headers and values stay aligned).
    it = iter(sheet.iter_rows())
    headers = [str(cell(h) or "") for h in next(it, [])]

    def xlsx_rows():
        for number, values in enumerate(it, start=2):
            if number > max_rows:
                raise too_many_rows()
            if any(v not in (None, "") for v in values):
                yield number, dict(zip(headers, (cell(v) for v in values), strict=False))

    return headers, xlsx_rows()


def parse_day(value) -> dt.date | None:
    """A date from an Excel date cell, dd/mm/yyyy or yyyy-mm-dd; None if not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        parts = value.split("/")
        if (  # dd/mm/yyyy, as strptime reads it, without its cost (400,000 dates a file)
            len(parts) == 3
            and 1 <= len(parts[0]) <= 2
            and 1 <= len(parts[1]) <= 2
            and len(parts[2]) == 4
            and all(p.isascii() and p.isdigit() for p in parts)
        ):
            try:
                return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
            except ValueError:
                return None  # 31/02/2020: no other format reads it either
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
    return None


@dataclass
class Plan:
    """What an import would do: rows new, updated, unchanged; or the problems found.

    Small imports keep the checked records (`new`, `updated`) to write them; the member
    import, which may hold 100,000 rows, keeps only the counts and reads the file again
    to write it."""

    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    unchanged: int = 0
    n_new: int = 0
    n_updated: int = 0
    review: list[int] = field(default_factory=list)  # rows matched by name and birth only
    warnings: list[Problem] = field(default_factory=list)  # said at once, not refused
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""
    rows: int = 0
    spill: str | None = None  # checked rows on disk, for a commit that follows
    scope: object = None  # the `base.Scope` the rows were checked for; the commit keeps it
    # `stats.fresh`'s version when the check began: a commit that finds it unchanged
    # knows no domain row was written since, and keeps the check's matches.
    version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def discard(self) -> None:
        """A plan that will not be committed: remove its spill file, if any."""
        if self.spill:
            Path(self.spill).unlink(missing_ok=True)
            self.spill = None

    def add_new(self, record: dict, keep: bool = True) -> None:
        self.n_new += 1
        if keep:
            self.new.append(record)

    def add_updated(self, record: dict, keep: bool = True) -> None:
        self.n_updated += 1
        if keep:
            self.updated.append(record)

    def summary(self) -> str:
        text = f"{self.n_new} mới, {self.n_updated} cập nhật, {self.unchanged} không đổi"
        if self.review:
            text += (
                f"; {len(self.review)} dòng khớp theo họ tên và ngày sinh, cần rà soát: "
                + ", ".join(map(str, self.review[:20]))
                + (" …" if len(self.review) > 20 else "")
            )
        if self.warnings:
            text += f"; {len(self.warnings)} cảnh báo"
        return text
