"""XLSX export of the structure statistics, laid out as a document an office files.

Each sheet carries the party document heading (the issuing committee on the left, the
party's name and the place and date line on the right), a titled table and a signature
block, and prints on A4. Counts are numbers shown `#,##0`; shares are real percentage
cells (fractions with the format `0.0%`), so the workbook's locale decides the
separators. With an earlier structure to compare, every table has both dates and the
change.
"""

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dangvien.admission.documents import committee, date_line, place_of

from .structure import (
    BREAKDOWN_TITLES,
    HEADLINE,
    ORG_KEYS,
    PERSONAL_FIGURES,
    Compared,
    OrgRow,
    Row,
    Structure,
    carried_over,
    compare_headline,
    compare_rows,
    grassroots_rows,
)

PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
SIGN_LEFT = "NGƯỜI LẬP BIỂU"
SIGN_RIGHT = "T/M BAN THƯỜNG VỤ"
COUNT = "#,##0"
PERCENT = "0.0%"
COUNT_CHANGE = "+#,##0;-#,##0;0"
PERCENT_CHANGE = "+0.0%;-0.0%;0.0%"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)


def safe_cell(value):
    """Text starting with = + - @ is prefixed so a spreadsheet never runs it as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def sheet_title(text: str, used: set[str]) -> str:
    """A sheet name Excel accepts: ≤ 31 characters, none of []:*?/\\, unique."""
    clean = "".join("-" if c in "[]:*?/\\" else c for c in text)[:31]
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def fraction(pct: float | None) -> float | None:
    """Structure shares are percentages rounded to 2 places; cells hold fractions."""
    return None if pct is None else round(pct / 100.0, 4)


def d(day) -> str:
    return day.strftime("%d/%m/%Y")


class Document:
    """The workbook: one sheet per table, each with heading and signature."""

    def __init__(self, s: Structure, earlier: Structure | None, personal: bool = True):
        self.s, self.earlier, self.personal = s, earlier, personal
        self.wb = Workbook()
        self.used: set[str] = set()
        self.first = True
        unit = s.unit
        superior = unit.parent if unit.parent_id else None
        # Issuing body: the superior organisation above, the unit's committee below
        # ("TỈNH ỦY GIA LAI", not "ĐẢNG BỘ TỈNH GIA LAI"), as in the party document
        # heading (Hướng dẫn 36-HD/VPTW) and the other exports (`office.Office`).
        self.heading_left = [
            (superior.name.upper() if superior else ""),
            committee(unit).upper(),
        ]
        self.date_line = date_line(place_of(unit), s.day)
        if earlier is None:
            self.subtitle = _("As of %(day)s") % {"day": d(s.day)}
        else:
            self.subtitle = _("On %(a)s and %(b)s, with the change") % {
                "a": d(earlier.day),
                "b": d(s.day),
            }

    def sheet(self, title: str, width: int) -> tuple[Worksheet, int]:
        """A new sheet with the heading block and the table's title; returns the next row."""
        if self.first:
            ws = self.wb.active
            ws.title = sheet_title(title, self.used)
            self.first = False
        else:
            ws = self.wb.create_sheet(sheet_title(title, self.used))
        half = max(width - 2, 2)
        left_top, left_unit = self.heading_left
        ws.cell(1, 1, safe_cell(left_top)).font = Font(size=12)
        ws.cell(2, 1, safe_cell(left_unit)).font = Font(bold=True, size=12)
        ws.cell(3, 1, "*").alignment = Alignment(horizontal="center")
        ws.cell(1, half, PARTY).font = Font(bold=True, size=13, underline="single")
        ws.cell(3, half, self.date_line).font = Font(italic=True, size=12)
        ws.cell(5, 1, "BÁO CÁO THỐNG KÊ ĐẢNG VIÊN").font = Font(bold=True, size=14)
        ws.cell(6, 1, safe_cell(f"{title} — {self.s.unit.name}")).font = Font(bold=True, size=12)
        ws.cell(7, 1, self.subtitle).font = Font(italic=True)
        for r in (5, 6, 7):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(r, 1).alignment = Alignment(horizontal="center")
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if width > 6 else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.6
        ws.column_dimensions["A"].width = 44
        for c in range(2, width + 1):
            ws.column_dimensions[get_column_letter(c)].width = 13
        return ws, 9

    def header(self, ws: Worksheet, row: int, labels: list[str]) -> int:
        for c, label in enumerate(labels, 1):
            cell = ws.cell(row, c, label)
            cell.font = BOLD
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.row_dimensions[row].height = 32
        ws.print_title_rows = f"{row}:{row}"
        return row + 1

    def line(self, ws: Worksheet, row: int, values: list, formats: list[str | None]) -> int:
        for c, (value, fmt) in enumerate(zip(values, formats, strict=True), 1):
            cell = ws.cell(row, c, safe_cell(value))
            cell.border = BOX
            if fmt:
                cell.number_format = fmt
        return row + 1

    def signature(self, ws: Worksheet, row: int, width: int) -> None:
        row += 1
        right = max(width - 1, 3)
        ws.cell(row, 1, SIGN_LEFT).font = BOLD
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        ws.cell(row, right, SIGN_RIGHT).font = BOLD
        ws.cell(row + 1, right, "(Ký, ghi rõ họ tên)").font = Font(italic=True)
        ws.cell(row + 1, 1, "(Ký, ghi rõ họ tên)").font = Font(italic=True)

    # Tables -----------------------------------------------------------------------

    def single_table(self, title: str, rows: list[tuple[str, int | None, float | None]]):
        ws, r = self.sheet(title, 3)
        r = self.header(ws, r, [_("Figure"), _("Count"), _("Share of members")])
        for label, count, pct in rows:
            r = self.line(ws, r, [label, count, fraction(pct)], [None, COUNT, PERCENT])
        self.signature(ws, r, 3)

    def compared_table(self, title: str, rows: list[Compared]):
        a, b = self.earlier.day, self.s.day  # type: ignore[union-attr]
        ws, r = self.sheet(title, 7)
        labels = [
            _("Figure"),
            _("Count on %(day)s") % {"day": d(a)},
            _("Share on %(day)s") % {"day": d(a)},
            _("Count on %(day)s") % {"day": d(b)},
            _("Share on %(day)s") % {"day": d(b)},
            pgettext("difference", "Change"),
            _("Change of share"),
        ]
        r = self.header(ws, r, labels)
        fmts = [None, COUNT, PERCENT, COUNT, PERCENT, COUNT_CHANGE, PERCENT_CHANGE]
        for x in rows:
            values = [
                x.label,
                x.a,
                fraction(x.pct_a),
                x.b,
                fraction(x.pct_b),
                x.change,
                fraction(x.pct_change),
            ]
            r = self.line(ws, r, values, fmts)
        self.signature(ws, r, 7)

    def headline(self):
        title = _("Headline figures")
        s = self.s
        if self.earlier is None:
            rows: list[tuple[str, int | None, float | None]] = [
                (_("Members"), s.figures["members"], 100.0 if s.figures["members"] else 0.0)
            ]
            rows += [
                (str(label), s.figures[key], s.pct[key])
                for key, label in HEADLINE
                if key in s.figures  # (not a figure withheld)
            ]
            rows += [
                (_("Grassroots organisations"), s.figures["grassroots_orgs"], None),
                (_("Cells"), s.figures["cells"], None),
            ]
            self.single_table(title, rows)
        else:
            self.compared_table(title, compare_headline(self.earlier, s))

    def breakdown(self, name: str, rows: list[Row]):
        title = str(BREAKDOWN_TITLES[name])
        if self.earlier is None:
            self.single_table(title, [(str(r.label), r.count, r.pct) for r in rows])
        else:
            self.compared_table(title, compare_rows(self.earlier.breakdowns[name], rows))

    def org_keys(self) -> list:
        """The per-organisation columns: without those built from personal details for a
        role that sees names only."""
        return [(k, label) for k, label in ORG_KEYS if self.personal or k not in PERSONAL_FIGURES]

    def organisations(self, rows: list[OrgRow], earlier: list[OrgRow] | None):
        labels = [_("Grassroots organisation"), _("Members")]
        fmts: list[str | None] = [None, COUNT]
        if earlier is not None:
            labels[1] = _("Members on %(day)s") % {"day": d(self.s.day)}
            labels += [
                _("Members on %(day)s") % {"day": d(self.earlier.day)},  # type: ignore[union-attr]
                pgettext("difference", "Change"),
            ]
            fmts += [COUNT, COUNT_CHANGE]
        for _key, label in self.org_keys():
            labels += [str(label), "%"]
            fmts += [COUNT, PERCENT]
        ws, r = self.sheet(_("By grassroots organisation"), len(labels))
        ws.column_dimensions["A"].width = 40
        r = self.header(ws, r, labels)
        before = carried_over(earlier or [], self.s.day)
        total = dict.fromkeys(["members", *[k for k, _l in self.org_keys()]], 0)
        total_before = 0
        for o in rows:
            values: list = [o.name, o.members]
            if earlier is not None:
                values += [before.get(o.code, 0), o.members - before.get(o.code, 0)]
            for key, _label in self.org_keys():
                values += [o.figures[key], fraction(o.pct[key])]
                total[key] += o.figures[key] or 0  # (the sheet's rows are not withheld)
            total["members"] += o.members
            total_before += before.get(o.code, 0)
            r = self.line(ws, r, values, fmts)
        n = total["members"]
        values = [_("Total"), n]
        if earlier is not None:
            values += [total_before, n - total_before]
        for key, _label in self.org_keys():
            values += [total[key], (round(total[key] / n, 4) if n else 0.0)]
        r = self.line(ws, r, values, fmts)
        for c in range(1, len(labels) + 1):
            ws.cell(r - 1, c).font = BOLD
        self.signature(ws, r, len(labels))

    def save(self) -> bytes:
        out = BytesIO()
        self.wb.save(out)
        return out.getvalue()


def structure_xlsx(s: Structure, earlier: Structure | None = None, personal: bool = True) -> bytes:
    """The statistics document of `s` (with `earlier`, both dates and the change): a
    headline sheet, one sheet per breakdown and one row per grassroots organisation
    (without `personal`, for a role that sees names only: no column of the figures built
    from personal details, which a small organisation's would tell)."""
    doc = Document(s, earlier, personal)
    doc.headline()
    for name, rows in s.breakdowns.items():
        doc.breakdown(name, rows)
    orgs = grassroots_rows(s.unit, s.day)
    before = grassroots_rows(earlier.unit, earlier.day) if earlier is not None else None
    doc.organisations(orgs, before)
    return doc.save()
