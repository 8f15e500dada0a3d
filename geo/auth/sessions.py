"""Server-side sessions: a random token in the browser, its hash in the database, idle and
absolute expiry; checked by the database, which then acts for the session's user."""

from __future__ import annotations

import hashlib
import secrets

import psycopg2.extensions

from geo import db
from geo.auth import User
from geo.settings import Settings

_OPEN = "SELECT minqing_private.open_session(%s, %s, %s, %s, %s)"
_SSO = "SELECT * FROM minqing_sso_session(%s, %s, %s, %s, %s)"
_SIGN_OUT = "SELECT minqing_sign_out(%s, %s)"


def token_hash(token: str) -> str:
    """The SHA-256 of a session token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(
    conn: psycopg2.extensions.connection,
    username: str,
    settings: Settings,
    client: str | None = None,
) -> str:
    """Open a session for a user on the owner's word (command line, tests); the token."""
    token = secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute(
            _OPEN,
            (username, token, client, settings.session_idle_minutes,
             settings.session_absolute_hours),
        )  # fmt: skip
    return token


def session_user(
    conn: psycopg2.extensions.connection, token: str | None, use: bool = False
) -> User | None:
    """The user of a live session (not revoked, expired, idle too long, or disabled), or None;
    the transaction then acts for that user. `use`: a person's own action (restarts the idle
    time; a timed refresh passes False)."""
    row = db.enter_session(conn, token, use)
    return User(*row) if row else None


def sso_session(
    conn: psycopg2.extensions.connection, username: str, settings: Settings, client: str | None
) -> tuple[User, str] | None:
    """A session for the user a trusted gateway names (audited), and its token; None for an
    unknown or disabled user. The database refuses unless single sign-on is configured."""
    token = secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute(
            _SSO,
            (username[:200], token, client, settings.session_idle_minutes,
             settings.session_absolute_hours),
        )  # fmt: skip
        row = cur.fetchone()
    return (User(*row), token) if row else None


def revoke_session(
    conn: psycopg2.extensions.connection, token: str, client: str | None = None
) -> str | None:
    """End a session (sign-out, audited); its user's name, or None when it was not live."""
    with conn.cursor() as cur:
        cur.execute(_SIGN_OUT, (token, client))
        return cur.fetchone()[0]
