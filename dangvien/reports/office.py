"""XLSX of the development, coverage and targets reports, in the house style of the
statistics workbook (`xlsx.py`): on every sheet the party document heading (the issuing
committee on the left, the Party's name and the place and date on the right), the
report's title, the unit and the period, a titled table with bordered headers, notes
under it and the signature block; A4, one sheet per table. Counts are numbers shown
`#,##0`, shares real percentage cells, dates real date cells (`dd/mm/yyyy`).

The figures are those of the report functions (`development()`, `coverage()`,
`targets_report()`), the same as the pages, the JSON and the PDF.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dangvien.admission.documents import committee, date_line, place_of
from dangvien.orgs.models import OrgUnit

from .xlsx import BOLD, BOX, COUNT, PARTY, PERCENT, SIGN_LEFT, SIGN_RIGHT, safe_cell, sheet_title

DATE = "dd/mm/yyyy"
DECIMAL = "#,##0.0"
SIGN_NOTE = "(Ký, ghi rõ họ tên)"


def fraction(pct: float | None) -> float | None:
    """A percentage figure (50.5) as the fraction a percentage cell holds (0.505)."""
    return None if pct is None else round(pct / 100.0, 4)


def d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list]
    formats: list[str | None]  # one per column; a row may give its own (`row_formats`)
    notes: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    row_formats: dict[int, list[str | None]] = field(default_factory=dict)
    total_last: bool = False  # the last row is a total, in bold


class Office:
    """A workbook of titled tables, each on its own sheet with heading and signature."""

    def __init__(self, unit: OrgUnit, day: dt.date, title: str, subtitle: str):
        self.unit, self.title, self.subtitle = unit, title, subtitle
        self.wb = Workbook()
        self.used: set[str] = set()
        self.first = True
        superior = unit.parent if unit.parent_id else None
        self.left_top = superior.name.upper() if superior else ""
        self.left_unit = committee(unit).upper()
        self.date_line = date_line(place_of(unit), day)

    def add(self, sheet: Sheet) -> None:
        width = max(len(sheet.headers), 3)
        if self.first:
            ws = self.wb.active
            ws.title = sheet_title(sheet.title, self.used)
            self.first = False
        else:
            ws = self.wb.create_sheet(sheet_title(sheet.title, self.used))
        row = self.heading(ws, sheet.title, width)
        for c, label in enumerate(sheet.headers, 1):
            cell = ws.cell(row, c, label)
            cell.font = BOLD
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[row].height = 32
        ws.print_title_rows = f"{row}:{row}"
        row += 1
        for i, values in enumerate(sheet.rows):
            formats = sheet.row_formats.get(i, sheet.formats)
            for c, (value, fmt) in enumerate(zip(values, formats, strict=True), 1):
                cell = ws.cell(row, c, safe_cell(value))
                cell.border = BOX
                if fmt:
                    cell.number_format = fmt
                if sheet.total_last and i == len(sheet.rows) - 1:
                    cell.font = BOLD
            row += 1
        if not sheet.rows:
            ws.cell(row, 1, "Không có.").font = Font(italic=True)
            row += 1
        for note in sheet.notes:
            row += 1
            ws.cell(row, 1, safe_cell(note)).font = Font(italic=True)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
            ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 15 * (1 + len(note) // 110)
        self.signature(ws, row + 1, width)
        widths = sheet.widths or [44] + [14] * (len(sheet.headers) - 1)
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if len(sheet.headers) > 5 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.6

    def heading(self, ws: Worksheet, table_title: str, width: int) -> int:
        """The heading block, the report's title, its table's title and the period; the
        table starts on the returned row."""
        half = max(width - 1, 2)
        ws.cell(1, 1, safe_cell(self.left_top)).font = Font(size=12)
        ws.cell(2, 1, safe_cell(self.left_unit)).font = Font(bold=True, size=12)
        ws.cell(3, 1, "*").alignment = Alignment(horizontal="center")
        ws.cell(1, half, PARTY).font = Font(bold=True, size=13, underline="single")
        ws.cell(3, half, self.date_line).font = Font(italic=True, size=12)
        ws.cell(5, 1, self.title.upper()).font = Font(bold=True, size=14)
        ws.cell(6, 1, safe_cell(f"{table_title} — {self.unit.name}")).font = Font(
            bold=True, size=12
        )
        ws.cell(7, 1, self.subtitle).font = Font(italic=True)
        for r in (5, 6, 7):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(r, 1).alignment = Alignment(horizontal="center")
        return 9

    def signature(self, ws: Worksheet, row: int, width: int) -> None:
        right = max(width - 1, 3)
        ws.cell(row, 1, SIGN_LEFT).font = BOLD
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        ws.cell(row, right, SIGN_RIGHT).font = BOLD
        ws.cell(row + 1, right, SIGN_NOTE).font = Font(italic=True)
        ws.cell(row + 1, 1, SIGN_NOTE).font = Font(italic=True)

    def save(self) -> bytes:
        out = BytesIO()
        self.wb.save(out)
        return out.getvalue()


def counts_sheet(
    title: str, heading: str, counts: dict[str, int], whole: int, overlapping: bool = False
) -> Sheet:
    """A breakdown: label, count, share of `whole`, with the total. `overlapping`: one
    person may count in several rows (the priority groups), so the total is `whole`, not
    the rows' sum."""
    rows: list[list] = [
        [str(k), n, round(n / whole, 4) if whole else None] for k, n in counts.items()
    ]
    if overlapping:
        rows.append(["Tổng số (một người có thể thuộc nhiều nhóm)", whole, 1.0 if whole else None])
    else:
        rows.append(["Tổng cộng", sum(counts.values()), 1.0 if whole else None])
    return Sheet(
        title, [heading, "Số người", "Tỷ lệ"], rows, [None, COUNT, PERCENT], total_last=True
    )


# ----- the development report -------------------------------------------------------------
def development_xlsx(r) -> bytes:
    """The development report (`development.Development`)."""
    from .pipeline import DEADLINES

    doc = Office(
        r.unit,
        r.end,
        "Báo cáo kết quả kết nạp đảng viên",
        f"Từ ngày {d(r.start)} đến ngày {d(r.end)}",
    )
    notes = ["Kết nạp tính theo ngày quyết định kết nạp, trong toàn bộ đảng bộ."]
    if r.rolled_up:
        notes.append(
            "Gồm cả số kết nạp của các đơn vị đã hợp nhất vào đơn vị này: "
            + "; ".join(u["name"] for u in r.rolled_up)
            + "."
        )
    doc.add(
        Sheet(
            "Tổng hợp",
            ["Chỉ tiêu", "Số lượng"],
            [
                ["Số đảng viên được kết nạp", r.admitted],
                ["Số đảng viên được công nhận chính thức", r.confirmed],
                ["Số đảng viên dự bị bị xóa tên", r.struck_off],
            ],
            [None, COUNT],
            notes,
            [52, 16],
        )
    )
    doc.add(
        Sheet(
            "Theo tổ chức cơ sở đảng",
            ["STT", "Tổ chức cơ sở đảng", "Kết nạp", "Gồm cả"],
            [
                [i, o["name"], o["admitted"], ", ".join(o["includes"])]
                for i, o in enumerate(r.by_org, 1)
            ]
            + [["", "Tổng cộng", r.admitted, ""]],
            [COUNT, None, COUNT, None],
            widths=[6, 44, 12, 36],
            total_last=True,
        )
    )
    doc.add(
        Sheet(
            "Theo tháng",
            ["Tháng", "Kết nạp"],
            [[m["label"], m["admitted"]] for m in r.by_month] + [["Tổng cộng", r.admitted]],
            [None, COUNT],
            widths=[20, 14],
            total_last=True,
        )
    )
    doc.add(
        counts_sheet(
            "Theo nhóm ưu tiên",
            "Nhóm",
            {g["group"]: g["admitted"] for g in r.by_group},
            r.admitted,
            overlapping=True,
        )
    )
    for title, heading, counts in (
        ("Theo giới tính", "Giới tính", r.by_sex),
        ("Theo dân tộc", "Dân tộc", r.by_ethnicity),
        ("Theo tôn giáo", "Tôn giáo", r.by_religion),
        ("Theo tuổi khi kết nạp", "Tuổi khi kết nạp", r.by_age),
        ("Theo nghề nghiệp", "Nghề nghiệp", r.by_occupation),
    ):
        if counts or not r.withheld:  # (withheld: no sheet, `development.for_viewer`)
            doc.add(counts_sheet(title, heading, counts, r.admitted))
    doc.add(
        Sheet(
            "Quy trình kết nạp",
            [
                "Bước",
                "Số người",
                "Trung vị ngày làm việc từ bước trước",
                "Số hồ sơ tính thời gian",
            ],
            [
                [
                    s["name"],
                    s["candidates"],
                    s["median_working_days"],
                    s["timed"],
                ]
                for s in r.funnel
            ],
            [None, COUNT, DECIMAL, COUNT],
            [
                "Số người làm từng bước trong kỳ. Ngày làm việc không kể thứ Bảy, Chủ nhật, "
                "ngày lễ, Tết và ngày nghỉ bù; thời gian của một bước tính cho người làm bước "
                "đó trong kỳ, từ bước trước gần nhất."
            ],
            [44, 12, 18, 16],
        )
    )
    doc.add(
        Sheet(
            "Thời hạn bị chậm",
            ["Thời hạn", "Số việc làm trong kỳ", "Chậm", "Tỷ lệ chậm", "Quá hạn chưa làm"],
            [
                [x["name"], x["taken"], x["late"], fraction(x["pct"]), x["open"]]
                for x in r.deadlines_missed
            ],
            [None, COUNT, COUNT, PERCENT, COUNT],
            [
                "Thời hạn theo Điều lệ và hướng dẫn: quyết định kết nạp trong 60 ngày làm việc "
                "từ nghị quyết chi bộ (90 ngày khi được gia hạn); lễ kết nạp trong 30 ngày làm "
                "việc từ ngày nhận quyết định; chi bộ xét công nhận chính thức trong 30 ngày "
                "làm việc sau khi hết 12 tháng dự bị; quyết định công nhận chính thức trong 30 "
                "ngày làm việc từ nghị quyết chi bộ. Quá hạn chưa làm: hồ sơ hết hạn trong kỳ "
                "mà đến cuối kỳ chưa làm bước đó (không kể hồ sơ đã đóng)."
            ],
            [56, 16, 10, 12, 16],
        )
    )
    names = {key: name for key, name, _kind in DEADLINES}
    late = [(names[x["deadline"]], i) for x in r.deadlines_missed for i in x["items"]]
    doc.add(
        Sheet(
            "Hồ sơ chậm thời hạn",
            [
                "STT",
                "Họ và tên",
                "Chi bộ",
                "Việc chậm",
                "Hạn",
                "Ngày thực hiện",
                "Chậm (ngày làm việc)",
            ],
            [
                [
                    n,
                    i["person"],
                    i["cell"],
                    name,
                    dt.date.fromisoformat(i["due"]),
                    dt.date.fromisoformat(i["on"]),
                    i["late_working_days"],
                ]
                for n, (name, i) in enumerate(late, 1)
            ],
            [COUNT, None, None, None, DATE, DATE, COUNT],
            widths=[6, 26, 28, 40, 12, 12, 12],
        )
    )
    return doc.save()


# ----- the coverage report -----------------------------------------------------------------
COVERAGE_LISTS = [
    ("without_members", "Chưa có đảng viên", "Thôn, làng, tổ dân phố chưa có đảng viên"),
    ("relapsed", "Tái trắng", "Tái trắng: đã có đảng viên, nay không còn"),
    (
        "at_risk",
        "Nguy cơ tái trắng",
        "Có nguy cơ tái trắng (còn một, hai đảng viên, hoặc đều trên 65 tuổi)",
    ),
    ("without_own_cell", "Chưa có chi bộ riêng", "Chưa có chi bộ riêng (ghép hoặc chưa có)"),
    ("cells_too_small", "Chi bộ dưới 3 đảng viên", "Chi bộ có dưới 3 đảng viên chính thức"),
    (
        "cells_due_committee",
        "Chi bộ từ 9 đảng viên",
        "Chi bộ có từ 9 đảng viên chính thức trở lên",
    ),
    (
        "cells_living_elsewhere",
        "Chi bộ đa số ở nơi khác",
        "Chi bộ khu dân cư có đa số đảng viên cư trú nơi khác",
    ),
]


def coverage_xlsx(c) -> bytes:
    """The coverage report (`coverage.Coverage`)."""
    since = f" (tái trắng so với ngày {d(c.since)})" if c.since and c.since.year > 1900 else ""
    doc = Office(
        c.unit,
        c.day,
        "Báo cáo địa bàn chưa có đảng viên, chưa có chi bộ và tái trắng",
        f"Đến ngày {d(c.day)}{since}",
    )
    doc.add(
        Sheet(
            "Tổng hợp",
            ["Chỉ tiêu", "Số lượng"],
            [["Thôn, làng, tổ dân phố trên địa bàn", len(c.localities)]]
            + [[long, len(getattr(c, key))] for key, _short, long in COVERAGE_LISTS],
            [None, COUNT],
            [
                "Địa bàn gồm các thôn, làng, tổ dân phố thuộc xã, phường do đảng bộ lãnh đạo "
                "và do các chi bộ phụ trách. Đảng viên ở một địa bàn khi nơi cư trú của đảng "
                "viên là địa bàn đó vào ngày báo cáo."
            ],
            [60, 14],
        )
    )
    for key, short, long in COVERAGE_LISTS:
        items = getattr(c, key)
        cells = key.startswith("cells_")
        if cells:
            headers = ["STT", "Mã", "Chi bộ", "Trực thuộc", "Đảng viên chính thức"]
            rows = [
                [
                    i,
                    x.get("code", ""),
                    x.get("name", ""),
                    x.get("commune") or "",
                    x.get("full_members", x.get("members")),
                ]
                for i, x in enumerate(items, 1)
            ]
            formats: list[str | None] = [COUNT, None, None, None, COUNT]
            if key == "cells_living_elsewhere":
                headers = ["STT", "Mã", "Chi bộ", "Trực thuộc", "Đảng viên", "Cư trú tại địa bàn"]
                rows = [
                    [
                        i,
                        x.get("code", ""),
                        x.get("name", ""),
                        x.get("commune") or "",
                        x.get("members"),
                        x.get("local"),
                    ]
                    for i, x in enumerate(items, 1)
                ]
                formats = [COUNT, None, None, None, COUNT, COUNT]
        else:
            headers = ["STT", "Mã", "Tên", "Xã, phường"]
            rows = [
                [i, x.get("code", ""), x.get("name", ""), x.get("commune") or ""]
                for i, x in enumerate(items, 1)
            ]
            formats = [COUNT, None, None, None]
            if key == "at_risk":
                headers.append("Số đảng viên")
                formats.append(COUNT)
                for row, x in zip(rows, items, strict=True):
                    row.append(x.get("members"))
        doc.add(
            Sheet(
                f"{short} ({len(items)})",
                headers,
                rows,
                formats,
                [long + "."],
                [6, 16, 40, 24, 14][: len(headers)],
            )
        )
    if c.positions:
        doc.add(
            Sheet(
                "Chức danh là đảng viên",
                ["Chức danh", "Số người giữ", "Là đảng viên", "Tỷ lệ"],
                [
                    [
                        str(p.get("position", "")),
                        p.get("holders", 0),
                        p.get("members", 0),
                        round(p["members"] / p["holders"], 4) if p.get("holders") else None,
                    ]
                    for p in c.positions
                ],
                [None, COUNT, COUNT, PERCENT],
                widths=[48, 14, 14, 12],
            )
        )
    return doc.save()


# ----- the targets' pace -------------------------------------------------------------------
FORECASTS = {
    "met": "Đã đạt",
    "on track": "Đúng tiến độ",
    "behind": "Chậm",
    "no data": "Chưa có số liệu",
}


def targets_xlsx(unit: OrgUnit, day: dt.date, rows) -> bytes:
    """The targets' pace (`targets.pace.targets_report`), laggards first."""
    from dangvien.targets.models import SHARES

    doc = Office(unit, day, "Báo cáo tiến độ thực hiện chỉ tiêu nhiệm kỳ", f"Đến ngày {d(day)}")
    # A committee's target beside the sum of its children's (as on the targets page).
    children: dict[tuple, float] = defaultdict(float)
    for p in rows:
        children[(p.target.unit.parent_id, p.target.metric, p.target.term_id)] += float(
            p.target.value
        )
    table: list[list] = []
    row_formats: dict[int, list[str | None]] = {}
    for i, p in enumerate(rows):
        share = p.target.metric in SHARES
        goal = float(p.target.value)
        with translation.override("vi"):
            metric = str(p.target.get_metric_display())
        sub = children.get((p.target.unit_id, p.target.metric, p.target.term_id))
        table.append(
            [
                i + 1,
                metric,
                p.target.unit.name,
                p.target.term.name,
                fraction(goal) if share else goal,
                sub if sub is None or not share else fraction(sub),
                (fraction(p.actual) if share else p.actual) if p.actual is not None else None,
                fraction(p.pct),
                fraction(p.elapsed_pct),
                p.needed_per_month,
                FORECASTS.get(p.forecast, str(p.forecast)),
            ]
        )
        value = PERCENT if share else COUNT
        row_formats[i] = [
            *[COUNT, None, None, None, value, value, value],
            *[PERCENT, PERCENT, DECIMAL, None],
        ]
    doc.add(
        Sheet(
            "Tiến độ chỉ tiêu",
            [
                "STT",
                "Chỉ tiêu",
                "Đơn vị",
                "Nhiệm kỳ",
                "Chỉ tiêu đề ra",
                "Tổng chỉ tiêu các đơn vị trực thuộc",
                "Thực hiện",
                "Đạt",
                "Thời gian nhiệm kỳ đã qua",
                "Cần mỗi tháng",
                "Dự báo",
            ],
            table,
            [COUNT, None, None, None, COUNT, COUNT, COUNT, PERCENT, PERCENT, DECIMAL, None],
            [
                "Các chỉ tiêu chậm tiến độ xếp trước. Cần mỗi tháng: số còn thiếu chia cho số "
                "tháng còn lại của nhiệm kỳ. Dự báo theo nhịp độ thực hiện từ đầu nhiệm kỳ."
            ],
            [6, 44, 30, 14, 12, 14, 12, 10, 14, 12, 16],
            row_formats,
        )
    )
    return doc.save()
