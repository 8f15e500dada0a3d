"""Signing in with a password: a fixed delay on failure, a lockout after repeated failures."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg2.extensions

from geo.auth import User
from geo.auth.audit import record
from geo.auth.passwords import dummy_verify, verify_password
from geo.auth.sessions import create_session
from geo.settings import Settings

_LOCK_USER = """
SELECT username, role, area_code, area_level, center_code, display_name,
       password_hash, disabled, failed_attempts, locked_until
FROM users WHERE username = %s FOR UPDATE
"""
_FAILED = """
UPDATE users SET failed_attempts = %(attempts)s, locked_until = %(locked_until)s
WHERE username = %(username)s
"""
_SUCCEEDED = "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = %s"


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in came to: a user and session token, or why not ('bad', 'locked')."""

    user: User | None
    token: str | None
    reason: str
    locked_until: datetime | None = None


def sign_in(
    conn: psycopg2.extensions.connection,
    username: str,
    password: str,
    settings: Settings,
    now: datetime,
    client: str | None = None,
    sleep: bool = True,
) -> LoginResult:
    """Check a password and open a session, audited; a failure waits the configured delay.

    Unknown users, wrong passwords and disabled users are all 'bad' (one message, no hint).
    After `login_max_failures` failures in a row the user is locked for `login_lockout_minutes`.
    """
    result = _check(conn, username[:200], password, settings, now, client)
    if result.user is None and sleep:
        time.sleep(settings.login_delay_seconds)
    return result


def _check(
    conn: psycopg2.extensions.connection,
    username: str,
    password: str,
    settings: Settings,
    now: datetime,
    client: str | None,
) -> LoginResult:
    with conn.cursor() as cur:
        cur.execute(_LOCK_USER, (username,))
        row = cur.fetchone()
    if row is None:
        dummy_verify(password)
        record(conn, username, "login_failed", username, {"reason": "unknown user"}, client)
        return LoginResult(None, None, "bad")
    user = User(*row[:6])
    password_hash, disabled, attempts, locked_until = row[6:]
    if locked_until is not None and locked_until > now:
        record(conn, username, "login_failed", username, {"reason": "locked"}, client)
        return LoginResult(None, None, "locked", locked_until)
    if not verify_password(password, password_hash) or disabled:
        attempts += 1
        locked = None
        if attempts >= settings.login_max_failures:
            locked = now + timedelta(minutes=settings.login_lockout_minutes)
        with conn.cursor() as cur:
            cur.execute(
                _FAILED,
                {
                    "username": username,
                    "attempts": 0 if locked else attempts,
                    "locked_until": locked,
                },
            )
        reason = "disabled" if disabled else "wrong password"
        detail = {"reason": reason, "attempts": attempts, "locked": locked is not None}
        record(conn, username, "login_failed", username, detail, client)
        if locked:
            return LoginResult(None, None, "locked", locked)
        return LoginResult(None, None, "bad")
    with conn.cursor() as cur:
        cur.execute(_SUCCEEDED, (username,))
    token = create_session(conn, username, settings, now, client)
    record(conn, username, "login", username, {"method": "password"}, client)
    return LoginResult(user, token, "ok")
