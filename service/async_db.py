"""Connections waited for on the event loop: psycopg2's asynchronous ones, for the requests
that are one message to the database (a kept caller's tile), so that such a request never
leaves the event loop for a worker thread (the hand-over to a thread and back cost about as
much as the message's statement on a z15 tile: docs/benchmarks.md, issue 16).

An asynchronous connection is always in autocommit: a message of several statements is one
transaction. A connection whose message failed or was abandoned (the client gone) is closed,
not used again; the next message opens a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import psycopg2
import psycopg2.extensions
from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE

CONNECT_SECONDS = 5.0
Built = tuple[bytes, Callable[[], None]]  # the message, and what to do once it succeeded


class LoopConnections:
    """At most `size` asynchronous connections to `url`, opened when first needed and kept
    for the next message; each used by one message at a time."""

    def __init__(self, url: str, size: int) -> None:
        self._url = url
        self._size = size
        self._idle: list[psycopg2.extensions.connection] = []
        self._slots: asyncio.Semaphore | None = None
        self.cursor_factory: type[psycopg2.extensions.cursor] = psycopg2.extensions.cursor

    async def row(self, build: Callable[[psycopg2.extensions.cursor], Built]) -> tuple | None:
        """The first row of the message `build` makes with a cursor of a free connection (its
        statements' last result), sent and waited for on the event loop; `build`'s
        callback runs once the message succeeded. psycopg2's errors as they come."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._size)
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                with conn.cursor(cursor_factory=self.cursor_factory) as cur:
                    message, succeeded = build(cur)
                    cur.execute(message)
                    await _ready(conn)
                    row = cur.fetchone()
            except BaseException:
                conn.close()
                raise
            succeeded()
            self._idle.append(conn)
            return row

    async def _connect(self) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(self._url, async_=True, application_name="minqing")
        try:
            await asyncio.wait_for(_ready(conn), CONNECT_SECONDS)
        except BaseException:
            conn.close()
            raise
        return conn


async def _ready(conn: psycopg2.extensions.connection) -> None:
    """Wait on the event loop until the connection's pending work is done (psycopg2's
    poll protocol: readable or writable, then poll again)."""
    loop = asyncio.get_running_loop()
    while True:
        state = conn.poll()
        if state == POLL_OK:
            return
        if state not in (POLL_READ, POLL_WRITE):
            raise psycopg2.OperationalError(f"unexpected poll state {state}")
        waiter = loop.create_future()
        fd = conn.fileno()
        add, remove = (
            (loop.add_reader, loop.remove_reader)
            if state == POLL_READ
            else (loop.add_writer, loop.remove_writer)
        )
        add(fd, _wake, waiter)
        try:
            await waiter
        finally:
            remove(fd)


def _wake(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
