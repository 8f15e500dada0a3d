"""Connections whose messages are awaited on the event loop (psycopg2's asynchronous mode).

A kept caller's tile is one message to the database (`service.tiles`). Sent from a worker
thread, the hand-over to the thread and back cost 0.13 ms a message, as much as the
database's own work on a point tile; and answered on the event loop with a blocking
connection, every other request would wait for the database. On these connections the event
loop sends the message and serves other requests until the answer is readable. The lane
opens at most `size` connections (the service's pool being the other part of its
connections), when first needed, and keeps them; when every one is lent, the caller goes its
other way (`Busy`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg2
import psycopg2.extensions

from geo import db
from geo.errors import DatabaseUnreachable
from geo.settings import hide_password

CONNECT_SECONDS = 5.0


class Busy(Exception):
    """Every connection of the lane is lent out."""


class Lane:
    """Up to `size` asynchronous connections at `url`, lent one request at a time. Used from
    one event loop at a time (the service's), so it needs no lock."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.size = size
        self.idle: list[db.Connection] = []
        self._lent = 0

    @property
    def busy(self) -> bool:
        """True when every connection the lane may open is lent out."""
        return not self.idle and self._lent >= self.size

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[db.Connection]:
        """A connection of the lane for one message (opened if none is idle); `Busy` when all
        are lent out. A connection that failed or was interrupted is closed, not kept (a
        `PREPARE` of its failed message may stand though it was not recorded)."""
        if self.busy:
            raise Busy
        self._lent += 1
        conn = None
        try:
            conn = self.idle.pop() if self.idle else await _connect(self.url)
            yield conn
        except BaseException:
            if conn is not None:
                conn.close()
            conn = None
            raise
        finally:
            self._lent -= 1
            if conn is not None:
                self.idle.append(conn)


async def fetch_one(cur: psycopg2.extensions.cursor, message: bytes) -> tuple | None:
    """Send `message` on the cursor's asynchronous connection and await its first row."""
    cur.execute(message)
    await _ready(cur.connection)
    return cur.fetchone()


async def _connect(url: str) -> db.Connection:
    conn = psycopg2.connect(
        url, async_=True, application_name="minqing", connection_factory=db.Connection
    )
    try:
        await asyncio.wait_for(_ready(conn), CONNECT_SECONDS)
    except TimeoutError:
        conn.close()
        raise DatabaseUnreachable(
            f"no answer from {hide_password(url)} within {CONNECT_SECONDS:.0f} s"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


async def _ready(conn: psycopg2.extensions.connection) -> None:
    """Poll the connection until what it was doing is done, waiting on the event loop for its
    socket; the database's error is raised here."""
    loop = asyncio.get_running_loop()
    while (state := conn.poll()) != psycopg2.extensions.POLL_OK:
        socket = conn.fileno()
        wake = loop.create_future()
        if state == psycopg2.extensions.POLL_READ:
            loop.add_reader(socket, _wake, wake)
            try:
                await wake
            finally:
                loop.remove_reader(socket)
        else:
            loop.add_writer(socket, _wake, wake)
            try:
                await wake
            finally:
                loop.remove_writer(socket)


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
