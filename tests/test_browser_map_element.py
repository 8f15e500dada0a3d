"""The area maps' element (dashboard.widgets.map_panel) on a page of its own in a real
browser: a tooltip shows a resident's text as text, a click is handled once however quickly
it is pressed again, and once the page has handled it the map takes a click again; a layer's
file that is slow to come does not hold the rest of the map back, nor is it lost; a map that
leaves the page leaves its deck to the next; labels are text over the map that moves with it."""

from __future__ import annotations

import io
import json
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashboard.serve import served
from tests.map_clicks import MAP
from tests.presses import until

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<img src=x onerror="window.minqingTooltipRan = 1">& <b>粗</b>'
PAGE = f"""
import streamlit as st

from dashboard.widgets.map_panel import map_panel
from layers.deck import make_deck
import pydeck as pdk

st.session_state.setdefault("picks", [])
edges = pdk.Layer(
    "LineLayer", id="edges", data="app/static/edges.json", get_source_position="[this[0], this[1]]",
    get_target_position="[this[2], this[3]]", get_color=[230, 0, 0, 255], get_width=8,
    width_units="'pixels'",
)
label = pdk.Layer(
    "TextLayer", id="labels", data=[{{"name": {HOSTILE!r}, "position": [103.8, 36.05]}}],
    get_position="position", get_text="name", get_size=14, size_units="'pixels'",
    get_color=[20, 20, 20, 255], outline_width=2, outline_color=[255, 255, 255, 230],
    font_weight="'bold'",
)
area = pdk.Layer(
    "PolygonLayer", id="areas", pickable=True, get_polygon="p", get_fill_color=[59, 130, 206, 200],
    data=[{{"p": [[103.7, 36.0], [103.9, 36.0], [103.9, 36.1], [103.7, 36.1]], "code": "620102",
            "title": {HOSTILE!r}, "body": "第二行"}}],
)
view = pdk.ViewState(longitude=103.8, latitude=36.05, zoom=10)
tooltip = {{"html": "<b>{{title}}</b><div>{{body}}</div>"}}
deck = make_deck([area, edges, label], view, tooltip)
if st.checkbox("地图", value=True):
    map_panel(deck, "map", "city", st.session_state.picks.append)
st.write(f"picks: {{len(st.session_state.picks)}}")
"""


@pytest.fixture(scope="module")
def element_url(tmp_path_factory):
    """A Streamlit page with one area map, served with the app's static files."""
    folder = tmp_path_factory.mktemp("element")
    # the bundle copied: Streamlit serves no link out of the page's static folder
    bundle = Path("static") / "vendor" / "deck.gl"
    shutil.copytree(ROOT / bundle, folder / bundle)
    edge = [103.75, 36.02, 103.85, 36.08]  # across the area, in red
    (folder / "static" / "edges.json").write_text(json.dumps([edge]), encoding="utf-8")
    script = folder / "element_page.py"
    script.write_text(textwrap.dedent(PAGE), encoding="utf-8")
    with served(script, {}) as url:
        yield url


def _centre(browser_page) -> tuple[float, float]:
    canvas = browser_page.locator(f"{MAP} canvas").first
    canvas.wait_for(timeout=60_000)
    browser_page.get_by_text("picks: 0").wait_for(timeout=60_000)
    box = canvas.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_tooltip_shows_a_residents_text_as_text(element_url, page):
    """The tooltip's template is the page's; the fields in it are escaped: markup in them is
    shown, not made into elements, and no script of it runs."""
    browser_page = page.page
    browser_page.goto(element_url, wait_until="networkidle")
    x, y = _centre(browser_page)
    tooltip = browser_page.locator(".deck-tooltip").first
    for _ in range(20):
        browser_page.mouse.move(x + 3, y + 3)
        browser_page.mouse.move(x, y)
        if tooltip.is_visible():
            break
        browser_page.wait_for_timeout(500)
    tooltip.wait_for(state="visible", timeout=5_000)
    assert HOSTILE in tooltip.inner_text() and "第二行" in tooltip.inner_text()
    assert tooltip.locator("img").count() == 0
    assert tooltip.locator("b").count() == 1  # the template's own, around the title
    assert browser_page.evaluate("() => window.minqingTooltipRan") is None
    assert page.foreign_requests(element_url) == []


def test_a_click_is_handled_once_and_the_next_map_takes_one_again(element_url, page):
    """Two presses at once on an area (a double click) are one pick: the element sends the
    first and takes no other until the page has handled it; then a click is a pick again."""
    browser_page = page.page
    browser_page.goto(element_url, wait_until="networkidle")
    x, y = _centre(browser_page)
    browser_page.mouse.dblclick(x, y)
    browser_page.get_by_text("picks: 1").wait_for(timeout=30_000)
    browser_page.wait_for_timeout(2_000)
    assert browser_page.get_by_text("picks: 1").count() == 1  # not a second pick after
    browser_page.mouse.click(x, y)
    browser_page.get_by_text("picks: 2").wait_for(timeout=30_000)
    assert browser_page.locator(MAP).first.get_attribute("data-made") == "1"  # one WebGL map


def _pixels(browser_page) -> np.ndarray:
    box = browser_page.locator(f"{MAP} canvas").first.bounding_box()
    png = browser_page.screenshot(clip=box)
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _red_mask(pixels: np.ndarray) -> np.ndarray:
    return (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)


def _red(browser_page) -> float:
    """The share of the map's pixels in the edges' red."""
    return float(np.mean(_red_mask(_pixels(browser_page))))


def _blue(browser_page) -> float:
    """The share of the map's pixels in the area's blue."""
    pixels = _pixels(browser_page)
    blue = (pixels[..., 2] > 150) & (pixels[..., 0] < 120)
    return float(np.mean(blue))


def test_a_file_slow_to_come_holds_back_neither_the_map_nor_itself(element_url, page):
    """The element fetches a layer's file as the map comes and draws the map once it is in; a
    file held back is not waited for long (the area is drawn without it), and is drawn when
    it comes."""
    browser_page = page.page
    held = []
    browser_page.route("**/app/static/edges.json", lambda route: held.append(route))
    browser_page.goto(element_url)
    browser_page.locator(f"{MAP} canvas").first.wait_for(timeout=60_000)
    until(browser_page, lambda: held and _blue(browser_page) > 0.05, 60)
    assert held, "the element did not fetch the layer's file"
    assert _blue(browser_page) > 0.05 and _red(browser_page) == 0  # the area, not the edges
    held[0].continue_()
    until(browser_page, lambda: _red(browser_page) > 0, 30)
    assert _red(browser_page) > 0 and _blue(browser_page) > 0.05


def test_a_map_that_leaves_the_page_leaves_its_deck_to_the_next(element_url, page):
    """Turning the map off and on again (as a switch to another page with a map does) draws
    the new map on the deck the first had: no new WebGL context, no shaders compiled again."""
    browser_page = page.page
    browser_page.goto(element_url, wait_until="networkidle")
    canvas = browser_page.locator(f"{MAP} canvas").first
    canvas.wait_for(timeout=60_000)
    canvas.evaluate("c => { c.minqingFirst = true; }")
    switch = browser_page.get_by_text("地图", exact=True)  # the checkbox's label
    switch.click()
    browser_page.locator(MAP).wait_for(state="detached", timeout=30_000)
    switch.click()
    canvas.wait_for(timeout=60_000)
    assert canvas.evaluate("c => c.minqingFirst === true")  # the first map's canvas
    until(browser_page, lambda: _blue(browser_page) > 0.05 and _red(browser_page) > 0, 30)
    assert _blue(browser_page) > 0.05 and _red(browser_page) > 0  # drawn at its own view


def _red_middle(browser_page) -> tuple[float, float]:
    """Where the middle of the edges' red line is on the page."""
    box = browser_page.locator(f"{MAP} canvas").first.bounding_box()
    pixels = _pixels(browser_page)
    ys, xs = np.nonzero(_red_mask(pixels))
    return box["x"] + (xs.min() + xs.max()) / 2, box["y"] + (ys.min() + ys.max()) / 2


def test_a_label_is_text_over_the_map_and_moves_with_it(element_url, page):
    """A label (the spec's TextLayer) is the page's text in the layer's weight, markup in it
    shown as text, at its place on the map (the middle of the red line here), and stays there
    as the map is dragged."""
    browser_page = page.page
    browser_page.goto(element_url, wait_until="networkidle")
    x, y = _centre(browser_page)
    label = browser_page.locator(MAP).get_by_text(HOSTILE, exact=True)
    label.wait_for(state="visible", timeout=60_000)
    assert browser_page.locator(MAP).locator("img").count() == 0
    assert browser_page.evaluate("() => window.minqingTooltipRan") is None
    assert label.evaluate("e => getComputedStyle(e).fontWeight") == "700"  # as the layer says

    def off() -> tuple[float, float]:
        """The label's centre less the line's middle, in pixels."""
        box = label.bounding_box()
        red = _red_middle(browser_page)
        return box["x"] + box["width"] / 2 - red[0], box["y"] + box["height"] / 2 - red[1]

    until(browser_page, lambda: _red(browser_page) > 0, 10)
    start = label.bounding_box()
    assert max(map(abs, off())) < 4
    browser_page.mouse.move(x + 150, y + 100)
    browser_page.mouse.down()
    for step in range(1, 11):
        browser_page.mouse.move(x + 150 - 12 * step, y + 100 - 6 * step)
    browser_page.mouse.up()
    until(  # the drawn frame of the new view, on a busy machine too
        browser_page,
        lambda: start["x"] - label.bounding_box()["x"] > 60 and max(map(abs, off())) < 4,
        30,
    )
    moved = label.bounding_box()
    assert start["x"] - moved["x"] > 60 and start["y"] - moved["y"] > 30  # dragged along
    assert max(map(abs, off())) < 4
