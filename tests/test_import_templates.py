"""Every import template formats its identity-number and code columns as text, so that
Excel keeps the leading zero of 012345678901 (a CCCD) or of a code such as 0101."""

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dangvien.imports.base import template_xlsx
from dangvien.imports.registry import IMPORTERS


@pytest.mark.parametrize("slug", sorted(IMPORTERS))
def test_id_and_code_columns_are_text(db, slug):
    importer = IMPORTERS[slug]
    ws = load_workbook(io.BytesIO(template_xlsx(importer))).worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == importer.COLUMNS
    ids = [h for h in headers if h.startswith(("Số CCCD", "Số thẻ", "Mã "))]
    assert ids, slug  # every template has a code or an identity number
    for i, header in enumerate(headers, start=1):
        letter = get_column_letter(i)
        text = ws.column_dimensions[letter].number_format == "@"
        assert text == (header in ids or header.startswith("Số ")), header
        if header in ids:
            assert ws[f"{letter}2"].number_format == "@"
            example = ws[f"{letter}2"].value
            assert example is None or isinstance(example, str)


def test_the_member_template_keeps_cccd_and_card_numbers_as_text(db):
    ws = load_workbook(io.BytesIO(template_xlsx(IMPORTERS["members"]))).worksheets[0]
    headers = [c.value for c in ws[1]]
    for column in ("Số CCCD", "Số thẻ đảng viên"):
        letter = get_column_letter(headers.index(column) + 1)
        assert ws.column_dimensions[letter].number_format == "@"
    cccd = ws.cell(row=2, column=headers.index("Số CCCD") + 1)
    assert cccd.data_type == "s" and cccd.value.startswith("0")
