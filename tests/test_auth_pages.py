"""Sign-in and the role checks in Streamlit's AppTest: the form, typed URLs, admin pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo import db
from geo.auth.demo import DEMO_PASSWORD
from geo.auth.users import set_disabled
from geo.settings import get_settings
from tests.boundary_fixtures import load_tree
from tests.support import add_account, signed_in

pytestmark = pytest.mark.db
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
DENIED = "您的角色无权访问此页面。"


@pytest.fixture(scope="module")
def small_db(scratch) -> str:
    """A database of its own (these tests add and disable users): the small tree, an admin."""
    url = scratch.create_migrated("minqing_auth_pages")
    load_tree(url, incidents=50)
    add_account(url, "boss", "admin", "620100")
    return url


def _app(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MINQING_LOGIN_DELAY_SECONDS", "0")
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=120)


@pytest.fixture
def demo_app(demo_db, monkeypatch):
    """The app against the seeded demo, nobody signed in yet."""
    yield _app(demo_db, monkeypatch)
    get_settings.cache_clear()
    st.cache_resource.clear()


@pytest.fixture
def small_app(small_db, monkeypatch):
    """The app against the small tree, nobody signed in yet."""
    yield _app(small_db, monkeypatch)
    get_settings.cache_clear()
    st.cache_resource.clear()


def _count(url: str, query: str, *args) -> int:
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchone()[0]
    finally:
        conn.close()


def _sidebar_user(at: AppTest) -> str:
    return " ".join(t.value for t in at.sidebar.text)


def test_nobody_signed_in_sees_only_the_sign_in_form(demo_app):
    at = demo_app.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert at.title[0].value == "民情地图 · 登录"
    assert not at.metric and not at.dataframe  # no page content


def test_sign_in_through_the_form_then_out(demo_app, demo_db):
    at = demo_app.run()
    at.text_input(key="login_username").input("chengguan_leader")
    at.text_input(key="login_password").input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码错误。"]
    at.text_input(key="login_username").input("chengguan_leader")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert "城关区领导 (chengguan_leader)" in _sidebar_user(at)
    assert not [t for t in at.text_input if t.label == "密码"]
    at.sidebar.button[0].click().run()  # sign out
    assert [t.label for t in at.text_input] == ["用户名", "密码"]


def test_an_operator_typing_the_drilldown_url_is_refused(demo_app, demo_db):
    before = _count(
        demo_db,
        "SELECT count(*) FROM audit_log WHERE action = 'access_denied' AND actor = %s",
        "city_operator",
    )
    at = signed_in(demo_app, demo_db, "city_operator").run()
    assert not at.exception and "city_operator" in _sidebar_user(at)
    at.switch_page("dashboard/drilldown.py").run()
    assert [e.value for e in at.error] == [DENIED]
    assert not at.metric  # nothing of the drill-down was drawn
    after = _count(
        demo_db,
        "SELECT count(*) FROM audit_log WHERE action = 'access_denied' AND actor = %s"
        " AND target = 'drilldown'",
        "city_operator",
    )
    assert after == before + 1


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("gis", "dashboard/live_map.py"),
        ("chengguan_leader", "dashboard/boundaries.py"),
        ("chengguan_leader", "dashboard/admin_users.py"),
        ("city_leader", "dashboard/admin_audit.py"),
        ("city_leader", "dashboard/admin_settings.py"),
        ("community_operator", "dashboard/city_overview.py"),
        ("chengguan_leader", "dashboard/city_overview.py"),
    ],
)
def test_pages_outside_the_role_are_refused(demo_app, demo_db, username, page):
    at = signed_in(demo_app, demo_db, username).run()
    at.switch_page(page).run()
    assert [e.value for e in at.error] == [DENIED]


def test_a_disabled_users_open_page_signs_them_out(small_app, small_db):
    add_account(small_db, "leaving", "leader", "620102")
    at = signed_in(small_app, small_db, "leaving").run()
    assert "leaving" in _sidebar_user(at)
    conn = db.connect(small_db)
    set_disabled(conn, "leaving", True, actor="boss")
    conn.commit()
    conn.close()
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert "登录已过期或已失效" in at.info[0].value
