"""The city overview in a real headless Chromium against the seeded demo database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.map_clicks import DeckSpecs, click_map, drawn_map, labelled_areas, wait_for_query
from tests.support import login

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"


def test_overview_draws_the_city_and_a_click_opens_a_district(dashboard_url, page):
    """The map draws the districts offline and the KPIs show; a click on a district opens its
    drill-down (URL, heading) and the back button returns to the plain overview."""
    browser_page = page.page
    specs = DeckSpecs(browser_page)
    browser_page.goto(f"{dashboard_url}/overview", wait_until="networkidle")
    login(browser_page, "city_leader")
    browser_page.get_by_role("heading", name="民情地图 · 全市概览").wait_for(timeout=30_000)
    box = drawn_map(browser_page, specs, "city")
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert box.width > 300 and box.height > 300
    # a highlight's redraw, waited for by the pick on pointerdown, lost clicks (layers.deck)
    assert not any(layer.get("autoHighlight") for layer in specs.latest["layers"])
    assert browser_page.get_by_text("常住人口").count() >= 1
    assert browser_page.get_by_text("城关区").count() >= 1

    districts = labelled_areas(specs, "districts", "district-labels")
    code, (name, point) = next(
        (code, area) for code, area in sorted(districts.items()) if box.inside(*box.pixel(*area[1]))
    )
    click_map(browser_page, *box.pixel(*point))
    wait_for_query(browser_page, f"area={code}")  # the query comes first, then the page
    browser_page.wait_for_function("() => location.pathname.endsWith('/drilldown')", timeout=60_000)
    assert "period=30d" in browser_page.url
    browser_page.get_by_role("heading", name=f"{name} · 逐级下钻").wait_for(timeout=30_000)

    browser_page.go_back()
    browser_page.wait_for_function("() => location.pathname.endsWith('/overview')")
    browser_page.get_by_role("heading", name="民情地图 · 全市概览").wait_for(timeout=30_000)
    drawn_map(browser_page, specs, "city")
    # the plain overview that was clicked, not `overview?area=…` (Streamlit's switch to a page
    # with a query sets the query at the page left first: the page takes it out again)
    browser_page.wait_for_function("() => !location.search.includes('area=')", timeout=30_000)
    assert "period=" not in browser_page.url
    assert page.foreign_requests(dashboard_url) == []
