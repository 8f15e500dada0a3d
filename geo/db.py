"""One connection pool per process, transactions, and the database URL in use."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg2
import psycopg2.extensions
import psycopg2.pool
from psycopg2 import sql

from geo.cluster import LocalCluster
from geo.errors import DatabaseError, DatabaseUnreachable, LocalClusterError, PostGISMissing
from geo.filters import Scope
from geo.settings import Settings, hide_password

# The role the dashboard works as (migration 011): it owns no table, so row-level security
# applies to it; the user's scope and contact rights are set per transaction.
APP_ROLE = "minqing_app"
_SET_ROLE = sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(APP_ROLE))
_SET_SESSION_ROLE = sql.SQL("SET ROLE {}").format(sql.Identifier(APP_ROLE))
# Without statistics on the policy's expression the planner halves every row estimate of
# `incidents` and then prefers parallel plans, which on the 2-core server under load made the
# live map's refresh about twice as slow as the owner's; without workers it is as fast
# (docs/benchmarks.md, "Row-level security").
_SET_SCOPE = """
SELECT set_config('minqing.scope_level', %(level)s, %(local)s),
       set_config('minqing.scope_code', %(code)s, %(local)s),
       set_config('minqing.contact_center', %(center)s, %(local)s),
       set_config('max_parallel_workers_per_gather', '0', %(local)s)
"""

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


def connect(url: str) -> psycopg2.extensions.connection:
    """A new connection, with driver errors turned into one clear message (password hidden)."""
    try:
        return psycopg2.connect(url, connect_timeout=5, application_name="minqing")
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
                minconn, maxconn, url, connect_timeout=5, application_name="minqing"
            )
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
) -> Iterator[psycopg2.extensions.connection]:
    """A transaction as the app's role inside `scope` (None: sees nothing), reset at its end.

    `contact_center` is the center whose operator is acting: that center's cases show the
    reporter's phone and ID number in full (migration 011); everyone else sees them masked.
    """
    with transaction(pool) as conn:
        enter_scope(conn, scope, contact_center)
        yield conn


def enter_scope(
    conn: psycopg2.extensions.connection,
    scope: Scope | None,
    contact_center: str | None = None,
    local: bool = True,
) -> None:
    """Become the app's role inside `scope` until the transaction ends.

    `local=False` keeps role and scope until the session ends: for a benchmark's own
    connection, never for a pooled one.
    """
    params = {
        "level": scope.level if scope else "",
        "code": (scope.code or "") if scope else "",
        "center": contact_center or "",
        "local": local,
    }
    with conn.cursor() as cur:
        cur.execute(_SET_ROLE if local else _SET_SESSION_ROLE)
        cur.execute(_SET_SCOPE, params)


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
