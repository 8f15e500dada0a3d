"""One connection pool per process, transactions, and the database URL in use."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions
import psycopg2.pool
from psycopg2 import sql

from geo.cluster import APP_ROLE, LocalCluster
from geo.errors import (
    ConfigError,
    DatabaseError,
    DatabaseUnreachable,
    LocalClusterError,
    PostGISMissing,
)
from geo.filters import Scope
from geo.settings import Settings, hide_password

# The pages log in as APP_ROLE (migrations 011, 060): it owns no table, is no superuser and is
# a member of no role, so row-level security applies to it and it cannot become anyone else.
_SET_ROLE = sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(APP_ROLE))
# Who a transaction acts for (migration 060): set here on the owner's word (command line,
# benchmarks, tests), or by the database after it has checked a session token. The context is
# signed for this transaction only; the app role can neither forge nor widen it.
_SET_CONTEXT = "SELECT minqing_private.set_context(%s, %s, %s, %s, %s)"
_ENTER_SESSION = "SELECT * FROM minqing_enter_session(%s, %s)"

_pools: dict[str, psycopg2.pool.ThreadedConnectionPool] = {}
_pools_lock = threading.Lock()


def local_cluster(settings: Settings) -> LocalCluster:
    """The project's self-managed cluster as the settings describe it."""
    return LocalCluster(settings.state_dir, settings.local_db_port, settings.local_db_name)


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set, else the running local cluster's URL."""
    if settings.database_url:
        return settings.database_url
    cluster = local_cluster(settings)
    state = cluster.state()
    if state is None:
        raise LocalClusterError("the local database does not exist yet: run `minqing db up`")
    return state.url()


def app_database_url(settings: Settings) -> str:
    """The URL the pages log in with: as the app role, never as the tables' owner.

    MINQING_APP_DATABASE_URL when set; else the owner's server and database (DATABASE_URL or the
    local cluster) with the role `minqing_app` and its password (MINQING_APP_PASSWORD, or the
    one the local cluster generated).
    """
    if settings.app_database_url:
        return settings.app_database_url
    owner = database_url(settings)
    password = settings.app_password
    if password is None and settings.uses_local_cluster:
        password = local_cluster(settings).app_password()
    if not password:
        raise ConfigError(
            "the pages' database login is not configured: set MINQING_APP_DATABASE_URL, or "
            f"MINQING_APP_PASSWORD for the role {APP_ROLE} on the server of DATABASE_URL "
            "(docs/security.md, Deployments)"
        )
    parts = urlsplit(owner)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{APP_ROLE}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class Connection(psycopg2.extensions.connection):
    """A connection of this process (a pool's or its own), knowing the statements this
    process prepared on it (`geo.mapapi.prepared`): they live and die with the session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared: set[str] = set()


def connect(url: str) -> Connection:
    """A new connection, with driver errors turned into one clear message (password hidden)."""
    try:
        return psycopg2.connect(
            url, connect_timeout=5, application_name="minqing", connection_factory=Connection
        )
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise DatabaseUnreachable(
            f"cannot connect to {hide_password(url)}: {_scrub(reason, url)}"
        ) from None
    except psycopg2.ProgrammingError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DatabaseError(
            f"invalid database URL {hide_password(url)}: {_scrub(first, url)}"
        ) from None


def _scrub(message: str, url: str) -> str:
    """The driver's message with the URL's password removed wherever it appears."""
    message = hide_password(message)
    password = _password_of(url)
    return message.replace(password, "***") if password else message


def _password_of(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        match = re.search(r"://[^:/@\s]*:([^@\s]*)@", url)
        return match[1] if match else None


def get_pool(url: str, minconn: int = 1, maxconn: int = 8) -> psycopg2.pool.ThreadedConnectionPool:
    """The process's pool for this URL, created on first use."""
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None or pool.closed:
            connect(url).close()  # fail early with a clear message
            pool = psycopg2.pool.ThreadedConnectionPool(
                minconn, maxconn, url, connect_timeout=5, application_name="minqing",
                connection_factory=Connection,
            )  # fmt: skip
            # psycopg2 closes every connection handed back beyond `minconn`: with many
            # screens at once each unit of work then paid a new connection. Open `minconn` at
            # first, keep up to `maxconn` once opened.
            pool.minconn = maxconn
            _pools[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool of this process (tests and CLI shutdown)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.closeall()
        _pools.clear()
        _turns.clear()


# How long a unit of work waits for a pooled connection when all are lent out (many screens
# refreshing at once) before it fails. Waiters are served in turn (a semaphore per pool).
POOL_WAIT_SECONDS = 30.0
_turns: dict[int, threading.Semaphore] = {}


def _turn(pool: psycopg2.pool.ThreadedConnectionPool) -> threading.Semaphore:
    with _pools_lock:
        turn = _turns.get(id(pool))
        if turn is None:
            turn = _turns[id(pool)] = threading.BoundedSemaphore(pool.maxconn)
        return turn


@contextmanager
def transaction(
    pool: psycopg2.pool.ThreadedConnectionPool,
) -> Iterator[psycopg2.extensions.connection]:
    """Borrow a connection for one unit of work: commit on success, roll back on error."""
    turn = _turn(pool)
    if not turn.acquire(timeout=POOL_WAIT_SECONDS):
        raise DatabaseError(f"no database connection free after {POOL_WAIT_SECONDS:.0f} s")
    try:
        conn = pool.getconn()
        try:
            yield conn
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        finally:
            pool.putconn(conn, close=bool(conn.closed))
    finally:
        turn.release()


@contextmanager
def scoped_transaction(
    pool: psycopg2.pool.ThreadedConnectionPool,
    scope: Scope | None,
    contact_center: str | None = None,
    *,
    username: str | None = None,
    role: str | None = None,
) -> Iterator[psycopg2.extensions.connection]:
    """A transaction as the app's role inside `scope` (None: sees nothing), on the owner's word.

    For a pool that logs in as the tables' owner (command line, benchmarks, tests): the app
    role cannot call it. `contact_center` is the center whose operator is acting: its cases
    show the reporter's phone and ID number in full; `username` and `role` say who acts (the
    audit log and case events accept only their name). Pages use `session_transaction`.
    """
    with transaction(pool) as conn:
        enter_scope(conn, scope, contact_center, username=username, role=role)
        yield conn


def enter_scope(
    conn: psycopg2.extensions.connection,
    scope: Scope | None,
    contact_center: str | None = None,
    *,
    username: str | None = None,
    role: str | None = None,
) -> None:
    """Become the app's role inside `scope` until the transaction ends (the owner only)."""
    level = scope.level if scope else ""
    code = (scope.code or "") if scope else ""
    with conn.cursor() as cur:
        cur.execute(_SET_CONTEXT, (username, role, level, code, contact_center))
        cur.execute(_SET_ROLE)


@contextmanager
def session_transaction(
    pool: psycopg2.pool.ThreadedConnectionPool, token: str | None, use: bool = False
) -> Iterator[psycopg2.extensions.connection]:
    """A transaction for the user of a signed-in session, as the database finds it.

    The pages' entry, and the map service's for anything holding a session token: the
    database checks the token (revoked, expired, idle, disabled user) and then acts for its
    user, in the user's scope, until the transaction ends; an unknown token sees nothing.
    `use`: a person's own action, which restarts the session's idle time (a timed refresh
    must not).
    """
    with transaction(pool) as conn:
        enter_session(conn, token, use)
        yield conn


def enter_session(
    conn: psycopg2.extensions.connection, token: str | None, use: bool = False
) -> tuple | None:
    """Act for the session's user until the transaction ends; their row (username, role,
    area code, area level, center code, display name), or None when the session is not live."""
    with conn.cursor() as cur:
        cur.execute(_ENTER_SESSION, (token or "", use))
        return cur.fetchone()


class ScopedConnection(Connection):
    """A connection of its own (not pooled) that enters one scope again after each commit or
    rollback, for benchmarks that work as the dashboard does over many transactions."""

    scope: Scope | None = None

    def enter(self) -> None:
        """Act in this connection's scope until the transaction ends."""
        enter_scope(self, self.scope)

    def commit(self) -> None:
        """Commit, then enter the scope again for the next transaction."""
        super().commit()
        self.enter()

    def rollback(self) -> None:
        """Roll back, then enter the scope again for the next transaction."""
        super().rollback()
        self.enter()


def scoped_connection(url: str, scope: Scope) -> ScopedConnection:
    """A new owner's connection working as the app's role in `scope`, transaction after
    transaction (benchmarks)."""
    conn = psycopg2.connect(
        url, connect_timeout=5, application_name="minqing", connection_factory=ScopedConnection
    )
    conn.scope = scope
    conn.enter()
    return conn


def check_postgis(conn: psycopg2.extensions.connection) -> str:
    """The PostGIS version of the database; creates the extension if allowed, else fails clearly."""
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        row = cur.fetchone()
        if row:
            return row[0]
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        if cur.fetchone() is None:
            raise PostGISMissing(
                "the database has no PostGIS and the server cannot install it "
                "(install postgresql-NN-postgis-3 on the database server)"
            )
        try:
            cur.execute("CREATE EXTENSION postgis")
        except psycopg2.Error as exc:
            conn.rollback()
            raise PostGISMissing(
                "the database has no PostGIS and this user may not create it "
                f"({exc.diag.message_primary}): ask a superuser to run CREATE EXTENSION postgis"
            ) from None
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        return cur.fetchone()[0]
