"""API clients: accounts of other systems, each with a role, an area, sources and a rate limit.

A client's token is 32 random bytes shown once; only its SHA-256 is stored (a token carries
enough entropy that a slow hash adds nothing, and each request checks it).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

import psycopg2.extensions

from geo.auth import AREA_LEVELS
from geo.auth.audit import record
from geo.errors import MinqingError
from geo.filters import Scope
from geo.sqlfiles import load_sql
from geo.vocabulary import SOURCES

ROLES = ("reader", "source")
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TOKEN_PREFIX = "mq_"
DEFAULT_RATE = 1200  # requests per minute

# The database checks the token and acts for its client until the transaction ends
# (migration 093): the app's login can read no token hash and enter no area on its own word.
_ENTER_CLIENT = "SELECT * FROM minqing_enter_client(%s)"
_LIST = """
SELECT name, role, area_level, area_code, sources, rate_per_minute,
       disabled, note, created_at, updated_at
FROM api_clients ORDER BY name
"""
_AREA = "SELECT level FROM current_areas WHERE code = %s"
_INSERT = """
INSERT INTO api_clients (name, role, area_level, area_code, sources, rate_per_minute,
                         token_hash, note)
VALUES (%(name)s, %(role)s, %(area_level)s, %(area_code)s, %(sources)s, %(rate)s,
        %(token_hash)s, %(note)s)
ON CONFLICT (name) DO NOTHING
"""
_SET_DISABLED = (
    "UPDATE api_clients SET disabled = %(disabled)s, updated_at = now() WHERE name = %(name)s"
)
_SET_TOKEN = (
    "UPDATE api_clients SET token_hash = %(token_hash)s, updated_at = now() WHERE name = %(name)s"
)


class ClientError(MinqingError):
    """An API client that cannot be added or changed as asked."""


@dataclass(frozen=True)
class ApiClient:
    """A client as a request sees it: who, what it may do, where, and how often."""

    name: str
    role: str
    area_level: str
    area_code: str
    sources: tuple[str, ...]
    rate_per_minute: int
    # the token the request came with: each of its transactions enters the client with it
    token: str = field(default="", repr=False, compare=False)

    @property
    def scope(self) -> Scope:
        """The area this client may see (the whole city for a city client)."""
        return Scope() if self.area_level == "city" else Scope(self.area_level, self.area_code)

    @property
    def actor(self) -> str:
        """The name written in events and the audit log for this client's actions."""
        return f"api:{self.name}"

    def may_push(self, source: str) -> bool:
        """True when the client is a source's system allowed to push reports of `source`."""
        return self.role == "source" and source in self.sources


@dataclass(frozen=True)
class ClientRow:
    """A client as `minqing clients list` shows it."""

    client: ApiClient
    disabled: bool
    note: str
    created_at: datetime
    updated_at: datetime


def token_hash(token: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _client(row: tuple) -> ApiClient:
    name, role, level, code, sources, rate = row[:6]
    return ApiClient(name, role, level, code, tuple(sources), rate)


def enter_client(conn: psycopg2.extensions.connection, token: str) -> ApiClient | None:
    """Act for the enabled client holding this token until the transaction ends (the database
    checks it); the client, or None (and a transaction that sees nothing)."""
    with conn.cursor() as cur:
        cur.execute(_ENTER_CLIENT, (token or "",))
        row = cur.fetchone()
    return replace(_client(row), token=token) if row else None


def enter_client_for_service(conn: psycopg2.extensions.connection, token: str) -> ApiClient | None:
    """As `enter_client`, with the transaction's clock in CST and JIT off, in one statement
    (`geo/sql/mapapi_enter_client.sql`)."""
    with conn.cursor() as cur:
        cur.execute(load_sql("mapapi_enter_client"), {"token": token or ""})
        row = cur.fetchone()
    return replace(_client(row), token=token) if row else None


def add_client(
    conn: psycopg2.extensions.connection,
    name: str,
    role: str,
    area_code: str,
    sources: tuple[str, ...] = (),
    rate_per_minute: int = DEFAULT_RATE,
    note: str = "",
    actor: str = "system",
) -> tuple[ApiClient, str]:
    """Add a client bound to an area of the current tree, audited; returns it and its token."""
    if not NAME.match(name):
        raise ClientError("a client name has 1 to 64 characters: letters, digits, _ . - only")
    if role not in ROLES:
        raise ClientError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ClientError(f"unknown source {unknown[0]!r}: one of {', '.join(SOURCES)}")
    if role == "source" and not sources:
        raise ClientError("a source client names the sources it pushes (--source)")
    if not 1 <= rate_per_minute <= 1_000_000:
        raise ClientError("the rate limit is 1 to 1,000,000 requests a minute")
    with conn.cursor() as cur:
        cur.execute(_AREA, (area_code,))
        area = cur.fetchone()
        if area is None:
            raise ClientError(f"no area {area_code!r} in the current boundaries")
        if area[0] not in AREA_LEVELS:
            raise ClientError(
                f"clients are bound to a city, district, street or community, not a {area[0]}"
            )
        token = new_token()
        cur.execute(
            _INSERT,
            {
                "name": name, "role": role, "area_level": area[0], "area_code": area_code,
                "sources": list(dict.fromkeys(sources)), "rate": rate_per_minute,
                "token_hash": token_hash(token), "note": note,
            },
        )  # fmt: skip
        if cur.rowcount == 0:
            raise ClientError(f"a client {name!r} already exists")
    client = ApiClient(
        name, role, area[0], area_code, tuple(dict.fromkeys(sources)), rate_per_minute
    )
    detail = {"role": role, "area_code": area_code, "sources": list(client.sources)}
    record(conn, actor, "api_client_add", name, {**detail, "rate_per_minute": rate_per_minute})
    return client, token


def set_disabled(
    conn: psycopg2.extensions.connection, name: str, disabled: bool, actor: str = "system"
) -> None:
    """Disable (its token stops working at once) or enable a client, audited."""
    with conn.cursor() as cur:
        cur.execute(_SET_DISABLED, {"name": name, "disabled": disabled})
        if cur.rowcount == 0:
            raise ClientError(f"no client {name!r}")
    record(conn, actor, "api_client_disable" if disabled else "api_client_enable", name)


def rotate_token(conn: psycopg2.extensions.connection, name: str, actor: str = "system") -> str:
    """Give a client a new token (the old one stops working at once), audited; returns it."""
    token = new_token()
    with conn.cursor() as cur:
        cur.execute(_SET_TOKEN, {"name": name, "token_hash": token_hash(token)})
        if cur.rowcount == 0:
            raise ClientError(f"no client {name!r}")
    record(conn, actor, "api_client_rotate", name)
    return token


def list_clients(conn: psycopg2.extensions.connection) -> list[ClientRow]:
    """Every client, by name."""
    with conn.cursor() as cur:
        cur.execute(_LIST)
        return [ClientRow(_client(row), *row[6:]) for row in cur.fetchall()]
