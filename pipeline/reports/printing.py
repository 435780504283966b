"""Print layout for the workbooks a bureau prints, signs and sends: A4, fitted to the page
width, thin borders, wrapped text, row heights that show every wrapped line.

openpyxl writes no row heights of its own and spreadsheet programs do not always
re-measure wrapped cells on opening, so heights are set from the text: the number of
lines a cell's text takes at its column's width, CJK characters counting double.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.styles import Border, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LINE_HEIGHT_PT = 13.5  # one wrapped line of 10.5–11 pt text as LibreOffice and Excel set it


def display_width(text: Any) -> int:
    """Width of the longest line in spreadsheet width units (a CJK character counts 2)."""
    value = "" if text is None else str(text)
    return max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in value.splitlines()), default=0)


def wrapped_lines(text: Any, width: float) -> int:
    """How many lines `text` takes in a column `width` units wide (its own line breaks kept)."""
    value = "" if text is None else str(text)
    usable = max(1.0, width - 1.5)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in value.splitlines() or [""])


def page_setup(sheet: Worksheet, *, landscape: bool = True, title_rows: str | None = None) -> None:
    """A4, fitted to one page wide (as many pages tall as the rows need), centred, with page numbers."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows:
        sheet.print_title_rows = title_rows


def frame_table(sheet: Worksheet, first_row: int, last_row: int, columns: int) -> None:
    """Thin borders on every cell of the table, and row heights that fit the wrapped text."""
    widths = [sheet.column_dimensions[get_column_letter(c)].width or 8.43 for c in range(1, columns + 1)]
    for r in range(first_row, last_row + 1):
        lines = 1
        for c in range(1, columns + 1):
            cell = sheet.cell(row=r, column=c)
            cell.border = BORDER
            lines = max(lines, wrapped_lines(cell.value, widths[c - 1]))
        sheet.row_dimensions[r].height = max(LINE_HEIGHT_PT * 1.3, LINE_HEIGHT_PT * lines + 3)
