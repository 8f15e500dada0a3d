"""The drill-down in headless Chromium: click from the city down to a grid, links, back, report.

Against the small seeded demo. The clicks go to the ranking table's first row: clicks on the
deck.gl map drill too, but under SwiftShader on a loaded machine deck.gl sometimes drops them
(hovering still picks), so the map is only checked to draw at each step.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from geo import db
from geo.drill import queries as drill
from geo.timeutil import CST, now_utc
from tests.support import login
from tests.test_browser_overview import drawn_pixel_share

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"
MAP = "[data-testid='stDeckGlJsonChart']"
RANKING = "[data-testid='stDataFrame'] >> nth=1"  # after the index panel's indicator table


def _last_month() -> str:
    first = now_utc().astimezone(CST).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def _shows(browser_page, name: str) -> bool:
    """True once the page's title names the area (it follows the URL by one rerun)."""
    browser_page.locator("h1").filter(has_text=name).first.wait_for(timeout=30_000)
    return True


def _wait_for_query(browser_page, text: str, timeout_ms: int = 30_000) -> None:
    """Wait until the address bar's query holds `text` (history entries do not load pages)."""
    browser_page.wait_for_function(
        "text => location.search.includes(text)", arg=text, timeout=timeout_ms
    )


def _map_drawn(browser_page) -> float:
    """Share of the map's pixels that are not background: 0 for a blank canvas."""
    canvas = browser_page.locator(f"{MAP} canvas").first
    canvas.scroll_into_view_if_needed()
    return drawn_pixel_share(browser_page.screenshot(clip=canvas.bounding_box()))


def _wait_for_map(browser_page) -> None:
    browser_page.locator(f"{MAP} canvas").first.wait_for(timeout=60_000)
    browser_page.wait_for_timeout(2500)  # deck.gl draws after the data arrives


def test_drill_from_city_to_grid_by_clicking_the_ranking(dashboard_url, demo_db, page):
    """Four clicks on the ranking go city → district → street → community → grid; the map
    draws each step; links and the back button reopen each step, nothing leaves the host."""
    browser_page = page.page
    period = _last_month()
    browser_page.goto(f"{dashboard_url}/drilldown?period={period}", wait_until="networkidle")
    login(browser_page, "city_leader")
    assert _shows(browser_page, "兰州市")
    conn = db.connect(demo_db)
    visited: list[tuple[str, str]] = []
    try:
        for level in ("district", "street", "community", "grid"):
            _wait_for_map(browser_page)
            assert _map_drawn(browser_page) > 0.05, f"blank map before the {level} click"
            before = browser_page.url
            table = browser_page.locator(RANKING)
            table.scroll_into_view_if_needed()
            box = table.bounding_box()
            browser_page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # first row's box
            browser_page.wait_for_function("url => location.href !== url", arg=before)
            query = parse_qs(urlsplit(browser_page.url).query)
            code = query["area"][0]
            node = drill.area_node(conn, code)
            assert node.level == level and query["period"] == [period]
            assert _shows(browser_page, node.name)
            visited.append((browser_page.url, node.name))
    finally:
        conn.close()
    _wait_for_map(browser_page)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "drilldown_grid.png"), full_page=True)
    assert browser_page.get_by_text("网格内诉求").count() >= 1

    # the back button walks the breadcrumb up: community, street, district, city
    for url, name in reversed(visited[:-1]):
        browser_page.go_back()
        _wait_for_query(browser_page, urlsplit(url).query)
        assert _shows(browser_page, name)

    # every step's link reopens it in a fresh page
    context = browser_page.context
    for url, name in visited:
        fresh = context.new_page()
        fresh.goto(url, wait_until="networkidle")
        assert _shows(fresh, name)
        fresh.close()

    assert page.foreign_requests(dashboard_url) == []


def test_excel_report_matches_the_page(dashboard_url, demo_db, page):
    """The district's new cases on the page and in the downloaded workbook are the same."""
    conn = db.connect(demo_db)
    try:
        district = drill.children(conn, drill.area_node(conn, None).code)[0]
    finally:
        conn.close()
    browser_page = page.page
    period = _last_month()
    browser_page.goto(
        f"{dashboard_url}/drilldown?area={district.code}&period={period}", wait_until="networkidle"
    )
    login(browser_page, "city_leader")
    assert _shows(browser_page, district.name)
    metric = browser_page.locator("[data-testid='stMetric']").filter(has_text="新增诉求").first
    shown = int(metric.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))
    with browser_page.expect_download(timeout=60_000) as download:
        browser_page.get_by_role("button", name="下载 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    overview = {row[0]: row[1:] for row in book["概览"].iter_rows(values_only=True) if row[0]}
    assert overview["新增诉求"][0] == shown
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "drilldown_district.png"), full_page=True)
    assert page.foreign_requests(dashboard_url) == []
