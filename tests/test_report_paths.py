"""One report path: the drill-down page's Excel and PDF equal `minqing report`'s for the same
area and period, for a district leader and a city user (issue 12).

The page's files are made as Streamlit makes them on a click: by the download button's
callable, called after the page's run, in another thread, with no script context.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from click.testing import CliRunner
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.cli import main
from geo.settings import get_settings
from geo.timeutil import CST, now_utc
from tests.support import signed_in

pytestmark = pytest.mark.db
PAGE = str(Path(__file__).resolve().parent.parent / "dashboard" / "drilldown.py")
CHENGGUAN = "620102"
MADE_AT = re.compile(r"生成于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _last_month() -> str:
    first = now_utc().astimezone(CST).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


@pytest.fixture
def env(demo_db, monkeypatch):
    """The demo database for the page and the command line, with fresh settings and caches."""
    monkeypatch.setenv("DATABASE_URL", demo_db)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield demo_db
    get_settings.cache_clear()
    st.cache_resource.clear()


def _page_files(monkeypatch, url: str, username: str, area: str | None, period: str) -> dict:
    """The page's report files for `username`, made by the download buttons' callables."""
    made: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[str(file_name).rsplit(".", 1)[-1]] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    at = signed_in(AppTest.from_file(PAGE, default_timeout=180), url, username)
    if area:
        at.query_params["area"] = area
    at.query_params["period"] = period
    at.run()
    assert not at.exception, at.exception
    assert set(made) == {"xlsx", "pdf"}
    files: dict[str, bytes] = {}

    def click() -> None:  # as Streamlit does: another thread, after the run
        files.update({kind: make() for kind, make in made.items()})

    worker = threading.Thread(target=click)
    worker.start()
    worker.join()
    return files


def _cli_files(tmp_path: Path, area: str | None, period: str) -> dict[str, bytes]:
    """The files `minqing report` writes (as the tables' owner, no row-level security)."""
    args = ["report", "--period", period, "--out", str(tmp_path)]
    if area:
        args += ["--area", area]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return {path.suffix[1:]: path.read_bytes() for path in tmp_path.iterdir()}


def _sheets(xlsx: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def _pdf_text(pdf: bytes) -> list[str]:
    """Each page's text, without the moment it was made."""
    return [MADE_AT.sub("", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize(
    ("username", "area"), [("chengguan_leader", CHENGGUAN), ("city_leader", None)]
)
def test_the_pages_report_is_the_command_lines(env, monkeypatch, tmp_path, username, area):
    """Every sheet and every PDF page hold the same as the command line's; the overdue list and
    the centers are there, and the list is as long as the overview's overdue figure."""
    period = _last_month()
    page = _page_files(monkeypatch, env, username, area, period)
    cli = _cli_files(tmp_path, area, period)

    page_sheets, cli_sheets = _sheets(page["xlsx"]), _sheets(cli["xlsx"])
    assert list(page_sheets) == list(cli_sheets)
    for name, rows in cli_sheets.items():
        assert page_sheets[name] == rows, name
    overview = {row[0]: row[1:] for row in page_sheets["概览"] if row and row[0]}
    overdue_rows = page_sheets["超期案件"][1:]
    assert 0 < len(overdue_rows) == overview["期末超期"][0]
    assert len(page_sheets["指挥中心"]) > 1
    assert _pdf_text(page["pdf"]) == _pdf_text(cli["pdf"])
    assert f"共 {len(overdue_rows):,} 件" in "".join(_pdf_text(page["pdf"]))
