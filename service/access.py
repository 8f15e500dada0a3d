"""Who calls: the token of an API client, its rate limit, and the transaction it works in.

Every request works like a page: the service logs in as the app's role (never the tables'
owner), and each transaction starts with the database checking the client's token and acting
for the client in its area (`minqing_enter_client`, migration 093) under row-level security.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
import psycopg2
import psycopg2.extensions
import psycopg2.pool
from psycopg2.extensions import cursor as Cursor
from starlette.requests import Request

from geo import db
from geo.errors import MinqingError
from geo.mapapi.clients import ApiClient, enter_client, enter_client_for_service
from geo.mapapi.prepared import named_execution
from geo.sqlfiles import load_sql
from service.errors import ServiceError
from service.lane import Busy, Lane, fetch_one

Built = tuple[bytes, Callable[[], None]]  # a message, and what to do once it succeeded

_OWNER_SESSION = "SELECT minqing_owner_session()"
# The entering statement, prepared once on each connection of the lane (`in_one_message`):
# parsed and planned again in every message, it cost 0.02–0.05 ms of a point tile's 0.5 ms.
ENTER_STATEMENT = "minqing_enter_client"
BURST_SECONDS = 10.0  # a client may send this many seconds' worth of requests at once


class RateLimiter:
    """A token bucket per client: `rate_per_minute` requests a minute, bursts of 10 s."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_for(self, client: ApiClient) -> float:
        """Take one request from the client's bucket: 0 when allowed, else seconds to wait."""
        rate = client.rate_per_minute / 60.0
        capacity = max(1.0, rate * BURST_SECONDS)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(client.name, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[client.name] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client.name] = (tokens, now)
            return (1.0 - tokens) / rate


class TokenCache:
    """Clients the database found by their token in the last `seconds`, for the door of a
    pushed report and to send a tile's statements in one message (`Backend.in_one_message`):
    the transaction storing or drawing enters the client by the database again, so a disabled
    or rotated token stores and reads nothing from the moment it is revoked (a 401), and is
    refused at the door `seconds` later at most."""

    MOST = 10_000

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._found: dict[str, tuple[ApiClient, float]] = {}

    def get(self, token: str) -> ApiClient | None:
        """The client the token was found for, while that is recent enough; else None."""
        found = self._found.get(token)
        if found is None or self._clock() - found[1] >= self.seconds:
            return None
        return found[0]

    def put(self, token: str, client: ApiClient) -> None:
        """Remember the client the database just found for the token."""
        if len(self._found) >= self.MOST:
            self._found.clear()
        self._found[token] = (client, self._clock())


class Backend:
    """The process's pool (one per process), bounded so no request fails for want of a
    connection, and the one way a request reaches the database."""

    def __init__(
        self, pool: psycopg2.pool.ThreadedConnectionPool, size: int, lane: Lane,
        token_seconds: float = 0.0,
    ) -> None:  # fmt: skip
        self.pool = pool
        self.lane = lane
        self._slots = threading.BoundedSemaphore(size)
        self.limiter = RateLimiter()
        self.tokens = TokenCache(token_seconds)

    @contextmanager
    def _transaction(self) -> Iterator[psycopg2.extensions.connection]:
        """A transaction of the pool; a failure on a lost connection (the database restarting)
        a 503."""
        used: list[psycopg2.extensions.connection] = []
        with self._slots:
            try:
                with db.transaction(self.pool) as conn:
                    used.append(conn)
                    yield conn
            except ServiceError:
                raise
            except (MinqingError, psycopg2.Error) as exc:
                if used and used[0].closed:
                    raise ServiceError("unavailable", headers={"Retry-After": "2"}) from exc
                raise

    @contextmanager
    def scoped(self, client: ApiClient) -> Iterator[psycopg2.extensions.connection]:
        """A transaction acting for the client in its area (times shown in CST), entered by
        the database from the client's token: a client disabled or rotated since the request
        began is a 401; a failure on a lost connection (the database restarting) a 503."""
        with self._transaction() as conn:
            if enter_client_for_service(conn, client.token) is None:
                raise _bad_token()
            yield conn

    @contextmanager
    def admitted(self, request: Request) -> Iterator[psycopg2.extensions.connection]:
        """The caller admitted (401 without a valid token, 429 over its rate) and acted for in
        one transaction, as `caller` then `scoped` do in two (`request.state.client` is set):
        for requests that need no other transaction, such as a tile's. The client is kept in
        the token cache for `in_one_message`."""
        token = _token_or_refuse(request)
        with self._transaction() as conn:
            client = enter_client_for_service(conn, token)
            if client is None:
                raise _bad_token()
            _within_rate(self, client)
            self.tokens.put(token, client)
            request.state.client = client
            yield conn

    def kept_client(self, request: Request) -> ApiClient | None:
        """The caller as the token cache holds it (found by the database lately), or None."""
        token = token_of(request)
        return self.tokens.get(token) if token is not None else None

    async def in_one_message(
        self, request: Request, client: ApiClient, query: Callable[[Cursor], Built]
    ) -> tuple:
        """The row of `query`'s message (its first column who the transaction acts for) for a
        client of the token cache, admitted by its rate limit, in one round trip awaited on
        the event loop (`service.lane`; `Busy` when the lane's connections are all lent): the
        statement entering the client by its token and `query`'s go in one message, which
        PostgreSQL runs as one transaction. The database checks the token as in `admitted`: a
        client disabled or rotated since it was cached acts for nobody (row-level security
        shows nothing) and the request is a 401."""
        if self.lane.busy:
            raise Busy
        _within_rate(self, client)
        request.state.client = client
        async with self.lane.lent() as conn:
            with conn.cursor() as cur:
                enter = named_execution(
                    cur, ENTER_STATEMENT, load_sql("mapapi_enter_client"), {"token": client.token}
                )
                rest, succeeded = query(cur)
                row = await fetch_one(cur, enter.sent + b";\n" + rest)
            enter.record(conn)
            succeeded()
        if row is None or row[0] != client.actor:
            raise _bad_token()
        return row

    def client(self, token: str) -> ApiClient | None:
        """The enabled client holding the token, as the database finds it."""
        with self._slots, db.transaction(self.pool) as conn:
            return enter_client(conn, token)


def is_owner_login(conn: psycopg2.extensions.connection) -> bool:
    """True when the connection logged in as the tables' owner (or a superuser)."""
    with conn.cursor() as cur:
        cur.execute(_OWNER_SESSION)
        return bool(cur.fetchone()[0])


def _bad_token() -> ServiceError:
    return ServiceError("bad_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def token_of(request: Request) -> str | None:
    """The token: `Authorization: Bearer …`, `X-API-Key`, or the `api_key` query parameter."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or request.query_params.get("api_key") or None


def caller(request: Request) -> ApiClient:
    """The calling client, admitted by its rate limit; a problem (401, 429) otherwise."""
    return admit(request, token_of(request))


def admit(request: Request, token: str | None) -> ApiClient:
    """The client holding the token, admitted by its rate limit; 401 or 429 otherwise."""
    backend: Backend = request.app.state.backend
    if token is None:
        raise _no_token()
    client = backend.client(token)
    if client is None:
        raise _bad_token()
    _within_rate(backend, client)
    request.state.client = client
    return client


async def pusher(request: Request) -> ApiClient:
    """The calling client of a pushed report, admitted by its rate limit (401, 429 otherwise):
    from the token cache when the database found it lately (`TokenCache`), without a thread."""
    backend: Backend = request.app.state.backend
    token = _token_or_refuse(request)
    client = backend.tokens.get(token)
    if client is None:
        client = await anyio.to_thread.run_sync(backend.client, token)
        if client is None:
            raise _bad_token()
        backend.tokens.put(token, client)
    _within_rate(backend, client)
    request.state.client = client
    return client


def _no_token() -> ServiceError:
    return ServiceError("no_token", headers={"WWW-Authenticate": 'Bearer realm="minqing"'})


def _token_or_refuse(request: Request) -> str:
    token = token_of(request)
    if token is None:
        raise _no_token()
    return token


def _within_rate(backend: Backend, client: ApiClient) -> None:
    """Take a request from the client's rate limit, or refuse it (429, Retry-After)."""
    wait = backend.limiter.wait_for(client)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ServiceError("rate_limited", headers={"Retry-After": str(seconds)}, seconds=seconds)
