"""The drill-down page and the safety report write each indicator with the same decimals and
unit (geo.vocabulary.INDICATOR_UNITS): the page's table, the workbook's cell as Excel shows it,
and the PDF's text."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from geo import db
from geo.drill.step import default_period
from geo.reports.excel import workbook_bytes
from geo.reports.pdf import report_html
from geo.reports.write import report_content
from geo.timeutil import now_utc
from tests.support import signed_in

pytestmark = pytest.mark.db
DRILL = "dashboard/drilldown.py"
# what openpyxl stores for a number format of fixed decimals, a percentage or a quoted unit
_FORMAT = re.compile(r'0(?:\.(0+))?(%?)(?:"([^"]*)")?')


def _as_excel_shows(cell: openpyxl.cell.Cell) -> str:
    """A number cell as Excel displays it, read from its own number format."""
    if cell.value is None:
        return "—"
    shape = _FORMAT.fullmatch(cell.number_format)
    assert shape, f"unexpected number format {cell.number_format!r}"
    decimals, percent, unit = len(shape[1] or ""), shape[2], shape[3] or ""
    if percent:
        return f"{cell.value:.{decimals}%}"
    return f"{cell.value:.{decimals}f}{unit}"


@pytest.fixture
def page_values(demo_db, open_app):
    """The drill-down's indicator table for the whole city over the last full month."""
    period = default_period(now_utc())
    at = signed_in(open_app(demo_db, timeout=180), demo_db, "admin").run()
    at.query_params.clear()  # the live map, opened first, put its own period there
    at = at.switch_page(DRILL)
    at.query_params["period"] = period
    at = at.run()
    assert not at.exception, at.exception
    frame = next(df.value for df in at.dataframe if "数值" in df.value.columns)
    return period, dict(zip(frame["指标"], frame["数值"], strict=True))


def test_the_page_and_the_report_write_each_indicator_alike(page_values, demo_db):
    period, on_page = page_values
    conn = db.connect(demo_db)
    try:
        content = report_content(conn, None, period, now_utc())
    finally:
        conn.close()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(content)))["概览"]
    rows = list(sheet.iter_rows(min_col=1, max_col=2))
    top = next(i for i, row in enumerate(rows) if row[0].value == "平安指数构成")
    # the index's make-up: a header row, then one row per indicator
    in_book = {row[0].value: _as_excel_shows(row[1]) for row in rows[top + 2 :] if row[0].value}
    html = report_html(content)
    assert set(in_book) == set(on_page) == {i.zh for i in content.rules.indicators}
    assert any(text != "—" for text in on_page.values()), "the demo city has indicators"
    for name, text in on_page.items():
        assert in_book[name] == text, name
        assert f">{text}<" in html, name
    assert any("件/千人" in text for text in on_page.values())
    assert any(text.endswith("%") for text in on_page.values())
