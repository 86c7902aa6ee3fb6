"""XLSX export of the structure statistics."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .structure import BREAKDOWN_TITLES, HEADLINE, Structure


def safe_cell(value):
    """Text starting with = + - @ is prefixed so a spreadsheet never runs it as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def structure_xlsx(s: Structure) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Statistics")[:31]
    bold = Font(bold=True)
    ws.append([safe_cell(s.unit.name)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("As of"), s.day.strftime("%d/%m/%Y")])
    ws.append([])
    ws.append([_("Figure"), _("Count"), _("Share of members (%)")])
    for cell in ws[ws.max_row]:
        cell.font = bold
    ws.append([_("Members"), s.figures["members"], 100.0 if s.figures["members"] else 0.0])
    for key, label in HEADLINE:
        ws.append([str(label), s.figures[key], s.pct[key]])
    ws.append([_("Grassroots organisations"), s.figures["grassroots_orgs"], None])
    ws.append([_("Cells"), s.figures["cells"], None])
    ws.append([_("Average age"), s.average_age, None])
    for name, rows in s.breakdowns.items():
        ws.append([])
        ws.append([str(BREAKDOWN_TITLES[name]), _("Count"), "%"])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in rows:
            ws.append([safe_cell(str(row.label)), row.count, row.pct])
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 14
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
