"""Server-side sessions: a random token in the browser, its hash here, idle and absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import psycopg2.extensions

from geo.auth import User
from geo.settings import Settings

# A session's last-seen time is written at most this often (not on every page run).
_TOUCH_EVERY = timedelta(seconds=30)

_INSERT = """
INSERT INTO user_sessions (token_hash, username, created_at, last_seen_at, expires_at, client)
VALUES (%(token_hash)s, %(username)s, %(now)s, %(now)s, %(expires)s, %(client)s)
"""
_CHECK = """
SELECT u.username, u.role, u.area_code, u.area_level, u.center_code, u.display_name,
       s.last_seen_at
FROM user_sessions s JOIN users u USING (username)
WHERE s.token_hash = %(token_hash)s
  AND s.revoked_at IS NULL
  AND s.expires_at > %(now)s
  AND s.last_seen_at > %(idle_since)s
  AND NOT u.disabled
"""
_TOUCH = "UPDATE user_sessions SET last_seen_at = %(now)s WHERE token_hash = %(token_hash)s"
_REVOKE = """
UPDATE user_sessions SET revoked_at = %(now)s
WHERE token_hash = %(token_hash)s AND revoked_at IS NULL
RETURNING username
"""


def token_hash(token: str) -> str:
    """The SHA-256 of a session token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(
    conn: psycopg2.extensions.connection,
    username: str,
    settings: Settings,
    now: datetime,
    client: str | None = None,
) -> str:
    """Open a session for a user; returns the token for the browser (never stored here)."""
    token = secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute(
            _INSERT,
            {
                "token_hash": token_hash(token),
                "username": username,
                "now": now,
                "expires": now + timedelta(hours=settings.session_absolute_hours),
                "client": client,
            },
        )
    return token


def session_user(
    conn: psycopg2.extensions.connection, token: str, settings: Settings, now: datetime
) -> User | None:
    """The user of a live session (not revoked, expired, idle too long, or disabled), or None."""
    if not token or len(token) > 100:
        return None
    key = token_hash(token)
    with conn.cursor() as cur:
        cur.execute(
            _CHECK,
            {
                "token_hash": key,
                "now": now,
                "idle_since": now - timedelta(minutes=settings.session_idle_minutes),
            },
        )
        row = cur.fetchone()
        if row is None:
            return None
        if now - row[6] >= _TOUCH_EVERY:
            cur.execute(_TOUCH, {"now": now, "token_hash": key})
    return User(*row[:6])


def revoke_session(conn: psycopg2.extensions.connection, token: str, now: datetime) -> str | None:
    """End a session (sign-out); returns its user's name, or None when it was not live."""
    with conn.cursor() as cur:
        cur.execute(_REVOKE, {"token_hash": token_hash(token), "now": now})
        row = cur.fetchone()
    return row[0] if row else None
