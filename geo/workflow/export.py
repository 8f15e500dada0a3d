"""The desk's queue as an Excel workbook, filtered as on the page.

Residents' words and addresses go through `geo.cells.set_cell` (via `geo.sheets`), so
no text from outside becomes a formula in the spreadsheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import psycopg2.extensions
from openpyxl import Workbook

from geo.cells import set_cell
from geo.sheets import table
from geo.workflow.desk import QueueFilter, QueueRow, queue

EXPORT_LIMIT = 20_000  # rows in one workbook; the title says when the queue has more


def export_rows(
    conn: psycopg2.extensions.connection, center: str, filters: QueueFilter, now: datetime
) -> tuple[list[QueueRow], int]:
    """The whole filtered queue in the desk's order (at most `EXPORT_LIMIT` rows) and its
    total."""
    page = queue(conn, center, filters, now, EXPORT_LIMIT, 0, most=EXPORT_LIMIT)
    return page.rows, page.total


def queue_workbook(title: str, headers: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """One sheet: a title line, then the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "queue"
    set_cell(sheet["A1"], title)
    table(sheet, 3, headers, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
