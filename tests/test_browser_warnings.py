"""Warnings in a real headless Chromium: the layer drawn on the live map (and gone when switched
off), and a warning acknowledged on the warnings page."""

from __future__ import annotations

import io
import re
import time
from functools import partial
from pathlib import Path

import numpy as np
import psycopg2
import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from layers.warnings import KIND_RGBA
from tests.presses import Runs, choose, locked, press_while_rerunning
from tests.support import login, streamlit_server
from tests.warning_fixtures import warned_database

pytestmark = [pytest.mark.db, pytest.mark.browser]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def warned_app(scratch):
    """The app served against a demo with two known warnings: its URL, the warning ids and the
    database's URL."""
    url, ids = warned_database(scratch)
    with streamlit_server({"DATABASE_URL": url}) as app_url:
        yield app_url, ids, url


def _marker_pixels(png: bytes) -> int:
    """Pixels of the map in the colours of the warnings' kinds (the scan may raise more than
    the two made: at the city's zoom one marker can hide the others)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    count = 0
    for rgba in KIND_RGBA.values():
        rgb = np.array(rgba[:3])
        count += int((np.abs(pixels - rgb).sum(axis=2) < 40).sum())
    return count


def _map_box(browser_page, seconds: float = 120) -> dict:
    """The map canvas's box once drawn (the live fragment may replace the canvas: retried)."""
    browser_page.get_by_text("期内新增").first.wait_for(timeout=seconds * 1000)
    deadline = time.monotonic() + seconds
    while True:
        try:
            canvas = browser_page.locator("canvas").first
            canvas.wait_for(timeout=10_000)
            browser_page.wait_for_timeout(5000)  # data loads and SwiftShader draws
            box = canvas.bounding_box(timeout=10_000)
        except PlaywrightError:
            box = None
        if box and box["width"] > 400 and box["height"] > 400:
            return box
        if time.monotonic() > deadline:
            browser_page.screenshot(path=str(ARTIFACTS / "live_map_warnings_failed.png"))
            raise AssertionError(f"no map drawn within {seconds} s ({box})")


def test_warnings_layer_is_drawn_and_switches_off(warned_app, page):
    """With the layer on, the map shows the warnings' colours; switched off, they are gone
    (the centers' layer, whose reddest dots are close to a surge's colour, off throughout)."""
    app_url, _, _ = warned_app
    browser_page = page.page
    browser_page.goto(app_url, wait_until="networkidle")
    login(browser_page, "admin")
    ARTIFACTS.mkdir(exist_ok=True)
    box = _map_box(browser_page)
    browser_page.get_by_test_id("stSidebarUserContent").get_by_text("中心负荷", exact=True).click()
    browser_page.wait_for_timeout(6000)
    browser_page.screenshot(path=str(ARTIFACTS / "live_map_warnings.png"))
    with_layer = _marker_pixels(browser_page.screenshot(clip=box))
    assert browser_page.get_by_text("未关闭的预警", exact=False).count() >= 1  # the legend
    browser_page.get_by_test_id("stSidebarUserContent").get_by_text("预警单", exact=True).click()
    browser_page.wait_for_timeout(6000)
    without = _marker_pixels(browser_page.screenshot(clip=box))
    assert with_layer > 40, f"no warning drawn ({with_layer} pixels)"
    assert without < with_layer / 4, (with_layer, without)
    assert page.foreign_requests(app_url) == []


def test_acknowledge_on_the_warnings_page(warned_app, page):
    """The list shows the warnings; choosing one and pressing 签收 acknowledges it."""
    app_url, ids, _ = warned_app
    browser_page = page.page
    browser_page.goto(f"{app_url}/warnings", wait_until="networkidle")
    login(browser_page, "admin")
    browser_page.get_by_text("民情地图 · 预警单").wait_for(timeout=60_000)
    browser_page.get_by_text(re.compile(r"^共 \d+ 条$")).wait_for(timeout=60_000)
    picker = browser_page.get_by_label("选择预警")
    picker.click()
    browser_page.get_by_role("option", name=f"#{ids['category_cluster']} ").first.click()
    # the choice reruns the page: press 签收 only once the chosen warning's detail is drawn
    browser_page.get_by_text(re.compile(rf"^#{ids['category_cluster']} · .* · 新预警$")).wait_for(
        timeout=60_000
    )
    browser_page.get_by_role("button", name="签收", exact=True).click()
    browser_page.get_by_text(f"预警 #{ids['category_cluster']} 已签收").wait_for(timeout=30_000)
    expect(browser_page.get_by_role("button", name="签收", exact=True)).to_be_disabled(
        timeout=30_000
    )
    browser_page.screenshot(path=str(ARTIFACTS / "warnings_page.png"), full_page=True)


def _second_center(url: str, warning: int) -> str:
    """The second center the page offers for the warning, as it labels it: 'name (code)'."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT c.name || ' (' || c.code || ')' FROM warnings w, centers c"
            " JOIN center_levels l ON l.level = c.level WHERE w.id = %s AND"
            " (c.area_code IN (w.community_code, w.street_code, w.district_code)"
            " OR c.level = 'city_center') ORDER BY l.rank OFFSET 1 LIMIT 1",
            (warning,),
        )
        return cur.fetchone()[0]


def _pick(browser_page, warning: int) -> None:
    choose(browser_page, "选择预警", re.compile(f"^#{warning} "))


def test_each_action_pressed_while_the_page_reruns_takes_effect_once(warned_app, page):
    """签收 pressed just after choosing another warning (the page still showing the first),
    then 交办 (to the center just chosen) and 关闭, each pressed while the page reruns (the
    run kept waiting on a lock until the press went out): each acts once, on the warning its
    panel showed, and says so."""
    app_url, ids, url = warned_app
    warning, other = ids["repeat_address"], ids["category_cluster"]
    browser_page = page.page
    runs = Runs(browser_page)
    browser_page.goto(f"{app_url}/warnings", wait_until="networkidle")
    login(browser_page, "admin")
    browser_page.get_by_label("选择预警").wait_for(timeout=60_000)
    _pick(browser_page, warning)
    browser_page.get_by_text(re.compile(rf"^#{warning} · .* · 新预警$")).wait_for(timeout=60_000)

    button = browser_page.get_by_role("button", name="签收", exact=True)
    hold = partial(locked, url)
    press_while_rerunning(
        browser_page, runs, button, rerun=lambda: _pick(browser_page, other), hold=hold
    )
    browser_page.get_by_text(f"预警 #{warning} 已签收").wait_for(timeout=30_000)
    _pick(browser_page, warning)
    browser_page.get_by_text(re.compile(rf"^#{warning} · .* · 已签收$")).wait_for(timeout=60_000)

    center_name = _second_center(url, warning)
    choose(browser_page, "交办给", re.compile(re.escape(center_name)))
    button = browser_page.get_by_role("button", name="交办", exact=True)
    press_while_rerunning(browser_page, runs, button, hold=hold)
    browser_page.get_by_text(f"预警 #{warning} 已交办").wait_for(timeout=30_000)

    browser_page.get_by_label("备注").fill("已约谈物业，问题已处理")
    button = browser_page.get_by_role("button", name="关闭", exact=True)
    press_while_rerunning(browser_page, runs, button, hold=hold)
    browser_page.get_by_text(f"预警 #{warning} 已关闭").wait_for(timeout=30_000)

    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT action, center_code FROM warning_events WHERE warning_id = %s ORDER BY id",
            (warning,),
        )
        events = cur.fetchall()
    assert [a for a, _ in events] == ["raised", "acknowledged", "assigned", "closed"], events
    assert events[2][1] and f"({events[2][1]})" in center_name
