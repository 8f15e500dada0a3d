"""The admin pages in AppTest: users (area tree, center list, role change), the audit log in
words, the settings as name / value / meaning; the database address for admins only."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg2.errors
import pytest
from streamlit.testing.v1 import AppTest

from geo import db
from geo.migrate import load_migrations
from geo.rules.describe import rules_files
from tests.boundary_fixtures import DISTRICT, load_tree
from tests.support import (
    APP,
    Account,
    add_account,
    open_session,
    owner_connection,
    owner_rows,
    pages_url,
    signed_in,
    world_with_accounts,
)

pytestmark = pytest.mark.db
POST = "post-620102001"

_CENTERS = """
INSERT INTO centers (code, name, level, area_code, parent_code, geom) VALUES
    ('city-620100', '市社会治理中心', 'city_center', '620100', NULL,
     ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4490)),
    (%(post)s, '第1街道指挥所', 'command_post', '620102001', 'city-620100',
     ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4490))
"""


def _tree_and_centers(url: str) -> None:
    """The small tree and two centers in the middle of its district."""
    load_tree(url, incidents=20)
    x, y = (DISTRICT[0] + DISTRICT[2]) / 2, (DISTRICT[1] + DISTRICT[3]) / 2
    with owner_connection(url) as conn, conn.cursor() as cur:
        cur.execute(_CENTERS, {"x": x, "y": y, "post": POST})


@pytest.fixture(scope="module")
def admin_db(scratch) -> str:
    """A database of its own (these tests add users): the small tree, two centers, an admin."""
    accounts = [Account("boss", "admin", "620100"), Account("watcher", "leader", "620100")]
    return world_with_accounts(scratch, "minqing_admin_pages", _tree_and_centers, accounts)


@pytest.fixture
def app(admin_db, open_app):
    """The app against the admin test database, nobody signed in yet."""
    return open_app(admin_db)


def _one(url: str, query: str, *args) -> tuple:
    return owner_rows(url, query, args)[0]


def _users_page(app: AppTest, url: str) -> AppTest:
    at = signed_in(app, url, "boss").run()
    at.switch_page("dashboard/admin_users.py").run()
    assert not at.exception
    return at


def test_a_user_is_added_with_the_area_from_the_tree_and_the_center_from_a_list(app, admin_db):
    at = _users_page(app, admin_db)
    assert not [t for t in at.text_input if "编码" in t.label]  # no code is typed
    at.text_input(key="add_username").input("newop")
    at.text_input(key="add_display_name").input("新受理员")
    at.text_input(key="add_password").input("good password 1")
    at.selectbox(key="add_role").select("operator")
    at.selectbox(key="add_area_district_620100").select("620102").run()
    street = at.selectbox(key="add_area_street_620102")
    assert street.options[1].startswith("第1街道")  # names to choose by, the code beside
    street.select("620102001").run()
    at.button(key="add_user").click().run()
    assert at.error and "one center" in at.error[0].value  # an operator needs its center
    center = at.selectbox(key="add_center_620102001")
    assert center.options == ["（无）", "第1街道指挥所 · 指挥所"]  # the centers serving it
    center.select(POST)
    at.button(key="add_user").click().run()
    assert [s.value for s in at.success] == ["已新增用户 newop。"]
    assert at.text_input(key="add_username").value == ""  # the form starts afresh
    table = at.dataframe[0].value
    row = table[table["用户名"] == "newop"].iloc[0]
    assert row["层级"] == "街道(乡镇)" and row["区域"] == "第1街道 · 620102001"
    assert row["中心"] == "第1街道指挥所" and row["角色"] == "话务/受理员"


def test_an_admin_changes_a_role_audited_and_the_last_admin_keeps_it(app, admin_db):
    at = _users_page(app, admin_db)
    at.selectbox(key="users_chosen").select("watcher").run()
    at.selectbox(key="role_of_watcher").select("operator").run()
    at.button(key="set_role").click().run()
    assert at.error and "one center" in at.error[0].value
    assert _one(admin_db, "SELECT role FROM users WHERE username = 'watcher'") == ("leader",)
    at.selectbox(key="role_of_watcher").select("operator")
    at.selectbox(key="center_of_watcher").select(POST)
    at.button(key="set_role").click().run()
    assert [s.value for s in at.success] == [
        "watcher 的角色已改为话务/受理员，下次打开页面时生效。"
    ]
    assert _one(admin_db, "SELECT role, center_code FROM users WHERE username = 'watcher'") == (
        "operator",
        POST,
    )
    detail = _one(
        admin_db,
        "SELECT detail FROM audit_log WHERE action = 'user_role' AND target = 'watcher'"
        " AND actor = 'boss' ORDER BY id DESC LIMIT 1",
    )[0]
    assert detail["from"] == "leader" and detail["to"] == "operator"
    at.selectbox(key="users_chosen").select("boss").run()
    at.selectbox(key="role_of_boss").select("leader").run()
    at.button(key="set_role").click().run()
    assert at.error and "last administrator" in at.error[0].value
    assert _one(admin_db, "SELECT role FROM users WHERE username = 'boss'") == ("admin",)


def test_only_an_admin_may_change_a_role_in_the_database(admin_db):
    """The function checks the signed-in role itself: a leader's session may not make itself
    an admin, whatever the page does."""
    add_account(admin_db, "nosy", "leader", "620100")
    token = open_session(admin_db, "nosy")
    conn = db.connect(pages_url(admin_db))
    try:
        db.enter_session(conn, token)
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("SELECT minqing_set_user_role('nosy', 'admin', NULL, 'nosy', 'x')")
    finally:
        conn.close()
    assert _one(admin_db, "SELECT role FROM users WHERE username = 'nosy'") == ("leader",)


def test_the_audit_log_is_in_words_with_the_raw_entries_one_click_away(app, admin_db):
    at = signed_in(app, admin_db, "boss").run()
    at.switch_page("dashboard/admin_audit.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "新增用户" in table["操作"].tolist() and "user_add" not in table["操作"].tolist()
    added = table[table["操作"] == "新增用户"].iloc[0]
    assert "角色：" in added["详情"] and "{" not in added["详情"]
    at.multiselect[0].select("user_add").run()
    assert set(at.dataframe[0].value["操作"]) == {"新增用户"}
    assert at.multiselect[0].format_func("login") == "登录"
    assert at.expander[0].label.startswith("原始记录")
    raw = at.dataframe[1].value
    assert set(raw["action"]) == {"user_add"} and raw["detail"].iloc[0].startswith("{")
    assert at.get("download_button")
    at.session_state["lang"] = "en"
    at.run()
    assert "User added" in at.dataframe[0].value["Action"].tolist()


def test_the_settings_are_tables_of_name_value_and_meaning(app, admin_db):
    at = signed_in(app, admin_db, "boss").run()
    at.switch_page("dashboard/admin_settings.py").run()
    assert not at.exception
    settings = at.dataframe[0].value.set_index("变量")
    assert list(settings.columns) == ["当前值", "含义"]
    password = urlsplit(admin_db).password
    assert password and password not in settings.loc["DATABASE_URL", "当前值"]
    assert settings.loc["MINQING_SESSION_IDLE_MINUTES", "含义"] == "闲置多少分钟后登录失效"
    assert settings["含义"].str.len().gt(0).all()
    assert [tab.label for tab in at.tabs] == list(rules_files())
    workflow = at.dataframe[list(rules_files()).index("workflow.toml") + 1].value
    row = workflow[workflow["规则项"] == "escalation.after_hours"].iloc[0]
    assert row["当前值"] == "72" and row["含义"] == "在此小时数之后执行"
    assert not any("#" in str(code.value) for code in at.code if "规则项" in str(code.value))
    migrations = at.dataframe[-1].value
    assert len(migrations) == len(load_migrations()) and migrations.iloc[:, 2].all()
    at.session_state["lang"] = "en"
    at.run()
    settings = at.dataframe[0].value.set_index("Variable")
    assert settings.loc["MINQING_SESSION_IDLE_MINUTES", "Meaning"].startswith("Minutes idle")


def _sidebar_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def test_the_database_address_is_shown_to_admins_only(app, admin_db):
    at = signed_in(app, admin_db, "boss").run()
    assert any(c.startswith("数据库: postgresql://") for c in _sidebar_captions(at))
    assert all(urlsplit(admin_db).password not in c for c in _sidebar_captions(at))
    add_account(admin_db, "reader", "leader", "620102")
    other = signed_in(AppTest.from_file(APP, default_timeout=120), admin_db, "reader").run()
    assert not other.exception
    assert not any("postgresql://" in c for c in _sidebar_captions(other))
    assert not any("postgresql://" in c.value for c in other.caption)
