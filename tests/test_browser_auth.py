"""Signing in, in headless Chromium: a district leader sees their district only and the menu
of their role, an edited URL is refused, sign-out ends the session, and the SSO header is
believed from a trusted proxy only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import login, streamlit_server

pytestmark = [pytest.mark.db, pytest.mark.browser]
ARTIFACTS = Path(__file__).parent / "artifacts"
NAV = "[data-testid='stSidebarNav'] a"
REFUSED = "该区域不在您的管辖范围内"


def _menu(browser_page) -> list[str]:
    browser_page.locator(NAV).first.wait_for(timeout=60_000)
    return [text.strip() for text in browser_page.locator(NAV).all_inner_texts()]


def _title(browser_page, name: str) -> None:
    browser_page.locator("h1").filter(has_text=name).first.wait_for(timeout=60_000)


def test_a_district_leader_sees_only_their_district(dashboard_url, page):
    browser_page = page.page
    browser_page.goto(f"{dashboard_url}/drilldown", wait_until="networkidle")
    assert browser_page.get_by_text("逐级下钻").count() == 0  # no menu before signing in
    login(browser_page, "chengguan_leader")
    _title(browser_page, "城关区")
    browser_page.locator("[data-testid='stMetric']").first.wait_for(timeout=60_000)
    browser_page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.wait_for(timeout=60_000)
    browser_page.wait_for_timeout(2500)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "auth_district_leader.png"), full_page=True)
    menu = _menu(browser_page)
    assert menu == ["实时态势", "逐级下钻", "预警单"]  # no city overview, no others' pages
    assert browser_page.get_by_text("七里河区").count() == 0  # another district, nowhere
    assert "城关区领导 (chengguan_leader)" in browser_page.locator("section").first.inner_text()

    # an edited URL naming another district is refused, in a new tab of the same browser
    other = browser_page.context.new_page()
    other.goto(f"{dashboard_url}/drilldown?area=620103", wait_until="networkidle")
    other.get_by_text(REFUSED).first.wait_for(timeout=60_000)
    assert other.locator("h1").filter(has_text="七里河区").count() == 0
    other.goto(f"{dashboard_url}/?area=620103", wait_until="networkidle")
    other.get_by_text(REFUSED).first.wait_for(timeout=60_000)
    # a page of another role, typed in: refused by the page itself
    other.goto(f"{dashboard_url}/users", wait_until="networkidle")
    other.get_by_text("您的角色无权访问此页面").first.wait_for(timeout=60_000)
    other.close()

    # sign out: the same browser's next page asks to sign in again
    browser_page.get_by_role("button", name="退出登录").click()
    browser_page.get_by_label("用户名").wait_for(timeout=60_000)
    fresh = browser_page.context.new_page()
    fresh.goto(f"{dashboard_url}/drilldown", wait_until="networkidle")
    fresh.get_by_label("用户名").wait_for(timeout=60_000)
    assert fresh.locator("h1").filter(has_text="城关区").count() == 0
    fresh.close()
    assert page.foreign_requests(dashboard_url) == []


def test_an_operator_has_the_live_map_and_no_drilldown(dashboard_url, page):
    browser_page = page.page
    browser_page.goto(dashboard_url, wait_until="networkidle")
    login(browser_page, "city_operator")
    menu = _menu(browser_page)
    assert "实时态势" in menu and "逐级下钻" not in menu and "全市概览" not in menu


@pytest.fixture(scope="module")
def sso_url(demo_db):
    """The app behind a (pretend) gateway on this host: X-Remote-User from 127.0.0.1."""
    env = {
        "DATABASE_URL": demo_db,
        "MINQING_TRUSTED_HEADER": "X-Remote-User",
        "MINQING_TRUSTED_PROXIES": "127.0.0.1,::1",
    }
    with streamlit_server(env) as url:
        yield url


@pytest.fixture(scope="module")
def untrusting_url(demo_db):
    """The app trusting only a gateway elsewhere (10.9.9.9): this host's header is ignored."""
    env = {
        "DATABASE_URL": demo_db,
        "MINQING_TRUSTED_HEADER": "X-Remote-User",
        "MINQING_TRUSTED_PROXIES": "10.9.9.9",
    }
    with streamlit_server(env) as url:
        yield url


def _with_header(browser, user: str):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900},
        locale="zh-CN",
        extra_http_headers={"X-Remote-User": user},
    )
    return context, context.new_page()


def test_the_sso_header_signs_in_from_a_trusted_proxy(sso_url, browser, demo_db):
    context, browser_page = _with_header(browser, "chengguan_leader")
    try:
        browser_page.goto(f"{sso_url}/drilldown", wait_until="networkidle")
        _title(browser_page, "城关区")
        assert browser_page.get_by_label("密码").count() == 0
        assert "逐级下钻" in _menu(browser_page)
    finally:
        context.close()
    context, browser_page = _with_header(browser, "nobody_here")
    try:
        browser_page.goto(sso_url, wait_until="networkidle")
        browser_page.get_by_text("未在本系统开通").first.wait_for(timeout=60_000)
        browser_page.get_by_label("密码").wait_for(timeout=60_000)  # the form instead
    finally:
        context.close()


def test_the_sso_header_is_ignored_from_elsewhere(untrusting_url, browser):
    context, browser_page = _with_header(browser, "admin")
    try:
        browser_page.goto(f"{untrusting_url}/users", wait_until="networkidle")
        browser_page.get_by_label("用户名").wait_for(timeout=60_000)
        assert browser_page.get_by_text("用户管理").count() == 0
    finally:
        context.close()
