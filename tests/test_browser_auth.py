"""Signing in, in headless Chromium: a district leader sees their district only and the menu
of their role, an edited URL is refused, sign-out ends the session, and the SSO header is
believed from a trusted proxy only."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from geo import db
from geo.auth.login import apply_login_policy
from geo.settings import Settings
from tests.gateway import gateway
from tests.map_clicks import MAP
from tests.support import login, session_cookie, streamlit_server

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
    browser_page.locator(f"{MAP} canvas").first.wait_for(timeout=60_000)
    browser_page.wait_for_timeout(2500)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / "auth_district_leader.png"), full_page=True)
    menu = _menu(browser_page)
    # no city overview, no others' pages; the reports published for its district (issue 17)
    assert menu == ["实时态势", "逐级下钻", "预警单", "平安报表发布"]
    # the sign-in cookie is the server's, HttpOnly: page scripts cannot read the token
    cookie = session_cookie(browser_page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and len(cookie["value"]) > 30
    assert "minqing_session" not in browser_page.evaluate("document.cookie")
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
    # signed in at the root URL, which switches to the first page: the cookie is set all the
    # same, so another tab (or a reload) opens signed in
    assert session_cookie(browser_page)["value"]
    other = browser_page.context.new_page()
    other.goto(f"{dashboard_url}/live", wait_until="networkidle")
    other.locator(NAV).first.wait_for(timeout=60_000)
    assert other.get_by_label("用户名").count() == 0
    other.close()


def _sso_in_database(url: str, enabled: bool) -> None:
    """Single sign-on on or off in the database, as `minqing run` sets it from the settings."""
    conn = db.connect(url)
    try:
        apply_login_policy(conn, Settings(trusted_header="X-Remote-User" if enabled else None))
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def app_behind_gateway(demo_db):
    """The documented setup (docs/auth.md): the app on 127.0.0.1, trusting X-Remote-User from
    the gateway on the same host (MINQING_TRUSTED_PROXIES=127.0.0.1); its host and port."""
    _sso_in_database(demo_db, True)
    env = {
        "DATABASE_URL": demo_db,
        "MINQING_TRUSTED_HEADER": "X-Remote-User",
        "MINQING_TRUSTED_PROXIES": "127.0.0.1",
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
    }
    try:
        with streamlit_server(env) as url:
            parts = urlsplit(url)
            yield parts.hostname, parts.port
    finally:
        _sso_in_database(demo_db, False)


def _browser(browser, headers: dict[str, str]):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="zh-CN", extra_http_headers=headers
    )
    return context, context.new_page()


def _sso_logins(url: str, username: str) -> list[str]:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT client FROM audit_log WHERE action = 'login' AND actor = %s "
                "AND detail->>'method' = 'trusted_header' ORDER BY id",
                (username,),
            )
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def test_the_sso_header_signs_in_through_the_documented_gateway(app_behind_gateway, browser,
                                                                 demo_db):  # fmt: skip
    """nginx's `X-Forwarded-For $remote_addr` must not hide the gateway: the app decides trust
    from the connection's own peer, and records the browser's address from the header."""
    forwarded = {"X-Remote-User": "chengguan_leader", "X-Forwarded-For": "10.20.3.4"}
    # the browser's own X-Remote-User is replaced by the gateway's
    context, browser_page = _browser(browser, {"X-Remote-User": "admin"})
    try:
        with gateway(app_behind_gateway, forwarded) as url:
            browser_page.goto(f"{url}/drilldown", wait_until="networkidle")
            _title(browser_page, "城关区")
            assert browser_page.get_by_label("密码").count() == 0
            assert "逐级下钻" in _menu(browser_page) and "用户管理" not in _menu(browser_page)
    finally:
        context.close()
    assert _sso_logins(demo_db, "chengguan_leader")[-1:] == ["10.20.3.4"]
    assert _sso_logins(demo_db, "admin") == []
    context, browser_page = _browser(browser, {})
    try:
        with gateway(app_behind_gateway, {"X-Remote-User": "nobody_here"}) as url:
            browser_page.goto(url, wait_until="networkidle")
            browser_page.get_by_text("未在本系统开通").first.wait_for(timeout=60_000)
            browser_page.get_by_label("密码").wait_for(timeout=60_000)  # the form instead
    finally:
        context.close()


def test_the_sso_header_from_an_untrusted_address_is_refused(app_behind_gateway, browser):
    """A connection from another address (127.0.0.2) carrying the header, and claiming to come
    from the gateway in X-Forwarded-For: the sign-in form, not the user."""
    claims = {"X-Remote-User": "admin", "X-Forwarded-For": "127.0.0.1"}
    context, browser_page = _browser(browser, claims)
    try:
        with gateway(app_behind_gateway, None, source="127.0.0.2") as url:
            browser_page.goto(f"{url}/users", wait_until="networkidle")
            browser_page.get_by_label("用户名").wait_for(timeout=60_000)
            assert browser_page.get_by_text("用户管理").count() == 0
    finally:
        context.close()
