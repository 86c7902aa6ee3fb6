"""What every importer shares: the scope a user may write in, progress, the downloadable
template and the error report with the bad cells highlighted."""

import contextlib
import datetime as dt
import difflib
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dangvien.reports.xlsx import safe_cell

from .reader import Plan, Problem, UnreadableFile, open_workbook, rows, thousands

Progress = Callable[[int], None]  # called with the number of rows read so far


@dataclass(frozen=True)
class Scope:
    """Where an import may write: unit paths and locality paths; None = anywhere (the
    command line, administrators)."""

    units: list[str] | None = None
    localities: list[str] | None = None

    def unit_ok(self, path: str) -> bool:
        return self.units is None or any(path.startswith(p) for p in self.units)

    def locality_ok(self, path: str) -> bool:
        return self.localities is None or any(path.startswith(p) for p in self.localities)


class Changed(Exception):
    """At the commit, the file or the database is no longer what was checked: nothing
    was written (the transaction rolled back); `problems` say what differs."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.line() for p in problems[:5]))
        self.problems = problems


EVERYWHERE = Scope()
OUT_OF_SCOPE = "ngoài phạm vi bạn được giao"


class Importer(Protocol):
    SLUG: str
    TITLE: str
    COLUMNS: list[str]
    OPTIONAL: set[str]
    ALLOWED: dict[str, list[str]]
    EXAMPLE: list[object]
    HINTS: dict[str, str]

    def allowed_lists(self) -> dict[str, list[str]]: ...

    def validate(
        self, path, today: dt.date, *, scope: Scope = ..., progress: Progress | None = ...
    ) -> Plan: ...

    def commit(
        self, plan: Plan, path, *, by=None, today: dt.date, progress: Progress | None = ...
    ) -> None: ...


def create_parents_first(records: list[dict], model, make: Callable[[dict, Any], object]):
    """Create tree records (units, localities) whose parents may come later in the file:
    `make(record, parent)` creates one; a parent is one created here or already stored."""
    created: dict[str, object] = {}
    pending = list(records)
    while pending:
        rest = []
        for r in pending:
            parent = None
            if r["parent"]:
                parent = created.get(r["parent"]) or model.objects.filter(code=r["parent"]).first()
                if parent is None:
                    rest.append(r)
                    continue
            created[r["code"]] = make(r, parent)
        if len(rest) == len(pending):
            raise AssertionError("validated parents must resolve")
        pending = rest
    return created


CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")  # unit and locality codes


def file_hash(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def start(path, columns: list[str], optional: set[str]):
    """A plan with the file's hash, and its rows; no rows when a column is missing (the
    plan then holds that problem)."""
    plan = Plan(sha256=file_hash(path))
    headers, stream = rows(path)
    missing = missing_columns(headers, columns, optional)
    if missing:
        plan.problems.append(missing)
        return plan, None
    return plan, without_nul(stream, plan)


def without_nul(stream, plan: Plan):
    """The rows without a NUL character; a cell holding one is a problem of the check
    (PostgreSQL text cannot store it: it would fail only at the write)."""
    for number, row in stream:
        bad = [(c, v) for c, v in row.items() if isinstance(v, str) and "\x00" in v]
        if not bad:
            yield number, row
            continue
        for column, value in bad:
            plan.problems.append(
                Problem(
                    number,
                    column,
                    value.replace("\x00", "␀"),
                    "chứa ký tự NUL (mã 0), không được phép trong dữ liệu",
                    "xóa ký tự này trong tệp rồi nhập lại",
                )
            )


def suggest(value: object, allowed: list[str], otherwise: str = "") -> str:
    """How to fix a value not in a list: the closest allowed one, else `otherwise` (by
    default the list itself)."""
    close = difflib.get_close_matches(str(value or ""), allowed, n=1, cutoff=0.5)
    if close:
        return f"có phải “{close[0]}”?"
    return otherwise or "một trong: " + ", ".join(allowed)


def vietnamese_labels(choices) -> dict[str, str]:
    """A TextChoices' Vietnamese labels → its values, whatever language is active (the
    pages may be in English, LANGUAGE_CODE may differ: a spreadsheet is in Vietnamese)."""
    with translation.override("vi"):
        return {str(label): value for value, label in choices.choices}


def accepted(labels: dict[str, str]) -> dict[str, str]:
    """What a file may write for a listed value: its Vietnamese label, or its code as the
    database and the API write it (`OTHER`), in any active language."""
    return {**{value: value for value in labels.values()}, **labels}


def checked_code(row: dict, column: str, in_file: dict, bad, what: str) -> str:
    """A unit or locality code: format, and not twice in the file."""
    code = str(row.get(column) or "").upper()
    if not CODE_RE.match(code):
        bad(
            column,
            row.get(column),
            f"mã {what} không hợp lệ",
            "chỉ chữ in hoa không dấu, số và dấu gạch ngang, tối đa 40 ký tự",
        )
    elif code in in_file:
        bad(column, code, f"trùng với dòng {in_file[code]}", f"mỗi {what} một dòng")
    return code


def missing_columns(headers: list[str], columns: list[str], optional: set[str]) -> Problem | None:
    missing = [c for c in columns if c not in headers and c not in optional]
    if not missing:
        return None
    return Problem(1, ", ".join(missing), None, "thiếu cột", "dùng đúng tiêu đề của tệp mẫu")


def count_rows(path) -> int | None:
    """Rows below the header, for a progress bar: exact for CSV, from the sheet's
    recorded dimension for XLSX (None when the file does not say)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, "rb") as f:
            return max(sum(1 for _ in f) - 1, 0)
    try:
        wb = open_workbook(path)  # the archive checked, its parts counted
        ws = wb.worksheets[0]
        n = ws.max_row
        wb.close()
    except Exception:
        return None
    return max(n - 1, 0) if n else None


TEMPLATE_ROWS = 20_000  # rows of the template with drop-down lists
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDE6F0")
BAD_FILL = PatternFill("solid", fgColor="FFFFC7CE")


# Identity numbers and codes ("Số CCCD", "Số thẻ đảng viên", "Mã đơn vị" …): text in
# the template, else Excel reads 012345678901 as a number and drops its leading zero.
TEXT_PREFIXES = ("Số ", "Mã ")
TEXT = "@"  # Excel's "Text" number format


def is_text_column(column: str) -> bool:
    return column.startswith(TEXT_PREFIXES)


def template_xlsx(importer: Importer) -> bytes:
    """The template: headers in the first sheet with an example row and a hint on each
    header, and a second sheet listing the allowed values of every list column."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Dữ liệu"
    ws.append(importer.COLUMNS)
    allowed = importer.allowed_lists()
    for i, column in enumerate(importer.COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        hint = importer.HINTS.get(column, "")
        if column in importer.OPTIONAL:
            hint = (hint + " " if hint else "") + "Có thể để trống."
        if column in allowed:
            hint = (hint + " " if hint else "") + "Giá trị: xem trang “Danh mục”."
        if hint:
            cell.comment = Comment(hint, "dangvien")
        ws.column_dimensions[get_column_letter(i)].width = max(14, min(len(column) + 4, 32))
        if is_text_column(column):
            # The whole column: what is typed or pasted below stays text.
            ws.column_dimensions[get_column_letter(i)].number_format = TEXT
    ws.append(importer.EXAMPLE)
    for i, column in enumerate(importer.COLUMNS, start=1):
        if is_text_column(column):
            example = ws.cell(row=2, column=i)
            example.number_format = TEXT
            if example.value is not None:
                example.value = str(example.value)
    ws.freeze_panes = "A2"
    lists = wb.create_sheet("Danh mục")
    for i, (column, values) in enumerate(allowed.items(), start=1):
        head = lists.cell(row=1, column=i, value=column)
        head.font = BOLD
        head.fill = HEADER_FILL
        for j, value in enumerate(values, start=2):
            lists.cell(row=j, column=i, value=value)
        letter = get_column_letter(i)
        lists.column_dimensions[letter].width = max(16, len(column) + 4)
        if column in importer.COLUMNS:
            # A drop-down in the data sheet; a warning (not a refusal) on other text,
            # since the import also accepts other spellings ("Gia Rai" for "Gia-rai").
            choose = DataValidation(
                type="list",
                formula1=f"'Danh mục'!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="Giá trị ngoài danh mục",
                error=f"“{column}” nên là một giá trị trong trang “Danh mục”.",
            )
            data_letter = get_column_letter(importer.COLUMNS.index(column) + 1)
            choose.add(f"{data_letter}2:{data_letter}{TEMPLATE_ROWS}")
            ws.add_data_validation(choose)
    guide = wb.create_sheet("Hướng dẫn")
    for line in (
        f"Tệp mẫu nhập {importer.TITLE}.",
        "Giữ nguyên dòng tiêu đề; xóa dòng ví dụ; mỗi dòng một bản ghi.",
        "Ngày viết dd/mm/yyyy (ví dụ 02/09/1990), yyyy-mm-dd hoặc ô kiểu ngày của Excel.",
        "Tệp được kiểm tra toàn bộ trước: chỉ cần một dòng sai là không ghi gì, và có báo cáo "
        "lỗi theo từng ô.",
        "Nhập lại cùng một tệp không thay đổi gì.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


REPORT_MAX_PROBLEMS = 2000  # problems listed in the error report (the rest counted)


def report_xlsx(path, problems: list[Problem], total: int | None = None) -> bytes:
    """The list of problems (row, column, value, what, how to fix; at most
    REPORT_MAX_PROBLEMS, then how many more of `total`), then the file as it was uploaded
    with every listed bad cell filled red and explained in a comment. Built streaming
    (openpyxl write-only): memory stays that of the problems, not of the file."""
    listed = problems[:REPORT_MAX_PROBLEMS]
    total = max(total or 0, len(problems))
    by_cell: dict[tuple[int, str], list[Problem]] = {}
    for p in listed:
        for name in p.column.split(", "):
            by_cell.setdefault((p.row, name), []).append(p)
    wb = Workbook(write_only=True)
    errors = wb.create_sheet("Lỗi")  # the list of problems opens first
    for letter, width in zip("ABCDE", (8, 28, 24, 60, 50), strict=True):
        errors.column_dimensions[letter].width = width
    errors.append([bold(errors, v) for v in ("Dòng", "Cột", "Giá trị", "Lỗi", "Cách sửa")])
    for p in listed:
        value = p.value
        if isinstance(value, dt.datetime | dt.date):
            value = value.strftime("%d/%m/%Y")
        errors.append(
            [p.row, p.column, safe_cell(None if value is None else str(value)), p.message, p.fix]
        )
    if total > len(listed):
        errors.append(
            [
                None,
                None,
                None,
                f"… và {thousands(total - len(listed))} lỗi khác không liệt kê "
                "ở đây: hãy sửa các lỗi trên rồi kiểm tra lại tệp",
            ]
        )
    ws = wb.create_sheet("Dữ liệu")
    # When the file itself is the problem (too big, broken), the list says so.
    with contextlib.suppress(UnreadableFile):
        copy_marked(ws, path, by_cell)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def copy_marked(ws, path, by_cell: dict[tuple[int, str], list[Problem]]) -> None:
    """The uploaded rows, streaming, each listed bad cell red with its explanation."""
    headers, stream = rows(path)
    ws.append([bold(ws, safe_cell(h)) for h in headers])
    written = 1
    for number, row in stream:
        while written < number - 1:  # keep the file's row numbers (blank rows skipped)
            ws.append([])
            written += 1
        cells = []
        for h in headers:
            value = safe_cell(row.get(h))
            found = by_cell.get((number, h))
            if found:
                cell = WriteOnlyCell(ws, value=value)
                cell.fill = BAD_FILL
                cell.comment = Comment(
                    "\n".join(f"{p.message}. {p.fix}".strip() for p in found), "dangvien"
                )
                value = cell
            cells.append(value)
        ws.append(cells)
        written += 1


def bold(ws, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = BOLD
    return cell


class Bar:
    """A progress bar on a terminal (stderr), redrawn at most every 1 %."""

    def __init__(self, stream, total: int | None, label: str = ""):
        self.stream, self.total, self.label, self.shown = stream, total, label, -1

    def __call__(self, done: int) -> None:
        if self.total:
            pct = min(100, done * 100 // self.total)
            if pct != self.shown:
                self.shown = pct
                filled = pct * 30 // 100
                self.stream.write(
                    f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {pct:3d}% "
                    f"{done:,}/{self.total:,}".replace(",", ".")
                )
                self.stream.flush()
        elif done - self.shown >= 1000:
            self.shown = done
            self.stream.write(f"\r{self.label} {done:,} dòng".replace(",", "."))
            self.stream.flush()

    def close(self) -> None:
        if self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()
