"""Helpers shared by the tests: a real Streamlit server of the app, signing in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.serve import served
from geo.auth.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent

# The small seeded demo shared by the session's tests (`demo_db`).
DEMO_SCALE = 0.03
DEMO_INCIDENTS = 20_000
DEMO_SEED = 7


@contextmanager
def streamlit_server(env: dict[str, str]) -> Iterator[str]:
    """A real `streamlit run` of the app, started as `minqing run` starts it, with extra
    environment (e.g. DATABASE_URL); its URL."""
    with served(ROOT / "streamlit_app.py", env) as url:
        yield url


def owner_rows(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query as the tables' owner (no row-level security applies to it)."""
    from geo import db

    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        conn.close()


def open_session(url: str, username: str) -> str:
    """A new session token for a user of the database at `url` (as a sign-in would make)."""
    from geo import db
    from geo.auth.sessions import create_session
    from geo.settings import Settings

    conn = db.connect(url)
    try:
        token = create_session(conn, username, Settings(), "test")
        conn.commit()
    finally:
        conn.close()
    return token


def add_account(
    url: str,
    username: str,
    role: str,
    area_code: str,
    password: str = DEMO_PASSWORD,
    center: str | None = None,
) -> None:
    """Add a user to the database at `url` (its area must be in the current boundaries; an
    operator's `center` too)."""
    from geo import db
    from geo.auth.users import add_user

    conn = db.connect(url)
    try:
        add_user(conn, username, username, role, area_code, password, center, actor="test")
        conn.commit()
    finally:
        conn.close()


def signed_in(at, url: str, username: str = "admin"):
    """The AppTest `at` signed in as `username` (a demo account by default) of the DB at `url`."""
    from dashboard.resources import TOKEN_KEY

    at.session_state[TOKEN_KEY] = open_session(url, username)
    return at


def login(page, username: str = "admin", password: str = DEMO_PASSWORD) -> None:
    """Sign in through the sign-in page of the app open in the Playwright `page`."""
    page.get_by_label("用户名").wait_for(timeout=60_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("用户名").wait_for(state="detached", timeout=60_000)


# `txid` (incident_events, migration 090) names the transaction that wrote a row, not what
# the row holds: two loads of the same rows differ only there.
_CHECKSUM = (
    "SELECT count(*), coalesce(md5(string_agg(r, '|' ORDER BY r)), '')"
    " FROM (SELECT (to_jsonb(t) - 'txid')::text AS r FROM {} t) AS rows"
)


def checksums(url: str, tables: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Row count and a digest of every row, per table: equal before and after means untouched."""
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(url)
    try:
        out = {}
        with conn.cursor() as cur:
            for table in tables:
                cur.execute(sql.SQL(_CHECKSUM).format(sql.Identifier(table)))
                count, digest = cur.fetchone()
                out[table] = f"{count}:{digest}"
        return out
    finally:
        conn.close()
