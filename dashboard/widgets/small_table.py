"""A few rows beside a map as a plain HTML table, every text escaped.

`st.dataframe` loads and draws its data grid (a canvas of its own): on the live map's page
its two side tables cost about 0.3 s of a 3.3 s load in a software-rendering browser
(docs/benchmarks.md, issue 12). A side list of a dozen rows needs none of the grid's sorting
or scrolling of millions of rows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import streamlit as st

_STYLE = (
    "<style>"
    ".mq-table-box{overflow-y:auto;border:1px solid rgba(49,51,63,.15);border-radius:6px}"
    ".mq-table{width:100%;border-collapse:collapse;font-size:12.5px;line-height:1.4}"
    ".mq-table th{position:sticky;top:0;background:#f4f5f7;font-weight:600;text-align:left;"
    "color:#444}"
    ".mq-table th,.mq-table td{padding:3px 7px;border-bottom:1px solid rgba(49,51,63,.08);"
    "vertical-align:top}"
    ".mq-table tr:last-child td{border-bottom:none}"
    ".mq-table td:first-child,.mq-table th:first-child{white-space:nowrap}"
    ".mq-table .mq-num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "</style>"
)


def table_html(
    rows: Sequence[Mapping[str, str]], height_px: int, numbers: Sequence[str] = ()
) -> str:
    """The rows (column name → text; the first row's columns) as a table in a box at most
    `height_px` high that scrolls, the columns named in `numbers` aligned right; every text
    escaped."""
    columns = list(rows[0]) if rows else []
    right = ' class="mq-num"'

    def cell(tag: str, column: str, text: str) -> str:
        return f"<{tag}{right if column in numbers else ''}>{html.escape(text)}</{tag}>"

    head = "".join(cell("th", c, c) for c in columns)
    body = "".join(
        "<tr>" + "".join(cell("td", c, str(row.get(c, ""))) for c in columns) + "</tr>"
        for row in rows
    )
    return (
        f'{_STYLE}<div class="mq-table-box" style="max-height:{int(height_px)}px">'
        f'<table class="mq-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )


def small_table(
    rows: Sequence[Mapping[str, str]], height_px: int, numbers: Sequence[str] = ()
) -> None:
    """Draw the rows as a plain table (`table_html`)."""
    st.html(table_html(rows, height_px, numbers))
