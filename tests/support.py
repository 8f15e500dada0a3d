"""Helpers shared by the tests: a real Streamlit server of the app, signing in, a scratch
world with accounts and the pages' own login to it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions
import psycopg2.pool

from dashboard.serve import served
from dashboard.session_cookie import COOKIE
from geo.auth.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")

# The small seeded demo shared by the session's tests (`demo_db`).
DEMO_SCALE = 0.03
DEMO_INCIDENTS = 20_000
DEMO_SEED = 7


def run_apart(coroutine: Coroutine) -> object:
    """The coroutine's result, run on an event loop of its own in a thread of its own: the
    session's browser (sync Playwright) keeps a loop running in the tests' thread once a
    browser test ran in this process, and `asyncio.run` refuses to start beside it."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@contextmanager
def streamlit_server(env: dict[str, str]) -> Iterator[str]:
    """A real `streamlit run` of the app, started as `minqing run` starts it, with extra
    environment (e.g. DATABASE_URL); its URL."""
    with served(ROOT / "streamlit_app.py", env) as url:
        yield url


@contextmanager
def owner_connection(url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the database at `url` as the tables' owner, committed when the block
    ends without an error, closed after."""
    from geo import db

    conn = db.connect(url)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def owner_rows(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query as the tables' owner (no row-level security applies to it)."""
    with owner_connection(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def open_session(url: str, username: str) -> str:
    """A new session token for a user of the database at `url` (as a sign-in would make)."""
    from geo.auth.sessions import create_session
    from geo.settings import Settings

    with owner_connection(url) as conn:
        return create_session(conn, username, Settings(), "test")


def add_account(
    url: str,
    username: str,
    role: str,
    area_code: str,
    password: str = DEMO_PASSWORD,
    center: str | None = None,
    name: str | None = None,
) -> None:
    """Add a user to the database at `url` (its area must be in the current boundaries; an
    operator's `center` too); its display name is its username unless `name` says."""
    from geo.auth.users import add_user

    with owner_connection(url) as conn:
        add_user(conn, username, name or username, role, area_code, password, center, actor="test")


@dataclass(frozen=True)
class Account:
    """A user of a test world: its role, its area, an operator's center, its display name."""

    username: str
    role: str
    area: str
    center: str | None = None
    name: str | None = None


def world_with_accounts(
    scratch, prefix: str, build: Callable[[str], None], accounts: Iterable[Account]
) -> str:
    """A new migrated scratch database, written by `build(url)`, with the accounts (password
    DEMO_PASSWORD); its URL (the tables' owner's)."""
    url = scratch.create_migrated(prefix)
    build(url)
    for a in accounts:
        add_account(url, a.username, a.role, a.area, center=a.center, name=a.name)
    return url


def pages_url(url: str) -> str:
    """The URL the pages use for the database at `url`: their own login, not the owner's."""
    from geo import db
    from geo.settings import Settings

    return db.app_database_url(Settings(database_url=url))


def pages_pool(url: str) -> psycopg2.pool.ThreadedConnectionPool:
    """The pool a dashboard uses for the database at `url`, logged in as the pages are."""
    from geo import db

    return db.get_pool(pages_url(url), 1, 4)


def fresh_caches() -> None:
    """Forget the settings and Streamlit's caches (a test's app reads its own database)."""
    import streamlit as st

    from geo.settings import get_settings

    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


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


def session_cookie(page, seconds: float = 60) -> dict:
    """The sign-in cookie of the page's browser once the page's script has set it (it comes
    after the first signed-in run: a new tab opened before it would ask to sign in)."""
    for _ in range(int(seconds * 10)):
        found = [c for c in page.context.cookies() if c["name"] == COOKIE]
        if found and found[0]["value"]:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError(f"no sign-in cookie within {seconds} s")


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


def area_maps(at) -> list:  # noqa: ANN001 - AppTest
    """The area maps (dashboard.widgets.map_panel's element) the AppTest `at` drew."""
    from dashboard.widgets.map_panel import NAME

    return [e for e in at.get("bidi_component") if e.proto.component_name == NAME]


def area_map(at, index: int = 0) -> dict:  # noqa: ANN001 - AppTest
    """The deck spec of an area map, as the element receives it."""
    import json

    return json.loads(json.loads(area_maps(at)[index].proto.json)["spec"])


def area_map_data(at, index: int = 0) -> dict:  # noqa: ANN001 - AppTest
    """Everything an area map receives: its spec (text), tooltip, height and view."""
    import json

    return json.loads(area_maps(at)[index].proto.json)


def pick_on_map(at, layer_id: str, obj: dict, index: int = 0):  # noqa: ANN001, ANN201 - AppTest
    """Run `at` with a click on an area map, as the element reports it: the trigger `pick`
    with the layer's id (with its view) and the object (a GeoJSON feature without its
    geometry)."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    element = area_maps(at)[index].proto
    states = at._tree.get_widget_states()
    state = WidgetStates().widgets.add()
    state.id = _make_trigger_id(element.id, "events")
    fields = {k: v for k, v in obj.items() if k != "geometry"}
    state.json_trigger_value = json.dumps(
        [{"event": "pick", "value": {"layer": layer_id, "object": fields}}]
    )
    states.widgets.append(state)
    return at._run(states)
