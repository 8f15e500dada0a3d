"""Sign-in and the role checks in Streamlit's AppTest: the form, typed URLs, admin pages."""

from __future__ import annotations

from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth.demo import DEMO_PASSWORD
from geo.auth.users import set_disabled
from tests.boundary_fixtures import load_tree
from tests.support import (
    Account,
    add_account,
    owner_connection,
    owner_rows,
    signed_in,
    world_with_accounts,
)

pytestmark = pytest.mark.db
DENIED = "您的角色无权访问此页面。"


@pytest.fixture(scope="module")
def small_db(scratch) -> str:
    """A database of its own (these tests add and disable users): the small tree, an admin."""
    boss = Account("boss", "admin", "620100")
    return world_with_accounts(
        scratch, "minqing_auth_pages", partial(load_tree, incidents=50), [boss]
    )


@pytest.fixture(autouse=True)
def no_login_delay(monkeypatch):
    """A failed sign-in answers at once."""
    monkeypatch.setenv("MINQING_LOGIN_DELAY_SECONDS", "0")


@pytest.fixture
def demo_app(demo_db, open_app):
    """The app against the seeded demo, nobody signed in yet."""
    return open_app(demo_db)


@pytest.fixture
def small_app(small_db, open_app):
    """The app against the small tree, nobody signed in yet."""
    return open_app(small_db)


def _count(url: str, query: str, *args) -> int:
    return owner_rows(url, query, args)[0][0]


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
    with owner_connection(small_db) as conn:
        set_disabled(conn, "leaving", True, actor="boss")
    at.run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert "登录已过期或已失效" in at.info[0].value
