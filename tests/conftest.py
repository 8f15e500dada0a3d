"""Shared fixtures: a real PostGIS started by the test run, scratch databases, a seeded demo."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from psycopg2 import sql

from geo import db
from geo.migrate import migrate
from geo.settings import Settings, get_settings
from tests.support import (
    APP,
    DEMO_INCIDENTS,
    DEMO_SCALE,
    DEMO_SEED,
    fresh_caches,
    pages_pool,
    streamlit_server,
)

_skipped: list[str] = []
_STARTED = pytest.StashKey[bool]()
_SHARED_SERVER = "MINQING_TEST_SHARED_SERVER_URL"


def _server_url() -> tuple[str, bool]:
    """The admin URL of the server the tests use, and whether the tests started it."""
    settings = Settings()
    if settings.database_url:
        return settings.database_url, False
    if shared := os.environ.get(_SHARED_SERVER):
        return shared, False
    cluster = db.local_cluster(settings)
    was_running = cluster.is_running()
    state = cluster.up(already_running_ok=True)
    # the pages log in as minqing_app: its password for every scratch database (and the
    # servers and AppTests the tests start, which inherit the environment)
    os.environ.setdefault("MINQING_APP_PASSWORD", cluster.app_password() or "")
    return state.url(), not was_running


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _parallel_controller(config: pytest.Config) -> bool:
    """Whether this process hands tests to pytest-xdist workers (`make test` runs two)."""
    return not hasattr(config, "workerinput") and bool(config.getoption("numprocesses", None))


def pytest_configure(config: pytest.Config) -> None:
    """With workers, the controller starts the server once before they start, and they share
    it (each finds it running, so none stops it); it stops it when they are done."""
    if _parallel_controller(config):
        url, config.stash[_STARTED] = _server_url()
        os.environ[_SHARED_SERVER] = url  # the workers inherit it and do not start a server


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the server the controller started, unless MINQING_KEEP_DB says keep it."""
    if config.stash.get(_STARTED, False) and not os.environ.get("MINQING_KEEP_DB"):
        db.local_cluster(Settings()).down()


@pytest.fixture(autouse=True)
def settings_of_this_test() -> Iterator[None]:
    """Each test reads the settings from its own environment: a cached copy of an earlier
    test's (another DATABASE_URL) sent a command to a database without the schema."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of the PostgreSQL server (local cluster, or DATABASE_URL's server)."""
    url, started = _server_url()
    yield url
    db.close_pools()
    if started and not os.environ.get("MINQING_KEEP_DB"):
        db.local_cluster(Settings()).down()


class ScratchDatabases:
    """Creates empty databases on the test server and drops them at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.names: list[str] = []

    def _admin(self) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(self.server_url)
        conn.autocommit = True
        return conn

    def create(self, prefix: str = "minqing_test") -> str:
        """A new empty database with PostGIS available; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            conn.close()
        self.names.append(name)
        return _with_database(self.server_url, name)

    def create_migrated(self, prefix: str = "minqing_test") -> str:
        """A new database with PostGIS and every migration applied; returns its URL."""
        url = self.create(prefix)
        conn = db.connect(url)
        try:
            db.check_postgis(conn)
            conn.commit()
            migrate(conn)
        finally:
            conn.close()
        return url

    def drop_all(self) -> None:
        """Drop every database this run created."""
        db.close_pools()
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                for name in self.names:
                    cur.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
        finally:
            conn.close()


@pytest.fixture(scope="session")
def scratch(server_url: str) -> Iterator[ScratchDatabases]:
    """Factory of empty scratch databases, dropped after the run."""
    factory = ScratchDatabases(server_url)
    yield factory
    factory.drop_all()


@pytest.fixture
def empty_db(scratch: ScratchDatabases) -> str:
    """URL of a new empty database (no schema)."""
    return scratch.create()


@pytest.fixture(scope="session")
def migrated_db(scratch: ScratchDatabases) -> str:
    """URL of a database with the schema and no data, shared by the session."""
    return scratch.create_migrated()


@pytest.fixture(scope="session")
def demo_db(scratch: ScratchDatabases) -> str:
    """URL of a database with a small seeded Lanzhou demo and its demo accounts, shared by the
    session: do not write (sign-ins add sessions and audit entries only)."""
    from geo.auth.demo import ensure_demo_users
    from geo.demo.load import seed_demo

    url = scratch.create_migrated("minqing_demo")
    conn = db.connect(url)
    try:
        seed_demo(conn, incidents=DEMO_INCIDENTS, seed=DEMO_SEED, scale=DEMO_SCALE)
        ensure_demo_users(conn)
        conn.commit()
    finally:
        conn.close()
    return url


@pytest.fixture(scope="module")
def app_pool(world: str):
    """The pool a dashboard uses on the test module's `world` database: logged in as the pages
    are (minqing_app), not as the tables' owner."""
    return pages_pool(world)


@pytest.fixture
def open_app(monkeypatch) -> Iterator[Callable]:
    """Opens the app (or one page) in Streamlit's AppTest against a database, with the settings
    and caches fresh; forgets them again after the test."""
    from streamlit.testing.v1 import AppTest

    def _open(url: str, page: str = APP, timeout: int = 120) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        fresh_caches()
        return AppTest.from_file(page, default_timeout=timeout)

    yield _open
    fresh_caches()


@pytest.fixture
def conn_to():
    """Open connections to a URL, closed after the test."""
    opened: list[psycopg2.extensions.connection] = []

    def _open(url: str) -> psycopg2.extensions.connection:
        conn = db.connect(url)
        opened.append(conn)
        return conn

    yield _open
    for conn in opened:
        conn.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember skipped tests: in CI a skipped test fails the run."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a test that could not run (skipped) is a failure, not a pass."""
    if os.environ.get("CI") and _skipped and exitstatus == 0:
        session.exitstatus = 1
        print(f"\nCI: {len(_skipped)} test(s) were skipped; failing: {_skipped}")


@pytest.fixture(scope="session")
def dashboard_url(demo_db: str) -> Iterator[str]:
    """A real `streamlit run` of the app against the seeded demo database; yields its URL."""
    with streamlit_server({"DATABASE_URL": demo_db}) as url:
        yield url


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
    "--lang=zh-CN",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, with WebGL through SwiftShader."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class RecordedPage:
    """A browser page and every URL it requested."""

    def __init__(self, page) -> None:
        self.page = page
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))

    def foreign_requests(self, own_url: str) -> list[str]:
        """Requests that went to any host but the app's own (data: and blob: excepted)."""
        own = urlsplit(own_url).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).netloc != own
        ]


@pytest.fixture
def page(browser):
    """A fresh browser page (1400×900) that records its requests."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    recorded = RecordedPage(context.new_page())
    yield recorded
    context.close()
