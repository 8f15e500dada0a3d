"""Users, passwords, sign-in, sessions, audit and the SSO header against the real PostGIS."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import timedelta

import psycopg2
import pytest

from geo import db
from geo.auth import User
from geo.auth.audit import record, search, to_csv
from geo.auth.demo import accounts_with_demo_password, ensure_demo_users
from geo.auth.login import apply_login_policy, sign_in
from geo.auth.passwords import PasswordError, hash_password, proof, verify_password
from geo.auth.sessions import create_session, revoke_session, session_user, token_hash
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
    """A database of its own (these tests write users and audit entries): the small tree.
    Sign-in throttling is loose here; the throttling tests tighten it for themselves."""
    url = scratch.create_migrated("minqing_auth")
    load_tree(url, incidents=0)
    conn = db.connect(url)
    apply_login_policy(conn, _settings())
    conn.commit()
    conn.close()
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
        "login_free_failures": 1000,
        "login_overall_per_minute": 10_000,
        "session_idle_minutes": 30,
        "session_absolute_hours": 12,
        **overrides,
    }
    return Settings(**values)


def _shift_failures(conn, client: str | None, seconds: float) -> None:
    """Move the recorded failures (of one address, or all) back in time, as if waited."""
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE minqing_private.login_failures SET at = at - make_interval(secs => %s) "
            "WHERE %s::text IS NULL OR client = %s",
            (seconds, client, client),
        )
    conn.commit()


def _session_times(conn, token: str, idle_minutes: float, expires_in_minutes: float) -> None:
    """Say the session was last used `idle_minutes` ago and ends `expires_in_minutes` from now."""
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE user_sessions SET last_seen_at = now() - make_interval(mins => %s), "
            "expires_at = now() + make_interval(mins => %s) WHERE token_hash = %s",
            (idle_minutes, expires_in_minutes, token_hash(token)),
        )
    conn.commit()


def _last_seen_age(conn, token: str) -> float:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT extract(epoch FROM now() - last_seen_at) FROM user_sessions "
            "WHERE token_hash = %s",
            (token_hash(token),),
        )
        return float(cur.fetchone()[0])


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
    assert first.startswith("scrypt-v$") and first != second  # a salt of its own each
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, None)
    assert not verify_password(PASSWORD, "md5$abc")
    assert not verify_password(PASSWORD, "scrypt$garbage")
    # what is stored is the digest of the sign-in proof, not the proof itself
    params, digest = first.split("$", 1)[1].rsplit("$", 1)
    key = proof(PASSWORD, params)
    assert hashlib.sha256(bytes.fromhex(key)).hexdigest() == digest and key not in first
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
    with pytest.raises(UserError, match="one center"):  # an operator belongs to a center
        add_user(conn, "nobody5", "N", "operator", "620102", PASSWORD)
    with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(  # the database says the same, whatever writes the row
            "INSERT INTO users (username, display_name, role, area_code, area_level) "
            "VALUES ('nobody6', 'N', 'operator', '620102', 'district')"
        )
    conn.rollback()
    user = add_user(conn, "street1", "<b>街道</b>", "leader", "620102001", PASSWORD)
    assert user.area_level == "street" and user.display_name == "<b>街道</b>"
    with pytest.raises(UserError, match="already exists"):
        add_user(conn, "street1", "N", "leader", "620102", PASSWORD)


def test_sign_in_opens_a_session_and_is_audited(conn, username):
    result = sign_in(conn, username, PASSWORD, _settings(), "10.0.0.7")
    conn.commit()
    assert result.reason == "ok" and result.user == get_user(conn, username)
    assert result.user.scope == Scope("district", "620102")
    assert session_user(conn, result.token) == result.user
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM user_sessions WHERE token_hash = %s", (result.token,))
        assert cur.fetchone()[0] == 0  # only its hash is stored
    [(actor, detail, client)] = _audit(conn, "login", username)
    assert actor == username and detail == {"method": "password"} and client == "10.0.0.7"


def test_one_answer_for_every_name_and_no_account_lock(conn, username):
    """Unknown names, wrong passwords and disabled accounts: the same answer; and however many
    failures an account collects, its owner signs in from elsewhere (nobody can lock it)."""
    settings = _settings(login_free_failures=3, login_delay_seconds=1.0)
    apply_login_policy(conn, settings)
    conn.commit()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT minqing_login_salt(%s), minqing_login_salt(%s), minqing_login_salt(%s)",
                (username, "no_such_user", "no_such_user"),
            )
            known, unknown, again = cur.fetchone()
        assert known.count("$") == unknown.count("$") == 3 and unknown == again
        answers = [
            sign_in(conn, name, password, settings, f"10.0.1.{k}")
            for k, (name, password) in enumerate(
                [(username, "guess-0001"), ("no_such_user", PASSWORD),
                 ("no_such_user", "guess-0001")]
            )
        ]  # fmt: skip
        assert set(answers) == {sign_in(conn, "nobody", "x", settings, "10.0.1.9")}
        assert answers[0].reason == "bad" and answers[0].token is None
        for k in range(10):  # ten wrong passwords from ten places: no lock
            assert sign_in(conn, username, "guess-0002", settings, f"10.0.2.{k}").reason == "bad"
        ok = sign_in(conn, username, PASSWORD, settings, "10.0.3.1")
        assert ok.reason == "ok" and ok.token
        conn.commit()
    finally:
        apply_login_policy(conn, _settings())
        conn.commit()
    failures = _audit(conn, "login_failed", username)
    assert [d["reason"] for _, d, _ in failures] == ["wrong password"] * 11
    assert failures[0][2] == "10.0.1.0"
    assert all(PASSWORD not in str(d) and "guess-" not in str(d) for _, d, _ in failures)


def test_failures_from_one_address_make_it_wait_longer_and_longer(conn, username):
    """After the free failures an address waits the delay, doubled after each further failure;
    while it must wait even the right password is not checked; other addresses are not slowed."""
    client = "10.0.4.1"
    settings = _settings(login_free_failures=2, login_delay_seconds=10.0)
    apply_login_policy(conn, settings)
    conn.commit()
    try:
        for password in ("wrong 1", "wrong 2"):
            assert sign_in(conn, username, password, settings, client).reason == "bad"
        waiting = sign_in(conn, username, PASSWORD, settings, client)
        assert waiting.reason == "wait" and waiting.token is None
        assert 9 < waiting.retry_after <= 10
        assert sign_in(conn, "no_such_user", "x", settings, client).reason == "wait"
        elsewhere = sign_in(conn, username, PASSWORD, settings, "10.0.4.2")
        assert elsewhere.reason == "ok"
        _shift_failures(conn, client, 11)  # the wait is over: one more try
        assert sign_in(conn, username, "wrong 3", settings, client).reason == "bad"
        longer = sign_in(conn, username, PASSWORD, settings, client)
        assert longer.reason == "wait" and 19 < longer.retry_after <= 20  # doubled
        _shift_failures(conn, client, 21)
        assert sign_in(conn, username, PASSWORD, settings, client).reason == "ok"
        conn.commit()
    finally:
        apply_login_policy(conn, _settings())
        conn.commit()
    throttled = [d for _, d, c in _audit(conn, "login_failed", username) if c == client]
    assert [d["reason"] for d in throttled].count("throttled") == 2


def test_failures_from_many_addresses_slow_everyone_down(conn, username):
    """A guesser spreading over many addresses meets the ceiling for all addresses together."""
    settings = _settings(login_overall_per_minute=5)
    _shift_failures(conn, None, 3600)  # earlier tests' failures are an hour old
    apply_login_policy(conn, settings)
    conn.commit()
    try:
        for k in range(5):
            assert sign_in(conn, "guess", "guess", settings, f"10.0.5.{k}").reason == "bad"
        slowed = sign_in(conn, username, PASSWORD, settings, "10.0.6.1")
        assert slowed.reason == "wait" and 0 < slowed.retry_after <= 60
        _shift_failures(conn, None, 61)
        assert sign_in(conn, username, PASSWORD, settings, "10.0.6.1").reason == "ok"
        conn.commit()
    finally:
        apply_login_policy(conn, _settings())
        conn.commit()


def test_parallel_guesses_from_one_address_are_served_one_after_the_other(world, username):
    """Two attempts at once from one address cannot both slip through the free failures."""
    settings = _settings(login_free_failures=1, login_delay_seconds=30.0)
    setup = db.connect(world)
    apply_login_policy(setup, settings)
    setup.commit()
    results: list[str] = []

    def attempt() -> None:
        conn = db.connect(world)
        try:
            results.append(sign_in(conn, username, "wrong", settings, "10.0.7.1").reason)
            conn.commit()
        finally:
            conn.close()

    try:
        threads = [threading.Thread(target=attempt) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        apply_login_policy(setup, _settings())
        setup.commit()
        setup.close()
    assert sorted(results) == ["bad", "wait", "wait"]


def test_a_disabled_users_old_session_stops_working(conn, username):
    settings = _settings()
    token = sign_in(conn, username, PASSWORD, settings).token
    conn.commit()
    assert session_user(conn, token) is not None
    set_disabled(conn, username, True, actor="admin", client="10.0.0.1")
    conn.commit()
    assert session_user(conn, token) is None
    assert sign_in(conn, username, PASSWORD, settings).reason == "bad"
    set_disabled(conn, username, False, actor="admin")
    conn.commit()
    assert session_user(conn, token) is None  # revoked, not paused
    assert [a for a, _, _ in _audit(conn, "user_disable", username)] == ["admin"]
    assert [a for a, _, _ in _audit(conn, "user_enable", username)] == ["admin"]


def test_a_new_password_ends_the_sessions(conn, username):
    settings = _settings()
    token = create_session(conn, username, settings)
    set_password(conn, username, "another good password", actor="admin")
    conn.commit()
    assert session_user(conn, token) is None
    assert sign_in(conn, username, PASSWORD, settings).reason == "bad"
    ok = sign_in(conn, username, "another good password", settings)
    assert ok.reason == "ok"
    assert [a for a, _, _ in _audit(conn, "user_password", username)] == ["admin"]


def test_sessions_expire_when_idle_and_after_the_absolute_limit(conn, username):
    settings = _settings(session_idle_minutes=30, session_absolute_hours=2)
    token = create_session(conn, username, settings)
    conn.commit()
    _session_times(conn, token, idle_minutes=29, expires_in_minutes=60)
    assert session_user(conn, token, use=True) is not None
    conn.commit()
    assert _last_seen_age(conn, token) < 5  # a person's use moves the idle limit on
    _session_times(conn, token, idle_minutes=31, expires_in_minutes=60)
    assert session_user(conn, token, use=True) is None
    _session_times(conn, token, idle_minutes=1, expires_in_minutes=-1)  # past the absolute end
    assert session_user(conn, token, use=True) is None
    assert session_user(conn, "not-a-token") is None
    assert session_user(conn, "") is None and session_user(conn, None) is None


def test_a_timed_refresh_does_not_keep_a_session_alive(conn, username):
    """Only a person's own action counts as use: checks made without `use` (the live map's
    timed refresh) leave the idle clock running."""
    token = create_session(conn, username, _settings(session_idle_minutes=30))
    conn.commit()
    _session_times(conn, token, idle_minutes=20, expires_in_minutes=600)
    for _ in range(3):
        assert session_user(conn, token) is not None
        conn.commit()
    assert _last_seen_age(conn, token) >= 20 * 60
    _session_times(conn, token, idle_minutes=31, expires_in_minutes=600)
    assert session_user(conn, token) is None


def test_sign_out_revokes_the_session(conn, username):
    settings = _settings()
    token = create_session(conn, username, settings)
    assert revoke_session(conn, token, "10.0.0.5") == username
    assert session_user(conn, token) is None
    assert revoke_session(conn, token) is None
    conn.commit()
    assert [(a, c) for a, _, c in _audit(conn, "logout", username)] == [(username, "10.0.0.5")]


def test_sql_and_html_in_the_username_are_harmless(conn):
    """Injection attempts as a name sign no one in, change no user and are logged as text."""
    with conn.cursor() as cur:
        cur.execute("SELECT username, password_hash, disabled FROM users ORDER BY username")
        users = cur.fetchall()
    for text in ("admin' OR '1'='1", "'; DROP TABLE users; --", "<script>alert(1)</script>"):
        result = sign_in(conn, text, "x' OR '1'='1", _settings())
        assert result.reason == "bad" and result.user is None
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT username, password_hash, disabled FROM users ORDER BY username")
        assert cur.fetchall() == users
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
    assert {"admin", "chengguan_leader", "street_leader"} <= set(added)
    assert "qilihe_leader" not in added  # the small tree has no 620103
    assert not {"city_operator", "community_operator"} & set(added)  # no centers, no operators
    assert ensure_demo_users(conn) == []  # idempotent
    assert get_user(conn, "chengguan_leader").scope == Scope("district", "620102")
    assert accounts_with_demo_password(conn) == sorted(added)
    set_password(conn, "admin", "a real password 1", actor="test")
    assert "admin" not in accounts_with_demo_password(conn)


def test_every_demo_operator_has_a_center_of_its_own(demo_db):
    """The demo's operators each belong to one center: the city's and a community's."""
    conn = db.connect(demo_db)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT u.username, c.level, c.area_code = u.area_code FROM users u "
                "JOIN centers c ON c.code = u.center_code WHERE u.role = 'operator' ORDER BY 1"
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    assert rows == [("city_operator", "city_center", True),
                    ("community_operator", "workstation", True)]  # fmt: skip
