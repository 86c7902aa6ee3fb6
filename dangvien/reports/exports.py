"""Tabular exports (XLSX and CSV) of any list; text that a spreadsheet would run as a
formula (starting with = + - @) is neutralised."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .xlsx import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(content: bytes | str, name: str, content_type: str) -> HttpResponse:
    """A file the browser saves as `name` (every download goes through here)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def plain(value):
    """Cells hold numbers, dates or text; anything else (a lazy translation) as text."""
    if value is None or isinstance(value, int | float | dt.date):
        return value
    return str(value)


def xlsx_value(ws, value):
    """A cell's value; a date as a date cell shown dd/mm/yyyy (sortable, not text)."""
    value = safe_cell(plain(value))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    return value


def table_bytes(
    fmt: str, headers: Sequence[str], rows: Iterable[Sequence[object]], title: str = "Danh sách"
) -> bytes:
    """XLSX (written streaming, one sheet named `title`) or CSV in UTF-8 with BOM, for
    Excel."""
    if fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title=title[:31])
        header = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=str(h))
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([xlsx_value(ws, v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow(
            [
                "" if v is None else v if isinstance(v, int | float) else safe_cell(str(v))
                for v in row
            ]
        )
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def table_response(
    fmt: str, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """An attachment `name.xlsx` or `name.csv` (UTF-8 with BOM, for Excel)."""
    content_type = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    return attachment(table_bytes(fmt, headers, rows), f"{name}.{fmt}", content_type)
