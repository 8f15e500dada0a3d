"""The users table: add, list, disable, enable, set a password; checked against the area tree."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from geo.auth import AREA_LEVELS, ROLES, User
from geo.auth.audit import record
from geo.auth.passwords import hash_password
from geo.errors import MinqingError

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")

_GET = """
SELECT username, role, area_code, area_level, center_code, display_name
FROM users WHERE username = %s
"""
_ACTIVE = """
SELECT username, role, area_code, area_level, center_code, display_name
FROM users WHERE username = %s AND NOT disabled
"""
_LIST = """
SELECT username, role, area_code, area_level, center_code, display_name,
       disabled, failed_attempts, locked_until, created_at, updated_at,
       password_hash IS NOT NULL
FROM users ORDER BY username
"""
_INSERT = """
INSERT INTO users (username, display_name, role, area_code, area_level, center_code,
                   password_hash)
VALUES (%(username)s, %(display_name)s, %(role)s, %(area_code)s, %(area_level)s,
        %(center_code)s, %(password_hash)s)
"""
_AREA = "SELECT level FROM current_areas WHERE code = %s"
_CENTER = "SELECT area_code FROM centers WHERE code = %s"
_SET_DISABLED = """
UPDATE users SET disabled = %(disabled)s, failed_attempts = 0, locked_until = NULL,
                 updated_at = now()
WHERE username = %(username)s
"""
_SET_PASSWORD = """
UPDATE users SET password_hash = %(hash)s, failed_attempts = 0, locked_until = NULL,
                 updated_at = now()
WHERE username = %(username)s
"""
_REVOKE_ALL = """
UPDATE user_sessions SET revoked_at = now() WHERE username = %s AND revoked_at IS NULL
"""


class UserError(MinqingError):
    """A user that cannot be added or changed as asked."""


@dataclass(frozen=True)
class UserRow:
    """A user as the admin page and `minqing users list` show it."""

    user: User
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime
    has_password: bool


def get_user(conn: psycopg2.extensions.connection, username: str) -> User | None:
    """The user of this name, disabled or not (None when there is none)."""
    with conn.cursor() as cur:
        cur.execute(_GET, (username,))
        row = cur.fetchone()
    return User(*row) if row else None


def active_user(conn: psycopg2.extensions.connection, username: str) -> User | None:
    """The user of this name unless disabled (None when there is none or it is disabled)."""
    with conn.cursor() as cur:
        cur.execute(_ACTIVE, (username,))
        row = cur.fetchone()
    return User(*row) if row else None


def list_users(conn: psycopg2.extensions.connection) -> list[UserRow]:
    """Every user, by name."""
    with conn.cursor() as cur:
        cur.execute(_LIST)
        return [UserRow(User(*row[:6]), *row[6:]) for row in cur.fetchall()]


def check_username(username: str) -> str:
    """The username if well formed (letters, digits, `_ . @ -`, up to 64), else UserError."""
    if not USERNAME.match(username):
        raise UserError("a username has 1 to 64 characters: letters, digits, and _ . @ - only")
    return username


def add_user(
    conn: psycopg2.extensions.connection,
    username: str,
    display_name: str,
    role: str,
    area_code: str,
    password: str | None,
    center_code: str | None = None,
    actor: str = "system",
    client: str | None = None,
) -> User:
    """Add a user bound to an area of the current tree (its level is the area's), audited."""
    check_username(username)
    display_name = " ".join(display_name.split())
    if not 1 <= len(display_name) <= 100:
        raise UserError("a display name has 1 to 100 characters")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    with conn.cursor() as cur:
        cur.execute(_AREA, (area_code,))
        area = cur.fetchone()
        if area is None:
            raise UserError(f"no area {area_code!r} in the current boundaries")
        if area[0] not in AREA_LEVELS:
            raise UserError(
                f"users are bound to a city, district, street or community, not a {area[0]}"
            )
        if center_code:
            cur.execute(_CENTER, (center_code,))
            if cur.fetchone() is None:
                raise UserError(f"no center {center_code!r}")
        if get_user(conn, username) is not None:
            raise UserError(f"a user {username!r} already exists")
        cur.execute(
            _INSERT,
            {
                "username": username,
                "display_name": display_name,
                "role": role,
                "area_code": area_code,
                "area_level": area[0],
                "center_code": center_code or None,
                "password_hash": hash_password(password) if password is not None else None,
            },
        )
    user = User(username, role, area_code, area[0], center_code or None, display_name)
    record(
        conn, actor, "user_add", username,
        {"role": role, "area_code": area_code, "center_code": center_code}, client,
    )  # fmt: skip
    return user


def set_disabled(
    conn: psycopg2.extensions.connection,
    username: str,
    disabled: bool,
    actor: str = "system",
    client: str | None = None,
) -> None:
    """Disable (ending every session) or enable a user, audited."""
    with conn.cursor() as cur:
        cur.execute(_SET_DISABLED, {"username": username, "disabled": disabled})
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")
        if disabled:
            cur.execute(_REVOKE_ALL, (username,))
    record(conn, actor, "user_disable" if disabled else "user_enable", username, {}, client)


def set_password(
    conn: psycopg2.extensions.connection,
    username: str,
    password: str,
    actor: str = "system",
    client: str | None = None,
) -> None:
    """Set a new password (ending every session and any lockout), audited."""
    new_hash = hash_password(password)
    with conn.cursor() as cur:
        cur.execute(_SET_PASSWORD, {"username": username, "hash": new_hash})
        if cur.rowcount == 0:
            raise UserError(f"no user {username!r}")
        cur.execute(_REVOKE_ALL, (username,))
    record(conn, actor, "user_password", username, {}, client)
