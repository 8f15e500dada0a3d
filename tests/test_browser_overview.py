"""The city overview in a real headless Chromium against the seeded demo database."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support import login

pytestmark = [pytest.mark.db, pytest.mark.browser]

ARTIFACTS = Path(__file__).parent / "artifacts"


def drawn_pixel_share(png: bytes) -> float:
    """Share of pixels in a screenshot that are not (near) white background."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return float((image.min(axis=2) < 235).mean())


def test_overview_draws_the_city_offline(dashboard_url, page):
    """The map canvas draws the districts, the KPIs show, and no request leaves the host."""
    browser_page = page.page
    browser_page.goto(f"{dashboard_url}/overview", wait_until="networkidle")
    login(browser_page, "city_leader")
    browser_page.get_by_text("全市概览").first.wait_for(timeout=30_000)
    canvas = browser_page.locator("canvas").first
    canvas.wait_for(timeout=30_000)
    browser_page.wait_for_timeout(2500)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    box = canvas.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    shot = browser_page.screenshot(clip=box)
    assert drawn_pixel_share(shot) > 0.05, "the map canvas is blank"
    assert browser_page.get_by_text("常住人口").count() >= 1
    assert browser_page.get_by_text("城关区").count() >= 1
    assert page.foreign_requests(dashboard_url) == []
