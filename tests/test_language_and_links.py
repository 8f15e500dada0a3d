"""Everyone's pages: the language survives a reload and a shared link (URL, per user); a bad
`?area=` or `?period=` is taken out of the URL with a notice, on every page."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.resources import TOKEN_KEY
from geo import db
from geo.settings import get_settings
from tests.boundary_fixtures import load_tree
from tests.support import add_account, open_session, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture(scope="module")
def lang_db(scratch) -> str:
    """A database of its own (the tests store language choices): the small tree, users."""
    url = scratch.create_migrated("minqing_language")
    load_tree(url, incidents=30)
    add_account(url, "chief", "leader", "620100")
    add_account(url, "other", "leader", "620100")
    add_account(url, "root", "admin", "620100")
    return url


@pytest.fixture
def new_app(lang_db, monkeypatch):
    """A factory of fresh AppTests (a new browser session each: a reload, a shared link)."""
    monkeypatch.setenv("DATABASE_URL", lang_db)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield lambda: AppTest.from_file(APP, default_timeout=120)
    get_settings.cache_clear()
    st.cache_resource.clear()


def _stored(url: str, username: str) -> str | None:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT language FROM users WHERE username = %s", (username,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _signing_in(at: AppTest, url: str, username: str) -> AppTest:
    """A new browser session that shows the sign-in form, then signs `username` in."""
    at.run()
    assert at.title[0].value.endswith(("登录", "Sign in"))
    at.session_state[TOKEN_KEY] = open_session(url, username)
    return at.run()


def test_a_shared_link_opens_in_its_language_even_before_sign_in(new_app):
    at = new_app()
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Minqing Map · Sign in"
    assert at.query_params["lang"] == "en"
    assert new_app().run().title[0].value == "民情地图 · 登录"  # no link, no choice: Chinese


def test_the_switch_is_kept_in_the_url_and_for_the_user(new_app, lang_db):
    at = signed_in(new_app(), lang_db, "chief").run()
    assert at.sidebar.selectbox(key="lang").value == "zh" and "lang" not in at.query_params
    at.sidebar.selectbox(key="lang").select("en").run()
    assert not at.exception
    assert at.query_params["lang"] == "en"
    assert _stored(lang_db, "chief") == "en"
    assert at.title[0].value.endswith("Live map")  # the page in English at once
    # signing in from another browser, no word in the URL: the user's own choice
    again = _signing_in(new_app(), lang_db, "chief")
    assert again.sidebar.selectbox(key="lang").value == "en"
    assert again.query_params["lang"] == "en" and again.title[0].value.endswith("Live map")
    # a link that says Chinese wins over the stored choice, and leaves it as it was
    linked = new_app()
    linked.query_params["lang"] = "zh"
    linked = _signing_in(linked, lang_db, "chief")
    assert linked.sidebar.selectbox(key="lang").value == "zh" and "lang" not in linked.query_params
    assert _stored(lang_db, "chief") == "en"
    # another user's choice is their own; a session found by its cookie keeps the URL's word
    assert _signing_in(new_app(), lang_db, "other").sidebar.selectbox(key="lang").value == "zh"
    assert signed_in(new_app(), lang_db, "chief").run().sidebar.selectbox(key="lang").value == "zh"


@pytest.mark.parametrize(
    "page", ["dashboard/live_map.py", "dashboard/drilldown.py", "dashboard/city_overview.py"]
)
def test_a_bad_area_or_period_is_taken_out_of_the_url_with_a_notice(new_app, lang_db, page):
    at = signed_in(new_app(), lang_db, "root").run()
    at.switch_page(page)
    at.query_params["area"] = "no-such-area"
    at.query_params["period"] = "2026-13"
    at.run()
    assert not at.exception
    notices = [w.value for w in at.warning]
    assert any("no-such-area" in n and "不存在" in n for n in notices)
    assert any("2026-13" in n and "无法识别" in n for n in notices)
    assert at.query_params.get("area") != "no-such-area"
    assert at.query_params.get("period") != "2026-13"


def test_a_good_area_and_period_stay(new_app, lang_db):
    at = signed_in(new_app(), lang_db, "root").run()
    at.switch_page("dashboard/drilldown.py")
    at.query_params["area"] = "620102001"
    at.query_params["period"] = "2026-10"
    at.run()
    assert not at.exception and not at.warning
    assert at.query_params["area"] == "620102001" and at.query_params["period"] == "2026-10"
