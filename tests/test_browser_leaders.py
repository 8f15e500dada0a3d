"""The leader's views in headless Chromium (issue 13): the live map's city view with and
without heat, the drill-down opening on last month, a street of sparse communities, the
overview and the warnings page; a screenshot of each.

`shoot_leader_views` takes the screenshots in docs/screenshots too (see docs/live_map.md),
against a larger demo: it needs only the app's URL and a page signed in as city_leader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import db
from tests.map_clicks import CANVASES, drawn_share
from tests.support import login

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"
WAIT_MS = 90_000
WIDE, TALL = {"width": 1600, "height": 1500}, {"width": 1600, "height": 2600}


def _wait_for_map(browser_page, index: int = 0) -> float:
    """Wait for a map to draw; the share of its pixels that are not background."""
    canvas = browser_page.locator(CANVASES).nth(index)
    canvas.wait_for(timeout=WAIT_MS)
    canvas.scroll_into_view_if_needed()
    browser_page.wait_for_timeout(3000)  # deck.gl draws after the data arrives
    return drawn_share(browser_page.screenshot(clip=canvas.bounding_box()))


def _goto(browser_page, url: str) -> None:
    """Open a URL of the app; sign in again if it shows the sign-in form (the session cookie
    is not always set by the time a test navigates on)."""
    browser_page.goto(url, wait_until="networkidle")
    signed_out = browser_page.get_by_label("用户名")
    heading = browser_page.locator("h1:visible").filter(has_text="·").first
    heading.wait_for(timeout=WAIT_MS)
    if signed_out.count():
        login(browser_page, "city_leader")


def _heading(browser_page, text: str) -> None:
    try:
        browser_page.locator("h1:visible").filter(has_text=text).first.wait_for(timeout=WAIT_MS)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        browser_page.screenshot(path=str(ARTIFACTS / "leaders_failed.png"))
        raise


def shoot_leader_views(
    browser_page, url: str, out: Path, district: str, street: str, street_period: str = "7d"
) -> dict[str, float]:
    """Open each leader view, screenshot it into `out`; each map's drawn share by view
    (`browser_page` signed in, showing a page of the app).

    The street is shown over `street_period`, a short one, where communities rest on a handful
    of reports."""
    out.mkdir(parents=True, exist_ok=True)
    drawn: dict[str, float] = {}
    browser_page.set_viewport_size(WIDE)

    _goto(browser_page, f"{url}/live")
    _heading(browser_page, "实时态势")
    drawn["live_map_city"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "live_map_city.png"))
    browser_page.get_by_text("诉求热力", exact=True).first.click()
    browser_page.get_by_text("诉求热力（期内新增）").first.wait_for(timeout=WAIT_MS)
    drawn["live_map_heat"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "live_map_heat.png"))

    browser_page.set_viewport_size(TALL)  # the long pages whole (Streamlit scrolls inside)
    _goto(browser_page, f"{url}/drilldown")
    _heading(browser_page, "逐级下钻")
    drawn["drilldown_city"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "drilldown_city.png"), full_page=True)

    _goto(browser_page, f"{url}/drilldown?area={district}")
    _heading(browser_page, "逐级下钻")
    drawn["drilldown_district"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "drilldown_district.png"), full_page=True)

    _goto(browser_page, f"{url}/drilldown?area={street}&period={street_period}")
    _heading(browser_page, "逐级下钻")
    browser_page.get_by_text("个区域新增诉求少于").first.wait_for(timeout=WAIT_MS)
    drawn["drilldown_street"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "drilldown_street.png"), full_page=True)

    browser_page.set_viewport_size(WIDE)
    _goto(browser_page, f"{url}/overview")
    _heading(browser_page, "全市概览")
    drawn["overview"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "overview.png"), full_page=True)

    browser_page.set_viewport_size(TALL)
    _goto(browser_page, f"{url}/warnings")
    _heading(browser_page, "预警单")
    if browser_page.locator(CANVASES).count() or browser_page.get_by_text("›").count():
        drawn["warnings"] = _wait_for_map(browser_page)
    browser_page.screenshot(path=str(out / "warnings_page.png"), full_page=True)
    return drawn


def most_children(url: str, level: str) -> str:
    """The code of the area with the most children of a level (the densest to label)."""
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT parent_code FROM current_areas WHERE level = %s"
                " GROUP BY parent_code ORDER BY count(*) DESC, parent_code LIMIT 1",
                (level,),
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_each_leader_view_draws_and_says_what_it_rests_on(dashboard_url, demo_db, page):
    """Every view's map draws; the drill-down opens on last month and marks sparse indexes;
    nothing leaves the host."""
    browser_page = page.page
    browser_page.goto(f"{dashboard_url}/", wait_until="networkidle")
    login(browser_page, "city_leader")
    district, street = most_children(demo_db, "street"), most_children(demo_db, "community")
    drawn = shoot_leader_views(browser_page, dashboard_url, ARTIFACTS, district, street)
    views = ("live_map_city", "live_map_heat", "drilldown_city", "drilldown_district")
    for view in (*views, "drilldown_street"):
        assert drawn[view] > 0.05, f"the {view} map is blank"
    assert drawn["overview"] > 0.05
    assert page.foreign_requests(dashboard_url) == []
