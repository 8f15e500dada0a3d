"""In headless Chromium: English chosen once stays English after a reload, in the link, and
at the next sign-in from another browser; and the admin pages as an admin sees them (the
screenshots of docs/auth.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import db
from geo.auth.demo import DEMO_PASSWORD
from tests.boundary_fixtures import load_tree
from tests.support import add_account, login, streamlit_server

pytestmark = [pytest.mark.db, pytest.mark.browser]
# the admin pages' screenshots go to tests/artifacts, and to docs/screenshots (docs/auth.md's)
# only when MINQING_DOC_SCREENSHOTS is set: a test run leaves the checkout as it found it
SCREENSHOTS = (
    Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    if os.environ.get("MINQING_DOC_SCREENSHOTS")
    else Path(__file__).parent / "artifacts"
)
WAIT = 90_000


@pytest.fixture(scope="module")
def served(scratch) -> Iterator[str]:
    """The app against a database of its own (choices are stored): the small tree, two users."""
    url = scratch.create_migrated("minqing_browser_language")
    load_tree(url, incidents=60)
    add_account(url, "linguist", "leader", "620100")
    add_account(url, "keeper", "admin", "620100")
    with streamlit_server({"DATABASE_URL": url}) as served_url:
        yield served_url
    db.close_pools()


def _choose(browser_page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label (again if a rerun closed the list)."""
    for attempt in range(3):
        browser_page.get_by_role("combobox", name=label).click()
        try:
            browser_page.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            browser_page.keyboard.press("Escape")


def _heading(browser_page, text: str) -> None:
    browser_page.locator("h1").filter(has_text=text).first.wait_for(timeout=WAIT)


def test_english_survives_a_reload_a_link_and_another_browser(served, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    browser_page = context.new_page()
    browser_page.goto(f"{served}/live", wait_until="networkidle")
    login(browser_page, "linguist")
    _heading(browser_page, "实时态势")
    _choose(browser_page, "语言 / Language", "English")
    _heading(browser_page, "Live map")
    browser_page.wait_for_function("location.search.includes('lang=en')", timeout=WAIT)
    browser_page.reload(wait_until="networkidle")
    _heading(browser_page, "Live map")
    assert browser_page.locator("h1").filter(has_text="实时态势").count() == 0
    link = browser_page.url
    context.close()

    # the link, opened in another browser: English from the sign-in form on
    other = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    shared = other.new_page()
    shared.goto(link, wait_until="networkidle")
    shared.get_by_role("button", name="Sign in").wait_for(timeout=WAIT)
    other.close()

    # another browser, no link: the user's own choice after signing in
    third = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    fresh = third.new_page()
    fresh.goto(served, wait_until="networkidle")
    login(fresh, "linguist")
    _heading(fresh, "Live map")
    third.close()


@pytest.mark.parametrize(
    ("path", "title", "shot"),
    [
        ("users", "用户管理", "admin_users.png"),
        ("audit", "审计日志", "admin_audit.png"),
        ("settings", "系统设置", "admin_settings.png"),
    ],
)
def test_the_admin_pages_as_an_admin_sees_them(served, browser, path, title, shot):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    browser_page = context.new_page()
    browser_page.goto(f"{served}/{path}", wait_until="networkidle")
    # signed in when the page's title shows (the users page has a 用户名 field of its own)
    browser_page.get_by_label("用户名").fill("keeper")
    browser_page.get_by_label("密码").fill(DEMO_PASSWORD)
    browser_page.get_by_role("button", name="登录").click()
    _heading(browser_page, title)
    browser_page.get_by_test_id("stDataFrame").first.wait_for(timeout=WAIT)
    assert browser_page.get_by_text("数据库: postgresql://").count() == 1  # admins only
    browser_page.wait_for_timeout(1500)  # the data grids paint after they attach
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
    context.close()
