"""The live map in a real headless Chromium (WebGL through SwiftShader) against the demo."""

from __future__ import annotations

import io
import math
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import db
from geo.live import queries as live
from geo.queries.areas import AreaOutline, area_outlines
from tests.map_clicks import DeckSpecs, MapBox, click_map, drawn_map, wait_for_query
from tests.presses import Runs
from tests.support import login, streamlit_server

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"
TILE_RGB = (255, 0, 255)  # the local tile server's tiles: solid magenta


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _wait_for_map(browser_page, seconds: float = 60) -> dict:
    """Wait until the page shows the key figures and a map canvas; the canvas's box."""
    browser_page.get_by_text("期内新增").first.wait_for(timeout=seconds * 1000)
    canvas = browser_page.locator("canvas").first
    canvas.wait_for(timeout=seconds * 1000)
    browser_page.wait_for_timeout(5000)  # data loads and SwiftShader draws
    box = canvas.bounding_box()
    assert box and box["width"] > 400 and box["height"] > 400
    return box


def test_live_map_draws_the_grids_offline(dashboard_url, page):
    """Grids drawn (blue fill in the middle of the map), layers and KPIs shown, nothing foreign."""
    browser_page = page.page
    browser_page.goto(dashboard_url, wait_until="networkidle")
    login(browser_page, "city_operator")
    box = _wait_for_map(browser_page)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "live_map.png"))
    pixels = _pixels(browser_page.screenshot(clip=box))
    h, w, _ = pixels.shape
    middle = pixels[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    drawn = (middle.min(axis=2) < 235).mean()
    bluish = ((middle[..., 2] > middle[..., 0] + 15) & (middle[..., 2] > 150)).mean()
    assert drawn > 0.2, f"the map is blank ({drawn:.1%} drawn)"
    assert bluish > 0.05, f"no grid fill in the map ({bluish:.1%} blue)"
    for text in ("今日新增", "在办", "超期", "重大风险在办", "化解率"):
        assert browser_page.get_by_text(text, exact=True).count() >= 1, text
    for text in ("网格三色", "诉求热力", "中心负荷", "事件点位"):
        assert browser_page.get_by_text(text, exact=True).count() >= 1, text
    assert browser_page.get_by_text("网格三色").count() >= 1  # the legend
    assert page.foreign_requests(dashboard_url) == []
    served = [url for url in page.requests if "/app/static/live/street-edges-" in url]
    assert served, "the street edges were not fetched from the app's own static folder"


class _Tiles(BaseHTTPRequestHandler):
    """Answers every /z/x/y.png with a solid magenta PNG and remembers the paths."""

    asked: list[str] = []
    png = b""

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Cache-Control", "max-age=3600")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tile_server() -> Iterator[str]:
    """A tiny local XYZ tile server; yields its URL template."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buffer, "PNG")
    _Tiles.png, _Tiles.asked = buffer.getvalue(), []
    server = ThreadingHTTPServer(("127.0.0.1", _free_port()), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()


@pytest.fixture
def app_with_basemap(demo_db, tile_server) -> Iterator[str]:
    """The app run with MINQING_BASEMAP_URL pointing at the local tile server."""
    with streamlit_server({"DATABASE_URL": demo_db, "MINQING_BASEMAP_URL": tile_server}) as url:
        yield url


def test_a_configured_basemap_draws_its_tiles_and_asks_no_one_else(
    app_with_basemap, tile_server, page
):
    """With an XYZ URL set, tiles come from that server only and show under the grids."""
    browser_page = page.page
    browser_page.goto(app_with_basemap, wait_until="networkidle")
    login(browser_page, "city_operator")
    box = _wait_for_map(browser_page)
    magenta = 0.0
    deadline = time.monotonic() + 60  # SwiftShader decodes and draws tiles slowly
    while magenta <= 0.2 and time.monotonic() < deadline:
        pixels = _pixels(browser_page.screenshot(clip=box))
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        magenta = ((r > 120) & (b > 120) & (g < 60) & (abs(r - b) < 30)).mean()
        browser_page.wait_for_timeout(2000)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "live_map_basemap.png"))
    worker = "/app/static/vendor/loaders.gl/terrain-worker.js"
    assert any(url.endswith(worker) for url in page.requests), "the worker came from elsewhere"
    tiles = urlsplit(tile_server).netloc
    assert _Tiles.asked, "no tile was requested"
    assert magenta > 0.2, f"the tiles are not drawn ({magenta:.1%} of the map)"
    others = [u for u in page.foreign_requests(app_with_basemap) if urlsplit(u).netloc != tiles]
    assert others == []


def _grid_to_click(
    grids: list[AreaOutline], box: MapBox, specs: DeckSpecs, within: str | None
) -> tuple[str, tuple[float, float]]:
    """A grid (below `within`, if given) whose inner point is drawn well inside the canvas and
    farthest from every center's dot (a click there would open the center's area); its
    code and page position."""
    dots = [(box.pixel(*c["p"]), c["r"]) for c in specs.layer("centers")["data"]]
    best: tuple[float, str, tuple[float, float]] | None = None
    for grid in grids:
        if within is not None and not grid.code.startswith(within):
            continue
        x, y = box.pixel(grid.label_lon, grid.label_lat)
        if not box.inside(x, y, margin=40):
            continue
        room = min((math.dist((x, y), d) - r for d, r in dots), default=1e9)
        if best is None or room > best[0]:
            best = (room, grid.code, (x, y))
    assert best is not None and best[0] > 12, f"no grid to click clear of the centers: {best}"
    return best[1], best[2]


def test_a_click_on_the_map_opens_the_next_area_and_back_returns(dashboard_url, demo_db, page):
    """With the auto-refresh on, a click on a grid opens its district (URL, heading, map), a
    click on a grid there opens its street; the back button returns to the district, then
    to the city."""
    browser_page = page.page
    specs = DeckSpecs(browser_page)
    runs = Runs(browser_page)
    browser_page.goto(f"{dashboard_url}/live", wait_until="networkidle")
    login(browser_page, "city_operator")
    conn = db.connect(demo_db)
    try:
        tree = live.area_tree(conn)
        grids = area_outlines(conn, ["grid"])
    finally:
        conn.close()
    box = drawn_map(browser_page, specs, "city-7d")
    deadline = time.monotonic() + 90  # the refresh is every 10 s; a busy machine is slower
    while specs.auto_reruns == 0 and time.monotonic() < deadline:
        browser_page.wait_for_timeout(250)
    assert specs.auto_reruns > 0, "the page does not refresh itself"
    assert not any(layer.get("autoHighlight") for layer in specs.latest["layers"])  # layers.deck
    opened: list[str] = []
    for level in ("district", "street"):
        grid, (x, y) = _grid_to_click(grids, box, specs, opened[-1] if opened else None)
        target = next(c for c in [*tree[grid].ancestors, grid] if tree[c].level == level)
        since = len(runs.events)
        click_map(browser_page, x, y)
        try:
            wait_for_query(browser_page, f"area={target}")
        except PlaywrightTimeout:  # seen once in a busy run: say whether a rerun went out
            pytest.fail(f"the click on {grid} opened nothing; runs since: {runs.events[since:]}")
        heading = f"{tree[target].name} · 实时态势"
        browser_page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
        box = drawn_map(browser_page, specs, f"{target}-7d")
        opened.append(target)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "live_map_street.png"))

    browser_page.go_back()
    wait_for_query(browser_page, f"area={opened[0]}")
    browser_page.get_by_role("heading", name=f"{tree[opened[0]].name} · 实时态势").wait_for()
    drawn_map(browser_page, specs, f"{opened[0]}-7d")
    browser_page.go_back()
    browser_page.wait_for_function("() => !location.search.includes('area=')")
    browser_page.get_by_role("heading", name="民情地图 · 实时态势").wait_for()
    drawn_map(browser_page, specs, "city-7d")
    assert page.foreign_requests(dashboard_url) == []
