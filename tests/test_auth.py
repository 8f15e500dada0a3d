"""Users, passwords, sign-in, sessions, audit and the SSO header against the real PostGIS."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg2
import pytest

from geo import db
from geo.auth import User
from geo.auth.audit import record, search, to_csv
from geo.auth.demo import accounts_with_demo_password, ensure_demo_users
from geo.auth.login import sign_in
from geo.auth.passwords import PasswordError, hash_password, verify_password
from geo.auth.sessions import create_session, revoke_session, session_user
from geo.auth.sso import header_username
from geo.auth.users import UserError, add_user, get_user, set_disabled, set_password
from geo.filters import Scope
from geo.settings import Settings
from geo.timeutil import now_utc
from tests.boundary_fixtures import load_tree

pytestmark = pytest.mark.db
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def world(scratch) -> str:
    """A database of its own (these tests write users and audit entries): the small tree."""
    url = scratch.create_migrated("minqing_auth")
    load_tree(url, incidents=0)
    return url


@pytest.fixture
def conn(world):
    """A connection to that database; the test commits what it wants kept."""
    connection = db.connect(world)
    yield connection
    connection.rollback()
    connection.close()


_counter = iter(range(10_000))


@pytest.fixture
def username(conn) -> str:
    """A new district leader of 620102 with the password PASSWORD."""
    name = f"user{next(_counter)}_{time.monotonic_ns() % 100000}"
    add_user(conn, name, "测试用户", "leader", "620102", PASSWORD, actor="test")
    conn.commit()
    return name


def _settings(**overrides) -> Settings:
    values = {
        "login_delay_seconds": 0.0,
        "login_max_failures": 3,
        "login_lockout_minutes": 10,
        "session_idle_minutes": 30,
        "session_absolute_hours": 12,
        **overrides,
    }
    return Settings(**values)


def _audit(conn, action: str, target: str) -> list:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT actor, detail, client FROM audit_log WHERE action = %s AND target = %s"
            " ORDER BY id",
            (action, target),
        )
        return cur.fetchall()


def test_passwords_are_salted_scrypt_and_verify():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt$") and first != second  # a salt of its own each
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, None)
    assert not verify_password(PASSWORD, "md5$abc")
    assert not verify_password(PASSWORD, "scrypt$garbage")
    with pytest.raises(PasswordError):
        hash_password("short")


def test_user_scope_and_permissions():
    city = User("a", "admin", "620100", "city", None, "A")
    district = User("b", "leader", "620102", "district", None, "B")
    operator = User("c", "operator", "620102001001", "community", "post-1", "C")
    assert city.scope == Scope()
    assert district.scope == Scope("district", "620102")
    assert operator.scope == Scope("community", "620102001001")
    assert city.may("drilldown") and city.may("users") and city.may("leader")
    assert district.may("drilldown") and not district.may("users") and not district.may("admin")
    assert city.may("overview") and not district.may("overview")  # compares every district
    assert User("d", "leader", "620100", "city", None, "D").may("overview")
    assert operator.may("desk") and operator.may("live")
    assert not operator.may("drilldown") and not operator.may("boundaries")


def test_add_user_checks_area_role_and_name(conn):
    with pytest.raises(UserError, match="no area"):
        add_user(conn, "nobody1", "N", "leader", "999999", PASSWORD)
    with pytest.raises(UserError, match="not a grid"):
        add_user(conn, "nobody2", "N", "leader", "620102001001001", PASSWORD)
    with pytest.raises(UserError, match="unknown role"):
        add_user(conn, "nobody3", "N", "root", "620102", PASSWORD)
    with pytest.raises(UserError, match="username"):
        add_user(conn, "x'; DROP TABLE users; --", "N", "leader", "620102", PASSWORD)
    with pytest.raises(UserError, match="no center"):
        add_user(conn, "nobody4", "N", "operator", "620102", PASSWORD, "no-such-center")
    user = add_user(conn, "street1", "<b>街道</b>", "leader", "620102001", PASSWORD)
    assert user.area_level == "street" and user.display_name == "<b>街道</b>"
    with pytest.raises(UserError, match="already exists"):
        add_user(conn, "street1", "N", "leader", "620102", PASSWORD)


def test_sign_in_opens_a_session_and_is_audited(conn, username):
    result = sign_in(conn, username, PASSWORD, _settings(), now_utc(), "10.0.0.7")
    conn.commit()
    assert result.reason == "ok" and result.user == get_user(conn, username)
    assert result.user.scope == Scope("district", "620102")
    assert session_user(conn, result.token, _settings(), now_utc()) == result.user
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM user_sessions WHERE token_hash = %s", (result.token,))
        assert cur.fetchone()[0] == 0  # only its hash is stored
    [(actor, detail, client)] = _audit(conn, "login", username)
    assert actor == username and detail == {"method": "password"} and client == "10.0.0.7"


def test_wrong_passwords_wait_then_lock_the_user(conn, username):
    settings = _settings(login_delay_seconds=0.4)
    now = now_utc()
    started = time.monotonic()
    first = sign_in(conn, username, "wrong password 1", settings, now, "10.0.0.8")
    assert time.monotonic() - started >= 0.4  # the fixed delay
    assert first.reason == "bad" and first.token is None
    second = sign_in(conn, username, "wrong password 2", settings, now, sleep=False)
    assert second.reason == "bad"
    third = sign_in(conn, username, "wrong password 3", settings, now, sleep=False)
    assert third.reason == "locked" and third.locked_until == now + timedelta(minutes=10)
    # locked: even the right password is refused until the lockout ends
    refused = sign_in(conn, username, PASSWORD, settings, now + timedelta(minutes=9), sleep=False)
    assert refused.reason == "locked" and refused.token is None
    later = sign_in(conn, username, PASSWORD, settings, now + timedelta(minutes=11), sleep=False)
    assert later.reason == "ok" and later.token
    conn.commit()
    failures = _audit(conn, "login_failed", username)
    assert [d["reason"] for _, d, _ in failures] == ["wrong password"] * 3 + ["locked"]
    assert [d.get("locked") for _, d, _ in failures[:3]] == [False, False, True]
    assert failures[0][2] == "10.0.0.8"
    assert all(PASSWORD not in str(d) and "wrong password 1" not in str(d) for _, d, _ in failures)


def test_unknown_and_disabled_users_get_the_same_answer(conn, username):
    set_disabled(conn, username, True, actor="admin")
    disabled = sign_in(conn, username, PASSWORD, _settings(), now_utc(), sleep=False)
    unknown = sign_in(conn, "no_such_user", PASSWORD, _settings(), now_utc(), sleep=False)
    assert disabled.reason == unknown.reason == "bad"
    assert disabled.token is None and unknown.token is None


def test_a_disabled_users_old_session_stops_working(conn, username):
    settings = _settings()
    token = sign_in(conn, username, PASSWORD, settings, now_utc(), sleep=False).token
    conn.commit()
    assert session_user(conn, token, settings, now_utc()) is not None
    set_disabled(conn, username, True, actor="admin", client="10.0.0.1")
    conn.commit()
    assert session_user(conn, token, settings, now_utc()) is None
    set_disabled(conn, username, False, actor="admin")
    conn.commit()
    assert session_user(conn, token, settings, now_utc()) is None  # revoked, not paused
    assert [a for a, _, _ in _audit(conn, "user_disable", username)] == ["admin"]
    assert [a for a, _, _ in _audit(conn, "user_enable", username)] == ["admin"]


def test_a_new_password_ends_the_sessions(conn, username):
    settings = _settings()
    token = create_session(conn, username, settings, now_utc())
    set_password(conn, username, "another good password", actor="admin")
    conn.commit()
    assert session_user(conn, token, settings, now_utc()) is None
    assert sign_in(conn, username, PASSWORD, settings, now_utc(), sleep=False).reason == "bad"
    ok = sign_in(conn, username, "another good password", settings, now_utc(), sleep=False)
    assert ok.reason == "ok"
    assert [a for a, _, _ in _audit(conn, "user_password", username)] == ["admin"]


def test_sessions_expire_when_idle_and_after_the_absolute_limit(conn, username):
    settings = _settings(session_idle_minutes=30, session_absolute_hours=2)
    start = now_utc()
    token = create_session(conn, username, settings, start)
    assert session_user(conn, token, settings, start + timedelta(minutes=29)) is not None
    # each use moves the idle limit on
    assert session_user(conn, token, settings, start + timedelta(minutes=58)) is not None
    assert session_user(conn, token, settings, start + timedelta(minutes=89)) is None
    busy = create_session(conn, username, settings, start)
    for minutes in range(20, 120, 20):
        assert session_user(conn, busy, settings, start + timedelta(minutes=minutes)) is not None
    assert session_user(conn, busy, settings, start + timedelta(minutes=121)) is None
    assert session_user(conn, "not-a-token", settings, start) is None
    assert session_user(conn, "", settings, start) is None


def test_sign_out_revokes_the_session(conn, username):
    settings = _settings()
    token = create_session(conn, username, settings, now_utc())
    assert revoke_session(conn, token, now_utc()) == username
    assert session_user(conn, token, settings, now_utc()) is None
    assert revoke_session(conn, token, now_utc()) is None


def test_sql_and_html_in_the_username_are_harmless(conn):
    for text in ("admin' OR '1'='1", "'; DROP TABLE users; --", "<script>alert(1)</script>"):
        result = sign_in(conn, text, "x' OR '1'='1", _settings(), now_utc(), sleep=False)
        assert result.reason == "bad" and result.user is None
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM users")
        assert cur.fetchone()[0] >= 0  # the table is still there
    [(actor, detail, _)] = _audit(conn, "login_failed", "<script>alert(1)</script>")
    assert actor == "<script>alert(1)</script>" and detail == {"reason": "unknown user"}


def test_the_audit_log_is_append_only(conn):
    record(conn, "tester", "case_action", "42", {"action": "accept"}, "10.1.1.1")
    conn.commit()
    with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="append-only"):
        cur.execute("UPDATE audit_log SET actor = 'someone else' WHERE actor = 'tester'")
    conn.rollback()
    with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="append-only"):
        cur.execute("DELETE FROM audit_log")
    conn.rollback()
    with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="append-only"):
        cur.execute("TRUNCATE audit_log")
    conn.rollback()
    assert [a for a, _, _ in _audit(conn, "case_action", "42")] == ["tester"]


def test_audit_search_and_csv(conn):
    record(conn, "searcher", "user_add", '=HYPERLINK("x")', {"note": "50% done_"}, None)
    record(conn, "searcher", "logout", "searcher", {}, None)
    conn.commit()
    day = timedelta(days=1)
    found = search(conn, now_utc() - day, now_utc() + day, actor="searcher")
    assert [e.action for e in found] == ["logout", "user_add"]  # newest first
    only = search(conn, now_utc() - day, now_utc() + day, actions=("user_add",), text="50%")
    assert [e.actor for e in only] == ["searcher"]
    assert search(conn, now_utc() - day, now_utc() + day, actor="searcher", text="5_%") == []
    assert search(conn, now_utc() + day, now_utc() + 2 * day, actor="searcher") == []
    text = to_csv(found).decode("utf-8-sig")
    assert text.splitlines()[0] == "id,time_cst,actor,action,target,detail,client"
    assert "'=HYPERLINK" in text  # a formula stays text in Excel


def test_the_sso_header_is_believed_only_from_trusted_proxies():
    settings = Settings(trusted_header="X-Remote-User", trusted_proxies="10.8.0.0/16, 127.0.0.1")
    headers = {"x-remote-user": "zhangsan", "Host": "minqing"}
    assert header_username(headers, "10.8.3.4", settings) == "zhangsan"
    assert header_username(headers, "127.0.0.1", settings) == "zhangsan"
    assert header_username(headers, "::ffff:10.8.3.4", settings) == "zhangsan"
    assert header_username(headers, "::ffff:10.9.3.4", settings) is None
    assert header_username(headers, "10.9.0.1", settings) is None  # not a trusted proxy
    assert header_username(headers, None, settings) is None
    assert header_username(headers, "not an address", settings) is None
    assert header_username({"Host": "minqing"}, "10.8.3.4", settings) is None
    assert header_username({"X-Remote-User": "  "}, "10.8.3.4", settings) is None
    off = Settings(trusted_header=None, trusted_proxies="10.8.0.0/16")
    assert header_username(headers, "10.8.3.4", off) is None


def test_demo_accounts_and_the_demo_password_warning(conn):
    added = ensure_demo_users(conn)
    assert {"admin", "chengguan_leader", "street_leader", "community_operator"} <= set(added)
    assert "qilihe_leader" not in added  # the small tree has no 620103
    assert ensure_demo_users(conn) == []  # idempotent
    assert get_user(conn, "chengguan_leader").scope == Scope("district", "620102")
    assert accounts_with_demo_password(conn) == sorted(added)
    set_password(conn, "admin", "a real password 1", actor="test")
    assert "admin" not in accounts_with_demo_password(conn)
