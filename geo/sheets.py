"""Writing a table into a worksheet: a styled header row and rows whose widths fit Chinese text.

Every cell goes through `geo.cells.set_cell`, so no text from outside becomes a formula.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.cells import set_cell

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def table(sheet: Worksheet, top: int, headers: Sequence[str], rows: Sequence[Sequence]) -> None:
    """A header row at `top` and the rows under it, with widths that fit Chinese text."""
    for col, name in enumerate(headers, start=1):
        cell = set_cell(sheet.cell(row=top, column=col), name)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center")
    for r, row in enumerate(rows, start=top + 1):
        for c, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=r, column=c), value)
    for col, name in enumerate(headers, start=1):
        values = [name] + [row[col - 1] for row in rows[:200]]
        width = max(_display_width(v) for v in values)
        sheet.column_dimensions[get_column_letter(col)].width = min(60, max(8, width + 2))
    sheet.freeze_panes = sheet.cell(row=top + 1, column=1)


def _display_width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
