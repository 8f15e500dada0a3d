"""Signing in with a password, through the database: one answer for every failure, and
growing waits per client address and overall instead of an account lock anyone could trigger.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg2.extensions

from geo.auth import User
from geo.auth.passwords import MAX_LENGTH, proof
from geo.settings import Settings

_SALT = "SELECT minqing_login_salt(%s)"
_SIGN_IN = "SELECT * FROM minqing_sign_in(%s, %s, %s, %s, %s, %s)"
_POLICY = """
UPDATE minqing_private.login_policy
SET free_failures = %(free)s, base_delay_seconds = %(base)s, max_delay_seconds = %(max)s,
    window_minutes = %(window)s, overall_per_minute = %(overall)s, sso_enabled = %(sso)s
"""


@dataclass(frozen=True)
class LoginResult:
    """What a sign-in came to: a user and session token ('ok'), or why not: 'bad' (unknown
    name, wrong password, disabled account: one answer) or 'wait' (`retry_after` seconds)."""

    user: User | None
    token: str | None
    reason: str
    retry_after: float = 0.0


def sign_in(
    conn: psycopg2.extensions.connection,
    username: str,
    password: str,
    settings: Settings,
    client: str | None = None,
) -> LoginResult:
    """Check a password in the database and open a session there, audited.

    The database hands out the salt to derive a proof with (a made-up one for unknown names, so
    every name costs the same scrypt time), compares the proof's digest and throttles: after
    `login_free_failures` failures from one address within the window, each next attempt from
    it must wait twice as long as the one before (up to `login_max_delay_seconds`), and all
    addresses together get `login_overall_per_minute` failures a minute. The caller waits
    `login_delay_seconds` after a failure before answering.
    """
    username = username[:200]
    with conn.cursor() as cur:
        cur.execute(_SALT, (username,))
        params = cur.fetchone()[0]
        # an over-long password never matches, and costs the same time as any other
        key = proof(password if len(password) <= MAX_LENGTH else secrets.token_hex(), params)
        token = secrets.token_urlsafe(32)
        cur.execute(
            _SIGN_IN,
            (username, key, token, client, settings.session_idle_minutes,
             settings.session_absolute_hours),
        )  # fmt: skip
        outcome, retry_after, *row = cur.fetchone()
    if outcome == "ok":
        return LoginResult(User(*row), token, "ok")
    return LoginResult(None, None, outcome, float(retry_after or 0))


def apply_login_policy(conn: psycopg2.extensions.connection, settings: Settings) -> None:
    """Write the sign-in rules of the settings into the database (the owner, at start): the
    database enforces them, so a page cannot loosen them."""
    with conn.cursor() as cur:
        cur.execute(
            _POLICY,
            {
                "free": settings.login_free_failures,
                "base": settings.login_delay_seconds,
                "max": settings.login_max_delay_seconds,
                "window": settings.login_window_minutes,
                "overall": settings.login_overall_per_minute,
                "sso": bool(settings.trusted_header),
            },
        )
