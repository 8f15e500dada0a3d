"""The safety report on the hand-made city: the workbook and the PDF open and hold its figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from geo import db
from geo.cli import main
from geo.drill.step import drill_step
from geo.reports.content import gather
from geo.reports.excel import SHEETS, workbook_bytes
from geo.reports.pdf import pdf_bytes, report_html
from geo.reports.write import report_stem
from tests.drill_fixtures import load_city

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 24, 6, tzinfo=UTC)  # 14:00 CST: October is over


@pytest.fixture(scope="module")
def city_url(scratch):
    """URL of a database holding the hand-made city."""
    url = scratch.create_migrated()
    conn = db.connect(url)
    load_city(conn)
    conn.close()
    return url


@pytest.fixture(scope="module")
def district_report(city_url):
    """Report content, workbook and PDF of district D1 for October."""
    conn = db.connect(city_url)
    try:
        content = gather(conn, drill_step(conn, "D1", "2026-10", NOW))
    finally:
        conn.close()
    page = report_html(content, made_at=NOW)
    return content, workbook_bytes(content), pdf_bytes(page), page


def _values(sheet) -> dict[str, tuple]:
    """First-column label → the rest of the row, from a sheet."""
    return {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}


def test_workbook_opens_with_every_sheet_and_the_figures(district_report):
    """openpyxl reads it; the overview holds D1's October figures, numbers as numbers."""
    content, xlsx, _pdf, _html = district_report
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == list(SHEETS)
    overview = _values(book["概览"])
    k = content.step.current.counts.kpis
    assert k.new == 6 and k.open == 3 and k.overdue == 2  # new: 1-3, 5-7; open: 3, 6, 8
    assert overview["新增诉求"][:2] == (6, 1)  # September: case 4
    assert overview["期末超期"][0] == 2 and overview["期末在办"][0] == 3
    assert overview["化解成功率"][0] == pytest.approx(round(k.resolved_rate, 4))
    assert overview["平安指数"][0] == pytest.approx(round(content.step.current.index.value, 1))
    ranking = list(book["下级排名"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[2] for row in ranking) == ["S1", "S2"]
    assert sum(row[6] for row in ranking) == 6  # children's new cases add up to D1's
    overdue = list(book["超期案件"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in overdue] == [8, 3]  # most overdue first
    trend = list(book["趋势"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 31 and sum(row[1] for row in trend) == 6


def test_pdf_has_pages_and_chinese_text_with_the_figures(district_report):
    """The PDF opens, has pages, and its text carries the title, index and ranking names."""
    content, _xlsx, pdf, _html = district_report
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "甲区平安报表" in text
    assert "东街道" in text and "西街道" in text
    assert f"{content.step.current.index.value:.1f}" in text
    assert "期末超期" in text


def test_html_loads_nothing(district_report):
    """The printable HTML has no external reference: images are inline data (escaping is
    tested with hostile names in tests/test_export_cells.py)."""
    _content, _xlsx, _pdf, page = district_report
    assert "http://" not in page and "https://" not in page
    assert page.count("<img src='data:image/png;base64,") >= 4


def test_report_command_writes_both_files(city_url, tmp_path, monkeypatch):
    """`minqing report --area D1 --period 2026-10` writes the .xlsx and the .pdf."""
    monkeypatch.setenv("DATABASE_URL", city_url)
    from geo.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            main, ["report", "--area", "D1", "--period", "2026-10", "--out", str(tmp_path)]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    stem = report_stem("甲区", "D1", "2026-10")
    assert (tmp_path / f"{stem}.xlsx").stat().st_size > 5000
    assert PdfReader(str(tmp_path / f"{stem}.pdf")).pages


def test_report_command_refuses_unknown_area_and_period(city_url, tmp_path, monkeypatch):
    """Bad input stops with one clear line and exit status 1, writing nothing."""
    monkeypatch.setenv("DATABASE_URL", city_url)
    from geo.settings import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        nowhere = runner.invoke(main, ["report", "--area", "X9", "--period", "2026-10",
                                       "--out", str(tmp_path)])  # fmt: skip
        bad = runner.invoke(main, ["report", "--period", "2026-13", "--out", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert nowhere.exit_code == 1 and "X9" in nowhere.output
    assert bad.exit_code == 1 and "2026-13" in bad.output
    assert list(tmp_path.iterdir()) == []
