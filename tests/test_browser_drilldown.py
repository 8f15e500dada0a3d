"""The drill-down in headless Chromium: click from the city down to a grid, links, back, report.

Against the small seeded demo. The first two steps click an area drawn on the map (at its
label's position), the next two the ranking table's first row; the map draws at each step.
"""

from __future__ import annotations

import io
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from playwright.sync_api import Error as PlaywrightError
from pypdf import PdfReader

from geo import db
from geo.drill import queries as drill
from geo.timeutil import CST, now_utc
from tests.map_clicks import (
    DeckSpecs,
    MapBox,
    click_map,
    drawn_map,
    labelled_areas,
    wait_for_query,
)
from tests.presses import Runs, locked, rerun_asked
from tests.support import login, owner_connection, owner_rows

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"
RANKING = "[data-testid='stDataFrame'] >> nth=1"  # after the index panel's indicator table


def _last_month() -> str:
    first = now_utc().astimezone(CST).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}"


def _shows(browser_page, name: str) -> bool:
    """True once the page's title names the area (it follows the URL by one rerun)."""
    browser_page.locator("h1").filter(has_text=name).first.wait_for(timeout=60_000)
    return True


def _at(browser_page, query: str) -> None:
    """Wait until the address bar's query is `query`, exactly."""
    browser_page.wait_for_function("q => location.search === '?' + q", arg=query)


def _click_a_child(browser_page, specs: DeckSpecs, box: MapBox) -> str:
    """Click, on the map, a child area at its label (well inside the canvas) once its tooltip
    names it; its code."""
    # the canvas can still be moving while the page settles: measured again until a label
    # lies well inside it and the area under the pointer is the one meant
    for _ in range(10):
        children = labelled_areas(specs, "children", "labels")
        inside = {
            code: box.pixel(*point)
            for code, (_, point) in children.items()
            if box.inside(*box.pixel(*point), margin=40)
        }
        if inside:
            code, (x, y) = sorted(inside.items())[0]
            if click_map(browser_page, x, y, children[code][0]):
                return code
        browser_page.wait_for_timeout(1000)
        box = drawn_map(browser_page, specs)
    raise AssertionError(f"no child area to click inside the map {box}: {children}")


def _click_the_first_row(browser_page) -> None:
    """Click the ranking's first row as a person would, and again when the page did not move
    on: a rerun can draw the table anew under the pointer (on a busy machine it was gone
    from the page between finding it and scrolling to it)."""
    before = browser_page.url
    for _ in range(5):
        try:
            table = browser_page.locator(RANKING)
            table.scroll_into_view_if_needed()
            box = table.bounding_box()
            if box is not None:
                browser_page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # first row's box
                browser_page.wait_for_function(
                    "url => location.href !== url", arg=before, timeout=10_000
                )
                return
        except PlaywrightError:
            if browser_page.url != before:
                return
        browser_page.wait_for_timeout(1000)
    raise AssertionError(f"the ranking's first row did not open its area ({before})")


def test_drill_from_city_to_grid_by_clicking_the_map_and_the_ranking(dashboard_url, demo_db, page):
    """Two clicks on the map, then two on the ranking go city → district → street →
    community → grid; the map draws each step; links and the back button reopen each step,
    nothing leaves the host."""
    browser_page = page.page
    specs = DeckSpecs(browser_page)
    period = _last_month()
    browser_page.goto(f"{dashboard_url}/drilldown?period={period}", wait_until="networkidle")
    login(browser_page, "city_leader")
    assert _shows(browser_page, "兰州市")
    conn = db.connect(demo_db)
    visited: list[tuple[str, str]] = []
    try:
        city = drill.area_node(conn, None).code
        box = drawn_map(browser_page, specs, f"{city}-{period}")
        entries = browser_page.evaluate("history.length")
        for level in ("district", "street", "community", "grid"):
            if level in ("district", "street"):
                clicked = _click_a_child(browser_page, specs, box)
                wait_for_query(browser_page, f"area={clicked}")
            else:
                _click_the_first_row(browser_page)
            query = parse_qs(urlsplit(browser_page.url).query)
            code = query["area"][0]
            node = drill.area_node(conn, code)
            assert node.level == level and query["period"] == [period]
            # one click, one history entry (widgets of the area left must not open it again)
            assert browser_page.evaluate("history.length") == entries + len(visited) + 1
            assert _shows(browser_page, node.name)
            least = 0.01 if level == "grid" else 0.05  # a grid's outline and its cases
            box = drawn_map(browser_page, specs, f"{code}-{period}", least=least)
            visited.append((browser_page.url, node.name))
    finally:
        conn.close()
    # the grid's cases come near the end of its page run
    browser_page.get_by_text("网格内诉求").first.wait_for(timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "drilldown_grid.png"), full_page=True)

    # the back button walks the breadcrumb up: community, street, district, city
    for url, name in reversed(visited[:-1]):
        browser_page.go_back()
        _at(browser_page, urlsplit(url).query)
        assert _shows(browser_page, name)
    browser_page.go_back()
    _at(browser_page, f"period={period}")
    assert _shows(browser_page, "兰州市")

    # every step's link reopens it in a fresh page
    context = browser_page.context
    for url, name in visited:
        fresh = context.new_page()
        fresh.goto(url, wait_until="networkidle")
        assert _shows(fresh, name)
        fresh.close()

    assert page.foreign_requests(dashboard_url) == []


def _open_a_district(dashboard_url: str, demo_db: str, browser_page) -> tuple[drill.ChildArea, str]:
    """The city's first district opened in the drill-down for last month, as city_leader:
    the district and the period."""
    with owner_connection(demo_db) as conn:
        district = drill.children(conn, drill.area_node(conn, None).code)[0]
    period = _last_month()
    browser_page.goto(
        f"{dashboard_url}/drilldown?area={district.code}&period={period}", wait_until="networkidle"
    )
    login(browser_page, "city_leader")
    assert _shows(browser_page, district.name)
    return district, period


def test_excel_report_matches_the_page(dashboard_url, demo_db, page):
    """The district's new cases on the page and in the downloaded workbook are the same."""
    browser_page = page.page
    district, _ = _open_a_district(dashboard_url, demo_db, browser_page)
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


_RENAME = """
    UPDATE areas a SET name = %s
    FROM boundary_versions v WHERE v.id = a.version_id AND v.is_current AND a.code = %s
    RETURNING a.code
"""


def _five_minutes() -> int:
    """Which five minutes of the clock it is: the page counts in these steps
    (`dashboard/drilldown.py`, `clock`)."""
    return int(now_utc().timestamp() // 300)


def _both_files(dashboard_url: str, demo_db: str, browser_page) -> tuple[str, str, str]:  # noqa: ANN001
    """Open a district, press Excel, rename the district, press PDF: the district's name, the
    workbook's title and the PDF's text (the name put back after)."""
    district, _ = _open_a_district(dashboard_url, demo_db, browser_page)
    with browser_page.expect_download(timeout=60_000) as workbook:
        browser_page.get_by_role("button", name="下载 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(workbook.value.path()).read_bytes()))
    owner_rows(demo_db, _RENAME, (f"{district.name}改", district.code))
    try:
        with browser_page.expect_download(timeout=60_000) as pdf:
            browser_page.get_by_role("button", name="下载 PDF").click()
        reader = PdfReader(io.BytesIO(Path(pdf.value.path()).read_bytes()))
        text = "".join(p.extract_text() for p in reader.pages)
    finally:
        owner_rows(demo_db, _RENAME, (district.name, district.code))
    return district.name, book["概览"]["A1"].value, text


def test_the_excel_and_the_pdf_of_one_view_hold_the_same_report(dashboard_url, demo_db, page):
    """Both files of the area shown are made from one gathering: a change made between the two
    presses (here the district renamed) shows in neither, so they never disagree.

    Within one five-minute step: a press's rerun after the clock turns shows, and gathers,
    the next step (each file is then the screen of its moment), so a try that straddles a
    turn is made again."""
    for attempt in range(2):
        if attempt:
            page.page.context.clear_cookies()  # signed out: the try signs in again
        before = _five_minutes()
        name, title, text = _both_files(dashboard_url, demo_db, page.page)
        if _five_minutes() == before:
            break
    assert title.startswith(f"{name}平安报表")
    assert f"{name}平安报表" in text and f"{name}改" not in text


def test_a_download_pressed_while_the_next_area_opens_is_the_shown_areas(
    dashboard_url, demo_db, page
):
    """The Excel pressed after a breadcrumb click, while the next area's run is held (its
    session check waits on a lock), is the report of the area still shown, under its name."""
    browser_page = page.page
    runs = Runs(browser_page)
    district, period = _open_a_district(dashboard_url, demo_db, browser_page)
    excel = browser_page.get_by_role("button", name="下载 Excel")
    excel.wait_for()
    with ExitStack() as held:
        held.enter_context(locked(demo_db))
        since = len(runs.events)
        browser_page.get_by_role("button", name="兰州市 ›").click()
        rerun_asked(browser_page, runs, since)
        with browser_page.expect_download(timeout=60_000) as got:
            excel.click()
            browser_page.wait_for_timeout(500)
            assert runs.running, "the city's run ended before the press: it was not held"
            held.close()  # the city's run and the file's reading go on
    assert got.value.suggested_filename == f"平安报表_{district.name}_{period}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert book["概览"]["A1"].value.startswith(f"{district.name}平安报表")
    assert _shows(browser_page, "兰州市")
