"""The area maps' element (dashboard.widgets.map_panel) on a page of its own in a real
browser: a tooltip shows a resident's text as text, a click is handled once however quickly
it is pressed again, and once the page has handled it the map takes a click again."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dashboard.serve import served
from tests.map_clicks import MAP

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<img src=x onerror="window.minqingTooltipRan = 1">& <b>粗</b>'
PAGE = f"""
import streamlit as st

from dashboard.widgets.map_panel import map_panel
from layers.deck import make_deck
import pydeck as pdk

st.session_state.setdefault("picks", [])
area = pdk.Layer(
    "PolygonLayer", id="areas", pickable=True, get_polygon="p", get_fill_color=[59, 130, 206, 200],
    data=[{{"p": [[103.7, 36.0], [103.9, 36.0], [103.9, 36.1], [103.7, 36.1]], "code": "620102",
            "title": {HOSTILE!r}, "body": "第二行"}}],
)
view = pdk.ViewState(longitude=103.8, latitude=36.05, zoom=10)
tooltip = {{"html": "<b>{{title}}</b><div>{{body}}</div>"}}
map_panel(make_deck([area], view, tooltip), "map", "city", st.session_state.picks.append)
st.write(f"picks: {{len(st.session_state.picks)}}")
"""


@pytest.fixture(scope="module")
def element_url(tmp_path_factory):
    """A Streamlit page with one area map, served with the app's static files."""
    folder = tmp_path_factory.mktemp("element")
    (folder / "static").symlink_to(ROOT / "static")
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
