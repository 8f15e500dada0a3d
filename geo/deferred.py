"""Schema work a bulk load commits first and finishes afterwards, in parallel connections.

The demo seed commits its rows without secondary indexes and with foreign keys not yet
validated, records the statements that finish the job (index definitions from the catalog,
`VALIDATE CONSTRAINT`, the rollup recount) in `deferred_statements` (migration 057) in the
same transaction, and then runs them over several connections. Each statement's row is
deleted in the transaction that runs it, so a statement runs once, and whatever a failure or
a killed process leaves behind is finished by the next `migrate()` or seed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg2
import psycopg2.extensions

from geo.errors import DatabaseError

_EXISTS = "SELECT to_regclass('deferred_statements') IS NOT NULL"
_ADD = "INSERT INTO deferred_statements (statement) VALUES (%s)"
_PENDING = "SELECT id FROM deferred_statements ORDER BY id"
# Deleting the row takes its lock: a second runner waits, then finds it gone and skips it.
_TAKE = "DELETE FROM deferred_statements WHERE id = %s RETURNING statement"
_TAKE_ALL = "DELETE FROM deferred_statements RETURNING id, statement"
# Index builds, the rollups' sorts and aggregates in memory; no JIT for statements that run
# once (seconds of CPU per big statement). A bulk load's own transaction uses them too.
BULK_SETTINGS = (
    "SET LOCAL maintenance_work_mem = '1GB'",
    "SET LOCAL work_mem = '512MB'",
    "SET LOCAL jit = off",
)
# With one connection per core already busy, parallel index-build workers only compete.
_NO_BUILD_WORKERS = "SET LOCAL max_parallel_maintenance_workers = 0"


@dataclass(frozen=True)
class Finished:
    """One deferred statement that ran, and how long it took (seconds)."""

    statement: str
    seconds: float


def defer(cur: psycopg2.extensions.cursor, statements: Sequence[str]) -> None:
    """Record statements to finish later, in the cursor's transaction (run in this order)."""
    for statement in statements:
        cur.execute(_ADD, (statement,))


def take_all(cur: psycopg2.extensions.cursor) -> list[str]:
    """Remove every pending statement in the cursor's transaction and return them in order."""
    cur.execute(_EXISTS)
    if not cur.fetchone()[0]:
        return []
    cur.execute(_TAKE_ALL)
    return [statement for _, statement in sorted(cur.fetchall())]


def pending(conn: psycopg2.extensions.connection) -> list[int]:
    """Ids of the statements still to run, oldest first ([] before migration 057)."""
    with conn.cursor() as cur:
        cur.execute(_EXISTS)
        if not cur.fetchone()[0]:
            return []
        cur.execute(_PENDING)
        return [row[0] for row in cur.fetchall()]


def pending_count(conn: psycopg2.extensions.connection) -> int:
    """How many statements are still to run, for any role (the pages' role cannot read the
    table itself: a function of the owner counts them, migration 060)."""
    with conn.cursor() as cur:
        cur.execute("SELECT minqing_deferred_pending()")
        return cur.fetchone()[0]


def finish(connections: Sequence[psycopg2.extensions.connection]) -> list[Finished]:
    """Run every pending statement, spread over the connections; each commits on its own.

    The connections must not be in a transaction. Raises DatabaseError after all of them
    stopped when a statement failed; its row (and any not reached) stays for the next run.
    """
    if not connections:
        raise ValueError("finish needs at least one connection")
    todo = pending(connections[0])
    connections[0].rollback()
    lock = threading.Lock()
    done: list[Finished] = []
    failures: list[str] = []
    settings = [*BULK_SETTINGS, *([_NO_BUILD_WORKERS] if len(connections) > 1 else [])]

    def work(conn: psycopg2.extensions.connection) -> None:
        while True:
            with lock:
                if failures or not todo:
                    return
                statement_id = todo.pop(0)
            try:
                ran = _run_one(conn, statement_id, settings)
            except psycopg2.Error as exc:
                conn.rollback()
                with lock:
                    failures.append((exc.pgerror or str(exc)).strip().splitlines()[0])
                return
            if ran is not None:
                with lock:
                    done.append(ran)

    threads = [threading.Thread(target=work, args=(conn,)) for conn in connections[1:]]
    for thread in threads:
        thread.start()
    try:
        work(connections[0])
    except BaseException:
        # Ctrl-C or an error here: stop the other connections' statements too (their rows stay)
        with lock:
            failures.append("interrupted")
        for conn in connections[1:]:
            conn.cancel()
        raise
    finally:
        for thread in threads:
            thread.join()
    if failures:
        raise DatabaseError(
            f"finishing the schema work failed ({failures[0]}); the rest is kept and "
            "`minqing db migrate` finishes it"
        )
    return done


def _run_one(
    conn: psycopg2.extensions.connection, statement_id: int, settings: Sequence[str]
) -> Finished | None:
    """Take one statement's row and run the statement in that transaction (None: gone)."""
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(_TAKE, (statement_id,))
        row = cur.fetchone()
        if row is None:
            conn.rollback()
            return None
        for setting in settings:
            cur.execute(setting)
        cur.execute(row[0])  # written by the project itself (see the module docstring)
    conn.commit()
    return Finished(row[0], time.perf_counter() - start)
