"""Versioned schema migrations: numbered `.sql` files applied once each, in number order.

A migration numbered below the highest one a database has applied is refused, not run late:
every database runs the same migrations in the same order (docs/architecture.md, Migrations).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import psycopg2
import psycopg2.extensions

from geo import deferred
from geo.errors import MigrationError

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
# Any 64-bit number unique to this project: serialises concurrent migrators.
_ADVISORY_LOCK = 0x6D696E71696E67

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One numbered migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, to notice an applied migration that was edited."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The packaged migrations in version order."""
    found = []
    for entry in resources.files("geo.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a number: {versions}")
    return found


def applied_versions(conn: psycopg2.extensions.connection) -> dict[int, str]:
    """Applied migration versions and their checksums ({} on an empty database)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not cur.fetchone()[0]:
            return {}
        cur.execute("SELECT version, checksum FROM schema_migrations")
        return dict(cur.fetchall())


def _refuse_out_of_order(migrations: list[Migration], done: dict[int, str]) -> None:
    """Stop before a pending migration numbered below the highest applied one."""
    if not done:
        return
    highest = max(done)
    late = [m for m in migrations if m.version not in done and m.version < highest]
    if late:
        names = ", ".join(f"{m.version:03d}_{m.name}" for m in late)
        raise MigrationError(
            f"migration {names} is numbered below {highest:03d}, the highest this database "
            "has applied: migrations run in number order only, so give it a number above "
            f"{highest:03d}"
        )


def migrate(
    conn: psycopg2.extensions.connection, progress: Callable[[str], None] = lambda _: None
) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; returns those applied.

    Then finishes any schema work a bulk load left deferred (`geo.deferred`).
    """
    migrations = load_migrations()
    applied: list[Migration] = []
    if conn.autocommit:
        conn.autocommit = False
    else:
        conn.commit()
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK,))
        conn.commit()
    try:
        with conn.cursor() as cur:
            cur.execute(_LEDGER)
        conn.commit()
        done = applied_versions(conn)
        _refuse_out_of_order(migrations, done)
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:03d}_{migration.name} was edited after "
                        "it was applied; add a new migration instead"
                    )
                continue
            try:
                with conn.cursor() as cur:
                    cur.execute(migration.sql)
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                conn.commit()
            except psycopg2.Error as exc:
                conn.rollback()
                raise MigrationError(
                    f"migration {migration.version:03d}_{migration.name} failed: "
                    f"{(exc.pgerror or str(exc)).strip()}"
                ) from None
            applied.append(migration)
        if left := deferred.pending(conn):
            progress(
                f"finishing {len(left)} statements an interrupted seed left "
                "(index builds, key checks, rollup recount) …"
            )
            deferred.finish([conn])
        conn.rollback()
    finally:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))
        conn.commit()
    return applied
